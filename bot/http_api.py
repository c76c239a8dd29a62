"""ganwen over HTTP: a JSON API and a one-page web front end over the same engine (FastAPI).

- ``GET /ask?q=…[&conversation=ID]`` and ``POST /ask`` with ``{"question", "conversation"}``:
  the JSON of ``ganwen ask --json``, with ``conversation`` echoed when one was named (a
  follow-up is read against that conversation's last question, kept in memory, bounded).
- ``GET /healthz``; ``GET /stats``: corpus size, index age, questions served, latency p50/p95.
- ``GET /``: the page (``static/index.html``, no build step); ``/docs``: the OpenAPI docs.

Bad input is a 4xx with ``{"error": {"code", "message"}}`` — the message in Chinese, in the
question's script — never a 500. Bodies are capped (BODY_LIMIT), questions by the engine's
own cap. With a token (``GANWEN_API_TOKEN``) ``/ask`` and ``/stats`` need ``Authorization:
Bearer <token>``, compared in constant time; the token is never echoed or logged. CORS is off
unless origins are given. A question is answered in the event loop itself (async handlers):
an answer takes about a millisecond of Python, which threads could not run side by side anyway,
and handing each to FastAPI's thread pool and back cost more than that (240–280 against
350–390 requests/s, bench/load.py). More cores: ``--workers``.
"""

from __future__ import annotations

import hmac
import statistics
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from retrieval.engine import Engine, script_of
from retrieval.models import Conversation
from retrieval.question import MAX_CHARS, QuestionError

from .conversations import Memory, packed, unpacked
from .terminal import TEXTS

PAGE = Path(__file__).parent / "static" / "index.html"
BODY_LIMIT = 16 << 10  # bytes of a request body: a question of MAX_CHARS is under 2 KB
LATENCIES = 10_000  # the most recent answers' times /stats reports percentiles of
CONVERSATION_TTL = 30 * 60  # seconds a conversation's last question is remembered
MAX_CONVERSATION_ID = 128


# The API's own messages (the question's are the engine's answers), in both scripts.
MESSAGES: dict[str, dict[str, str]] = {
    "simplified": {"empty": "请输入问题。", "invalid": "请求格式不对:{detail}",
                   "unauthorized": "需要有效的访问令牌。", "not_found": "没有这个地址。",
                   "method": "这个地址不支持该请求方法。", "too_large": "请求太大了。",
                   "internal": "服务器内部出错,请稍后再试。"},
    "traditional": {"empty": "請輸入問題。", "invalid": "請求格式不對:{detail}",
                    "unauthorized": "需要有效的訪問令牌。", "not_found": "沒有這個地址。",
                    "method": "這個地址不支持該請求方法。", "too_large": "請求太大了。",
                    "internal": "伺服器內部出錯,請稍後再試。"},
}


class AskBody(BaseModel):
    """A question, and optionally the conversation it belongs to."""

    question: str = Field(description="the question, in simplified or traditional script",
                          examples=["南康2020年投资完成多少"])
    conversation: str | None = Field(
        default=None, max_length=MAX_CONVERSATION_ID,
        description="any id of the client's choosing: a follow-up (那萍乡呢) is read against "
                    "the last question asked with the same id")


def error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status,
                        headers=headers or None)


class _Stats:
    """Questions served and their latencies, for /stats (read from FastAPI's thread pool)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.served = self.rejected = 0
        self.latencies: deque[float] = deque(maxlen=LATENCIES)

    def add(self, seconds: float) -> None:
        with self.lock:
            self.served += 1
            self.latencies.append(seconds * 1000)

    def reject(self) -> None:
        with self.lock:
            self.rejected += 1

    def summary(self) -> dict[str, Any]:
        with self.lock:
            times = sorted(self.latencies)
            served, rejected = self.served, self.rejected
        p50 = p95 = None
        if len(times) >= 2:
            cuts = statistics.quantiles(times, n=20, method="inclusive")
            p50, p95 = round(cuts[9], 3), round(cuts[18], 3)
        elif times:
            p50 = p95 = round(times[0], 3)
        return {"questions_served": served, "questions_rejected": rejected,
                "latency_ms": {"p50": p50, "p95": p95, "of_last": len(times)},
                "uptime_s": round(time.monotonic() - self.started, 1)}


class _Conversations:
    """Each conversation's last turn, bounded and expiring (bot.conversations.Memory), behind a
    lock should a handler ever run in a thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.memory: Memory[str] = Memory(CONVERSATION_TTL)

    def get(self, key: str) -> Conversation | None:
        with self.lock:
            return unpacked(self.memory.get(key))

    def put(self, key: str, conversation: Conversation) -> None:
        with self.lock:
            self.memory.put(key, packed(conversation))


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with 413, whether its length is declared or
    it comes in chunks, reading no more of it than that. A body within the cap is read here and
    handed on whole. Hand-written: Starlette's and FastAPI's ``max_body_size`` (recent
    versions) answer a declared over-long body in plain text, not in the API's JSON error."""

    def __init__(self, app: Callable[..., Awaitable[None]], limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable, send: Callable
                       ) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        too_large = error(413, "too_large", MESSAGES["simplified"]["too_large"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            return await too_large(scope, receive, send)
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return None
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                return await too_large(scope, receive, send)
        sent = False

        async def replay() -> MutableMapping[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: a disconnect, when it comes

        await self.app(scope, replay, send)


def create_app(engine: Engine, *, token: str | None = None, cors: Sequence[str] = (),
               threads: bool = False) -> FastAPI:
    """The API and page over ``engine``; ``token``: the bearer token /ask and /stats need;
    ``cors``: origins allowed to call from a browser (none by default). Questions are answered
    in the event loop (a local index answers in a millisecond or two), or with ``threads`` in
    a thread pool, for an engine whose shards answer over the network (Ray actors): the loop
    goes on serving meanwhile."""
    app = FastAPI(title="赣问 ganwen", version="0.1.0",
                  description="Answers on Jiangxi regional-economy news, quoted from cited "
                              "sources. The JSON of `ganwen ask --json`.")
    stats, conversations = _Stats(), _Conversations()
    if cors:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(cors), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(BodyLimit, limit=BODY_LIMIT)

    async def authorized(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if not (scheme.lower() == "bearer"
                and hmac.compare_digest(value.strip().encode(), token.encode())):
            raise _Unauthorized

    def answer(question: str, conversation: str | None) -> JSONResponse:
        started = time.perf_counter()
        try:
            context = conversations.get(conversation) if conversation is not None else None
            response = engine.ask(question, context=context)
        except QuestionError:
            stats.reject()
            script = script_of(question, engine.res)
            text = " ".join(question.split())
            if not text:
                return error(400, "empty", MESSAGES[script]["empty"])
            return error(400, "too_long",
                         TEXTS[script]["too_long"].format(n=len(text), max=MAX_CHARS))
        stats.add(time.perf_counter() - started)
        out = response.to_json_dict()
        if conversation is not None:
            conversations.put(conversation, response.context)
            out["conversation"] = conversation
        return JSONResponse(out)

    async def answered(question: str, conversation: str | None) -> JSONResponse:
        if threads:
            return await run_in_threadpool(answer, question, conversation)
        return answer(question, conversation)

    @app.get("/ask", dependencies=[Depends(authorized)], summary="Answer a question")
    async def ask_get(q: str, conversation: Annotated[
            str | None, Query(max_length=MAX_CONVERSATION_ID)] = None) -> JSONResponse:
        return await answered(q, conversation)

    @app.post("/ask", dependencies=[Depends(authorized)], summary="Answer a question")
    async def ask_post(body: AskBody) -> JSONResponse:
        return await answered(body.question, body.conversation)

    @app.get("/healthz", summary="Whether the service answers")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "passages": len(engine.index)}

    @app.get("/stats", dependencies=[Depends(authorized)], summary="Corpus, index and latency")
    def stats_view() -> dict[str, Any]:
        s = engine.index.stats
        age = None
        if s.indexed_at:
            age = round((datetime.now(UTC) - datetime.fromisoformat(s.indexed_at))
                        .total_seconds())
        return {"corpus": {"files": s.files, "articles": s.articles, "passages": s.passages},
                "index": {"built_at": s.indexed_at or None, "age_s": age}, **stats.summary()}

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(PAGE, media_type="text/html; charset=utf-8")

    @app.exception_handler(_Unauthorized)
    async def unauthorized(request: Request, exc: _Unauthorized) -> JSONResponse:
        return error(401, "unauthorized", MESSAGES["simplified"]["unauthorized"],
                     **{"WWW-Authenticate": "Bearer"})

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = "; ".join(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg', '')}"
                           for e in exc.errors())
        return error(422, "invalid", MESSAGES["simplified"]["invalid"].format(detail=detail))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "invalid", 404: "not_found", 405: "method"}.get(exc.status_code)
        message = (MESSAGES["simplified"]["invalid"].format(detail=exc.detail) if code == "invalid"
                   else MESSAGES["simplified"][code] if code else str(exc.detail))
        return error(exc.status_code, code or "http", message, **(exc.headers or {}))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        return error(500, "internal", MESSAGES["simplified"]["internal"])

    return app


class _Unauthorized(Exception):
    pass


_CORS_ENV = "GANWEN_SERVE_CORS"  # the origins, for worker processes (JSON list)
_SHARDS_ENV = "GANWEN_SERVE_SHARDS"  # the shards the corpus is kept in, for worker processes


def app_from_environment() -> FastAPI:
    """The app of a worker process (``--workers``): its own engine over the index the parent
    built (memory-mapped: the workers share its pages), its settings from the environment."""
    import json
    import os

    from .settings import load_settings

    shards = os.environ.get(_SHARDS_ENV)
    return create_app(Engine.open(shards=int(shards) if shards else None),
                      token=load_settings().bearer_token(),
                      cors=json.loads(os.environ.get(_CORS_ENV, "[]")))


def serve(engine: Engine, host: str, port: int, *, token: str | None = None,
          cors: Sequence[str] = (), access_log: bool = True, workers: int = 1) -> None:
    """Run the API with uvicorn until interrupted: in this process over ``engine``, or in
    ``workers`` processes (Python answers one question at a time per process: a second
    process uses a second core)."""
    import json
    import os

    import uvicorn

    if workers <= 1:
        uvicorn.run(create_app(engine, token=token, cors=cors), host=host, port=port,
                    access_log=access_log)
        return
    os.environ["GANWEN_CORPUS"] = str(engine.corpus)
    os.environ[_CORS_ENV] = json.dumps(list(cors))
    if engine.shards is not None:
        os.environ[_SHARDS_ENV] = str(engine.shards)
    uvicorn.run("bot.http_api:app_from_environment", factory=True, workers=workers, host=host,
                port=port, access_log=access_log)
