"""Rendering of a :class:`Response` as Telegram HTML: the figure in bold, the passage with the
figure marked, its source, the next passages, a "更多" keyboard for the pages after, and inline
query results. Pure functions; every piece of user or corpus text goes through :func:`esc`, so
a question holding ``<b>`` or ``&`` cannot break the formatting. No message exceeds
:data:`MAX_MESSAGE` characters: long answers are split at passage boundaries.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)

from retrieval.models import RankedPassage, Response
from retrieval.passages import pack

from .text import answer_details, answer_note, marks_passage, source_line

MAX_MESSAGE = 4096
PAGE_SIZE = 3
SNIPPET_CHARS = 90
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
    },
}


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def labels(response: Response) -> dict[str, str]:
    return TEXTS[response.script]


def pages(response: Response) -> int:
    return max(1, -(-len(response.passages) // PAGE_SIZE))


def _passage_block(n: int, rp: RankedPassage, response: Response) -> str:
    text = rp.passage.text
    a = response.answer
    if a is not None and a.passage_id == rp.passage.id and marks_passage(a):
        body = f"{esc(text[:a.start])}<b><u>{esc(text[a.start:a.end])}</u></b>{esc(text[a.end:])}"
    else:
        body = esc(text)
    return f"{n}. <blockquote>{body}</blockquote>\n<i>{esc(source_line(rp.article))}</i>"


def _header(response: Response) -> str:
    a = response.answer
    if a is None:
        return ""
    note = answer_note(a)
    head = f"<b>{esc(a.text)}</b>" + (f"  ({esc(note)})" if note else "")
    return "\n".join([head, *(esc(line) for line in answer_details(a))])


def _pack(blocks: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Blocks joined into messages of at most ``limit`` characters, never splitting a block
    (one longer than the limit alone is cut, which passages of ~250 characters never are)."""
    return pack((b if len(b) <= limit else b[: limit - 1] + "…" for b in blocks), limit, "\n\n")


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
    blocks += [_passage_block(first + i + 1, rp, response) for i, rp in enumerate(shown)]
    return _pack([b for b in blocks if b])


def no_answer_message(response: Response, examples: Sequence[str]) -> str:
    lines = [esc(labels(response)["no_answer"])]
    lines += [f"• <code>{esc(e)}</code>" for e in examples]
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


def _snippet(text: str, around: int | None = None) -> str:
    text = " ".join(text.split())
    if len(text) <= SNIPPET_CHARS:
        return text
    start = 0 if around is None else max(0, min(around - SNIPPET_CHARS // 3, len(text) - SNIPPET_CHARS))
    return ("…" if start else "") + text[start:start + SNIPPET_CHARS] + "…"


def inline_results(answers: Sequence[Response]) -> list[InlineQueryResultArticle]:
    """One result per passage: the figure it holds (or its opening words), snippet, source."""
    results = []
    for n, r in enumerate(answers):
        rp = r.passages[0]
        a = r.answer
        title = a.text if a else _snippet(rp.passage.text)[:40]
        snippet = _snippet(rp.passage.text, a.start if a else None)
        results.append(InlineQueryResultArticle(
            id=f"{n}:{rp.passage.id}"[:64],
            title=title,
            description=f"{snippet}\n{source_line(rp.article)}",
            input_message_content=InputTextMessageContent(
                answer_messages(r)[0], parse_mode="HTML"),
        ))
    return results
