"""Cleaning of scraped article text, rule by rule, each rule a row of a table.

Input is one file's text already in simplified script (see
:meth:`retrieval.resources.Resources.simplified`); output is the same text without inline pinyin,
stray spaces inside words, site chrome, image tags and the document-sharing site's ads, page
markers and footers. Article boundaries and metadata are the business of
:mod:`retrieval.articles`, which calls :func:`is_chrome`, :func:`normalize_line` and
:func:`clean_body`.

Hand-written: boilerplate removers (trafilatura, readability, jusText) work on HTML DOM
structure; these scrapes are already flattened plain text in which chrome and prose share lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .punctuation import COMMAS, STOPS, Match, one_of, scanner

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

# Inline pinyin after a character: 战(zhàn), 区(qū). Tone-marked letters make it unmistakable;
# a bare lowercase syllable is accepted too, but real parentheses hold Chinese or digits.
_PINYIN_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
PINYIN = scanner(
    rf"(?<=\S)[(（]\s*[{_PINYIN_LETTERS}]{{1,7}}(?:\s+[{_PINYIN_LETTERS}]{{1,7}})*\s*[)）]"
)
TONE_MARKS = re.compile("[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ]")
_PINYIN_SYLLABLE = re.compile(
    r"^(?:[bpmfdtnlgkhjqxryw]|zh|ch|sh|z|c|s)?[iuü]?[aeiouüv]+(?:n|ng|r)?$"
)

IMAGE_TAG = re.compile(r"<(?:[\w-]+:)?image\b[^>]*>.*?</(?:[\w-]+:)?image>", re.S | re.I)
HTML_LEFTOVER = re.compile(r"</?(?:p|br|span|div|strong|b|i|em|font)(?:\s[^>]*)?/?>", re.I)

# Phrases removed wherever they stand: the document-sharing site's ads and inline markers.
INLINE_JUNK = (
    re.compile(r"更多公文范文"),
    re.compile(r"请登录材料狗官网。?"),
    re.compile(r"【资料图】|【图片】|\[资料图\]"),
    re.compile(r"(?:点击|点击数|阅读)[::]\s*\d*\s*$"),
)

# A whole line of site chrome: dropped. Each pattern is matched against the stripped line.
CHROME_LINES = tuple(re.compile(p) for p in (
    r"^欢迎(光临|访问)",
    r"当前的?位置",
    r"Flash\s*Player",
    r"新闻热线|爆料[::]|投稿邮箱|联系电话[::]",
    r"^免责声明",
    r"^(责编|责任编辑|编辑|审核|校对|来源|作者|记者|通讯员)[::]?\s*\S{0,12}(\s+(编辑|作者|记者)[::]\s*\S{0,8})*$",
    r"^(相关新闻|相关阅读|相关链接|网友留言|网友评论|热点推荐|推荐阅读)",
    r"^更多相关新闻",
    r"关注(微信)?公众号",
    r"^(\[\d+\]\s*)+(上一页|下一页|首页|尾页|\s)*$",
    r"^(上一页|下一页|首页|尾页|\s)+$",
    r"^字体[::]",
    r"^分享到",
    r"^(原标题|关键词|关键字|标签)[::]",
    r"^\(\S{2,4}\)$",  # a reporter's name in parentheses closing the article: (刘磊)
    r"由会员分享.*可在线阅读",
    r"^-?\s*(配套讲稿|特殊限制|关\s*键\s*词)[::]",
    r"^如PPT文件的首页显示word图标",
    r"^部分文档作品中含有的国旗",
    r"^限制\d+内$",
    r"^.{2,16}(频道|首页)$",
    r"^(集团报刊|地市频道)",
))
# All of them as two patterns, one scan of a line instead of one per pattern: those anchored at
# the line's start tried there alone (searched, they were tried at every character: 8 µs a line,
# a fiftieth of an index build), the others searched.
_CHROME_AT_START = re.compile("|".join(
    f"(?:{p.pattern})" for p in CHROME_LINES if p.pattern.startswith("^")))
_CHROME_ANYWHERE = re.compile("|".join(
    f"(?:{p.pattern})" for p in CHROME_LINES if not p.pattern.startswith("^")))

# A line of short space-separated items and no sentence punctuation: a navigation bar or a
# footer's list of tags ("- 于都 县委书记 工业 倍增 …"). Stops and commas show prose; an
# ellipsis does not, as chrome ends with one too (that tag list, 更多…).
NAV_ITEM_MAX = 8
NAV_MIN_ITEMS = 4
SENTENCE_PUNCT = re.compile(one_of(STOPS, COMMAS))

# Spaces that split a word: 第 一, 唯 一, 首 创. A space between two CJK characters is dropped
# when the characters around it make a dictionary word; otherwise it separates phrases.
SPACE_IN_CJK = scanner(rf"(?<=[{CJK}])[ \u3000\u00a0]+(?=[{CJK}])")
_WHITESPACE = re.compile(r"\s+")

# Page markers of the document-sharing site: "2、" at the start of each ~1,000-character page.
PAGE_MARKER = re.compile(r"^(\d{1,3})、")
PAGE_MIN_CHARS = 200
FILE_EXTENSION = re.compile(r"\.(docx?|pdf|pptx?|wps|txt)$", re.I)


def strip_pinyin(text: str) -> str:
    def drop(m: Match) -> str:
        inner = m.group(0)[1:-1].strip()
        plain = inner.translate(_TONELESS)
        # Toneless letters are only pinyin right after a character: "(djwpxpd)" is a handle.
        after_cjk = re.match(rf"[{CJK}]", m.string[m.start() - 1])
        if (TONE_MARKS.search(inner) or after_cjk) and all(
            _PINYIN_SYLLABLE.match(s) for s in plain.split()
        ):
            return ""
        return m.group(0)

    return PINYIN.sub(drop, text)


_TONELESS = str.maketrans(
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ", "aaaaeeeeiiiioooouuuuüüüünnnm"
)


def join_split_words(text: str, is_word: Callable[[str], bool]) -> str:
    """Drop a space inside CJK text when a word spans it (第 一 → 第一)."""

    def join(m: Match) -> str:
        s, e = m.start(), m.end()
        left, right = text[max(0, s - 2):s], text[e:e + 2]
        for i in range(len(left)):
            for j in range(1, len(right) + 1):
                if is_word(left[i:] + right[:j]):
                    return ""
        return m.group(0)

    return SPACE_IN_CJK.sub(join, text)


def is_nav_line(line: str) -> bool:
    items = line.lstrip("- ").split()
    return (
        len(items) >= NAV_MIN_ITEMS
        and all(len(i) <= NAV_ITEM_MAX for i in items)
        and not SENTENCE_PUNCT.search(line)
    )


# Site furniture is short. A longer line is prose that may mention 联系电话 or 关注公众号 (and a
# one-line file is all its text): only the document-sharing site's ad line is dropped at any
# length.
CHROME_MAX_CHARS = 120
LONG_CHROME = re.compile(r"由会员分享.*可在线阅读")


def is_chrome(line: str) -> bool:
    if len(line) > CHROME_MAX_CHARS:
        return bool(LONG_CHROME.search(line))
    return bool(_CHROME_AT_START.match(line) or _CHROME_ANYWHERE.search(line)
                ) or is_nav_line(line)


def remove_inline_junk(line: str) -> str:
    for pattern in INLINE_JUNK:
        line = pattern.sub("", line)
    return line


def join_pages(lines: list[str]) -> list[str]:
    """Undo the document-sharing site's pagination: "…走在全" + "3、市前列" → "…走在全市前列".

    Only a run of numbered lines 1、2、3… of page length counts as pages, so a numbered list in an
    ordinary article is left alone.
    """
    numbered = [(i, int(m.group(1))) for i, line in enumerate(lines) if (m := PAGE_MARKER.match(line))]
    run = [i for k, (i, n) in enumerate(numbered) if n == k + 1]
    if len(run) < 2 or sum(len(lines[i]) >= PAGE_MIN_CHARS for i in run) < len(run) - 1:
        return lines
    pages = set(run)
    out: list[str] = []
    for i, line in enumerate(lines):
        if i in pages:
            body = PAGE_MARKER.sub("", line, count=1)
            if i != run[0] and out:
                out[-1] += body
            else:
                out.append(body)
        else:
            out.append(line)
    return out


# Full-width digits and Latin letters as their ASCII forms (２０２０年 → 2020年, ＰＭ２.５), so
# figures and codes read the same however typed; full-width punctuation stays as written.
FULL_WIDTH_RANGES = ((0xFF10, 0xFF1A), (0xFF21, 0xFF3B), (0xFF41, 0xFF5B))
FULL_WIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for lo, hi in FULL_WIDTH_RANGES
                            for c in range(lo, hi)})
# str.translate looks every character up in a dict: a line is scanned for one first.
_HAS_FULL_WIDTH = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi - 1)}" for lo, hi in FULL_WIDTH_RANGES)
                             + "]")
# Invisible format characters (zero-width space, joiners, soft hyphen, BOM) split words.
FORMAT_CHARS = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")


def normalize_line(line: str, is_word: Callable[[str], bool]) -> str:
    if _HAS_FULL_WIDTH.search(line):
        line = line.translate(FULL_WIDTH)
    line = FORMAT_CHARS.sub("", line)
    line = HTML_LEFTOVER.sub("", IMAGE_TAG.sub("", line))
    line = strip_pinyin(line)
    line = remove_inline_junk(line)
    line = join_split_words(line, is_word)
    return _WHITESPACE.sub(" ", line).strip()


def clean_body(lines: Iterable[str], is_word: Callable[[str], bool]) -> list[str]:
    """Cleaned, non-empty, non-chrome lines; pages joined first so split words meet again."""
    text = "\n".join(lines)
    text = IMAGE_TAG.sub("", text)
    raw = [remove_inline_junk(line.strip()) for line in text.split("\n")]
    raw = join_pages([line for line in raw if line])
    out = []
    for line in raw:
        line = normalize_line(line, is_word)
        if line and not is_chrome(line):
            out.append(line)
    return out


def strip_file_extension(title: str) -> str:
    return FILE_EXTENSION.sub("", title.strip())
