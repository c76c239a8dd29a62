"""Columns on disk: how an index folder stores arrays and strings so that opening it costs
nothing and serving a million passages does not hold them in private memory.

Arrays are ``.npy`` files opened with ``mmap_mode="r"``. A column of strings is one UTF-8 blob
and an offsets array; reading item ``i`` decodes just that slice. (Publishing a finished folder
atomically is :mod:`retrieval.index`'s business.)

Hand-written: numpy gives memory-mapped arrays but no ragged string column; the usual stores
(SQLite, Arrow, LMDB) would add a dependency and a copy for what is a blob and an offsets array.
"""

from __future__ import annotations

import itertools
import zlib
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import overload

import numpy as np

BLOB = ".bin"
WRITE_BATCH = 65_536  # strings encoded and written at a time
LOOKUPS_REMEMBERED = 100_000  # strings whose position a Lookup keeps (~10 MB at most)


def save_array(folder: Path, name: str, array: np.ndarray) -> None:
    np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)


def open_array(folder: Path, name: str) -> np.ndarray:
    path = folder / f"{name}.npy"
    # An empty array cannot be memory-mapped; it costs nothing to read.
    if path.stat().st_size <= 128:
        return np.load(path, allow_pickle=False)
    # A plain ndarray over the map: np.memmap's Python-level slicing costs microseconds a call.
    return np.load(path, mmap_mode="r", allow_pickle=False).view(np.ndarray)


def save_strings(folder: Path, name: str, items: Iterable[str | bytes]) -> int:
    """Write a string column; returns the number of items."""
    lengths = array("q")
    with (folder / f"{name}{BLOB}").open("wb") as f:
        # One write per batch, not per item (a frozen jieba table is 500,000 of them), and
        # never a whole column of texts encoded at once.
        rest = iter(items)
        for batch in iter(lambda: list(itertools.islice(rest, WRITE_BATCH)), []):
            encoded = [item.encode("utf-8") if isinstance(item, str) else item for item in batch]
            lengths.extend(map(len, encoded))
            f.write(b"".join(encoded))
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.frombuffer(lengths, dtype=np.int64), out=offsets[1:])
    save_array(folder, f"{name}.offsets", offsets)
    return len(lengths)


class Strings(Sequence[str]):
    """A read-only string column: a memory-mapped blob and its offsets."""

    def __init__(self, folder: Path, name: str):
        self.offsets = open_array(folder, f"{name}.offsets")
        blob = folder / f"{name}{BLOB}"
        self.blob = (np.memmap(blob, dtype=np.uint8, mode="r").view(np.ndarray)
                     if blob.stat().st_size else np.zeros(0, dtype=np.uint8))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def raw(self, i: int) -> bytes:
        return self.blob[self.offsets[i]:self.offsets[i + 1]].tobytes()

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.raw(i).decode("utf-8")


class Ragged:
    """A ragged int32 column (a list of id lists): one flat array and its offsets."""

    def __init__(self, flat: np.ndarray, offsets: np.ndarray):
        self.flat, self.offsets = flat, offsets

    @classmethod
    def from_lists(cls, lists: Sequence[Sequence[int]]) -> Ragged:
        lengths = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        flat = (np.fromiter((v for x in lists for v in x), dtype=np.int32, count=int(offsets[-1]))
                if len(lists) else np.zeros(0, dtype=np.int32))
        return cls(flat, offsets)

    @classmethod
    def open(cls, folder: Path, name: str) -> Ragged:
        return cls(open_array(folder, name), open_array(folder, f"{name}.offsets"))

    def save(self, folder: Path, name: str) -> None:
        save_array(folder, name, self.flat)
        save_array(folder, f"{name}.offsets", self.offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> np.ndarray:
        return self.flat[self.offsets[i]:self.offsets[i + 1]]

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def take(self, rows: np.ndarray) -> Ragged:
        """The rows ``rows`` (in that order) as a ragged column: this one when they are all
        its rows in order (every passage visible: at a million passages, gathering them again
        took seconds and a copy of every token)."""
        if len(rows) == len(self) and np.array_equal(rows, np.arange(len(self))):
            return self
        lengths = self.lengths()[rows]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        if not len(rows):
            return Ragged(np.zeros(0, dtype=np.int32), offsets)
        starts = self.offsets[rows]
        # Positions of every element of the chosen rows, without a Python loop over rows.
        index = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])
        return Ragged(np.asarray(self.flat)[index], offsets)


def string_hash(text: str) -> int:
    """A stable hash (Python's own changes from process to process): the CRC-32 of the
    text's UTF-8, in C. 32 bits are enough: :class:`Lookup` compares the strings of equal
    hashes, and a million strings share one with another now and then."""
    return zlib.crc32(text.encode())


def string_hashes(items: Iterable[str]) -> np.ndarray:
    """:func:`string_hash` of every item, as one array (no Python int kept per item: a frozen
    jieba table has 500,000)."""
    return np.fromiter(map(zlib.crc32, map(str.encode, items)), dtype=np.int64)


class Lookup:
    """Position of a string in a sorted string column, by binary search over its hashes
    rather than over the strings: one searchsorted instead of ~20 decoded comparisons."""

    def __init__(self, strings: Strings, hashes: np.ndarray, order: np.ndarray):
        self.strings, self.hashes, self.order = strings, hashes, order
        # Answering looks a question's words up again and again (each word's IDF, for every
        # passage weighed): ~90 look-ups a question, a fifth of its time at a million passages.
        # Bounded; a plain dict is safe to share between threads.
        self._known: dict[str, int | None] = {}

    @staticmethod
    def save(folder: Path, name: str, items: Sequence[str]) -> None:
        hashes = string_hashes(items)
        order = np.argsort(hashes, kind="stable").astype(np.int32)
        save_array(folder, f"{name}.hash", hashes[order])
        save_array(folder, f"{name}.hash_order", order)

    @classmethod
    def open(cls, folder: Path, name: str, strings: Strings) -> Lookup:
        return cls(strings, open_array(folder, f"{name}.hash"),
                   open_array(folder, f"{name}.hash_order"))

    def __call__(self, text: str) -> int | None:
        try:
            return self._known[text]
        except KeyError:
            pass
        found = self._find(text)
        if len(self._known) >= LOOKUPS_REMEMBERED:
            self._known.clear()
        self._known[text] = found
        return found

    def _find(self, text: str) -> int | None:
        h = string_hash(text)
        i = int(np.searchsorted(self.hashes, h))
        while i < len(self.hashes) and self.hashes[i] == h:
            if self.strings[int(self.order[i])] == text:
                return int(self.order[i])
            i += 1
        return None


def concat_ragged(parts: Sequence[Ragged]) -> Ragged:
    parts = [p for p in parts if len(p)]
    if not parts:
        return Ragged(np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64))
    flat = np.concatenate([np.asarray(p.flat[p.offsets[0]:p.offsets[-1]]) for p in parts])
    lengths = np.concatenate([p.lengths() for p in parts])
    return Ragged(flat.astype(np.int32), np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
