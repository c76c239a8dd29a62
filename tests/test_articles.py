"""Articles and passages: titles, dates and sources, files holding two articles, repeated text
indexed once, passage sizes and context."""

from __future__ import annotations

import re
from collections import Counter

from retrieval.index import open_index
from retrieval.passages import MAX_CHARS, MIN_CHARS, passage_texts, split_paragraph


def test_seed_titles_dates_and_sources(seed_articles):
    meta = {k: [(a.title, a.date, a.source) for a in v] for k, v in seed_articles.items()}
    assert meta["000"] == [("六大攻坚战综合评分 南康区再获赣州市第一", None, None)]
    assert meta["001"] == [("南昌经开区 铆足干劲不放松 融合发展向前冲", None, None)]
    assert meta["002"] == [("于都县委书记:工业倍增升级工作动员大会上的讲话", "2021-03-23", None)]
    assert meta["003"] == [
        ("赣州经开区:奋力建设全国一流现代化国家级经开区", "2024-09-14 15:46", "江西手机报")]
    assert meta["004"] == [("踔厉奋发勇争先——萍乡市经济社会发展综述", "2022-07-20 11:04", "萍乡日报")]


def test_title_and_header_lines_are_not_body(seed_articles):
    for articles in seed_articles.values():
        for a in articles:
            assert a.paragraphs[0] != a.title
            assert not any(re.search(r"来源[::]", p) for p in a.paragraphs)


def test_a_file_with_two_articles_is_split(res, joined_corpus):
    from retrieval.articles import split_articles
    from retrieval.corpus import read_file

    def articles(name):
        text = read_file(joined_corpus / name, joined_corpus).text
        return split_articles(res.simplified(text), name, res.is_word)

    first, speech = articles("001_joined.txt")
    assert first.title.startswith("南昌经开区")
    assert speech.title == "于都县委书记:工业倍增升级工作动员大会上的讲话"
    assert speech.date == "2021-03-23"
    assert not any("于都" in p for p in first.paragraphs)
    gz, px = articles("003_joined.txt")
    assert gz.title.startswith("赣州经开区") and gz.source == "江西手机报"
    assert px.title == "踔厉奋发勇争先——萍乡市经济社会发展综述" and px.source == "萍乡日报"
    assert not any("萍乡" in p for p in gz.paragraphs)


def test_repeated_text_is_indexed_once(res, joined_corpus):
    index = open_index(joined_corpus, res)
    passages = index.passages()
    keys = Counter(re.sub(r"\W", "", p.text) for p in passages)
    assert max(keys.values()) == 1
    # Each article is kept once, in the copy that has its own file and full metadata.
    titles = Counter(a.title for a in index.articles.values())
    assert max(titles.values()) == 1
    speech = next(a for a in index.articles.values() if a.title.startswith("于都"))
    pingxiang = next(a for a in index.articles.values() if "萍乡" in a.title)
    assert speech.path.startswith("002_") and pingxiang.path.startswith("004_")
    # The partial copy at the end of 003 adds nothing: every 萍乡 passage is from 004.
    assert all(p.article_id == pingxiang.id for p in passages if "企业上云" in p.text)


def test_passages_are_chat_sized(engine):
    lengths = [len(p.text) for p in engine.index.passages()]
    assert min(lengths) >= MIN_CHARS // 2
    assert max(lengths) <= MAX_CHARS + MIN_CHARS
    assert sum(MIN_CHARS <= n <= MAX_CHARS for n in lengths) / len(lengths) >= 0.85


def test_long_paragraphs_are_cut_at_sentence_ends(engine):
    speech = [p for p in engine.index.passages() if p.article_id.startswith("002_")]
    assert len(speech) >= 8  # pages of ~1,000 characters become many passages
    for p in speech[:-1]:
        assert p.text[-1] in "。!?;”", p.text[-20:]


def test_split_paragraph_keeps_every_character():
    para = "一二三四五六七八九十。" * 40
    chunks = split_paragraph(para)
    assert "".join(chunks) == para
    assert all(len(c) <= MAX_CHARS for c in chunks) and all(c.endswith("。") for c in chunks)


def test_headings_join_the_text_that_follows():
    texts = passage_texts(["争分夺秒紧抓项目", "产业要加速集聚,项目建设就必须一路奔驰。" * 4])
    assert len(texts) == 1 and texts[0].startswith("争分夺秒紧抓项目\n")


def test_passages_know_article_position_and_place(engine):
    idx = engine.index
    articles = idx.articles
    for p in idx.passages():
        assert p.id == f"{articles[p.article_id].id}:{p.position}"
    px = next(a for a in articles.values() if "萍乡" in a.title)
    assert "萍乡市" in px.places
    cloud = next(p for p in idx.passages() if "企业上云5712家" in p.text)
    assert "萍乡" not in cloud.text
    assert engine.search("萍乡企业上云多少家")[0].passage.id == cloud.id
