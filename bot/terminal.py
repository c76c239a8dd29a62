"""Rendering of a :class:`Response` for a terminal, compact and in the question's script: the
answer, the sentence it stands in with the figure marked, its source (title, outlet, date),
then the sentences of the next passages that match the question. Lines are wrapped to
:data:`WIDTH` display columns (a Chinese character is two). Bold and colour only when writing
to a terminal."""

from __future__ import annotations

import re
from collections.abc import Callable

from wcwidth import wcswidth

from retrieval.models import RankedPassage, Response

from .text import (
    WORDS,
    answer_details,
    excerpt_span,
    headline,
    marks_passage,
    matching_excerpt,
    quote_key,
    source_line,
    with_ellipses,
)

# Every fixed text the terminal shows, in both scripts: answers come back in the question's.
TEXTS: dict[str, dict[str, str]] = {
    "simplified": {"no_answer": "没有找到答案", "related": "相关段落:",
                   "no_exact": "没有确切的答案,以下段落最接近:", "understood": "按“{q}”理解",
                   "start": "赣问:{articles}篇文章,{passages}个段落。按Ctrl-D退出。",
                   "too_long": "问题太长了({n}个字),请控制在{max}个字以内。",
                   "partial": "部分索引分片暂时没有响应,以上来自其余分片,可能不完整。"},
    "traditional": {"no_answer": "沒有找到答案", "related": "相關段落:",
                    "no_exact": "沒有確切的答案,以下段落最接近:", "understood": "按“{q}”理解",
                    "start": "贛問:{articles}篇文章,{passages}個段落。按Ctrl-D退出。",
                    "too_long": "問題太長了({n}個字),請控制在{max}個字以內。",
                    "partial": "部分索引分片暫時沒有響應,以上來自其餘分片,可能不完整。"},
}

BOLD, DIM, MARK, RESET = "\033[1m", "\033[2m", "\033[1;33m", "\033[0m"
WIDTH = 80  # display columns a line is wrapped to
FIGURE_CHARS = 70  # the most of the answer's passage quoted around the figure, in characters
RELATED_CHARS = 60  # the most of a related passage quoted

Style = Callable[[str, str], str]


def _style(on: bool) -> Style:
    def style(text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if on else text
    return style


def render(response: Response, *, color: bool = False, more: int = 2,
           verbose: bool = False) -> str:
    """``more``: how many further passages to show; ``verbose``: each source's file name and
    each related passage's score."""
    style = _style(color)
    texts = TEXTS[response.script]
    lines: list[str] = []
    if response.interpreted:  # a follow-up: say how it was read
        lines.append(style(texts["understood"].format(q=response.interpreted), DIM))
    passages = list(response.passages)
    answer = response.answer
    question = response.interpreted or response.question
    seen: set[str] = set()
    if answer is not None:
        best = next(rp for rp in passages if rp.passage.id == answer.passage_id)
        passages.remove(best)
        text = best.passage.text
        lines += [style(line, BOLD) for line in _wrap(headline(answer, text), "")]
        lines += ["  " + line for line in answer_details(answer)]
        if answer.kind == "passage":
            quoted = [(best, "")]  # the answer is the passage's own sentence: said once
        elif marks_passage(answer):
            a, b = excerpt_span(text, answer.start, answer.end, FIGURE_CHARS)
            marked = (text[a:answer.start] + style(f"【{text[answer.start:answer.end]}】", MARK)
                      + text[answer.end:b])
            quoted = [(best, with_ellipses(text, a, b, marked))]
        else:  # a comparison: each side's sentence, from its own passage
            quoted = []
            for part in answer.parts:
                rp = next((p for p in response.passages if p.passage.id == part.passage_id), best)
                if rp in passages:
                    passages.remove(rp)
                a, b = excerpt_span(rp.passage.text, part.start, part.end, FIGURE_CHARS)
                quoted.append((rp, with_ellipses(rp.passage.text, a, b)))
        for rp, quote in quoted:
            seen.add(quote_key(_ANSI.sub("", quote).replace("【", "").replace("】", "")))
            lines += _wrap(quote, "  ") if quote else []
            lines += _wrap("—— " + style(source_line(rp.article, response.script,
                                                     verbose=verbose), DIM), "  ")
    else:
        # The reason stays in the JSON for developers; a reader gets one Chinese line.
        lines.append(style(texts["no_exact" if passages else "no_answer"], BOLD))
    rest = []  # the next passages, each quoted by what matches the question, none twice
    for rp in passages:
        quote = matching_excerpt(rp.passage.text, question, RELATED_CHARS, seen)
        if quote_key(quote) not in seen:
            seen.add(quote_key(quote))
            rest.append((rp, quote))
    rest = rest[:more] if answer is not None else rest[: more + 1]
    if rest:
        if answer is not None:
            lines += ["", texts["related"]]
        for n, (rp, quote) in enumerate(rest, 1):
            lines += _passage(n, rp, quote, response.script, style, verbose)
    if response.partial:  # a shard of a sharded index was restarting: say so
        lines += ["", style(texts["partial"], DIM)]
    return "\n".join(lines)


def _passage(n: int, rp: RankedPassage, quote: str, script: str, style: Style,
             verbose: bool) -> list[str]:
    source = source_line(rp.article, script, verbose=verbose)
    if verbose:
        source += f" · {WORDS[script]['score']} {rp.score:.2f}"
    first, *more = _wrap(quote, "   ")
    return [f"{n}. {first[3:]}", *more, *_wrap("—— " + style(source, DIM), "   ")]


_ANSI = re.compile(r"\033\[[0-9;]*m")
NO_LINE_START = ",。、;:?!)”’」』》…,.;:?!)%"
# What a line may not be broken inside: a marked figure, a run of digits or Latin letters.
_UNIT = re.compile(r"(?:\033\[[0-9;]*m)?【[^】]*】(?:\033\[0m)?|\033\[[0-9;]*m|[0-9A-Za-z._%-]+|.",
                   re.S)


def width(text: str) -> int:
    """Display columns of a line: a Chinese character takes two, colour codes none."""
    return max(0, wcswidth(_ANSI.sub("", text)))


def _wrap(text: str, indent: str) -> list[str]:
    """``text`` in lines of at most WIDTH columns, each starting with ``indent``."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        units: list[str] = []
        for unit in _UNIT.findall(paragraph):
            if width(indent + "".join(units) + unit) > WIDTH and "".join(units).strip():
                carried = []  # a line starts with no closing punctuation: its character comes too
                if unit[:1] in NO_LINE_START and len(units) > 1:
                    carried.append(units.pop())
                out.append((indent + "".join(units)).rstrip())
                units = [*carried, unit.lstrip()] if carried else [unit.lstrip()]
            else:
                units.append(unit)
        out.append((indent + "".join(units)).rstrip())
    return out
