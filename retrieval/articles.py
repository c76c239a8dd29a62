"""Articles: where one article starts and ends in a file, and its title, date and source.

A scraped file can hold more than one article (a page that ends with the start of the next
one), and carries its metadata in header lines (``时间:2024-09-14 15:46 来源:江西手机报``,
``2022-07-20 11:04:16 来源:萍乡日报``) or in the body (``(2021年3月23日)``). An article starts
where such a header starts, or where the document-sharing site's file name stands
(``….docx``). Input text is already in simplified script.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import cleaning
from .models import Article
from .punctuation import COMMAS, SENTENCE_ENDS

DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:\s+(?P<t>\d{1,2}:\d{2})(?::\d{2})?)?"
)
SOURCE = re.compile(r"来源[::]\s*(?P<s>[^\s|:::]{2,30})")
# A header line: a date together with a source, a time or a byline, in a short line.
META_HINT = re.compile(r"来源[::]|时间[::]|发布[::]|作者[::]|编辑[::]|\d{1,2}:\d{2}")
META_MAX_CHARS = 100
BODY_DATE = re.compile(r"[((](?:19|20)\d{2}年\d{1,2}月\d{1,2}日[))]")
BODY_DATE_WITHIN = 160  # a speech's date follows its title and speaker

TITLE_MAX_CHARS = 60
TITLE_LOOKBACK = 6  # non-blank lines between a title and its header line
FILENAME_TITLE = re.compile(r"^\S.{3,80}\.(docx?|pdf|pptx?|wps)$", re.I)
# A footer label that a scrape ran into the next article's first line: "关键词:于都县委…docx".
LEADING_LABEL = re.compile(r"^(?:关键词|关键字|标签|责编|编辑)[::]\s*")
DOCSHARE_TITLE = re.compile(r"《(?P<t>[^》]{4,80}?)(?:\.(?:docx?|pdf|pptx?|wps))?》由会员分享")


@dataclass(frozen=True)
class _Header:
    start: int  # first line of the article (its title, when it has one)
    title: str = ""
    meta_line: int | None = None


def is_meta_line(line: str) -> bool:
    return len(line) <= META_MAX_CHARS and bool(DATE.search(line)) and bool(META_HINT.search(line))


def looks_like_title(line: str) -> bool:
    line = line.strip()
    return (
        4 <= len(line) <= TITLE_MAX_CHARS
        and line[-1] not in SENTENCE_ENDS + COMMAS
        and not cleaning.is_chrome(line)
        and not is_meta_line(line)
    )


def parse_date(text: str) -> str | None:
    m = DATE.search(text)
    if not m:
        return None
    date = f"{m['y']}-{int(m['m']):02d}-{int(m['d']):02d}"
    return f"{date} {m['t']}" if m["t"] else date


def _headers(lines: list[str]) -> list[_Header]:
    """Article starts: the top of the file, every header line, every shared-document title."""
    headers: list[_Header] = []
    for i, line in enumerate(lines):
        line = line.strip()
        if FILENAME_TITLE.match(line):
            headers.append(_Header(i, cleaning.strip_file_extension(LEADING_LABEL.sub("", line))))
        elif m := DOCSHARE_TITLE.search(line):
            if not (headers and headers[-1].start >= i - TITLE_LOOKBACK and headers[-1].title):
                headers.append(_Header(i, m["t"]))
        elif is_meta_line(line):
            start, title, seen = i, "", 0
            for j in range(i - 1, -1, -1):
                candidate = lines[j].strip()
                if not candidate:
                    continue
                seen += 1
                if looks_like_title(candidate):
                    start, title = j, candidate
                    break
                if seen >= TITLE_LOOKBACK or not cleaning.is_chrome(candidate):
                    break
            headers.append(_Header(start, title, meta_line=i))
    return headers


def _has_body(lines: list[str]) -> bool:
    return any(
        len(line) >= 30 and cleaning.SENTENCE_PUNCT.search(line) and not cleaning.is_chrome(line)
        for line in lines
    )


def segments(lines: list[str]) -> list[Segment]:
    """Cut the file at headers that come after body text: (header, first line, end line)."""
    found: list[Segment] = []
    current: _Header | None = None
    begin = 0
    for h in _headers(lines):
        if _has_body(lines[begin:h.start]):
            found.append((current, begin, h.start))
            begin, current = h.start, h
        elif current is None:
            current = h
        else:
            # Several header lines before any body (a title line, then a date line): merge.
            current = _Header(
                current.start if current.title or not h.title else h.start,
                current.title or h.title,
                current.meta_line if current.meta_line is not None else h.meta_line,
            )
    found.append((current, begin, len(lines)))
    return found


Segment = tuple[_Header | None, int, int]  # an article's header, first line, end line


def shifted(found: list[Segment], by: int) -> list[Segment]:
    """The segments with every line number less ``by``: for a run of lines cut from a file."""
    def move(h: _Header | None) -> _Header | None:
        if h is None:
            return None
        return _Header(h.start - by, h.title, None if h.meta_line is None else h.meta_line - by)

    return [(move(h), begin - by, end - by) for h, begin, end in found]


def split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def split_articles(text: str, path: str, is_word: Callable[[str], bool]) -> list[Article]:
    """The articles in one file's text, each with title, date, source and clean paragraphs."""
    lines = split_lines(text)
    return articles_in(lines, segments(lines), path, is_word)


def article_id(path: str, n: int) -> str:
    """The id of a file's ``n``-th article (from 1): the file's path in the corpus, unique
    unlike its name, without its extension."""
    return f"{path.rsplit('.', 1)[0]}#{n}"


def articles_in(lines: list[str], found: list[Segment], path: str,
                is_word: Callable[[str], bool]) -> list[Article]:
    """The articles of the segments ``found`` in ``lines`` (a file's, or a run of them that a
    large file was cut into), numbered from 1."""
    stem = path.rsplit(".", 1)[0]
    articles: list[Article] = []
    for header, begin, end in found:
        title, date, source = "", None, None
        skip: set[int] = set()
        if header is not None:
            title = header.title
            if title:
                skip.add(header.start)
            if header.meta_line is not None:
                meta = cleaning.normalize_line(lines[header.meta_line], is_word)
                date = parse_date(meta)
                if m := SOURCE.search(meta):
                    source = m["s"]
        if not title:
            top = next((i for i in range(begin, end) if lines[i].strip()), None)
            if top is not None and looks_like_title(lines[top]):
                title = lines[top].strip()
                skip.add(top)
        body = [
            lines[i] for i in range(begin, end)
            if i not in skip and not is_meta_line(lines[i].strip())
        ]
        paragraphs = cleaning.clean_body(body, is_word)
        title = cleaning.normalize_line(cleaning.strip_file_extension(title), is_word)
        paragraphs = _drop_repeated_title(paragraphs, title)
        if date is None:
            if m := BODY_DATE.search(" ".join(paragraphs)[:BODY_DATE_WITHIN]):
                date = parse_date(m.group(0))
        if paragraphs:
            articles.append(Article(
                id=article_id(path, len(articles) + 1), path=path, title=title or stem.rsplit("/", 1)[-1],
                date=date, source=source, paragraphs=tuple(paragraphs),
            ))
    return articles


def _drop_repeated_title(paragraphs: list[str], title: str) -> list[str]:
    """A shared document repeats its title at the top of the first page."""
    if title and paragraphs and paragraphs[0].startswith(title) and len(paragraphs[0]) > len(title):
        return [paragraphs[0][len(title):].lstrip(), *paragraphs[1:]]
    if title and paragraphs and paragraphs[0] == title:
        return paragraphs[1:]
    return paragraphs
