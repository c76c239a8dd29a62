"""The bot under a misbehaving Bot API and odd traffic, end to end against the fake server on
127.0.0.1: storms of 5xx and 429 answers (nothing lost, one log line when a send gives up),
chats answered side by side yet each in order, an update python-telegram-bot cannot parse, the
per-user rate-limit table, and the webhook endpoint's refusals."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import socket
import time

import httpx
import pytest

from bot import sending
from bot.settings import Settings
from bot.telegram_bot import BotState, build_application, serve
from bot.webhook import MAX_BODY, SECRET_HEADER
from tests.fake_telegram import FakeTelegram
from tests.test_telegram_bot import NANKANG, polling, reply_to, settings

PINGXIANG = "萍乡企业上云多少家"


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


def answered(tg: FakeTelegram) -> set[tuple[int, int]]:
    """(chat, question message id) of every question the bot's answers reached."""
    return {(c.params["chat_id"], c.params["reply_parameters"]["message_id"])
            for c in tg.calls("sendMessage") if c.status == 200 and "reply_parameters" in c.params}


@pytest.mark.parametrize("status", [502, 429])
async def test_every_answer_rides_out_a_storm(tg, engine, status):
    """40 questions from 40 users while the next 40 sends fail: all 40 answered."""
    tg.fail("sendMessage", status, times=40, retry_after=1 if status == 429 else None)
    async with polling(tg, engine) as app:
        asked = {(user, tg.user_message(NANKANG, user_id=user)[1]["message_id"])
                 for user in range(1000, 1040)}
        await tg.wait_for("sendMessage", count=80, timeout=30)
        await asyncio.sleep(0.2)
        assert not app.update_processor._chats  # a chat's lock goes with its last update
    assert answered(tg) == asked
    assert all("509.69亿元" in c.params["text"] for c in tg.calls("sendMessage") if c.status == 200)


async def test_a_send_failing_with_5xx_is_tried_again_with_growing_pauses(tg, engine):
    tg.fail("sendMessage", 503, times=3)
    async with polling(tg, engine):
        *_, sent = await reply_to(tg, NANKANG, n=4)
        calls = tg.calls("sendMessage")
    assert [c.status for c in calls] == [503, 503, 503, 200] and "509.69亿元" in sent["text"]
    gaps = [b.time - a.time for a, b in itertools.pairwise(calls)]
    assert gaps == sorted(gaps) and gaps[0] >= sending.BACKOFF[0]


async def test_a_send_refused_with_400_is_not_tried_again(tg, engine):
    tg.fail("sendMessage", 400, description="Bad Request: can't parse entities")
    async with polling(tg, engine):
        start = time.monotonic()
        tg.user_message(NANKANG)
        calls = await tg.wait_for("sendMessage", count=2, timeout=15)  # the answer, the apology
        took = time.monotonic() - start
    assert [c.status for c in calls] == [400, 200] and "抱歉" in calls[1].params["text"]
    assert took < sending.BACKOFF[0] * 4


async def test_a_flood_wait_beyond_patience_is_one_warning_line(tg, engine, monkeypatch, caplog):
    monkeypatch.setattr(sending, "PATIENCE", 1.0)
    tg.fail("sendMessage", 429, times=2, retry_after=2)
    caplog.set_level(logging.INFO)
    async with polling(tg, engine):
        start = time.monotonic()
        tg.user_message(NANKANG)
        await tg.wait_for("sendMessage", count=2, timeout=15)  # the answer, then the apology
        took = time.monotonic() - start
        (sent,) = await reply_to(tg, PINGXIANG)
    assert took < 2 and "5712家" in sent["text"]
    gave_up = [r for r in caplog.records if "Flood control" in r.getMessage()
               and r.levelno >= logging.WARNING]
    assert gave_up and all(r.levelno == logging.WARNING and not r.exc_info for r in gave_up)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_chats_are_answered_side_by_side_and_each_in_order(tg, engine):
    """Alice's first answer hangs in the Bot API for 2 s: Bob is answered meanwhile, and Alice's
    follow-up is answered after her first question, as its follow-up."""
    tg.delay("sendMessage", 2.0)
    async with polling(tg, engine):
        tg.user_message(PINGXIANG, user_id=1)
        await tg.wait_for("sendMessage", answered=False)
        tg.user_message("那南康呢", user_id=1)
        tg.user_message(NANKANG, user_id=2)
        await tg.wait_for("sendMessage", count=3, timeout=15)
    first, bob, follow_up = tg.calls("sendMessage")
    assert bob.params["chat_id"] == 2 and first.params["chat_id"] == follow_up.params["chat_id"] == 1
    assert bob.time - first.time < 1.0 and follow_up.time >= first.time + 2.0
    assert "5712家" in first.params["text"]
    assert follow_up.params["reply_parameters"]["message_id"] == 2


async def test_an_update_that_cannot_be_read_is_skipped_once(tg, engine, caplog):
    caplog.set_level(logging.INFO)
    async with polling(tg, engine):
        tg.raw_update(message={"message_id": 99, "chat": {"id": 42, "type": "private"},
                               "text": NANKANG})  # no date: python-telegram-bot cannot parse it
        (sent,) = await reply_to(tg, PINGXIANG)
        await asyncio.sleep(0.5)
    assert "5712家" in sent["text"]
    skipped = [r for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(skipped) == 1 and not skipped[0].exc_info
    assert len(tg.calls("getUpdates")) < 20  # not polled again and again for it
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_rate_limit_table_forgets_users_who_went_quiet(engine):
    st = BotState(engine=engine, settings=Settings(token=None, rate_limit=1, rate_period=0.05))
    for user in range(3000):
        assert await st.allow(user)
    await asyncio.sleep(0.1)  # every limiter has drained
    assert await st.allow(5000)
    assert len(st.limiters) <= 1025
    assert not await st.allow(5000)  # the one just used is kept: the limit still holds


# --- the webhook endpoint --------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def webhook(tg: FakeTelegram, engine, secret: str = "s3cret-token"):
    """``ganwen bot``'s serve() in webhook mode; yields the webhook URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hook"
    app = build_application(settings(tg, webhook_url=url, webhook_listen="127.0.0.1",
                                     webhook_port=port,
                                     webhook_secret=secret), engine)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, stop))
    try:
        await tg.wait_for("setWebhook")
        yield url
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def _raw_request(port: int, head: str, body: bytes = b"") -> str:
    """Send ``head`` (and ``body``) on a fresh connection; the status line of the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.encode() + b"\r\n" + body)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 5)
        return line.decode().strip()
    finally:
        writer.close()


def _head(port: int, length: int | str, secret: str | None) -> str:
    lines = ["POST /hook HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
             f"Content-Length: {length}" if length != "chunked" else "Transfer-Encoding: chunked"]
    if secret is not None:
        lines.append(f"{SECRET_HEADER}: {secret}")
    return "\r\n".join(lines) + "\r\n"


async def test_webhook_answers_only_with_the_secret(tg, engine):
    update, _ = tg.user_message(NANKANG)  # known to the fake, so the reply can quote it
    async with webhook(tg, engine) as url:
        (hook,) = tg.calls("setWebhook")
        assert hook.params["url"] == url and hook.params["secret_token"] == "s3cret-token"
        async with httpx.AsyncClient(trust_env=False) as client:
            missing = await client.post(url, json=update)
            wrong = await client.post(url, json=update, headers={SECRET_HEADER: "nope"})
            assert missing.status_code == wrong.status_code == 403
            assert tg.calls("sendMessage") == []
            ok = await client.post(url, json=update, headers={SECRET_HEADER: "s3cret-token"})
            assert ok.status_code == 200
        (sent,) = await tg.wait_for("sendMessage")
    assert "509.69亿元" in sent.params["text"]


async def test_webhook_refuses_a_large_body_before_reading_it(tg, engine):
    """95 MB declared and none sent: the answer comes at once, from the headers alone."""
    async with webhook(tg, engine) as url:
        port = int(url.split(":")[2].split("/")[0])
        big = 95 * 2**20
        assert " 403 " in await _raw_request(port, _head(port, big, None))
        assert " 403 " in await _raw_request(port, _head(port, big, "nope"))
        assert " 413 " in await _raw_request(port, _head(port, big, "s3cret-token"))
        assert " 413 " in await _raw_request(port, _head(port, MAX_BODY + 1, "s3cret-token"))
        # without a length, the body is cut off where the cap is
        chunk = b"x" * (MAX_BODY + 1)
        chunked = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n"
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            status = await _raw_request(port, _head(port, "chunked", "s3cret-token"), chunked)
            assert " 200 " not in status
    assert tg.calls("sendMessage") == []


async def test_webhook_skips_an_update_it_cannot_read(tg, engine, caplog):
    caplog.set_level(logging.INFO)
    update, _ = tg.user_message(NANKANG)
    broken = {"update_id": 7, "message": {"message_id": 1, "chat": {"id": 42, "type": "private"},
                                          "text": "hi"}}
    async with webhook(tg, engine) as url:
        async with httpx.AsyncClient(trust_env=False) as client:
            headers = {SECRET_HEADER: "s3cret-token"}
            assert (await client.post(url, json=broken, headers=headers)).status_code == 200
            not_json = await client.post(url, content=b"{oops", headers={
                **headers, "Content-Type": "application/json"})
            assert not_json.status_code == 400
            assert (await client.post(url, content=json.dumps(update),
                                      headers=headers)).status_code == 200
        (sent,) = await tg.wait_for("sendMessage")
    assert "509.69亿元" in sent.params["text"]
    assert len([r for r in caplog.records if "cannot be read" in r.getMessage()]) == 1
