"""Names and dates quoted in a passage: who (a person, with the title written beside the name),
which organisation, where, when — the answers to questions that are not about a quantity.

:func:`extract_mentions` is the only entry point. Like figures, mentions are read from a
passage's text when an answer first asks (:mod:`retrieval.spans`): with the tokenizer
:meth:`Resources.cutter` picks (a short text needs no jieba table loaded) and the dictionary's
tags (:meth:`Resources.word_tag`, not jieba's POS tagger).

- **dates** are read by the patterns figures mask (``DATES`` in :mod:`retrieval.units`), with a
  relative year written before one kept apart (今年2月: text 2月, month 2, relative 今年); a
  relative year with no date after it (去年, 今年前三季度) is a date of its own. A month range
  (1-8月) is one date with no single month.
- **persons** are names vouched for by what stands beside them: a title before the name
  (区委书记徐兵), 同志 or 书记 after it (新强同志, 忠琼书记), or, with no title, a verb of speech
  after it (徐兵表示, 徐兵在大会上表示). jieba cuts names badly (易炼/红来萍, 操声跃说), so a name
  after a title is cut by characters: a surname, two or three characters, then something that
  may follow a name (何善锦|陪同); a name in jieba's dictionary, or a word its HMM found, stands
  in where that fails (居民周静|幸福…).
- **organisations** are words the dictionaries tag ``nt`` (the project's companies, 清华大学,
  国务院) and names ending with an organisation word (公司, 大学, 医院 …) taken back over
  descriptive words to a proper name and over the proper names before it:
  以色列汽车进口商|卡拉索汽车公司, 江铃集团新能源汽车有限公司.
- **places** are words of the place lexicon, joined with a place after them and with a word
  that extends a place (萍乡北站, 龙潭公园, 深圳盐田港: one place, the most specific one
  written).

Spans never overlap: a date beats a name, a person an organisation, an organisation a place (江西
in 江西财经大学 is no place of its own), and a longer span a shorter one of its kind.

Cost: one jieba segmentation of the passage (HMM on, so unlisted names come out as words), each
word tagged from the dictionary's table. jieba's POS HMM is not run: it costs five
times the segmentation on news prose and cuts names no better than the rules above.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, count
from operator import itemgetter
from typing import NamedTuple, cast, overload

from .figures import parse_number
from .models import Mention, MentionKind
from .names import (
    AMBIGUOUS_SURNAMES,
    BEFORE_BARE_NAME,
    BRAND_HEADS,
    BRAND_LENGTHS,
    BRAND_TAGS,
    BYLINES,
    COMPOUND_SURNAMES,
    COUNTED,
    NAME_ENDS,
    NAME_LENGTHS,
    NOT_NAME_CHARS,
    NOT_ORGS,
    ORG_HEADS,
    ORG_INNER,
    ORG_INNER_TAGS,
    ORG_INNER_WORDS,
    ORG_MAX_CHARS,
    ORG_TAG,
    PERSON_TAGS,
    PLACE_SUFFIXES,
    PROPER_TAGS,
    ROLES,
    SPEECH_REACH,
    SPEECH_VERBS,
    SURNAMES,
    TITLES_AFTER,
    YEAR_PARTS,
)
from .punctuation import CLAUSE_ENDS, SENTENCE_ENDS, Match, alternation, scanner
from .resources import Resources
from .units import CN_DIGITS, DATES
from .years import ANAPHORIC_YEARS, RELATIVE_YEARS

_DATES = tuple(scanner(p) for p in DATES)
# Relative year words, and the words holding one that are none (以上年, 想当年: None), which
# win where longer.
_YEAR_WORDS = {**RELATIVE_YEARS, **ANAPHORIC_YEARS}
_RELATIVE = (rf"(?:(?P<word>{alternation(_YEAR_WORDS)})(?:{alternation(YEAR_PARTS)})?"
             rf"|(?:{alternation(YEAR_PARTS)}))")
_RELATIVE_ALONE = scanner(rf"(?<!年){_RELATIVE}")
_RELATIVE_BEFORE = re.compile(rf"{_RELATIVE}\s*$")
_RELATIVE_SPAN = max(map(len, _YEAR_WORDS)) + max(map(len, YEAR_PARTS)) + 1
_CUE = re.compile(alternation((*ROLES, *TITLES_AFTER, *BYLINES)))
_NAME_OPENERS = frozenset((*ROLES, *BYLINES))
_NAME_END = re.compile(rf"{alternation(NAME_ENDS)}|$")
_CLAUSE_CHARS = re.escape(CLAUSE_ENDS + SENTENCE_ENDS + "\n")
_SPEECH_AFTER = re.compile(
    rf"(?:在[^{_CLAUSE_CHARS}]{{0,{SPEECH_REACH}}}?)?(?:{alternation(SPEECH_VERBS)})")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_SPACES = " \u3000"
_ORDINAL = re.compile(r"第[\d〇零一二三四五六七八九十百]+")
_HEAD_LENGTHS = sorted({len(h) for h in ORG_HEADS}, reverse=True)
_ORG_HEADS = frozenset(ORG_HEADS)
_BRAND_HEADS = frozenset(BRAND_HEADS)
_COUNTED = re.compile(COUNTED)
_ORG_INNER = frozenset(ORG_INNER)
_PLACE_SUFFIXES = frozenset(PLACE_SUFFIXES)
_SURNAMES = frozenset(SURNAMES)
_AMBIGUOUS = frozenset(AMBIGUOUS_SURNAMES)
_LONG_NAME_END = re.compile(alternation(e for e in NAME_ENDS if len(e) > 1))
_PRIORITY: dict[MentionKind, int] = {"date": 0, "person": 1, "org": 2, "place": 3}


class _Word(NamedTuple):
    text: str
    tag: str | None  # jieba's dictionary tag; None for a word its HMM found, and for non-words
    start: int
    end: int


class _Words(Sequence[_Word]):
    """A passage's words, each made when a rule asks for it: the rules look at few of them."""

    def __init__(self, texts: list[str], tags: list[str | None], bounds: list[int]) -> None:
        self.texts, self.tags, self.bounds = texts, tags, bounds

    def __len__(self) -> int:
        return len(self.texts)

    @overload
    def __getitem__(self, i: int) -> _Word: ...
    @overload
    def __getitem__(self, i: slice) -> list[_Word]: ...

    def __getitem__(self, i: int | slice) -> _Word | list[_Word]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self.texts)
        return _Word(self.texts[i], self.tags[i], self.bounds[i], self.bounds[i + 1])


@dataclass
class _Passage:
    """A passage cut into words, with what the rules ask about it. (Not frozen: made for every
    passage indexed, and a frozen dataclass sets each field through object.__setattr__.)"""

    text: str
    words: _Words
    bounds: list[int]  # the words' start offsets, in order, then the end of the last
    res: Resources
    # Indexes of the words each rule starts from (see _word_info): most words start none.
    speakers: list[int]
    org_ends: list[int]
    places: list[int]

    def tag(self, s: str) -> str | None:
        return _tag(self.res, s)

    def word_start(self, offset: int) -> int | None:
        """The index of the word starting at ``offset``; None when none does. (Looked up
        a few times a passage: a search, not a table made for every passage.)"""
        i = bisect.bisect_left(self.bounds, offset)
        return i if i < len(self.words) and self.bounds[i] == offset else None

    def starts_word(self, offset: int) -> bool:
        return self.word_start(offset) is not None

    def word_at(self, start: int) -> _Word | None:
        i = self.word_start(start)
        return None if i is None else self.words[i]

    def inside_word(self, offset: int) -> bool:
        """Whether ``offset`` falls inside a dictionary word (陶器|厂, 五音不|全): no name
        starts or ends there. Inside a word jieba's HMM found it may (以|忠琼书记)."""
        i = bisect.bisect_right(self.bounds, offset) - 1
        if not 0 <= i < len(self.words):
            return False
        w = self.words[i]
        return w.start < offset < w.end and w.tag is not None


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _SPACES:
        pos += 1
    return pos


def _tag(res: Resources, s: str) -> str | None:
    """The dictionary's tag of ``s`` as one word; None when it is no dictionary word."""
    return res.word_tag(s)


_SPEAKER, _ORG_END, _PLACE = 1, 2, 4  # what a word may start, as bits (_word_info)


def _word_info(w: str, res: Resources) -> tuple[str | None, int]:
    """A word's dictionary tag (None when it is no dictionary word, or one jieba's HMM found)
    and the rules it may start: a speaker's name (:func:`_persons`), the end of an
    organisation's name (:func:`_orgs`), a place (:func:`_places`). Both depend on the word
    alone, so they are worked out once per word (:meth:`Resources.memo`)."""
    tag = _tag(res, w)
    extra = _surname(w)
    speaker = (extra and (tag is None or tag in PERSON_TAGS) and _HAN.fullmatch(w)
               and len(w) - extra + 1 in NAME_LENGTHS and not _CUE.search(w, extra))
    org_end = w in _BRAND_HEADS or (tag == ORG_TAG and w not in NOT_ORGS) or _is_head(w)
    return tag, (_SPEAKER if speaker else 0) | (_ORG_END if org_end else 0) | (
        _PLACE if w in res.places else 0)


def _segment(text: str, res: Resources, cut: Sequence[str] | None = None) -> _Passage:
    memo = res.memo("mentions")
    # HMM on: 徐兵, 何善锦 come out as words of their own
    texts = cut if isinstance(cut, list) else list(cut) if cut is not None else (
        res.cutter(text).lcut(text))
    found = list(map(memo.get, texts))  # built-in loops: this runs for every passage indexed
    if None in found:
        for i, info in enumerate(found):
            if info is None:
                found[i] = memo[texts[i]] = _word_info(texts[i], res)
    infos = cast(list[tuple[str | None, int]], found)  # every None filled in
    rules = list(map(itemgetter(1), infos))
    flagged = list(compress(count(), rules))  # most words start no rule
    bounds = [0, *accumulate(map(len, texts))]
    return _Passage(text, _Words(texts, list(map(itemgetter(0), infos)), bounds), bounds, res,
                    *([i for i in flagged if rules[i] & bit]
                      for bit in (_SPEAKER, _ORG_END, _PLACE)))


# --- dates -------------------------------------------------------------------------------------

def _is_relative(m: Match) -> bool:
    return m["word"] is None or _YEAR_WORDS[m["word"]] is not None


def _cn_number(s: str) -> int | None:
    parsed = parse_number(s)
    return int(parsed[0]) if parsed and parsed[1] is None else None


def _date(m: Match, p: _Passage) -> Mention | None:
    g = {k: v for k, v in m.groupdict().items() if v}
    year = month = day = None
    if "year" in g and not ({"year_end", "decade"} & g.keys()):
        year = int(g["year"])
    elif "cn_year" in g:
        year = int("".join(str(CN_DIGITS[c]) for c in g["cn_year"]))
    if "cn_month" in g:
        # A Chinese month alone (统一月报, 五一月饼) is too often part of other words: it needs
        # a day, 份, or a year before it.
        after_year = p.text[m.start() - 1:m.start()] == "年"
        if not ("cn_day" in g or m.group().endswith("份") or after_year):
            return None
        month = _cn_number(g["cn_month"])
        day = _cn_number(g["cn_day"]) if "cn_day" in g else None
    else:
        month = int(g["month"]) if "month" in g else None
        day = int(g["day"]) if "day" in g else None
    ends = [int(g[k]) for k in ("month", "month_end") if k in g]
    if any(not 1 <= v <= 12 for v in ends) or (month is not None and not 1 <= month <= 12):
        return None
    if day is not None and not 1 <= day <= 31:
        return None
    if "month_end" in g:
        month = None  # a period of months: 1-8月
    relative = None
    if year is None and "year_end" not in g:
        before = _RELATIVE_BEFORE.search(p.text, max(0, m.start() - _RELATIVE_SPAN), m.start())
        if before and p.starts_word(before.start()) and _is_relative(before):
            relative = before.group().strip()
    return Mention(text=m.group(), start=m.start(), end=m.end(), kind="date", year=year,
                   month=month, day=day, relative=relative)


def _dates(p: _Passage) -> list[Mention]:
    found = [d for pattern in _DATES for m in pattern.finditer(p.text) if (d := _date(m, p))]
    dated = {d.start for d in found}
    for m in _RELATIVE_ALONE.finditer(p.text):
        after = _skip_spaces(p.text, m.end())
        # Only whole words (当年 is not in 相当年轻); one written before a date belongs to it.
        if p.starts_word(m.start()) and after not in dated and _is_relative(m):
            found.append(Mention(text=m.group(), start=m.start(), end=m.end(), kind="date",
                                 relative=m.group()))
    return found


# --- persons -----------------------------------------------------------------------------------

def _surname(s: str, after_title: bool = False) -> int:
    """Length of the surname ``s`` starts with: 2 (欧阳), 1 (徐), 0 (none). Right after a title
    the surnames that are also common words count too (市长万广明)."""
    if s[:2] in COMPOUND_SURNAMES:
        return 2
    return 1 if s[:1] in _SURNAMES or (after_title and s[:1] in _AMBIGUOUS) else 0


def _common_word(p: _Passage, s: str) -> bool:
    """A dictionary word that is no name: 方面, 全体, 负责."""
    tag = p.tag(s)
    return tag is not None and tag not in PERSON_TAGS


def _could_be_name(p: _Passage, name: str, surname: int) -> bool:
    """Han characters, no common word, no title after the surname (陈|女士, 王|主任), none of
    the words that follow a name (担任区长|时表示)."""
    return (bool(_HAN.fullmatch(name)) and not _common_word(p, name)
            and not _CUE.search(name, surname) and not _LONG_NAME_END.search(name, surname))


def _name_after(p: _Passage, pos: int) -> tuple[int, int] | None:
    """The name written at ``pos``, after a title."""
    text = p.text
    extra = _surname(text[pos:pos + 2], after_title=True)
    if not extra:
        return None
    lengths = [n + extra - 1 for n in NAME_LENGTHS]
    for n in lengths:  # the shortest name something that may follow a name follows
        name = text[pos:pos + n]
        if (len(name) == n and _could_be_name(p, name, extra) and not p.inside_word(pos + n)
                and _NAME_END.match(text, pos + n)):
            return pos, pos + n
    for n in reversed(lengths):  # else a name the dictionary knows …
        name = text[pos:pos + n]
        if (p.tag(name) in PERSON_TAGS and not _CUE.search(name, extra)
                and not p.inside_word(pos + n)):
            return pos, pos + n
    word = p.word_at(pos)  # … or one jieba's HMM found: 周静 in 居民周静幸福满满地说
    if (word and word.tag is None and _could_be_name(p, word.text, extra)
            and len(word.text) - extra + 1 in NAME_LENGTHS):
        return word.start, word.end
    return None


def _name_before(p: _Passage, pos: int, given_name_ok: bool) -> tuple[int, int] | None:
    """The name written just before ``pos``, before 同志, 书记, 先生…"""
    text = p.text
    for n in (4, 3, 2):
        name = text[pos - n:pos] if pos >= n else ""
        if name and p.tag(name) in PERSON_TAGS and _surname(name):
            return pos - n, pos
    for n in sorted(NAME_LENGTHS, reverse=True):
        name = text[pos - n:pos] if pos >= n else ""
        if not (name and _HAN.fullmatch(name)) or _common_word(p, name):
            continue
        if p.inside_word(pos - n):
            continue
        if any(c in NOT_NAME_CHARS for c in name):
            continue
        # Three characters only with a surname first (张翠萍同志); two may be a given name
        # alone (新强同志) where the title allows it.
        if _surname(name) or (n == min(NAME_LENGTHS) and given_name_ok):
            return pos - n, pos
    return None


def _persons(p: _Passage) -> list[Mention]:
    out, at = [], 0
    while m := _CUE.search(p.text, at):
        # A title is a word of its own, or ends one: 城市长远 holds no 市长, but 江西省委|书记
        # holds 省委书记. Where it is none, the titles inside it are tried (党|支部书记).
        if not (p.starts_word(m.start()) or p.starts_word(m.end())):
            at = m.start() + 1
            continue
        at, title = m.end(), m.group()
        after = _skip_spaces(p.text, m.end())  # 记者 李明
        span = _name_after(p, after) if title in _NAME_OPENERS else None
        if span is None and title in TITLES_AFTER:
            span = _name_before(p, m.start(), TITLES_AFTER[title])
        if span:
            out.append(Mention(text=p.text[span[0]:span[1]], start=span[0], end=span[1],
                               kind="person", role=None if title in BYLINES else title))
    for i in p.speakers:  # a word that could be a name by its letters and tag
        w = p.words[i]
        # A speaker named with no title opens a clause (，徐兵表示) or follows 据, 和 …
        before = p.words[i - 1].text if i else ""
        if (not _HAN.match(before) or before in BEFORE_BARE_NAME) and _SPEECH_AFTER.match(
                p.text, w.end):
            out.append(Mention(text=w.text, start=w.start, end=w.end, kind="person"))
    return out


# --- organisations -----------------------------------------------------------------------------

def _is_head(word: str) -> bool:
    """公司, 集团 …, or a word ending with one with a name before it: 人民医院, not 市中心."""
    if word in _ORG_HEADS:
        return True
    return word.endswith(ORG_HEADS) and any(  # str.endswith first: most words end with none
        len(word) >= n + 2 and word[-n:] in _ORG_HEADS for n in _HEAD_LENGTHS)


def _named(w: _Word, tags: frozenset[str]) -> bool:
    """A word that may be (part of) a name: a word no dictionary lists, or one tagged ``tags``;
    never a counted thing (七大) nor a false organisation."""
    return (bool(_HAN.fullmatch(w.text)) and (w.tag is None or w.tag in tags)
            and w.text not in NOT_ORGS and not _COUNTED.search(w.text))


def _proper(words: Sequence[_Word], k: int) -> bool:
    # A single character is a piece of a name only beside another piece: 卡拉|索, not 智·|云.
    w = words[k]
    return _named(w, PROPER_TAGS) and (len(w.text) > 1 or (k > 0 and len(words[k - 1].text) > 1
                                                            and _proper(words, k - 1)))


def _descriptive(w: _Word) -> bool:
    return w.text in _ORG_INNER or w.tag in ORG_INNER_TAGS or bool(_ORDINAL.fullmatch(w.text))


def _org_start(words: Sequence[_Word], i: int, *, named: bool = False) -> int | None:
    """Index of the first word of the organisation whose name ends with ``words[i]``; None when
    no proper name stands before its head. ``named``: words[i] is a name itself (a dictionary
    organisation), so only the names before it are taken."""
    k = i
    if not named:
        k, inner = i - 1, 0
        while k >= 0 and not _proper(words, k):  # back over 汽车, 新能源, 附属 to a proper name
            if _is_head(words[k].text):
                return _org_start(words, k)
            if not _descriptive(words[k]) or inner == ORG_INNER_WORDS:
                return None
            k, inner = k - 1, inner + 1
        if k < 0:
            return None
    while k > 0:  # back over the names before: 南昌|欣旺达, 中国工业互联网研究院|江西|分院
        if _proper(words, k - 1):
            k -= 1
        elif _is_head(words[k - 1].text) and (before := _org_start(words, k - 1)) is not None:
            k = before
        else:
            break
    return k


def _orgs(p: _Passage) -> list[Mention]:
    out = []
    for i in p.org_ends:  # the words that may end an organisation's name
        w = p.words[i]
        if w.text in _BRAND_HEADS and i > 0:  # 江元|电子, 润鹏|矿业
            brand = p.words[i - 1]
            if (len(brand.text) in BRAND_LENGTHS and _named(brand, BRAND_TAGS)
                    and brand.text not in _BRAND_HEADS):
                out.append(Mention(text=p.text[brand.start:w.end], start=brand.start, end=w.end,
                                   kind="org"))
        named = w.tag == ORG_TAG and w.text not in NOT_ORGS
        if not (named or _is_head(w.text)):
            continue
        k = _org_start(p.words, i, named=named)
        if k is None:
            if not named:
                continue
            k = i
        start = p.words[k].start
        if w.end - start <= ORG_MAX_CHARS:
            out.append(Mention(text=p.text[start:w.end], start=start, end=w.end, kind="org"))
    return out


# --- places ------------------------------------------------------------------------------------

def _places(p: _Passage) -> list[Mention]:
    out, words, done = [], p.words, 0
    for i in p.places:
        if i < done:
            continue  # joined to the place before it
        j = i + 1  # 萍乡|北站, 龙潭|公园, 深圳|盐田港
        while j < len(words) and (words[j].text in _PLACE_SUFFIXES
                                  or words[j].text in p.res.places):
            j += 1
        start, end = words[i].start, words[j - 1].end
        out.append(Mention(text=p.text[start:end], start=start, end=end, kind="place"))
        done = j
    return out


def _disjoint(found: list[Mention]) -> tuple[Mention, ...]:
    kept: list[Mention] = []
    for m in sorted(found, key=lambda m: (_PRIORITY[m.kind], m.start - m.end, m.start)):
        if all(m.end <= k.start or k.end <= m.start for k in kept):
            kept.append(m)
    return tuple(sorted(kept, key=lambda m: m.start))


def extract_mentions(text: str, res: Resources, words: Sequence[str] | None = None
                     ) -> tuple[Mention, ...]:
    """Every date, person, organisation and place ``text`` names, in order of position, none
    overlapping another. ``words``: ``text`` as jieba already cut it (HMM on), if it was."""
    p = _segment(text, res, words)
    return _disjoint(_dates(p) + _persons(p) + _orgs(p) + _places(p))
