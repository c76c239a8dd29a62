"""Damage detection for the folders ganwen writes into its cache (index versions, jieba's
frozen table): each file's size and CRC-32, recorded when the folder is written and compared
when it is opened.

Sizes are compared at every open (a stat per file); contents are compared at open only while
the folder is small enough for that to be cheap (CRC-32 runs at ~2–3 GB/s here, so 64 MB costs
~25 ms), and for any size by ``ganwen index --check``. A folder that differs is rebuilt by its
owner with a one-line notice.

Hand-written over :func:`zlib.crc32`: a checksum per file is a loop; the standard library has
the hash, and no cache library fits memory-mapped columns.
"""

from __future__ import annotations

import zlib
from pathlib import Path

CHECK_CONTENTS_UP_TO = 64 << 20  # bytes; a larger folder's contents are checked on request
CHUNK = 1 << 20


class Damaged(Exception):
    """A cache folder differs from what was written: the message names the first file."""


def crc32(path: Path) -> int:
    crc = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def record(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, list[int]]:
    """Every file of ``folder`` (but ``skip``): name → [size, CRC-32]."""
    return {p.name: [p.stat().st_size, crc32(p)] for p in sorted(folder.iterdir())
            if p.is_file() and p.name not in skip}


def check(folder: Path, recorded: dict[str, list[int]], contents: bool | None = None) -> None:
    """Raise :class:`Damaged` if a recorded file is missing, of another size or (when
    ``contents``; by default for folders up to CHECK_CONTENTS_UP_TO) of other bytes."""
    if not isinstance(recorded, dict) or not recorded:
        raise Damaged("no checksums recorded")
    total = 0
    for name, (size, _) in recorded.items():
        try:
            actual = (folder / name).stat().st_size
        except FileNotFoundError:
            raise Damaged(f"{name} is missing") from None
        if actual != size:
            raise Damaged(f"{name} has {actual} bytes, {size} were written")
        total += size
    if contents is None:
        contents = total <= CHECK_CONTENTS_UP_TO
    if contents:
        for name, (_, crc) in recorded.items():
            if crc32(folder / name) != crc:
                raise Damaged(f"{name} differs from what was written")


def sealed(body: bytes) -> bytes:
    """``body`` behind a first line holding its CRC-32, for a small cache file."""
    return f"crc32 {zlib.crc32(body)}\n".encode() + body


def unsealed(data: bytes) -> bytes | None:
    """The body of a :func:`sealed` file, or None if it was damaged."""
    head, _, body = data.partition(b"\n")
    return body if head == f"crc32 {zlib.crc32(body)}".encode() else None
