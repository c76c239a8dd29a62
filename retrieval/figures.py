"""Figures quoted in a passage: 509.69亿元, 近3亿元, 650-700亿元, 3000余家, 两个多月, 99.4%,
由50.18平方公里增加到119.57平方公里, and ranks: 全市第一, 全国第四名.

:func:`extract_figures` is the only entry point. It reads cleaned simplified Chinese prose and
returns :class:`~retrieval.models.Figure` s, each with its span, its number as written, its
value in a base unit, and the qualifier that makes it approximate. What counts as a unit, a
qualifier, a rank or a non-figure lives in :mod:`retrieval.units`; this module only applies the
tables. :func:`parse_number` reads every number, Arabic or Chinese, for figures and ranks alike.

Hand-written: Recognizers-Text, jionlp and the duckling ports were tried on this corpus and
failed on it (see :mod:`retrieval.units`); cn2an reads the Chinese numerals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from retrieval.models import Approx, Figure
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
    EXCLUSIONS,
    HALF,
    INNER_QUALIFIERS,
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
    RANK_VERBS,
    SUFFIX_QUALIFIERS,
    UNITS,
    VAGUE_BEFORE_NUMERAL,
    Unit,
)


def _alternation(words: Iterable[str]) -> str:
    # Longest first: regex alternation takes the first branch that fits, not the longest.
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _unit_branch(written: str) -> str:
    # A unit must not be the start of a longer word (项目, 家具) nor of a Latin code (5G电声).
    tails = [w[len(written):] for w in NOT_UNITS if w.startswith(written) and w != written]
    guard = _alternation(tails)
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
_MAG = (rf"(?!{_alternation(u for u in _UNIT_WORDS if u[0] in MAGNITUDES)})"
        rf"(?:{_alternation(MAGNITUDES)})")
_INNER = _alternation(INNER_QUALIFIERS)
_ATOM = re.compile(
    rf"(?<![A-Za-z0-9.\-－—–~～])(?P<pct>{_alternation(PERCENT_WORDS)})?"
    rf"(?:(?P<low>{_NUM})(?P<lowmag>{_MAG})?\s*(?:{_alternation(RANGE_SEPARATORS)})\s*)?"
    rf"(?P<num>{_NUM})(?P<in1>{_INNER})?(?P<mag>{_MAG})?(?P<in2>{_INNER})?"
    rf"(?:(?P<ge>个(?P<mid>{_INNER}|{HALF})?(?=(?:{_alternation(_AFTER_GE)})))?"
    rf"(?P<unit>{'|'.join(map(_unit_branch, _UNIT_WORDS))})(?P<tail>{_INNER}|{HALF})?)?"
)
_EXCLUSIONS = tuple(re.compile(p) for p in EXCLUSIONS)
_PREFIX = re.compile(rf"(?:{_alternation(PREFIX_QUALIFIERS)})$")
_PREFIX_SPAN = max(map(len, PREFIX_QUALIFIERS))
_SUFFIX = re.compile(_alternation(SUFFIX_QUALIFIERS))
_CHANGE_OPEN = re.compile(rf"(?:{_alternation(CHANGE_OPENERS)})(?:{CHANGE_YEAR})?$")
_CHANGE_GAP = re.compile(
    rf"(?:{_alternation(CHANGE_VERBS)})?(?:{_alternation(CHANGE_CONNECTORS)})(?:{CHANGE_YEAR})?"
)
_OPEN_SPAN = 16  # 由2020年底的: an opener and a year
_RANGE_GAP = re.compile(rf"\s*(?:{_alternation(RANGE_SEPARATORS)})\s*")
_MASK = "\x00"  # not a digit, letter or CJK character: nothing matches across it
_RANK = re.compile(
    rf"(?P<verb>{_alternation(RANK_VERBS)})?"
    rf"(?P<scope>{'|'.join(map(re.escape, RANK_SCOPES))}|{RANK_SCOPE_PATTERN})?"
    rf"第\s*(?P<n>[\d{CN_NUMERAL_CHARS}]+)(?P<suffix>{_alternation(RANK_SUFFIXES)})?"
)
_NOT_RANK_AFTER = re.compile(f"[{NOT_RANK_AFTER}]")


@dataclass(frozen=True)
class _Atom:
    start: int
    end: int
    written: str  # the unit as written, magnitude included: 亿元, 万个, 个月
    unit: Unit
    number: Decimal
    high: Decimal | None = None  # upper end of a range, as a number (not yet normalized)
    start_value: Decimal | None = None
    inner: str | None = None  # 余, 多 written inside the figure


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
    return _Atom(m.start(), end, written, unit, number, high, inner=inner)


def _mask(text: str) -> str:
    chars = list(text)
    for pattern in _EXCLUSIONS:
        for m in pattern.finditer(text):
            chars[m.start():m.end()] = _MASK * (m.end() - m.start())
    return "".join(chars)


def _merge(text: str, atoms: list[_Atom]) -> list[_Atom]:
    """Join 由A增加到B into one change and A至B (both with units) into one range."""
    out: list[_Atom] = []
    for atom in atoms:
        prev = out[-1] if out else None
        joined = prev is not None and (prev.high is not None or prev.start_value is not None)
        if prev is None or joined or prev.unit != atom.unit:
            out.append(atom)
            continue
        gap = text[prev.end:atom.start]
        opener = _CHANGE_OPEN.search(text, max(0, prev.start - _OPEN_SPAN), prev.start)
        if opener and _CHANGE_GAP.fullmatch(gap):
            out[-1] = replace(atom, start=opener.start(), start_value=prev.number)
        elif _RANGE_GAP.fullmatch(gap) and atom.high is None:
            out[-1] = replace(prev, end=atom.end, high=atom.number)
        else:
            out.append(atom)
    return out


def _qualifier(text: str, a: _Atom) -> tuple[str | None, Approx | None]:
    before = _PREFIX.search(text, max(0, a.start - _PREFIX_SPAN), a.start)
    if before and (approx := PREFIX_QUALIFIERS[before.group()]):
        return before.group(), approx
    after = _SUFFIX.match(text, a.end)
    if after:
        return after.group(), SUFFIX_QUALIFIERS[after.group()]
    if a.inner:
        return a.inner, INNER_QUALIFIERS[a.inner]
    return None, None


def _figure(text: str, a: _Atom) -> Figure:
    qualifier, approx = _qualifier(text, a)

    def norm(n: Decimal) -> Decimal:
        return _tidy(n * a.unit.factor)

    def norm_optional(n: Decimal | None) -> Decimal | None:
        return None if n is None else norm(n)

    return Figure(
        text=text[a.start:a.end], start=a.start, end=a.end, kind=a.unit.kind,
        number=_tidy(a.number), value=norm(a.number), unit=a.written, base_unit=a.unit.base,
        measure=a.unit.base if a.unit.kind == "count" else None, qualifier=qualifier,
        approx=approx, high=norm_optional(a.high), start_value=norm_optional(a.start_value),
    )


def _ranks(text: str) -> list[Figure]:
    """Ranks such as 全市第一, 全国第四名, 排名第九; not 第一方阵, 第三次, 第一大建成区."""
    out = []
    for m in _RANK.finditer(text):
        if not (m["verb"] or m["scope"] or m["suffix"]):
            continue
        if not m["suffix"] and _NOT_RANK_AFTER.match(text, m.end()):
            continue
        parsed = parse_number(m["n"])
        if parsed is None or parsed[1] is not None:
            continue  # 第一二名 names no one position
        start = m.end("verb") if m["verb"] else m.start()
        out.append(Figure(text=text[start:m.end()], start=start, end=m.end(), kind="rank",
                          number=parsed[0], value=parsed[0], unit="", base_unit=""))
    return out


def extract_figures(text: str) -> tuple[Figure, ...]:
    """Every figure in ``text``, ranks included, in order of position, none overlapping another.

    Quantities are read first, in the text with its non-figures masked; a rank that overlaps one
    (全国3个省市第一) is dropped.
    """
    atoms = [a for m in _ATOM.finditer(_mask(text)) if (a := _atom(m))]
    figures = [_figure(text, a) for a in _merge(text, atoms)]
    ranks = [r for r in _ranks(text)
             if not any(r.start < f.end and f.start < r.end for f in figures)]
    return tuple(sorted(figures + ranks, key=lambda f: f.start))
