"""Evaluation on a JSONL file of questions with the passage text and figure that answer them
(``{"id", "q", "passage", "figure"}``, or ``{"id", "q", "none": true}`` for a question the corpus
cannot answer): hit@1, hit@3, figure@1 and abstention.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from .models import EvalReport, Response

_SPACE = re.compile(r"\s+")


class EvalFileError(ValueError):
    pass


def read_items(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise EvalFileError(f"{path} is not UTF-8 (byte {exc.start})") from exc
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"{path}:{n}: not JSON ({exc.msg})") from exc
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise EvalFileError(f"{path}:{n}: needs a \"q\" string")
        items.append(item)
    return items


def evaluate(
    items: list[dict], ask: Callable[[str], Response], simplify: Callable[[str], str]
) -> EvalReport:
    def norm(text: str) -> str:
        return _SPACE.sub("", simplify(text))

    report = EvalReport(total=len(items))
    hit1 = hit3 = fig1 = 0
    for item in items:
        response = ask(item["q"])
        label = item.get("id", item["q"])
        if item.get("none"):
            report.unanswerable += 1
            if response.answer is None:
                report.abstained += 1
            else:
                report.failures.append(f"{label}: answered {response.answer.text!r}, expected none")
            continue
        report.answerable += 1
        want = norm(item.get("passage", ""))
        texts = [norm(rp.passage.text) for rp in response.passages]
        h1 = bool(texts) and want in texts[0]
        h3 = any(want in t for t in texts[:3])
        hit1 += h1
        hit3 += h3
        if not h1:
            report.failures.append(f"{label}: passage not first{'' if h3 else ' nor in top 3'}")
        if "figure" in item:
            report.with_figure += 1
            got = norm(response.answer.text) if response.answer else None
            if got == norm(item["figure"]):
                fig1 += 1
            else:
                report.failures.append(f"{label}: figure {got!r}, expected {item['figure']!r}")
    report.hit1 = hit1 / report.answerable if report.answerable else 0.0
    report.hit3 = hit3 / report.answerable if report.answerable else 0.0
    report.figure1 = fig1 / report.with_figure if report.with_figure else 0.0
    return report
