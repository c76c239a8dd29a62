"""Answering: the figure (a quantity or a rank) in the best passages that the question asks for.

Candidates are the figures of the answer type in the top passages, read from them when first
asked for (:mod:`retrieval.spans`, :mod:`retrieval.figures`). Each is scored by how much of the question stands near it
in its own sentence — question words weighted by IDF, decaying with distance, counted fully on
the side of the figure the question puts them (建成 [?] 工业标准厂房) — times how well its
passage ranked. Figures the question itself quotes (于都20亿元以上项目有几个) are never the
answer. A question whose place the passages' articles do not name, or whose words the best
passage barely covers, gets no answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from .figures import extract_figures
from .followup import PHASE
from .models import Answer, Article, Figure, Mention, RankedPassage
from .punctuation import CLAUSE_ENDS, SENTENCE_ENDS, one_of
from .question import Question
from .years import QuestionYear, question_year, years_mentioned

CANDIDATE_PASSAGES = 3
MIN_COVERAGE = 0.45  # share of the question's IDF mass the best passage must contain
MIN_SOURCE_COVERAGE = 0.45  # a passage after the first must cover this much to answer from
MIN_SHOWN = 0.3  # below MIN_COVERAGE but above this: passages shown, with no exact answer
ALTERNATIVE_SCORE = 0.6  # another place's passage within this share of the best BM25 score
DISTANCE_SCALE = 12  # characters at which a word's weight halves
CLAUSE_PENALTY = 6  # extra distance for each comma crossed
OTHER_SIDE = 0.6  # weight of a question word found on the other side of the figure
FOCUS_BOOST = 2.0
EXPANSION_CONTEXT = 0.5  # weight of a colloquial phrase's news words near a candidate
MEASURE_MISMATCH = 0.25  # a figure counted in other things than the question's 家, 个, 名…
MIN_CONTEXT = 0.0  # an answer whose sentence holds less of the question is not given
NAME_KINDS = frozenset({"date", "person", "org", "place"})  # quoted names, not quantities
# A passage's paragraphs are joined by newlines: a newline ends a sentence too.
_SENTENCE_END = re.compile(one_of(SENTENCE_ENDS, "\n"))
_CLAUSE_END = re.compile(one_of(CLAUSE_ENDS))
_CLAUSE_OR_SENTENCE = re.compile(one_of(CLAUSE_ENDS, SENTENCE_ENDS, "\n"))

Span = Figure | Mention  # anything quoted from a passage with its offsets


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    right = _SENTENCE_END.search(text, end)
    return left, right.start() if right else len(text)


def context_score(
    text: str, cand: Span, q: Question, idf: Callable[[str], float]
) -> float:
    """How much of the question stands near the candidate in its sentence, 0…~2."""
    lo, hi = _sentence(text, cand.start, cand.end)
    total = 0.0
    weight_sum = 0.0
    own = set(q.tokens)
    for token in own | set(q.expansions):
        if len(token) < 2 and not token.isdigit():
            continue
        w = idf(token) * (FOCUS_BOOST if token in q.focus else 1.0)
        if token not in own:  # a news word the question's everyday wording stands for
            w *= EXPANSION_CONTEXT
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


def passage_coverage(q: Question, rp: RankedPassage, idf: Callable[[str], float]) -> float:
    """:func:`coverage` of a passage read as text, with its article's title and places."""
    where = f"{rp.article.title} {' '.join(rp.article.places)} {rp.passage.text}"
    held = {t for c in q.concepts for t in c if t in where}
    return coverage(q.concepts, held, idf, max((idf(t) for c in q.concepts for t in c),
                                               default=0.0))


def coverage(concepts: Sequence[frozenset[str]], doc_tokens: set[str],
             idf: Callable[[str], float], unknown_idf: float) -> float:
    """Share of the question's content, weighted by IDF, that a passage holds. A concept is met
    by any of its tokens; one the index has never seen weighs the most (a word no passage holds
    is what makes a question unanswerable, 财政 in 萍乡的财政收入)."""
    total = found = 0.0
    for concept in concepts:
        mass = max(idf(t) for t in concept) or unknown_idf
        total += mass
        found += min(mass, max((idf(t) for t in concept if t in doc_tokens), default=0.0))
    return found / total if total else 0.0


PROVINCES = frozenset(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 "
    "四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门".split())


def names_places(places: Sequence[str], article: Article, text: str, every: bool = True,
                 children: Mapping[str, frozenset[str]] | None = None) -> bool:
    """Every place the question names (or, comparing places, any of them) stands in the passage
    or its article's title/places, itself or one of the places under it (``children``: 赣州 is
    met by an article about 于都).

    A province named beside a smaller place ("江西南康…") only says where that place is: the
    smaller place decides; a province alone ("江西2023年GDP") must be named.
    """
    smaller = [p for p in places if p.rstrip("省") not in PROVINCES]
    where = f"{article.title} {' '.join(article.places)} {text}"

    def met(place: str) -> bool:
        short = place.rstrip("省市县区")
        forms = {place, short} | set((children or {}).get(short, ()))
        return any(f in where or f.rstrip("省市县区") in where for f in forms)

    named = (met(p) for p in smaller or places)
    return all(named) if every else any(named)


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


# Where a rank holds, as a question says it → as ranks are written (全省第一名).
# Only where the question places the ranking (在全省, 省内排第几), not in a name (全国文明城市).
_RANKING = r"(?=排|第|拿|获|居|位|名次|排名|什么|处于)"
RANK_SCOPES = tuple((re.compile(said), scope) for said, scope in (
    (rf"(?:在|于)全国|国内|全国{_RANKING}", "全国"),
    (rf"(?:在|于)(?:江西)?全省|省内|省里|全省{_RANKING}", "全省"),
    (rf"(?:在|于)全市|市内|市里|全市{_RANKING}", "全市"),
    (rf"(?:在|于)全区|区内|全区{_RANKING}", "全区"),
    (rf"(?:在|于)全县|县内|县里|全县{_RANKING}", "全县"),
))
SCOPE_MATCH = 1.5
SCOPE_MISMATCH = 0.5


# Which side of a change, and target or actual, a question asks for: (pattern, answer).
ASKED_ROLES = tuple((re.compile(p), role) for p, role in (
    (r"原来|原先|原本|以前|之前|起步|起初|当初|最初|一开始|扩容前|改造前|那会儿|那时", "from"),
    (r"现在|目前|如今|增加到|增长到|增长至|提高到|发展到|扩大到|扩容后|以后|之后|到了?\d{4}年", "to"),
))
ASKED_INTENTS = tuple((re.compile(p), intent) for p, intent in (
    (r"目标|计划|力争|预计|打算|原定|准备|争取|要达到|要建|要做|规划", "target"),
    (r"实际|完成|实现|已经|已|做到了|达到了", "actual"),
))
ROLE_MISMATCH = 0.2  # the other side of a change than the one asked for
PLAIN_FROM = 0.5  # a plain 有多少 asks for the current (to) side
INTENT_MISMATCH = 0.0  # a target is no answer to what was done, nor the reverse
YEAR_MATCH = 1.5  # the figure's own year is the one asked for
YEAR_MISMATCH = 0.2


def _first(table: Sequence[tuple[re.Pattern[str], str]], text: str) -> str | None:
    return next((answer for pattern, answer in table if pattern.search(text)), None)


def _asked_role(text: str) -> str | None:
    return _first(ASKED_ROLES, text)


def _asked_intent(text: str) -> str | None:
    """Target or actual, when the question says one and not both (实际…比预计 compares)."""
    said = {intent for pattern, intent in ASKED_INTENTS if pattern.search(text)}
    return said.pop() if len(said) == 1 else None


def _fit(f: Figure, role: str | None, intent: str | None, year: int | None, text: str) -> float:
    """How well a figure's role in its sentence fits what the question asks: the side of a
    change, target or actual, the year written with it."""
    fit = 1.0
    if f.role is not None:
        if f.year is not None and year is not None:
            fit *= YEAR_MATCH if f.year == year else YEAR_MISMATCH
        elif role is not None:
            fit *= 1.0 if f.role == role else ROLE_MISMATCH
        elif f.role == "from":
            fit *= PLAIN_FROM
    if intent is not None and f.intent is not None and f.intent != intent:
        fit *= INTENT_MISMATCH
    return fit


def _scope(text: str) -> str | None:
    return next((scope for said, scope in RANK_SCOPES if said.search(text)), None)


WRITTEN_SCOPE = re.compile(r"全国|全省|全市|全区|全县")
SCOPE_BEFORE = 4  # characters before a rank where its scope may stand (全市“第一方阵”)
ASKS_TIER = re.compile(r"以内|之内|前几|什么位置|哪个梯队|什么方阵|什么档次|什么层次")
TIER = re.compile(r"^前|[佳强]$|方阵$|梯队$")
TIER_MATCH = 2.0


def _rank_fit(text: str, rank: Span, scope: str | None, tier: bool) -> float:
    """How well a rank fits the ranking asked about: in the scope the question names (its scope
    written in it or just before it), and a tier (前三名, 第一方阵) when the question asks for one."""
    fit = 1.0
    if scope:
        near = WRITTEN_SCOPE.findall(text[max(0, rank.start - SCOPE_BEFORE):rank.end])
        if near:
            fit *= SCOPE_MATCH if near[-1] == scope else SCOPE_MISMATCH
    if tier and TIER.search(rank.text):
        fit *= TIER_MATCH
    return fit


# How fine a date the question asks for: (pattern, the Mention field that must be written).
DATE_GRAINS = tuple((re.compile(p), grain) for p, grain in (
    (r"哪天|哪一天|几号|几月几[日号]|哪日|什么日子", "day"),
    (r"哪个?月|几月", "month"),
    (r"哪一?年", "year"),
))


def _candidates(rp: RankedPassage, q: Question, quoted: set[Decimal]) -> list[Span]:
    """What in a passage could answer: the names or dates of the kind asked for, else its
    figures of the kind asked for; never what the question itself says."""
    text = rp.passage.text
    if q.kinds & NAME_KINDS:
        grain = _first(DATE_GRAINS, q.text) if "date" in q.kinds else None
        spans: list[Span] = [m for m in rp.passage.mentions
                             if m.kind in q.kinds and m.text not in q.text
                             and (grain is None or getattr(m, grain) is not None)]
    else:
        spans = [f for f in rp.passage.figures if _compatible(f, q) and not _quoted(f, q, quoted)]
    if q.required:
        spans = [s for s in spans if any(w in _clause(text, s.start, s.end) for w in q.required)]
    return spans


def _clause(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _CLAUSE_OR_SENTENCE.finditer(text, 0, start)), default=0)
    right = _CLAUSE_OR_SENTENCE.search(text, end)
    return text[left:right.start() if right else len(text)]


def _answer(span: Span, rp: RankedPassage) -> Answer:
    if isinstance(span, Figure):
        return Answer(
            text=span.text, kind=span.kind, passage_id=rp.passage.id, start=span.start,
            end=span.end, value=span.value, unit=span.unit or None,
            base_unit=span.base_unit or None,  # a rank has none
            qualifier=span.qualifier, high=span.high,
        )
    return Answer(text=span.text, kind=span.kind, passage_id=rp.passage.id, start=span.start,
                  end=span.end, year=span.year)


# What a list, why or how question's answer looks like: (question words, pattern of a sentence
# that answers it, how much such a sentence counts beyond the question words it holds).
PASSAGE_SHAPES = tuple((re.compile(ask), re.compile(shape), boost) for ask, shape, boost in (
    (r"有哪些|哪些|哪几", r"(?:[^、]{1,14}、){2,}", 1.0),  # an enumeration: 岗位、园位、学位…
    (r"为什么|为啥|为何|原因|缘由", r"原因|缘由|因为|由于|导致|根本|主要是", 1.0),
    (r"怎么|如何", r"通过|坚持|围绕|按照|实施|推进|开展|引进|设立", 0.5),
))
PASSAGE_CHOICES = 3  # a list/why/how answer is looked for in this many of the best passages


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in [*_SENTENCE_END.finditer(text), None]:
        end = m.end() if m else len(text)
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    return spans


def _sentence_score(q: Question, piece: str, idf: Callable[[str], float]) -> float:
    words = {t for c in q.concepts for t in c}
    held = sum(idf(w) for w in words if w in piece)
    mass = sum(idf(w) for w in words) or 1.0
    shape = sum(boost for ask, form, boost in PASSAGE_SHAPES
                if ask.search(q.text) and form.search(piece))
    return held / mass + shape


def key_sentence(q: Question, ranked: Sequence[RankedPassage], idf: Callable[[str], float]
                 ) -> Answer:
    """A list, why or how question: a passage answers, led by its sentence that holds most of
    the question and has the shape of such an answer (an enumeration, a reason, a way), looked
    for in the best few passages, weighed by how well each ranked."""
    top = ranked[0].score
    best: tuple[float, RankedPassage, int, int] | None = None
    for rp in ranked[:PASSAGE_CHOICES]:
        for lo, hi in _sentences(rp.passage.text):
            score = _sentence_score(q, rp.passage.text[lo:hi], idf) * (rp.score / top)
            if best is None or score > best[0]:
                best = (score, rp, lo, hi)
    assert best is not None  # every passage has a sentence
    _, rp, lo, hi = best
    text = rp.passage.text[lo:hi]
    lo += len(text) - len(text.lstrip())
    text = text.strip()
    return Answer(text=text, kind="passage", passage_id=rp.passage.id, start=lo,
                  end=lo + len(text))


def choose(
    q: Question, ranked: Sequence[RankedPassage], idf: Callable[[str], float]
) -> Answer | None:
    if not ranked:
        return None
    if "passage" in q.kinds:
        return key_sentence(q, ranked, idf)
    top = ranked[0].score
    quoted = _quoted_values(q)
    measures = q.measures()
    scope, tier = _scope(q.text), bool(ASKS_TIER.search(q.text))
    counted = _counted(q)
    role, intent, asked = _asked_role(q.text), _asked_intent(q.text), question_year(q.text)
    phase = m.group() if (m := PHASE.search(q.text)) else None
    best: tuple[float, Span, RankedPassage, set[int]] | None = None
    for rp in ranked[:CANDIDATE_PASSAGES]:
        if rp is not ranked[0] and passage_coverage(q, rp, idf) < MIN_SOURCE_COVERAGE:
            continue  # a passage about something else: its figures answer another question
        for span in _candidates(rp, q, quoted):
            context = context_score(rp.passage.text, span, q, idf)
            score = context * (rp.score / top) ** 2
            if (measures and isinstance(span, Figure) and span.kind == "count"
                    and span.measure not in measures):
                if counted and counted not in rp.passage.text[
                        max(0, span.start - COUNTED_NEAR):span.end + COUNTED_NEAR]:
                    continue  # counted in other things, and not the things asked about
                score *= MEASURE_MISMATCH
            if span.kind == "rank":
                score *= _rank_fit(rp.passage.text, span, scope, tier)
            if phase and _phase_before(rp.passage.text, span) not in (None, phase):
                continue  # 一期's figure for a question about 二期
            about = _years_about(span, rp)
            wanted = asked.resolve(rp.article.year)
            if wanted is not None and not _is_about(wanted, about):
                continue  # about another year than the one asked
            if isinstance(span, Figure):
                fit = _fit(span, role, intent, asked.year, rp.passage.text)
                if not fit:
                    continue
                score *= fit
            if best is None or score > best[0]:
                best = (score, span, rp, about)
    if best is None or best[0] < MIN_CONTEXT:
        return None
    _, span, rp, about = best
    answer = _answer(span, rp)
    if answer.year is None and len(about) == 1 and wanted_none(asked):
        # The question named no year: say which one the answer is for, where the text says.
        answer = answer.model_copy(update={"year": next(iter(about))})
    return answer


COUNTED_NEAR = 8  # characters around a count where the thing it counts is written


def _counted(q: Question) -> str | None:
    """What a count question counts, written right after its measure (多少名工人 → 工人)."""
    if not q.measure:
        return None
    m = re.search(rf"(?:多少|几){re.escape(q.measure)}(?P<noun>[\u4e00-\u9fff]{{2,4}})", q.text)
    return m["noun"][:2] if m else None


def _phase_before(text: str, span: Span) -> str | None:
    """The phase (一期, 二期) a candidate's sentence names last before it, if any."""
    lo, _ = _sentence(text, span.start, span.end)
    found = PHASE.findall(text, lo, span.start)
    return found[-1] if found else None


def wanted_none(asked: QuestionYear) -> bool:
    return asked.year is None and asked.offset is None


def _years_about(span: Span, rp: RankedPassage) -> set[int]:
    """The years a candidate's sentence speaks of (去年 read against its article's year), or
    its own year where written beside it (2020年的57家)."""
    if isinstance(span, Figure) and span.year is not None:
        return {span.year}
    text = rp.passage.text
    # Its own sentence, else the nearest one before it that names a year (此外,去年南康还取得了
    # 众多成就。……完成年度投资509.69亿元 is about 去年).
    for lo, hi in reversed([(lo, hi) for lo, hi in _sentences(text) if lo <= span.start]):
        found = years_mentioned(text[lo:hi], rp.article.year)
        if found:
            return found
    return set()


def _is_about(year: int, about: set[int]) -> bool:
    """A candidate answers for ``year`` unless the text says it is about another year (its
    sentence, or the nearest before it in its passage). A passage that names no year may go on
    from the one before it (去年,… then 全年签约项目74个): it is not ruled out."""
    return not about or year in about


def comparison(parts: Sequence[Answer], more: bool) -> Answer:
    """Two sides' answers as one: a verdict (``南昌经开区 121亿元 > 赣州经开区 56.32亿元``) when
    both are the same measure, else the two sides as they are."""
    a, b = parts
    sides = [f"{p.label} {p.text}" for p in parts]
    comparable = (a.value is not None and b.value is not None and a.kind == b.kind
                  and a.base_unit == b.base_unit and a.kind not in NAME_KINDS)
    if comparable and a.value is not None and b.value is not None:
        sign = ">" if a.value > b.value else "<" if a.value < b.value else "="
        text = f"{sides[0]} {sign} {sides[1]}"
    else:
        text = ";".join(sides)
    return Answer(text=text, kind="comparison", passage_id=a.passage_id, start=a.start,
                  end=a.end, parts=tuple(parts))


def _place_of(rp: RankedPassage) -> str | None:
    return rp.article.places[0] if rp.article.places else None


def with_alternatives(answer: Answer, q: Question, ranked: Sequence[RankedPassage],
                      idf: Callable[[str], float]) -> Answer:
    """A question that names no place, whose best passages come from articles about different
    places with different answers: the answer for each place, best first."""
    top = ranked[0].score
    by_place: dict[str, list[RankedPassage]] = {}
    for rp in ranked:
        place = _place_of(rp)
        if place and rp.score >= ALTERNATIVE_SCORE * top:
            by_place.setdefault(place, []).append(rp)
    if len(by_place) < 2:
        return answer
    found = []
    for place, passages in by_place.items():
        alt = choose(q, passages, idf)
        if alt is not None:
            found.append(alt.model_copy(update={"label": place}))
    if len({a.text for a in found}) < 2:
        return answer
    return answer.model_copy(update={"alternatives": tuple(found)})
