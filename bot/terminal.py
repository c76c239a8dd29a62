"""Rendering of a :class:`Response` for a terminal: the figure, the passage with the figure
marked, its source, then the next passages. Bold and colour only when writing to a terminal."""

from __future__ import annotations

from collections.abc import Callable

from retrieval.models import RankedPassage, Response

from .text import answer_details, answer_note, marks_passage, source_line

# Every fixed text the terminal shows, in both scripts: answers come back in the question's.
TEXTS: dict[str, dict[str, str]] = {
    "simplified": {"no_answer": "没有找到答案", "related": "相关段落:",
                   "no_exact": "没有确切的答案,以下段落最接近:", "understood": "按“{q}”理解"},
    "traditional": {"no_answer": "沒有找到答案", "related": "相關段落:",
                    "no_exact": "沒有確切的答案,以下段落最接近:", "understood": "按“{q}”理解"},
}

BOLD, DIM, MARK, RESET = "\033[1m", "\033[2m", "\033[1;33m", "\033[0m"

Style = Callable[[str, str], str]


def _style(on: bool) -> Style:
    def style(text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if on else text
    return style


def render(response: Response, *, color: bool = False, more: int = 2) -> str:
    style = _style(color)
    texts = TEXTS[response.script]
    lines: list[str] = []
    if response.interpreted:  # a follow-up: say how it was read
        lines.append(style(texts["understood"].format(q=response.interpreted), DIM))
    passages = list(response.passages)
    answer = response.answer
    if answer is not None:
        note = answer_note(answer)
        lines.append(style(answer.text, BOLD) + (f"  ({note})" if note else ""))
        lines += ["  " + line for line in answer_details(answer)]
        best = next(rp for rp in passages if rp.passage.id == answer.passage_id)
        passages.remove(best)
        text = best.passage.text
        if marks_passage(answer):
            span = text[answer.start:answer.end]
            text = text[: answer.start] + style(f"【{span}】", MARK) + text[answer.end:]
        lines += [_indent(text), "  — " + style(source_line(best.article), DIM)]
    else:
        # The reason stays in the JSON for developers; a reader gets one Chinese line.
        lines.append(style(texts["no_exact" if passages else "no_answer"], BOLD))
    rest = passages[:more] if answer is not None else passages[: more + 1]
    if rest:
        if answer is not None:
            lines += ["", texts["related"]]
        for n, rp in enumerate(rest, 1):
            lines += _passage(n, rp, style)
    return "\n".join(lines)


def _passage(n: int, rp: RankedPassage, style: Style) -> list[str]:
    return [f"{n}. {_indent(rp.passage.text)[2:]}",
            "  — " + style(f"{source_line(rp.article)} (score {rp.score:.2f})", DIM)]


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.split("\n"))
