"""The pydantic models of ganwen's data flow, in the order data moves through them.

files → :class:`SourceFile` → :class:`Article` → :class:`Passage` (with its :class:`Figure` s)
→ :class:`RankedPassage` → :class:`Answer` → :class:`Response`.

Front ends (CLI, REPL, Telegram, JSON) only render these; nothing else defines the shape of what
ganwen says.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, computed_field

FigureKind = Literal[
    "money",
    "count",
    "percent",
    "points",  # 个百分点
    "multiple",  # 倍
    "area",
    "length",
    "weight",
    "volume",
    "energy",
    "power",
    "concentration",
    "duration",
    "number",  # a bare magnitude such as 50万 with no unit
    "rank",  # 全市第一, 全国第四名: value is the position
]

Approx = Literal["about", "over", "under"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class SourceFile(_Frozen):
    """One file of the corpus after decoding, before cleaning."""

    path: str  # relative to the corpus folder
    text: str
    replaced_bytes: int = 0  # invalid UTF-8 sequences replaced while decoding


class Article(_Frozen):
    """One article: a file may hold several, and one article may stand in several files."""

    id: str  # "<file stem>#<n>"
    path: str
    title: str = ""
    date: str | None = None  # as found, normalized to YYYY-MM-DD[ HH:MM] where possible
    source: str | None = None
    places: tuple[str, ...] = ()  # places and organisations named in the title
    paragraphs: tuple[str, ...] = ()
    # The year it was written: its date's, else the latest year its text reports on
    # (retrieval.years.article_year); 去年 in it is the year before.
    year: int | None = None


class Figure(_Frozen):
    """A quantity, or a rank (全市第一), quoted in a passage.

    ``text`` is the figure as written, without a leading qualifier word (``近3亿元`` → ``3亿元``,
    qualifier ``近``); qualifiers written inside the figure (``3000余家``, ``2个多月``) stay.
    ``value`` is normalized into ``base_unit`` (``509.69亿元`` → 50969000000 元); a rank's value
    is its position, with no unit (``全国第四名`` → 4).

    A change (``由2020年的57家增长至100家``) is two figures, ``57家`` with role "from" and
    ``100家`` with role "to". A bare magnitude written beside a figure with a unit takes that
    unit (``原定开工50万、力争80万平方米``: ``50万`` is 500000 m², ``unit`` 万平方米,
    ``unit_inherited``); its text stays as written.
    """

    text: str
    start: int  # character offsets of ``text`` in the passage text
    end: int
    kind: FigureKind
    number: Decimal  # the number as written, with its magnitude word (``4.93万个`` → 49300)
    value: Decimal  # normalized to base_unit
    unit: str  # as written: 亿元, 平方公里, 个, %
    base_unit: str  # 元, m², 个, %
    measure: str | None = None  # for counts: 家, 个, 项, 名 …
    qualifier: str | None = None  # as written: 约, 近, 超, 突破, 以上, 余, 多 …
    approx: Approx | None = None
    high: Decimal | None = None  # upper bound of a range (650-700亿元), normalized
    unit_inherited: bool = False  # unit taken from the figure it is paired with, not written
    role: Literal["from", "to"] | None = None  # a side of a change: 由50.18平方公里增加到119.57…
    year: int | None = None  # the year written with it: 2020年的57家 → 2020
    intent: Literal["target", "actual"] | None = None  # 力争80万 / 实际开工20万平方米


MentionKind = Literal["date", "person", "org", "place"]


class Mention(_Frozen):
    """A name or date quoted in a passage: who, which organisation, where, when."""

    text: str
    start: int  # character offsets of ``text`` in the passage text
    end: int
    kind: MentionKind
    year: int | None = None  # dates: as written (2023年3月 → 2023)
    month: int | None = None
    day: int | None = None
    relative: str | None = None  # a relative year written with the date: 今年2月 → 今年
    role: str | None = None  # persons: the title beside the name (区委书记徐兵 → 区委书记)


class SpanSource(Protocol):
    """Where a passage's figures and mentions are read from when first asked for
    (:class:`retrieval.spans.PassageSpans`)."""

    @property
    def figures(self) -> tuple[Figure, ...]: ...

    @property
    def mentions(self) -> tuple[Mention, ...]: ...


class Passage(_Frozen):
    """A short stretch of one article, the unit ganwen indexes and quotes."""

    id: str  # "<article id>:<n>"
    article_id: str
    position: int  # index of the passage within its article
    text: str  # cleaned, in the corpus's own script
    # The text in its file's own script, character for character (same offsets), when that is
    # not simplified: quoted to a question asked in traditional script.
    original: str | None = None
    # Its figures and mentions are read from the text the first time an answer asks, not
    # stored: only a question's best few passages are ever looked at (:mod:`retrieval.spans`).
    _spans: SpanSource | None = PrivateAttr(default=None)

    @classmethod
    def reading(cls, spans: SpanSource, **fields: object) -> Passage:
        """A passage whose figures and mentions are read from ``spans`` when asked for."""
        passage = cls.model_validate(fields)
        passage._spans = spans
        return passage

    # cached_property, not property: a copy in another script (engine.to_script) sets its own
    # figures, whose text is in that script.
    @cached_property
    def figures(self) -> tuple[Figure, ...]:
        return self._spans.figures if self._spans is not None else ()

    @cached_property
    def mentions(self) -> tuple[Mention, ...]:
        """Names and dates, for who/which/where/when questions."""
        return self._spans.mentions if self._spans is not None else ()


class RankedPassage(_Frozen):
    passage: Passage
    article: Article
    score: float


# What an answer is: a figure; a name or date quoted from the passage; the passage itself (its
# key sentence, for list, why and how questions); or a comparison of two answers.
AnswerKind = Literal[FigureKind, "date", "person", "org", "place", "passage", "comparison"]


class Answer(_Frozen):
    """What answers a question, quoted from one passage: a figure, a name, a date, a key
    sentence; or, for a comparison, one answer per side (``parts``) and a verdict."""

    text: str  # as written in the passage (a comparison: the verdict line or the two sides)
    kind: AnswerKind
    value: Decimal | None = None
    unit: str | None = None
    base_unit: str | None = None
    qualifier: str | None = None
    high: Decimal | None = None
    passage_id: str
    start: int
    end: int
    label: str | None = None  # what this answer is for: a comparison side, an alternative's place
    year: int | None = None  # the year the answer is about, where the text says
    role: str | None = None  # a side of a change (from/to) or target/actual, where the text says
    parts: tuple[Answer, ...] = ()  # a comparison's sides, in the question's order
    alternatives: tuple[Answer, ...] = ()  # a place-less question: the answer for each place


class Turn(_Frozen):
    """One question of a conversation as ganwen understood it, for the next to build on."""

    question: str  # the question as resolved, simplified (萍乡今年开工改造了几个老旧小区)
    places: tuple[str, ...] = ()  # the places it named
    answer: str | None = None  # the answer's text, simplified
    answer_kind: str | None = None
    topic: str | None = None  # what it was about, for 它/该项目 (华创新材项目)


class Conversation(_Frozen):
    """What a follow-up (那萍乡呢, 它…, 二期呢) is read against: the last turn. Empty: a
    conversation's first question. Pass ``Response.context`` with the next question."""

    last: Turn | None = None


class Response(_Frozen):
    """Everything ganwen says about one question."""

    question: str
    script: Literal["simplified", "traditional"] = "simplified"
    answer: Answer | None = None
    passages: tuple[RankedPassage, ...] = ()
    reason: str | None = None  # why there is no answer, for the front ends to show
    # A follow-up: the whole question it was read as, in the question's script
    # (那萍乡呢 → 萍乡今年开工改造了几个老旧小区). None for a question that stands alone.
    interpreted: str | None = None
    # Some shards of a sharded index did not answer in time: the passages are the others' only.
    partial: bool = False
    context: Conversation = Conversation()  # to pass with the conversation's next question

    def to_json_dict(self) -> dict:
        """The documented JSON shape: answer + passages best first."""
        answer = None
        if self.answer is not None:
            answer = self.answer.model_dump(mode="json")
        return {
            "question": self.question,
            "script": self.script,
            "interpreted": self.interpreted,
            "answer": answer,
            "passages": [
                {
                    "id": rp.passage.id,
                    "doc": rp.article.path,
                    "article": rp.article.id,
                    "title": rp.article.title,
                    "date": rp.article.date,
                    "source": rp.article.source,
                    "text": rp.passage.text,
                    "score": round(rp.score, 4),
                    "figures": [f.text for f in rp.passage.figures],
                }
                for rp in self.passages
            ],
            "reason": self.reason,
            "partial": self.partial,
        }


class CorpusStats(_Frozen):
    files: int
    articles: int
    passages: int
    replaced_bytes: int = 0
    skipped_files: tuple[str, ...] = ()
    indexed_at: str = ""


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class EvalScores(BaseModel):
    """Counts over a set of evaluated questions (one type, or all), with their rates; a rate is
    None when there is nothing to measure it on. The scoring rules: :mod:`retrieval.evaluate`."""

    total: int = 0
    answerable: int = 0  # not ``none``
    with_passage: int = 0  # answerable with a passage span: hit@1 and hit@3 are over these
    hits1: int = 0
    hits3: int = 0
    answer_scored: int = 0  # with a figure, or passage-kind: answer@1 is over these
    answers1: int = 0
    with_figure: int = 0  # figure@1 (the answer's text equals the figure) is over these
    figures1: int = 0
    unanswerable: int = 0  # ``none``
    abstained: int = 0  # unanswerable and no answer given
    false_abstentions: int = 0  # answerable and no answer given
    passage_items: int = 0  # kind ``passage``, no figure
    figure_for_passage: int = 0  # of those, answered with a figure

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hit1(self) -> float | None:
        return _rate(self.hits1, self.with_passage)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hit3(self) -> float | None:
        return _rate(self.hits3, self.with_passage)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def answer1(self) -> float | None:
        return _rate(self.answers1, self.answer_scored)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def figure1(self) -> float | None:
        return _rate(self.figures1, self.with_figure)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def false_abstention(self) -> float | None:
        return _rate(self.false_abstentions, self.answerable)


class EvalReport(EvalScores):
    """An evaluation: the scores over every question, the scores of each type (in the order the
    types first appear), and one line per question that missed (``id: what went wrong``)."""

    types: dict[str, EvalScores] = Field(default_factory=dict)
    failures: list[str] = Field(default_factory=list)
