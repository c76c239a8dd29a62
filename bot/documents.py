"""Articles sent to the bot as files by an admin: checked, decoded and saved into the corpus folder
under a safe name, and an example question found that the new file answers.

Pure helpers; the bot (``telegram_bot.on_document``) downloads, calls these and re-indexes.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from retrieval.corpus import decode_exactly
from retrieval.engine import Engine

ACCEPTED = (".txt", ".md", ".html", ".htm")
MAX_BYTES = 5 * 1024 * 1024
MAX_STEM = 80
EXAMPLE_TRIES = 12


class DocumentError(ValueError):
    """A file the bot will not add; the message names why (the bot replies in Chinese by key)."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key)
        self.key, self.fields = key, fields


def suffix(file_name: str) -> str:
    return os.path.splitext(file_name)[1].lower()


def safe_name(file_name: str) -> str:
    """A file name with no folder in it, no dots or control characters to start it, and nothing a
    file system could read as a path: ``../../etc/passwd.txt`` → ``etc_passwd.txt``."""
    base = unicodedata.normalize("NFC", file_name).replace("\\", "/")
    stem, ext = os.path.splitext(base)
    parts = [p for p in stem.split("/") if p not in ("", ".", "..")]
    stem = "_".join(parts[-2:]) if parts else ""
    stem = re.sub(r"[^\w\u4e00-\u9fff.\-]+", "_", stem).strip("._-")[:MAX_STEM]
    return (stem or "article") + ext.lower()


def decode(data: bytes) -> str:
    """The text of an uploaded file, every byte read (the corpus's rules: a BOM, UTF-8,
    GB18030); else a :class:`DocumentError`."""
    text = decode_exactly(data)
    if text is None:
        raise DocumentError("doc_encoding")
    return text


def check(file_name: str, size: int | None) -> str:
    """The file's suffix, when the bot accepts such a file of this size."""
    ext = suffix(file_name)
    if ext not in ACCEPTED:
        raise DocumentError("doc_type", types=" ".join(ACCEPTED))
    if size is not None and size > MAX_BYTES:
        raise DocumentError("doc_too_big", mb=MAX_BYTES // (1024 * 1024))
    return ext


def save(folder: Path, file_name: str, text: str) -> Path:
    """``text`` written (UTF-8) into ``folder`` as a new file: never over an existing one (a
    taken name gets ``-2``, ``-3``… before its suffix), never outside the folder."""
    name = safe_name(file_name)
    stem, ext = os.path.splitext(name)
    folder = folder.resolve()
    for n in range(1, 1000):
        path = folder / (name if n == 1 else f"{stem}-{n}{ext}")
        if path.resolve().parent != folder:
            raise DocumentError("doc_name")
        try:
            with path.open("x", encoding="utf-8") as f:  # "x": fails if it exists
                f.write(text)
        except FileExistsError:
            continue
        return path
    raise DocumentError("doc_name")


_FIGURE = re.compile(
    r"([\u4e00-\u9fff]{2,16}?)(?:达到|达|为|完成|实现|共计|共|超过|突破)?"
    r"\d+(?:\.\d+)?(?:万|亿)?(?:元|家|个|张|人|吨|亩|户|项|所|座|千米|公里|平方米|%|％)")


def example_question(engine: Engine, relative_path: str, text: str) -> str | None:
    """A question the file at ``relative_path`` (in the corpus; ``text`` its text) answers: made
    from a figure in the text and kept only when the engine answers it from that file."""
    if suffix(relative_path) in (".html", ".htm"):
        from retrieval.corpus import html_to_text

        text = html_to_text(text)
    places = [p for a in engine.index.iter_articles() if a.path == relative_path
              for p in a.places]
    place = places[0] if places else ""
    candidates: list[str] = []
    for m in _FIGURE.finditer(text):
        subject = re.sub(r"(稳定在|保持在|增长到|在)$", "", m.group(1))
        q = (subject if not place or place in subject else place + subject) + "是多少"
        if len(subject) >= 2 and q not in candidates:
            candidates.append(q)
    for q in candidates[:EXAMPLE_TRIES]:
        try:
            r = engine.ask(q, k=1)
        except ValueError:
            continue
        if r.answer is not None and r.passages and r.passages[0].article.path == relative_path:
            return q
    return None
