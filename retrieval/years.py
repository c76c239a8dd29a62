"""Which year a text is about: the years a sentence names, the year of an article, and the
year a question asks for.

A year is named three ways:

* written: ``2020年``, ``2020年度``, ``2020-2023年``, ``二〇二一年``, a date ``2024-09-14``;
* relative to the article's year (:data:`RELATIVE_YEARS`): ``去年`` in a 2021 article is 2020;
* relative to a year just written (:data:`ANAPHORIC_YEARS`): ``2019年签约,次年投产`` names 2020;
* as a point of a five-year plan (:data:`PLAN_PERIODS`, :data:`PLAN_POINTS`): ``“十四五”末期`` is
  2025. A plan named alone (``“十四五”时期``) is a period, not a year, and names none.

Durations are no years: only four digits from 1900 to 2099 before 年 are read as one, so ``3年``
and ``2-3年内`` are not, nor ``2000年历史`` (:data:`NOT_YEAR_AFTER`). A range names its two ends,
not the years between: ``2020年至2023年`` quotes figures of 2020 and 2023 (or of the span), not of
2021. Pure functions over the tables below; the engine decides what to do with the years.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from retrieval.units import CN_DIGITS, YEAR_DIGITS

from .punctuation import alternation

# Words naming a year by its distance from the article's year. Words that hold one and are
# none map to None: at each position the longest word wins, so 规模以上年主营业务收入 has no
# 上年 and 提前年底完成 no 前年. 今明两年 names two. 当年 is not here: it refers back to a year
# just written (ANAPHORIC_YEARS), as 同年 and 次年 do.
RELATIVE_YEARS: dict[str, tuple[int, ...] | None] = {
    "今年": (0,), "本年": (0,), "本年度": (0,), "今明两年": (0, 1),
    "去年": (-1,), "上年": (-1,), "上一年": (-1,), "前年": (-2,), "大前年": (-3,),
    "明年": (1,), "后年": (2,), "大后年": (3,),
    "以上年": None, "成本年": None, "资本年": None, "基本年": None, "根本年": None,
    "日本年": None, "版本年": None, "样本年": None, "文本年": None,
    "提前年": None, "之前年": None, "以前年": None, "此前年": None,
    "此后年": None, "之后年": None, "以后年": None, "今后年": None,
}

# Words naming a year by its distance from the year written last before them, in the same text.
ANAPHORIC_YEARS: dict[str, int | None] = {
    "当年": 0, "同年": 0, "次年": 1, "翌年": 1, "想当年": None,
}

# Five-year plans by their first year, and the words after a plan's name that point at one of
# its years: “十四五”末期 is its fifth year, 2025.
PLAN_PERIODS: dict[str, int] = {
    "十一五": 2006, "十二五": 2011, "十三五": 2016, "十四五": 2021, "十五五": 2026,
}
PLAN_POINTS: dict[str, int] = {
    "末期": 4, "末": 4, "收官之年": 4, "收官": 4, "最后一年": 4,
    "开局之年": 0, "开局": 0, "首年": 0, "第一年": 0, "初期": 0, "初": 0,
}

# After a four-digit number and 年, words that make it a span of years: 2000年历史.
NOT_YEAR_AFTER = ("历史", "的历史", "之久")

# Before a written year, words that make it a horizon (到2025年, 力争2023年), after it words that
# make it a deadline (2025年前): a plan's year, no evidence of when an article was written.
HORIZON_BEFORE = ("到", "至", "预计", "力争", "计划", "争取", "确保", "目标", "将于", "预期",
                  "有望", "规划", "远景")
HORIZON_AFTER = ("前", "之前", "以前", "远景")



_CN_YEAR_DIGITS = "".join(c for c in CN_DIGITS if c != "两")
_NOT_YEAR = alternation(NOT_YEAR_AFTER)
_WRITTEN = re.compile(
    rf"(?<![\d.])(?P<a>{YEAR_DIGITS})\s*(?:[-—–~～至到]\s*(?P<b>{YEAR_DIGITS})\s*)?年(?!代|{_NOT_YEAR})"
    rf"|(?<![\d.])(?P<d>{YEAR_DIGITS})[-/.]\d{{1,2}}[-/.]\d{{1,2}}(?!\d)"  # 2024-09-14
    rf"|(?P<cn>[{_CN_YEAR_DIGITS}]{{4}})年(?!代)"  # 二〇二一年
)
_RELATIVE = re.compile(alternation([*RELATIVE_YEARS, *ANAPHORIC_YEARS]))
_PLAN = re.compile(
    rf"(?P<plan>{alternation(PLAN_PERIODS)})[”’\"']?(?:规划)?(?:时期)?(?P<point>{alternation(PLAN_POINTS)})"
)
_HORIZON_BEFORE = re.compile(rf"(?:{alternation(HORIZON_BEFORE)})\s*$")
_HORIZON_AFTER = re.compile(rf"\s*(?:{alternation(HORIZON_AFTER)})")
_HORIZON_SPAN = max(map(len, HORIZON_BEFORE))


@dataclass(frozen=True)
class _Written:
    start: int
    end: int
    years: tuple[int, ...]  # one, or a range's two ends


def _written(text: str) -> Iterator[_Written]:
    """Every year written in ``text``, with its span."""
    for m in _WRITTEN.finditer(text):
        if m["cn"]:
            year = int("".join(str(CN_DIGITS[c]) for c in m["cn"]))
            if not 1900 <= year <= 2099:
                continue
            years: tuple[int, ...] = (year,)
        elif m["d"]:
            years = (int(m["d"]),)
        else:
            years = (int(m["a"]),) + ((int(m["b"]),) if m["b"] else ())
        yield _Written(m.start(), m.end(), years)


def years_mentioned(text: str, article_year: int | None) -> set[int]:
    """The years ``text`` (a sentence, or any stretch of prose) names: written, relative to
    ``article_year`` (skipped when it is None), relative to the last year written before them,
    and points of five-year plans. See the module doc."""
    written = list(_written(text))
    years = {y for w in written for y in w.years}
    for m in _RELATIVE.finditer(text):
        word = m.group()
        if word in RELATIVE_YEARS:
            offsets = RELATIVE_YEARS[word]
            if offsets is not None and article_year is not None:
                years.update(article_year + o for o in offsets)
            continue
        back = ANAPHORIC_YEARS[word]
        before = [w for w in written if w.end <= m.start()]
        if back is not None and before:
            years.add(before[-1].years[-1] + back)
    for m in _PLAN.finditer(text):
        years.add(PLAN_PERIODS[m["plan"]] + PLAN_POINTS[m["point"]])
    return years


def _horizons(text: str) -> Iterator[tuple[_Written, bool]]:
    """Each year written in ``text``, and whether it is a horizon (到2025年, 2025年前): a year
    aimed at, not one lived in. The end of a range (2020年至2023年) is none."""
    last_end = -1
    for w in _written(text):
        before = _HORIZON_BEFORE.search(text, max(0, w.start - _HORIZON_SPAN), w.start)
        aimed = before is not None and before.start() != last_end
        yield w, aimed or bool(_HORIZON_AFTER.match(text, w.end))
        last_end = w.end


def article_year(date: str | None, text: str) -> int | None:
    """The year an article was written: its date's, else inferred from its text (give the title
    with the text: a speech's date stands there, ``(2021年3月23日)``).

    The inference takes the latest year written in the text that is not a horizon
    (``到2025年``, ``力争2023年``, ``2025年前``, ``2035年远景目标``): an article reports up to its
    own year and plans from it (``2021年,南康将…`` beside ``2020年度`` results is a 2021
    article). None when no such year is written.

    Limits: a plan year that no word marks (``2030年全面建成``) is taken for the present, and
    no gap between years tells it apart (``2019年…2023年`` is an ordinary span of reporting);
    relative words (去年) cannot date an article on their own; an article that reviews last year
    without naming the present one reads as last year's; an article naming only horizons
    (``预计2023年3月试生产``) gets None, not the year before them.
    """
    if date and date[:4].isdigit():
        return int(date[:4])
    return max((y for w, aimed in _horizons(text) if not aimed for y in w.years), default=None)


@dataclass(frozen=True)
class QuestionYear:
    """The year a question asks about: written (``南康2019年完成投资多少`` → year 2019) or
    relative to the article read (``南康去年投了多少钱`` → offset -1, ``今年`` → 0)."""

    year: int | None = None  # the first year written in the question
    offset: int | None = None  # the first relative year word, as years from the article's

    def resolve(self, article_year: int | None) -> int | None:
        """The year asked about, read against an article of ``article_year``."""
        if self.year is not None:
            return self.year
        if self.offset is not None and article_year is not None:
            return article_year + self.offset
        return None


def question_year(text: str) -> QuestionYear:
    """The year ``text`` (a question) names, written or relative; both None when it names none.
    A question naming a range (``2020年至2023年增长了多少``) gets its first year."""
    written = next(_written(text), None)
    year = written.years[0] if written else None
    if year is None and (plan := _PLAN.search(text)):
        year = PLAN_PERIODS[plan["plan"]] + PLAN_POINTS[plan["point"]]
    offset = None
    for m in _RELATIVE.finditer(text):
        offsets = RELATIVE_YEARS.get(m.group())
        if offsets:
            offset = offsets[0]
            break
    return QuestionYear(year, offset)
