"""The sharded index on a real Ray cluster (``ray start --head`` on 127.0.0.1, two CPUs): shards
built as Ray tasks answer as one index; an added file re-builds its shard alone; a killed
shard actor leaves partial answers until Ray has restarted it; ``ganwen serve --ray`` answers
over HTTP through Ray Serve. Minutes long: marked slow, run by .ci/run."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from retrieval.sharded import ONE_MACHINE_RAY  # imports no Ray

# One machine's cluster kept on 127.0.0.1: without this Ray swaps a loopback node address for
# the machine's own and listens on every interface. Read once, when Ray is imported.
LOOPBACK = {**ONE_MACHINE_RAY, "RAY_USAGE_STATS_ENABLED": "0"}
os.environ.update(LOOPBACK)
ray = pytest.importorskip("ray", reason='Ray is not installed: pip install ".[distributed]"')

from retrieval import index as index_mod  # noqa: E402
from retrieval import ray_shards, sharded  # noqa: E402
from retrieval.engine import Engine  # noqa: E402
from retrieval.tokenize import tokens  # noqa: E402
from tests import lookalike  # noqa: E402
from tests.helpers import SEEDS  # noqa: E402
from tests.test_sharded import same_answers  # noqa: E402

pytestmark = pytest.mark.slow

SHARDS = 3
ROOT = Path(__file__).resolve().parent.parent
WAIT_S = 120


def wide_listeners() -> set[tuple[str, int]]:
    """The TCP sockets listening on this machine on an address other than loopback (hex
    address, port), from /proc."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, port = local.split(":")
                loopback = (address == "0100007F"
                            or address == "00000000000000000000000001000000"
                            or address.endswith("0100007F") and "FFFF" in address)
                if state == "0A" and not loopback:
                    found.add((address, int(port, 16)))
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The address of a Ray cluster of this machine, stopped after the module; and the sockets
    listening beyond loopback before it started."""
    before = wide_listeners()
    env = {**os.environ, **LOOPBACK}
    address = f"127.0.0.1:{free_port()}"
    ray_cli = str(Path(sys.executable).parent / "ray")
    subprocess.run([ray_cli, "start", "--head", "--node-ip-address=127.0.0.1",
                    f"--port={address.rsplit(':', 1)[1]}", "--num-cpus=2",
                    "--include-dashboard=false", "--disable-usage-stats",
                    "--object-store-memory=150000000"],
                   env=env, check=True, timeout=WAIT_S, capture_output=True)
    try:
        yield address, before
    finally:
        ray.shutdown()
        subprocess.run([ray_cli, "stop", "--force"], env=env, timeout=WAIT_S,
                       capture_output=True)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return lookalike.build(tmp_path_factory.mktemp("ray") / "corpus", copies=2)


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT,
                          env={**os.environ, **LOOPBACK}, capture_output=True, text=True,
                          timeout=WAIT_S, **kwargs)


def test_shards_built_by_ray_tasks_answer_as_one_index(cluster, corpus):
    cluster, _ = cluster
    built = cli("--corpus", str(corpus), "index", "--shards", str(SHARDS), "--ray", cluster)
    assert built.returncode == 0, built.stderr
    assert built.stdout.count("shard ") == SHARDS
    split = Engine.open(corpus, notice=lambda _: None, shards=SHARDS, ray=cluster)
    assert all(isinstance(s, ray_shards.RemoteShard) for s in split.index.shards)
    assert split.index.folder == sharded.set_root(corpus, SHARDS) / (
        sharded.versions.current_version(sharded.set_root(corpus, SHARDS)).name)
    # Every shard answers from an actor of the cluster, not from this process.
    pids = {ray.get(s.actor.pid.remote()) for s in split.index.shards}
    assert len(pids) == SHARDS and os.getpid() not in pids
    one = Engine.open(corpus, notice=lambda _: None)
    assert same_answers(one, split) > 200


def test_an_added_file_is_built_by_one_task(cluster, corpus, monkeypatch):
    cluster, _ = cluster
    name = "南康区新闻.txt"
    touched = index_mod.shard_of(name, SHARDS)
    before = Engine.open(corpus, notice=lambda _: None, shards=SHARDS, ray=cluster)
    versions = [s["version"] for s in before.index.manifest["shards"]]
    (corpus / name).write_text(lookalike.lookalike(next(SEEDS.glob("002_*.txt")).read_text(
        encoding="utf-8"), 1, "002"), encoding="utf-8")
    sent: list[list] = []
    run = ray_shards.run_tasks
    monkeypatch.setattr(ray_shards, "run_tasks", lambda jobs: sent.append(jobs) or run(jobs))
    after = Engine.open(corpus, notice=lambda _: None, shards=SHARDS, ray=cluster)
    assert [[job[1] for job in jobs] for jobs in sent] == [[touched]]
    now = [s["version"] for s in after.index.manifest["shards"]]
    assert [i for i in range(SHARDS) if now[i] != versions[i]] == [touched]
    assert same_answers(Engine.open(corpus, notice=lambda _: None), after) > 200


def test_a_killed_shard_actor_leaves_partial_answers_until_ray_restarts_it(cluster, corpus):
    cluster, _ = cluster
    res = Engine.open(corpus, notice=lambda _: None).res
    folder = Engine.open(corpus, notice=lambda _: None, shards=SHARDS, ray=cluster).index.folder
    engine = Engine(ray_shards.remote_index(folder, res, wait=0.3), res, corpus, SHARDS, cluster)
    asked = "南康2020年投资完成多少"
    full = engine.ask(asked)
    assert full.answer is not None and not full.partial
    # A shard other than the one holding the answer's passage: the answer stands meanwhile.
    holder = next(engine.index.shard_of_doc(doc) for doc, _ in engine.index.top(
        tokens(asked, res), 50) if engine.index.passage(doc).id == full.answer.passage_id)
    victim = engine.index.shards[(holder + 1) % SHARDS].actor
    old_pid = ray.get(victim.pid.remote())
    ray.kill(victim, no_restart=False)
    seen: list[bool] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # bounded: never a hang, answers all along
        started = time.monotonic()
        response = engine.ask(asked)
        assert time.monotonic() - started < 5
        assert response.answer == full.answer
        seen.append(response.partial)
        if True in seen and not response.partial:
            break
    assert True in seen and seen[-1] is False, seen
    assert engine.ask(asked).to_json_dict() == full.to_json_dict()
    assert ray.get(victim.pid.remote()) != old_pid  # the same actor, restarted by Ray


def test_serve_on_ray_answers_over_http(cluster, corpus):
    """The answer over HTTP, and every socket the cluster, its Serve proxy and replicas listen
    on bound to 127.0.0.1."""
    cluster, before = cluster
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--corpus", str(corpus), "serve", "--shards",
         str(SHARDS), "--ray", cluster, "--port", str(port)],
        cwd=ROOT, env={**os.environ, **LOOPBACK}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    if json.load(r)["status"] == "ok":
                        break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.5)
        q = urllib.parse.quote("南康2020年投资完成多少")
        with urllib.request.urlopen(f"{base}/ask?q={q}", timeout=30) as r:
            reply = json.load(r)
        assert reply["answer"]["text"] == "509.69亿元" and reply["partial"] is False
        assert wide_listeners() <= before
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0
