"""Several processes sharing one cache folder: they update an index one at a time, a version
another process has open is never removed under it, and racing starts after a corpus change
all answer."""

from __future__ import annotations

import gc
import shutil
import subprocess
import sys
import threading
import time

import pytest

from retrieval import index as index_mod
from retrieval import versions
from tests.helpers import ROOT, SEEDS

ARTICLE = "赣州经开区医疗床位总数达3910张,新增医疗床位1290张。全区村均集体经营性收入60.54万元。"
# A process that opens the index of the folder given and prints its key, or its error.
OPEN = ("import sys; from pathlib import Path; from retrieval.index import open_index; "
        "print(open_index(Path(sys.argv[1]), rebuild=sys.argv[2] == 'rebuild').key)")


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


def _start(corpus, mode: str = "open") -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", OPEN, str(corpus), mode], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(processes: list[subprocess.Popen]) -> list[str]:
    outs = []
    for p in processes:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err[-2000:]
        outs.append(out.strip())
    return outs


def test_a_version_open_in_another_process_is_kept(res, corpus):
    """Another process publishing a new version leaves this one's version in place (it may
    still read files of it), and the next start removes it once nobody has it open."""
    first = index_mod.open_index(corpus, res)
    (corpus / "new.txt").write_text(ARTICLE, encoding="utf-8")
    [key] = _finish([_start(corpus)])
    root = index_mod.index_root(corpus)
    assert key != first.key and index_mod.current_version(root) != first.folder
    assert first.folder.is_dir() and len(first.files) == 5  # files.json is read only now
    folder = first.folder
    del first
    gc.collect()
    index_mod.open_index(corpus, res)
    assert not folder.exists()
    assert [p.name for p in root.glob("v*")] == [index_mod.current_version(root).name]


def test_an_update_waits_for_another_in_progress(res, corpus):
    """While another process holds the update lock, an update waits (saying so once) and
    then finds nothing of the other's removed."""
    index_mod.open_index(corpus, res)
    root = index_mod.index_root(corpus)
    held, release = threading.Event(), threading.Event()
    other = root / "v1.tmp"

    def hold() -> None:
        with versions.update_lock(root):
            other.mkdir()  # another writer's unfinished version
            held.set()
            release.wait(30)
            other.rmdir()

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(30)
    (corpus / "new.txt").write_text(ARTICLE, encoding="utf-8")
    notices: list[str] = []
    waiter = threading.Thread(target=lambda: index_mod.open_index(corpus, res, notices.append))
    waiter.start()
    time.sleep(0.5)
    assert waiter.is_alive() and other.is_dir()  # waiting, the other's folder untouched
    release.set()
    thread.join(30)
    waiter.join(60)
    assert notices[0] == "另一个进程正在更新索引,等待其完成" and len(notices) == 2


def test_processes_starting_together_after_a_change_all_answer(res, corpus):
    """Six processes started at once after a corpus change and two rebuilding at once: every
    one finishes (once, publishing removed the versions others were reading or writing), all
    with the same index, and one version is left."""
    index_mod.open_index(corpus, res)
    (corpus / "new.txt").write_text(ARTICLE, encoding="utf-8")
    processes = [_start(corpus, "rebuild" if n < 2 else "open") for n in range(6)]
    keys = _finish(processes)
    assert len(set(keys)) == 1
    latest = index_mod.open_index(corpus, res)
    assert latest.key == keys[0] and latest.stats.files == 6
    root = index_mod.index_root(corpus)
    assert [p.name for p in root.glob("v*")] == [latest.folder.name]


def test_a_damaged_current_file_is_a_notice_not_a_crash(res, corpus):
    index = index_mod.open_index(corpus, res)
    (index_mod.index_root(corpus) / "CURRENT").write_bytes(b"\xff\xfe\x00garbage")
    notices: list[str] = []
    again = index_mod.open_index(corpus, res, notices.append)
    assert again.stats.passages == index.stats.passages and "已损坏" in notices[0]
