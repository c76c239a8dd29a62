"""Tokenization for the index and for questions: jieba search mode over simplified text, stop
words and punctuation dropped, numbers kept as tokens, places named by a text picked out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain
from typing import cast

from .resources import PLACE_TAG, Resources
from .units import INNER_QUALIFIERS, MEASURES

# Tokens that carry no meaning: punctuation, whitespace, lone symbols.
NOISE = re.compile(r"^[\W_]+$")
# jieba joins an inner qualifier to the measure after a number (3000|余家, 60|余家): the term is
# the measure, as in 49|家, so 多少家 finds both.
QUALIFIED_MEASURE = re.compile(
    f"^(?:{'|'.join(INNER_QUALIFIERS)})(?P<m>{'|'.join(sorted(MEASURES, key=len, reverse=True))})$")


def search_mode(words: Iterable[str], freq: Mapping[str, int]) -> Iterator[str]:
    """jieba's search mode over words already cut: each word, after the two- and three-character
    words inside it (jieba's ``cut_for_search``, which cuts first; this lets a text be cut once
    for its tokens and its names)."""
    for w in words:
        if len(w) > 2:
            yield from (w[i:i + 2] for i in range(len(w) - 1) if freq.get(w[i:i + 2]))
        if len(w) > 3:
            yield from (w[i:i + 3] for i in range(len(w) - 2) if freq.get(w[i:i + 3]))
        yield w


def _word_terms(word: str, freq: Mapping[str, int], stopwords: frozenset[str]
                ) -> tuple[str, ...]:
    """The index terms of one word as jieba cut it: its search-mode pieces, normalized."""
    out = []
    for term in search_mode((word,), freq):
        term = term.strip().lower()
        if m := QUALIFIED_MEASURE.match(term):
            term = m["m"]
        if term and term not in stopwords and not NOISE.match(term):
            out.append(term)
    return tuple(out)


def tokens(text: str, res: Resources, words: Sequence[str] | None = None) -> list[str]:
    """The index terms of ``text``. ``words``: ``text`` as jieba already cut it (HMM on), used
    when no long official name had to be shortened first (the cut is then of the same text)."""
    canonical = res.canonical(text)
    cutter = res.cutter(canonical)
    cut = words if words is not None and canonical == text else cutter.cut(canonical)
    # A word's terms depend on the word alone: each distinct word is worked out once (news
    # prose repeats its words; this was a tenth of an index build).
    memo = res.memo("terms", cutter)
    cut = cut if isinstance(cut, list) else list(cut)
    found = list(map(memo.get, cut))  # built-in loops: this runs for every passage indexed
    if None in found:
        for i, terms in enumerate(found):
            if terms is None:
                found[i] = memo[cut[i]] = _word_terms(cut[i], cutter.FREQ, res.stopwords)
    return list(chain.from_iterable(cast(list[tuple[str, ...]], found)))


def places(text: str, res: Resources) -> list[str]:
    """Place names a question names, from the place lexicon (no POS tagging at query time)."""
    text = res.canonical(text)
    return list(dict.fromkeys(w for w in res.cutter(text).lcut(text) if w in res.places))


def tagged_places(text: str, res: Resources) -> list[str]:
    """Place names in an article's text: the lexicon's, and names jieba's tagger recognizes as
    places though no dictionary lists them (a user's corpus about other counties)."""
    found = (p.word.strip() for p in res.pos.cut(text)
             if p.flag == PLACE_TAG and (p.word in res.places or p.word not in res.tokenizer.FREQ))
    return list(dict.fromkeys(w for w in found if len(w) >= 2))


def article_places(title: str, paragraphs: tuple[str, ...], res: Resources) -> tuple[str, ...]:
    """The places an article is about: those in its title, else the one its body names most."""
    named = tagged_places(title, res)
    if named:
        return tuple(named)
    counts = Counter(p for para in paragraphs[:20] for p in tagged_places(para, res))
    top = [p for p, n in counts.most_common(2) if n >= 2]
    return tuple(top[:1])
