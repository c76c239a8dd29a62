"""What a question asks for: its answer type (money, a count of 家, a percent, a rank …), its
words on either side of the question word, and the places it names.

The answer type comes from :data:`ANSWER_TYPES`, a table read top to bottom: the first row whose
pattern matches the question decides. Specific rows (an explicit unit after 多少) stand above
general ones (a money word anywhere in the question).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from .punctuation import CLAUSE_ENDS
from .resources import Resources
from .tokenize import places, tokens

MAX_CHARS = 500
FOCUS_AFTER = 3  # words after the question word that are the answer's own
DEMONSTRATIVE = re.compile(r"[这那]几")

ASK = re.compile(r"多少|几|多大|多长|多久|多高|多远|第几|哪|是什么|有何|谁|什么|怎么|如何|为什么|为啥")

_COUNT_MEASURES = "家|个|项|台|名|人次|人|户|张|所|只|条|场|批|件|座|套|辆|次|位|份|种|款|间|栋|处|架|艘"
# (pattern, answer kinds): the first row whose pattern matches wins. A group named m in the
# pattern captures the measure word asked for (多少家 → 家).
ANSWER_TYPES: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (pattern, frozenset(kinds.split()))
    for pattern, kinds in (
        # The answer is the passage itself: lists, reasons, ways. Never a figure.
        (r"为什么|为啥|为何|什么原因|原因是|怎么(?!样)|如何|有哪些|哪些|哪几(?:个|类|种|项|条|方面)"
         r"|什么[\u4e00-\u9fff]{0,4}?(?:措施|办法|做法|举措|要求|差距|问题|特点|亮点|模式|经验|理念"
         r"|原则|机制|思路)",
         "passage"),
        (r"第几|排名第?几|名次|排在哪|位列|排第|排名多少|排老几|前几名?|什么位置|什么水平|几名"
         r"|什么荣誉|什么称号", "rank"),
        (r"哪天|哪一天|几号|几月几[日号]|什么时候|啥时候|何时|什么时间|哪一?年|哪个?月|几月(?!份?的)"
         r"|日期", "date"),
        (r"谁|叫什么|哪位|姓名|名字|何人", "person"),
        (r"哪[家所]|哪一?个(?:企业|公司|单位|机构|高校|大学|学校|集团|部门|平台)"
         r"|什么(?:企业|公司|机构|单位|高校|大学|集团)", "org"),
        (r"哪里|哪儿|在哪|去哪|哪一?(?:个|座)?(?:站|城市|港口?|国家|地方|省|市|县|区|园区|城)"
         r"|什么地方", "place"),
        (r"(多少|几)(?P<m>万?平方(?:公里|千米|米)|公顷|亩)", "area"),
        (r"(多少|几)(?P<m>[万亿]*(?:美元|元))|多少钱", "money"),
        (r"(多少|几)(?P<m>万?吨|千克|公斤)", "weight"),
        (r"(多少|几)(?P<m>公里|千米|米)(?!元)", "length"),
        (r"(多少|几)(?P<m>[GMk]?Wh|千瓦时|度电)", "energy"),
        (r"(多少|几)(?P<m>[GMk]W|千瓦|万千瓦)", "power"),
        (r"多长时间|多久|多少(?:年|天|个月|小时)|(?<![这那近前后头])几(?:年|天|个月|小时)|用时",
         "duration"),
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
    # Words of the corpus that the question's everyday wording stands for (data/colloquial.txt),
    # searched at a lower weight than the question's own words.
    expansions: tuple[str, ...] = ()
    # What a passage must cover to be about the question: one set of interchangeable tokens per
    # content word (function and colloquial filler left out), for the relevance gate.
    concepts: tuple[frozenset[str], ...] = ()
    comparison: Comparison | None = None  # which of two is more: each side asked alone
    # Words of which one must stand in the answer's own clause (a comparison side's words that
    # tell it from the other side: 开工 for 已开工的 against 已竣工投产的).
    required: frozenset[str] = frozenset()

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
    """The words of a question without markup tags a user pasted or typed (<b>南康</b>), in
    compatibility form (南康２０２０年 → 南康2020年) and without invisible format characters (a
    zero-width space pasted from a web page)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
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


def colloquial(text: str, res: Resources) -> tuple[str, list[tuple[str, ...]]]:
    """``text`` with its everyday phrases cut out, and the news words each one stands for. A
    phrase counts only where a word starts (进了 is not in 引进了)."""
    found = []
    for phrase, words in res.colloquial:
        if phrase not in text:
            continue
        cut = res.cutter(text).lcut(text)
        starts = {sum(len(w) for w in cut[:i]) for i in range(len(cut))}
        at = [m.start() for m in re.finditer(re.escape(phrase), text) if m.start() in starts]
        if not at:
            continue
        found.append(words)
        for start in reversed(at):
            text = text[:start] + " " + text[start + len(phrase):]
    return text, found


def concepts(text: str, res: Resources) -> tuple[frozenset[str], ...]:
    """The content of a question as the gate weighs it: each content word its own concept, each
    everyday phrase one concept met by any of its news words; filler and question words none."""
    rest, found = colloquial(text, res)
    words = [frozenset({t}) for t in dict.fromkeys(tokens(rest, res)) if t not in res.filler]
    expanded = [frozenset(t for w in ws for t in tokens(w, res)) for ws in found]
    return tuple(dict.fromkeys(words + [c for c in expanded if c]))


COMPARE = re.compile(r"(?:哪个|哪一个|哪一方|谁)(?P<tail>[^,,。?？!！]*?)(?:更|比较|最)?"
                     r"(?P<adj>多|少|大|小|高|低|快|慢|长|短|强)(?:一些|一点|些)?(?:呢|啊|吗)?[?？]?$")
SIDES = re.compile(r"(?P<a>[^,,、和与跟同及]{1,24}?)(?:和|与|跟|同|还是|、)(?P<b>[^,,、和与跟同及]{1,24}?)$")


@dataclass(frozen=True)
class Comparison:
    """A question that asks which of two things is more: each side asked as its own question."""

    labels: tuple[str, str]
    questions: tuple[str, str]
    more: bool  # the question asks which is more (多, 大, 高…), not which is less


def split_comparison(text: str, place_names: Sequence[str] = ()) -> Comparison | None:
    """``A和B,哪个…多`` / ``A和B谁…多`` → the two sides' own questions (``A…有多少``).

    When A is a place and B starts with one (南昌经开区和萍乡改造的老旧小区哪个多), B is that
    place and the rest is what is compared, asked on both sides."""
    m = COMPARE.search(text)
    if not m:
        return None
    head = text[: m.start()].rstrip(f"{CLAUSE_ENDS} ")
    sides = SIDES.search(head)
    if not sides:
        return None
    prefix = head[: sides.start()]
    tail = m["tail"].rstrip("得")
    a, b = sides["a"].strip(), sides["b"].strip()
    if a in place_names:
        place = next((p for p in place_names if b.startswith(p) and len(b) > len(p)), None)
        if place:
            b, tail = place, b[len(place):] + tail
    ask = "有多少"
    questions = (f"{prefix}{a}{tail}{ask}", f"{prefix}{b}{tail}{ask}")
    return Comparison(labels=(a.rstrip("的"), b.rstrip("的")), questions=questions,
                      more=m["adj"] not in "少小低慢短")


def analyse(text: str, res: Resources, focus_on: str = "") -> Question:
    """``text`` is a validated question in simplified script; ``focus_on``, words that must
    stand near the answer (a comparison side's own words: 已开工 vs 已竣工投产)."""
    # 那几只基金 / 这几年 point at things; they ask nothing (masked with the same length).
    asking = DEMONSTRATIVE.sub(lambda m: "那" + "些" * (len(m[0]) - 1), text)
    kinds, measure = answer_type(asking)
    ask = ASK.search(asking)
    left, right = (text[: ask.start()], text[ask.end():]) if ask else (text, "")
    if measure and right.startswith(measure):
        right = right[len(measure):]
    before, after = tokens(left, res), tokens(right, res)
    # A place inside an everyday phrase the lexicon rewrites (湖南企业 → 湘企) is not where the
    # question is about.
    named = tuple(places(colloquial(text, res)[0], res))
    # The words next to the question word, and what the counted thing does (多少个项目达到了序时
    # 进度): a figure standing by them answers.
    focus = {t for t in (before[-1:] + after[:FOCUS_AFTER]) if len(t) > 1 and t not in res.filler}
    focus |= {t for t in tokens(focus_on, res) if len(t) > 1 and t not in res.filler}
    return Question(
        text=text, kinds=kinds, measure=measure, tokens=tuple(tokens(text, res)),
        before=frozenset(before), after=frozenset(after), focus=frozenset(focus),
        places=named,
        expansions=tuple(t for ws in colloquial(text, res)[1] for w in ws for t in tokens(w, res)),
        concepts=concepts(text, res),
        comparison=split_comparison(text, named),
    )
