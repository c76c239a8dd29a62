"""👍/👎 feedback on the bot's answers: recorded as JSON Lines beside the index cache, summarised by
``ganwen feedback``.

A record holds the question (and the whole question a follow-up was read as), the answer's text,
its passage id, the vote and the UTC time; never who voted. Each record is one ``os.write`` to a
file opened with ``O_APPEND``, so two votes at once cannot interleave their lines.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from retrieval.models import Response

FILE_NAME = "feedback.jsonl"
VOTES = ("up", "down")
MOST_DOWN = 10


def feedback_file() -> Path:
    from retrieval.resources import cache_dir

    return cache_dir() / FILE_NAME


def record(path: Path, question: str, response: Response, vote: str) -> dict:
    """Append one vote on the answer ``response`` gave to ``question``; returns the record."""
    if vote not in VOTES:
        raise ValueError(f"vote must be one of {VOTES}")
    a = response.answer
    passage_id = a.passage_id if a is not None else (
        response.passages[0].passage.id if response.passages else None)
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "question": question,
        "interpreted": response.interpreted,
        "answer": a.text if a is not None else None,
        "passage_id": passage_id,
        "vote": vote,
    }
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return entry


def summarise(path: Path, most: int = MOST_DOWN) -> dict:
    """Counts of 👍 and 👎 and the questions with the most 👎 (a line that is not a record is
    counted as skipped, not fatal)."""
    votes: Counter[str] = Counter()
    down: Counter[str] = Counter()
    up: Counter[str] = Counter()
    skipped = 0
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            vote, question = entry["vote"], entry.get("interpreted") or entry["question"]
        except (ValueError, KeyError, TypeError):
            skipped += 1
            continue
        if vote not in VOTES or not isinstance(question, str):
            skipped += 1
            continue
        votes[vote] += 1
        (down if vote == "down" else up)[question] += 1
    return {
        "file": str(path),
        "up": votes["up"],
        "down": votes["down"],
        "skipped": skipped,
        "most_down": [{"question": q, "down": n, "up": up[q]} for q, n in down.most_common(most)],
    }


def summary_lines(summary: dict) -> list[str]:
    lines = [f"反馈:👍 {summary['up']}  👎 {summary['down']}(文件 {summary['file']})"]
    if summary["skipped"]:
        lines.append(f"跳过无法读取的行:{summary['skipped']}")
    if summary["most_down"]:
        lines.append("👎 最多的问题:")
        lines += [f"  👎 {m['down']}  👍 {m['up']}  {m['question']}" for m in summary["most_down"]]
    return lines
