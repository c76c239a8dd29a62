"""Passages: an article's paragraphs cut into chat-sized pieces, and repeated text kept once.

A passage is one paragraph, or a run of whole sentences of a long one, of about
``MIN_CHARS``–``MAX_CHARS`` characters: headings and one-line paragraphs join the text that
follows them, long paragraphs (a shared document's pages run to 1,000 characters) are cut at
sentence ends, then at commas when one sentence alone is too long. :func:`pack` is the greedy
packing of pieces into chunks of a size, which the Telegram front end uses for its messages too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from .models import Article
from .punctuation import CLAUSE_ENDS, CLOSERS, SENTENCE_ENDS, one_of

MIN_CHARS = 60
MAX_CHARS = 250
SENTENCE = re.compile(rf".*?(?:{one_of(SENTENCE_ENDS)}+{one_of(CLOSERS)}*|$)", re.S)
CLAUSE = re.compile(rf".*?(?:{one_of(CLAUSE_ENDS)}|$)", re.S)
PARAGRAPH_JOIN = "\n"


def _pieces(text: str, pattern: re.Pattern[str]) -> list[str]:
    return [p for p in pattern.findall(text) if p]


def pack(pieces: Iterable[str], limit: int, sep: str = "") -> list[str]:
    """Greedy packing: each piece joins the chunk before it (after ``sep``) while the chunk stays
    within ``limit`` characters, else starts a new one. A piece is never split, so a piece longer
    than ``limit`` makes a chunk of its own."""
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + len(sep) + len(piece) <= limit:
            chunks[-1] += sep + piece
        else:
            chunks.append(piece)
    return chunks


def split_paragraph(text: str) -> list[str]:
    """A paragraph as chunks of at most MAX_CHARS, cut at sentence ends, then clause ends."""
    if len(text) <= MAX_CHARS:
        return [text]
    units: list[str] = []
    for sentence in _pieces(text, SENTENCE):
        if len(sentence) <= MAX_CHARS:
            units.append(sentence)
            continue
        for clause in _pieces(sentence, CLAUSE):
            units.extend(clause[i:i + MAX_CHARS] for i in range(0, len(clause), MAX_CHARS))
    chunks = pack(units, MAX_CHARS)
    # A short tail reads better with the chunk before it, even a little over the limit.
    if len(chunks) > 1 and len(chunks[-1]) < MIN_CHARS:
        tail = chunks.pop()
        chunks[-1] += tail
    return [c.strip() for c in chunks if c.strip()]


def passage_texts(paragraphs: Iterable[str]) -> list[str]:
    """Chunks of all paragraphs, short ones joined to the next so each stands on its own."""
    out: list[str] = []
    pending = ""
    for para in paragraphs:
        for chunk in split_paragraph(para):
            if pending:
                joined = pending + PARAGRAPH_JOIN + chunk
                if len(joined) <= MAX_CHARS + MIN_CHARS:
                    chunk, pending = joined, ""
                else:
                    out.append(pending)
                    pending = ""
            if len(chunk) < MIN_CHARS:
                pending = chunk
            else:
                out.append(chunk)
    if pending:
        if out and len(out[-1]) + len(pending) <= MAX_CHARS + MIN_CHARS:
            out[-1] += PARAGRAPH_JOIN + pending
        else:
            out.append(pending)
    return out


_NOT_TEXT = re.compile(r"[\W_]+")


def dedup_key(text: str) -> str:
    """Text compared for repetition: punctuation and spacing do not count."""
    return _NOT_TEXT.sub("", text)


def article_rank(article: Article, length: int) -> tuple:
    """Which copy of a repeated article to keep: the one with most metadata, then the one that
    opens its file (not a copy a scrape appended to another page), then the longest."""
    return (
        article.date is None,
        article.source is None,
        not article.id.endswith("#1"),
        -length,
        article.path,
        article.id,
    )


def visible_rows(
    articles: Sequence[Article],
    rows: Sequence[Sequence[int]],
    key: Callable[[int], int],
    text: Callable[[int], str],
    length: Callable[[int], int],
) -> list[int]:
    """The passage rows to index, each text once: ``rows[a]`` are article ``a``'s passages.

    A passage repeats another when its key (a hash of :func:`dedup_key`) is the same, or when
    it is a piece of an article that already shares a passage with this one (a file that ends
    with the start of another). The better copy (:func:`article_rank`) keeps the text.
    """
    seen: dict[int, int] = {}  # key → article that kept it
    joined: dict[int, str] = {}  # article → its passages' keys run together, for containment

    def whole(a: int) -> str:
        if a not in joined:
            joined[a] = "".join(dedup_key(text(r)) for r in rows[a])
        return joined[a]

    order = sorted(range(len(articles)),
                   key=lambda a: article_rank(articles[a], sum(length(r) for r in rows[a])))
    kept: list[int] = []
    for a in order:
        keys = [key(r) for r in rows[a]]
        twins = {seen[k] for k in keys if k in seen}
        for r, k in zip(rows[a], keys, strict=True):
            if k in seen or (twins and any(dedup_key(text(r)) in whole(t) for t in twins)):
                continue
            kept.append(r)
            seen[k] = a
    return sorted(kept)
