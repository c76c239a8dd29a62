"""Figures quoted in a passage: 509.69亿元, 近3亿元, 650-700亿元, 3000余家, 两个多月, 99.4%,
both sides of 由50.18平方公里增加到119.57平方公里, and ranks: 全市第一, 全国第四名.

:func:`extract_figures` is the only entry point. It reads cleaned simplified Chinese prose and
returns :class:`~retrieval.models.Figure` s, each with its span, its number as written, its
value in a base unit, the qualifier that makes it approximate, the side of a change it stands
on, the year written with it, and whether its sentence aims at it or reports it (target or
actual). What counts as a unit, a qualifier, a rank, a target word or a non-figure lives in
:mod:`retrieval.units`; this module only applies the tables. :func:`parse_number` reads every
number, Arabic or Chinese, for figures and ranks alike.

Target or actual, read from the words before a figure (:data:`~retrieval.units.INTENT_CUES`):
the nearest cue in the figure's clause decides, a 完成/实现/达到 verb only when no target word
governs it. Past the clause, a cue in an earlier clause of the sentence still governs when
nothing it could aim at stands after it in that clause (力争将来3年,…实现出口总额200亿元: a
duration is a time frame, not an aim), so 计划投资50亿元,完成投资60亿元 keeps 60亿元 actual.
Clauses joined by 、 are one list: 拟设立总规模100亿元、首批20亿元 are both planned. A target
word after the figure in its clause (1000亿元的奋斗目标) makes it a target whatever stands before.

Hand-written: Recognizers-Text, jionlp and the duckling ports were tried on this corpus and
failed on it (see :mod:`retrieval.units`); cn2an reads the Chinese numerals.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal, NamedTuple

from retrieval.models import Approx, Figure
from retrieval.punctuation import CLAUSE_ENDS, SENTENCE_ENDS, alternation, one_of, scanner
from retrieval.units import (
    BARE_MAGNITUDES,
    CHANGE_CONNECTORS,
    CHANGE_OPENERS,
    CHANGE_VERBS,
    CHANGE_YEAR,
    CN_DIGITS,
    CN_LEADING,
    CN_MAGNITUDE_CHARS,
    CN_NUMERAL_CHARS,
    COMPARISON_OPENERS,
    EXCLUSIONS,
    HALF,
    INNER_QUALIFIERS,
    INTENT_CUES,
    LONE_NUMERALS,
    MAGNITUDES,
    NOT_RANK_AFTER,
    NOT_UNITS,
    PERCENT_WORDS,
    PREFIX_QUALIFIERS,
    RANGE_SEPARATORS,
    RANK_SCOPE_PATTERN,
    RANK_SCOPES,
    RANK_SUFFIXES,
    RANK_TIERS,
    RANK_VERBS,
    SCALE,
    SUFFIX_QUALIFIERS,
    TARGET_AFTER,
    UNITS,
    VAGUE_BEFORE_NUMERAL,
    YEAR_DIGITS,
    YEAR_IS_BASE_FOR,
    Cue,
    Unit,
)


def _unit_branch(written: str) -> str:
    # A unit must not be the start of a longer word (项目, 家具) nor of a Latin code (5G电声).
    tails = [w[len(written):] for w in NOT_UNITS if w.startswith(written) and w != written]
    guard = alternation(tails)
    if written[-1].isascii() and written[-1].isalnum():
        guard = f"{guard}|[A-Za-z0-9]" if guard else "[A-Za-z0-9]"
    return re.escape(written) + (f"(?!{guard})" if guard else "")


# Units written 个X may carry a qualifier after the 个 (两个多月), so 个 is matched on its own.
_AFTER_GE = {u[1:] for u in UNITS if u.startswith("个") and len(u) > 1}
_UNIT_WORDS = sorted({u[1:] if u[0] == "个" and u[1:] else u for u in UNITS}, key=len, reverse=True)
_CN_ZERO_TO_NINE = "".join(CN_DIGITS)
_CN_ONE_TO_NINE = "".join(c for c, v in CN_DIGITS.items() if v)
_CN_TAIL = rf"[{_CN_ZERO_TO_NINE}{CN_MAGNITUDE_CHARS}]*"
_NUM = (rf"\d+(?:\.\d+)?|[{_CN_ONE_TO_NINE}]{_CN_TAIL}"
        rf"|(?<![{VAGUE_BEFORE_NUMERAL}])[{CN_LEADING}]{_CN_TAIL}")
# 5千瓦 is 5 千瓦, not 5千 瓦: a magnitude is not taken where a unit starting with it stands.
_MAG = (rf"(?!{alternation(u for u in _UNIT_WORDS if u[0] in MAGNITUDES)})"
        rf"(?:{alternation(MAGNITUDES)})")
_INNER = alternation(INNER_QUALIFIERS)
_ATOM = re.compile(
    rf"(?<![A-Za-z0-9.\-－—–~～])(?P<pct>{alternation(PERCENT_WORDS)})?"
    rf"(?:(?P<low>{_NUM})(?P<lowmag>{_MAG})?\s*(?:{alternation(RANGE_SEPARATORS)})\s*)?"
    rf"(?P<num>{_NUM})(?P<in1>{_INNER})?(?P<mag>{_MAG})?(?P<in2>{_INNER})?"
    rf"(?:(?P<ge>个(?P<mid>{_INNER}|{HALF})?(?=(?:{alternation(_AFTER_GE)})))?"
    rf"(?P<unit>{'|'.join(map(_unit_branch, _UNIT_WORDS))})(?P<tail>{_INNER}|{HALF})?)?"
)
# Where a figure can start: a digit, a numeral, a percent word. _ATOM opens with a look-behind,
# so re would try it at every position; it is tried only at these (:func:`_atoms`).
_ATOM_START = re.compile(
    f"[\\d{_CN_ONE_TO_NINE}{CN_LEADING}{''.join(w[0] for w in PERCENT_WORDS)}]")
_EXCLUSIONS = tuple(scanner(p) for p in EXCLUSIONS)
_PREFIX = re.compile(rf"(?:{alternation(PREFIX_QUALIFIERS)})$")
_PREFIX_SPAN = max(map(len, PREFIX_QUALIFIERS))
_SUFFIX = re.compile(alternation(SUFFIX_QUALIFIERS))
_CHANGE_OPEN = re.compile(rf"(?:{alternation(CHANGE_OPENERS)})(?:{CHANGE_YEAR})?$")
_CHANGE_GAP = re.compile(
    rf"(?:{alternation(CHANGE_VERBS)})?(?:{alternation(CHANGE_CONNECTORS)})(?:{CHANGE_YEAR})?"
)
_OPEN_SPAN = 16  # 由2020年底的: an opener and a year
_RANGE_GAP = re.compile(rf"\s*(?:{alternation(RANGE_SEPARATORS)})\s*")
_MASK = "\x00"  # not a digit, letter or CJK character: nothing matches across it
_RANK = scanner(
    rf"(?P<verb>{alternation(RANK_VERBS)})?"
    rf"(?P<scope>{'|'.join(map(re.escape, RANK_SCOPES))}|{RANK_SCOPE_PATTERN})?"
    rf"第\s*(?P<n>[\d{CN_NUMERAL_CHARS}]+)(?P<suffix>{alternation(RANK_SUFFIXES)})?"
)
_NOT_RANK_AFTER = re.compile(f"[{NOT_RANK_AFTER}]")
_SCALE = scanner(r"(?<!{run})".format(run=rf"[\d{CN_NUMERAL_CHARS}]") + SCALE.format(
    n=rf"(?P<n>[\d{CN_NUMERAL_CHARS}]+)",
    mag=f"(?P<mag>{'|'.join(sorted(MAGNITUDES, key=len, reverse=True))})"))
# A tier's number stands alone: not the 十 of 五十佳 read twice, nor a digit run's tail.
_NUMERAL_RUN = rf"[\d{CN_NUMERAL_CHARS}]"
_TIER = scanner("|".join(
    rf"(?<!{_NUMERAL_RUN})" + tier.format(n=rf"(?P<n{i}>{_NUMERAL_RUN}+)")
    for i, tier in enumerate(RANK_TIERS)))
_YEAR_BEFORE = re.compile(rf"(?<![\d.])(?=(?P<year>{YEAR_DIGITS}))(?:{CHANGE_YEAR})$")
_YEAR_SPAN = 8  # 2020年底的
# A passage's paragraphs are joined by newlines: a newline ends a sentence too.
_SENTENCE_END = re.compile(one_of(SENTENCE_ENDS, "\n"))
_CLAUSE_END = re.compile(one_of(CLAUSE_ENDS))
_COMMA_END = re.compile(one_of(CLAUSE_ENDS.replace("、", "")))  # not the 、 that joins a list
_CUES = re.compile(alternation(INTENT_CUES))
_TARGET_AFTER = re.compile(alternation(TARGET_AFTER))
_COMPARISON = re.compile(alternation(COMPARISON_OPENERS))


class _Atom(NamedTuple):  # a tuple: made for every number in every passage indexed
    start: int
    end: int
    written: str  # the unit as written, magnitude included: 亿元, 万个, 个月
    unit: Unit
    number: Decimal
    high: Decimal | None = None  # upper end of a range, as a number (not yet normalized)
    inner: str | None = None  # 余, 多 written inside the figure
    mag: str = ""  # the magnitude word as written: 万 in 20万平方米
    unit_inherited: bool = False
    role: Literal["from", "to"] | None = None


def _tidy(d: Decimal) -> Decimal:
    # 509.69 × 10⁸ is Decimal('50969000000.00'); keep values readable and free of exponents.
    # 亩 converts to m² with endless decimals; a millionth of a base unit is precision enough.
    if d == d.to_integral_value():
        return d.quantize(Decimal(1))
    return d.quantize(Decimal("0.000001")).normalize()


def parse_number(s: str) -> tuple[Decimal, Decimal | None] | None:
    """``(number, None)`` for the number written as ``s`` (509.69, 三, 一百二十, 千), ``(low, high)``
    for 两三, 三四 (two or three), None when ``s`` is no number (十四五, 一一)."""
    if s[0].isdigit():
        try:
            return Decimal(s), None
        except InvalidOperation:  # digits and numerals mixed: 1十
            return None
    if all(c in CN_DIGITS for c in s):
        if len(s) == 1:
            return Decimal(CN_DIGITS[s]), None
        if len(s) == 2 and CN_DIGITS[s[1]] == CN_DIGITS[s[0]] + 1:
            return Decimal(CN_DIGITS[s[0]]), Decimal(CN_DIGITS[s[1]])
        return None  # 一一 (唯一一个), digit-by-digit codes
    try:
        import cn2an  # imported on first use: it costs a tenth of a second at start-up

        return Decimal(cn2an.cn2an("一" + s if s[0] in CN_LEADING else s, "normal")), None
    except (ValueError, KeyError):  # 十四五, 二亿两 and the like: cn2an's KeyError is a bug
        return None


def _atom(m: re.Match) -> _Atom | None:
    g = m.groupdict()
    mag, ge, end, tail = g["mag"] or "", "个" if g["ge"] else "", m.end(), g["tail"]
    if g["pct"]:  # 百分之三十: the unit comes first
        if g["low"] or g["unit"]:
            return None
        unit, written = UNITS["%"], g["pct"]
    elif g["unit"] is None:
        if not (g["num"][0].isdigit() and mag in BARE_MAGNITUDES):
            return None  # plain integers are codes, years, page numbers, not figures
        unit, written = Unit("number", ""), mag
    else:
        found = UNITS.get(ge + g["unit"])
        if found is None:
            return None  # 月 without 个 is a date
        unit, written = found, mag + ge + g["unit"]
    if tail and unit.kind != "duration":  # 3年多 yes, but in 3个多功能厅 the 多 is not ours
        tail, end = None, m.end("unit")
    marks = (g["in1"], g["in2"], g["mid"], tail)
    inner = next((q for q in marks if q in INNER_QUALIFIERS), None)
    halves = marks.count(HALF)
    parsed = parse_number(g["num"])
    if parsed is None or (g["num"] in LONE_NUMERALS and not (inner or halves or g["pct"])):
        return None
    scale = MAGNITUDES.get(mag, Decimal(1))
    number = parsed[0] * scale + Decimal("0.5") * halves
    high = parsed[1] * scale if parsed[1] is not None else None
    if g["low"] is not None:
        low = parse_number(g["low"])
        if low is None or low[1] is not None:
            return None
        number, high = low[0] * MAGNITUDES.get(g["lowmag"] or mag, Decimal(1)), number
    return _Atom(m.start(), end, written, unit, number, high, inner=inner, mag=mag)


def _mask(text: str) -> str:
    chars = list(text)
    for pattern in _EXCLUSIONS:
        for m in pattern.finditer(text):
            chars[m.start():m.end()] = _MASK * (m.end() - m.start())
    return "".join(chars)


def _atoms(masked: str) -> Iterator[re.Match[str]]:
    """``_ATOM.finditer(masked)``, twice as fast: the same leftmost, non-overlapping matches,
    looked for only where one can start."""
    end = 0
    for start in _ATOM_START.finditer(masked):
        if start.start() >= end and (m := _ATOM.match(masked, start.start())):
            yield m
            end = m.end()


def _sentence_ends(text: str) -> list[int]:
    return [m.start() for m in _SENTENCE_END.finditer(text)]


def _inherit_units(text: str, atoms: list[_Atom]) -> list[_Atom]:
    """A bare magnitude (目标是50万) takes the unit of the nearest figure in its sentence that
    has one and the same magnitude word: 20万平方米 lends 平方米 to 50万 and 80万, 15万人 lends
    人 to 20万. A different magnitude (5亿元 beside 2万) says the two are not the same measure."""
    ends = _sentence_ends(text)
    lenders = [a for a in atoms if a.unit.kind != "number"]
    out = []
    for a in atoms:
        sentence = bisect_right(ends, a.start)
        near = [b for b in lenders if b.mag == a.mag and bisect_right(ends, b.start) == sentence
                ] if a.unit.kind == "number" else []
        if not near:
            out.append(a)
            continue
        # Nearest by the characters between; on a tie the unit written after (50万、80万平方米).
        lender = min(near, key=lambda b: (max(b.start - a.end, a.start - b.end), -b.start))
        out.append(a._replace(unit=lender.unit, written=a.mag + lender.written[len(lender.mag):],
                           unit_inherited=True))
    return out


def _merge(text: str, atoms: list[_Atom]) -> list[_Atom]:
    """Mark 由A增加到B as a change, A the from-side and B the to-side; join A至B (both with
    units) into one range."""
    out: list[_Atom] = []
    for atom in atoms:
        prev = out[-1] if out else None
        joined = prev is not None and (prev.high is not None or prev.role is not None)
        if prev is None or joined or prev.unit != atom.unit:
            out.append(atom)
            continue
        gap = text[prev.end:atom.start]
        opener = _CHANGE_OPEN.search(text, max(0, prev.start - _OPEN_SPAN), prev.start)
        if opener and _CHANGE_GAP.fullmatch(gap):
            out[-1] = prev._replace(role="from")
            out.append(atom._replace(role="to"))
        elif _RANGE_GAP.fullmatch(gap) and atom.high is None:
            # The unit is the one written at the end: 50万至80万平方米 is a range in 平方米.
            out[-1] = prev._replace(end=atom.end, high=atom.number, written=atom.written,
                              unit_inherited=atom.unit_inherited)
        else:
            out.append(atom)
    return out


def _qualifier(text: str, a: _Atom) -> tuple[str | None, Approx | None, int]:
    """The qualifier, its approximation, and where the figure's words start (before a leading
    qualifier: 近3亿元 starts at 近)."""
    before = _PREFIX.search(text, max(0, a.start - _PREFIX_SPAN), a.start)
    if before and (approx := PREFIX_QUALIFIERS[before.group()]):
        return before.group(), approx, before.start()
    after = _SUFFIX.match(text, a.end)
    if after:
        return after.group(), SUFFIX_QUALIFIERS[after.group()], a.start
    if a.inner:
        return a.inner, INNER_QUALIFIERS[a.inner], a.start
    return None, None, a.start


def _year_before(text: str, start: int) -> int | None:
    """The year written just before a figure: 2020年的57家, 2023年底的9家."""
    m = _YEAR_BEFORE.search(text, max(0, start - _YEAR_SPAN), start)
    return int(m["year"]) if m else None


def _figure(text: str, a: _Atom) -> Figure:
    qualifier, approx, lead = _qualifier(text, a)

    def norm(n: Decimal) -> Decimal:
        return _tidy(n * a.unit.factor)

    def norm_optional(n: Decimal | None) -> Decimal | None:
        return None if n is None else norm(n)

    return Figure(
        text=text[a.start:a.end], start=a.start, end=a.end, kind=a.unit.kind,
        number=_tidy(a.number), value=norm(a.number), unit=a.written, base_unit=a.unit.base,
        measure=a.unit.base if a.unit.kind == "count" else None, qualifier=qualifier,
        approx=approx, high=norm_optional(a.high), unit_inherited=a.unit_inherited, role=a.role,
        year=None if a.unit.kind in YEAR_IS_BASE_FOR else _year_before(text, lead),
    )


def _scales(text: str) -> list[Figure]:
    """Scales: 百亿级, 千亿级, 500亿级 — money of that order (百亿级 → 10¹⁰ 元)."""
    out = []
    for m in _SCALE.finditer(text):
        parsed = parse_number(m["n"])
        if parsed is None or parsed[1] is not None:
            continue
        number = parsed[0] * MAGNITUDES[m["mag"]]
        out.append(Figure(text=m.group(), start=m.start(), end=m.end(), kind="money",
                          number=number, value=number, unit=f"{m['mag']}级", base_unit="元",
                          approx="about"))
    return out


def _tiers(text: str) -> list[Figure]:
    """Ranks written as a tier: 前三名, 十佳, 第一方阵 (value: the number in it)."""
    out = []
    for m in _TIER.finditer(text):
        parsed = parse_number(next(n for n in m.groups() if n))
        if parsed is None or parsed[1] is not None:
            continue
        out.append(Figure(text=m.group(), start=m.start(), end=m.end(), kind="rank",
                          number=parsed[0], value=parsed[0], unit="", base_unit="",
                          year=_year_before(text, m.start())))
    return out


def _ranks(text: str) -> list[Figure]:
    """Ranks such as 全市第一, 全国第四名, 排名第九, and tiers (:func:`_tiers`); not 第三次,
    第一大建成区."""
    tiers = _tiers(text)
    out = list(tiers)
    for m in _RANK.finditer(text):
        if not (m["verb"] or m["scope"] or m["suffix"]):
            continue
        if not m["suffix"] and _NOT_RANK_AFTER.match(text, m.end()):
            continue
        parsed = parse_number(m["n"])
        if parsed is None or parsed[1] is not None:
            continue  # 第一二名 names no one position
        start = m.end("verb") if m["verb"] else m.start()
        if any(t.start < m.end() and start < t.end for t in tiers):
            continue  # 第一方阵 is read as a tier, not as 第一
        out.append(Figure(text=text[start:m.end()], start=start, end=m.end(), kind="rank",
                          number=parsed[0], value=parsed[0], unit="", base_unit="",
                          year=_year_before(text, start)))
    return out


def _cue(masked: str, start: int, end: int, reached: bool) -> tuple[Cue | None, bool]:
    """The nearest decisive cue in ``masked[start:end]``, read backwards: "target" or "actual",
    or None with ``reached`` set when a 完成/实现 verb was passed on the way."""
    for m in reversed(list(_CUES.finditer(masked, start, end))):
        cue = INTENT_CUES[m.group()]
        if cue == "reached":
            reached = True
        elif cue is not None:
            return cue, reached
    return None, reached


@dataclass(frozen=True)
class _Marks:
    """Where a passage's (figure-masked) clauses end, found once for all its figures."""

    clause_ends: list[int]  # positions of every clause mark
    commas: list[int]  # positions of the marks that end a clause but not a list (not 、)

    @classmethod
    def of(cls, masked: str) -> _Marks:
        return cls([m.start() for m in _CLAUSE_END.finditer(masked)],
                   [m.start() for m in _COMMA_END.finditer(masked)])

    def clause_start(self, lo: int, hi: int) -> int:
        """Where the clause holding ``hi`` starts, no earlier than ``lo``: after the last comma
        in ``masked[lo:hi]``."""
        i = bisect_left(self.commas, hi) - 1
        return self.commas[i] + 1 if i >= 0 and self.commas[i] >= lo else lo

    def clause_end(self, at: int, default: int) -> int:
        """The first clause mark from ``at``; ``default`` where there is none."""
        i = bisect_left(self.clause_ends, at)
        return self.clause_ends[i] if i < len(self.clause_ends) else default


def _intent(masked: str, marks: _Marks, f: Figure, aims: Sequence[Figure], sentence: int
            ) -> Literal["target", "actual"] | None:
    """Target or actual, from the cues around ``f`` in its sentence (which starts at
    ``sentence``); ``aims`` are the sentence's figures a cue could aim at. See the module doc."""
    if _TARGET_AFTER.search(masked, f.end, marks.clause_end(f.end, len(masked))):
        return "target"
    # The figure's own clause, up to a comparison opener (占计划的…, 比预计…): 、 joins a list.
    clause = marks.clause_start(sentence, f.start)
    stop = f.start
    for m in _COMPARISON.finditer(masked, clause, f.start):
        if COMPARISON_OPENERS[m.group()]:
            stop = m.start()
    cue, reached = _cue(masked, clause, stop, False)
    # Earlier clauses: only the cues after the last figure each could aim at.
    while cue is None and clause > sentence:
        end = clause - 1  # the comma
        clause = marks.clause_start(sentence, end)
        start = max([a.end for a in aims if clause <= a.start < end], default=clause)
        cue, reached = _cue(masked, start, end, reached)
    if cue == "target":
        return "target"
    return "actual" if cue == "actual" or reached else None


def _with_intents(text: str, figures: Sequence[Figure]) -> list[Figure]:
    # Cues are read with every figure masked: the 只 of 3只 is a measure word, not "only".
    chars = list(text)
    for f in figures:
        chars[f.start:f.end] = _MASK * (f.end - f.start)
    masked = "".join(chars)
    marks = _Marks.of(masked)
    ends = _sentence_ends(text)
    sentences = [bisect_right(ends, f.start) for f in figures]
    aims: dict[int, list[Figure]] = {}  # sentence → figures; a duration is a time frame: 将来3年
    for f, i in zip(figures, sentences, strict=True):
        if f.kind != "duration":
            aims.setdefault(i, []).append(f)
    out = []
    for f, i in zip(figures, sentences, strict=True):
        intent = _intent(masked, marks, f, aims.get(i, []), ends[i - 1] + 1 if i else 0)
        out.append(f if intent == f.intent else f.model_copy(update={"intent": intent}))
    return out


def extract_figures(text: str) -> tuple[Figure, ...]:
    """Every figure in ``text``, ranks included, in order of position, none overlapping another.

    Quantities are read first, in the text with its non-figures masked; a bare magnitude takes
    the unit of its neighbour (:func:`_inherit_units`) before changes and ranges are joined; a
    rank that overlaps a quantity (全国3个省市第一) is dropped. Intents are read last, from the
    words around each figure with every figure masked.
    """
    atoms = [a for m in _atoms(_mask(text)) if (a := _atom(m))]
    figures = [_figure(text, a) for a in _merge(text, _inherit_units(text, atoms))]
    scales = _scales(text)  # 500亿级 is one scale, not the bare 500亿 read before it
    figures = [f for f in figures if f.kind != "number"
               or not any(s.start < f.end and f.start < s.end for s in scales)]
    figures += [s for s in scales if not any(s.start < f.end and f.start < s.end for f in figures)]
    ranks = [r for r in _ranks(text)
             if not any(r.start < f.end and f.start < r.end for f in figures)]
    return tuple(_with_intents(text, sorted(figures + ranks, key=lambda f: f.start)))
