"""Telegram HTML rendering: escaping, the 4096-character limit, paging and inline results."""

from __future__ import annotations

import html
import re
import string
from html.parser import HTMLParser

import pytest

from bot import telegram_render as render
from bot.telegram_bot import question_of

ALLOWED_TAGS = {"b", "i", "u", "code", "blockquote", "s", "a", "pre"}


class _Checker(HTMLParser):
    """Telegram accepts only a few tags, properly nested; anything else fails the send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        assert tag in ALLOWED_TAGS, tag
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, tag


def assert_telegram_html(text: str) -> None:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert checker.stack == []
    assert len(text) <= render.MAX_MESSAGE


def visible(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def test_answer_message(engine):
    r = engine.ask("南康2020年投资完成多少", k=12)
    first = render.answer_messages(r)
    assert len(first) == 1
    assert_telegram_html(first[0])
    assert first[0].startswith("<b>509.69亿元</b>")
    assert "<b><u>509.69亿元</u></b>" in first[0]  # marked in its passage
    assert "<i>六大攻坚战综合评分 南康区再获赣州市第一 · 来源不详 日期不详</i>" in first[0]
    assert ".txt" not in first[0] and "×10" not in first[0]
    assert re.findall(r"^(\d+)\. ", visible(first[0]), re.M) == ["1", "2", "3"]
    # the answer's sentence with the figure marked, not its whole passage
    assert "<blockquote>…完成年度投资<b><u>509.69亿元</u></b>,占年度投资计划的164.32%…" \
        "</blockquote>" in first[0]
    for rp in r.passages:
        assert rp.passage.text not in visible(first[0])


def test_a_reply_fits_a_phone_screen(engine):
    """A phone shows about 20 lines of 18 Chinese characters: the first page of an answer,
    three passages, is read without scrolling far."""
    for question in ("南康2020年投资完成多少", "赣州经开区医疗床位总数是多少",
                     "萍乡节能环保产业圈定了哪些重点领域", "南康2020年投資完成多少"):
        text = visible(render.answer_messages(engine.ask(question, k=12))[0])
        rows = sum(max(1, -(-len(line) // 18)) for line in text.splitlines())
        assert rows <= 30, (question, text)


def test_source_line_in_traditional(engine):
    trad = render.answer_messages(engine.ask("南康2020年投資完成多少", k=12))[0]
    assert "來源不詳 日期不詳" in trad and "来源" not in trad
    dated = render.answer_messages(engine.ask("赣州经开区医疗床位总数是多少", k=12))[0]
    assert "江西手机报 2024-09-14" in dated


def test_question_and_corpus_text_are_escaped(engine):
    r = engine.ask("<b>南康</b>2020年投资完成多少 & <i>", k=3)
    for text in render.answer_messages(r) + [render.no_answer_message(r, ["<x> & y"])]:
        assert_telegram_html(text)
    assert "&lt;x&gt; &amp; y" in render.no_answer_message(r, ["<x> & y"])


def test_long_answers_split_at_passage_boundaries(engine):
    r = engine.ask("南康2020年投资完成多少", k=12)
    long_passages = tuple(
        # one sentence of 1,600 characters each: quoted whole, three overflow a message
        rp.model_copy(update={"passage": rp.passage.model_copy(update={"text": "南康投资" * 400})})
        for rp in r.passages)
    long = r.model_copy(update={"passages": long_passages, "answer": None})
    messages = render.answer_messages(long)
    assert len(messages) > 1
    for text in messages:
        assert_telegram_html(text)
        assert text.count("<blockquote>") == text.count("</blockquote>")


def test_paging_through_passages(engine):
    r = engine.ask("南康2020年投资完成多少", k=12)
    total = render.pages(r)
    assert total == -(-len(r.passages) // render.PAGE_SIZE) and total >= 2
    seen = []
    for page in range(total):
        text = render.answer_messages(r, page)[0]
        assert_telegram_html(text)
        seen += re.findall(r"^(\d+)\. ", visible(text), re.M)
        buttons = render.keyboard(r, page)
        data = [b.callback_data for row in buttons.inline_keyboard for b in row] if buttons else []
        assert (f"more:{page + 1}" in data) == (page + 1 < total)
        assert (f"more:{page - 1}" in data) == (page > 0)
    assert seen == [str(n) for n in range(1, len(r.passages) + 1)]


@pytest.mark.parametrize("data, page", [("more:0", 0), ("more:3", 3), ("more:-1", None),
                                        ("more:x", None), ("other", None), (None, None)])
def test_parse_page(data, page):
    assert render.parse_page(data) == page


def test_traditional_labels(engine):
    r = engine.ask("貴州經開區", k=12)  # no answer, traditional
    text = render.no_answer_message(r, ["南康2020年投资完成多少"])
    assert "語料" in text
    trad = engine.ask("南康2020年投資完成多少", k=12)
    assert render.answer_messages(trad)[0].startswith("<b>509.69億元</b>")
    assert "上一頁" in str(render.keyboard(trad, 1))


def test_texts_have_the_same_keys_and_fields_in_both_scripts():
    """Every fixed text the bot says exists in both scripts, with the same {fields}."""
    simplified, traditional = render.TEXTS["simplified"], render.TEXTS["traditional"]
    assert set(render.TEXTS) == {"simplified", "traditional"}
    assert simplified.keys() == traditional.keys()
    for key, text in simplified.items():
        assert fields(text) == fields(traditional[key]), key


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_inline_results(engine):
    results = render.inline_results(engine.ask_each("赣州经开区医疗床位总数是多少", 5))
    assert 1 <= len(results) <= 5
    assert results[0].title == "3910张"
    assert "赣州经开区" in results[0].description
    assert "【" not in results[0].description and "…" in results[0].description
    assert results[0].description.endswith("江西手机报 2024-09-14")  # the source: outlet, date
    assert len({r.id for r in results}) == len(results) and all(len(r.id) <= 64 for r in results)
    for r in results:
        assert_telegram_html(r.input_message_content.message_text)


class _Msg:
    """Just enough of a telegram.Message for question_of."""

    def __init__(self, text, entities):
        self.text = text
        self._entities = entities

    def parse_entities(self, types):
        return {e: self.text[e.offset:e.offset + e.length] for e in self._entities if e.type in types}


@pytest.mark.parametrize("text, kinds, question", [
    ("/ask 南康2020年投资完成多少", [("bot_command", 0, 4)], "南康2020年投资完成多少"),
    ("/ask@ganwen_bot 南康投资", [("bot_command", 0, 15)], "南康投资"),
    ("@ganwen_bot 南康投资", [("mention", 0, 11)], "南康投资"),
    ("南康投资 @Ganwen_Bot 多少", [("mention", 5, 11)], "南康投资 多少"),
    ("问 @someone_else 南康", [("mention", 2, 13)], "问 @someone_else 南康"),
])
def test_question_of(text, kinds, question):
    from telegram import MessageEntity

    entities = [MessageEntity(type=t, offset=o, length=n) for t, o, n in kinds]
    assert question_of(_Msg(text, entities), "ganwen_bot") == question


def test_no_sentence_is_quoted_twice_on_a_page(engine):
    """Overlapping passages hold the same sentence: each is quoted by another of its own."""
    from bot.terminal import render as terminal

    r = engine.ask("南昌经开区和赣州经开区,哪个省大中型项目投资完成得多", k=12)
    for page in range(render.pages(r)):
        quotes = re.findall(r"<blockquote>(.*?)</blockquote>", render.answer_messages(r, page)[0],
                            re.S)
        keys = [q.strip("…") for q in quotes]
        assert len(set(keys)) == len(keys), quotes
    shown = terminal(r, more=5)
    assert shown.count("完成投资额约121亿元") == 1, shown


def test_a_block_too_long_is_cut_in_its_text_never_in_its_markup():
    from bot.telegram_render import cut_html

    path = "语料/" + "很长的文件夹名/" * 600 + "文章.txt"
    block = f"1. <blockquote>南康<b><u>509.69亿元</u></b></blockquote>\\n<i>{path}</i> &amp; 更多"
    for limit in (30, 60, 200, 4096):
        cut = cut_html(block, limit)
        assert len(cut) <= limit
        opened = [m for m in re.findall(r"<(/?)([a-z]+)", cut)]
        assert sum(1 if not c else -1 for c, _ in opened) == 0  # every tag closed
        assert not re.search(r"<[^>]*$", cut.rsplit(">", 1)[-1])  # no tag cut in two
        assert not re.search(r"&[a-z]*…", cut)  # no entity cut in two
