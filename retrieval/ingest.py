"""The per-file pipeline of indexing: a corpus file read and taken apart into what the index
stores — its articles, and each article's passages with their tokens (numbered by the process
that took the file apart, :class:`Terms`: the index maps each term once per worker, not once per
file, nor per token).

Owns :class:`FileResult` and :class:`PassageRecord` (plain data: they cross process
boundaries), how one file is processed (a file that cannot be read, or that breaks a step, is
reported in its result rather than stopping the index), and reading many files: in worker
processes when there is much text, with a progress bar on a terminal. Merging the results into
an index version is :mod:`retrieval.index`'s business.

A large file (SPLIT_FROM_BYTES) is not left to one worker: its lines are converted to simplified
script in chunks by all workers (OpenCC never converts across a line break), cut into articles
once in this process, and the articles taken apart in runs of about RUN_CHARS characters by all
workers, each run a result of its own, so results stream out instead of one file's passages
piling up in one process (a 200 MB file once took 6.7 GB).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.pool
import os
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, cast

from . import articles as articles_mod
from . import corpus as corpus_mod
from .models import Article, SourceFile
from .original import original_passage
from .passages import passage_texts
from .resources import MEMO_WORDS, Resources, load_resources
from .tokenize import article_places, index_words, tokens, word_terms
from .years import article_year

if TYPE_CHECKING:
    from tqdm import tqdm

PARALLEL_FROM_BYTES = 4 << 20  # below this much new text, worker start-up costs more than it saves
CHUNK_FILES = 16
SPLIT_FROM_BYTES = 16 << 20  # a file this large is taken apart by all workers, run by run
RUN_CHARS = 1 << 20  # characters of a large file per chunk converted and per run taken apart
WORKER_GC_THRESHOLDS = (100_000, 50, 1000)  # Python's defaults are (700, 10, 10)

Job = tuple[Path, Path, str]  # (corpus root, file path, the file's key in the index)


class PassageRecord(NamedTuple):
    """One passage of a file as the index stores it."""

    article: int  # index of its article in FileResult.articles
    position: int  # index of the passage within its article
    text: str  # its figures and names are read when an answer asks (retrieval.spans)
    original: str  # the text in its file's script (retrieval.original); "" when it is the text
    # The passage's tokens, then its article's places', as int32 numbers of its producer's
    # terms (see :class:`Terms`): the index maps each term to its id once per producer, then
    # the tokens as an array, not token by token.
    tokens: bytes

    def token_list(self, terms: Sequence[str]) -> list[str]:
        return [terms[i] for i in array("i", self.tokens)]


@dataclass
class FileResult:
    """One corpus file, read and taken apart; crosses process boundaries, so plain data."""

    path: str
    size: int
    mtime_ns: int
    replaced: int = 0
    error: str | None = None
    articles: list[Article] = field(default_factory=list)  # without paragraphs (in passages)
    passages: list[PassageRecord] = field(default_factory=list)
    # The terms its producer numbered first in this result, in the order numbered: with those
    # of the producer's earlier results, what its passages' token numbers stand for.
    terms: list[str] = field(default_factory=list)
    producer: int = 0  # the process that numbered the terms (its pid)
    # A large file comes as several results, one per run of articles: 0 for the first (its
    # size, time and replaced bytes are the file's), then 1, 2, …
    part: int = 0


class Terms:
    """The terms one process has numbered, across every file it takes apart in one build.

    A worker sends each term's string once, with the first result that uses it; later results
    send only numbers. Sending each file's distinct terms instead cost the index's process a
    dictionary look-up per term per file: 40 million at a million passages, a fifth of its
    time. Results of one producer must be read in the order it made them (a pool's ``imap``
    does: a worker takes its tasks in order), and a result that fails gives its new terms back
    (:meth:`forget_fresh`), for no later one to use a number never sent.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.fresh: list[str] = []  # numbered since the last result was taken
        # A word's terms' numbers as int32 bytes (:meth:`of_words`): a word's terms depend on
        # the word alone.
        self.by_word: dict[str, bytes] = {}

    def number(self, terms: Sequence[str]) -> bytes:
        """The terms' numbers, as int32 bytes; new terms numbered as they come."""
        ids = self.ids
        new = [t for t in dict.fromkeys(terms) if t not in ids]
        if new:
            ids.update(zip(new, range(len(ids), len(ids) + len(new)), strict=True))
            self.fresh += new
        return array("i", map(ids.__getitem__, terms)).tobytes()

    def of_words(self, words: Sequence[str], terms_of: Callable[[str], Sequence[str]],
                 after: bytes = b"") -> bytes:
        """The numbers of the terms of ``words`` (``terms_of`` a word), then ``after``, as
        int32 bytes. Each distinct word is numbered once and its numbers joined as bytes:
        numbering terms one by one was a twentieth of an index build."""
        memo = self.by_word
        if len(memo) > MEMO_WORDS:
            memo.clear()
        found = list(map(memo.get, words))  # built-in loops: this runs for every passage
        if None in found:
            for i, numbers in enumerate(found):
                if numbers is None:
                    found[i] = memo[words[i]] = self.number(terms_of(words[i]))
        found.append(after)
        return b"".join(cast(list[bytes], found))

    def take_fresh(self) -> list[str]:
        fresh, self.fresh = self.fresh, []
        return fresh

    def forget_fresh(self) -> None:
        fresh = self.take_fresh()
        for t in fresh:
            del self.ids[t]
        if fresh:  # words numbered with them would hand out numbers no result spelled out
            self.by_word.clear()


@dataclass(frozen=True)
class Run:
    """A run of a large file's articles, to be taken apart on its own: the file's lines from
    one article's first line to another's end, and the same lines in the file's script."""

    key: str
    part: int
    lines: list[str]  # simplified
    found: list[articles_mod.Segment]  # its articles' segments, numbered within ``lines``
    script: str | None  # the lines simplified character by character (None: the file is simplified)
    original: str | None  # the lines as the file has them (None: the file is simplified)


def process_file(root: Path, path: Path, key: str | None, res: Resources,
                 terms: Terms | None = None) -> FileResult:
    """``key`` names the file in the index (its path under the corpus); articles take their
    ids from it, so two index.html in different folders stay apart. Its terms are numbered in
    ``terms`` (by default its own numbering: ``result.terms`` are then all its terms)."""
    key = key or str(path.relative_to(root))
    result, source = _read(root, path, key)
    if source is None:
        return result
    _taken(result, terms or Terms(), lambda numbering: _take_apart(source, key, res, result,
                                                                   numbering))
    return result


def _taken(result: FileResult, terms: Terms, take: Callable[[Terms], None]) -> None:
    """``take`` run to fill ``result``: its new terms added to it, or, if it fails, the error
    instead (one odd file is skipped and reported, never the whole index) and its terms
    forgotten."""
    result.producer = os.getpid()
    try:
        take(terms)
    except Exception as exc:
        result.error = f"could not be processed ({type(exc).__name__}: {exc})"
        result.articles, result.passages = [], []
        terms.forget_fresh()
    result.terms = terms.take_fresh()


def _read(root: Path, path: Path, key: str) -> tuple[FileResult, SourceFile | None]:
    """A file's result so far (its size and time, or its error) and its text, None if it cannot
    be read."""
    st = path.stat()
    result = FileResult(key, st.st_size, st.st_mtime_ns)
    try:
        return result, corpus_mod.read_file(path, root)
    except OSError as exc:
        result.error = exc.strerror or str(exc)
        return result, None


def _take_apart(source: SourceFile, key: str, res: Resources, result: FileResult,
                terms: Terms) -> None:
    result.replaced = source.replaced_bytes
    text = res.simplified(source.text)
    # A file in traditional script keeps its own characters beside the simplified text.
    script = _same_length_simplified(source.text, text, res) if text != source.text else None
    lines = articles_mod.split_lines(text)
    found = articles_mod.articles_in(lines, articles_mod.segments(lines), key, res.is_word)
    _add_articles(found, script, source.text, res, result, terms)


def _add_articles(articles: Iterable[Article], script: str | None, original: str,
                  res: Resources, result: FileResult, terms: Terms) -> None:
    """Each article's places and year, and its passages' original script and tokens (numbered
    in ``terms``), appended to ``result``."""
    cursor = 0
    for article in articles:
        places = article_places(article.title, article.paragraphs, res)
        context = terms.number([t for place in places for t in tokens(place, res)])
        n = len(result.articles)
        year = article_year(article.date, "\n".join((article.title, *article.paragraphs)))
        result.articles.append(article.model_copy(update={"places": places, "paragraphs": (),
                                                          "year": year}))
        for position, passage in enumerate(passage_texts(article.paragraphs)):
            # Each passage is indexed with its article's places, so "萍乡 企业上云" finds a
            # paragraph of the 萍乡 article that never names the city.
            text = ""
            if script is not None:
                text, cursor = original_passage(passage, script, original, cursor,
                                                res.traditional)
            cut, cutter = index_words(passage, res)
            ids = terms.of_words(cut, partial(word_terms, cutter=cutter, res=res), context)
            result.passages.append(PassageRecord(n, position, passage, text, ids))


def _converted(chunk: str, res: Resources) -> tuple[str, str | None]:
    """A chunk of a large file's lines in simplified script, and simplified character by
    character (None when the chunk is simplified already)."""
    text = res.simplified(chunk)
    return text, (_same_length_simplified(chunk, text, res) if text != chunk else None)


def _chunks(lines: list[str], size: int) -> Iterator[tuple[int, int]]:
    """Runs of whole lines of about ``size`` characters: (first line, end line)."""
    begin, chars = 0, 0
    for i, line in enumerate(lines):
        chars += len(line) + 1
        if chars >= size:
            yield begin, i + 1
            begin, chars = i + 1, 0
    if begin < len(lines):
        yield begin, len(lines)


def _runs(key: str, lines: list[str], script: list[str] | None, original: list[str] | None,
          found: list[articles_mod.Segment], first_part: int = 1) -> Iterator[Run]:
    """A large file's articles in runs of about RUN_CHARS characters."""
    start, chars, part = 0, 0, first_part
    for n, (_, begin, end) in enumerate(found):
        chars += sum(len(line) + 1 for line in lines[begin:end])
        if chars >= RUN_CHARS or n == len(found) - 1:
            b, e = found[start][1], end
            yield Run(key, part, lines[b:e], articles_mod.shifted(found[start:n + 1], b),
                      None if script is None else "\n".join(script[b:e]),
                      None if original is None else "\n".join(original[b:e]))
            part, start, chars = part + 1, n + 1, 0


def _take_apart_run(run: Run, res: Resources, terms: Terms) -> FileResult:
    """A run's articles taken apart; if that fails, the error is reported for the file and
    its other runs are kept."""
    result = FileResult(run.key, 0, 0, part=run.part)

    def take(numbering: Terms) -> None:
        articles = articles_mod.articles_in(run.lines, run.found, run.key, res.is_word)
        _add_articles(articles, run.script, run.original or "", res, result, numbering)

    _taken(result, terms, take)
    return result


def _split_file(root: Path, path: Path, key: str, work: _Workers) -> Iterator[FileResult]:
    """A large file taken apart run by run: first a result for the file itself (size, time,
    replaced bytes, or its error), then one per run of articles."""
    head, source = _read(root, path, key)
    if source is None:
        yield head
        return
    head.replaced = source.replaced_bytes
    yield head
    raw = articles_mod.split_lines(source.text)
    del source
    texts, scripts = [], []
    for text, script in work.convert("\n".join(raw[b:e]) for b, e in _chunks(raw, RUN_CHARS)):
        texts.append(text)
        scripts.append(script)
    traditional = any(script is not None for script in scripts)
    lines = articles_mod.split_lines("\n".join(texts))
    script_lines = (articles_mod.split_lines("\n".join(
        t if c is None else c for t, c in zip(texts, scripts, strict=True)))
        if traditional else None)
    del texts, scripts
    runs = _runs(key, lines, script_lines, raw if traditional else None,
                 articles_mod.segments(lines))
    count = 0  # a run numbers its articles from 1; a segment may yield none, so count here
    for r in work.runs(runs):
        r.articles = [a.model_copy(update={"id": articles_mod.article_id(key, count + n)})
                      for n, a in enumerate(r.articles, 1)]
        count += len(r.articles)
        yield r


def _same_length_simplified(original: str, simplified: str, res: Resources) -> str:
    """The file's simplified text with one character for each original one (OpenCC's phrase
    conversions can change the length; then each character is converted on its own)."""
    if len(simplified) == len(original):
        return simplified
    one = (res.simplified(c) for c in original)
    return "".join(s if len(s) == 1 else c for s, c in zip(one, original, strict=True))


_worker_res: Resources | None = None
_worker_terms = Terms()  # a worker's numbering: one per worker process, for one build


def _worker_init() -> None:
    global _worker_res, _worker_terms
    _worker_res = load_resources()
    _worker_terms = Terms()
    _ = _worker_res.pos  # build the tagger once per worker, not per file
    # A worker lives for one build and holds large tables (jieba's, the tagger's, the memos of
    # words) that never become garbage: out of the collector's sight, and with collections
    # rarer, the collector stops costing it 5% of its time.
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLDS)


def _file_worker(job: Job) -> FileResult:
    assert _worker_res is not None
    return process_file(*job, _worker_res, _worker_terms)


def _convert_worker(chunk: str) -> tuple[str, str | None]:
    assert _worker_res is not None
    return _converted(chunk, _worker_res)


def _run_worker(run: Run) -> FileResult:
    assert _worker_res is not None
    return _take_apart_run(run, _worker_res, _worker_terms)


@dataclass
class _Workers:
    """The three kinds of work, done in a pool of worker processes or, without one, here."""

    res: Resources
    pool: multiprocessing.pool.Pool | None = None
    terms: Terms = field(default_factory=Terms)  # this process's numbering, without a pool

    def files(self, jobs: Iterable[Job]) -> Iterator[FileResult]:
        if self.pool is None:
            return (process_file(*job, self.res, self.terms) for job in jobs)
        return self.pool.imap(_file_worker, jobs, chunksize=CHUNK_FILES)

    def convert(self, chunks: Iterable[str]) -> Iterator[tuple[str, str | None]]:
        if self.pool is None:
            return (_converted(chunk, self.res) for chunk in chunks)
        return self.pool.imap(_convert_worker, chunks)

    def runs(self, runs: Iterable[Run]) -> Iterator[FileResult]:
        if self.pool is None:
            return (_take_apart_run(run, self.res, self.terms) for run in runs)
        return self.pool.imap(_run_worker, runs)


def _progress(total_files: int, total_bytes: int) -> tqdm:
    from tqdm import tqdm

    return tqdm(total=total_bytes, unit="B", unit_scale=True, unit_divisor=1024,
                desc=f"indexing {total_files} files", disable=not sys.stderr.isatty(),
                leave=False, dynamic_ncols=True)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # gone since the scan: process_file reports it
        return 0


def read_files(jobs: Sequence[Job], res: Resources, workers: int | None = None
               ) -> Iterator[FileResult]:
    """Every file (root, path, key) taken apart, streamed: in ``workers`` processes (default:
    one per core) when there is much text; files in the order of ``jobs``, those of SPLIT_FROM_BYTES or more last, each as
    several results (see :class:`FileResult`)."""
    sizes = [_size(path) for _, path, _ in jobs]
    total = sum(sizes)
    _ = res.tokenizer  # indexing: jieba's in-memory table, much faster per character
    small = [job for job, size in zip(jobs, sizes, strict=True) if size < SPLIT_FROM_BYTES]
    large = [job for job, size in zip(jobs, sizes, strict=True) if size >= SPLIT_FROM_BYTES]
    workers = workers or os.cpu_count() or 1
    parallel = total >= PARALLEL_FROM_BYTES and workers >= 2
    articles = passages = 0
    with contextlib.ExitStack() as stack:
        bar = stack.enter_context(_progress(len(jobs), total))
        pool = (stack.enter_context(multiprocessing.get_context("fork").Pool(
            workers, initializer=_worker_init)) if parallel else None)
        work = _Workers(res, pool)

        def done(r: FileResult, size: int) -> FileResult:
            nonlocal articles, passages
            articles, passages = articles + len(r.articles), passages + len(r.passages)
            bar.set_postfix(articles=articles, passages=passages, refresh=False)
            bar.update(size)
            return r

        for r in work.files(small):
            yield done(r, r.size)
        for root, path, key in large:  # the bar moves once a file is done; its counts before
            for r in _split_file(root, path, key, work):
                yield done(r, 0)
            bar.update(_size(path))
