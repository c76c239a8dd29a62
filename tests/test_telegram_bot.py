"""The Telegram bot end to end: the real python-telegram-bot Application polling a fake Bot API
server on 127.0.0.1 (tests/fake_telegram.py), with ganwen's engine on the seed corpus."""

from __future__ import annotations

import contextlib
import time

import pytest

from bot.settings import Settings
from bot.telegram_bot import build_application, post_init
from tests.fake_telegram import TOKEN, FakeTelegram

NANKANG = "南康2020年投资完成多少"


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


def settings(tg: FakeTelegram, **overrides) -> Settings:
    return Settings(token=TOKEN, api_base_url=tg.base_url, **overrides)


@contextlib.asynccontextmanager
async def polling(tg: FakeTelegram, engine, **overrides):
    app = build_application(settings(tg, **overrides), engine)
    async with app:
        await post_init(app)  # run_polling does this; here the test drives the loop itself
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def reply_to(tg: FakeTelegram, text: str, n: int = 1, **kw) -> list[dict]:
    """Send a user message and wait for the bot's n-th message after it."""
    before = len(tg.calls("sendMessage"))
    tg.user_message(text, **kw)
    calls = await tg.wait_for("sendMessage", count=before + n, timeout=15)
    return [c.params for c in calls[before:]]


async def test_commands_are_registered(tg, engine):
    async with polling(tg, engine):
        names = [c["command"] for c in tg.my_commands()]
    assert {"ask", "help", "about", "sources", "start"} <= set(names)


async def test_private_question(tg, engine):
    async with polling(tg, engine):
        (sent,) = await reply_to(tg, NANKANG)
    assert sent["parse_mode"] == "HTML"
    assert sent["text"].startswith("<b>509.69亿元</b>")
    assert "<b><u>509.69亿元</u></b>" in sent["text"] and "六大攻坚战综合评分" in sent["text"]
    buttons = [b["callback_data"] for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["more:1", "fb:up", "fb:down"]
    assert all(len(b.encode()) <= 64 for b in buttons)


async def test_traditional_question_gets_traditional_reply(tg, engine):
    async with polling(tg, engine):
        (sent,) = await reply_to(tg, "南康2020年投資完成多少")
    assert sent["text"].startswith("<b>509.69億元</b>") and "年度投資" in sent["text"]


async def test_no_answer_is_polite_with_examples(tg, engine):
    async with polling(tg, engine):
        (sent,) = await reply_to(tg, "今天星期几")
    assert "没有找到" in sent["text"] and sent["text"].count("<code>") == 2


async def test_more_button_edits_the_message(tg, engine):
    async with polling(tg, engine):
        await reply_to(tg, NANKANG)
        answer = tg.bot_messages()[-1]
        tg.callback_query(answer, "more:1")
        (edit,) = await tg.wait_for("editMessageText")
        await tg.wait_for("answerCallbackQuery")
        assert edit.params["message_id"] == answer["message_id"]
        assert "第2/" in edit.params["text"] and "\n4. " in "\n" + edit.params["text"].split("\n\n", 2)[-1]
        page2 = tg.bot_messages()[-1]
        assert page2["text"] == edit.params["text"]
        buttons = [b["callback_data"] for row in edit.params["reply_markup"]["inline_keyboard"] for b in row]
        assert "more:0" in buttons
        tg.callback_query(page2, "more:0")  # and back to the first page
        await tg.wait_for("editMessageText", count=2)
        assert tg.bot_messages()[-1]["text"].startswith("<b>509.69亿元</b>")


async def test_group_chatter_is_ignored_and_addressed_messages_answered(tg, engine):
    group = dict(chat_type="supergroup", chat_id=-100555)
    async with polling(tg, engine):
        tg.user_message("今天中午吃什么?" + NANKANG, **group)
        (ask,) = await reply_to(tg, "/ask " + NANKANG, **group)
        (ask_at,) = await reply_to(tg, "/ask@ganwen_bot 南康2020年投資完成多少", **group)
        (mention,) = await reply_to(tg, "@ganwen_bot 赣州经开区医疗床位总数是多少", mention=True, **group)
        bot_msg = tg.bot_messages(-100555)[-1]
        (reply,) = await reply_to(tg, "萍乡企业上云多少家", reply_to=bot_msg, **group)
        tg.user_message("@someone_else " + NANKANG, **group)
        tg.user_message("/ask@other_bot " + NANKANG, **group)
        (last,) = await reply_to(tg, "/ask 于都规上工业企业总户数是多少", **group)
    assert "509.69亿元" in ask["text"] and "509.69億元" in ask_at["text"]
    assert "3910张" in mention["text"] and "5712家" in reply["text"] and "161家" in last["text"]
    assert len(tg.calls("sendMessage")) == 5  # chatter, other mentions, other bots: ignored
    for sent in (ask, ask_at, mention, reply):
        assert sent["reply_parameters"]["message_id"]  # the question is quoted


async def test_forum_topic_reply_stays_in_topic(tg, engine):
    async with polling(tg, engine):
        (sent,) = await reply_to(tg, "/ask " + NANKANG, chat_type="supergroup", is_forum=True,
                                 message_thread_id=77)
    assert sent["message_thread_id"] == 77


async def test_inline_query(tg, engine):
    async with polling(tg, engine):
        tg.inline_query("赣州经开区医疗床位总数是多少")
        (call,) = await tg.wait_for("answerInlineQuery")
    results = call.params["results"]
    assert 1 <= len(results) <= 5
    assert results[0]["title"] == "3910张" and "赣州经开区" in results[0]["description"]
    content = results[0]["input_message_content"]
    assert content["parse_mode"] == "HTML" and "<b>3910张" in content["message_text"]


async def test_inline_query_without_answer_lists_nothing(tg, engine):
    async with polling(tg, engine):
        tg.inline_query("今天星期几")
        tg.inline_query("")
        calls = await tg.wait_for("answerInlineQuery", count=2)
    assert [c.params["results"] for c in calls] == [[], []]


async def test_flood_control_waits_out_429(tg, engine):
    tg.fail("sendMessage", 429, retry_after=1)
    async with polling(tg, engine):
        start = time.monotonic()
        tg.user_message(NANKANG)
        calls = await tg.wait_for("sendMessage", count=2, timeout=15)
        waited = calls[1].time - calls[0].time
    assert calls[0].status == 429 and calls[1].status == 200
    assert waited >= 1.0 and time.monotonic() - start < 10
    assert "509.69亿元" in tg.bot_texts()[-1]


async def test_server_error_is_survived(tg, engine):
    tg.fail("sendMessage", 500)
    async with polling(tg, engine):
        tg.user_message(NANKANG)
        calls = await tg.wait_for("sendMessage", count=2)
        assert calls[0].status == 500 and "509.69亿元" in calls[1].params["text"]  # sent again
        (sent,) = await reply_to(tg, "萍乡企业上云多少家")
    assert "5712家" in sent["text"]


async def test_get_updates_failure_is_survived(tg, engine):
    async with polling(tg, engine):
        tg.fail("getUpdates", 502)
        (sent,) = await reply_to(tg, NANKANG)
    assert "509.69亿元" in sent["text"]


async def test_network_timeout_is_survived(tg, engine):
    tg.delay("sendMessage", 7)  # beyond python-telegram-bot's 5 s read timeout
    async with polling(tg, engine):
        tg.user_message(NANKANG)
        await tg.wait_for("sendMessage", predicate=lambda c: "抱歉" in c.params["text"], timeout=15)
        tg.user_message("萍乡企业上云多少家")
        await tg.wait_for("sendMessage", predicate=lambda c: "5712家" in c.params["text"],
                          timeout=15)


async def test_oversized_question_gets_a_short_reply(tg, engine):
    async with polling(tg, engine):
        (sent,) = await reply_to(tg, "南康" * 300)
    assert "太长" in sent["text"] and len(sent["text"]) < 100


async def test_html_in_a_question_cannot_break_the_reply(tg, engine):
    async with polling(tg, engine):
        (sent,) = await reply_to(tg, "<b>南康</b>2020年投资完成多少 & <script>")
        (none,) = await reply_to(tg, "<i>深圳</i> & <b>GDP是多少")
    assert "509.69亿元" in sent["text"]
    for text in (sent["text"], none["text"]):
        assert "<script>" not in text and "<i>深圳" not in text


async def test_per_user_rate_limit(tg, engine):
    async with polling(tg, engine, rate_limit=2, rate_period=60):
        first = await reply_to(tg, NANKANG)
        second = await reply_to(tg, NANKANG)
        (third,) = await reply_to(tg, NANKANG)
        (other,) = await reply_to(tg, NANKANG, user_id=43)
    assert "509.69" in first[0]["text"] and "509.69" in second[0]["text"]
    assert "频繁" in third["text"] and "509.69" in other["text"]


async def test_allow_lists(tg, engine):
    async with polling(tg, engine, allowed_user_ids=frozenset({43})):
        tg.user_message(NANKANG, user_id=42)
        (sent,) = await reply_to(tg, NANKANG, user_id=43)
    assert len(tg.calls("sendMessage")) == 1 and sent["chat_id"] == 43


async def test_reload_is_for_admins(tg, engine):
    async with polling(tg, engine, admin_user_ids=frozenset({7})):
        (refused,) = await reply_to(tg, "/reload", user_id=42)
        reloading, done = await reply_to(tg, "/reload", n=2, user_id=7)
        (after,) = await reply_to(tg, NANKANG, user_id=7)
    assert "管理员" in refused["text"]
    assert "重新加载" in done["text"] and str(engine.index.stats.passages) in done["text"]
    assert "509.69亿元" in after["text"]


async def test_info_commands(tg, engine):
    async with polling(tg, engine):
        (start,) = await reply_to(tg, "/start")
        (help_,) = await reply_to(tg, "/help")
        (about,) = await reply_to(tg, "/about")
        (sources,) = await reply_to(tg, "/sources")
    assert NANKANG in help_["text"] and "@ganwen_bot" in help_["text"] and "赣问" in start["text"]
    assert f"{engine.index.stats.articles}篇文章" in about["text"]
    assert sources["text"].count("•") == engine.index.stats.articles


async def test_handler_exception_is_logged_and_apologized(tg, engine, monkeypatch, caplog):
    real_ask = engine.ask

    def ask(question, k=5, context=None):
        if "爆炸" in question:
            raise RuntimeError("engine exploded")
        return real_ask(question, k, context=context)

    monkeypatch.setattr(engine, "ask", ask)
    async with polling(tg, engine):
        (apology,) = await reply_to(tg, "爆炸问题")
        (sent,) = await reply_to(tg, NANKANG)
    assert "抱歉" in apology["text"] and "509.69亿元" in sent["text"]
    assert any("engine exploded" in r.getMessage() for r in caplog.records)


async def test_sources_lists_at_most_the_cap(tg, engine, monkeypatch):
    import bot.telegram_bot as tb

    monkeypatch.setattr(tb, "MAX_SOURCES_LISTED", 2)
    async with polling(tg, engine):
        (sources,) = await reply_to(tg, "/sources")
    assert sources["text"].count("•") == 2
    assert f"另有{engine.index.stats.articles - 2}篇" in sources["text"]


@pytest.mark.parametrize("edited", ["南" * 600, "", "写一首关于赣州的诗"])
async def test_more_behind_an_edited_question_says_it_is_gone(tg, engine, edited):
    """The question was edited after the answer (too long, emptied, now unanswerable): 更多
    answers the button with one short line and leaves the message as it was."""
    async with polling(tg, engine):
        await reply_to(tg, NANKANG)
        answer = tg.bot_messages()[-1]
        tg.edit_quoted(answer, edited)
        tg.callback_query(answer, "more:1")
        (call,) = await tg.wait_for("answerCallbackQuery")
    assert call.params.get("text")
    assert not tg.calls("editMessageText")
