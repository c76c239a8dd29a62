"""One system of the benchmark in a process of its own: load (or build) its index, run the
questions, print one JSON line of timings and peak memory. Run by bench/bench.py."""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # load is measured from here: imports count, as in any start

import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pickle  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

K = 10
RANK_BM25_BUDGET_S = 60  # rank-bm25 is stopped after this much query time at large N


BUSY_MAX_S = 900  # the busy process ends by itself after this long, whatever happens here
# One core's worth of someone else's work, as on a host that also runs other programs.
BURN = "import sys, time\nend = time.monotonic() + float(sys.argv[1])\nwhile time.monotonic() < end:\n    pass"


def percentiles(ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def timed(fn, items, budget_s: float | None = None, results: list | None = None) -> list[float]:
    """Milliseconds of ``fn`` per item; stops once ``budget_s`` seconds have gone on it. What
    ``fn`` returns is kept in ``results``, outside the time measured."""
    out: list[float] = []
    for item in items:
        start = time.perf_counter()
        got = fn(item)
        out.append((time.perf_counter() - start) * 1000)
        if results is not None:
            results.append(got)
        if budget_s is not None and sum(out) > budget_s * 1000:
            break
    return out


@contextlib.contextmanager
def busy_core():
    """A bounded background process burning one core while the block runs."""
    proc = subprocess.Popen([sys.executable, "-c", BURN, str(BUSY_MAX_S)])
    time.sleep(0.3)  # spinning before the first query
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


def load_tokens(work: Path) -> list[list[str]]:
    with (work / "tokens.pkl").open("rb") as f:
        return pickle.load(f)


def ganwen(work: Path, queries, questions) -> dict:
    from retrieval.engine import Engine

    engine = Engine.open(work / "corpus", notice=lambda m: print(m, file=sys.stderr))
    engine.ask(questions[0])  # started = ready to answer: tokenizer and maps touched once
    load = time.perf_counter() - STARTED
    return {"load_s": load, "query": lambda q: engine.index.top(q, K), "answer": engine.ask,
            "ranked": True}


def rank_bm25(work: Path, queries, questions) -> dict:
    from rank_bm25 import BM25Okapi

    docs = load_tokens(work)
    start = time.perf_counter()
    model = BM25Okapi(docs, k1=1.5, b=0.75, epsilon=0)
    build = time.perf_counter() - start
    del docs

    def query(q):
        scores = model.get_scores(q)
        return [(int(d), float(scores[d])) for d in np.argpartition(-scores, K)[:K]]

    return {"build_s": build, "query": query, "budget_s": RANK_BM25_BUDGET_S, "ranked": True}


def bm25s_numba(work: Path, queries, questions) -> dict:
    import bm25s

    model = bm25s.BM25.load(work / "bm25s", mmap=True)
    model.backend = "numba"
    model.retrieve([queries[0]], k=K, show_progress=False, n_threads=1)  # JIT compile
    load = time.perf_counter() - STARTED
    vocab = model.vocab_dict
    fallback = next(iter(vocab))

    def query(q):
        model.retrieve([[t for t in q if t in vocab] or [fallback]], k=K, show_progress=False,
                       n_threads=1)

    return {"load_s": load, "query": query}


def tantivy_search(work: Path, queries, questions) -> dict:
    import tantivy

    index = tantivy.Index.open(str(work / "tantivy"))
    searcher = index.searcher()
    schema = index.schema
    load = time.perf_counter() - STARTED

    def search(q):
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", t)) for t in q])
        hits = searcher.search(query, K).hits
        return [searcher.doc(addr)["id"][0] for _, addr in hits]

    return {"load_s": load, "query": search}


def run(system: dict, queries, questions, suffix: str) -> dict:
    """Query (and answer) percentiles, their keys ending in ``suffix``."""
    out: dict = {}
    tops: list = []
    query_ms = timed(system["query"], queries, system.get("budget_s"), tops)
    if not suffix and system.get("ranked"):
        out["top10"] = tops  # each question's (document, score) pairs, to compare systems
    out[f"query_p50{suffix}"], out[f"query_p95{suffix}"] = percentiles(query_ms)
    if len(query_ms) < len(queries):
        out[f"note{suffix}"] = f"{len(query_ms)} queries"
    if system.get("answer"):
        answer_ms = timed(system["answer"], questions)
        out[f"answer_p50{suffix}"], out[f"answer_p95{suffix}"] = percentiles(answer_ms)
    return out


SYSTEMS = {"ganwen": ganwen, "rank-bm25": rank_bm25, "bm25s": bm25s_numba, "tantivy": tantivy_search}


def main() -> None:
    system, work = sys.argv[1], Path(sys.argv[2])
    spec = json.loads((work / "questions.json").read_text(encoding="utf-8"))
    loaded = SYSTEMS[system](work, spec["queries"], spec["questions"])
    result = {k: v for k, v in loaded.items() if k in ("load_s", "build_s")}
    # Steady state: every question asked once, untimed, so the pages of the index it reads are
    # resident in this process (first touches of a memory-mapped index are part of load, not
    # of a query); the same for every system.
    timed(loaded["query"], spec["queries"], loaded.get("budget_s"))
    if loaded.get("answer"):  # a question's first ask also reads its passages' figures
        first = timed(loaded["answer"], spec["questions"])
        result["answer_p50_first"], result["answer_p95_first"] = percentiles(first)
    result.update(run(loaded, spec["queries"], spec["questions"], ""))
    with busy_core():
        result.update(run(loaded, spec["queries"], spec["questions"], "_busy"))
    # ru_maxrss survives exec on Linux (it would report the parent); VmHWM is this process own.
    status = Path("/proc/self/status").read_text().splitlines()
    result["rss_mb"] = int(next(line.split()[1] for line in status if line.startswith("VmHWM"))) / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    os.environ.setdefault("GANWEN_CACHE_DIR", str(Path(sys.argv[2]) / "cache"))
    main()
