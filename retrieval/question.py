"""What a question asks for: its answer type (money, a count of 家, a percent, a rank …), its
words on either side of the question word, and the places it names.

The answer type comes from :data:`ANSWER_TYPES`, a table read top to bottom: the first row whose
pattern matches the question decides. Specific rows (an explicit unit after 多少) stand above
general ones (a money word anywhere in the question).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .resources import Resources
from .tokenize import places, tokens

MAX_CHARS = 500

ASK = re.compile(r"多少|几|多大|多长|多久|多高|多远|第几|哪|是什么|有何")

_COUNT_MEASURES = "家|个|项|台|名|人次|人|户|张|所|只|条|场|批|件|座|套|辆|次|位|份|种|款|间|栋|处|架|艘"
# (pattern, answer kinds): the first row whose pattern matches wins. A group named m in the
# pattern captures the measure word asked for (多少家 → 家).
ANSWER_TYPES: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (pattern, frozenset(kinds.split()))
    for pattern, kinds in (
        (r"第几|排名第?几|名次|排在哪|位列|排第|排名多少", "rank"),
        (r"(多少|几)(?P<m>万?平方(?:公里|千米|米)|公顷|亩)", "area"),
        (r"(多少|几)(?P<m>[万亿]*(?:美元|元))|多少钱", "money"),
        (r"(多少|几)(?P<m>万?吨|千克|公斤)", "weight"),
        (r"(多少|几)(?P<m>公里|千米|米)(?!元)", "length"),
        (r"(多少|几)(?P<m>[GMk]?Wh|千瓦时|度电)", "energy"),
        (r"(多少|几)(?P<m>[GMk]W|千瓦|万千瓦)", "power"),
        (r"多长时间|多久|多少(?:年|天|个月|小时)|几(?:年|天|个月|小时)|用时", "duration"),
        (r"(多少|几)个?百分点", "points"),
        (r"(多少|几)倍|翻了", "multiple"),
        (rf"(多少|几)(?P<m>万?(?:{_COUNT_MEASURES}))", "count"),
        (r"增长了?多少|增幅|增速|下降了?多少|降幅|占比|比例|比重|百分之|率", "percent points"),
        (r"面积|用地|空间|占地|多大的?地", "area"),
        (r"GDP|生产总值|投资|资金|金额|收入|营收|产值|规模|总额|资产|融资|税|利润|销售额|交易额"
         r"|营业额|经费|预算|补贴|奖励|基金|亿元|万元", "money"),
        (r"户数|家数|个数|人数|总数|数量|床位", "count"),
        (r"浓度", "concentration"),
        (r"长度|里程|距离", "length"),
    )
)
_COMPILED = tuple((re.compile(p), kinds) for p, kinds in ANSWER_TYPES)

# Measure words that answer for each other: a question about 名 accepts a figure in 人.
MEASURE_FAMILIES = (
    frozenset("名人位"), frozenset({"人", "人次"}), frozenset("家户"), frozenset("个项"),
)


@dataclass(frozen=True)
class Question:
    text: str  # simplified
    kinds: frozenset[str]  # empty: any figure
    measure: str | None
    tokens: tuple[str, ...]
    before: frozenset[str]  # tokens left of the question word
    after: frozenset[str]  # tokens right of it
    focus: frozenset[str]  # the words next to the question word
    places: tuple[str, ...] = field(default=())

    def measures(self) -> frozenset[str]:
        if not self.measure:
            return frozenset()
        bare = self.measure.lstrip("万")
        family = {bare}
        for f in MEASURE_FAMILIES:
            if bare in f:
                family |= f
        return frozenset(family)


MARKUP = re.compile(r"</?[A-Za-z][^<>]{0,200}>")


def searchable(text: str) -> str:
    """The words of a question without markup tags a user pasted or typed (<b>南康</b>)."""
    return " ".join(MARKUP.sub(" ", text).split())


class QuestionError(ValueError):
    """A question ganwen will not search for; the message is shown to the user."""


def validate(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty")
    if len(text) > MAX_CHARS:
        raise QuestionError(f"the question is too long ({len(text)} characters; at most {MAX_CHARS})")
    return text


def answer_type(text: str) -> tuple[frozenset[str], str | None]:
    for pattern, kinds in _COMPILED:
        if m := pattern.search(text):
            return kinds, (m.groupdict().get("m") or None)
    return frozenset(), None


def analyse(text: str, res: Resources) -> Question:
    """``text`` is a validated question in simplified script."""
    kinds, measure = answer_type(text)
    ask = ASK.search(text)
    left, right = (text[: ask.start()], text[ask.end():]) if ask else (text, "")
    if measure and right.startswith(measure):
        right = right[len(measure):]
    before, after = tokens(left, res), tokens(right, res)
    focus = {t for t in (before[-1:] + after[:1]) if len(t) > 1}
    return Question(
        text=text, kinds=kinds, measure=measure, tokens=tuple(tokens(text, res)),
        before=frozenset(before), after=frozenset(after), focus=frozenset(focus),
        places=tuple(places(text, res)),
    )
