"""Follow-up questions: 那萍乡呢, 二期呢, 医疗床位呢, 它预计什么时候能试生产, 那惠及了多少户群众.

A follow-up is read as the conversation's last question with the new part put in (a place, a
phase, a year, an item), its pronoun replaced by what the last turn was about, or — when it
names nothing of its own — with the last question's place and topic put in front. What it
becomes is an ordinary question, answered as any other; a follow-up with nothing to follow is
not answered. Pure functions over text; the words are tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .models import Turn
from .units import MEASURES

# What makes a question a follow-up: it ends in 呢 (那萍乡呢, 医疗床位呢), starts with 那 (那二期
# 呢, 那惠及了多少户), or points back (它, 该项目).
ENDS_WITH_NE = re.compile(r"^(?:那么?|还有|那个)?(?P<x>.{1,16}?)(?:的情况)?呢[?？!！。]*$")
STARTS_WITH_NA = re.compile(r"^那(?:么)?(?![里边些样时会儿])(?P<rest>.+)$")
# Words pointing back, as jieba cuts them (其他 and 其中 are words of their own, not 其).
PRONOUNS = ("该项目", "该企业", "该公司", "这个项目", "这家企业", "这家公司", "该区", "该县", "该市",
            "它们", "他们", "它", "他", "她")
PHASE = re.compile(r"[第]?[一二三四五六七八九十\d]期")
YEAR = re.compile(r"(?:19|20)\d{2}年|去年|今年|前年|明年")
# The measure word after a question word: an item put in another's place keeps its own.
ASKED_MEASURE = re.compile(
    rf"(?P<ask>多少|几)(?:{'|'.join(sorted(MEASURES, key=len, reverse=True))})")
# An item shares its head word with the one it replaces (养老床位 for 医疗床位): at most this many
# words before the shared one are replaced with it.
ITEM_REACH = 2


@dataclass(frozen=True)
class Reading:
    """How a follow-up was read: the whole question (simplified)."""

    question: str


Words = Callable[[str], list[str]]  # jieba's cut of a text (words in order, nothing dropped)
Places = Callable[[str], list[str]]  # the places a text names


def _pronoun(text: str, words: Words) -> str | None:
    cut = words(text)
    return next((w for w in cut if w in PRONOUNS), None)


def is_follow_up(text: str, words: Words) -> bool:
    return bool(ENDS_WITH_NE.match(text) or STARTS_WITH_NA.match(text) or _pronoun(text, words))


def resolve(text: str, last: Turn, words: Words, places: Places,
            weight: Callable[[str], float]) -> Reading | None:
    """``text`` (simplified) read against the last turn, or None when it cannot be."""
    if m := ENDS_WITH_NE.match(text):
        return _substitute(m["x"], last, words, places, weight)
    if pronoun := _pronoun(text, words):
        subject = last.answer if last.answer_kind in ("person", "org", "place") else last.topic
        return Reading(text.replace(pronoun, subject, 1)) if subject else None
    if m := STARTS_WITH_NA.match(text):
        rest = m["rest"]
        if places(rest):  # 那于都去年投了多少钱: a question of its own
            return Reading(rest)
        head = "".join(p for p in last.places) + (last.topic or "")
        return Reading(head + rest) if head else None
    return None


def _substitute(x: str, last: Turn, words: Words, places: Places,
                weight: Callable[[str], float]) -> Reading | None:
    """那X呢: the last question with X in the place of what X stands for."""
    q = last.question
    named = places(x)
    if named and last.places:  # 那萍乡呢, 那于都的县长呢
        new = q.replace(last.places[0], named[0], 1)
        rest = x.replace(named[0], "", 1).lstrip("的")
        return Reading(_replace_item(new, rest, words, weight) if rest else new)
    if PHASE.fullmatch(x) and (old := PHASE.search(q)):  # 那二期呢
        return Reading(q[: old.start()] + x + q[old.end():])
    if YEAR.fullmatch(x) and (old := YEAR.search(q)):  # 那2019年呢
        return Reading(q[: old.start()] + x + q[old.end():])
    if YEAR.fullmatch(x) or PHASE.fullmatch(x):
        return Reading(x + q)
    return Reading(_replace_item(q, x, words, weight))


def _replace_item(q: str, x: str, words: Words, weight: Callable[[str], float]) -> str:
    """``q`` with the item ``x`` stands for replaced by ``x``: the words ending in the head word
    they share (医疗床位 → 养老床位), else the most specific run of words (光电电声 → 装配式建筑),
    its measure word left free (多少个学位 → 新改建学校多少: schools are counted in 所)."""
    cut = words(q)
    starts = [sum(len(w) for w in cut[:i]) for i in range(len(cut) + 1)]
    mine = words(x)
    for head in reversed(mine):
        if head in cut and len(head) > 1:
            i = cut.index(head)
            lo = max(0, i - ITEM_REACH + 1) if len(mine) > 1 else i
            lo = _content_start(cut, lo, i, weight)
            return q[: starts[lo]] + x + q[starts[i + 1]:]
    span = _topic_span(cut, weight)
    if span is None:
        return x + q
    lo, hi = span
    before = q[: starts[lo]]
    # Kept apart from a place before it, so the words do not run together (南康的区长).
    joint = "的" if before and not before.endswith("的") and weight(cut[lo - 1]) == 0 else ""
    return ASKED_MEASURE.sub(r"\g<ask>", before + joint + x + q[starts[hi]:])


def _content_start(cut: Sequence[str], lo: int, i: int, weight: Callable[[str], float]) -> int:
    while lo < i and weight(cut[lo]) <= 0:
        lo += 1
    return lo


def topic(question: str, words: Words, weight: Callable[[str], float]) -> str | None:
    """What a question is about: its most specific run of words (华创新材, 光电电声)."""
    cut = words(question)
    span = _topic_span(cut, weight)
    return "".join(cut[span[0]:span[1]]) if span else None


def _topic_span(cut: Sequence[str], weight: Callable[[str], float]) -> tuple[int, int] | None:
    """The run of words around the heaviest one whose words weigh at least half as much."""
    weights = [weight(w) for w in cut]
    if not weights or max(weights) <= 0:
        return None
    top = max(range(len(cut)), key=lambda i: weights[i])
    lo = hi = top
    while lo > 0 and weights[lo - 1] >= weights[top] / 2:
        lo -= 1
    while hi + 1 < len(cut) and weights[hi + 1] >= weights[top] / 2:
        hi += 1
    return lo, hi + 1
