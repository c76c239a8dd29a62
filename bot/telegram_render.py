"""Rendering of a :class:`Response` as Telegram HTML, compact enough for a phone screen: the
answer in bold, the sentence it stands in with the figure marked, its source (title, outlet,
date), the sentences of the next passages that match the question, a "更多" keyboard for the
pages after, and inline query results. Pure functions; every piece of user or corpus text goes
through :func:`esc`, so a question holding ``<b>`` or ``&`` cannot break the formatting. No
message exceeds :data:`MAX_MESSAGE` characters: long answers are split at passage boundaries.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)

from retrieval.models import RankedPassage, Response
from retrieval.passages import pack

from .text import (
    answer_details,
    excerpt_span,
    headline,
    marks_passage,
    matching_excerpt,
    matching_span,
    quote_key,
    source_line,
    with_ellipses,
)

MAX_MESSAGE = 4096
PAGE_SIZE = 3
SNIPPET_CHARS = 90
FIGURE_CHARS = 70  # the most of the answer's passage quoted around the figure, in characters
RELATED_CHARS = 50  # the most of a further passage quoted: three fit a phone screen
MORE_PREFIX = "more:"

# Every fixed text the bot says, in both scripts. Answers come back in the question's script
# (Response.script); replies with no question to go by (/start, /help, errors) are simplified.
TEXTS: dict[str, dict[str, str]] = {
    "simplified": {
        "start": "你好!我是赣问,回答江西区域经济新闻中的数字问题,答案均引自原文并注明出处。",
        "help": ("直接发问即可;在群组中用 /ask 问题,或 @我,或回复我的消息。"
                 "也可以在任何聊天中输入 @{bot} 问题。示例:"),
        "too_long": "问题太长了({n}个字),请控制在{max}个字以内。",
        "rate": "提问太频繁了,请稍后再试。",
        "empty": "请在命令后写上问题,例如: /ask {example}",
        "apology": "抱歉,处理这条消息时出错了,请稍后再试。",
        "gone": "原问题已找不到,请重新提问。",
        "not_admin": "只有管理员可以重新加载语料库。",
        "reloading": "正在重新加载语料库……",
        "reloaded": "语料库已重新加载:{articles}篇文章,{passages}个段落。",
        "about": "语料库:{files}个文件,{articles}篇文章,{passages}个段落。\n索引时间:{when}",
        "sources_more": "……另有{n}篇",
        "more": "更多 »", "back": "« 上一页", "related": "相关段落", "page": "第{n}/{total}页",
        "no_answer": "抱歉,语料中没有找到这个问题的答案。可以这样问:",
        "no_exact": "没有确切的答案,以下段落最接近:",
        "understood": "按“{q}”理解",
        "thanks": "感谢反馈!",
        "doc_not_admin": "抱歉,只有管理员可以向语料库添加文章。",
        "doc_type": "抱歉,只能添加这些类型的文件:{types}",
        "doc_too_big": "抱歉,文件太大了,请控制在{mb}MB以内。",
        "doc_encoding": "抱歉,无法识别文件的编码,请用UTF-8或GB18030保存。",
        "doc_name": "抱歉,无法为这个文件找到可用的文件名,请改名后再发。",
        "doc_adding": "正在添加“{name}”并更新索引……",
        "doc_added": "已添加“{name}”:{articles}篇文章,{passages}个段落。",
        "doc_example": "可以这样问:{q}",
        "partial": "部分索引分片暂时没有响应,以上来自其余分片,可能不完整。",
    },
    "traditional": {
        "start": "你好!我是贛問,回答江西區域經濟新聞中的數字問題,答案均引自原文並註明出處。",
        "help": ("直接發問即可;在群組中用 /ask 問題,或 @我,或回覆我的消息。"
                 "也可以在任何聊天中輸入 @{bot} 問題。示例:"),
        "too_long": "問題太長了({n}個字),請控制在{max}個字以內。",
        "rate": "提問太頻繁了,請稍後再試。",
        "empty": "請在命令後寫上問題,例如: /ask {example}",
        "apology": "抱歉,處理這條消息時出錯了,請稍後再試。",
        "gone": "原問題已找不到,請重新提問。",
        "not_admin": "只有管理員可以重新加載語料庫。",
        "reloading": "正在重新加載語料庫……",
        "reloaded": "語料庫已重新加載:{articles}篇文章,{passages}個段落。",
        "about": "語料庫:{files}個文件,{articles}篇文章,{passages}個段落。\n索引時間:{when}",
        "sources_more": "……另有{n}篇",
        "more": "更多 »", "back": "« 上一頁", "related": "相關段落", "page": "第{n}/{total}頁",
        "no_answer": "抱歉,語料中沒有找到這個問題的答案。可以這樣問:",
        "no_exact": "沒有確切的答案,以下段落最接近:",
        "understood": "按“{q}”理解",
        "thanks": "感謝反饋!",
        "doc_not_admin": "抱歉,只有管理員可以向語料庫添加文章。",
        "doc_type": "抱歉,只能添加這些類型的文件:{types}",
        "doc_too_big": "抱歉,文件太大了,請控制在{mb}MB以內。",
        "doc_encoding": "抱歉,無法識別文件的編碼,請用UTF-8或GB18030保存。",
        "doc_name": "抱歉,無法為這個文件找到可用的文件名,請改名後再發。",
        "doc_adding": "正在添加“{name}”並更新索引……",
        "doc_added": "已添加“{name}”:{articles}篇文章,{passages}個段落。",
        "doc_example": "可以這樣問:{q}",
        "partial": "部分索引分片暫時沒有響應,以上來自其餘分片,可能不完整。",
    },
}


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def labels(response: Response) -> dict[str, str]:
    return TEXTS[response.script]


def pages(response: Response) -> int:
    return max(1, -(-len(response.passages) // PAGE_SIZE))


def _quote(rp: RankedPassage, response: Response, shown: set[str]) -> str:
    """The HTML of what a passage is quoted by: the answer's sentence with the figure marked, a
    comparison side's sentence, or the sentence that matches the question best and is not in
    ``shown`` (the quotes already on the page, by :func:`quote_key`), which it joins."""
    text = rp.passage.text
    a = response.answer
    if a is not None and a.passage_id == rp.passage.id and a.kind == "passage":
        shown.add(quote_key(a.text))
        return ""  # the answer is this passage's sentence, in bold above: said once
    if a is not None and a.passage_id == rp.passage.id and marks_passage(a):
        lo, hi = excerpt_span(text, a.start, a.end, FIGURE_CHARS)
        shown.add(quote_key(with_ellipses(text, lo, hi)))
        marked = (f"{esc(text[lo:a.start])}<b><u>{esc(text[a.start:a.end])}</u></b>"
                  f"{esc(text[a.end:hi])}")
        return with_ellipses(esc(text), len(esc(text[:lo])), len(esc(text[:hi])), marked)
    part = next((p for p in a.parts if p.passage_id == rp.passage.id), None) if a else None
    if part is not None:
        lo, hi = excerpt_span(text, part.start, part.end, FIGURE_CHARS)
        quote = with_ellipses(text, lo, hi)
    if part is None or quote_key(quote) in shown:
        quote = matching_excerpt(text, response.interpreted or response.question, RELATED_CHARS,
                                 shown)
    shown.add(quote_key(quote))
    return esc(quote)


def _passage_block(n: int, rp: RankedPassage, response: Response, shown: set[str]) -> str:
    quote = _quote(rp, response, shown)
    body = f"<blockquote>{quote}</blockquote>\n" if quote else ""
    return f"{n}. {body}<i>{esc(source_line(rp.article, response.script))}</i>"


def _header(response: Response) -> str:
    a = response.answer
    if a is None:
        return ""
    best = next((rp for rp in response.passages if rp.passage.id == a.passage_id), None)
    head = f"<b>{esc(headline(a, best.passage.text if best else ''))}</b>"
    return "\n".join([head, *(esc(line) for line in answer_details(a))])


OPEN_TAG = re.compile(r"<(/?)([a-z]+)[^>]*>")
PARTIAL_MARKUP = re.compile(r"<[^>]*$|&[^;\s]*$")  # a tag or an entity the cut went through


def cut_html(block: str, limit: int) -> str:
    """``block`` (Telegram HTML) cut to at most ``limit`` characters in its text, never inside
    a tag or an entity, with the tags it leaves open closed (a source line with a very long
    file path must not break the message)."""
    if len(block) <= limit:
        return block
    room = limit - 1
    while True:
        cut = PARTIAL_MARKUP.sub("", block[:room]) + "…"
        still_open: list[str] = []
        for m in OPEN_TAG.finditer(cut):
            if m[1]:
                if still_open and still_open[-1] == m[2]:
                    still_open.pop()
            else:
                still_open.append(m[2])
        closed = cut + "".join(f"</{tag}>" for tag in reversed(still_open))
        if len(closed) <= limit or room <= 0:
            return closed
        room -= len(closed) - limit


def _pack(blocks: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Blocks joined into messages of at most ``limit`` characters, never splitting a block
    (one longer than the limit alone is cut, which passages of ~250 characters never are)."""
    return pack((cut_html(b, limit) for b in blocks), limit, "\n\n")


def answer_messages(response: Response, page: int = 0) -> list[str]:
    """The messages for one page of an answer: the figure, then that page's passages."""
    first = page * PAGE_SIZE
    shown = response.passages[first:first + PAGE_SIZE]
    blocks = [_header(response)] if response.answer else []
    if response.interpreted and page == 0:  # a follow-up: say how it was read
        blocks.insert(0, "<i>" + esc(labels(response)["understood"].format(
            q=response.interpreted)) + "</i>")
    if response.answer is None and page == 0:  # passages close to the question, no answer
        blocks.append(f"<b>{esc(labels(response)['no_exact'])}</b>")
    if page > 0 or response.answer is None:
        blocks.append(f"<b>{labels(response)['related']}</b> "
                      + esc(labels(response)["page"].format(n=page + 1, total=pages(response))))
    quoted: set[str] = set()
    blocks += [_passage_block(first + i + 1, rp, response, quoted) for i, rp in enumerate(shown)]
    if response.partial and page == 0:  # a shard of a sharded index was restarting: say so
        blocks.append("<i>" + esc(labels(response)["partial"]) + "</i>")
    return _pack([b for b in blocks if b])


def no_answer_message(response: Response, examples: Sequence[str]) -> str:
    lines = [esc(labels(response)["no_answer"])]
    lines += [f"• <code>{esc(e)}</code>" for e in examples]
    if response.partial:
        lines.append("<i>" + esc(labels(response)["partial"]) + "</i>")
    return "\n".join(lines)


def keyboard(response: Response, page: int) -> InlineKeyboardMarkup | None:
    """Buttons to page through further passages; the message is edited in place."""
    buttons = []
    if page > 0:
        buttons.append(InlineKeyboardButton(labels(response)["back"],
                                            callback_data=f"{MORE_PREFIX}{page - 1}"))
    if page + 1 < pages(response):
        buttons.append(InlineKeyboardButton(labels(response)["more"],
                                            callback_data=f"{MORE_PREFIX}{page + 1}"))
    return InlineKeyboardMarkup([buttons]) if buttons else None


def parse_page(data: str | None) -> int | None:
    if not data or not data.startswith(MORE_PREFIX):
        return None
    try:
        page = int(data[len(MORE_PREFIX):])
    except ValueError:
        return None
    return page if page >= 0 else None


def _snippet(r: Response) -> str:
    """The sentence of a response's first passage to show under an inline result."""
    text = r.passages[0].passage.text
    a = r.answer
    if a is not None and a.passage_id == r.passages[0].passage.id:
        lo, hi = excerpt_span(text, a.start, a.end, SNIPPET_CHARS)
    else:
        lo, hi = matching_span(text, r.interpreted or r.question, SNIPPET_CHARS)
    return " ".join(with_ellipses(text, lo, hi).split())


def inline_results(answers: Sequence[Response]) -> list[InlineQueryResultArticle]:
    """One result per passage: the figure it holds (or its opening words), snippet, source."""
    results = []
    for n, r in enumerate(answers):
        rp = r.passages[0]
        a = r.answer
        snippet = _snippet(r)
        title = a.text if a else snippet[:40]
        results.append(InlineQueryResultArticle(
            id=f"{n}:{rp.passage.id}"[:64],
            title=title,
            description=f"{snippet}\n{source_line(rp.article, r.script)}",
            input_message_content=InputTextMessageContent(
                answer_messages(r)[0], parse_mode="HTML"),
        ))
    return results
