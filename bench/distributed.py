"""The scale benchmark's distributed row: one bench corpus (bench/out/n<size>, made by
bench/bench.py) kept in S shards on a local Ray cluster, against one index of it.

    .venv/bin/pip install -e ".[bench,distributed]"
    .venv/bin/python bench/distributed.py --size 1000000 --shards 4

Starts a Ray cluster of this machine (``ray start --head`` on 127.0.0.1, stopped after), then
measures: the build wall of one index and of the S shards (Ray tasks, one core each, then the
whole's weighing in this process; the tasks' part apart), both from nothing; query p50/p95 of top-10 for the benchmark's
pre-tokenized questions on one index, on the S shards in this process, and on the S shards'
Ray actors (the fan-out and merge), each after one untimed pass; ganwen's whole answer p50
over the actors; whether the top 10 are the same passages with the same scores for every
question; and per shard its passages, its files on disk and its actor's resident memory.
Prints one JSON line, then a table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from retrieval.sharded import ONE_MACHINE_RAY  # imports no Ray

HERE = Path(__file__).resolve().parent
LOOPBACK = {**ONE_MACHINE_RAY, "RAY_USAGE_STATS_ENABLED": "0"}
os.environ.update(LOOPBACK)  # read once, when Ray is imported: a cluster on 127.0.0.1 alone
K = 10
TIMEOUT_S = 600


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(fn, items) -> list[float]:
    for item in items:  # one untimed pass: the pages each question reads are resident
        fn(item)
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - start) * 1000)
    return out


def p(ms: list[float], q: int) -> float:
    return round(float(np.percentile(ms, q)), 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--cpus", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args()
    work = args.out / f"n{args.size}"
    spec = json.loads((work / "questions.json").read_text(encoding="utf-8"))
    cache = work / "cache-distributed"
    shutil.rmtree(cache, ignore_errors=True)
    os.environ["GANWEN_CACHE_DIR"] = str(cache)

    import ray

    from retrieval import ray_shards, sharded
    from retrieval.engine import Engine
    from retrieval.index import open_index
    from retrieval.resources import load_resources

    corpus = work / "corpus"
    res = load_resources()
    start = time.perf_counter()
    one = open_index(corpus, res, rebuild=True)
    one_build = time.perf_counter() - start

    port = "6390"
    ray_cli = str(Path(sys.executable).parent / "ray")
    subprocess.run([ray_cli, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
                    f"--num-cpus={args.cpus}", "--include-dashboard=false",
                    "--disable-usage-stats"], check=True, capture_output=True, timeout=TIMEOUT_S)
    try:
        ray_shards.connect(f"127.0.0.1:{port}")
        tasks = []

        def run(jobs):  # the Ray tasks' part of the build, timed apart from the weighing
            begun = time.perf_counter()
            out = ray_shards.run_tasks(jobs)
            tasks.append(time.perf_counter() - begun)
            return out

        start = time.perf_counter()
        version = sharded.open_sharded(corpus, args.shards, res, rebuild=True, run=run,
                                       workers=1)
        shard_build = time.perf_counter() - start
        local = sharded.local_index(version, res)
        remote = ray_shards.remote_index(version, res)
        queries = spec["queries"]
        one_ms = timed(lambda q: one.top(q, K), queries)
        local_ms = timed(lambda q: local.top(q, K), queries)
        remote_ms = timed(lambda q: remote.top(q, K), queries)
        same = 0
        for q in queries:
            want = [(one.passage(d).id, s) for d, s in one.top(q, K)]
            got = [(remote.passage(d).id, s) for d, s in remote.top(q, K)]
            same += want == got
        engine = Engine(remote, res, corpus, args.shards, f"127.0.0.1:{port}")
        answer_ms = timed(engine.ask, spec["questions"])
        manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
        pids = [ray.get(s.actor.pid.remote()) for s in remote.shards]
        per_shard = [{"passages": s["passages"],
                      "disk_mb": round((folder_bytes(Path(s["version"])) + sum(
                          f.stat().st_size for f in version.glob(f"shard{i}.*"))) / 2**20, 1),
                      "actor_rss_mb": round(rss_mb(pid), 1)}
                     for i, (s, pid) in enumerate(zip(manifest["shards"], pids, strict=True))]
        row = {"size": args.size, "shards": args.shards, "cpus": args.cpus,
               "passages": len(one), "one_build_s": round(one_build, 1),
               "shards_build_s": round(shard_build, 1), "tasks_s": round(tasks[0], 1),
               "one_query_p50_ms": p(one_ms, 50), "one_query_p95_ms": p(one_ms, 95),
               "local_query_p50_ms": p(local_ms, 50), "local_query_p95_ms": p(local_ms, 95),
               "ray_query_p50_ms": p(remote_ms, 50), "ray_query_p95_ms": p(remote_ms, 95),
               "ray_answer_p50_ms": p(answer_ms, 50), "ray_answer_p95_ms": p(answer_ms, 95),
               "same_top10": f"{same}/{len(queries)}",
               "whole_disk_mb": round(folder_bytes(version) / 2**20, 1),
               "one_disk_mb": round(folder_bytes(one.folder) / 2**20, 1),
               "per_shard": per_shard}
    finally:
        ray.shutdown()
        subprocess.run([ray_cli, "stop", "--force"], capture_output=True, timeout=TIMEOUT_S)
    print(json.dumps(row))
    print(f"| passages | shards | build (one / shards) | query p50 one / in-process shards / "
          f"Ray actors | answer p50 (Ray) | same top-10 |\n|---|---|---|---|---|---|\n"
          f"| {row['passages']:,} | {args.shards} | {row['one_build_s']} s / "
          f"{row['shards_build_s']} s | {row['one_query_p50_ms']} / {row['local_query_p50_ms']} / "
          f"{row['ray_query_p50_ms']} ms | {row['ray_answer_p50_ms']} ms | {row['same_top10']} |")


if __name__ == "__main__":
    main()
