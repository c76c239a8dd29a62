"""The pydantic models of ganwen's data flow, in the order data moves through them.

files → :class:`SourceFile` → :class:`Article` → :class:`Passage` (with its :class:`Figure` s)
→ :class:`RankedPassage` → :class:`Answer` → :class:`Response`.

Front ends (CLI, REPL, Telegram, JSON) only render these; nothing else defines the shape of what
ganwen says.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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


class Figure(_Frozen):
    """A quantity, or a rank (全市第一), quoted in a passage.

    ``text`` is the figure as written, without a leading qualifier word (``近3亿元`` → ``3亿元``,
    qualifier ``近``); qualifiers written inside the figure (``3000余家``, ``2个多月``) stay.
    ``value`` is normalized into ``base_unit`` (``509.69亿元`` → 50969000000 元); a rank's value
    is its position, with no unit (``全国第四名`` → 4).
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
    start_value: Decimal | None = None  # a change: 由50.18平方公里增加到119.57平方公里


class Passage(_Frozen):
    """A short stretch of one article, the unit ganwen indexes and quotes."""

    id: str  # "<article id>:<n>"
    article_id: str
    position: int  # index of the passage within its article
    text: str  # cleaned, in the corpus's own script
    figures: tuple[Figure, ...] = ()


class RankedPassage(_Frozen):
    passage: Passage
    article: Article
    score: float


class Answer(_Frozen):
    """The figure (a quantity or a rank) that answers a question, quoted from one passage."""

    text: str  # as written in the passage
    kind: FigureKind
    value: Decimal | None = None
    unit: str | None = None
    base_unit: str | None = None
    qualifier: str | None = None
    high: Decimal | None = None
    passage_id: str
    start: int
    end: int


class Response(_Frozen):
    """Everything ganwen says about one question."""

    question: str
    script: Literal["simplified", "traditional"] = "simplified"
    answer: Answer | None = None
    passages: tuple[RankedPassage, ...] = ()
    reason: str | None = None  # why there is no answer, for the front ends to show

    def to_json_dict(self) -> dict:
        """The documented JSON shape: answer + passages best first."""
        answer = None
        if self.answer is not None:
            answer = self.answer.model_dump(mode="json")
        return {
            "question": self.question,
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
        }


class CorpusStats(_Frozen):
    files: int
    articles: int
    passages: int
    replaced_bytes: int = 0
    skipped_files: tuple[str, ...] = ()
    indexed_at: str = ""


class EvalReport(BaseModel):
    total: int = 0
    answerable: int = 0
    with_figure: int = 0
    hit1: float = 0.0
    hit3: float = 0.0
    figure1: float = 0.0
    abstained: int = 0
    unanswerable: int = 0
    failures: list[str] = Field(default_factory=list)
