"""A look-alike corpus for place tests: the seed articles, and copies of each that read the same
but are about other real places and give other figures. A question that names a place then has
one right article among several near-identical ones; one that names none fits them all.

Each copy swaps every place of :data:`PLACES` (simplified or traditional script, inline pinyin
between the characters or not, long and short forms) for its n-th look-alike, written in the
script of the text it replaces, and every figure's digits for others of the same length (no
leading zero, never the same number). Dates keep their digits (a year before 年, a month or day
before 月 or 日, 2022-07-20): the copies are about the same days, so the place, not
the year, tells them apart. Everything is deterministic: the same seeds give the same corpus.
"""

from __future__ import annotations

import random
import re
import shutil
from functools import cache
from pathlib import Path

import opencc

from tests.helpers import SEEDS

COPIES = 3
COPY_MARK = "_alike"  # copies are <seed stem>_alike<n>.txt

# A seed's place → its look-alikes, one per copy: real places of Jiangxi, none of them a place
# the development questions ask about. Long forms before the short ones they contain.
PLACES: dict[str, tuple[str, ...]] = {
    "赣州经济技术开发区": ("九江经济技术开发区", "上饶经济技术开发区", "抚州经济技术开发区"),
    "赣州经开区": ("九江经开区", "上饶经开区", "抚州经开区"),
    "南昌经济技术开发区": ("宜春经济技术开发区", "龙南经济技术开发区", "井冈山经济技术开发区"),
    "南昌经开区": ("宜春经开区", "龙南经开区", "井冈山经开区"),
    "南康区": ("瑞金市", "信丰县", "赣县区"),
    "南康": ("瑞金", "信丰", "赣县"),
    "于都县": ("兴国县", "宁都县", "会昌县"),
    "于都": ("兴国", "宁都", "会昌"),
    "萍乡市": ("新余市", "鹰潭市", "景德镇市"),
    "萍乡": ("新余", "鹰潭", "景德镇"),
}

_PINYIN = r"(?:[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[)）])?"  # 區(qū), as the seeds have it
# A run of digits, or a date's, which stays: 2022-07-20, 2020年, 3月, 23日.
_DIGITS = re.compile(
    r"(?P<date>(?:19|20)[0-9]{2}-[0-9]{1,2}-[0-9]{1,2}|(?:19|20)[0-9]{2}(?=年)|[0-9]{1,2}(?=[月日]))"
    r"|[0-9]+")


@cache
def _opencc(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def simplified(text: str) -> str:
    return _opencc("t2s").convert(text)


@cache
def _place_pattern() -> re.Pattern[str]:
    """Any place of PLACES in either script, with inline pinyin after any of its characters."""
    s2t = _opencc("s2t")

    def spelled(name: str) -> str:
        return "".join(f"[{re.escape(c + s2t.convert(c))}]{_PINYIN}" for c in name)

    return re.compile("|".join(f"(?P<p{i}>{spelled(name)})" for i, name in enumerate(PLACES)))


def swap_places(text: str, n: int) -> str:
    """``text`` with every place of PLACES replaced by its n-th look-alike (0-based)."""
    names = list(PLACES)

    def swap(m: re.Match[str]) -> str:
        assert m.lastgroup is not None
        name = names[int(m.lastgroup[1:])]
        new = PLACES[name][n]
        written = re.sub(_PINYIN.removesuffix("?"), "", m.group())
        return new if simplified(written) == written else _opencc("s2t").convert(new)

    return _place_pattern().sub(swap, text)


def change_figures(text: str, seed: str) -> str:
    """``text`` with every run of digits but a date's replaced by another of the same length."""
    rng = random.Random(seed)  # a str seed hashes the same in every process

    def change(m: re.Match[str]) -> str:
        old = m.group()
        if m.group("date"):
            return old
        while True:
            new = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in old[1:])
            if new != old:
                return new

    return _DIGITS.sub(change, text)


def lookalike(text: str, n: int, seed: str) -> str:
    """The n-th look-alike of a seed's text (0-based)."""
    return change_figures(swap_places(text, n), f"{seed}:{n}")


def build(folder: Path, copies: int = COPIES) -> Path:
    """The seeds and ``copies`` look-alikes of each, written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, folder / seed.name)
        text = seed.read_text(encoding="utf-8")
        for n in range(copies):
            (folder / f"{seed.stem}{COPY_MARK}{n + 1}.txt").write_text(
                lookalike(text, n, seed.name), encoding="utf-8")
    return folder


def is_copy(path: str) -> bool:
    return COPY_MARK in Path(path).stem


def places_named(question: str) -> list[str]:
    """The places of PLACES a question names, longest form first, in simplified script."""
    q = simplified(question)
    found: list[str] = []
    for name in PLACES:
        if name in q and not any(name in longer for longer in found):
            found.append(name)
    return found


def without_places(question: str) -> str:
    """The question with the places of PLACES it names taken out (南康2020年投资完成多少 →
    2020年投资完成多少)."""
    q = simplified(question)
    for name in places_named(q):
        q = q.replace(name, "")
    return q
