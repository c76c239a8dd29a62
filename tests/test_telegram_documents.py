"""Articles added from the chat: an admin sends a .txt/.md/.html file, the bot saves it into the
corpus folder under a safe name, indexes it and names a question it answers; end to end against
the fake Bot API (tests/fake_telegram.py), on a corpus folder of the test's own."""

from __future__ import annotations

import shutil

import pytest

from bot import documents
from tests.fake_telegram import FakeTelegram
from tests.helpers import SEEDS
from tests.test_telegram_bot import polling, reply_to

ADMIN = 7
ARTICLE = """吉安县去年粮食生产再获丰收
2023-01-10 来源:江西日报
去年,吉安县粮食播种面积稳定在80万亩以上,粮食总产量达到35.6万吨,创历史新高。
全县新建高标准农田5.2万亩,新增农业产业化龙头企业12家。
"""


@pytest.fixture
def tg():
    with FakeTelegram() as server:
        yield server


@pytest.fixture(scope="module")
def corpus_engine(tmp_path_factory):
    from retrieval.engine import Engine

    folder = tmp_path_factory.mktemp("corpus")
    for path in sorted(SEEDS.glob("*.txt"))[:2]:
        shutil.copy(path, folder / path.name)
    return Engine.open(folder, notice=lambda _: None)


async def send(tg: FakeTelegram, data: bytes, name: str, n: int = 1, **kw) -> list[str]:
    before = len(tg.calls("sendMessage"))
    tg.user_document(data, name, **kw)
    calls = await tg.wait_for("sendMessage", count=before + n, timeout=60)
    return [c.params["text"] for c in calls[before:]]


def test_safe_name():
    assert documents.safe_name("../../etc/passwd.txt") == "etc_passwd.txt"
    assert documents.safe_name("..\\..\\x.md") == "x.md"
    assert documents.safe_name(".hidden.TXT") == "hidden.txt"
    assert documents.safe_name("吉安 新闻?.html") == "吉安_新闻.html"
    assert documents.safe_name("??.txt") == "article.txt"


def test_save_never_overwrites_nor_escapes(tmp_path):
    first = documents.save(tmp_path, "a.txt", "一")
    second = documents.save(tmp_path, "../a.txt", "二")
    assert first.name == "a.txt" and second.name == "a-2.txt" and second.parent == tmp_path
    assert first.read_text(encoding="utf-8") == "一"


def test_decode_utf8_and_gb18030():
    assert documents.decode(ARTICLE.encode("gb18030")) == ARTICLE
    assert documents.decode(b"\xef\xbb\xbf" + ARTICLE.encode()) == ARTICLE
    with pytest.raises(documents.DocumentError):
        documents.decode(b"\xff\xfe\x00\xd8\x00")


async def test_admin_adds_an_article(tg, corpus_engine):
    engine = corpus_engine
    async with polling(tg, engine, admin_user_ids=frozenset({ADMIN})) as app:
        adding, added = await send(tg, ARTICLE.encode("gb18030"), "../吉安粮食.txt", n=2,
                                   user_id=ADMIN)
        st = app.bot_data["ganwen"]
        saved = st.engine.corpus / "吉安粮食.txt"
        assert saved.read_text(encoding="utf-8") == ARTICLE
        assert "正在添加" in adding and "已添加“吉安粮食.txt”:1篇文章" in added
        assert "可以这样问:" in added
        question = added.split("可以这样问:")[1].strip()
        answer = st.engine.ask(question).answer
        assert answer is not None
        # asked in the chat, the next question is answered from the new file
        (reply,) = await reply_to(tg, question)
        assert answer.text in reply["text"] and "吉安粮食" in st.engine.index.files[-1]["path"]
        # the same name again: saved beside it, not over it
        (_, again) = await send(tg, ARTICLE.encode(), "吉安粮食.txt", n=2, user_id=ADMIN)
        assert "吉安粮食-2.txt" in again and saved.read_text(encoding="utf-8") == ARTICLE


async def test_refusals(tg, corpus_engine, monkeypatch):
    monkeypatch.setattr(documents, "MAX_BYTES", 100)
    async with polling(tg, corpus_engine, admin_user_ids=frozenset({ADMIN})):
        (not_admin,) = await send(tg, ARTICLE.encode(), "a.txt", user_id=42)
        (pdf,) = await send(tg, b"%PDF-1.4", "a.pdf", user_id=ADMIN)
        (big,) = await send(tg, ARTICLE.encode() * 10, "big.txt", user_id=ADMIN)
        (binary,) = await send(tg, b"\xff\xfe\x00\xd8\x00", "bin.txt", user_id=ADMIN)
    assert "管理员" in not_admin
    assert ".txt" in pdf and ".md" in pdf and ".html" in pdf
    assert "太大" in big and "编码" in binary
    assert not (corpus_engine.corpus / "a.txt").exists()
    assert not (corpus_engine.corpus / "big.txt").exists()


async def test_group_needs_add_caption(tg, corpus_engine):
    group = dict(chat_type="supergroup", chat_id=-100999, user_id=ADMIN)
    async with polling(tg, corpus_engine, admin_user_ids=frozenset({ADMIN})):
        tg.user_document(ARTICLE.encode(), "ignored.txt", **group)
        tg.user_document(ARTICLE.encode(), "other.txt", caption="/add@other_bot", **group)
        texts = await send(tg, ARTICLE.encode(), "群.md", n=2, caption="/add", **group)
    assert "已添加“群.md”" in texts[1]
    assert len(tg.calls("sendMessage")) == 2
    assert not (corpus_engine.corpus / "ignored.txt").exists()
    assert not (corpus_engine.corpus / "other.txt").exists()


@pytest.mark.parametrize("start, started, done", [
    (lambda tg: tg.user_document(ARTICLE.replace("35.6", "36.1").encode(), "慢.txt",
                                 user_id=ADMIN), "正在添加", "已添加"),
    (lambda tg: tg.user_message("/reload", user_id=ADMIN), "正在重新加载", "已重新加载"),
], ids=["adding a document", "reload"])
async def test_questions_are_answered_while_indexing(tg, corpus_engine, monkeypatch, start,
                                                     started, done):
    import time

    from tests.test_telegram_bot import reply_to

    async with polling(tg, corpus_engine, admin_user_ids=frozenset({ADMIN})) as app:
        st = app.bot_data["ganwen"]
        real_reload = st.engine.reload

        def slow_reload(notice):
            time.sleep(3)
            return real_reload(notice)

        monkeypatch.setattr(st.engine, "reload", slow_reload)
        start(tg)
        await tg.wait_for("sendMessage", predicate=lambda c: started in c.params["text"])
        (answer,) = await reply_to(tg, "南康2020年投资完成多少", user_id=42)
        assert not any(done in (t or "") for t in tg.bot_texts())  # still indexing
        await tg.wait_for("sendMessage", predicate=lambda c: done in c.params["text"],
                          timeout=60)
    assert "509.69亿元" in answer["text"]


def test_fake_serves_files_by_get_file(tg):
    import httpx

    from tests.fake_telegram import TOKEN

    _, msg = tg.user_document(b"abc", "x.txt")
    file_id = msg["document"]["file_id"]
    with httpx.Client(trust_env=False) as client:
        got = client.post(f"{tg.base_url}{TOKEN}/getFile", data={"file_id": file_id}).json()
        path = got["result"]["file_path"]
        root = tg.base_url.removesuffix("/bot")
        assert client.get(f"{root}/file/bot{TOKEN}/{path}").content == b"abc"
        assert client.get(f"{root}/file/botWRONG/{path}").status_code == 404
        bad = client.post(f"{tg.base_url}{TOKEN}/getFile", data={"file_id": "nope"})
    assert bad.status_code == 400 and path.endswith(".txt")
