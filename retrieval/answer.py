"""Answering: the figure (a quantity or a rank) in the best passages that the question asks for.

Candidates are the figures of the answer type in the top passages, read when the passages were
indexed (:mod:`retrieval.figures`). Each is scored by how much of the question stands near it
in its own sentence — question words weighted by IDF, decaying with distance, counted fully on
the side of the figure the question puts them (建成 [?] 工业标准厂房) — times how well its
passage ranked. Figures the question itself quotes (于都20亿元以上项目有几个) are never the
answer. A question whose place the passages' articles do not name, or whose words the best
passage barely covers, gets no answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from .figures import extract_figures
from .models import Answer, Article, Figure, RankedPassage
from .punctuation import CLAUSE_ENDS, SENTENCE_ENDS, one_of
from .question import Question

CANDIDATE_PASSAGES = 3
MIN_COVERAGE = 0.45  # share of the question's IDF mass the best passage must contain
DISTANCE_SCALE = 12  # characters at which a word's weight halves
CLAUSE_PENALTY = 6  # extra distance for each comma crossed
OTHER_SIDE = 0.6  # weight of a question word found on the other side of the figure
FOCUS_BOOST = 2.0
MEASURE_MISMATCH = 0.5
# A passage's paragraphs are joined by newlines: a newline ends a sentence too.
_SENTENCE_END = re.compile(one_of(SENTENCE_ENDS, "\n"))
_CLAUSE_END = re.compile(one_of(CLAUSE_ENDS))


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    right = _SENTENCE_END.search(text, end)
    return left, right.start() if right else len(text)


def context_score(
    text: str, cand: Figure, q: Question, idf: Callable[[str], float]
) -> float:
    """How much of the question stands near the candidate in its sentence, 0…~2."""
    lo, hi = _sentence(text, cand.start, cand.end)
    total = 0.0
    weight_sum = 0.0
    for token in set(q.tokens):
        if len(token) < 2 and not token.isdigit():
            continue
        w = idf(token) * (FOCUS_BOOST if token in q.focus else 1.0)
        weight_sum += w
        best = 0.0
        for m in re.finditer(re.escape(token), text[lo:hi]):
            s, e = lo + m.start(), lo + m.end()
            if e <= cand.start:
                gap, side = text[e:cand.start], "before"
            elif s >= cand.end:
                gap, side = text[cand.end:s], "after"
            else:
                continue  # the token is inside the figure itself
            crossed = len(_CLAUSE_END.findall(gap))
            distance = len(gap) + CLAUSE_PENALTY * crossed
            # Within the figure's clause word order is free ("规模近3亿元的资金池" answers
            # "资金池规模有多大"); beyond it, the question's order must hold.
            agree = not crossed or (side == "before" and token in q.before) or (
                side == "after" and token in q.after)
            best = max(best, (1.0 if agree else OTHER_SIDE) / (1 + distance / DISTANCE_SCALE))
        total += w * best
    return total / weight_sum if weight_sum else 0.0


def coverage(tokens: Sequence[str], doc_tokens: set[str], idf: Callable[[str], float],
             unknown_idf: float) -> float:
    """Share of the question's IDF mass found in a passage (unknown words weigh the most)."""
    weights = {t: (idf(t) if t in doc_tokens else 0.0) for t in set(tokens)}
    mass = {t: idf(t) or unknown_idf for t in set(tokens)}
    total = sum(mass.values())
    return sum(min(weights[t], mass[t]) for t in weights) / total if total else 0.0


PROVINCES = frozenset(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 "
    "四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门".split())


def names_places(places: Sequence[str], article: Article, text: str) -> bool:
    """Every place the question names stands in the passage or its article's title/places.

    A province named beside a smaller place ("江西南康…") only says where that place is: the
    smaller place decides; a province alone ("江西2023年GDP") must be named.
    """
    smaller = [p for p in places if p.rstrip("省") not in PROVINCES]
    where = f"{article.title} {' '.join(article.places)} {text}"
    return all(p in where or p.rstrip("省市县区") in where for p in smaller or places)


def _quoted_values(q: Question) -> set[Decimal]:
    return {f.value for f in extract_figures(q.text) if f.kind != "rank"}


def _quoted(f: Figure, q: Question, quoted: set[Decimal]) -> bool:
    """A quantity the question itself quotes (于都20亿元以上项目有几个) is not its answer. Ranks
    are left out on both sides: their values are positions, not quantities."""
    return f.kind != "rank" and (f.value in quoted or f.text in q.text)


def _compatible(f: Figure, q: Question) -> bool:
    if not q.kinds:
        return f.kind not in ("rank", "number")
    return f.kind in q.kinds


def choose(
    q: Question, ranked: Sequence[RankedPassage], idf: Callable[[str], float]
) -> Answer | None:
    if not ranked:
        return None
    top = ranked[0].score
    quoted = _quoted_values(q)
    measures = q.measures()
    best: tuple[float, Figure, RankedPassage] | None = None
    for rp in ranked[:CANDIDATE_PASSAGES]:
        for f in rp.passage.figures:
            if not _compatible(f, q) or _quoted(f, q, quoted):
                continue
            score = context_score(rp.passage.text, f, q, idf) * (rp.score / top) ** 2
            if measures and f.measure not in measures:
                score *= MEASURE_MISMATCH
            if best is None or score > best[0]:
                best = (score, f, rp)
    if best is None:
        return None
    _, f, rp = best
    return Answer(
        text=f.text, kind=f.kind, passage_id=rp.passage.id, start=f.start, end=f.end,
        value=f.value, unit=f.unit or None, base_unit=f.base_unit or None,  # a rank has none
        qualifier=f.qualifier, high=f.high,
    )
