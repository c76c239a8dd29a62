"""Answering the questions people ask: everyday wording, names and dates, lists and reasons,
before/after, targets, comparisons, place-less questions, and what must get no answer."""

from __future__ import annotations

import pytest

from retrieval.evaluate import evaluate, in_conversations, read_items
from retrieval.models import Response
from tests.helpers import DATA

FIGURE_KINDS = {"money", "count", "percent", "points", "multiple", "area", "length", "weight",
                "volume", "energy", "power", "concentration", "duration", "number", "rank"}


def _text(r: Response) -> str | None:
    return r.answer.text if r.answer is not None else None


@pytest.mark.parametrize("question, figure", [
    ("贛州經開區今年去大廳辦事的少了多少人次", "3.01萬人次"),  # 少了 → 减少, 大厅 → 入厅
    ("南康家博会网上网下卖了多少钱", "100亿元"),  # 网上网下 → 线上线下, 卖了 → 交易额
    ("南康去年投了多少钱", "509.69亿元"),  # 投了 → 投资
    ("贛州經開區那幾隻基金前前後後孵出來多少家企業", "60余家"),  # 那几只 asks nothing; 余 as written
])
def test_everyday_wording_is_answered(engine, question, figure):
    assert _text(engine.ask(question)) == figure


@pytest.mark.parametrize("question", ["北京2023年GDP是多少", "写一首关于赣州的诗"])
def test_out_of_corpus_questions_get_no_passages(engine, question):
    r = engine.ask(question)
    assert r.answer is None and r.passages == ()


@pytest.mark.parametrize("question", [
    "于都为什么不少招商项目迟迟落不了地",
    "萍乡节能环保产业圈定了哪些重点领域",
    "南昌经开区的经开速度是怎么来的",
])
def test_list_why_and_how_questions_get_a_passage_never_a_figure(engine, question):
    r = engine.ask(question)
    assert r.answer is not None and r.answer.kind == "passage"
    best = r.passages[0].passage
    assert best.id == r.answer.passage_id and best.text[r.answer.start:r.answer.end] == r.answer.text


@pytest.mark.parametrize("question, figure", [
    ("赣州经开区的外资企业原来有多少家", "57家"),
    ("赣州经开区现在的外资企业有多少家", "100家"),
    ("赣州经开区外资企业有多少家", "100家"),  # a plain 有多少: the current side
    ("商贸综合体这块,赣州经开区2020年那会儿有几家", "2家"),
    ("萍乡经开区扩容前的发展空间有多大", "50.18平方公里"),
])
def test_before_and_after_sides(engine, question, figure):
    assert _text(engine.ask(question)) == figure


def test_targets_are_not_actuals(engine):
    assert _text(engine.ask("标准厂房这块,于都去年力争要建到多少")) == "80万"
    assert _text(engine.ask("于都去年实际开工建设了多少标准厂房")) == "20万平方米"
    # Only a target is written: what was actually exported is not in the corpus.
    assert engine.ask("于都纺织服装去年实际出口了多少钱").answer is None


def test_a_comparison_answers_each_side_from_its_own_passage(engine):
    r = engine.ask("南昌经开区和赣州经开区,哪个省大中型项目投资完成得多")
    a = r.answer
    assert a is not None and a.kind == "comparison"
    assert [(p.label, p.text) for p in a.parts] == [("南昌经开区", "121亿元"),
                                                  ("赣州经开区", "56.32亿元")]
    assert a.text == "南昌经开区 121亿元 > 赣州经开区 56.32亿元"
    assert {rp.passage.id for rp in r.passages[:2]} == {p.passage_id for p in a.parts}


def test_a_comparison_of_two_items_in_one_passage(engine):
    a = engine.ask("贛州經開區滿園擴園行動中,已開工的項目和已竣工投產的項目哪個多").answer
    assert a is not None and [p.text for p in a.parts] == ["32個", "37個"]
    assert "<" in a.text


def test_a_place_less_question_lists_each_place(engine):
    a = engine.ask("省大中型项目完成投资多少").answer
    assert a is not None
    labels = [alt.label for alt in a.alternatives]
    assert len(labels) >= 2 and len(set(labels)) == len(labels)
    assert len({alt.text for alt in a.alternatives}) == len(labels)


def test_a_rank_in_the_scope_asked(engine):
    assert _text(engine.ask("萍乡的文明城市年度测评在江西省内拿了第几")) == "全省第一名"


def _report(engine, name: str):
    return evaluate(read_items(DATA / name), in_conversations(engine.ask), engine.res.simplified)


@pytest.mark.parametrize("question, kind, name", [
    ("南康的区委书记是谁", "person", "徐兵"),
    ("华创新材的副总经理叫什么", "person", "操声跃"),
    ("于都哪家企业IPO首发上市获批通过了", "org", "九丰能源"),
    ("江铃新能源跟以色列哪家公司签约出口轿车", "org", "卡拉索汽车公司"),
    ("江铃新能源的首批纯电动轿车出口到哪个国家", "place", "以色列"),
    ("华创新材一期项目是哪天开工的", "date", "3月18日"),  # a day: not 年初, not 今年1月份
    ("华创新材项目预计什么时候试生产", "date", "2023年3月"),
])
def test_names_and_dates(engine, question, kind, name):
    a = engine.ask(question).answer
    assert a is not None and (a.kind, a.text) == (kind, name)


def test_a_city_is_met_by_its_counties(engine):
    """赣州 is named by neither the 于都 speech nor its passage; 于都 is one of its counties."""
    a = engine.ask("赣州市委书记是在哪个城市考察杭萧钢构的").answer
    assert a is not None and (a.kind, a.text) == ("place", "杭州")


def _report(engine, name: str):
    return evaluate(read_items(DATA / name), in_conversations(engine.ask), engine.res.simplified)


def _holds_the_bar(report) -> None:
    """The bar issue 8 set: hit@1 ≥ 0.90, answer@1 ≥ 0.85, ≥ 90 % of the unanswerable left
    unanswered, ≤ 5 % false abstentions, never a figure for a list/why question."""
    assert report.hit1 is not None and report.hit1 >= 0.90, report.failures
    assert report.answer1 is not None and report.answer1 >= 0.85, report.failures
    assert report.abstained >= 0.9 * report.unanswerable, report.failures
    assert report.false_abstentions <= 0.05 * report.answerable, report.failures
    assert report.figure_for_passage == 0, report.failures


def test_typed_dev_set_meets_the_bar(engine):
    _holds_the_bar(_report(engine, "dev2.jsonl"))


def test_own_questions_meet_the_bar(engine):
    """Our own questions, written before tuning."""
    report = _report(engine, "own2.jsonl")
    assert report.hit1 is not None and report.hit1 >= 0.95, report.failures
    assert report.answer1 is not None and report.answer1 >= 0.90, report.failures
    assert report.false_abstentions <= 0.05 * report.answerable, report.failures
    assert report.figure_for_passage == 0, report.failures
    assert report.abstained == report.unanswerable, report.failures


def test_close_passages_without_an_exact_answer_are_shown_in_chinese(engine):
    from bot.terminal import TEXTS, render

    r = engine.ask("赣州经开区的税收有多少")  # the articles speak of 税务, never of how much tax
    assert r.answer is None and r.passages
    shown = render(r)
    assert shown.splitlines()[0] == TEXTS["simplified"]["no_exact"]
    assert r.reason is not None and r.reason not in shown  # the developers' reason stays in JSON


def test_a_year_the_corpus_has_not_gets_no_answer(engine):
    assert engine.ask("南康2019年完成投资多少").answer is None
    a = engine.ask("南康2020年完成投资多少").answer
    assert a is not None and a.text == "509.69亿元"


def test_the_year_an_answer_is_for_is_said_when_not_asked(engine):
    a = engine.ask("南康完成年度投资多少").answer
    assert a is not None and a.text == "509.69亿元" and a.year == 2020  # 去年 in a 2021 article


def test_front_ends_show_a_comparison_as_two_lines_and_alternatives_by_place(engine):
    from bot.telegram_render import answer_messages
    from bot.terminal import render

    compared = engine.ask("南昌经开区和赣州经开区,哪个省大中型项目投资完成得多")
    lines = render(compared).splitlines()
    assert lines[0] == "南昌经开区 121亿元 > 赣州经开区 56.32亿元"
    assert lines[1:3] == ["  · 南昌经开区:121亿元", "  · 赣州经开区:56.32亿元"]
    assert "【" not in render(compared)  # a verdict is not a span of the passage to mark
    html = answer_messages(compared)[0]
    assert "· 南昌经开区:121亿元\n· 赣州经开区:56.32亿元" in html

    places = engine.ask("省大中型项目完成投资多少")
    assert places.answer is not None
    shown = render(places)
    for alt in places.answer.alternatives:
        assert f"· {alt.label}:{alt.text}" in shown


def test_a_count_of_other_things_is_no_answer(engine):
    """多少名工人: the 于都 speech counts projects (74个) and firms, never its workers."""
    assert engine.ask("于都的纺织服装企业有多少名工人").answer is None


@pytest.mark.parametrize("question, figure", [
    ("南昌经开区东田微厂房项目有多少名建设工人", "150余名"),  # the things asked about, counted
    ("赣州经开区新建改建了几所学校", "44所"),  # 新建: newly built, not 南昌新建区
    ("南康2021年要打造多少亿元的家具产业集群", "5000亿元"),  # 亿元 is a unit, no count measure
])
def test_answers_that_once_went_wrong(engine, question, figure):
    assert _text(engine.ask(question)) == figure


def test_what_way_or_model_is_a_passage_question(engine):
    a = engine.ask("南康跟深圳组建的组合港首创了什么通关模式").answer
    assert a is not None and a.kind == "passage" and "跨关区" in a.text


@pytest.mark.parametrize("question", ["南康２０２０年投资完成多少", "南康2020\u200b年投资完成多少"])
def test_full_width_digits_and_invisible_characters_in_a_question(engine, question):
    a = engine.ask(question).answer
    assert a is not None and a.text == "509.69亿元"
