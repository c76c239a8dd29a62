"""One system of the benchmark in a process of its own: load (or build) its index, run the
questions, print one JSON line of timings and peak memory. Run by bench/bench.py."""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # load is measured from here: imports count, as in any start

import json  # noqa: E402
import os  # noqa: E402
import pickle  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

K = 10
RANK_BM25_BUDGET_S = 60  # rank-bm25 is stopped after this much query time at large N


def percentiles(ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - start) * 1000)
    return out


def load_tokens(work: Path) -> list[list[str]]:
    with (work / "tokens.pkl").open("rb") as f:
        return pickle.load(f)


def ganwen(work: Path, queries, questions) -> dict:
    from retrieval.engine import Engine

    engine = Engine.open(work / "corpus", notice=lambda m: print(m, file=sys.stderr))
    engine.ask(questions[0])  # started = ready to answer: tokenizer and maps touched once
    load = time.perf_counter() - STARTED
    query_ms = timed(lambda q: engine.index.top(q, K), queries)
    answer_ms = timed(engine.ask, questions)
    return {"load_s": load, "query_ms": query_ms, "answer_ms": answer_ms}


def rank_bm25(work: Path, queries, questions) -> dict:
    from rank_bm25 import BM25Okapi

    docs = load_tokens(work)
    start = time.perf_counter()
    model = BM25Okapi(docs, k1=1.5, b=0.75, epsilon=0)
    build = time.perf_counter() - start
    del docs
    query_ms, spent = [], 0.0
    for q in queries:
        t = time.perf_counter()
        scores = model.get_scores(q)
        np.argpartition(-scores, K)[:K]
        query_ms.append((time.perf_counter() - t) * 1000)
        spent += query_ms[-1] / 1000
        if spent > RANK_BM25_BUDGET_S:
            break
    return {"build_s": build, "query_ms": query_ms,
            "note": f"{len(query_ms)} queries" if len(query_ms) < len(queries) else ""}


def bm25s_numba(work: Path, queries, questions) -> dict:
    import bm25s

    model = bm25s.BM25.load(work / "bm25s", mmap=True)
    model.backend = "numba"
    model.retrieve([queries[0]], k=K, show_progress=False, n_threads=1)  # JIT compile
    load = time.perf_counter() - STARTED
    vocab = model.vocab_dict
    known = [[t for t in q if t in vocab] or [next(iter(vocab))] for q in queries]
    query_ms = timed(lambda q: model.retrieve([q], k=K, show_progress=False, n_threads=1), known)
    return {"load_s": load, "query_ms": query_ms}


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

    query_ms = timed(search, queries)
    return {"load_s": load, "query_ms": query_ms}


SYSTEMS = {"ganwen": ganwen, "rank-bm25": rank_bm25, "bm25s": bm25s_numba, "tantivy": tantivy_search}


def main() -> None:
    system, work = sys.argv[1], Path(sys.argv[2])
    spec = json.loads((work / "questions.json").read_text(encoding="utf-8"))
    result = SYSTEMS[system](work, spec["queries"], spec["questions"])
    for key in ("query_ms", "answer_ms"):
        if result.get(key):
            result[key.replace("_ms", "_p50")], result[key.replace("_ms", "_p95")] = percentiles(result[key])
        result.pop(key, None)
    # ru_maxrss survives exec on Linux (it would report the parent); VmHWM is this process own.
    status = Path("/proc/self/status").read_text().splitlines()
    result["rss_mb"] = int(next(line.split()[1] for line in status if line.startswith("VmHWM"))) / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    os.environ.setdefault("GANWEN_CACHE_DIR", str(Path(sys.argv[2]) / "cache"))
    main()
