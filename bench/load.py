"""A load test of `ganwen serve` on one machine: requests per second at p95 under 50 ms.

    .venv/bin/python bench/load.py [--corpus DIR] [--seconds 60]

Starts `ganwen serve` on 127.0.0.1 (a free port), asks every question of the question files
once to warm it, then keeps C clients asking at once (C = 1, 2, 4, …, each for an equal share
of the time), each client one keep-alive connection asking the questions in turn and waiting for
each answer. Prints requests/s, p50 and p95 latency and errors per step, then the most requests
a second served with p95 under the bound and no error. Bounded: --seconds in all (at most 60
by default), and only 127.0.0.1 is ever sent to. The clients are asyncio on raw HTTP/1.1 in
this process: a lighter client than httpx, so the two cores go mostly to the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION_FILES = (ROOT / "tests" / "data" / "dev.jsonl", ROOT / "tests" / "data" / "dev2.jsonl")
P95_BOUND_MS = 50.0
CONCURRENCY = (1, 2, 4, 8, 16, 32)
HOST = "127.0.0.1"
START_S = 120  # the first start may build the index


def questions(files: list[Path]) -> list[str]:
    out = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if not item.get("after"):  # a follow-up alone has nothing to follow
                    out.append(item["q"])
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(corpus: Path | None, port: int, workers: int) -> subprocess.Popen[bytes]:
    ganwen = Path(sys.executable).parent / "ganwen"
    # Access logs off: a line per request costs the server more than many answers.
    args = [str(ganwen), *(["--corpus", str(corpus)] if corpus else []), "serve", "--host", HOST,
            "--port", str(port), "--workers", str(workers), "--no-access-log"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("ganwen serve exited at start") from None
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("ganwen serve did not start")


def request(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()


async def client(port: int, paths: list[bytes], offset: int, until: float,
                 latencies: list[float], errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    n = offset
    try:
        while time.monotonic() < until:
            started = time.perf_counter()
            writer.write(paths[n % len(paths)])
            n += 1
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - started) * 1000)
            if not status.startswith(b"HTTP/1.1 200"):
                errors.append(status.decode(errors="replace").strip())
    finally:
        writer.close()


async def step(port: int, paths: list[bytes], clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    until = time.monotonic() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(client(port, paths, i * 7, until, latencies, errors)
                           for i in range(clients)))
    wall = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=20, method="inclusive") if len(latencies) > 1 \
        else [latencies[0]] * 19 if latencies else [float("nan")] * 19
    return {"clients": clients, "requests": len(latencies), "rps": len(latencies) / wall,
            "p50_ms": cuts[9], "p95_ms": cuts[18], "errors": len(errors)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, help="the corpus to serve (default: the bundled one)")
    ap.add_argument("--seconds", type=float, default=60.0, help="the whole load, at most (60)")
    ap.add_argument("--clients", type=int, nargs="+", default=list(CONCURRENCY))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="ganwen serve's processes (default: one per core)")
    args = ap.parse_args()
    qs = questions(list(QUESTION_FILES))
    paths = [request("/ask?q=" + urllib.parse.quote(q)) for q in qs]
    port = free_port()
    server = start_server(args.corpus, port, args.workers)
    try:
        for q in qs:  # warm: every question's passages read once
            with urllib.request.urlopen(f"http://{HOST}:{port}/ask?q={urllib.parse.quote(q)}"):
                pass
        share = min(args.seconds, 60.0) / len(args.clients)
        rows = [asyncio.run(step(port, paths, c, share)) for c in args.clients]
    finally:
        server.terminate()
        server.wait(30)
    print(f"{len(qs)} questions, each client one keep-alive connection; ganwen serve "
          f"--workers {args.workers}; {os.cpu_count()} cores\n")
    print("| clients | requests | requests/s | p50 ms | p95 ms | errors |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['clients']} | {r['requests']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | "
              f"{r['p95_ms']:.1f} | {r['errors']} |")
    good = [r for r in rows if r["p95_ms"] < P95_BOUND_MS and not r["errors"]]
    best = max(good, key=lambda r: r["rps"]) if good else None
    print(f"\nat p95 < {P95_BOUND_MS:.0f} ms: " + (
        f"{best['rps']:.0f} requests/s ({best['clients']} clients, p95 {best['p95_ms']:.1f} ms)"
        if best else "none"))
    print(json.dumps({"rows": rows, "best": best}), file=sys.stderr)


if __name__ == "__main__":
    main()
