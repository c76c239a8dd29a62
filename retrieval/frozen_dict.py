"""jieba's word-frequency table memory-mapped, so a process that only tokenizes questions starts
without loading it; with each word's part-of-speech tag beside it, by which names are told.

jieba keeps its dictionary (every word and every prefix of one, ~500,000 entries) in a dict that
takes 0.5–0.8 s to unmarshal at every start, most of a warm ``ganwen ask``. A tokenizer reads it
only through ``in``, ``[]`` and ``.get`` with the total frequency beside it, so the same table,
written once as a string column with a hash lookup (:mod:`retrieval.store`), serves a
question's few hundred look-ups in well under a millisecond, giving the very same segmentation.
Long texts (indexing) still use the real dict: per look-up it is much faster.

Hand-written: cppjieba-mmap and the jieba ports bring other tokenizers, not jieba's own
segmentation with the project dictionary.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from itertools import repeat
from pathlib import Path
from typing import TypeVar, overload

import jieba
import numpy as np

from . import checksums
from .store import Lookup, Strings, open_array, save_array, save_strings

T = TypeVar("T")
FORMAT = 3  # 2: looked up by CRC-32 (store.string_hash); 3: the words' tags


class FrozenFreq(Mapping[str, int]):
    """A read-only FREQ: word or prefix → frequency (0 for a prefix that is no word); and a
    word's tag (:meth:`tag`)."""

    def __init__(self, folder: Path, tag_names: Sequence[str]):
        self.keys_ = Strings(folder, "freq_keys")
        # Not ``values``: that would hide Mapping.values().
        self.freqs = open_array(folder, "freq_values")
        # Each entry's tag as a number: 0 for none (a prefix, a word with no tag), else its
        # place in ``tag_names`` + 1. Numbers, not strings: a first start writes the table.
        self.tag_numbers = open_array(folder, "freq_tags")
        self.tag_names = (None, *tag_names)
        self.lookup = Lookup.open(folder, "freq_keys", self.keys_)
        # jieba asks for every prefix of every position, and a question's words come back in
        # its parts, its everyday phrases and the next question: the lookup remembers them.

    def tag(self, word: str) -> str | None:
        """``word``'s part-of-speech tag; None when it is no word of the table."""
        i = self.lookup(word)
        return None if i is None or not self.freqs[i] else self.tag_names[self.tag_numbers[i]]

    def _freq(self, key: str) -> int | None:
        i = self.lookup(key)
        return None if i is None else int(self.freqs[i])

    def __getitem__(self, key: str) -> int:
        freq = self._freq(key)
        if freq is None:
            raise KeyError(key)
        return freq

    @overload
    def get(self, key: str) -> int | None: ...
    @overload
    def get(self, key: str, default: int | T) -> int | T: ...
    def get(self, key: str, default: object = None) -> object:
        freq = self._freq(key)
        return default if freq is None else freq

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._freq(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys_)

    def __len__(self) -> int:
        return len(self.keys_)


def _key(userdict: Path) -> str:
    h = hashlib.sha256(f"{FORMAT} {jieba.__version__}".encode())
    h.update(userdict.read_bytes())
    return h.hexdigest()[:12]


def _meta(target: Path) -> dict | None:
    """The table's meta data, or None if it is missing or damaged (then removed, to be
    written again)."""
    try:
        meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
        checksums.check(target, meta["checksums"], contents=True)  # ~12 MB: ~5 ms
        valid = isinstance(meta["total"], int | float) and isinstance(meta["tags"], list)
        return meta if valid else None
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, checksums.Damaged):
        shutil.rmtree(target, ignore_errors=True)
        return None


def frozen_tokenizer(folder: Path, userdict: Path, full: jieba.Tokenizer | None = None,
                     tags: Mapping[str, str] | None = None) -> jieba.Tokenizer:
    """A jieba tokenizer over the memory-mapped table in ``folder`` (written from ``full``, a
    loaded tokenizer with the user dictionary, and its words' ``tags``, the first time)."""
    target = folder / f"jieba-frozen-{_key(userdict)}"
    meta = _meta(target)
    if meta is None:
        if full is None:
            raise FileNotFoundError(target)
        tmp = folder / f"{target.name}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        keys = list(full.FREQ)  # in the table's order: lookups go by hash, not by bisection
        save_strings(tmp, "freq_keys", keys)
        Lookup.save(tmp, "freq_keys", keys)
        save_array(tmp, "freq_values", np.fromiter(full.FREQ.values(), np.int64,
                                                   count=len(keys)))
        tags = tags or {}
        names = sorted(set(tags.values()))
        number: dict[str | None, int] = {t: n for n, t in enumerate(names, 1)}
        save_array(tmp, "freq_tags", np.fromiter(
            map(number.get, map(tags.get, keys), repeat(0)),
            np.uint8 if len(names) < 256 else np.uint16, count=len(keys)))
        sums = checksums.record(tmp)
        (tmp / "meta.json").write_text(json.dumps({"total": full.total, "checksums": sums,
                                                   "tags": names}, ensure_ascii=False))
        try:
            os.replace(tmp, target)
        except OSError:  # another process got there first
            shutil.rmtree(tmp, ignore_errors=True)
        meta = _meta(target)
        if meta is None:
            raise FileNotFoundError(target)
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = FrozenFreq(target, meta["tags"])
    tokenizer.total = meta["total"]
    tokenizer.initialized = True
    return tokenizer
