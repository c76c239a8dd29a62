"""Reading corpus files and taking them apart for the index: formats, bad bytes, articles and
passage records, unreadable or odd files reported rather than raised, and worker processes
that read as one process does."""

from __future__ import annotations

import pickle
import shutil
from dataclasses import replace

import pytest

from retrieval import ingest
from retrieval.corpus import bundled_corpus, decode, read_file, scan
from retrieval.ingest import PassageRecord, process_file, read_files
from retrieval.tokenize import tokens
from tests.helpers import SEEDS, break_processing, deny_reading

ARTICLE = ("赣州经开区医疗床位总数达3910张,新增医疗床位1290张。全区村均集体经营性收入60.54万元,"
           "空气质量优良天数比例为99.4%。")


# --- reading a file --------------------------------------------------------------------------

def test_bundled_corpus_is_the_seeds():
    names = sorted(p.name for p in bundled_corpus().glob("*.txt"))
    assert names == sorted(p.name for p in SEEDS.glob("*.txt")) and len(names) == 5


def test_html_goes_through_a_parser(tmp_path):
    (tmp_path / "a.html").write_text(
        "<html><head><title>标题</title><script>var x='不要';</script><style>p{}</style></head>"
        f"<body><nav>首页 新闻</nav><h1>经开区综述</h1><p>{ARTICLE}</p><p>第二段&amp;结束。</p>"
        "</body></html>", encoding="utf-8")
    text = read_file(tmp_path / "a.html", tmp_path).text
    assert ARTICLE in text and "第二段&结束。" in text
    assert "不要" not in text and "p{}" not in text and "首页 新闻" not in text
    assert text.index("经开区综述") < text.index(ARTICLE)


def test_markdown_and_htm_and_subfolders_are_read(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("# 标题\n\n" + ARTICLE, encoding="utf-8")
    (tmp_path / "b.htm").write_text(f"<p>{ARTICLE}</p>", encoding="utf-8")
    (tmp_path / "c.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_text(ARTICLE, encoding="utf-8")
    assert [f.rel for f in scan(tmp_path).files] == ["b.htm", "sub/a.md"]
    assert ARTICLE in read_file(tmp_path / "sub" / "a.md", tmp_path).text


def test_invalid_bytes_are_replaced_and_counted():
    data = ARTICLE.encode() + b"\xff\xfe" + "完".encode()[:2] + "。".encode()
    text, replaced = decode(data)
    assert text.startswith(ARTICLE) and replaced >= 2
    assert decode("已有\ufffd字符".encode()) == ("已有\ufffd字符", 0)


# --- taking it apart -------------------------------------------------------------------------

def test_a_file_becomes_articles_and_passage_records(res, tmp_path):
    path = tmp_path / "sub" / "a.txt"
    path.parent.mkdir()
    path.write_text("萍乡市经开区综述\n" + ARTICLE + "\n\n" + ARTICLE.replace("3910", "3999"),
                    encoding="utf-8")
    result = process_file(tmp_path, path, None, res)
    assert (result.path, result.size, result.error) == ("sub/a.txt", path.stat().st_size, None)
    assert [a.path for a in result.articles] == ["sub/a.txt"]
    assert result.articles[0].paragraphs == ()  # the text is in the passages
    assert result.passages and all(isinstance(p, PassageRecord) for p in result.passages)
    first = result.passages[0]
    assert (first.article, first.position) == (0, 0) and "3910张" in first.text
    assert [p.position for p in result.passages] == list(range(len(result.passages)))
    places = result.articles[0].places
    assert first.token_list(result.terms)[:len(tokens(first.text, res))] == tokens(first.text, res)
    assert first.token_list(result.terms)[len(tokens(first.text, res)):] == [
        t for place in places for t in tokens(place, res)]  # the article's places, after
    assert pickle.loads(pickle.dumps(result)) == result  # crosses to and from worker processes


def test_the_key_names_the_file(res, tmp_path):
    path = tmp_path / "index.html"
    path.write_text(f"<h1>标题</h1><p>{ARTICLE}</p>", encoding="utf-8")
    result = process_file(tmp_path, path, "site/index.html", res)
    assert result.path == "site/index.html"
    assert all(a.path == "site/index.html" for a in result.articles)


def test_an_unreadable_file_is_reported_not_raised(res, tmp_path, monkeypatch):
    path = tmp_path / "bad.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    deny_reading(monkeypatch, "bad.txt")
    result = process_file(tmp_path, path, None, res)
    assert result.error == "Permission denied" and not result.articles and not result.passages


def test_a_file_that_breaks_processing_is_reported_without_its_parts(res, tmp_path, monkeypatch):
    path = tmp_path / "odd.txt"
    path.write_text("奇怪的文件\n" + ARTICLE + "\n\n奇怪标记。" + ARTICLE, encoding="utf-8")
    break_processing(monkeypatch, "奇怪标记")
    result = process_file(tmp_path, path, None, res)
    assert result.error is not None and "KeyError" in result.error
    assert result.articles == [] and result.passages == []  # nothing half taken apart


# --- many files ------------------------------------------------------------------------------

@pytest.fixture
def jobs(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    (folder / "unreadable.txt").mkdir()  # a folder by a file's name: cannot be read
    return [(folder, p, p.name) for p in sorted(folder.iterdir())]


def _spelled(results):
    """The results with their passages' tokens spelled out: each producer (worker) numbers the
    terms of every file it takes apart, sending each term once, and is read in order."""
    numbered: dict[int, list[str]] = {}
    for r in results:
        terms = numbered.setdefault(r.producer, [])
        terms += r.terms
        yield replace(r, terms=[], producer=0,
                      passages=[p._replace(tokens=p.token_list(terms)) for p in r.passages])


def test_parallel_and_serial_reading_agree(res, jobs, monkeypatch):
    serial = list(read_files(jobs, res))
    monkeypatch.setattr(ingest, "PARALLEL_FROM_BYTES", 0)
    parallel = list(read_files(jobs, res))
    assert [r.path for r in serial] == [key for _, _, key in jobs]  # in the order of the jobs
    assert list(_spelled(parallel)) == list(_spelled(serial))
    assert [r.path for r in serial if r.error] == ["unreadable.txt"]
    assert sum(len(r.passages) for r in serial) > 0


def test_terms_come_from_jiebas_search_mode(res, engine):
    """A text is cut once and each word's search-mode pieces found on their own: together,
    jieba's cut_for_search, passage for passage."""
    from retrieval.tokenize import search_mode

    texts = [p.text for p in engine.index.passages()]
    texts.append("赣州经济技术开发区新增规上工业企业24家")
    for text in texts:
        words = res.tokenizer.lcut(text)
        assert list(search_mode(words, res.tokenizer.FREQ)) == res.tokenizer.lcut_for_search(text)


def test_terms_worked_out_once_per_word_are_the_terms(res, engine, monkeypatch):
    """Each word's terms are remembered (Resources.memo): a text's terms are the same with the
    memo full, empty or started again mid-text, and the memo stays within its bound."""
    from retrieval import resources

    texts = [p.text for p in engine.index.passages()]
    first = [tokens(t, res) for t in texts]
    monkeypatch.setattr(resources, "MEMO_WORDS", 50)
    fresh = resources.Resources()
    fresh.tokenizer = res.tokenizer  # one table for both: the memo is what differs
    assert [tokens(t, fresh) for t in texts] == first
    memo = fresh._memos["terms", res.tokenizer]  # started again within one text of the bound
    assert 0 < len(memo) <= 50 + max(len(res.tokenizer.lcut(t)) for t in texts)
    assert sum(map(len, first)) > 1000


def test_a_qualified_measure_is_the_measure(res):
    """3000余家 is counted in 家, as 49家 is: 多少家 finds both."""
    from retrieval.tokenize import tokens

    assert "家" in tokens("3000余家工业企业在这里持续耕耘", res)
    assert "家" in tokens("聚集相关企业已有49家", res)
    assert "余家" not in tokens("累计孵化企业60余家", res)


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-16", "utf-8-sig"])
def test_chinese_files_in_other_encodings_are_read(tmp_path, encoding):
    from retrieval.corpus import decode

    text = "赣州经开区新增医疗床位1290张、总数达3910张。" * 20
    decoded, replaced = decode(text.encode(encoding))
    assert decoded == text and replaced == 0


def test_a_utf8_file_with_a_few_broken_bytes_stays_utf8():
    from retrieval.corpus import decode

    text = "赣州经开区新增医疗床位1290张、总数达3910张。" * 20
    data = text.encode() + b"\xff" + text.encode()
    decoded, replaced = decode(data)
    assert replaced == 1 and decoded == text + "\ufffd" + text


@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "workers"])
def test_a_large_file_is_taken_apart_in_runs_as_a_whole_one(res, tmp_path, monkeypatch, parallel):
    """A file over SPLIT_FROM_BYTES comes as a head result and one per run of articles, with
    the same articles, ids, passages (and their original script: the seeds are traditional)
    as the file taken apart whole."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    big = tmp_path / "big.txt"
    big.write_text(text + "\n" + text.replace("2020年", "2021年"), encoding="utf-8")
    whole = process_file(tmp_path, big, None, res)
    monkeypatch.setattr(ingest, "SPLIT_FROM_BYTES", 1000)
    monkeypatch.setattr(ingest, "RUN_CHARS", 5000)
    monkeypatch.setattr(ingest, "PARALLEL_FROM_BYTES", 0 if parallel else 1 << 40)
    runs = list(read_files([(tmp_path, big, "big.txt")], res))
    assert [r.part for r in runs] == list(range(len(runs))) and len(runs) > 5
    assert (runs[0].size, runs[0].mtime_ns, runs[0].articles) == (whole.size, whole.mtime_ns, [])
    assert [a for r in runs for a in r.articles] == whole.articles
    records = [p._replace(article=p.article + sum(len(q.articles) for q in runs[:n]))
               for n, r in enumerate(_spelled(runs)) for p in r.passages]
    assert records == [p._replace(tokens=p.token_list(whole.terms)) for p in whole.passages]
    assert any(p.original for p in records)


def test_a_worker_keeps_its_tables_out_of_the_collectors_sight():
    """An indexing worker freezes what it loaded (jieba's tables, the tagger) and collects
    rarely: the collector scanning them cost a build 5% of its time."""
    import multiprocessing

    def report(queue):
        ingest._worker_init()
        import gc

        queue.put((gc.get_threshold(), gc.get_freeze_count()))

    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    worker = ctx.Process(target=report, args=(queue,))
    worker.start()
    threshold, frozen = queue.get(timeout=60)
    worker.join(60)
    assert threshold == ingest.WORKER_GC_THRESHOLDS and frozen > 10_000


def test_a_file_that_fails_gives_back_the_terms_it_numbered(res, tmp_path, monkeypatch):
    """A worker numbers terms across files and sends each once: a file that breaks after its
    first passages must not leave numbers behind that no result ever spelled out."""
    first = "赣州经开区新增医疗床位1290张，总数达3910张。"
    broken = "萍乡市企业上云1200家，新增光伏发电装机容量，数字经济规模扩大。" * 8 + "\n标记破坏之处在此。" * 8
    last = "萍乡市光伏发电装机容量新增1200家企业上云，赣州经开区医疗床位3910张。"
    for name, text in (("a.txt", first), ("b.txt", broken), ("c.txt", last)):
        (tmp_path / name).write_text(f"标题{name}\n{text}\n", encoding="utf-8")
    break_processing(monkeypatch, "标记破坏")
    numbering = ingest.Terms()
    results = [process_file(tmp_path, tmp_path / n, None, res, numbering)
               for n in ("a.txt", "b.txt", "c.txt")]
    assert results[1].error and not results[1].terms and results[2].passages
    assert list(numbering.ids) == results[0].terms + results[2].terms  # every number spelled
    spelled = list(_spelled(results))
    assert spelled[2].passages[0].tokens[:len(tokens(last, res))] == tokens(last, res)


def test_a_workers_numbers_of_each_word_are_its_terms_numbers(res, monkeypatch):
    """A worker numbers each distinct word's terms once (Terms.of_words): across the seeds'
    files, with that memo full or started again every few dozen words, every passage's
    numbers spell its terms, its article's places after them."""
    paths = sorted(SEEDS.glob("*.txt"))

    def read() -> list:
        numbering = ingest.Terms()
        results = [process_file(SEEDS, p, None, res, numbering) for p in paths]
        assert len(numbering.by_word) <= ingest.MEMO_WORDS + 1000
        return list(_spelled(results))

    spelled = read()
    for r in spelled:
        for p in r.passages:
            article = r.articles[p.article]
            places = [t for place in article.places for t in tokens(place, res)]
            assert p.tokens == tokens(p.text, res) + places
    assert sum(len(p.tokens) for r in spelled for p in r.passages) > 1000
    assert any(r.articles[0].places for r in spelled)
    monkeypatch.setattr(ingest, "MEMO_WORDS", 30)
    assert read() == spelled
