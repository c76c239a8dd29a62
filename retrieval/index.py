"""The search index of a corpus folder: built once, updated incrementally, memory-mapped.

Layout, under ``<cache>/index-<hash of the folder>/``: numbered version folders and a
``CURRENT`` file naming the one in use, replaced atomically after a new version is complete,
so a reader sees the old index or the new one, never half. A version holds every passage of
every file (repeated ones too, so removing a file can bring back the copy it hid) as columns
(:mod:`retrieval.store`): text, original script, token ids, article, dedup key; the
articles; the sorted vocabulary; which passages are indexed; and the BM25 matrix.

Updating compares the folder with the manifest (name, size, mtime of each file): only new and
changed files are read and taken apart (:mod:`retrieval.ingest`: cleaned, split into
articles and passages, tokenized); removed ones are dropped; then repeated text is chosen
once again and BM25 rebuilt from the stored token ids, so document frequencies and the average
length stay global and scores exact. A cache of other code, or that cannot be read, is
rebuilt with a notice. :class:`Index` reads a published version. A passage's figures and
mentions are not stored: they are read from its text when an answer first asks
(:mod:`retrieval.spans`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import threading
import time
import weakref
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate, islice
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np

from . import checksums, versions
from . import corpus as corpus_mod
from .bm25 import Bm25
from .models import Article, CorpusStats, Passage
from .passages import dedup_key, visible_rows
from .resources import Resources, cache_dir, data_files, load_resources
from .spans import PassageSpans
from .store import Lookup, Ragged, Strings, concat_ragged, open_array, save_array, save_strings
from .versions import VersionGone, current_version, mark_reading

if TYPE_CHECKING:
    from .ingest import FileResult

FORMAT = 5  # 3: the manifest records each file's size and checksum; 4: CRC-32 term lookup;
# 5: no figures and mentions columns
Notice = Callable[[str], None]
QUICK_CHECK_FROM = 5000  # files; a smaller corpus is checked file by file at every start
CACHED_ITEMS = 4096  # articles, and passages, kept decoded by each open Index


# The modules (and data tables) that decide what an index holds. Answering, the query kernel
# and the front ends can change without a rebuild, which takes minutes on an archive.
INDEX_MODULES = ("articles", "bm25", "cleaning", "corpus", "index", "ingest", "models",
                 "passages", "punctuation", "resources", "store", "original", "tokenize", "units",
                 "years")


def code_version() -> str:
    h = hashlib.sha256(str(FORMAT).encode())
    here = Path(__file__).parent
    for path in [here / f"{m}.py" for m in INDEX_MODULES] + data_files():
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def passage_key(text: str) -> int:
    digest = hashlib.blake2b(dedup_key(text).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


# --- the on-disk version -------------------------------------------------------------------

Shard = tuple[int, int]  # (i, S): the files of shard i of S (shard_of)


def index_root(folder: Path, shard: Shard | None = None) -> Path:
    name = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:12]
    return cache_dir() / (f"index-{name}" if shard is None
                          else f"index-{name}-shard{shard[0]}of{shard[1]}")


def shard_of(key: str, shards: int) -> int:
    """The shard of ``shards`` a file belongs to, by a stable hash of its key (its path in the
    corpus): the same on every machine and in every run."""
    return zlib.crc32(key.encode("utf-8")) % shards


V = TypeVar("V")


class _Recent(Generic[V]):
    """The values last asked for, at most ``size``, by key: an LRU cache of one Index's own.
    (``functools.lru_cache`` on a method would keep every Index ever opened, and its memory
    maps, alive in a cache of the class; the function that makes a value is passed at each
    call, so this holds no reference back to its Index.) Threads share it: the lock guards
    the order's few pointer moves, never the making of a value."""

    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict[int, V] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: int, make: Callable[[int], V]) -> V:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make(key)  # two threads may both make it: the values are equal
        with self.lock:
            self.items[key] = value
            if len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


class Index:
    """A published index version, opened through memory maps: nothing is read until asked."""

    _base: Index | None = None  # the index a weighed view (:meth:`weighed`) reads

    def __init__(self, folder: Path, res: Resources, verify: bool | None = None):
        """Open ``folder``; raises :class:`checksums.Damaged` if it differs from what was
        written (its contents compared when ``verify``, by default for small indexes).
        ``res`` reads a passage's figures and mentions when an answer asks for them."""
        self.folder = folder
        self.res = res
        # Marked as read while this Index lives: no other process removes it meanwhile.
        reading = mark_reading(folder)
        weakref.finalize(self, reading.close)
        self._articles: _Recent[Article] = _Recent(CACHED_ITEMS)
        self._passages: _Recent[Passage] = _Recent(CACHED_ITEMS)
        self.manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        checksums.check(folder, self.manifest.get("checksums"), verify)
        self.key = self.manifest["key"]
        self.stats = CorpusStats(**self.manifest["stats"])
        self.texts = Strings(folder, "passage_text")
        self.originals = Strings(folder, "passage_original")
        self.tokens = Ragged.open(folder, "passage_tokens")
        self.article_index = open_array(folder, "passage_article")
        self.position = open_array(folder, "passage_position")
        self.keys = open_array(folder, "passage_key")
        self.passage_file = open_array(folder, "passage_file")
        self.lengths = open_array(folder, "passage_length")
        self.article_json = Strings(folder, "articles")
        self.article_file = open_array(folder, "article_file")
        self.vocab = Strings(folder, "vocab")
        self.term_id = Lookup.open(folder, "vocab", self.vocab)
        self.visible = open_array(folder, "visible")
        self.bm25 = Bm25.open(folder, len(self.visible))
        self.max_idf = float(self.bm25.idf_array.max()) if len(self.bm25.idf_array) else 1.0
        self._check_shapes()

    def _check_shapes(self) -> None:
        """The columns agree in length with each other (sizes only: O(1)), so that a manifest
        pointing at the wrong files, or any damage the sizes show, never reaches a question."""
        rows = len(self.texts)
        columns = (self.originals, self.tokens, self.article_index,
                   self.position, self.keys, self.passage_file, self.lengths)
        b = self.bm25
        agree = (
            all(len(c) == rows for c in columns)
            and len(self.article_file) == len(self.article_json)
            and len(self.visible) == self.stats.passages <= rows
            and len(b.indptr) == len(self.vocab) + 1 == len(b.upper) + 1 == len(b.idf_array) + 1
            and int(b.indptr[-1]) == len(b.data) == len(b.indices)
            and len(self.term_id.hashes) == len(self.term_id.order) == len(self.vocab)
            and int(self.tokens.offsets[-1]) == len(self.tokens.flat)
            and all(int(s.offsets[-1]) == len(s.blob) for s in
                    (self.texts, self.originals, self.article_json,
                     self.vocab))
        )
        if not agree:
            raise checksums.Damaged("its columns disagree in length")

    def __len__(self) -> int:
        return len(self.visible)

    def weighed(self, visible: np.ndarray, bm25: Bm25) -> Index:
        """This index ranking the rows ``visible`` with the matrix ``bm25`` instead of its own:
        a shard weighed with the statistics of the whole corpus (:mod:`retrieval.sharded`).
        Document ids are positions in ``visible``."""
        view = copy.copy(self)
        view._base = self  # keeps this index, and its reader mark, open while the view lives
        view.visible, view.bm25 = visible, bm25
        view.max_idf = float(bm25.idf_array.max()) if len(bm25.idf_array) else 1.0
        view._passages = _Recent(CACHED_ITEMS)
        view.stats = self.stats.model_copy(update={"passages": len(visible),
                                                   "articles": self.articles_of(visible)})
        return view

    def articles_of(self, rows: np.ndarray) -> int:
        """The number of articles ``rows`` (passage rows) come from."""
        return len(np.unique(np.asarray(self.article_index)[np.asarray(rows)]))

    @property
    def files(self) -> list[dict]:
        """The corpus files indexed: path, size, mtime_ns, replaced bytes, read error."""
        return json.loads((self.folder / "files.json").read_text(encoding="utf-8"))

    def idf(self, term: str) -> float:
        return self.bm25.idf(self.term_id(term))

    def top(self, query: Sequence[str], k: int,
            weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
        return self.bm25.top([self.term_id(t) for t in query], k, weights)

    def doc_text(self, doc: int) -> str:
        """A ranked passage's text, without making its Passage (places are checked on it)."""
        return self.texts[int(self.visible[doc])]

    def doc_tokens(self, doc: int) -> list[str]:
        return [self.vocab[int(t)] for t in self.tokens[int(self.visible[doc])]]

    def article(self, i: int) -> Article:
        return self._articles.get(i, self._read_article)

    def passage(self, doc: int) -> Passage:
        return self._passages.get(doc, self._read_passage)

    def _read_article(self, i: int) -> Article:
        return Article.model_validate_json(self.article_json.raw(i))

    def _read_passage(self, doc: int) -> Passage:
        row = int(self.visible[doc])
        article = self.article(int(self.article_index[row]))
        text = self.texts[row]
        position = int(self.position[row])
        return Passage.reading(PassageSpans(text, self.res), id=f"{article.id}:{position}",
                               article_id=article.id, position=position, text=text,
                               original=self.originals[row] or None)

    def article_of_doc(self, doc: int) -> Article:
        return self.article(int(self.article_index[int(self.visible[doc])]))

    def passages(self) -> list[Passage]:
        return [self.passage(d) for d in range(len(self))]

    def iter_articles(self) -> Iterator[Article]:
        """The articles that have indexed passages, in corpus order, read one at a time."""
        used = np.unique(np.asarray(self.article_index)[np.asarray(self.visible)])
        return (self.article(int(i)) for i in used)

    @property
    def articles(self) -> dict[str, Article]:
        return {a.id: a for a in self.iter_articles()}


# --- building a version ------------------------------------------------------------------

@dataclass
class _Columns:
    """Everything stored for the passages and articles of the files kept in a version."""

    files: list[dict]
    articles: list[Article]
    article_file: list[int]
    texts: list[str]
    originals: list[str]  # the text in its file's script; "" when that is the text itself
    tokens: Ragged
    article_index: np.ndarray
    position: np.ndarray
    keys: np.ndarray
    passage_file: np.ndarray
    lengths: np.ndarray
    vocab: list[str]


def _kept_columns(old: Index, keep: set[str]) -> _Columns:
    """The old version's rows of the files in ``keep``."""
    old_files = old.files
    file_map = {i: n for n, i in enumerate(i for i, f in enumerate(old_files) if f["path"] in keep)}
    files = [old_files[i] for i in file_map]
    a_file = np.asarray(old.article_file)
    a_rows = np.flatnonzero(np.isin(a_file, list(file_map)))
    article_map = np.full(len(a_file), -1, dtype=np.int64)
    article_map[a_rows] = np.arange(len(a_rows))
    p_file = np.asarray(old.passage_file)
    rows = np.flatnonzero(np.isin(p_file, list(file_map)))
    remap_file = np.vectorize(file_map.get, otypes=[np.int32])
    return _Columns(
        files=files,
        articles=[old._read_article(int(i)) for i in a_rows],
        article_file=[file_map[int(a_file[i])] for i in a_rows],
        texts=[old.texts[int(r)] for r in rows],
        originals=[old.originals[int(r)] for r in rows],
        tokens=old.tokens.take(rows),
        article_index=article_map[np.asarray(old.article_index)[rows]].astype(np.int32),
        position=np.asarray(old.position)[rows],
        keys=np.asarray(old.keys)[rows],
        passage_file=remap_file(p_file[rows]) if len(rows) else np.zeros(0, np.int32),
        lengths=np.asarray(old.lengths)[rows],
        vocab=list(old.vocab),
    )


def _add_results(cols: _Columns, results: Iterable[FileResult]) -> tuple[_Columns, list[str]]:
    """The kept columns with the newly read files appended, taken as they stream in (each
    producer's new term strings become ids at once, its token numbers ids through them); the
    vocabulary merged and every token id renumbered (ids are positions in the sorted
    vocabulary). Also the files that failed, as "path: why"."""
    files, articles, article_file = list(cols.files), list(cols.articles), list(cols.article_file)
    texts, originals = list(cols.texts), list(cols.originals)
    seen: dict[str, int] = {}  # term → its id until the vocabulary is sorted
    # A producer's term numbers → ids in ``seen`` (read through transient numpy views: an array
    # that exports a buffer cannot grow).
    producers: dict[int, array[int]] = {}
    flat: list[np.ndarray] = []  # each file's token ids
    offsets = [0]
    a_idx: list[int] = []
    pos: list[int] = []
    keys: list[int] = []
    p_file: list[int] = []
    lengths: list[int] = []
    for r in results:
        if not r.part:
            files.append({"path": r.path, "size": r.size, "mtime_ns": r.mtime_ns,
                          "replaced": r.replaced, "error": r.error})
        elif r.error:  # a run of a large file: the rest of it is kept, the file reported
            files[-1]["error"] = r.error
        f = len(files) - 1
        base = len(articles)
        articles += r.articles
        article_file += [f] * len(r.articles)
        ids = producers.setdefault(r.producer, array("i"))
        if r.terms:  # the producer's new terms: one look-up each; ids are renumbered below
            ids.extend([seen.setdefault(t, len(seen)) for t in r.terms])
        if not r.passages:
            continue
        # A file's passages column by column, in built-in loops: a Python step per passage and
        # per token was the most of this process's time in a large build.
        article, position, text, original, tokens = zip(*r.passages, strict=True)
        texts += text
        originals += original
        a_idx += [base + a for a in article]
        pos += position
        keys += map(passage_key, text)
        p_file += [f] * len(text)
        lengths += map(len, text)
        local = np.frombuffer(b"".join(tokens), np.int32)
        flat.append(np.frombuffer(ids, np.int32)[local])
        offsets += islice(accumulate((len(t) // 4 for t in tokens), initial=offsets[-1]), 1, None)
    vocab = sorted(set(cols.vocab) | seen.keys())
    term_id = {t: i for i, t in enumerate(vocab)}
    old_to_new = np.fromiter((term_id[t] for t in cols.vocab), dtype=np.int32,
                             count=len(cols.vocab))
    new_to_new = np.fromiter((term_id[t] for t in seen), dtype=np.int32, count=len(seen))
    old_tokens = Ragged(old_to_new[np.asarray(cols.tokens.flat)] if len(cols.tokens.flat)
                        else np.zeros(0, np.int32), cols.tokens.offsets)
    new_flat = np.concatenate(flat) if flat else np.zeros(0, np.int32)
    new_tokens = Ragged(new_to_new[new_flat] if len(new_flat) else new_flat,
                        np.asarray(offsets, dtype=np.int64))
    failed = [f"{entry['path']}: {entry['error']}" for entry in files[len(cols.files):]
              if entry.get("error")]
    return _Columns(
        files=files, articles=articles, article_file=article_file, texts=texts,
        originals=originals,
        tokens=concat_ragged([old_tokens, new_tokens]),
        article_index=np.concatenate([cols.article_index, np.asarray(a_idx, np.int32)]),
        position=np.concatenate([cols.position, np.asarray(pos, np.int32)]),
        keys=np.concatenate([cols.keys, np.asarray(keys, np.int64)]),
        passage_file=np.concatenate([cols.passage_file, np.asarray(p_file, np.int32)]),
        lengths=np.concatenate([cols.lengths, np.asarray(lengths, np.int32)]),
        vocab=vocab,
    ), failed


def _in_path_order(cols: _Columns) -> _Columns:
    """The columns with files in order of their path, and articles and passages in the order
    of their file, then their own. Document ids, which break exact ties, then follow (file
    path, position), so an index updated file by file and one rebuilt at once rank alike."""
    paths = [f["path"] for f in cols.files]
    order = sorted(range(len(paths)), key=paths.__getitem__)
    if order == list(range(len(paths))):
        return cols
    new_file = np.empty(len(order), dtype=np.int64)
    new_file[order] = np.arange(len(order))
    a_file = new_file[np.asarray(cols.article_file, dtype=np.int64)]
    a_order = np.lexsort((np.arange(len(a_file)), a_file))
    new_article = np.empty(len(a_order), dtype=np.int64)
    new_article[a_order] = np.arange(len(a_order))
    rows = np.lexsort((np.arange(len(cols.passage_file)), new_file[cols.passage_file]))
    pick = rows.tolist()
    return _Columns(
        files=[cols.files[i] for i in order],
        articles=[cols.articles[i] for i in a_order.tolist()],
        article_file=a_file[a_order].tolist(),
        texts=[cols.texts[i] for i in pick], originals=[cols.originals[i] for i in pick],
        tokens=cols.tokens.take(rows),
        article_index=new_article[cols.article_index[rows]].astype(np.int32),
        position=cols.position[rows], keys=cols.keys[rows],
        passage_file=new_file[cols.passage_file[rows]].astype(np.int32),
        lengths=cols.lengths[rows], vocab=cols.vocab,
    )


def _write(cols: _Columns, folder: Path, key: str, corpus: Path, roots: list[str],
           skipped: list[str], folders: dict[str, int], empty_ok: bool = False) -> None:
    cols = _in_path_order(cols)
    articles = cols.articles
    rows_of: list[list[int]] = [[] for _ in articles]
    for row, a in enumerate(cols.article_index.tolist()):
        rows_of[a].append(row)
    visible = np.asarray(visible_rows(
        articles, rows_of, key=lambda r: int(cols.keys[r]), text=lambda r: cols.texts[r],
        length=lambda r: int(cols.lengths[r])), dtype=np.int32)
    if not len(visible) and not empty_ok:
        raise corpus_mod.CorpusError(f"no article text found in {corpus}")
    # The score matrix is built beside the writing of the text columns: its compiled loops and
    # numpy's sort let go of the interpreter, and the workers are done with the cores.
    with ThreadPoolExecutor(1) as matrix:
        building = matrix.submit(Bm25.build, cols.tokens.take(visible), len(cols.vocab))
        save_strings(folder, "passage_text", cols.texts)
        save_strings(folder, "passage_original", cols.originals)
        bm25 = building.result()
    cols.tokens.save(folder, "passage_tokens")
    for column, values in (("passage_article", cols.article_index), ("passage_key", cols.keys),
                           ("passage_file", cols.passage_file),
                           ("passage_position", cols.position), ("passage_length", cols.lengths)):
        save_array(folder, column, values)
    save_strings(folder, "articles", (a.model_dump_json() for a in articles))
    save_array(folder, "article_file", np.asarray(cols.article_file, dtype=np.int32))
    save_strings(folder, "vocab", cols.vocab)
    Lookup.save(folder, "vocab", cols.vocab)
    save_array(folder, "visible", visible)
    bm25.save(folder)
    used_articles = len(set(cols.article_index[visible].tolist()))
    stats = CorpusStats(
        files=sum(1 for f in cols.files if not f.get("error")), articles=used_articles,
        passages=len(visible), replaced_bytes=sum(f.get("replaced", 0) for f in cols.files),
        skipped_files=tuple(skipped),
        indexed_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    # Read only when the corpus changed: a large corpus's list should not slow every start.
    (folder / "files.json").write_text(json.dumps(cols.files, ensure_ascii=False), "utf-8")
    manifest = {"format": FORMAT, "key": key, "corpus": str(corpus), "roots": roots,
                "folders": folders, "stats": stats.model_dump(mode="json"),
                "checksums": checksums.record(folder)}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")


def _scan(roots: Sequence[Path]
          ) -> tuple[dict[str, corpus_mod.FileInfo], dict[str, int], list[str]]:
    """Corpus files by their key (the path under the first root; under an added root, the
    root's name first), every folder's mtime under the same keys, and the entries skipped (a
    symlink loop) as "key: why"."""
    found: dict[str, corpus_mod.FileInfo] = {}
    folders: dict[str, int] = {}
    skipped: list[str] = []
    for n, root in enumerate(roots):
        prefix = "" if n == 0 else f"{root.name}/"
        scanned = corpus_mod.scan(root)
        found.update((prefix + f.rel, f) for f in scanned.files)
        folders.update((str(root / rel), mtime) for rel, mtime in scanned.folders.items())
        skipped += [prefix + s for s in scanned.skipped]
    return found, folders, skipped


def _same(info: corpus_mod.FileInfo, entry: dict) -> bool:
    """A file unchanged since it was indexed (and read without error then)."""
    return (info.size == entry["size"] and info.mtime_ns == entry["mtime_ns"]
            and not entry.get("error"))


OPEN_TRIES = 5  # times CURRENT is read again when the version it named was just removed


def _open_current(root: Path, res: Resources, notice: Notice, verify: bool | None = None
                  ) -> Index | None:
    for _ in range(OPEN_TRIES):
        try:
            version = current_version(root)
        except ValueError:
            notice(f"索引缓存 {root / 'CURRENT'} 已损坏,正在重建")
            return None
        if version is None:
            return None
        try:
            manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT or manifest["key"].split(":")[0] != code_version():
                notice("赣问已更新,正在重建索引")
                return None
            index = Index(version, res, verify)
        except checksums.Damaged as exc:
            notice(f"索引缓存 {version} 已损坏({exc}),正在重建")
            return None
        except (FileNotFoundError, VersionGone):
            if _still_current(root) != version:
                continue  # another process published a newer version and removed this one
            notice(f"索引缓存 {version} 无法读取(文件缺失),正在重建")
            return None
        except Exception as exc:  # any unreadable index is rebuilt, whatever broke it
            notice(f"索引缓存 {version} 无法读取({type(exc).__name__}),正在重建")
            return None
        versions.tidy(root, version)
        return index
    return None


def _still_current(root: Path) -> Path | None:
    try:
        return current_version(root)
    except ValueError:
        return None


def open_index(
    folder: Path, res: Resources | None = None, notice: Notice = lambda _: None, *,
    rebuild: bool = False, add: Sequence[Path] = (), check_files: bool | None = None,
    verify: bool | None = None, shard: Shard | None = None, workers: int | None = None,
) -> Index:
    """The index of ``folder``: the cached one when current and undamaged (``verify``: its
    contents compared with their checksums; by default only for a small index), else updated
    and published. With ``shard`` (i, S), the index of the files of shard i of S
    (:func:`shard_of`) alone, cached apart; it may hold no passage.

    ``add`` names further folders whose articles join this index from now on. Whether the
    cached index is current is decided file by file for corpora under QUICK_CHECK_FROM files
    (or with ``check_files``), else by the folders' modification times, so that a process
    serving a large archive starts without a stat per file. Processes sharing the cache folder
    update one at a time; one that waited finds the corpus indexed by the other. ``workers``:
    the processes that read files (default: one per core).
    """
    corpus_mod.check_folder(folder)  # a clear error for a missing folder before anything else
    root = index_root(folder, shard)
    res = res or load_resources()
    old = None if rebuild else _open_current(root, res, notice, verify)
    roots = indexed_roots(folder, old.manifest["roots"] if old else [], add)
    quick = check_files is False or (check_files is None and old is not None
                                     and old.stats.files >= QUICK_CHECK_FROM)
    if (quick and old is not None and old.manifest["roots"] == roots
            and corpus_mod.folders_unchanged(old.manifest.get("folders", {}))):
        return old
    found, folders, unreadable = _scan([Path(r) for r in roots])
    if shard is not None:
        i, shards = shard
        found = {k: f for k, f in found.items() if shard_of(k, shards) == i}
        unreadable = [u for u in unreadable if shard_of(u.split(": ", 1)[0], shards) == i]
    key = _key(found)
    if old is not None and old.key == key and old.manifest["roots"] == roots:
        return old
    root.mkdir(parents=True, exist_ok=True)
    with versions.update_lock(root, lambda: notice("另一个进程正在更新索引,等待其完成")):
        if not rebuild:  # what another process published while this one scanned or waited
            latest = _open_current(root, res, lambda _: None, verify)
            if latest is not None and latest.key == key and latest.manifest["roots"] == roots:
                return latest
            old = latest
        return _update(folder, root, old, roots, found, folders, unreadable, key, res, notice,
                       empty_ok=shard is not None, workers=workers)


def indexed_roots(folder: Path, old_roots: Sequence[str], add: Sequence[Path]) -> list[str]:
    """The folders indexed: ``folder``, those added before (``old_roots``, as the last version
    recorded them), then those added now."""
    roots = [str(folder.resolve())] + list(old_roots[1:])
    return roots + [str(Path(a).resolve()) for a in add if str(Path(a).resolve()) not in roots]


def _key(found: dict[str, corpus_mod.FileInfo]) -> str:
    """The index key of a corpus: this code's version and every file's name, size and time."""
    fingerprint = hashlib.sha256(json.dumps(sorted(
        (k, f.size, f.mtime_ns) for k, f in found.items())).encode()).hexdigest()[:16]
    return f"{code_version()}:{fingerprint}"


def _update(folder: Path, root: Path, old: Index | None, roots: list[str],
            found: dict[str, corpus_mod.FileInfo], folders: dict[str, int], unreadable: list[str],
            key: str, res: Resources, notice: Notice, empty_ok: bool = False,
            workers: int | None = None) -> Index:
    """Read the new and changed files, write a version with the unchanged files' rows kept,
    and publish it (under the update lock); ``empty_ok``: a version may hold no passage."""
    known = {f["path"]: f for f in old.files} if old else {}
    unchanged = {k for k, f in found.items() if k in known and _same(f, known[k])}
    todo = [k for k in found if k not in unchanged]
    if old is not None:
        removed = len(set(known) - set(found))
        notice(f"语料有变化:新增或改动{len(todo)}个文件,删除{removed}个,正在更新")
    started = time.monotonic()
    # The per-file pipeline (cleaning, jieba, figures, names) loads only when files change: a
    # process that answers from a current index never imports it.
    from .ingest import read_files

    paths = [Path(found[k].path) for k in todo]
    results = read_files([(p.parent, p, k) for p, k in zip(paths, todo, strict=True)], res,
                         workers)
    cols, failed = _add_results(
        _kept_columns(old, unchanged) if old is not None else _empty_columns(), results)
    # A file read with an error is never unchanged (see _same): it is read again each time,
    # so the files skipped are those of this update's results.
    skipped = unreadable + failed
    target = versions.new_version(root)
    tmp = root / f"{target.name}.tmp"
    tmp.mkdir()
    try:
        _write(cols, tmp, key, folder, roots, skipped, folders, empty_ok)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    index = Index(target, res)  # marked as read before older versions are removed
    versions.publish(root, target)
    res.freeze_table()
    if todo and time.monotonic() - started > 5:
        notice(f"已索引{len(todo)}个文件,用时{time.monotonic() - started:.0f}秒")
    return index


def _empty_columns() -> _Columns:
    return _Columns(files=[], articles=[], article_file=[], texts=[], originals=[],
                    tokens=Ragged(np.zeros(0, np.int32), np.zeros(1, np.int64)),
                    article_index=np.zeros(0, np.int32), position=np.zeros(0, np.int32),
                    keys=np.zeros(0, np.int64), passage_file=np.zeros(0, np.int32),
                    lengths=np.zeros(0, np.int32), vocab=[])
