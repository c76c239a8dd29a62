"""Tokenization for the index and for questions: jieba search mode over simplified text, stop
words and punctuation dropped, numbers kept as tokens, places named by a text picked out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import TYPE_CHECKING, cast

from .resources import PLACE_TAG, Resources, RouteOver, jieba_route
from .units import INNER_QUALIFIERS, MEASURES

if TYPE_CHECKING:
    import jieba

# Tokens that carry no meaning: punctuation, whitespace, lone symbols.
NOISE = re.compile(r"^[\W_]+$")
# jieba joins an inner qualifier to the measure after a number (3000|余家, 60|余家): the term is
# the measure, as in 49|家, so 多少家 finds both.
QUALIFIED_MEASURE = re.compile(
    f"^(?:{'|'.join(INNER_QUALIFIERS)})(?P<m>{'|'.join(sorted(MEASURES, key=len, reverse=True))})$")


def search_mode(words: Iterable[str], freq: Mapping[str, int]) -> Iterator[str]:
    """jieba's search mode over words already cut: each word, after the two- and three-character
    words inside it (jieba's ``cut_for_search``, which cuts first; this lets each distinct
    word's pieces be worked out once, :func:`word_terms`)."""
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


def index_words(text: str, res: Resources) -> tuple[list[str], jieba.Tokenizer]:
    """The words ``text``'s terms come from (long official names cut in their short form), and
    the tokenizer that cut them."""
    canonical = res.canonical(text)
    cutter = res.cutter(canonical)
    return cutter.lcut(canonical), cutter


def word_terms(word: str, cutter: jieba.Tokenizer, res: Resources) -> tuple[str, ...]:
    """The index terms of one word ``cutter`` cut: they depend on the word alone, so callers
    work each distinct word out once (news prose repeats its words: this was a tenth of an
    index build)."""
    return _word_terms(word, cutter.FREQ, res.stopwords)


def tokens(text: str, res: Resources) -> list[str]:
    """The index terms of ``text``."""
    cut, cutter = index_words(text, res)
    memo = res.memo("terms", cutter)
    found = list(map(memo.get, cut))  # built-in loops: this runs for every question asked
    if None in found:
        for i, terms in enumerate(found):
            if terms is None:
                found[i] = memo[cut[i]] = word_terms(cut[i], cutter, res)
    return list(chain.from_iterable(cast(list[tuple[str, ...]], found)))


def places(text: str, res: Resources) -> list[str]:
    """Place names a question names, from the place lexicon (no POS tagging at query time)."""
    text = res.canonical(text)
    return list(dict.fromkeys(w for w in res.cutter(text).lcut(text) if w in res.places))


# jieba's POS tagger cuts runs of these characters (its re_han_internal); nothing else it tags
# as a place.
_TAGGED_RUN = re.compile("[\u4E00-\u9FD5a-zA-Z0-9+#&._]+")


def _route(tokenizer: jieba.Tokenizer, run: str) -> list[int]:
    """Where each word of jieba's best path through ``run`` ends (the last character's index),
    by position: the tagger's tokenizer's route (:class:`~retrieval.resources.RouteOver`),
    else jieba's."""
    return tokenizer.route(run) if isinstance(tokenizer, RouteOver) else jieba_route(tokenizer, run)


def tagged_places(text: str, res: Resources) -> list[str]:
    """Place names in an article's text: the lexicon's, and names jieba's tagger recognizes as
    places though no dictionary lists them (a user's corpus about other counties).

    The words are those ``res.pos.cut`` tags ns, found along its own steps (its runs, its best
    path, its HMM for characters the path leaves single) without tagging every word: a word of
    the path is a place when the lexicon lists it and the dictionary tags it ns; only a run of
    single characters no dictionary word joins goes through the tagger's HMM. Tagging every
    word was a twelfth of an index build."""
    tagger = res.pos
    tagger.makesure_userdict_loaded()
    tags, freq = tagger.word_tag_tab, tagger.tokenizer.FREQ
    found: list[str] = []

    def singles(buf: str) -> None:  # what the tagger does with characters the path left single
        if len(buf) > 1 and not freq.get(buf):
            found.extend(p.word for p in tagger._POSTokenizer__cut_detail(buf)
                         if p.flag == PLACE_TAG and (p.word in res.places or p.word not in freq))

    for m in _TAGGED_RUN.finditer(text):
        run, x, buf = m.group(), 0, ""
        ends = _route(tagger.tokenizer, run)
        while x < len(run):
            y = ends[x] + 1
            if y - x == 1:
                buf += run[x]
            else:
                if buf:
                    singles(buf)
                    buf = ""
                word = run[x:y]
                if word in res.places and tags.get(word) == PLACE_TAG:
                    found.append(word)
            x = y
        if buf:
            singles(buf)
    return list(dict.fromkeys(w for w in found if len(w) >= 2))


def article_places(title: str, paragraphs: tuple[str, ...], res: Resources) -> tuple[str, ...]:
    """The places an article is about: those in its title, else the one its body names most."""
    named = tagged_places(title, res)
    if named:
        return tuple(named)
    counts = Counter(p for para in paragraphs[:20] for p in tagged_places(para, res))
    top = [p for p, n in counts.most_common(2) if n >= 2]
    return tuple(top[:1])
