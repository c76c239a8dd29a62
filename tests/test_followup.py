"""Follow-ups read against the conversation's last question, and what must not be read as one."""

from __future__ import annotations

import pytest

from retrieval.evaluate import evaluate, in_conversations, read_items
from tests.helpers import DATA


def _talk(engine, *questions):
    context, responses = None, []
    for q in questions:
        r = engine.ask(q, context=context)
        context = r.context
        responses.append(r)
    return responses


@pytest.mark.parametrize("first, then, read_as, answer", [
    ("南昌经开区今年开工改造了几个老旧小区", "那萍乡呢", "萍乡今年开工改造了几个老旧小区", "216个"),
    ("华创新材一期是哪天开工的", "那二期呢", "华创新材二期是哪天开工的", "10月18日"),
    ("赣州经开区新增了多少张医疗床位", "养老床位呢", "赣州经开区新增了多少张养老床位", "1000张"),
    ("萍乡提升改造了多少个老旧小区", "那惠及了多少户群众", "萍乡老旧小区惠及了多少户群众", "7万户"),
    ("南康区委书记是谁", "那区长呢", "南康的区长是谁", "何善锦"),
    ("赣州经开区新增学位多少个", "那新改建学校呢", "赣州经开区的新改建学校多少", "44所"),
])
def test_a_follow_up_is_the_last_question_with_the_new_part(engine, first, then, read_as, answer):
    _, r = _talk(engine, first, then)
    assert r.interpreted == read_as
    assert r.answer is not None and r.answer.text == answer
    assert r.to_json_dict()["interpreted"] == read_as


def test_a_pronoun_is_what_the_last_answer_was(engine):
    _, r = _talk(engine, "提出“六个敢为人先”的省委书记是谁", "他是哪天来萍乡调研的")
    assert r.interpreted == "易炼红是哪天来萍乡调研的"
    assert r.answer is None  # the corpus does not say: no guess


def test_a_follow_up_in_traditional_is_read_and_shown_in_traditional(engine):
    _, r = _talk(engine, "南昌经开区今年开工改造了几个老旧小区", "那萍鄉呢")
    assert r.interpreted == "萍鄉今年開工改造了幾個老舊小區"
    assert r.answer is not None and r.answer.text == "216個"


def test_a_follow_up_with_nothing_to_follow_gets_no_answer(engine):
    r = engine.ask("那萍乡呢")
    assert r.answer is None and r.passages == () and r.interpreted is None


def test_a_follow_up_about_another_phase_takes_none_of_the_first(engine):
    _, r = _talk(engine, "欣旺达南昌动力电池项目一期从开工到具备试产条件用了多久", "那二期呢")
    assert r.answer is None  # 4个月 is 一期's


@pytest.mark.parametrize("question", ["其他企业有多少家", "南康及其周边有多少家企业",
                                      "新建改建了几所学校"])
def test_a_full_question_starts_afresh(engine, question):
    first = engine.ask("南昌经开区今年开工改造了几个老旧小区")
    r = engine.ask(question, context=first.context)
    assert r.interpreted is None


def test_own_follow_up_pairs(engine):
    """20 pairs written for this (tests/data/followups.jsonl), asked in their conversations."""
    report = evaluate(read_items(DATA / "followups.jsonl"), in_conversations(engine.ask),
                      engine.res.simplified)
    assert report.answer1 is not None and report.answer1 >= 0.85, report.failures
    assert report.abstained == report.unanswerable, report.failures
