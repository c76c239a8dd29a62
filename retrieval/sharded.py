"""A corpus kept in S shards and answered as one index (``ganwen index --shards S``).

Each shard is an ordinary index of the files a stable hash of their path names
(:func:`retrieval.index.open_index` with ``shard``), cached and updated on its own, so an
update re-reads only the shards whose files changed. Beside them, under
``<cache>/index-<hash>-<S>shards/``, versions (published as an index's are: ``CURRENT``, an
update lock, readers' marks) of the whole's weighing, written after any shard changed:

- ``manifest.json``: each shard's version and key, the whole's passages and total length in
  tokens, its summed statistics, and the checksums of the files beside it;
- ``terms`` (with its look-up), ``df``, ``idf``: every term's document frequency and IDF in
  the whole — the global statistics every shard scores with (:mod:`retrieval.shards`);
- ``shard<i>.visible``, ``shard<i>.bm25.*``: the rows shard i ranks (repeated text kept once
  over all shards) and its matrix weighed with the whole's statistics.

:class:`ShardedIndex` answers the engine's questions of an index over the shards: it asks
every shard for its best passages at once, waits a bounded time, and merges them — every
passage scores the same bits as in one index (:meth:`retrieval.bm25.Bm25.top` sums exactly),
and ties go by file path as one index's document ids do, so the merged top k is one index's.
A shard is a :class:`Shard`: weighed in this process (:class:`LocalShard`) or an actor of a
Ray cluster (:mod:`retrieval.ray_shards`). A shard that does not answer in time leaves the
others' passages, and the question is marked partial (:func:`watching`).
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import json
import os
import shutil
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from . import checksums, versions
from . import corpus as corpus_mod
from .bm25 import Bm25, robertson_idf
from .index import (
    CACHED_ITEMS,
    FORMAT,
    Index,
    Notice,
    _key,
    _scan,
    code_version,
    index_root,
    indexed_roots,
    open_index,
    shard_of,
)
from .models import Article, CorpusStats, Passage
from .resources import Resources, load_resources
from .shards import shared_visible, weighed, whole_of
from .spans import PassageSpans
from .store import Lookup, Strings, open_array, save_array, save_strings

SET_FORMAT = 1
WHOLE = versions.MANIFEST  # a reader marks a version by locking it
WAIT_SECONDS = 5.0  # the longest a question waits for a shard before answering without it


def set_root(folder: Path, shards: int) -> Path:
    root = index_root(folder)
    return root.with_name(f"{root.name}-{shards}shards")


# --- what a shard answers -----------------------------------------------------------------

@dataclass(frozen=True)
class Read:
    """What answering reads of a ranked passage."""

    path: str  # its file's: ties between shards are broken by it, as one index's are
    article: Article
    text: str
    original: str | None
    position: int
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    """A passage a shard ranks: its document id in the shard and its score, and what answering
    reads of it when the shard is in another process (one round trip per question); a shard
    read in this process leaves it to be read when asked."""

    doc: int
    score: float
    read: Read | None = None


def reads_of(view: Index, docs: Sequence[int]) -> list[Read]:
    found = []
    for doc in docs:
        row = int(view.visible[doc])
        article = view.article(int(view.article_index[row]))
        found.append(Read(article.path, article, view.texts[row], view.originals[row] or None,
                          int(view.position[row]), tuple(view.doc_tokens(doc))))
    return found


def search(view: Index, query: Sequence[str], k: int, weights: Sequence[float] | None,
           read: bool = True) -> list[Hit]:
    """``view``'s k best passages for ``query``, with what answering reads of them if ``read``."""
    top = view.top(query, k, weights)
    if not read:
        return [Hit(doc, score) for doc, score in top]
    reads = reads_of(view, [doc for doc, _ in top])
    return [Hit(doc, score, r) for (doc, score), r in zip(top, reads, strict=True)]


class ClusterError(Exception):
    """The Ray cluster named cannot be reached."""


LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
# Keeps a Ray cluster of one machine, and the processes joining it, on 127.0.0.1 (read by Ray
# once, when it is imported).
ONE_MACHINE_RAY = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
CONNECT_TIMEOUT = 5.0


def reachable(address: str) -> None:
    """Raise :class:`ClusterError` unless the Ray cluster at ``address`` (host:port) accepts a
    connection: Ray itself would retry for minutes. A cluster named by a loopback address is
    taken as one of this machine alone, started on 127.0.0.1 with
    RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 (else Ray swaps a loopback address for the machine's
    own and listens on every interface): this process joins it the same way (set before Ray is
    imported, which reads it once)."""
    import socket

    host, sep, port = address.rpartition(":")
    if "://" in address or not sep or not port.isdigit():
        return  # "auto", ray://…: Ray's own to find
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise ClusterError(f"cannot reach the Ray cluster at {address}: "
                           f"{exc.strerror or exc}") from None
    if host in LOOPBACK_HOSTS:
        for name, value in ONE_MACHINE_RAY.items():
            os.environ.setdefault(name, value)


class ShardUnavailable(Exception):
    """A shard did not answer in time (its process is restarting, or gone)."""


class Pending(Protocol):
    def result(self, timeout: float) -> list[Hit]: ...


class Shard(Protocol):
    """One shard as :class:`ShardedIndex` asks it: its best passages for a query, and what
    answering reads of passages by document id."""

    def search(self, query: list[str], k: int, weights: list[float] | None) -> Pending: ...

    def fetch(self, docs: list[int]) -> list[Read]: ...


@dataclass(frozen=True)
class Done:
    hits: list[Hit]

    def result(self, timeout: float) -> list[Hit]:
        return self.hits


class LocalShard:
    """A shard weighed with the whole's statistics, read in this process."""

    def __init__(self, view: Index):
        self.view = view

    def search(self, query: list[str], k: int, weights: list[float] | None) -> Pending:
        # Read only when the engine asks: most passages ranked are never read.
        return Done(search(self.view, query, k, weights, read=False))

    def fetch(self, docs: list[int]) -> list[Read]:
        return reads_of(self.view, docs)


# --- questions whose answer lacks a shard -------------------------------------------------

_missing: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar("missing",
                                                                          default=None)


@contextlib.contextmanager
def watching() -> Iterator[set[int]]:
    """The shards that did not answer a search made inside this block (empty: none missed)."""
    missing: set[int] = set()
    token = _missing.set(missing)
    try:
        yield missing
    finally:
        _missing.reset(token)


def _missed(shard: int) -> None:
    missing = _missing.get()
    if missing is not None:
        missing.add(shard)


# --- the whole, as the engine reads an index ----------------------------------------------

class ShardedIndex:
    """A version of the whole's weighing and its shards, read as one :class:`Index` is by the
    engine: top, passage, article_of_doc, doc_text, doc_tokens, idf, max_idf, stats."""

    def __init__(self, folder: Path, shards: Sequence[Shard], res: Resources,
                 wait: float = WAIT_SECONDS, views: Sequence[Index] = ()):
        self.folder = folder
        self.res = res
        self.shards = list(shards)
        self.wait = wait
        self.views = list(views)  # the shards read in this process, if they are
        # Marked as read while this lives: no other process removes the version meanwhile.
        reading = versions.mark_reading(folder)
        weakref.finalize(self, reading.close)
        self.manifest = json.loads((folder / WHOLE).read_text(encoding="utf-8"))
        self.stats = CorpusStats(**self.manifest["stats"])
        self.terms = Strings(folder, "terms")
        self.term_id = Lookup.open(folder, "terms", self.terms)
        self.idf_array = open_array(folder, "idf")
        self.max_idf = float(self.idf_array.max()) if len(self.idf_array) else 1.0
        sizes = [s["passages"] for s in self.manifest["shards"]]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        # What answering reads of recent searches' passages, by global id: from a shard in
        # another process it came with the search, and costs no second round trip.
        self._reads: OrderedDict[int, Read] = OrderedDict()
        self._passages: OrderedDict[int, Passage] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def idf(self, term: str) -> float:
        t = self.term_id(term)
        return 0.0 if t is None else float(self.idf_array[t])

    def top(self, query: Sequence[str], k: int,
            weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
        """The k best passages of all shards: each shard's k best, merged by score, then file
        path and place in the file (one index's order of ties)."""
        words, w = list(query), list(weights) if weights is not None else None
        pending = []
        for i, shard in enumerate(self.shards):
            try:
                pending.append((i, shard.search(words, k, w)))
            except ShardUnavailable:
                _missed(i)
        deadline = time.monotonic() + self.wait
        found: list[tuple[int, Hit]] = []
        for i, p in pending:
            try:
                found += [(i, h) for h in p.result(max(0.0, deadline - time.monotonic()))]
            except ShardUnavailable:
                _missed(i)
        found.sort(key=lambda ih: -ih[1].score)
        merged: list[tuple[int, float]] = []
        for _, tied in itertools.groupby(found, key=lambda ih: ih[1].score):
            group = [(int(self.offsets[i]) + h.doc, h) for i, h in tied]
            for doc, h in group:
                if h.read is not None:
                    self._remember(doc, h.read)
            if len({self.shard_of_doc(doc) for doc, _ in group}) > 1:
                # A tie between shards: by file path, then place in the file, as one index's
                # document ids order them (a shard's own ties come in that order already).
                group.sort(key=lambda dh: (self._read(dh[0]).path, dh[1].doc))
            merged += [(doc, h.score) for doc, h in group]
            if len(merged) >= k:
                break
        return merged[:k]

    def _remember(self, doc: int, read: Read) -> None:
        with self._lock:
            self._reads[doc] = read
            self._reads.move_to_end(doc)
            if len(self._reads) > CACHED_ITEMS:
                self._reads.popitem(last=False)

    def shard_of_doc(self, doc: int) -> int:
        return int(np.searchsorted(self.offsets, doc, side="right")) - 1

    def _read(self, doc: int) -> Read:
        with self._lock:
            read = self._reads.get(doc)
        if read is None:  # from a shard read here, or fallen out of the cache: asked for
            i = self.shard_of_doc(doc)
            try:
                read = self.shards[i].fetch([doc - int(self.offsets[i])])[0]
            except ShardUnavailable:
                _missed(i)
                raise
            self._remember(doc, read)
        return read

    def passage(self, doc: int) -> Passage:
        with self._lock:
            passage = self._passages.get(doc)
        if passage is None:
            r = self._read(doc)
            passage = Passage.reading(PassageSpans(r.text, self.res),
                                      id=f"{r.article.id}:{r.position}", article_id=r.article.id,
                                      position=r.position, text=r.text, original=r.original)
            with self._lock:
                self._passages[doc] = passage
                if len(self._passages) > CACHED_ITEMS:
                    self._passages.popitem(last=False)
        return passage

    def article_of_doc(self, doc: int) -> Article:
        return self._read(doc).article

    def doc_text(self, doc: int) -> str:
        return self._read(doc).text

    def doc_tokens(self, doc: int) -> list[str]:
        return list(self._read(doc).tokens)

    def iter_articles(self) -> Iterator[Article]:
        """The articles of the shards read in this process."""
        for view in self.views:
            yield from view.iter_articles()


# --- building and opening -----------------------------------------------------------------

Job = tuple[str, int, int, bool, tuple[str, ...], int]  # folder, i, S, rebuild, add, workers
Runner = Callable[[list[Job]], list[str]]


def build_shard(folder: str, i: int, shards: int, rebuild: bool, add: tuple[str, ...],
                workers: int) -> str:
    """Shard i of S indexed (updated if it is not current); its version's folder. Run in a
    worker process, a Ray task, or here."""
    def notice(message: str) -> None:
        print(f"ganwen: 分片{i}:{message}", file=sys.stderr)

    index = open_index(Path(folder), load_resources(), notice, rebuild=rebuild,
                       add=[Path(a) for a in add], check_files=True, shard=(i, shards),
                       workers=workers)
    return str(index.folder)


def _run_job(job: Job) -> str:
    return build_shard(*job)


def run_locally(jobs: list[Job]) -> list[str]:
    """The shards built in local processes, as many at once as there are cores (each reading
    its files in one process), or here when one is to be built."""
    if len(jobs) <= 1:
        return [build_shard(*job) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(min(len(jobs), os.cpu_count() or 1),
                             mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_run_job, jobs))


def stale_shards(folder: Path, shards: int, add: Sequence[Path] = ()) -> list[int]:
    """The shards whose files changed since they were indexed (or never were): one scan of the
    corpus, each shard's key compared with its published version's."""
    old_roots: list[str] = []
    cached: list[dict] = []  # each shard's published manifest, {} if none can be read
    for i in range(shards):
        manifest = {}
        with contextlib.suppress(OSError, ValueError, KeyError):
            version = versions.current_version(index_root(folder, (i, shards)))
            if version is not None:
                manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
                old_roots = old_roots or manifest["roots"]
        cached.append(manifest)
    roots = indexed_roots(folder, old_roots, add)
    found, _, _ = _scan([Path(r) for r in roots])
    by_shard: list[dict] = [{} for _ in range(shards)]
    for key, info in found.items():
        by_shard[shard_of(key, shards)][key] = info
    return [i for i, manifest in enumerate(cached)
            if manifest.get("format") != FORMAT or manifest.get("key") != _key(by_shard[i])
            or manifest.get("roots") != roots]


def open_sharded(
    folder: Path, shards: int, res: Resources | None = None, notice: Notice = lambda _: None, *,
    rebuild: bool = False, add: Sequence[Path] = (), run: Runner = run_locally,
    workers: int | None = None,
) -> Path:
    """The corpus of ``folder`` in ``shards`` shards, brought up to date: the shards whose files
    changed rebuilt by ``run`` (local processes, or Ray tasks), then the whole's weighing
    written again if any shard changed. Returns the weighing's version folder."""
    corpus_mod.check_folder(folder)
    if shards < 1:
        raise ValueError("shards must be at least 1")
    res = res or load_resources()
    todo = list(range(shards)) if rebuild else stale_shards(folder, shards, add)
    if todo:
        notice(f"正在索引{len(todo)}个分片(共{shards}个)")
        each = workers or max(1, (os.cpu_count() or 1) // min(len(todo), os.cpu_count() or 1))
        run([(str(folder), i, shards, rebuild, tuple(str(a) for a in add), each) for i in todo])
    # Every shard opened here: current now (the scan above checked every file), so this reads
    # their manifests and the folders' times only (or, if a folder changed meanwhile, brings
    # its shard up to date in this process).
    indexes = [open_index(folder, res, notice, add=add, check_files=False, shard=(i, shards))
               for i in range(shards)]
    root = set_root(folder, shards)
    current = _current_set(root, indexes, notice)
    if current is not None:
        return current
    root.mkdir(parents=True, exist_ok=True)
    with versions.update_lock(root, lambda: notice("另一个进程正在更新索引,等待其完成")):
        current = _current_set(root, indexes, lambda _: None)
        if current is not None:
            return current
        target = versions.new_version(root)
        tmp = root / f"{target.name}.tmp"
        tmp.mkdir()
        try:
            _write_set(tmp, indexes)
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        versions.publish(root, target)
    return target


def _current_set(root: Path, indexes: Sequence[Index], notice: Notice) -> Path | None:
    """The published weighing, if it is of these shard versions and undamaged."""
    try:
        version = versions.current_version(root)
        if version is None:
            return None
        manifest = json.loads((version / WHOLE).read_text(encoding="utf-8"))
        if (manifest.get("format") != SET_FORMAT or manifest.get("code") != code_version()
                or [(s["version"], s["key"]) for s in manifest["shards"]]
                != [(str(ix.folder), ix.key) for ix in indexes]):
            return None
        checksums.check(version, manifest["checksums"])
    except checksums.Damaged as exc:
        notice(f"分片索引缓存已损坏({exc}),正在重建")
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return version


def _write_set(folder: Path, indexes: Sequence[Index]) -> None:
    visible = shared_visible(indexes)
    whole = whole_of(indexes, visible)
    shards = []
    for i, (index, rows) in enumerate(zip(indexes, visible, strict=True)):
        save_array(folder, f"shard{i}.visible", rows)
        weighed(index, rows, whole.seen_by(index)).save(folder, f"shard{i}.bm25")
        shards.append({"version": str(index.folder), "key": index.key, "passages": len(rows)})
    terms = sorted(whole.df)
    df = np.fromiter((whole.df[t] for t in terms), np.int64, count=len(terms))
    save_strings(folder, "terms", terms)
    Lookup.save(folder, "terms", terms)
    save_array(folder, "df", df)
    save_array(folder, "idf", robertson_idf(df, whole.n_docs))
    stats = CorpusStats(
        files=sum(ix.stats.files for ix in indexes),
        articles=sum(ix.articles_of(rows) for ix, rows in zip(indexes, visible, strict=True)),
        passages=whole.n_docs, replaced_bytes=sum(ix.stats.replaced_bytes for ix in indexes),
        skipped_files=tuple(f for ix in indexes for f in ix.stats.skipped_files),
        indexed_at=max(ix.stats.indexed_at for ix in indexes))
    manifest = {"format": SET_FORMAT, "code": code_version(), "shards": shards,
                "n_docs": whole.n_docs, "total_length": whole.total_length,
                "roots": indexes[0].manifest["roots"], "corpus": indexes[0].manifest["corpus"],
                "stats": stats.model_dump(mode="json"), "checksums": checksums.record(folder)}
    (folder / WHOLE).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")


def shard_view(folder: Path, i: int, res: Resources) -> Index:
    """Shard i of the weighing ``folder``, weighed with the whole's statistics."""
    manifest = json.loads((folder / WHOLE).read_text(encoding="utf-8"))
    index = Index(Path(manifest["shards"][i]["version"]), res)
    rows = open_array(folder, f"shard{i}.visible")
    return index.weighed(rows, Bm25.open(folder, len(rows), f"shard{i}.bm25"))


def shards_in(folder: Path) -> int:
    return len(json.loads((folder / WHOLE).read_text(encoding="utf-8"))["shards"])


def local_index(folder: Path, res: Resources) -> ShardedIndex:
    """The weighing ``folder`` with every shard read in this process."""
    views = [shard_view(folder, i, res) for i in range(shards_in(folder))]
    return ShardedIndex(folder, [LocalShard(v) for v in views], res, views=views)


def open_shards(folder: Path, shards: int, res: Resources, notice: Notice = lambda _: None, *,
                rebuild: bool = False, add: Sequence[Path] = (), ray: str | None = None
                ) -> ShardedIndex:
    """The corpus of ``folder`` in ``shards`` shards, up to date, as one index: built and
    served in this machine's processes, or by the Ray cluster at ``ray``."""
    if ray is None:
        return local_index(open_sharded(folder, shards, res, notice, rebuild=rebuild, add=add),
                           res)
    reachable(ray)
    from . import ray_shards  # imports Ray: after reachable() chose how it finds this node

    ray_shards.connect(ray)
    version = open_sharded(folder, shards, res, notice, rebuild=rebuild, add=add,
                           run=ray_shards.run_tasks, workers=1)
    return ray_shards.remote_index(version, res)
