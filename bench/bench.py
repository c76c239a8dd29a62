"""The scale benchmark: ganwen against rank-bm25, bm25s (numba) and tantivy on one synthetic
corpus per size, the same passages, tokens and 200 questions, printed as one table.

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python bench/bench.py --sizes 10000 100000 1000000 [--distributed 4]

Every system indexes the same jieba tokens (ganwen's, read back from its index); ganwen's build
time also covers reading, cleaning, splitting and tokenizing the files and extracting figures.
Load, query and memory are measured in a fresh process per system (bench/probe.py), the second
of two (a restart: the index's pages in the OS cache, numba's compiled code in its cache): load
is opening the saved index until the first question is answered; query is top-10 for
pre-tokenized questions, timed after one untimed pass over them (steady state: the pages of
each index a question reads are resident); answer is ganwen's whole ask() (tokenize, search,
choose the figure), at each question's first ask in the process (its passages' figures are read
then) and after;
RSS is the process's peak resident memory. Query and answer are measured twice: on a quiet
machine, then *busy*, while a bounded background process burns one core (bench/probe.py), as
on a host that also runs other programs.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from synth import questions as draw_questions  # bench/ is the script's own folder
from synth import write_corpus

HERE = Path(__file__).resolve().parent

QUESTIONS = 200
PROBE_TIMEOUT_S = 1800


def build_ganwen(work: Path) -> tuple[float, list[list[str]]]:
    from retrieval.index import open_index
    from retrieval.resources import load_resources

    res = load_resources()
    start = time.perf_counter()
    index = open_index(work / "corpus", res, rebuild=True)
    build = time.perf_counter() - start
    vocab = list(index.vocab)
    docs = [[vocab[t] for t in index.tokens[int(row)].tolist()] for row in index.visible]
    return build, docs


def build_bm25s(work: Path, docs: list[list[str]]) -> float:
    import bm25s

    start = time.perf_counter()
    model = bm25s.BM25(method="atire", idf_method="robertson", k1=1.5, b=0.75, backend="numba")
    model.index(docs, show_progress=False)
    model.save(work / "bm25s")
    return time.perf_counter() - start


def build_tantivy(work: Path, docs: list[list[str]]) -> float:
    import tantivy

    start = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", tokenizer_name="whitespace", index_option="freq")
    builder.add_unsigned_field("id", stored=True)
    path = work / "tantivy"
    path.mkdir()
    index = tantivy.Index(builder.build(), path=str(path))
    writer = index.writer(heap_size=512_000_000, num_threads=os.cpu_count() or 1)
    for n, doc in enumerate(docs):
        writer.add_document(tantivy.Document(body=" ".join(doc), id=n))
    writer.commit()
    writer.wait_merging_threads()
    return time.perf_counter() - start


def probe(system: str, work: Path) -> dict:
    try:
        out = subprocess.run([sys.executable, str(HERE / "probe.py"), system, str(work)],
                             capture_output=True, text=True, timeout=PROBE_TIMEOUT_S,
                             env={**os.environ, "GANWEN_CACHE_DIR": str(work / "cache")})
    except subprocess.TimeoutExpired:
        return {"note": f"skipped: over {PROBE_TIMEOUT_S} s"}
    if out.returncode:
        return {"note": "failed: " + out.stderr.strip().splitlines()[-1][:80]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(size: int, out: Path) -> list[dict]:
    from retrieval.resources import load_resources
    from retrieval.tokenize import tokens

    work = out / f"n{size}"
    drawn = work / "drawn.json"  # the generated corpus is kept: same seed, same files
    if not drawn.exists():
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        meta = write_corpus(work / "corpus", size)
        drawn.write_text(json.dumps(draw_questions(meta, QUESTIONS), ensure_ascii=False), "utf-8")
        del meta
    for built in ("cache", "bm25s", "tantivy"):
        shutil.rmtree(work / built, ignore_errors=True)
    (work / "tokens.pkl").unlink(missing_ok=True)
    asked = json.loads(drawn.read_text(encoding="utf-8"))
    os.environ["GANWEN_CACHE_DIR"] = str(work / "cache")
    res = load_resources()
    spec = {"questions": asked, "queries": [tokens(res.simplified(q), res) for q in asked]}
    (work / "questions.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    build, docs = build_ganwen(work)
    with (work / "tokens.pkl").open("wb") as f:
        pickle.dump(docs, f, protocol=pickle.HIGHEST_PROTOCOL)
    builds = {"ganwen": build, "bm25s": build_bm25s(work, docs), "tantivy": build_tantivy(work, docs),
              "passages": len(docs)}
    (work / "builds.json").write_text(json.dumps(builds))
    del docs
    return probe_all(work, builds)


def probe_all(work: Path, builds: dict) -> list[dict]:
    """Load, query and memory of every system on the indexes built in ``work``."""
    os.environ["GANWEN_CACHE_DIR"] = str(work / "cache")
    passages = builds["passages"]
    rows = []
    for system in ("ganwen", "rank-bm25", "bm25s", "tantivy"):
        result = probe(system, work)
        if system != "rank-bm25":  # a restart: the second fresh process, page cache warm
            result = probe(system, work)
        result.setdefault("build_s", builds.get(system))
        rows.append({"N": passages, "system": system, **result})
    agreement(rows)
    for row in rows:
        row.pop("top10", None)
        print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


SCORE_RTOL = 1e-4  # ganwen's weights are float32, rank-bm25's float64


def same_top(got: list, want: list) -> bool:
    """The same top 10: equal scores, and the same documents but for a tie at the last
    place (the two break ties differently)."""
    got = sorted(((d, s) for d, s in got if s > 0), key=lambda p: (-p[1], p[0]))
    want = sorted(((d, s) for d, s in want if s > 0), key=lambda p: (-p[1], p[0]))
    if len(got) != len(want) or any(abs(a[1] - b[1]) > SCORE_RTOL * max(abs(b[1]), 1e-9)
                                    for a, b in zip(got, want, strict=True)):
        return False
    last = want[-1][1] if want else 0.0
    def above(pairs):
        return {d for d, s in pairs if s > last * (1 + SCORE_RTOL)}
    return above(got) == above(want)


def agreement(rows: list[dict]) -> None:
    """Put in ganwen's row how many questions rank-bm25 answered got the same top 10 from it
    (rank-bm25 ``epsilon=0`` is the reference the scores are tested against)."""
    by_system = {r["system"]: r for r in rows}
    ours, ref = by_system["ganwen"].get("top10"), by_system["rank-bm25"].get("top10")
    if ours is None or ref is None:
        return
    same = sum(same_top(a, b) for a, b in zip(ours, ref, strict=False))  # rank-bm25 stops early
    by_system["ganwen"]["same_top10"] = f"{same}/{len(ref)}"


def fmt(v, digits=2) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def table(rows: list[dict]) -> str:
    lines = ["| N | system | build s | load s | query p50 / p95 ms | query p50 / p95 ms, busy "
             "| answer (query + figure) p50 ms, first ask / quiet / busy | RSS MB "
             "| top-10 = rank-bm25 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        queries = [f"{fmt(r.get('query_p50' + s), 3)} / {fmt(r.get('query_p95' + s), 3)}"
                   if r.get("query_p50" + s) is not None else "—" for s in ("", "_busy")]
        note = f" ({r['note']})" if r.get("note") else ""
        answer = (" / ".join(fmt(r.get(f"answer_p50{s}"), 2) for s in ("_first", "", "_busy"))
                  if r.get("answer_p50") is not None else "—")
        lines.append(f"| {r['N']:,} | {r['system']}{note} | {fmt(r.get('build_s'), 1)} | "
                     f"{fmt(r.get('load_s'))} | {queries[0]} | {queries[1]} | {answer} | "
                     f"{fmt(r.get('rss_mb'), 0)} | {r.get('same_top10', '—')} |")
    return "\n".join(lines)


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo
                if line.startswith("model name")), platform.processor())
    mem = next((line.split()[1] for line in meminfo if line.startswith("MemTotal")), "0")
    return (f"{os.cpu_count()} cores ({cpu}), {int(mem) / 1024 / 1024:.0f} GB, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--probes-only", action="store_true",
                        help="measure again on the indexes the last run built (builds.json)")
    parser.add_argument("--distributed", type=int, metavar="S",
                        help="then the distributed row: the largest size in S shards on a local "
                             "Ray cluster against one index (bench/distributed.py; needs "
                             "ganwen[distributed])")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        work = args.out / f"n{size}"
        if args.probes_only:
            rows += probe_all(work, json.loads((work / "builds.json").read_text()))
        else:
            rows += measure(size, args.out)
    print(f"Machine: {machine()}\n")
    print(table(rows))
    if args.distributed:
        print()
        subprocess.run([sys.executable, str(HERE / "distributed.py"), "--size",
                        str(max(args.sizes)), "--shards", str(args.distributed), "--out",
                        str(args.out)], check=True)


if __name__ == "__main__":
    main()
