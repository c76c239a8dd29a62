"""Corpus loading: a folder of .txt / .md / .html / .htm files → :class:`SourceFile` s.

Owns where the bundled corpus lives, how bytes become text (UTF-8, invalid bytes replaced and
counted, never a crash) and how HTML becomes text (BeautifulSoup, block elements on their own
lines, scripts and page chrome elements dropped).
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .models import SourceFile

SUFFIXES = (".txt", ".md", ".html", ".htm")
# Elements that never carry article text in a news page.
HTML_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe")
HTML_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
               "article", "title", "td")


class CorpusError(Exception):
    """The corpus cannot be used; the message is shown to the user as is."""


def bundled_corpus() -> Path:
    """The seed corpus: inside the installed wheel, or beside the package in a checkout."""
    packaged = Path(str(resources.files("retrieval"))) / "_seeds"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "seeds"


def check_folder(folder: Path) -> None:
    if not folder.exists():
        raise CorpusError(f"corpus folder not found: {folder}")
    if not folder.is_dir():
        raise CorpusError(f"corpus is not a folder: {folder}")


@dataclass(frozen=True)
class FileInfo:
    rel: str  # path under the corpus folder, "/"-separated
    path: str
    size: int
    mtime_ns: int


@dataclass
class Scan:
    files: list[FileInfo] = field(default_factory=list)
    folders: dict[str, int] = field(default_factory=dict)  # rel folder ("" = top) → mtime_ns
    skipped: list[str] = field(default_factory=list)  # "rel path: why", for entries not read


FOLDER_LOOP = "a link back to a folder above it (skipped)"


def scan(folder: Path) -> Scan:
    """The files ganwen reads in ``folder``, recursively, sorted by path, with size and mtime;
    and the modification time of every folder (a file added, removed or renamed changes it).

    os.scandir, not pathlib: a news archive has 100,000 files and this runs at every start.
    """
    check_folder(folder)
    result = Scan()
    stack = [(str(folder), "")]
    seen: set[tuple[int, int]] = set()  # folders by (device, inode): a link back is a loop
    while stack:
        directory, prefix = stack.pop()
        try:
            st = os.stat(directory)
            if (st.st_dev, st.st_ino) in seen:
                result.skipped.append(f"{prefix}: {FOLDER_LOOP}")
                continue
            seen.add((st.st_dev, st.st_ino))
            result.folders[prefix] = st.st_mtime_ns
            entries = list(os.scandir(directory))
        except OSError:
            continue  # an unreadable subfolder holds nothing we can index
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=True):
                    stack.append((entry.path, f"{prefix}{entry.name}/"))
                elif os.path.splitext(entry.name)[1].lower() in SUFFIXES and entry.is_file():
                    st = entry.stat()
                    result.files.append(FileInfo(f"{prefix}{entry.name}", entry.path,
                                                 st.st_size, st.st_mtime_ns))
            except OSError as exc:  # a link to itself or in a circle (ELOOP), gone meanwhile
                result.skipped.append(f"{prefix}{entry.name}: {exc.strerror or exc}")
    result.files.sort(key=lambda f: f.rel)
    return result


def folders_unchanged(folders: dict[str, int]) -> bool:
    """True when no folder (absolute path → mtime_ns from a previous :func:`scan`) has changed:
    one stat per folder, not per file. A file rewritten in place goes unnoticed."""
    if not folders:
        return False
    for path, mtime in folders.items():
        try:
            if os.stat(path).st_mtime_ns != mtime:
                return False
        except OSError:
            return False
    return True


# A byte-order mark names its encoding (UTF-32's marks begin with UTF-16's: test them first).
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"))
LEGACY = "gb18030"  # what Chinese files not in UTF-8 are written in (GBK and GB2312 are in it)
# A UTF-8 file may hold a few broken bytes (replaced and counted); when more than this share of
# a file fails as UTF-8 and it reads cleanly as GB18030, it is GB18030.
LEGACY_FROM = 0.01


def decode_exactly(data: bytes) -> str | None:
    """The text of ``data`` when an encoding reads every byte: its BOM's, UTF-8, GB18030."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    for encoding in ("utf-8", LEGACY):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def decode(data: bytes) -> tuple[str, int]:
    """A file's text and how many invalid sequences were replaced: by its BOM, as UTF-8, as
    GB18030 when much of it is no UTF-8 but all of it is GB18030, else UTF-8 with the invalid
    sequences replaced."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            return text, max(text.count("\ufffd") - data.count("\ufffd".encode(encoding)), 0)
    text = data.decode("utf-8", errors="replace")
    # Count only what decoding replaced, not U+FFFD characters the file already held.
    replaced = max(text.count("\ufffd") - data.count("\ufffd".encode()), 0)
    if replaced > LEGACY_FROM * len(data):
        try:
            return data.decode(LEGACY), 0
        except UnicodeDecodeError:
            pass
    return text, replaced


def html_to_text(html: str) -> str:
    from bs4 import BeautifulSoup  # only corpora with HTML pay for the import

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(HTML_DROP):
        tag.decompose()
    for tag in soup.find_all(HTML_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    return soup.get_text()


def read_file(path: Path, root: Path) -> SourceFile:
    text, replaced = decode(path.read_bytes())
    if path.suffix.lower() in (".html", ".htm"):
        text = html_to_text(text)
    return SourceFile(path=str(path.relative_to(root)), text=text, replaced_bytes=replaced)
