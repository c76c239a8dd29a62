"""A synthetic Chinese news corpus for the benchmark: articles whose words are drawn from
jieba's own dictionary by frequency, with figures in units, each paragraph one passage; and
questions drawn from its passages."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import jieba
import numpy as np

PLACES = ("南昌", "九江", "景德镇", "萍乡", "新余", "鹰潭", "赣州", "吉安", "宜春", "抚州", "上饶",
          "南康", "于都", "信丰", "瑞金", "龙南", "井冈山", "庐山", "共青城", "樟树")
FIGURES = ("完成投资{n}亿元", "新增企业{i}家", "增长{p}%", "建成{n}万平方米", "实现营收{n}亿元",
           "引进项目{i}个", "惠及群众{n}万户", "面积{n}平方公里", "产量{n}万吨", "签约{i}项")
PASSAGES_PER_FILE = 10


def dictionary_words() -> tuple[list[str], np.ndarray]:
    """jieba's dictionary: words of two characters or more and their frequency weights."""
    words, freqs = [], []
    with (Path(jieba.__file__).parent / "dict.txt").open(encoding="utf-8") as f:
        for line in f:
            word, freq, _ = line.split()
            if len(word) >= 2 and word.isalpha():
                words.append(word)
                freqs.append(int(freq))
    weights = np.asarray(freqs, dtype=np.float64)
    return words, weights / weights.sum()


def _figure(rng: random.Random) -> str:
    return rng.choice(FIGURES).format(n=round(rng.uniform(1, 999), 2), i=rng.randint(2, 5000),
                                      p=round(rng.uniform(0.1, 30), 1))


def write_corpus(folder: Path, passages: int, seed: int = 0) -> list[dict]:
    """Write ``passages`` paragraphs as articles of PASSAGES_PER_FILE; returns, per file, its
    place and paragraphs (for drawing questions)."""
    folder.mkdir(parents=True, exist_ok=True)
    words, weights = dictionary_words()
    np_rng, rng = np.random.default_rng(seed), random.Random(seed)
    files = -(-passages // PASSAGES_PER_FILE)
    drawn = iter(np_rng.choice(len(words), size=passages * 40, p=weights).tolist())
    meta = []
    for n in range(files):
        place = rng.choice(PLACES)
        title = place + "".join(words[next(drawn)] for _ in range(4))
        paragraphs = []
        for _ in range(min(PASSAGES_PER_FILE, passages - n * PASSAGES_PER_FILE)):
            sentences = []
            for _ in range(3):
                body = "".join(words[next(drawn)] for _ in range(rng.randint(8, 12)))
                sentences.append(body + "," + _figure(rng) + "。")
            paragraphs.append("".join(sentences))
        text = "\n".join([title, f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 10:00 来源:{place}日报",
                          *paragraphs])
        (folder / f"{n:07d}.txt").write_text(text, encoding="utf-8")
        meta.append({"place": place, "paragraphs": paragraphs})
    return meta


def questions(meta: list[dict], count: int, seed: int = 1) -> list[str]:
    """Questions about random passages: their place, a few of their words, 多少."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        article = rng.choice(meta)
        para = rng.choice(article["paragraphs"])
        clause = rng.choice([c for c in para.split("。") if c])
        body, _, figure = clause.partition(",")
        start = rng.randint(0, max(0, len(body) - 8))
        label = re.match(r"\D*", figure).group()  # 完成投资, 新增企业 …: the figure's words
        out.append(f"{article['place']}{body[start:start + 8]}{label}多少")
    return out


if __name__ == "__main__":
    import sys

    meta = write_corpus(Path(sys.argv[1]), int(sys.argv[2]))
    print(json.dumps(questions(meta, 5), ensure_ascii=False))
