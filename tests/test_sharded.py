"""A corpus in shards answers as one index (``--shards S`` in this machine's processes): the
same top 10, score for score, and the same answers; an update re-reads only the shards whose
files changed; a damaged weighing is rebuilt; a shard that does not answer leaves a partial
answer, said so in the question's script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from retrieval import index as index_mod
from retrieval import sharded
from retrieval.engine import Engine
from tests import lookalike
from tests.helpers import SEEDS, conversations

SHARDS = 3


def same_answers(one: Engine, other: Engine) -> int:
    """Every conversation of tests/data asked of both: the top 10 and the whole response equal
    (a follow-up read against its question's). Returns the questions compared."""
    asked = 0
    for conversation in conversations():
        before = after = None
        for question in conversation:
            want = [(rp.passage.id, rp.score) for rp in one.search(question, 10)]
            got = [(rp.passage.id, rp.score) for rp in other.search(question, 10)]
            assert got == want, question
            a = one.ask(question, context=before)
            b = other.ask(question, context=after)
            assert b.to_json_dict() == a.to_json_dict(), question
            assert not b.partial
            before, after, asked = a.context, b.context, asked + 1
    return asked


@pytest.fixture(scope="module")
def lookalikes(tmp_path_factory):
    """The seeds and look-alike copies of each (other places, other figures): files in every
    shard, and text repeated across shards."""
    return lookalike.build(tmp_path_factory.mktemp("lookalikes") / "corpus", copies=3)


def test_shards_answer_as_one_index(lookalikes):
    one = Engine.open(lookalikes, notice=lambda _: None)
    split = Engine.open(lookalikes, notice=lambda _: None, shards=SHARDS)
    sizes = [s["passages"] for s in split.index.manifest["shards"]]
    assert len(sizes) == SHARDS and all(sizes) and sum(sizes) == len(one.index)
    assert split.index.stats.passages == one.index.stats.passages
    assert split.index.stats.files == one.index.stats.files
    assert same_answers(one, split) > 200
    # Opened again: the weighing is current, nothing is written.
    again = Engine.open(lookalikes, notice=lambda _: None, shards=SHARDS)
    assert again.index.folder == split.index.folder


def test_an_added_file_rebuilds_its_shard_alone(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    before = Engine.open(corpus, notice=lambda _: None, shards=SHARDS)
    versions = [s["version"] for s in before.index.manifest["shards"]]
    name = "南康新闻.txt"
    touched = index_mod.shard_of(name, SHARDS)
    (corpus / name).write_text(lookalike.lookalike(next(SEEDS.glob("000_*.txt")).read_text(
        encoding="utf-8"), 0, "000"), encoding="utf-8")
    assert sharded.stale_shards(corpus, SHARDS) == [touched]
    notices: list[str] = []
    after = Engine.open(corpus, notice=notices.append, shards=SHARDS)
    now = [s["version"] for s in after.index.manifest["shards"]]
    assert [i for i in range(SHARDS) if now[i] != versions[i]] == [touched]
    assert after.index.folder != before.index.folder and len(after.index) > len(before.index)
    assert any("1个分片" in n for n in notices)
    # Re-weighed over every shard: still one index's answers, the new file's text included.
    assert same_answers(Engine.open(corpus, notice=lambda _: None), after) > 50
    # An added folder (ganwen index --add) joins the shards its files name.
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "赣州新闻.txt").write_text(next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    added = Engine.open(corpus, notice=lambda _: None, shards=SHARDS, add=[extra])
    assert added.index.manifest["roots"][1:] == [str(extra.resolve())]
    assert added.index.stats.files == after.index.stats.files + 1


def test_a_damaged_weighing_is_rebuilt_with_a_notice(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    first = Engine.open(corpus, notice=lambda _: None, shards=SHARDS)
    target = first.index.folder / "shard1.bm25.data.npy"
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    notices: list[str] = []
    second = Engine.open(corpus, notice=notices.append, shards=SHARDS)
    assert second.index.folder != first.index.folder
    assert any("已损坏" in n for n in notices)
    assert same_answers(Engine.open(corpus, notice=lambda _: None), second) > 50


class _Silent:
    """A shard whose process is restarting: it never answers."""

    def search(self, query, k, weights):
        raise sharded.ShardUnavailable("restarting")

    def fetch(self, docs):
        raise sharded.ShardUnavailable("restarting")


def test_a_shard_that_does_not_answer_leaves_a_partial_answer(lookalikes):
    from bot.telegram_render import answer_messages
    from bot.terminal import render

    full = Engine.open(lookalikes, notice=lambda _: None, shards=SHARDS)
    index = full.index
    asked = "南康2020年投资完成多少"
    holder = next(i for i, s in enumerate(index.shards)
                  if s.search(["南康", "投资"], 1, None).result(1.0))
    shards = [(_Silent() if i == holder else s) for i, s in enumerate(index.shards)]
    less = Engine(sharded.ShardedIndex(index.folder, shards, full.res), full.res, full.corpus)
    whole, part = full.ask(asked), less.ask(asked)
    assert not whole.partial and part.partial and part.to_json_dict()["partial"] is True
    assert {rp.passage.id for rp in part.passages} <= {
        rp.passage.id for rp in full.search(asked, 50)}
    assert "部分索引分片暂时没有响应" in render(part)
    assert "部分索引分片暂时没有响应" not in render(whole)
    assert any("部分索引分片暫時沒有響應" in m for m in
               answer_messages(less.ask("南康2020年投資完成多少")))


def test_the_cli_builds_shards_and_answers_from_them(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    run = [sys.executable, "-m", "bot.cli", "--corpus", str(corpus)]
    built = subprocess.run([*run, "index", "--shards", "2"], capture_output=True, text=True,
                           timeout=120, check=True)
    assert built.stdout.count("shard ") == 2 and "passages" in built.stdout
    asked = subprocess.run([*run, "ask", "--json", "--shards", "2", "南康2020年投资完成多少"],
                           capture_output=True, text=True, timeout=120, check=True)
    reply = json.loads(asked.stdout)
    assert reply["answer"]["text"] == "509.69亿元" and reply["partial"] is False
    wrong = subprocess.run([*run, "ask", "--ray", "127.0.0.1:1", "南康"], capture_output=True,
                           text=True, timeout=60)
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1 and "--shards" in wrong.stderr
    # No cluster there (or no Ray installed): one line, at once, never Ray's minutes of retries.
    nowhere = subprocess.run([*run, "ask", "--shards", "2", "--ray", "127.0.0.1:1", "南康"],
                             capture_output=True, text=True, timeout=60)
    assert nowhere.returncode == 2 and nowhere.stderr.count("\n") == 1
    assert "127.0.0.1:1" in nowhere.stderr or "distributed" in nowhere.stderr


def test_ties_between_shards_go_by_file_path_as_in_one_index(tmp_path):
    """Passages of equal score in files of different shards rank in one index's order."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    fillers = "甲乙丙丁戊己庚辛壬癸"
    for n, filler in enumerate(fillers):
        (corpus / f"{(n * 7) % 10:02d}_news.txt").write_text(
            f"南康区重点项目建设\n\n南康区今年完成重点项目投资{n + 1}0亿元,项目代号{filler * 3}。\n",
            encoding="utf-8")
    for n in range(30):  # other news, so that the question's words are rare enough to count
        (corpus / f"other{n:02d}.txt").write_text(
            f"萍乡文化旅游\n\n萍乡市举办第{n + 1}届文化旅游节,吸引游客{n + 3}万人次。\n",
            encoding="utf-8")
    one = Engine.open(corpus, notice=lambda _: None)
    split = Engine.open(corpus, notice=lambda _: None, shards=SHARDS)
    assert len({index_mod.shard_of(p.name, SHARDS) for p in corpus.glob("*_news.txt")}) == SHARDS
    want = [(rp.passage.id, rp.score) for rp in one.search("南康区重点项目投资", 10)]
    got = [(rp.passage.id, rp.score) for rp in split.search("南康区重点项目投资", 10)]
    assert len(want) == len(fillers) and len({s for _, s in want}) < len(want)  # ties
    assert got == want
