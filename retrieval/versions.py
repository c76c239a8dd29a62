"""Index versions in a cache folder shared by several processes: which one is current, who may
write a new one, and which old ones may go.

An index root holds numbered version folders (``v<time_ns>``, written as ``v….tmp`` and
renamed when complete) and a ``CURRENT`` file naming the one in use, replaced atomically.
Processes coordinate through two kinds of lock:

- **the update lock** (``update.lock``, a :mod:`filelock` lock): one process at a time writes
  a version and publishes it; the others wait, then find the corpus already indexed.
- **reader marks**: an open :class:`~retrieval.index.Index` holds a shared ``flock`` on its
  version's manifest for as long as it lives. A version is removed only when it is older than
  the one just published and no process holds its mark (an exclusive lock on it succeeds).
  A process that read ``CURRENT`` just before its version went simply reads ``CURRENT`` again.

The marks are hand-written over ``fcntl.flock`` because filelock's locks are exclusive only
(its read-write lock is a SQLite database per lock). Where ``fcntl`` is missing (Windows) a
version is never marked; there an open, memory-mapped file cannot be deleted anyway, so
removal leaves a version in use where it is.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from filelock import FileLock, Timeout

if sys.platform != "win32":
    import fcntl

    def _lock(f: IO[bytes], exclusive: bool) -> bool:
        """Take a shared or an exclusive lock on ``f`` if no other holder prevents it."""
        try:
            fcntl.flock(f, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except OSError:
            return False
        return True
else:  # pragma: no cover - Windows: an open, memory-mapped file cannot be deleted anyway
    def _lock(f: IO[bytes], exclusive: bool) -> bool:
        return True

VERSION = re.compile(r"v(\d+)")
MANIFEST = "manifest.json"


def current_version(root: Path) -> Path | None:
    """The version ``CURRENT`` names, if any (the folder may be gone: check when opening);
    ValueError if CURRENT holds anything but a version's name (it was damaged)."""
    try:
        data = (root / "CURRENT").read_bytes()
    except OSError:
        return None
    name = data.decode("ascii", errors="replace").strip()
    if not VERSION.fullmatch(name):
        raise ValueError(f"CURRENT names no version: {name[:40]!r}")
    return root / name


def new_version(root: Path) -> Path:
    """A name for the next version, later than every existing one."""
    latest = max((int(m[1]) for p in root.iterdir() if (m := VERSION.fullmatch(p.name))),
                 default=0)
    return root / f"v{max(time.time_ns(), latest + 1)}"


@contextlib.contextmanager
def update_lock(root: Path, waiting: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Hold the right to write and publish a version of ``root``; ``waiting`` is called once
    if another process holds it now. Temporary folders found then were left by a process that
    died while writing (only the holder writes one) and are removed."""
    lock = FileLock(root / "update.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        waiting()
        lock.acquire()
    try:
        for tmp in root.glob("v*.tmp"):
            shutil.rmtree(tmp, ignore_errors=True)
        yield
    finally:
        lock.release()


def publish(root: Path, version: Path) -> None:
    """Point CURRENT at ``version`` atomically (the caller holds the update lock), then remove
    the older versions no process has open."""
    tmp = root / f"CURRENT.{os.getpid()}.tmp"
    tmp.write_text(version.name, encoding="utf-8")
    os.replace(tmp, root / "CURRENT")
    remove_unused(root, version)


def remove_unused(root: Path, current: Path) -> list[Path]:
    """Remove the finished versions older than ``current`` that no reader holds; returns them."""
    newest = VERSION.fullmatch(current.name)
    if newest is None:
        return []
    removed = []
    for old in root.iterdir():
        m = VERSION.fullmatch(old.name)
        if m and int(m[1]) < int(newest[1]) and old.is_dir():
            with _claimed(old) as unused:
                if unused:
                    shutil.rmtree(old, ignore_errors=True)
                    removed.append(old)
    return removed


def tidy(root: Path, current: Path) -> None:
    """Remove unused old versions if no process is updating now (called when an index is
    opened, so a version its last reader left goes at the next start); never waits."""
    lock = FileLock(root / "update.lock")
    try:
        lock.acquire(timeout=0)
    except (Timeout, OSError):  # someone is updating, or the cache is read-only
        return
    try:
        remove_unused(root, current)
    finally:
        lock.release()


@contextlib.contextmanager
def _claimed(version: Path) -> Iterator[bool]:
    """Whether no reader holds ``version``; if so, none can mark it until the block ends (a
    reader arriving meanwhile is told the version is gone)."""
    try:
        f = (version / MANIFEST).open("rb")
    except FileNotFoundError:
        yield True  # never finished, or half removed
        return
    except OSError:
        yield False
        return
    with f:
        yield _lock(f, exclusive=True)


class VersionGone(Exception):
    """The version was removed between reading CURRENT and opening it: read CURRENT again."""


def mark_reading(version: Path) -> IO[bytes]:
    """A reader's mark on ``version``, held while the returned file stays open."""
    try:
        f = (version / MANIFEST).open("rb")
    except FileNotFoundError as exc:
        raise VersionGone(version) from exc
    if not _lock(f, exclusive=False):  # being removed right now
        f.close()
        raise VersionGone(version)
    return f
