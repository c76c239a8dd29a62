"""The one place that builds ganwen's heavy resources: the jieba tokenizer with the project
dictionary, the OpenCC converters, the stop words and the place lexicon. Built once per process
and passed in; what only index building needs (the POS tagger) is built on first use, so a
warm ``ganwen ask`` does not pay for it.
"""

from __future__ import annotations

import importlib.util
import logging
import marshal
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar, cast, overload

import opencc
import platformdirs

# jieba imports pkg_resources only to find its own data files, and falls back to paths beside
# its module when that fails; the import alone costs 0.15–0.3 s of every start.
_hidden, sys.modules["pkg_resources"] = sys.modules.get("pkg_resources"), None  # type: ignore
try:
    import jieba
finally:
    if _hidden is None:
        del sys.modules["pkg_resources"]
    else:
        sys.modules["pkg_resources"] = _hidden

from . import checksums, punctuation  # noqa: E402  (after jieba, whose import is arranged above)

# jieba's segmentation compiled (Rust): a wheel for the common platforms, imported when a long
# text is first cut (a question needs none of it); without it, jieba's own, slower.
HAS_JIEBA_NEXT = importlib.util.find_spec("jieba_next") is not None
# jieba-rs (rjieba's wheel): the whole cut in Rust, 5× faster than jieba-next on passages;
# used where its cut is jieba's (:class:`RustCut`).
HAS_RJIEBA = importlib.util.find_spec("rjieba") is not None

DATA = resources.files("retrieval") / "data"
# Words at least this frequent in jieba's dictionary may be rejoined across a stray space.
MIN_JOIN_FREQ = 50
PLACE_TAG = "ns"
FAST_PATH_FROM = 200  # characters; a question is converted directly
# What ends a clause for t2s's segmentation (see Resources.simplified).
CLAUSE_MARKS = "\n" + punctuation.SENTENCE_ENDS + punctuation.CLAUSE_ENDS
_CLAUSE_END = re.compile(punctuation.one_of(CLAUSE_MARKS))
QUICK_MAX_CHARS = 1000  # texts up to this long are tokenized without loading jieba's table
# Characters a process cuts or routes with jieba's own code before building a compiled table
# (jieba-rs's, jieba-next's: 0.15 s each), which cuts the same words faster.
COMPILED_FROM_CHARS = 50_000
MEMO_WORDS = 1 << 19  # distinct words a memo holds (~60 MB) before it starts again


class CacheError(ValueError):
    """The cache folder cannot be used (a file stands at its path or above it); the message
    is shown to the user as one line."""


def cache_dir() -> Path:
    """Where ganwen keeps its index and jieba's prefix dictionary: GANWEN_CACHE_DIR or the
    user cache folder."""
    path = Path(os.environ.get("GANWEN_CACHE_DIR") or platformdirs.user_cache_dir("ganwen"))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise CacheError(f"the cache folder {path} cannot be made: a file stands at its path "
                         "or above it (set GANWEN_CACHE_DIR to a folder)") from exc
    except PermissionError as exc:
        raise CacheError(f"the cache folder {path} cannot be made: permission denied "
                         "(set GANWEN_CACHE_DIR to a writable folder)") from exc
    return path


def data_files() -> list[Path]:
    """The data tables the index depends on (part of the index's cache key)."""
    return sorted(Path(str(DATA)).glob("*.txt"))


def _tagged(lines: Iterable[str], tag: str) -> set[str]:
    words = set()
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[2] == tag:
            words.add(parts[0])
    return words


def _read_cached(name: str) -> bytes | None:
    """A small file of the cache folder, if it is there and its checksum holds."""
    try:
        return checksums.unsealed((cache_dir() / name).read_bytes())
    except OSError:
        return None


def _write_cached(name: str, body: bytes) -> None:
    """Seal ``body`` with its checksum and write it (a cache folder that cannot be written
    only means making it again next time)."""
    path = cache_dir() / name
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        tmp.write_bytes(checksums.sealed(body))
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def _cached_file(name: str, make: Callable[[], bytes]) -> bytes:
    """A small file of the cache folder: read back, or when missing or damaged made and
    written."""
    body = _read_cached(name)
    if body is None:
        body = make()
        _write_cached(name, body)
    return body


JIEBA_DICT = Path(jieba.__file__).parent / "dict.txt"
_JIEBA_TABLES = ("freq", "tags")  # the parts of jieba's dictionary kept in the cache folder
_parsed: dict[str, Any] = {}  # parts parsed along with the one asked for, until asked for


def _parse_jieba_dict() -> tuple[tuple[dict[str, int], int], dict[str, str]]:
    """jieba's dict.txt (one ``word frequency tag`` per line) parsed as jieba parses it, in
    one pass rather than two: the prefix dictionary and total of ``Tokenizer.gen_pfdict``
    (every word → its frequency, every prefix of a word that is no word → 0, the total over
    all lines) and the tags of ``POSTokenizer.load_word_tag``."""
    fields = JIEBA_DICT.read_text(encoding="utf-8").split()
    words, counts = fields[0::3], list(map(int, fields[1::3]))
    freq = dict(zip(words, counts, strict=True))
    prefixes = {word[:i] for word in words for i in range(1, len(word))}
    prefixes.difference_update(freq)
    freq.update(dict.fromkeys(prefixes, 0))
    return (freq, sum(counts)), dict(zip(words, fields[2::3], strict=True))


def _jieba_table(part: str) -> Any:
    """A part of jieba's dictionary (:data:`_JIEBA_TABLES`) from the cache folder: what jieba
    and its POS tagger parse dict.txt for at each start (0.5–0.8 s, in every indexing worker).
    When missing, damaged or written by another Python's marshal, dict.txt is parsed once and
    every part written. Read whole, then unmarshalled: ``marshal.load`` from a file reads
    item by item, 3× slower."""
    if part in _parsed:  # parsed for another part just now: handed over once, not reloaded
        return _parsed.pop(part)
    names = {p: f"{p}-jieba-{jieba.__version__}.marshal" for p in _JIEBA_TABLES}
    body = _read_cached(names[part])
    if body is not None:
        try:
            return marshal.loads(body)
        except (ValueError, EOFError, TypeError):
            pass
    parsed: dict[str, Any] = dict(zip(_JIEBA_TABLES, _parse_jieba_dict(), strict=True))
    for p, value in parsed.items():
        _write_cached(names[p], marshal.dumps(value))
    _parsed.update((p, value) for p, value in parsed.items() if p != part)
    return parsed[part]


@cache
def _jieba_tags() -> dict[str, str]:
    """Every word of jieba's dictionary → its part-of-speech tag (the place lexicon is drawn
    from it)."""
    tags: dict[str, str] = _jieba_table("tags")
    return tags


def _loaded(tokenizer: jieba.Tokenizer) -> jieba.Tokenizer:
    """``tokenizer`` with jieba's dictionary loaded: its own copy of the prefix dictionary
    (loading a user dictionary adds to it)."""
    tokenizer.FREQ, tokenizer.total = _jieba_table("freq")
    tokenizer.initialized = True
    return tokenizer


def _place_lexicon() -> frozenset[str]:
    """Place names: jieba's dictionary words tagged ns (cached: every start needs them), the
    project's own, less generic nouns that jieba also tags ns."""
    body = _cached_file(f"places-jieba-{jieba.__version__}.txt", lambda: "\n".join(sorted(
        w for w, tag in _jieba_tags().items() if tag == PLACE_TAG)).encode("utf-8"))
    words = set(body.decode("utf-8").split())
    words |= _tagged((DATA / "userdict.txt").read_text(encoding="utf-8").splitlines(), PLACE_TAG)
    generic = set((DATA / "not_places.txt").read_text(encoding="utf-8").split())
    return frozenset(w for w in words if len(w) >= 2 and w not in generic)


def _table(name: str) -> list[str]:
    """A data table's rows, comments and blank lines left out."""
    text = (DATA / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _colloquial() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Everyday phrase → the news words it stands for (data/colloquial.txt), longest first."""
    rows = [line.split() for line in _table("colloquial.txt")]
    return tuple(sorted(((r[0], tuple(r[1:])) for r in rows if len(r) > 1),
                        key=lambda r: -len(r[0])))


T = TypeVar("T")
_building = threading.RLock()


class built_once(Generic[T]):  # noqa: N801 (used as a decorator, like cached_property)
    """A property built on first use and kept, by one thread while others wait for it: the
    engine is shared by threads, and Python 3.12 took the lock out of ``cached_property``.
    Like ``cached_property`` it only has ``__get__``, so once built the value is read from the
    instance's ``__dict__`` without a call: tokenizing reads ``res.tokenizer`` per word."""

    def __init__(self, method: Callable[[Any], T]) -> None:
        self.method, self.name = method, method.__name__
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> built_once[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | built_once[T]:
        if instance is None:
            return self
        with _building:
            if self.name not in instance.__dict__:
                instance.__dict__[self.name] = self.method(instance)
            return instance.__dict__[self.name]


def pure_tokenizer() -> jieba.Tokenizer:
    return _loaded(jieba.Tokenizer())


def compiled_tokenizer() -> jieba.Tokenizer:
    """jieba-next: jieba's segmentation with its word graph and best path computed in Rust,
    3× faster on long texts, over jieba's own dictionary file. Its HMM (for runs of characters
    the dictionary does not join) breaks ties between equally likely states unlike jieba's
    when a character is unknown to the model (跟蹤幫扶機 came out whole), so jieba's own HMM
    module is put in its place: the cuts are then jieba's, character for character (a test
    holds them equal on the seeds, traditional and simplified, and generated text). Questions
    are cut by jieba itself (:attr:`Resources.quick_tokenizer`), with the same result."""
    import jieba_next.tokenizer

    jieba_next.tokenizer.finalseg = jieba.finalseg
    return _loaded(jieba_next.tokenizer.Tokenizer(JIEBA_DICT))


def jieba_route(tokenizer: jieba.Tokenizer, sentence: str) -> list[int]:
    """jieba's own best path through ``sentence`` over ``tokenizer``'s table: where the word
    starting at each character ends (its last index)."""
    route: dict[int, tuple[float, int]] = {}
    dag = jieba.Tokenizer.get_DAG(tokenizer, sentence)
    jieba.Tokenizer.calc(tokenizer, sentence, dag, route)
    return [route[x][1] for x in range(len(sentence))]


class RouteOver(jieba.Tokenizer):
    """jieba's tokenizer API with its best path taken from a compiled tokenizer: jieba's POS
    tagger asks for the word graph and the path (get_DAG, calc) to cut with, and the compiled
    route is the same path (:func:`compiled_tokenizer`), found 5× faster once the compiled
    table is built. Building it takes 0.15 s, as long as jieba's own code takes over
    COMPILED_FROM_CHARS characters: text up to there (a small corpus, a first run on the
    seeds) is routed by jieba's code, the same path."""

    def __init__(self, compiled: jieba.Tokenizer) -> None:
        super().__init__()
        self.compiled = compiled
        self.routed = 0  # characters routed by jieba's own code

    def route(self, sentence: str) -> list[int]:
        """Where the word starting at each character of ``sentence`` ends (its last index)."""
        if self.routed < COMPILED_FROM_CHARS:
            self.routed += len(sentence)
            return jieba_route(self, sentence)
        return self.compiled._route_from_rust(sentence)

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:  # noqa: N802 (jieba's name)
        return {}  # calc below needs no graph

    def calc(self, sentence: str, DAG: dict[int, list[int]], route: dict) -> None:  # noqa: N803
        for x, end in enumerate(self.route(sentence)):
            route[x] = (0.0, end)  # the tagger reads only where each word ends


# Where jieba-rs's cut may not be jieba's, found by comparing the two on every class of text
# below (tests/test_index.py): a Han character jieba's HMM has no emission for (the two break
# the ensuing tie alike in every case tried, but nothing promises it), a character jieba's
# default mode does not count as Han (jieba-rs's ranges are wider), and ASCII runs that
# jieba-rs keeps whole where jieba splits them (650-700, crabby-images, jxrb_jxnews, a.b,
# v1.2.3, 1.5ab).
_RUST_ASCII_JOINS = (r"[A-Za-z0-9][-_][A-Za-z0-9]", r"[A-Za-z]\.[A-Za-z0-9]",
                     r"[A-Za-z0-9]\.[A-Za-z]", r"\d\.\d+[.A-Za-z]")
_RUST_WIDER_HAN = r"\u3400-\u4DFF\u9FD6-\u9FFF\uF900-\uFAFF\U00020000-\U0010FFFF"
# A word no text can hold (jieba cuts only runs of Han, letters, digits and +#&._%-): it
# carries the frequency jieba-rs's total lacks (see RustCut.add_word).
_TOTAL_CARRIER = "\x00total"


@cache
def _rust_may_differ() -> re.Pattern[str]:
    import jieba.finalseg

    known = set().union(*jieba.finalseg.emit_P.values())
    unknown = "".join(chr(c) for c in range(0x4E00, 0x9FD6) if chr(c) not in known)
    return re.compile("|".join((f"[{re.escape(unknown)}{_RUST_WIDER_HAN}]", *_RUST_ASCII_JOINS)))


class RustCut(jieba.Tokenizer):
    """jieba's default-mode cut (HMM on) by jieba-rs, over ``exact``'s dictionary, and where
    jieba-rs's may differ (:func:`_rust_may_differ`, 0.1% of passages) by jieba itself over
    the same table (jieba-next, 5× slower than jieba-rs, splits runs of symbols such as -- unlike
    jieba). The dictionary is ``exact``'s (jieba's or jieba-next's, loaded, shared), which jieba's
    POS tagger cuts along. jieba-rs carries jieba's dict.txt and HMM; the user dictionary is
    given to both."""

    def __init__(self, exact: jieba.Tokenizer) -> None:
        import rjieba

        super().__init__()
        self.exact = exact
        self.rust = rjieba.Jieba()  # jieba's dict.txt, built in
        self.FREQ, self.total = exact.FREQ, exact.total  # one table
        self.user_word_tag_tab = exact.user_word_tag_tab
        self.initialized = True
        self._rust_total = exact.total

    def lcut(self, sentence: str, cut_all: bool = False, HMM: bool = True,  # noqa: N803
             use_paddle: bool = False) -> list[str]:
        if cut_all or not HMM or _rust_may_differ().search(sentence):
            return list(super().cut(sentence, cut_all, HMM))
        return self.rust.cut(sentence)

    def cut(self, sentence: str, cut_all: bool = False, HMM: bool = True,  # noqa: N803
            use_paddle: bool = False) -> Iterator[str]:
        return iter(self.lcut(sentence, cut_all, HMM))

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """jieba adds a word's frequency to its total even when the word was in the
        dictionary already; jieba-rs replaces the old one's. The difference is carried by a
        word no text holds, so both weigh a path against the same total."""
        old = self.FREQ.get(word) or 0
        self.exact.add_word(word, freq, tag)
        new = self.FREQ[word]
        self.total = self.exact.total
        self.rust.add_word(word, new, tag)
        self._rust_total += new - old
        self.rust.add_word(_TOTAL_CARRIER, self.total - self._rust_total, None)


def rust_tokenizer(exact: jieba.Tokenizer) -> RustCut | jieba.Tokenizer:
    """``exact`` cutting through jieba-rs (:class:`RustCut`) where rjieba's wheel is
    installed; ``exact`` itself otherwise."""
    return RustCut(exact) if HAS_RJIEBA else exact


def _pure_over(tokenizer: jieba.Tokenizer) -> jieba.Tokenizer:
    """A jieba tokenizer over ``tokenizer``'s loaded table (shared, not copied), for jieba's POS
    tagger, which reads the dictionary file as jieba opens it, which jieba-next's does not;
    over a compiled tokenizer, its route is the compiled one (:class:`RouteOver`)."""
    if type(tokenizer) is jieba.Tokenizer:
        return tokenizer
    pure = RouteOver(tokenizer) if hasattr(tokenizer, "_route_from_rust") else jieba.Tokenizer()
    pure.FREQ, pure.total = tokenizer.FREQ, tokenizer.total
    pure.user_word_tag_tab = tokenizer.user_word_tag_tab
    pure.initialized = True
    return pure


def _import_posseg() -> None:
    """jieba's POS tagger module (index building only). Its import makes a tagger over jieba's
    default tokenizer, which parses all of dict.txt for its tags (0.3 s of a first run); that
    tagger is given the tags parsed once instead (:func:`_jieba_tags`), and reads nothing."""
    if "jieba.posseg" not in sys.modules and jieba.dt.dictionary == jieba.DEFAULT_DICT:
        jieba.dt.dictionary = os.devnull  # where the import's tagger reads its tags: empty
        try:
            posseg = importlib.import_module("jieba.posseg")
        finally:
            jieba.dt.dictionary = jieba.DEFAULT_DICT
        posseg.dt.word_tag_tab = dict(_jieba_tags())


def _converter(config: str) -> opencc.OpenCC:
    """An OpenCC converter with its tables loaded (it loads them lazily, unlocked, at the first
    conversion: two threads converting at once could see them half built)."""
    converter = opencc.OpenCC(config)
    converter.convert("")
    return converter


class Resources:
    def __init__(self) -> None:
        jieba.setLogLevel(logging.WARNING)
        self.t2s = _converter("t2s")
        self.stopwords = frozenset((DATA / "stopwords.txt").read_text(encoding="utf-8").split())
        pairs = [line.split() for line in (DATA / "aliases.txt").read_text(encoding="utf-8")
                 .splitlines() if line.strip() and not line.startswith("#")]
        # Longest first, so 高新技术产业开发区 is not read as 高新技术 + 产业开发区.
        self.aliases = tuple(sorted(((a, b) for a, b in pairs), key=lambda p: -len(p[0])))
        self.colloquial = _colloquial()
        self.place_children = {row[0]: frozenset(row[1:]) for row in
                               (line.split() for line in _table("place_parents.txt"))}
        self.filler = frozenset(w for line in _table("filler.txt") for w in line.split())
        self.places = _place_lexicon()
        self._memos: dict[tuple[object, ...], dict[str, Any]] = {}

    @built_once
    def tokenizer(self) -> jieba.Tokenizer:
        """jieba with the project dictionary, its table loaded in memory (0.3 s): the one
        long texts (passages) are cut with. Compiled (:func:`compiled_tokenizer`) unless
        ``GANWEN_PURE_JIEBA`` is set or jieba-next is missing."""
        if os.environ.get("GANWEN_PURE_JIEBA"):
            tokenizer = pure_tokenizer()
        else:
            tokenizer = rust_tokenizer(compiled_tokenizer() if HAS_JIEBA_NEXT else pure_tokenizer())
        tokenizer.load_userdict(str(DATA / "userdict.txt"))
        return tokenizer

    @built_once
    def quick_tokenizer(self) -> jieba.Tokenizer:
        """The same segmentation over a memory-mapped table: instant to start, slower per
        character; for questions and other short texts."""
        from .frozen_dict import frozen_tokenizer

        userdict = Path(str(DATA / "userdict.txt"))
        try:
            return frozen_tokenizer(cache_dir(), userdict)
        except FileNotFoundError:
            pass
        try:
            return frozen_tokenizer(cache_dir(), userdict, self.tokenizer, self.word_tags)
        except OSError:  # a read-only or full cache folder: the in-memory table answers too
            return self.tokenizer

    def freeze_table(self) -> None:
        """Make sure the memory-mapped table of :attr:`quick_tokenizer` is written: an index
        build calls this, so the start after it need not load jieba's table to write it."""
        self.quick_tokenizer  # noqa: B018 (built on first use)

    def cutter(self, text: str) -> jieba.Tokenizer:
        """The tokenizer for ``text``: the in-memory one once it is loaded or for long texts."""
        if "tokenizer" in self.__dict__ or len(text) > QUICK_MAX_CHARS:
            return self.tokenizer
        return self.quick_tokenizer

    @built_once
    def pos(self):
        _import_posseg()
        import jieba.posseg  # imported above

        memo, tags = self.memo, self.word_tags

        class Tagger(jieba.posseg.POSTokenizer):
            def load_word_tag(self, f):  # the tags parsed once (_jieba_tags), not at each start
                f.close()
                self.word_tag_tab = dict(tags)  # a copy: the user dictionary's join it again

            def _POSTokenizer__cut(self, sentence):  # noqa: N802 (jieba's, name-mangled)
                # The tagger's HMM over a run of Han characters no dictionary word joins: the
                # same run, the same words, and news repeats its runs (个, 家, 1290家's 家):
                # a third of the tagger's time was spent on runs already tagged.
                tagged = memo("tagger HMM")
                found = tagged.get(sentence)
                if found is None:
                    found = tagged[sentence] = tuple(super()._POSTokenizer__cut(sentence))
                return iter(found)

        return Tagger(_pure_over(getattr(self.tokenizer, "exact", self.tokenizer)))

    @built_once
    def word_tags(self) -> dict[str, str]:
        """Each dictionary word's part-of-speech tag, jieba's and then the project dictionary's
        (``word frequency tag`` lines), as jieba's POS tagger reads them."""
        tags = dict(_jieba_tags())
        tags.update((word, tag) for word, _, tag in (
            line.split() for line in (DATA / "userdict.txt").read_text(encoding="utf-8")
            .splitlines() if line.strip()))
        return tags

    @built_once
    def s2t(self) -> opencc.OpenCC:
        return _converter("s2t")

    def word_tag(self, word: str) -> str | None:
        """The tag :attr:`word_tags` gives ``word``; None when the dictionary lists no such word
        (a prefix of words only). Read from the memory-mapped table while jieba's own is not
        loaded: names are told by tags (:mod:`retrieval.entities`), and a question about a
        person would otherwise load a 350,000-word table (0.2 s) to tag a passage's words."""
        freq = self.cutter(word).FREQ
        frozen = getattr(freq, "tag", None)  # FrozenFreq's (retrieval.frozen_dict)
        if frozen is not None:
            return cast(str | None, frozen(word))
        return self.word_tags.get(word) if freq.get(word) else None

    def canonical(self, text: str) -> str:
        """``text`` with long official names in their short form, for tokenizing only."""
        for long, short in self.aliases:
            if long in text:
                text = text.replace(long, short)
        return text

    def memo(self, *key: object) -> dict[str, Any]:
        """A memo of work that depends on a word alone, one per ``key`` (what is worked out,
        and with which tokenizer's dictionary), started again past MEMO_WORDS words so a long
        build's memory stays bounded. Threads may share it: a value is the same whoever
        computes it."""
        memo = self._memos.get(key)
        if memo is None or len(memo) > MEMO_WORDS:
            memo = self._memos[key] = {}
        return memo

    def is_word(self, word: str) -> bool:
        return (self.cutter(word).FREQ.get(word) or 0) >= MIN_JOIN_FREQ

    @built_once
    def _traditional_chars(self) -> frozenset[str]:
        """Characters t2s would change: those of its character table, and those a phrase
        rewrites. Text holding none of them is already simplified."""
        folder = Path(opencc.__file__).parent / "dictionary"
        chars: set[str] = set()
        for name in ("TSCharacters.txt", "TSPhrases.txt"):
            for line in (folder / name).read_text(encoding="utf-8").splitlines():
                key, _, values = line.partition("\t")
                for value in values.split():
                    if len(value) != len(key):
                        chars.update(key)
                    else:
                        chars.update(k for k, v in zip(key, value, strict=True) if k != v)
        return frozenset(chars)

    def simplified(self, text: str) -> str:
        """``text`` converted by OpenCC's t2s. opencc-python-reimplemented converts ~0.3M
        characters/s, as slow as jieba, and simplified text often holds a character t2s may
        change (么, 覆, 乾 …), so only the clauses holding one are converted. That is exact: no
        key of t2s's dictionaries holds a line break or a clause or sentence mark, so its
        segmentation never joins across one, and a clause holding none of the characters is
        left as it is. (A clause is tested as a set: a regular expression's class of the
        6,000 characters looked at 0.3 µs a character, 8× longer, a tenth of a build.)"""
        if len(text) <= FAST_PATH_FROM:
            return self.t2s.convert(text)
        changed = self._traditional_chars
        if changed.isdisjoint(text):
            return text
        out, start = [], 0
        for end in [*(m.end() for m in _CLAUSE_END.finditer(text)), len(text)]:
            clause = text[start:end]
            out.append(clause if changed.isdisjoint(clause) else self.t2s.convert(clause))
            start = end
        return "".join(out)

    def traditional(self, text: str) -> str:
        return self.s2t.convert(text)


@cache
def load_resources() -> Resources:
    return Resources()
