"""Conversations and 👍/👎 feedback in the Telegram bot, end to end against the fake Bot API
(tests/fake_telegram.py), and the ``ganwen feedback`` summary."""

from __future__ import annotations

import json

import pytest

from bot import feedback
from bot.cli import main
from bot.conversations import Memory
from bot.telegram_bot import STATE
from tests.fake_telegram import FakeTelegram
from tests.test_telegram_bot import polling, reply_to

FIRST = "南昌经开区今年开工改造了几个老旧小区"
FOLLOW_UP = "那萍乡呢"


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_memory_expires_and_is_bounded():
    clock = Clock()
    memory: Memory[str] = Memory(ttl=60, capacity=3, clock=clock)
    for n in range(5):
        memory.put(n, f"v{n}")
    assert len(memory) == 3 and memory.get(0) is None and memory.get(1) is None
    assert memory.get(2) == "v2"  # a get makes 2 the most recent: 3 goes first
    memory.put(5, "v5")
    assert memory.get(3) is None and memory.get(2) == "v2"
    clock.now += 30
    assert memory.get(4) == "v4"  # touched: idle again from now
    clock.now += 45
    assert memory.get(2) is None and memory.get(4) == "v4" and memory.get(5) is None


async def test_private_follow_up(tg, engine):
    async with polling(tg, engine):
        (first,) = await reply_to(tg, FIRST)
        (follow,) = await reply_to(tg, FOLLOW_UP)
        (other,) = await reply_to(tg, FOLLOW_UP, user_id=43)  # another chat: no conversation
    assert "216个" in follow["text"] and "萍乡今年开工改造了几个老旧小区" in follow["text"]
    assert "216个" not in other["text"]
    assert "216个" not in first["text"]


async def test_follow_up_pages(tg, engine):
    async with polling(tg, engine):
        await reply_to(tg, FIRST)
        (follow,) = await reply_to(tg, FOLLOW_UP)
        answer = tg.bot_messages()[-1]
        data = [b["callback_data"] for row in follow["reply_markup"]["inline_keyboard"]
                for b in row]
        if "more:1" not in data:
            pytest.skip("the follow-up's answer has a single page")
        tg.callback_query(answer, "more:1")
        await tg.wait_for("editMessageText")
        tg.callback_query(tg.bot_messages()[-1], "more:0")
        (_, back) = await tg.wait_for("editMessageText", count=2)
    assert "216个" in back.params["text"]


async def test_group_reply_continues_the_answer_and_ask_starts_afresh(tg, engine):
    group = dict(chat_type="supergroup", chat_id=-100777)
    async with polling(tg, engine):
        await reply_to(tg, "/ask " + FIRST, **group)
        answer = tg.bot_messages(-100777)[-1]
        (fresh,) = await reply_to(tg, "/ask " + FOLLOW_UP, **group)
        (mention,) = await reply_to(tg, "@ganwen_bot " + FOLLOW_UP, mention=True, **group)
        (reply,) = await reply_to(tg, FOLLOW_UP, reply_to=answer, user_id=43, **group)
    assert "216个" not in fresh["text"] and "216个" not in mention["text"]
    assert "216个" in reply["text"]


async def test_conversation_expires(tg, engine):
    clock = Clock()
    async with polling(tg, engine, conversation_minutes=10) as app:
        app.bot_data[STATE].set_clock(clock)
        await reply_to(tg, FIRST)
        clock.now += 9 * 60
        (within,) = await reply_to(tg, FOLLOW_UP)
        clock.now += 10 * 60 + 1
        (expired,) = await reply_to(tg, FOLLOW_UP)
    assert "216个" in within["text"] and "216个" not in expired["text"]


async def test_conversations_are_bounded(tg, engine):
    async with polling(tg, engine) as app:
        st = app.bot_data[STATE]
        st.chats.capacity = st.threads.capacity = 2
        await reply_to(tg, FIRST, user_id=1)
        await reply_to(tg, FIRST, user_id=2)
        await reply_to(tg, FIRST, user_id=3)  # user 1's conversation is forgotten
        (forgotten,) = await reply_to(tg, FOLLOW_UP, user_id=1)
        (kept,) = await reply_to(tg, FOLLOW_UP, user_id=3)
        assert len(st.chats) <= 2 and len(st.threads) <= 2
    assert "216个" not in forgotten["text"] and "216个" in kept["text"]


async def test_inline_queries_stand_alone(tg, engine):
    async with polling(tg, engine):
        await reply_to(tg, FIRST)
        tg.inline_query(FOLLOW_UP)
        (call,) = await tg.wait_for("answerInlineQuery")
    assert all("216个" != r["title"] for r in call.params["results"])


async def test_feedback_button_records_a_line(tg, engine, tmp_path, monkeypatch):
    monkeypatch.setenv("GANWEN_CACHE_DIR", str(tmp_path))
    async with polling(tg, engine):
        await reply_to(tg, FIRST)
        await reply_to(tg, FOLLOW_UP)
        answer = tg.bot_messages()[-1]
        tg.callback_query(answer, "fb:down")
        tg.callback_query(answer, "fb:up", user_id=43)
        calls = await tg.wait_for("answerCallbackQuery", count=2)
        await reply_to(tg, "南康2020年投資完成多少")
        tg.callback_query(tg.bot_messages()[-1], "fb:up")
        calls = await tg.wait_for("answerCallbackQuery", count=3)
    assert [c.params["text"] for c in calls] == ["感谢反馈!", "感谢反馈!", "感謝反饋!"]
    lines = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["vote"] for r in records] == ["down", "up", "up"]
    first = records[0]
    assert first["question"] == FOLLOW_UP and first["answer"] == "216个"
    assert first["interpreted"] == "萍乡今年开工改造了几个老旧小区" and first["passage_id"]
    assert first["time"].endswith("+00:00")
    assert not any(k in r for r in records for k in ("user", "user_id", "username", "chat_id"))
    assert "alice" not in "".join(lines) and "Alice" not in "".join(lines)


def test_feedback_summary(tmp_path, capsys):
    from retrieval.models import Response

    path = tmp_path / "feedback.jsonl"
    r = Response(question="q")
    for question, vote in [("甲", "down"), ("乙", "down"), ("甲", "down"), ("甲", "up"),
                           ("丙", "up")]:
        feedback.record(path, question, r, vote)
    with path.open("a", encoding="utf-8") as f:
        f.write("not json\n")
    assert main(["feedback", "--file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "👍 2" in out and "👎 3" in out and "👎 最多的问题" in out
    assert out.index("甲") < out.index("乙") and "丙" not in out.split("👎 最多的问题")[1]
    assert main(["feedback", "--file", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["up"] == 2 and summary["down"] == 3 and summary["skipped"] == 1
    assert summary["most_down"][0] == {"question": "甲", "down": 2, "up": 1}


def test_feedback_summary_of_no_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GANWEN_CACHE_DIR", str(tmp_path))
    assert main(["feedback", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["up"] == summary["down"] == 0 and summary["file"].endswith("feedback.jsonl")
