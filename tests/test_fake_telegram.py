"""The fake Bot API server (tests/fake_telegram.py) against the real python-telegram-bot stack:
no ganwen code involved, only PTB's Application, Updater and handlers."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import time

import httpx
import pytest
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.error import BadRequest, Conflict, InvalidToken, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from tests.fake_telegram import BOT_USER, TOKEN, FakeTelegram, decode_params, utf16_len


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


def build(tg: FakeTelegram, token: str = TOKEN, **builder_settings) -> Application:
    builder = Application.builder().token(token).base_url(tg.base_url)
    for name, value in builder_settings.items():
        getattr(builder, name)(value)
    return builder.build()


@contextlib.asynccontextmanager
async def polling(app: Application, timeout: float = 1):
    """Run app polling the fake; on exit stop the updater first, then the application."""
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=timeout)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text)


def echo_app(tg: FakeTelegram, **settings) -> Application:
    app = build(tg, **settings)
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


async def raw(tg: FakeTelegram, method: str, token: str = TOKEN, **params):
    """One form-encoded request the way PTB encodes it (str raw, everything else JSON)."""
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with httpx.AsyncClient(trust_env=False, timeout=15) as client:
        return await client.post(f"{tg.base_url}{token}/{method}", data=data)


async def test_echo_round_trip_and_fast_shutdown(tg):
    app = echo_app(tg)
    async with polling(app):
        tg.user_message("江西的GDP是多少?", user_id=7)
        [call] = await tg.wait_for("sendMessage")
        assert call.params["text"] == "江西的GDP是多少?"
        assert call.params["chat_id"] == 7
        t0 = time.monotonic()
    assert time.monotonic() - t0 < 3
    methods = [c.method for c in tg.calls()]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    assert tg.bot_texts(7) == ["江西的GDP是多少?"]
    [sent] = tg.bot_messages(7)
    assert sent["from"]["id"] == BOT_USER["id"] and sent["message_id"] == 2  # user's was 1
    assert app.bot.username == "ganwen_bot"


async def test_updates_are_delivered_once(tg):
    seen = []

    async def record(update, context):
        seen.append(update.message.text)

    app = build(tg)
    app.add_handler(MessageHandler(filters.TEXT, record))
    async with polling(app):
        for text in ("一", "二", "三"):
            tg.user_message(text)
        polls = len(tg.calls("getUpdates"))
        await tg.wait_for("getUpdates", count=polls + 3, answered=False)  # no re-delivery
    assert seen == ["一", "二", "三"]
    assert tg.pending_updates() == []


async def test_offset_and_limit_raw(tg):
    for text in ("a", "b", "c"):
        tg.user_message(text)
    first = (await raw(tg, "getUpdates", limit=2)).json()["result"]
    assert [u["message"]["text"] for u in first] == ["a", "b"]
    again = (await raw(tg, "getUpdates", offset=first[-1]["update_id"] + 1)).json()["result"]
    assert [u["message"]["text"] for u in again] == ["c"]
    last = (await raw(tg, "getUpdates", offset=-1)).json()["result"]
    assert [u["message"]["text"] for u in last] == ["c"]
    assert (await raw(tg, "getUpdates", offset=again[-1]["update_id"] + 1)).json()["result"] == []


async def test_long_poll_wakes_when_an_update_is_pushed(tg):
    poll = asyncio.create_task(raw(tg, "getUpdates", timeout=10))
    await tg.wait_for("getUpdates", answered=False)
    t0 = time.monotonic()
    tg.user_message("醒醒")
    updates = (await poll).json()["result"]
    assert time.monotonic() - t0 < 1
    assert updates[0]["message"]["text"] == "醒醒"


async def test_long_poll_with_ptb(tg):
    app = echo_app(tg)
    async with polling(app, timeout=10):
        await tg.wait_for("getUpdates", answered=False)
        await asyncio.sleep(0.2)  # the poll is now parked in the server
        t0 = time.monotonic()
        tg.user_message("快")
        await tg.wait_for("sendMessage")
        assert time.monotonic() - t0 < 1
        await asyncio.sleep(0.2)
        t0 = time.monotonic()
    assert time.monotonic() - t0 < 3  # PTB cancels the pending long poll on stop


async def test_stop_releases_long_poll(tg):
    poll = asyncio.create_task(raw(tg, "getUpdates", timeout=10))
    await tg.wait_for("getUpdates", answered=False)
    t0 = time.monotonic()
    await asyncio.to_thread(tg.stop)
    assert (await poll).json()["result"] == []
    assert time.monotonic() - t0 < 1


async def test_updater_survives_a_500_on_get_updates(tg):
    tg.fail("getUpdates", 500)
    app = echo_app(tg)
    async with polling(app):
        tg.user_message("还在吗")
        [call] = await tg.wait_for("sendMessage", timeout=5)  # PTB waits 1 s after an error
        assert call.params["text"] == "还在吗"
    assert tg.calls("getUpdates")[0].status == 500


async def test_429_body(tg):
    tg.fail("sendMessage", 429, retry_after=1)
    response = await raw(tg, "sendMessage", chat_id=1, text="hi")
    assert response.status_code == 429
    assert response.json() == {"ok": False, "error_code": 429,
                               "description": "Too Many Requests: retry after 1",
                               "parameters": {"retry_after": 1}}
    assert (await raw(tg, "sendMessage", chat_id=1, text="hi")).json()["ok"] is True
    tg.fail("sendMessage", 502)
    response = await raw(tg, "sendMessage", chat_id=1, text="hi")
    assert (response.status_code, response.json()["description"]) == (502, "Bad Gateway")


async def test_ptb_sees_injected_errors(tg, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # else RetryAfter() warns PTBDeprecationWarning
    app = build(tg, read_timeout=0.3)
    async with app:
        tg.fail("sendMessage", 429, retry_after=3)
        with pytest.raises(RetryAfter) as exc:
            await app.bot.send_message(5, "hi")
        assert exc.value.retry_after == dt.timedelta(seconds=3)
        tg.delay("sendMessage", 0.8)
        with pytest.raises(TimedOut):
            await app.bot.send_message(5, "slow")
        # A client-side timeout does not undo the send: retrying blindly would post it twice.
        await tg.wait_for("sendMessage", predicate=lambda c: c.params["text"] == "slow")
        assert tg.bot_texts(5) == ["slow"]
        await app.bot.send_message(5, "ok")
        with pytest.raises(BadRequest, match="(?i)message is too long"):
            await app.bot.send_message(5, "长" * 4097)
        [msg] = [m for m in tg.bot_messages(5) if m["text"] == "ok"]
        with pytest.raises(BadRequest, match="(?i)not modified"):
            await app.bot.edit_message_text("ok", chat_id=5, message_id=msg["message_id"])
        await app.bot.set_webhook("https://example.invalid/hook")  # stored only
        with pytest.raises(Conflict):
            await app.bot.get_updates()
        await app.bot.delete_webhook()
    assert [c.status for c in tg.calls("sendMessage")][:3] == [429, 200, 200]


async def test_callback_and_inline_round_trip(tg):
    queries = []

    async def start(update, context):
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("更多", callback_data="more")]])
        await update.message.reply_text("第一页", reply_markup=keyboard)

    async def press(update, context):
        await update.callback_query.answer("好的")
        await update.callback_query.edit_message_text(f"第二页 ({update.callback_query.data})")

    async def inline(update, context):
        queries.append(update.inline_query.query)
        await update.inline_query.answer([InlineQueryResultArticle(
            id="1", title="答案", input_message_content=InputTextMessageContent("四十二"))],
            cache_time=0)

    app = build(tg)
    app.add_handlers([CommandHandler("start", start), CallbackQueryHandler(press),
                      InlineQueryHandler(inline)])
    async with polling(app):
        tg.user_message("/start")
        [sent] = await tg.wait_for("sendMessage")
        assert sent.params["reply_markup"] == {
            "inline_keyboard": [[{"text": "更多", "callback_data": "more"}]]}
        [bot_msg] = tg.bot_messages()
        tg.callback_query(bot_msg, "more")
        [answer] = await tg.wait_for("answerCallbackQuery")
        [edit] = await tg.wait_for("editMessageText")
        tg.inline_query("123")
        [inline_answer] = await tg.wait_for("answerInlineQuery")
    assert answer.params["text"] == "好的" and isinstance(answer.params["callback_query_id"], str)
    assert edit.params["message_id"] == bot_msg["message_id"]
    assert tg.bot_texts() == ["第二页 (more)"]
    assert queries == ["123"]
    assert isinstance(inline_answer.params["inline_query_id"], str)
    assert inline_answer.params["cache_time"] == 0
    [result] = inline_answer.params["results"]
    assert result["type"] == "article" and result["input_message_content"] == {
        "message_text": "四十二"}


async def test_group_command_mention_and_reply(tg):
    got = []

    async def ask(update, context):
        got.append(context.args)
        await update.message.reply_text("答")

    async def reply(update, context):
        got.append(update.message.reply_to_message.text)

    app = build(tg)
    app.add_handlers([CommandHandler("ask", ask),
                      MessageHandler(filters.REPLY & filters.TEXT, reply)])
    async with polling(app):
        _, msg = tg.user_message("/ask@ganwen_bot 南昌 @ganwen_bot", chat_type="supergroup",
                                 mention=True)
        [sent] = await tg.wait_for("sendMessage")
        assert sent.params["reply_parameters"] == {"message_id": msg["message_id"]}  # quoted
        [answer] = tg.bot_messages(-100123)
        assert answer["reply_to_message"]["text"].startswith("/ask")
        tg.user_message("追问", chat_type="supergroup", reply_to=answer)
        await asyncio.sleep(0)
        for _ in range(200):
            if len(got) == 2:
                break
            await asyncio.sleep(0.01)
    assert got == [["南昌", "@ganwen_bot"], "答"]
    assert msg["entities"] == [
        {"type": "bot_command", "offset": 0, "length": len("/ask@ganwen_bot")},
        {"type": "mention", "offset": utf16_len("/ask@ganwen_bot 南昌 "), "length": 11}]


async def test_forum_topic_reply_stays_in_topic(tg):
    app = echo_app(tg)
    async with polling(app):
        tg.user_message("话题里问", chat_type="supergroup", is_forum=True, message_thread_id=5)
        [sent] = await tg.wait_for("sendMessage")
    assert sent.params["message_thread_id"] == 5
    [answer] = tg.bot_messages(-100123)
    assert answer["is_topic_message"] is True and answer["message_thread_id"] == 5


async def test_commands_and_webhook_info(tg):
    app = build(tg)
    async with app:
        await app.bot.set_my_commands([("ask", "提问")])
        assert [c.command for c in await app.bot.get_my_commands()] == ["ask"]
        assert (await app.bot.get_webhook_info()).url == ""
        assert await app.bot.send_chat_action(5, "typing") is True
    assert tg.my_commands() == [{"command": "ask", "description": "提问"}]


async def test_wrong_token_is_rejected():
    with FakeTelegram(token="123:RIGHT") as tg:
        app = build(tg, token="123:WRONG")
        with pytest.raises(InvalidToken):
            await app.initialize()
        response = await raw(tg, "getMe", token="123:WRONG")
        assert response.status_code == 401
        assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_decoding_keeps_text_raw():
    form = b"chat_id=-100123&text=123&reply_markup=%7B%22a%22%3A1%7D&parse_mode=HTML&offset=5"
    params = decode_params("application/x-www-form-urlencoded", form)
    assert params == {"chat_id": -100123, "text": "123", "reply_markup": {"a": 1},
                      "parse_mode": "HTML", "offset": 5}
    assert decode_params("application/json", b'{"chat_id": 1, "text": "x"}') == {
        "chat_id": 1, "text": "x"}
    body = (b'--b\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n9\r\n'
            b'--b\r\nContent-Disposition: form-data; name="doc"; filename="a.txt"\r\n'
            b'Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n')
    assert decode_params("multipart/form-data; boundary=b", body) == {"chat_id": 9,
                                                                       "doc": b"hello"}


def test_sync_wait_and_utf16():
    assert utf16_len("赣问") == 2 and utf16_len("😀") == 2
    with FakeTelegram() as tg:
        with httpx.Client(trust_env=False) as client:
            client.post(f"{tg.base_url}{TOKEN}/sendMessage", data={"chat_id": "3", "text": "x"})
        [call] = tg.wait_for_sync("sendmessage", timeout=1)  # method names are case-insensitive
        assert call.status == 200 and call.params == {"chat_id": 3, "text": "x"}
