"""The scoring of ``ganwen eval`` (retrieval/evaluate.py) on hand-made responses: hit@1 and hit@3
with an alternative span, answer@1 (script and whitespace, the 8-character rule, ``A|B``, kinds),
passage-kind questions, abstention and false abstention, figure@1 on untyped files, follow-ups
asked in their conversation, per-type sums; and the command's per-type table."""

from __future__ import annotations

import json

import pytest

from retrieval.evaluate import (
    DEFAULT_TYPE,
    EvalFileError,
    bars_missed,
    conversation_ids,
    evaluate,
    read_items,
    score,
)
from retrieval.models import (
    Answer,
    AnswerKind,
    Article,
    EvalScores,
    Passage,
    RankedPassage,
    Response,
)
from tests.test_cli import ganwen, ok

ARTICLE = Article(id="a#0", path="a.txt", title="t")


def response(*texts: str, answer: tuple[str, AnswerKind] | None = None, question: str = "q",
             reason: str | None = None) -> Response:
    """A response with passages of these texts, best first, and an answer (text, kind) quoted
    from the first."""
    passages = tuple(
        RankedPassage(passage=Passage(id=f"a#0:{n}", article_id="a#0", position=n, text=t),
                      article=ARTICLE, score=10.0 - n)
        for n, t in enumerate(texts))
    a = None
    if answer is not None:
        text, kind = answer
        a = Answer(text=text, kind=kind, passage_id="a#0:0", start=0, end=len(text))
    return Response(question=question, answer=a, passages=passages, reason=reason)


@pytest.fixture
def scored(res):
    return lambda item, r: score(item, r, res.simplified)


FIGURE_ITEM = {"id": "E01", "q": "…", "type": "figure_paraphrase",
               "passage": "推動877個“八大行動”", "figure": "877個", "kind": "count"}


# --- hit@1, hit@3 --------------------------------------------------------------------------------

def test_hits_compare_in_simplified_script_without_whitespace(scored):
    o = scored(FIGURE_ITEM, response("今年推动 877 个“八大行动”项目", answer=("877个", "count")))
    assert o.hit1 and o.hit3 and o.answer1 and not o.problems


def test_the_span_second_or_fourth_is_a_hit_at_3_or_a_miss(scored):
    item = {**FIGURE_ITEM, "passage": "span"}
    second = scored(item, response("x", "the span", "y", answer=("877个", "count")))
    assert (second.hit1, second.hit3) == (False, True)
    assert second.problems == ("passage not first",)
    fourth = scored(item, response("x", "y", "z", "the span", answer=("877个", "count")))
    assert (fourth.hit1, fourth.hit3) == (False, False)
    assert fourth.problems == ("passage not first nor in top 3",)


def test_passage_alt_counts_as_a_hit(scored):
    item = {"id": "E38", "q": "…", "type": "ambiguous_place", "passage": "居全市“第一方陣”",
            "passage_alt": "位列全市“第 一方陣”", "figure": "第一方陣", "kind": "rank"}
    o = scored(item, response("萍乡位列全市“第一方阵”", answer=("第一方阵", "rank")))
    assert o.hit1 and o.answer1


# --- answer@1 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, right", [
    ("877个", True),
    ("877個", True),  # the answer in the question's script
    ("877个“八大行动”项目", True),  # 8 characters more
    ("877个“八大行动”项目们", False),  # 9 more
    ("87个", False),
    ("1877个", True),  # contained: the rule is containment, not equality
])
def test_answer_holds_the_figure_with_at_most_8_more_characters(scored, text, right):
    o = scored(FIGURE_ITEM, response("推動877個“八大行動”", answer=(text, "count")))
    assert o.answer1 is right
    assert o.false_abstention is False
    assert bool(o.problems) is not right


def test_the_answer_kind_must_be_the_items(scored):
    o = scored(FIGURE_ITEM, response("推動877個“八大行動”", answer=("877个", "number")))
    assert o.answer1 is False
    assert o.problems == (
        "answered '877个' (number), expected '877個' (count): kind number, not count",)
    untyped_kind = {k: v for k, v in FIGURE_ITEM.items() if k != "kind"}
    assert scored(untyped_kind, response("推動877個", answer=("877个", "number"))).answer1


def test_a_comparison_needs_every_side_and_has_no_length_limit(scored):
    item = {"id": "E35", "q": "…", "type": "compare", "passage": "6个项目如期开工",
            "passage_alt": "7个重大重点项目顺利完工", "figure": "6个|7个", "kind": "comparison"}
    both = "如期开工的项目 6个 < 顺利完工的重大重点项目 7个:顺利完工的多"
    assert scored(item, response("6个项目如期开工", answer=(both, "comparison"))).answer1
    one = scored(item, response("6个项目如期开工", answer=("如期开工 6个", "comparison")))
    assert one.answer1 is False and "7个 missing" in one.problems[0]
    wrong_kind = scored(item, response("6个项目如期开工", answer=(both, "count")))
    assert wrong_kind.answer1 is False


def test_untyped_items_count_figure1_as_exact_equality(scored):
    item = {"id": "D07", "q": "南昌经开区有多少家工业企业", "passage": "3000余家工业企业",
            "figure": "3000余家"}
    exact = scored(item, response("拥有3000余家工业企业", answer=("3000余家", "count")))
    assert exact.type == DEFAULT_TYPE
    assert exact.figure1 and exact.answer1 and not exact.problems
    longer = scored(item, response("拥有3000余家工业企业", answer=("3000余家工业企业", "count")))
    assert longer.answer1 is True and longer.figure1 is False  # contained, not equal
    assert longer.problems == ("figure '3000余家工业企业', expected '3000余家'",)


# --- passage-kind items --------------------------------------------------------------------------

PASSAGE_ITEM = {"id": "E30", "q": "…", "type": "list_or_why", "passage": "一是龙头引育还不够",
                "kind": "passage"}


@pytest.mark.parametrize("answer, right, figure, abstained", [
    (("一是龙头引育还不够,二是……", "passage"), True, False, False),
    (("500亿元", "money"), False, True, False),
    (("2个", "count"), False, True, False),
    (("邱瑛", "person"), False, False, False),  # wrong, but not a figure
    (None, False, False, True),  # a false abstention, not a figure
])
def test_a_passage_question_wants_a_passage(scored, answer, right, figure, abstained):
    o = scored(PASSAGE_ITEM, response("一是龙头引育还不够", answer=answer))
    assert (o.answer1, o.figure_for_passage, o.false_abstention) == (right, figure, abstained)
    assert o.hit1 is True


# --- abstention ----------------------------------------------------------------------------------

NONE_ITEM = {"id": "E40", "q": "南康区2021年的地区生产总值有多少亿元", "type": "none",
             "kind": "none", "none": True}


def test_abstaining_on_an_unanswerable_question_is_right(scored):
    o = scored(NONE_ITEM, response(reason="nothing close enough"))
    assert (o.answerable, o.abstained, o.false_abstention, o.problems) == (False, True, False, ())
    wrong = scored(NONE_ITEM, response("南康区生产总值", answer=("300亿元", "money")))
    assert wrong.abstained is False
    assert wrong.problems == ("answered '300亿元' (money), expected none",)
    assert wrong.hit1 is None and wrong.answer1 is None  # nothing else is measured


def test_no_answer_to_an_answerable_question_is_a_false_abstention(scored):
    o = scored(FIGURE_ITEM, response("推動877個“八大行動”", reason="no figure of the kind"))
    assert o.false_abstention is True and o.answer1 is False and o.abstained is None
    assert o.problems == ("no answer (no figure of the kind)",)


# --- follow-ups and the report -------------------------------------------------------------------

ITEMS: list[dict] = [
    {"id": "E46", "q": "南昌经开区今年开工改造了几个老旧小区", "type": "followup",
     "passage": "开工改造老旧小区2个", "figure": "2个", "kind": "count"},
    {"id": "E47", "q": "那萍乡呢", "type": "followup", "passage": "提升改造老旧小区216个",
     "figure": "216个", "kind": "count", "after": "E46"},
    {"id": "E47b", "q": "那惠及多少户", "type": "followup", "passage": "惠及群众7万户",
     "figure": "7万户", "kind": "count", "after": "E47"},
    {"id": "E40", "q": "南康区2021年的地区生产总值有多少亿元", "type": "none", "none": True},
    {"q": "于都规上工业企业总户数是多少", "passage": "总户数达161家", "figure": "161家"},
    {"id": "E53", "q": "他是哪天来萍乡调研的", "type": "followup", "none": True,
     "after": "E46"},
]


def test_a_follow_up_continues_the_conversation_it_names():
    assert conversation_ids(ITEMS) == ["E46", "E46", "E46", "E40", "#5", "E46"]
    with pytest.raises(EvalFileError, match="E99"):
        conversation_ids([{"id": "E1", "q": "那呢", "after": "E99"}])
    with pytest.raises(EvalFileError, match="no earlier question"):  # not a later one either
        conversation_ids([{"id": "E1", "q": "那呢", "after": "E2"}, {"id": "E2", "q": "q"}])


def test_read_items_rejects_a_dangling_follow_up(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "E1", "q": "那呢", "after": "E0"}\n', encoding="utf-8")
    with pytest.raises(EvalFileError, match="E0"):
        read_items(path)


def test_evaluate_asks_in_file_order_in_each_conversation_and_sums_per_type(res):
    # question -> (its first passage, its answer)
    answers: dict[str, tuple[str, tuple[str, AnswerKind] | None]] = {
        ITEMS[0]["q"]: ("开工改造老旧小区2个", ("2个", "count")),
        ITEMS[1]["q"]: ("提升改造老旧小区216个", ("216个", "count")),
        ITEMS[2]["q"]: ("别的段落", None),
        ITEMS[3]["q"]: ("南康区", None),
        ITEMS[4]["q"]: ("规上工业企业总户数达161家", ("161家", "count")),
        ITEMS[5]["q"]: ("萍乡", ("2022-07-20", "date")),
    }
    asked = []

    def ask(question: str, conversation: str) -> Response:
        asked.append((question, conversation))
        text, answer = answers[question]
        return response(text, answer=answer, question=question)

    report = evaluate(ITEMS, ask, res.simplified)
    assert asked == [(item["q"], c) for item, c in
                     zip(ITEMS, ["E46", "E46", "E46", "E40", "#5", "E46"], strict=True)]
    assert list(report.types) == ["followup", "none", DEFAULT_TYPE]
    followup = report.types["followup"]
    assert (followup.total, followup.answerable, followup.unanswerable) == (4, 3, 1)
    assert (followup.hits1, followup.answers1, followup.false_abstentions) == (2, 2, 1)
    assert followup.hit1 == followup.answer1 == pytest.approx(2 / 3)
    assert followup.abstained == 0
    assert report.types["none"].abstained == report.types["none"].unanswerable == 1
    assert report.types["none"].hit1 is None  # nothing to measure, not 0
    assert (report.total, report.answerable, report.hits1, report.answers1) == (6, 4, 3, 3)
    assert (report.with_figure, report.figures1, report.figure1) == (4, 3, 0.75)
    assert report.false_abstention == pytest.approx(1 / 4)
    assert report.failures == [
        "E47b: passage not first nor in top 3; no answer",
        "E53: answered '2022-07-20' (date), expected none",
    ]
    dumped = report.model_dump(mode="json")
    assert dumped["types"]["followup"]["answer1"] == pytest.approx(2 / 3)


def test_a_bar_is_missed_below_it_or_with_nothing_to_measure():
    s = EvalScores(total=10, answerable=8, with_passage=8, hits1=6, hits3=8, answer_scored=4,
                   answers1=3, with_figure=0, unanswerable=2, abstained=1, false_abstentions=2)
    assert bars_missed(s) == []
    assert bars_missed(s, min_hit1=0.75, min_hit3=1.0, min_answer1=0.75,
                       max_false_abstention=0.25) == []
    assert bars_missed(s, min_hit1=0.76, min_hit3=1.0, min_answer1=0.8,
                       max_false_abstention=0.2) == ["hit@1", "answer@1", "false abstention"]
    assert bars_missed(s, min_figure1=0.0) == ["figure@1"]  # no figures: cannot be shown to hold
    assert bars_missed(s, require_abstention=True) == ["abstention"]


# --- the command ---------------------------------------------------------------------------------

def test_ganwen_eval_prints_a_row_per_type(tmp_path):
    items = [
        {"id": "T1", "q": "南康2020年投资完成多少", "type": "figure_paraphrase",
         "passage": "509.69", "figure": "509.69亿元", "kind": "money"},
        {"id": "T2", "q": "那于都呢", "type": "followup", "passage": "总户数达161家",
         "figure": "161家", "kind": "count", "after": "T1"},
        {"id": "T3", "q": "今天星期几", "type": "none", "kind": "none", "none": True},
        {"id": "T4", "q": "萍乡有多少项高频事项上线掌上办", "passage": "833项",
         "figure": "833项"},
    ]
    path = tmp_path / "typed.jsonl"
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items),
                    encoding="utf-8")
    out = ok(ganwen("eval", str(path), cwd=tmp_path)).stdout
    rows = {line.split()[0]: line.split() for line in out.splitlines()
            if line and not line.startswith(" ")}
    assert rows["type"][:6] == ["type", "n", "hit@1", "hit@3", "answer@1", "figure@1"]
    assert rows["figure_paraphrase"][1:5] == ["1", "1.000", "1.000", "1.000"]
    assert rows["none"][1] == "1" and rows["none"][6] == "1/1"
    assert rows["followup"][1] == "1"
    assert rows[DEFAULT_TYPE][1:5] == ["1", "1.000", "1.000", "1.000"]
    assert rows["overall"][1] == "4"

    result = ganwen("eval", str(path), "--json", "--min-answer1", "1.01", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert list(report["types"]) == ["figure_paraphrase", "followup", "none", DEFAULT_TYPE]
    assert report["below_threshold"] == ["answer@1"]
    assert report["types"]["figure_paraphrase"]["answer1"] == 1.0
