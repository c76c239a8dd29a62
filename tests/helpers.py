"""Paths and small helpers shared by the tests (no side effects: conftest.py sets the
environment)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"


def seed_text(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def deny_reading(monkeypatch, name: str) -> None:
    """Reading the file called ``name`` fails as an unreadable file does (EACCES)."""
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == name:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


def break_processing(monkeypatch, marker: str) -> None:
    """Figure extraction raises (as cn2an once did) on any text holding ``marker``."""
    from retrieval import ingest

    real = ingest.extract_figures

    def extract(text: str):
        if marker in text:
            raise KeyError(1)
        return real(text)

    monkeypatch.setattr(ingest, "extract_figures", extract)


def conversations() -> list[list[str]]:
    """Every question of tests/data, a follow-up after the question it follows."""
    items = {}
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                items[f"{path.stem}:{item['id']}"] = (path.stem, item)
    chats = []
    for stem, item in items.values():
        after = item.get("after")
        chats.append([items[f"{stem}:{after}"][1]["q"], item["q"]] if after else [item["q"]])
    return chats
