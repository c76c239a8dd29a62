"""Plain-text pieces every front end shows the same way: the figure as written, sources, and the
sentences of a passage worth quoting (the figure's, or those that match the question)."""

from __future__ import annotations

import re
from collections.abc import Collection

from retrieval.models import Answer, Article

# Fixed words of the pieces below, in both scripts.
WORDS: dict[str, dict[str, str]] = {
    "simplified": {"no_date": "日期不详", "no_source": "来源不详", "file": "文件",
                   "score": "相关度"},
    "traditional": {"no_date": "日期不詳", "no_source": "來源不詳", "file": "文件",
                    "score": "相關度"},
}

SENTENCE_END = "。!?!?;;…\n"
CLAUSE_END = SENTENCE_END + ",,"
CLOSERS = "”’」』)》"
ELLIPSIS = "…"
_BIGRAM_CHAR = re.compile(r"[\u4e00-\u9fff0-9A-Za-z]")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def source_line(article: Article, script: str = "simplified", *, verbose: bool = False) -> str:
    """The article's title, outlet and date (萍乡日报 2022-07-20), saying plainly what is not
    known; the file name only when ``verbose``."""
    words = WORDS[script]
    date = article.date or words["no_date"]
    if _DAY.match(date):
        date = date[:10]
    parts = [p for p in (article.title, f"{article.source or words['no_source']} {date}") if p]
    if verbose:
        parts.append(f"{words['file']} {article.path}")
    return " · ".join(parts)


def answer_note(answer: Answer) -> str | None:
    """What stands after the answer in full-width brackets: the year it is for (when the question
    named none), and the figure with its unit when the passage wrote the unit only beside it
    (力争80万 of 20万平方米: 即80万平方米)."""
    parts = [f"{answer.year}年"] if answer.year is not None and answer.kind != "date" else []
    unit = answer.unit
    if unit and answer.kind not in ("rank", "date", "passage", "comparison") \
            and not answer.text.endswith(unit[-1:]):
        number = re.match(r"[\d.,]+", answer.text)
        if number:
            parts.append(f"即{number.group()}{unit}")
    return ",".join(parts) or None


def headline(answer: Answer, passage_text: str) -> str:
    """The answer as people write it: a qualifier written before the figure stays before it
    (约121亿元), one written after it stays after it; the note follows in （）."""
    text = answer.text
    q = answer.qualifier
    if q and not answer.parts:
        if passage_text[max(0, answer.start - len(q)):answer.start] == q:
            text = q + text
        elif passage_text[answer.end:answer.end + len(q)] == q:
            text = text + q
    note = answer_note(answer)
    return f"{text}（{note}）" if note else text


def answer_details(answer: Answer) -> list[str]:
    """The lines under an answer's headline: a comparison's two sides, or the answer for each
    place when a question names none and the places' answers differ."""
    return [f"· {a.label}:{a.text}" for a in (answer.parts or answer.alternatives)]


def marks_passage(answer: Answer) -> bool:
    """Whether the answer is a span of its passage to highlight (not a comparison's verdict)."""
    return not answer.parts


def _clauses(text: str) -> list[tuple[int, int]]:
    """The clauses of a text as (start, end), each ending after its punctuation and any closing
    quote or ellipsis; :func:`_ends_sentence` tells which of them end a sentence."""
    spans, start, i = [], 0, 0
    while i < len(text):
        if text[i] in CLAUSE_END:
            j = i + 1
            while j < len(text) and (text[j] in CLOSERS or text[j] == ELLIPSIS):
                j += 1
            spans.append((start, j))
            start = i = j
        else:
            i += 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _ends_sentence(text: str, end: int) -> bool:
    return any(c in SENTENCE_END for c in text[max(0, end - 3):end])


def excerpt_span(text: str, start: int, end: int, limit: int) -> tuple[int, int]:
    """The stretch of ``text`` to quote for [start, end): its sentence when that is at most
    ``limit`` characters, else the clauses around it that fit (at least the focus's own)."""
    clauses = _clauses(text)
    idx = [n for n, (a, b) in enumerate(clauses) if a < max(end, start + 1) and b > start]
    lo, hi = (idx[0], idx[-1]) if idx else (0, 0)
    # the whole sentence, when it fits
    s_lo, s_hi = lo, hi
    while s_lo > 0 and not _ends_sentence(text, clauses[s_lo - 1][1]):
        s_lo -= 1
    while s_hi < len(clauses) - 1 and not _ends_sentence(text, clauses[s_hi][1]):
        s_hi += 1
    if clauses and clauses[s_hi][1] - clauses[s_lo][0] <= limit:
        lo, hi = s_lo, s_hi
    else:  # grow within the sentence, the next clause first
        grew = True
        while grew:
            grew = False
            if hi < s_hi and clauses[hi + 1][1] - clauses[lo][0] <= limit:
                hi, grew = hi + 1, True
            if lo > s_lo and clauses[hi][1] - clauses[lo - 1][0] <= limit:
                lo, grew = lo - 1, True
    if not clauses:
        return 0, 0
    return clauses[lo][0], clauses[hi][1]


def with_ellipses(text: str, a: int, b: int, inner: str | None = None) -> str:
    """``text[a:b]`` (or ``inner`` standing for it) with … where the passage goes on."""
    body = (text[a:b] if inner is None else inner).strip()
    head = ELLIPSIS if text[:a].strip() and not body.startswith(ELLIPSIS) else ""
    tail = ""
    if text[b:].strip() and not body.endswith(ELLIPSIS):
        body, tail = re.sub("[,,;;、]+$", "", body), ELLIPSIS  # 投资计划的164.32%… rather than %;…
    return head + body + tail


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)
            if _BIGRAM_CHAR.match(text[i]) and _BIGRAM_CHAR.match(text[i + 1])}


def matching_spans(text: str, question: str, limit: int) -> list[tuple[int, int]]:
    """The sentences (or clauses, within ``limit`` characters) of ``text`` best first: most of
    the question's words (its character pairs) shared, the earliest of equals."""
    wanted = _bigrams(question)
    ranked = sorted(_clauses(text), key=lambda c: (-len(wanted & _bigrams(text[c[0]:c[1]])), c[0]))
    spans: list[tuple[int, int]] = []
    for a, b in ranked:
        span = excerpt_span(text, a, b, limit)
        if span not in spans:
            spans.append(span)
    return spans or [(0, 0)]


def matching_span(text: str, question: str, limit: int) -> tuple[int, int]:
    return matching_spans(text, question, limit)[0]


def quote_key(quote: str) -> str:
    """What two quotes of the same sentence share, whatever passage they were cut from."""
    return quote.strip(ELLIPSIS)


def matching_excerpt(text: str, question: str, limit: int, avoid: Collection[str] = ()) -> str:
    """The best matching sentence of ``text`` with … where it goes on; not one whose
    :func:`quote_key` is in ``avoid`` (already shown) while another is left."""
    quotes = [with_ellipses(text, a, b) for a, b in matching_spans(text, question, limit)]
    return next((q for q in quotes if quote_key(q) not in avoid), quotes[0])
