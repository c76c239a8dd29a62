"""Answering: the figure (or rank) in the best passages that the question asks for.

Candidates are the figures of the answer type in the top passages. Each is scored by how much
of the question stands near it in its own sentence — question words weighted by IDF, decaying
with distance, counted fully on the side of the figure the question puts them (建成 [?] 工业
标准厂房) — times how well its passage ranked. Figures the question itself quotes (于都20亿元
以上项目有几个) are never the answer. A question whose place the passages' articles do not
name, or whose words the best passage barely covers, gets no answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .figures import extract_figures
from .models import Answer, Article, Figure, RankedPassage
from .question import Question

CANDIDATE_PASSAGES = 3
MIN_COVERAGE = 0.45  # share of the question's IDF mass the best passage must contain
DISTANCE_SCALE = 12  # characters at which a word's weight halves
CLAUSE_PENALTY = 6  # extra distance for each comma crossed
OTHER_SIDE = 0.6  # weight of a question word found on the other side of the figure
FOCUS_BOOST = 2.0
MEASURE_MISMATCH = 0.5
SENTENCE_ENDS = re.compile(r"[。!?!?;;…\n]")
CLAUSE_ENDS = re.compile(r"[,,、::]")

CN_DIGITS = "零一二三四五六七八九十百"
RANK = re.compile(
    rf"(?P<pre>排名|位列|位居|居|排|获|荣获|再获)?"
    rf"(?P<scope>全国|全省|全市|全区|全县|全球|[\u4e00-\u9fff]{{2}}[省市])?"
    rf"第\s*(?P<n>[{CN_DIGITS}\d]+)(?P<suffix>名|位)?"
)
NOT_RANK_AFTER = re.compile(r"[次季批届期阶轮章节步大方个条]")


@dataclass(frozen=True)
class Candidate:
    text: str
    kind: str
    start: int
    end: int
    figure: Figure | None = None
    rank: int | None = None


def _cn_int(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    values = {c: i for i, c in enumerate(CN_DIGITS[:10])}
    if s == "十":
        return 10
    if s.startswith("十"):
        s = "一" + s
    if "十" in s:
        tens, _, ones = s.partition("十")
        return values.get(tens, 0) * 10 + (values.get(ones, 0) if ones else 0)
    return values.get(s)


def extract_ranks(text: str) -> list[Candidate]:
    """Ranks such as 全市第一, 全国第四名, 排名第九; not 第一方阵, 第三次, 第一大建成区."""
    out = []
    for m in RANK.finditer(text):
        if not (m["pre"] or m["scope"] or m["suffix"]):
            continue
        if NOT_RANK_AFTER.match(text, m.end()) and not m["suffix"]:
            continue
        start = m.start("scope") if m["scope"] else m.start() + len(m["pre"] or "")
        out.append(Candidate(text=text[start:m.end()], kind="rank", start=start, end=m.end(),
                             rank=_cn_int(m["n"])))
    return out


def _figure_candidates(figures: Sequence[Figure]) -> list[Candidate]:
    return [Candidate(f.text, f.kind, f.start, f.end, figure=f) for f in figures]


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    left = max((m.end() for m in SENTENCE_ENDS.finditer(text, 0, start)), default=0)
    right = SENTENCE_ENDS.search(text, end)
    return left, right.start() if right else len(text)


def context_score(
    text: str, cand: Candidate, q: Question, idf: Callable[[str], float]
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
            crossed = len(CLAUSE_ENDS.findall(gap))
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
    return {f.value for f in extract_figures(q.text)}


def _compatible(cand: Candidate, q: Question) -> bool:
    if not q.kinds:
        return cand.kind not in ("rank", "number")
    return cand.kind in q.kinds


def choose(
    q: Question, ranked: Sequence[RankedPassage], idf: Callable[[str], float]
) -> Answer | None:
    if not ranked:
        return None
    top = ranked[0].score
    quoted = _quoted_values(q)
    best: tuple[float, Candidate, RankedPassage] | None = None
    for rp in ranked[:CANDIDATE_PASSAGES]:
        text = rp.passage.text
        pool = extract_ranks(text) if "rank" in q.kinds else _figure_candidates(rp.passage.figures)
        for cand in pool:
            if not _compatible(cand, q):
                continue
            if cand.figure is not None and (cand.figure.value in quoted or cand.text in q.text):
                continue
            score = context_score(text, cand, q, idf) * (rp.score / top) ** 2
            measures = q.measures()
            if measures and cand.figure is not None and cand.figure.measure not in measures:
                score *= MEASURE_MISMATCH
            if best is None or score > best[0]:
                best = (score, cand, rp)
    if best is None:
        return None
    _, cand, rp = best
    f = cand.figure
    return Answer(
        text=cand.text, kind=cand.kind, passage_id=rp.passage.id, start=cand.start, end=cand.end,
        value=f.value if f else (Decimal(cand.rank) if cand.rank is not None else None),
        unit=f.unit if f else None, base_unit=f.base_unit if f else None,
        qualifier=f.qualifier if f else None, high=f.high if f else None,
    )
