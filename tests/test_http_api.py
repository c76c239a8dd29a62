"""`ganwen serve`: the HTTP API over a real uvicorn server on 127.0.0.1 — answers, follow-ups,
scripts, stats, the token, CORS, and bad input that is always a 4xx with a JSON error."""

from __future__ import annotations

import json
import logging
import random
import threading

import httpx
import pytest

from bot.http_api import BODY_LIMIT
from retrieval.question import MAX_CHARS
from tests.http_server import served

Q = "南康2020年投资完成多少"


@pytest.fixture(scope="module")
def api(engine):
    with served(engine) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client


def is_error(r: httpx.Response, status: int, code: str) -> bool:
    body = r.json()
    return (r.status_code == status and body["error"]["code"] == code
            and isinstance(body["error"]["message"], str) and body["error"]["message"])


def test_a_question_is_answered_over_http_as_ganwen_ask_json(api, engine):
    got = api.get("/ask", params={"q": Q})
    assert got.status_code == 200 and got.headers["content-type"] == "application/json"
    assert got.json()["answer"]["text"] == "509.69亿元"
    assert got.json() == json.loads(json.dumps(engine.ask(Q).to_json_dict(), ensure_ascii=False))
    posted = api.post("/ask", json={"question": Q})
    assert posted.json() == got.json()


def test_a_traditional_question_is_answered_in_traditional_script(api):
    r = api.post("/ask", json={"question": "南康2020年投資完成多少"}).json()
    assert r["script"] == "traditional" and r["answer"]["text"] == "509.69億元"


def test_follow_ups_are_read_within_their_own_conversation(api):
    first = api.post("/ask", json={"question": "南昌经开区今年开工改造了几个老旧小区",
                                   "conversation": "a"}).json()
    assert first["conversation"] == "a" and first["answer"] is not None
    follow = api.post("/ask", json={"question": "那萍乡呢", "conversation": "a"}).json()
    assert follow["interpreted"] == "萍乡今年开工改造了几个老旧小区"
    assert follow["answer"]["text"] == "216个"
    other = api.get("/ask", params={"q": "那萍乡呢", "conversation": "b"}).json()
    assert other["interpreted"] is None and other["answer"] is None  # nothing to follow in b
    assert "conversation" not in api.post("/ask", json={"question": Q}).json()


@pytest.mark.parametrize(("question", "code", "message"), [
    ("", "empty", "请输入问题"), ("   \n ", "empty", "请输入问题"),
    ("问" * (MAX_CHARS + 1), "too_long", "问题太长了"),
    ("問" * (MAX_CHARS + 1), "too_long", "問題太長了"),  # in the question's script
])
def test_an_empty_or_over_long_question_is_a_400_in_its_script(api, question, code, message):
    for r in (api.post("/ask", json={"question": question}), api.get("/ask", params={"q": question})):
        assert is_error(r, 400, code) and message in r.json()["error"]["message"]


def test_malformed_requests_are_4xx_json_errors(api):
    cases = [
        api.post("/ask", content=b"{not json", headers={"content-type": "application/json"}),
        api.post("/ask", json={"q": Q}),
        api.post("/ask", json={"question": 12}),
        api.post("/ask", json=[Q]),
        api.post("/ask", json={"question": Q, "conversation": "x" * 500}),
        api.get("/ask"),
        api.get("/ask", params={"q": Q, "conversation": "x" * 500}),
    ]
    assert all(is_error(r, 422, "invalid") for r in cases)
    undecodable = api.post("/ask", content=b'{"question": "\xff\xfe"}',
                           headers={"content-type": "application/json"})
    assert undecodable.status_code in (400, 422) and is_error(undecodable, undecodable.status_code,
                                                              "invalid")
    assert "请求格式不对" in undecodable.json()["error"]["message"]
    assert is_error(api.get("/nowhere"), 404, "not_found")
    assert is_error(api.delete("/ask"), 405, "method")


def test_a_body_over_the_cap_is_refused_declared_or_chunked(api):
    big = json.dumps({"question": "问" * BODY_LIMIT}).encode()
    assert is_error(api.post("/ask", content=big, headers={"content-type": "application/json"}),
                    413, "too_large")

    def chunks():
        for i in range(0, len(big), 1000):
            yield big[i:i + 1000]

    chunked = api.post("/ask", content=chunks(), headers={"content-type": "application/json"})
    assert is_error(chunked, 413, "too_large")
    assert api.get("/healthz").status_code == 200  # the server goes on


def test_no_input_gets_a_500(api):
    rng = random.Random(7)
    alphabet = "南康投资萍乡呢?%&=#{}[]\"\\\x00\ufffd \n\t𠀀é"
    for _ in range(150):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(0, 60)))
        responses = [api.get("/ask", params={"q": text}),
                     api.post("/ask", json={"question": text, "conversation": text[:20]}),
                     api.post("/ask", content=raw, headers={"content-type": "application/json"})]
        for r in responses:
            assert r.status_code < 500, (text, raw, r.text)
            assert r.status_code == 200 or r.json()["error"]["code"] in ("invalid", "empty")


def test_an_engine_failure_is_a_json_500_without_a_traceback(engine, caplog):
    class Broken:
        def __getattr__(self, name):
            return getattr(engine, name)

        def ask(self, *a, **k):
            raise RuntimeError("disk on fire at /secret/path")

    with served(Broken()) as url, httpx.Client(base_url=url) as client:
        r = client.get("/ask", params={"q": Q})
    assert is_error(r, 500, "internal")
    assert "secret" not in r.text and "Traceback" not in r.text


def test_stats_count_questions_and_their_latency(engine):
    with served(engine) as url, httpx.Client(base_url=url) as client:
        for _ in range(5):
            client.get("/ask", params={"q": Q})
        client.get("/ask", params={"q": ""})
        stats = client.get("/stats").json()
        health = client.get("/healthz").json()
    assert stats["questions_served"] == 5 and stats["questions_rejected"] == 1
    assert 0 < stats["latency_ms"]["p50"] <= stats["latency_ms"]["p95"]
    assert stats["latency_ms"]["of_last"] == 5
    assert stats["corpus"]["passages"] == len(engine.index) == health["passages"]
    assert stats["index"]["age_s"] >= 0 and health["status"] == "ok"


def test_the_token_guards_questions_and_never_shows(engine, caplog):
    token = "s3cret-Token-value"
    caplog.set_level(logging.DEBUG)
    with served(engine, token=token) as url, httpx.Client(base_url=url) as client:
        none = client.get("/ask", params={"q": Q})
        wrong = client.get("/ask", params={"q": Q}, headers={"Authorization": "Bearer nope"})
        basic = client.get("/ask", params={"q": Q}, headers={"Authorization": f"Basic {token}"})
        right = client.get("/ask", params={"q": Q}, headers={"Authorization": f"Bearer {token}"})
        stats = client.get("/stats")
        open_ = [client.get("/healthz"), client.get("/"), client.get("/openapi.json")]
    for r in (none, wrong, basic, stats):
        assert is_error(r, 401, "unauthorized") and r.headers["www-authenticate"] == "Bearer"
    assert right.json()["answer"]["text"] == "509.69亿元"
    assert all(r.status_code == 200 for r in open_)
    shown = "".join(r.text + str(r.headers) for r in (none, wrong, basic, right, stats, *open_))
    assert token not in shown and token not in caplog.text


def test_cors_is_off_unless_origins_are_given(engine, api):
    origin = {"Origin": "http://news.example"}
    assert "access-control-allow-origin" not in api.get("/ask", params={"q": Q}, headers=origin).headers
    with served(engine, cors=["http://news.example"]) as url, httpx.Client(base_url=url) as client:
        allowed = client.get("/ask", params={"q": Q}, headers=origin)
        other = client.get("/ask", params={"q": Q}, headers={"Origin": "http://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "http://news.example"
    assert "access-control-allow-origin" not in other.headers


def test_the_api_is_described_by_openapi(api):
    spec = api.get("/openapi.json").json()
    assert {"get", "post"} <= spec["paths"]["/ask"].keys()
    assert {"/healthz", "/stats"} <= spec["paths"].keys()
    assert api.get("/docs").status_code == 200


def test_many_clients_at_once_get_the_answers_one_client_gets(api):
    questions = ["南康2020年投资完成多少", "赣州经开区医疗床位总数达到多少", "南康区委书记是谁",
                 "南康2020年投資完成多少"]
    expected = {q: api.get("/ask", params={"q": q}).json() for q in questions}
    failures: list[str] = []

    def client() -> None:
        with httpx.Client(base_url=str(api.base_url), timeout=30) as c:
            for n in range(12):
                q = questions[n % len(questions)]
                if c.get("/ask", params={"q": q}).json() != expected[q]:
                    failures.append(q)

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures and not any(t.is_alive() for t in threads)


def test_ganwen_serve_runs_until_interrupted_and_never_prints_its_token(tmp_path):
    """The console script, as a user starts it: listening on 127.0.0.1, reading the token from
    .env, answering, stopped by Ctrl-C with no traceback and the token nowhere in its output."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    token = "tok-" + "x7" * 12
    (tmp_path / ".env").write_text(f"GANWEN_API_TOKEN={token}\n", encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(Path(sys.executable).parent / "ganwen"), "serve", "--port",
                             str(port)], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "ganwen serve did not start"
            time.sleep(0.1)
        assert httpx.get(url + "/ask", params={"q": Q}).status_code == 401
        answered = httpx.get(url + "/ask", params={"q": Q},
                             headers={"Authorization": f"Bearer {token}"}).json()
        assert answered["answer"]["text"] == "509.69亿元"
    finally:
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=30)[0].decode("utf-8", errors="replace")
    assert proc.returncode == 0, output
    assert f"http://127.0.0.1:{port}/" in output and "Traceback" not in output
    assert token not in output
