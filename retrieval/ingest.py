"""The per-file pipeline of indexing: a corpus file read and taken apart into what the index
stores — its articles, and each article's passages with their figures and mentions (as JSON)
and tokens.

Owns :class:`FileResult` and :class:`PassageRecord` (plain data: they cross process
boundaries), how one file is processed (a file that cannot be read, or that breaks a step, is
reported in its result rather than stopping the index), and reading many files: in worker
processes when there is much text, with a progress bar on a terminal. Merging the results into
an index version is :mod:`retrieval.index`'s business.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from . import articles as articles_mod
from . import corpus as corpus_mod
from .entities import extract_mentions
from .figures import extract_figures
from .models import Article, SourceFile
from .original import original_passage
from .passages import passage_texts
from .resources import Resources, load_resources
from .tokenize import article_places, tokens
from .years import article_year

if TYPE_CHECKING:
    from tqdm import tqdm

PARALLEL_FROM_BYTES = 4 << 20  # below this much new text, worker start-up costs more than it saves
CHUNK_FILES = 16

Job = tuple[Path, Path, str]  # (corpus root, file path, the file's key in the index)


class PassageRecord(NamedTuple):
    """One passage of a file as the index stores it."""

    article: int  # index of its article in FileResult.articles
    position: int  # index of the passage within its article
    text: str
    figures_json: str  # the passage's figures, a JSON list of Figure dumps
    mentions_json: str  # its names and dates, a JSON list of Mention dumps (None fields left out)
    original: str  # the text in its file's script (retrieval.original); "" when it is the text
    tokens: list[str]  # the passage's tokens, then its article's places'


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


def process_file(root: Path, path: Path, key: str | None, res: Resources) -> FileResult:
    """``key`` names the file in the index (its path under the corpus); articles take their
    ids from it, so two index.html in different folders stay apart."""
    st = path.stat()
    key = key or str(path.relative_to(root))
    result = FileResult(key, st.st_size, st.st_mtime_ns)
    try:
        source = corpus_mod.read_file(path, root)
    except OSError as exc:
        result.error = exc.strerror or str(exc)
        return result
    try:
        _take_apart(source, key, res, result)
    except Exception as exc:  # one odd file is skipped and reported, never the whole index
        result.error = f"could not be processed ({type(exc).__name__}: {exc})"
        result.articles, result.passages = [], []
    return result


def _take_apart(source: SourceFile, key: str, res: Resources, result: FileResult) -> None:
    result.replaced = source.replaced_bytes
    text = res.simplified(source.text)
    # A file in traditional script keeps its own characters beside the simplified text.
    script = _same_length_simplified(source.text, text, res) if text != source.text else None
    cursor = 0
    for article in articles_mod.split_articles(text, key, res.is_word):
        places = article_places(article.title, article.paragraphs, res)
        context = [t for place in places for t in tokens(place, res)]
        n = len(result.articles)
        year = article_year(article.date, "\n".join((article.title, *article.paragraphs)))
        result.articles.append(article.model_copy(update={"places": places, "paragraphs": (),
                                                          "year": year}))
        for position, passage in enumerate(passage_texts(article.paragraphs)):
            figures = json.dumps([f.model_dump(mode="json") for f in extract_figures(passage)],
                                 ensure_ascii=False)
            words = res.tokenizer.lcut(passage)  # cut once: for the names and for the terms
            mentions = json.dumps([m.model_dump(mode="json", exclude_none=True)
                                   for m in extract_mentions(passage, res, words)],
                                  ensure_ascii=False)
            # Each passage is indexed with its article's places, so "萍乡 企业上云" finds a
            # paragraph of the 萍乡 article that never names the city.
            original = ""
            if script is not None:
                original, cursor = original_passage(passage, script, source.text, cursor,
                                                    res.traditional)
            result.passages.append(PassageRecord(n, position, passage, figures, mentions,
                                                 original, tokens(passage, res, words) + context))


def _same_length_simplified(original: str, simplified: str, res: Resources) -> str:
    """The file's simplified text with one character for each original one (OpenCC's phrase
    conversions can change the length; then each character is converted on its own)."""
    if len(simplified) == len(original):
        return simplified
    one = (res.simplified(c) for c in original)
    return "".join(s if len(s) == 1 else c for s, c in zip(one, original, strict=True))


_worker_res: Resources | None = None


def _worker_init() -> None:
    global _worker_res
    _worker_res = load_resources()
    _ = _worker_res.pos  # build the tagger once per worker, not per file


def _worker(job: Job) -> FileResult:
    assert _worker_res is not None
    return process_file(*job, _worker_res)


def _progress(total_files: int, total_bytes: int) -> tqdm:
    from tqdm import tqdm

    return tqdm(total=total_bytes, unit="B", unit_scale=True, unit_divisor=1024,
                desc=f"indexing {total_files} files", disable=not sys.stderr.isatty(),
                leave=False, dynamic_ncols=True)


def read_files(jobs: Sequence[Job], res: Resources) -> list[FileResult]:
    """Every file (root, path, key) taken apart: in worker processes when there is much text;
    results in the order of ``jobs``."""
    paths = [path for _, path, _ in jobs]
    total = sum(p.stat().st_size for p in paths)
    _ = res.tokenizer  # indexing: jieba's in-memory table, much faster per character
    results: list[FileResult] = []
    articles = passages = 0
    with _progress(len(paths), total) as bar:
        def done(r: FileResult) -> None:
            nonlocal articles, passages
            results.append(r)
            articles, passages = articles + len(r.articles), passages + len(r.passages)
            bar.set_postfix(articles=articles, passages=passages, refresh=False)
            bar.update(r.size)

        workers = os.cpu_count() or 1
        if total < PARALLEL_FROM_BYTES or workers < 2:
            for job in jobs:
                done(process_file(*job, res))
        else:
            with multiprocessing.get_context("fork").Pool(workers, initializer=_worker_init) as pool:
                for r in pool.imap(_worker, jobs, chunksize=CHUNK_FILES):
                    done(r)
    return results
