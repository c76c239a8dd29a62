"""The index cache: built, reused, updated file by file with exact scores, rebuilt when stale
or corrupt, written atomically; unreadable files skipped and reported; an Index that frees its
memory maps once dropped. (Reading and taking apart one file: test_ingest.py.)"""

from __future__ import annotations

import gc
import re
import shutil
import weakref
from pathlib import Path

import numpy as np
import pytest

from retrieval import index as index_mod
from retrieval import ingest
from retrieval.corpus import CorpusError
from tests.helpers import SEEDS, break_processing, conversations, deny_reading

ARTICLE = ("赣州经开区医疗床位总数达3910张,新增医疗床位1290张。全区村均集体经营性收入60.54万元,"
           "空气质量优良天数比例为99.4%。")


def test_unreadable_file_is_skipped_not_fatal(res, tmp_path, monkeypatch):
    shutil.copytree(SEEDS, tmp_path / "c")
    (tmp_path / "c" / "bad.txt").write_text(ARTICLE, encoding="utf-8")
    deny_reading(monkeypatch, "bad.txt")
    index = index_mod.open_index(tmp_path / "c", res)
    assert index.stats.skipped_files == ("bad.txt: Permission denied",)
    assert index.stats.files == 5 and index.stats.passages > 0
    (tmp_path / "c" / "new.txt").write_text(ARTICLE, encoding="utf-8")
    updated = index_mod.open_index(tmp_path / "c", res)  # the file is tried again, reported once
    assert updated.stats.skipped_files == ("bad.txt: Permission denied",)
    assert updated.stats.files == 6


@pytest.mark.parametrize("make", ["missing", "file", "empty"])
def test_unusable_corpus_folder_is_a_clear_error(res, tmp_path, make):
    folder = tmp_path / "corpus"
    if make == "file":
        folder.write_text("x")
    elif make == "empty":
        folder.mkdir()
    with pytest.raises(CorpusError):
        index_mod.open_index(folder, res)


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def reads(monkeypatch):
    """The files each index update reads, tokenizes and extracts figures from."""
    calls: list[list[str]] = []
    real = ingest.read_files

    def read_files(jobs, res, workers=None):
        calls.append(sorted(key for _, _, key in jobs))
        return real(jobs, res, workers)

    monkeypatch.setattr(ingest, "read_files", read_files)  # index imports it when updating
    return calls


def scores(index, question, res):
    from retrieval.tokenize import tokens

    return {index.passage(d).text: round(s, 4) for d, s in index.top(tokens(question, res), 50)}


def test_cache_is_reused_when_nothing_changed(res, corpus, reads):
    notices: list[str] = []
    first = index_mod.open_index(corpus, res, notices.append)
    second = index_mod.open_index(corpus, res, notices.append)
    assert notices == [] and len(reads) == 1 and len(reads[0]) == 5
    assert second.folder == first.folder


def test_adding_a_file_reads_only_it_and_keeps_scores_exact(res, corpus, reads, tmp_path):
    index_mod.open_index(corpus, res)
    (corpus / "new.txt").write_text("新余市经开区\n" + ARTICLE * 3, encoding="utf-8")
    notices: list[str] = []
    updated = index_mod.open_index(corpus, res, notices.append)
    assert reads[-1] == ["new.txt"] and "新增或改动1个文件" in notices[0]
    full = index_mod.open_index(corpus, res, rebuild=True)
    assert reads[-1] == sorted(p.name for p in corpus.iterdir())
    for question in ("赣州经开区医疗床位总数是多少", "村均集体经营性收入", "南康2020年投资完成多少"):
        assert scores(updated, question, res) == scores(full, question, res)
    assert updated.stats.passages == full.stats.passages == index_mod.open_index(corpus, res).stats.passages


def test_removing_and_changing_files_are_picked_up(res, corpus, reads):
    before = index_mod.open_index(corpus, res)
    next(corpus.glob("004_*.txt")).unlink()
    changed = next(corpus.glob("003_*.txt"))
    changed.write_text(changed.read_text(encoding="utf-8").replace("3910", "3999"), encoding="utf-8")
    after = index_mod.open_index(corpus, res)
    assert reads[-1] == [changed.name]
    texts = [p.text for p in after.passages()]
    assert not any("企业上云5712家" in t for t in texts)  # 004 is gone
    assert any("3999张" in t for t in texts) and not any("3910张" in t for t in texts)
    assert after.stats.files == before.stats.files - 1


def test_removing_a_file_brings_back_the_copy_it_hid(res, tmp_path):
    from tests.helpers import seed_text

    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text(seed_text("003") + "\n" + seed_text("004"), encoding="utf-8")
    (folder / "b.txt").write_text(seed_text("004"), encoding="utf-8")
    index = index_mod.open_index(folder, res)
    assert {index.articles[p.article_id].path for p in index.passages() if "企业上云5712家" in p.text} == {"b.txt"}
    (folder / "b.txt").unlink()
    index = index_mod.open_index(folder, res)
    assert {index.articles[p.article_id].path for p in index.passages() if "企业上云5712家" in p.text} == {"a.txt"}


def test_add_folder_joins_the_index(res, corpus, tmp_path, reads):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "x.txt").write_text("吉安市经开区\n" + ARTICLE, encoding="utf-8")
    index_mod.open_index(corpus, res)
    index = index_mod.open_index(corpus, res, add=[extra])
    assert reads[-1] == ["extra/x.txt"]
    assert any(a.path == "extra/x.txt" for a in index.articles.values())
    again = index_mod.open_index(corpus, res)  # the added folder stays part of this index
    assert again.folder == index.folder


DAMAGE = {
    "half": lambda data: data[: len(data) // 2],
    "zero": lambda data: b"",
    "flip": lambda data: (data[: len(data) // 2] + bytes(b ^ 0xFF for b in data[len(data) // 2:][:32])
                          + data[len(data) // 2 + 32:]),
}


def test_every_damaged_file_of_an_index_is_detected(res, corpus):
    """Each file of a version truncated to half or to nothing, or 32 of its bytes flipped:
    opening it reports the damage in one notice, never reads on (the issue found 23 of 87
    such damages answered wrongly or with tracebacks on every question)."""
    index = index_mod.open_index(corpus, res)
    root = index_mod.index_root(corpus)
    files = sorted(p for p in index.folder.iterdir() if p.stat().st_size)
    assert len(files) > 25
    undetected = []
    for path in files:
        data = path.read_bytes()
        for name, damage in DAMAGE.items():
            path.write_bytes(damage(data))
            notices: list[str] = []
            if index_mod._open_current(root, res, notices.append) is not None or len(notices) != 1:
                undetected.append(f"{path.name} {name}")
            path.write_bytes(data)
    assert undetected == []


@pytest.mark.parametrize("damage", ["half", "zero", "flip", "current"])
def test_a_damaged_index_is_rebuilt_with_a_notice(res, corpus, damage):
    index = index_mod.open_index(corpus, res)
    before = scores(index, "南康2020年投资完成多少", res)
    target = (index_mod.index_root(corpus) / "CURRENT" if damage == "current"
              else index.folder / "passage_text.bin")
    target.write_bytes(DAMAGE[damage](target.read_bytes()) if damage in DAMAGE else b"v-gone")
    notices: list[str] = []
    rebuilt = index_mod.open_index(corpus, res, notices.append)
    assert rebuilt.folder != index.folder and len(notices) == 1
    assert ("已损坏" if damage != "current" else "CURRENT") in notices[0]
    assert scores(rebuilt, "南康2020年投资完成多少", res) == before


def test_a_large_index_is_checked_in_full_on_request(res, corpus, monkeypatch):
    """Above CHECK_CONTENTS_UP_TO only sizes are compared at open; --check (verify=True)
    compares every byte."""
    from retrieval import checksums

    index = index_mod.open_index(corpus, res)
    path = index.folder / "passage_text.bin"
    path.write_bytes(DAMAGE["flip"](path.read_bytes()))
    monkeypatch.setattr(checksums, "CHECK_CONTENTS_UP_TO", 0)
    assert index_mod.open_index(corpus, res).folder == index.folder  # a flip keeps the size
    notices: list[str] = []
    checked = index_mod.open_index(corpus, res, notices.append, verify=True)
    assert checked.folder != index.folder and "passage_text.bin" in notices[0]


def test_a_failed_update_leaves_the_old_index(res, corpus, monkeypatch):
    index = index_mod.open_index(corpus, res)
    root = index_mod.index_root(corpus)
    (corpus / "new.txt").write_text(ARTICLE, encoding="utf-8")

    def crash(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(index_mod.Bm25, "save", crash)
    with pytest.raises(OSError):
        index_mod.open_index(corpus, res)
    assert index_mod.current_version(root) == index.folder
    assert sorted(p.name for p in root.iterdir()) == sorted(["CURRENT", "update.lock", index.folder.name])
    assert index_mod.Index(index.folder, res).stats.passages == index.stats.passages


def test_a_file_that_breaks_processing_is_skipped_and_reported(res, corpus, monkeypatch):
    (corpus / "odd.txt").write_text("奇怪的文件\n" + ARTICLE + "奇怪标记。", encoding="utf-8")
    break_processing(monkeypatch, "奇怪标记")
    index = index_mod.open_index(corpus, res)
    assert [s.split(":")[0] for s in index.stats.skipped_files] == ["odd.txt"]
    assert "KeyError" in index.stats.skipped_files[0]
    assert index.stats.files == 5 and any("509.69" in p.text for p in index.passages())


def test_large_corpora_are_checked_by_folder_at_start(res, corpus, reads, monkeypatch):
    monkeypatch.setattr(index_mod, "QUICK_CHECK_FROM", 1)  # as if the corpus were an archive
    first = index_mod.open_index(corpus, res)
    changed = next(corpus.glob("003_*.txt"))
    changed.write_text(changed.read_text(encoding="utf-8").replace("3910", "3999"), encoding="utf-8")
    assert index_mod.open_index(corpus, res).folder == first.folder  # in place: not seen …
    checked = index_mod.open_index(corpus, res, check_files=True)  # … until every file is checked
    assert reads[-1] == [changed.name] and checked.folder != first.folder
    (corpus / "new.txt").write_text(ARTICLE, encoding="utf-8")  # a new file changes its folder
    assert index_mod.open_index(corpus, res).folder != checked.folder
    assert reads[-1] == ["new.txt"]


def test_answering_code_is_not_part_of_the_index_key():
    names = {f"{m}.py" for m in index_mod.INDEX_MODULES}
    here = Path(index_mod.__file__).parent
    assert names <= {p.name for p in here.glob("*.py")}  # every listed module exists
    assert {"answer.py", "question.py", "engine.py", "bm25_kernel.py"}.isdisjoint(names)


def test_a_dropped_index_is_freed(res, corpus):
    """Decoded articles and passages are cached by each Index, not by its class: after a
    reload the old Index, and its memory maps, can go."""
    index = index_mod.open_index(corpus, res)
    first = index.passage(0)
    assert index.passage(0) is first and index.article_of_doc(0) is index.article_of_doc(0)
    assert first.article_id == index.article_of_doc(0).id
    gone = weakref.ref(index)
    del index, first
    gc.collect()
    assert gone() is None


def test_the_decoded_cache_is_bounded(res, corpus, monkeypatch):
    monkeypatch.setattr(index_mod, "CACHED_ITEMS", 2)
    index = index_mod.open_index(corpus, res)
    fresh = index_mod.Index(index.folder, res)
    passages = [fresh.passage(d) for d in range(len(fresh))]
    assert [p.text for p in passages] == [p.text for p in index.passages()]
    assert list(fresh._passages.items) == [len(fresh) - 2, len(fresh) - 1]
    assert fresh.passage(len(fresh) - 2) is passages[-2]  # recent ones are kept …
    assert fresh.passage(0) is not passages[0] and fresh.passage(0) == passages[0]  # … not all


def test_symlink_loops_are_skipped_and_reported(res, tmp_path):
    """A link to itself, two links to each other and a folder linking back above it: every
    command still works, and the entries are named among the skipped."""
    folder = tmp_path / "c"
    shutil.copytree(SEEDS, folder)
    (folder / "self.txt").symlink_to("self.txt")
    (folder / "a.txt").symlink_to("b.txt")
    (folder / "b.txt").symlink_to("a.txt")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder, target_is_directory=True)
    index = index_mod.open_index(folder, res)
    assert index.stats.files == 5 and index.stats.passages > 0
    skipped = " ".join(index.stats.skipped_files)
    for name in ("self.txt", "a.txt", "b.txt", "sub/up/"):
        assert name in skipped, skipped


def test_an_index_updated_file_by_file_ranks_as_one_rebuilt(res, tmp_path):
    """Files added one at a time in reverse order and the same files indexed at once: the
    same passages in the same order (exact ties are broken by file path and position, not by
    when a file came), so every question is answered alike."""
    from retrieval.engine import Engine

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n, src in enumerate(sorted(SEEDS.glob("*.txt"), reverse=True)):
        shutil.copy(src, corpus / src.name)
        # A second copy under another name: its passages tie exactly with the first's.
        (corpus / f"copy{n}.txt").write_text(src.read_text(encoding="utf-8")[:3000], "utf-8")
        grown = index_mod.open_index(corpus, res)
    rebuilt = index_mod.open_index(corpus, res, rebuild=True)
    assert [p.text for p in grown.passages()] == [p.text for p in rebuilt.passages()]
    assert [a.id for a in grown.iter_articles()] == [a.id for a in rebuilt.iter_articles()]
    one, other = Engine(grown, res, corpus), Engine(rebuilt, res, corpus)
    questions = [chat[-1] for chat in conversations()]
    assert [one.ask(q).model_dump_json() for q in questions] == [
        other.ask(q).model_dump_json() for q in questions]


def test_an_unreadable_file_does_not_make_every_start_update(res, corpus, reads, monkeypatch):
    """The file that failed is remembered by size and time: starts after it reuse the index,
    quietly, without trying it again until something changes."""
    (corpus / "bad.txt").write_text(ARTICLE, encoding="utf-8")
    deny_reading(monkeypatch, "bad.txt")
    first = index_mod.open_index(corpus, res)
    notices: list[str] = []
    for check_files in (None, True, None):
        again = index_mod.open_index(corpus, res, notices.append, check_files=check_files)
        assert again.folder == first.folder
    assert notices == [] and len(reads) == 1


def test_a_build_leaves_the_table_questions_are_cut_with(tmp_path, monkeypatch):
    """The memory-mapped jieba table is written by the build, while jieba's table is loaded,
    so the start after a first build does not load it again to write it."""
    from retrieval.resources import Resources

    cache = tmp_path / "cache"
    monkeypatch.setenv("GANWEN_CACHE_DIR", str(cache))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(next(SEEDS.glob("001_*.txt")), corpus)
    index_mod.open_index(corpus, Resources())
    (table,) = cache.glob("jieba-frozen-*")
    assert (table / "meta.json").exists() and not table.name.endswith(".tmp")


def _segmentation_texts(res, tmp_path) -> list[str]:
    """Texts every segmentation must cut as jieba does: prose (:func:`_prose`) and every
    string of up to five characters over letters, digits and the symbols jieba counts in a
    word (where jieba-rs and jieba-next part from jieba)."""
    import itertools

    texts = _prose(res, tmp_path)
    texts += ["".join(t) for n in range(1, 6) for t in itertools.product("a1.-_%的Z", repeat=n)]
    texts += [f"增长{a}{sep}{b}个" for a, sep, b in itertools.product(
        ("ab", "12", "1.5", "x2", "5%", "c++"), ("", "+", "#", "&", "_", "%", "-", ".", "--", " "),
        ("ab", "A", "12", "1.5", "2x"))]
    return texts


def _prose(res, tmp_path) -> list[str]:
    """The seeds as written (traditional script) and simplified, generated text, and runs of
    characters neither dictionary nor model knows."""
    import sys

    from tests.helpers import ROOT

    sys.path.insert(0, str(ROOT / "bench"))
    from synth import write_corpus

    write_corpus(tmp_path / "synth", 300, seed=9)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += [res.simplified(t) for t in texts]
    texts += [p.read_text(encoding="utf-8") for p in sorted((tmp_path / "synth").iterdir())]
    texts.append("跟蹤幫扶機(jī)制,鬱鬱蔥蔥的龘靐齉爩 GDP增长6.5%,PM2.5 1+2+N 2020年")
    return texts


def _pure_jieba():
    from retrieval.resources import pure_tokenizer

    pure = pure_tokenizer()
    pure.load_userdict(str(Path(ingest.__file__).parent / "data" / "userdict.txt"))
    return pure


def test_passages_are_cut_as_jieba_cuts_them(res, tmp_path):
    """Passages are cut by jieba-rs (where jieba's cut is sure to be the same, else by jieba
    over the same table), questions by jieba itself: the same words."""
    from retrieval.resources import RustCut

    assert isinstance(res.tokenizer, RustCut)
    pure = _pure_jieba()
    assert res.tokenizer.total == pure.total
    mismatched = [t for t in _segmentation_texts(res, tmp_path) if res.tokenizer.lcut(t) != pure.lcut(t)]
    assert not mismatched, mismatched[:5]


def test_jieba_rs_weighs_words_against_jiebas_total(res, tmp_path):
    """jieba adds a re-added word's frequency to its total, jieba-rs replaces it: with the
    two thousand most frequent words given again, the totals differ by half and the cuts
    part, unless the difference is carried (RustCut.add_word)."""
    from retrieval.resources import RustCut, _rust_may_differ, compiled_tokenizer, pure_tokenizer

    pure, rust = pure_tokenizer(), RustCut(compiled_tokenizer())
    for word, freq in sorted(pure.FREQ.items(), key=lambda wf: -wf[1])[:2000]:
        pure.add_word(word, freq)
        rust.add_word(word, freq)
    assert rust.total == pure.total
    lines = [line for t in _prose(res, tmp_path) for line in t.splitlines()]
    lines = [line for line in lines if not _rust_may_differ().search(line)]  # cut by jieba-rs
    assert len(lines) > 500
    assert [rust.lcut(t) for t in lines] == [pure.lcut(t) for t in lines]


def test_compiled_and_pure_jieba_cut_alike(res, tmp_path):
    """Where rjieba's wheel is missing, jieba-next cuts passages: jieba's words on all but
    runs of the symbols jieba counts in a word (jieba keeps -- whole, jieba-next splits it:
    noise to the index either way), and jieba's POS tags along its route."""
    from retrieval.resources import compiled_tokenizer

    texts = [t for t in _segmentation_texts(res, tmp_path) if not re.search(r"[-+#&._%]{2}", t)]
    compiled, pure = compiled_tokenizer(), _pure_jieba()
    compiled.tmp_dir = str(tmp_path)
    compiled.load_userdict(str(Path(ingest.__file__).parent / "data" / "userdict.txt"))
    assert type(compiled) is not type(pure)
    import jieba.posseg

    from retrieval.resources import _pure_over

    # Article places are tagged by jieba's POS tagger along the compiled route: the same tags.
    tag_compiled = jieba.posseg.POSTokenizer(_pure_over(compiled))
    tag_pure = jieba.posseg.POSTokenizer(pure)
    assert type(tag_compiled.tokenizer) is not type(pure)
    for text in texts:
        assert compiled.lcut(text) == pure.lcut(text)
        assert [tuple(p) for p in tag_compiled.lcut(text)] == [tuple(p) for p in tag_pure.lcut(text)]


def test_places_are_the_words_jiebas_tagger_tags_as_places(res, tmp_path, monkeypatch):
    """Article places are found along the tagger's own steps without tagging every word
    (tokenize.tagged_places): the words its cut tags ns, on every class of text, over the
    compiled route and over jieba's own (a small corpus's, and without jieba-next), with its
    HMM's runs remembered or not."""
    import jieba

    from retrieval import resources
    from retrieval.resources import PLACE_TAG, Resources
    from retrieval.tokenize import tagged_places

    def tagged(text: str, r: Resources) -> list[str]:
        found = (p.word.strip() for p in r.pos.cut(text) if p.flag == PLACE_TAG
                 and (p.word in r.places or p.word not in r.tokenizer.FREQ))
        return list(dict.fromkeys(w for w in found if len(w) >= 2))

    lines = [line for t in _segmentation_texts(res, tmp_path) for line in t.splitlines()]
    lines += ["共青城推进数字经济发展", "萍乡 经开区", "ABC赣州 5G基站", "a.b萍乡市", "\u3400赣州"]
    expected = [tagged(t, res) for t in lines]
    assert sum(map(len, expected)) > 100
    for compiled_from in (0, 10**9):  # the compiled route from the start, jieba's throughout
        monkeypatch.setattr(resources, "COMPILED_FROM_CHARS", compiled_from)
        routed = Resources()
        assert isinstance(routed.pos.tokenizer, resources.RouteOver)
        assert [tagged_places(t, routed) for t in lines] == expected
        assert [tagged_places(t, routed) for t in lines] == expected  # the HMM's runs remembered
        assert (routed.pos.tokenizer.compiled._rust_prefix is None) == bool(compiled_from)
    monkeypatch.setenv("GANWEN_PURE_JIEBA", "1")
    pure = Resources()
    assert type(pure.pos.tokenizer) is jieba.Tokenizer  # jieba's own route
    assert [tagged_places(t, pure) for t in lines] == expected


def test_an_index_is_the_same_whichever_segmenter_cuts_it(tmp_path, monkeypatch):
    """jieba-rs, jieba-next where rjieba's wheel is missing, jieba itself where both are (or
    GANWEN_PURE_JIEBA is set): the same index, places and all."""
    from retrieval import resources
    from retrieval.resources import Resources

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    built = {}
    for name, pure, rust, segmenter in (("rust", "", True, "RustCut"),
                                        ("next", "", False, "jieba_next"),
                                        ("pure", "1", True, "jieba")):
        monkeypatch.setenv("GANWEN_PURE_JIEBA", pure)
        monkeypatch.setattr(resources, "HAS_RJIEBA", rust)
        monkeypatch.setenv("GANWEN_CACHE_DIR", str(tmp_path / f"cache-{name}"))
        index = index_mod.open_index(corpus, Resources())
        built[name] = ([index.doc_tokens(d) for d in range(len(index))],
                       [a.model_dump() for a in index.iter_articles()])  # places among them
        tokenizer = type(Resources().tokenizer)
        assert segmenter in (tokenizer.__name__, tokenizer.__module__.split(".")[0])
    assert built["rust"] == built["next"] == built["pure"] and len(built["rust"][0]) > 50


def test_terms_numbered_by_several_workers_get_one_id_each(res, tmp_path):
    """Each worker numbers the terms of every file it takes apart and sends each term once; the
    index maps every worker's numbers to one vocabulary, whichever worker took a file apart."""
    from dataclasses import replace

    for n, text in enumerate(["赣州经开区新增医疗床位1290张。", "萍乡市企业上云1200家。",
                              "赣州企业上云新增1290家，萍乡医疗床位。", "萍乡赣州经开区。"]):
        (tmp_path / f"{n}.txt").write_text(f"标题{n}\n{text}\n", encoding="utf-8")
    paths = sorted(tmp_path.glob("*.txt"))
    one = ingest.Terms()
    alone = [ingest.process_file(tmp_path, p, None, res, one) for p in paths]
    two = (ingest.Terms(), ingest.Terms())
    shared = [replace(ingest.process_file(tmp_path, p, None, res, two[n % 2]), producer=n % 2)
              for n, p in enumerate(paths)]
    assert sum(len(r.terms) for r in shared) > sum(len(r.terms) for r in alone)  # sent twice
    a, _ = index_mod._add_results(index_mod._empty_columns(), alone)
    b, _ = index_mod._add_results(index_mod._empty_columns(), shared)
    assert a.vocab == b.vocab
    assert a.tokens.flat.tolist() == b.tokens.flat.tolist()
    assert a.tokens.offsets.tolist() == b.tokens.offsets.tolist()


def test_a_passages_figures_and_mentions_are_read_from_its_text_once_when_asked(
        res, corpus, monkeypatch):
    from retrieval import entities, figures, spans

    (corpus / "new.txt").write_text("赣州经开区综述\n" + ARTICLE, encoding="utf-8")
    index = index_mod.open_index(corpus, res)
    read: list[str] = []
    monkeypatch.setattr(spans, "extract_figures", lambda text: read.append("figures") or
                        figures.extract_figures(text))
    monkeypatch.setattr(spans, "extract_mentions", lambda text, r: read.append("mentions") or
                        entities.extract_mentions(text, r))
    fresh = index_mod.Index(index.folder, res)
    passages = [fresh.passage(d) for d in range(len(fresh))]
    assert read == []  # opening and ranking passages reads none of them
    p = next(p for p in passages if "3910张" in p.text and "60.54万元" in p.text)
    assert {"3910张", "60.54万元", "99.4%"} <= {f.text for f in p.figures}
    assert p.figures == figures.extract_figures(p.text)
    assert p.mentions == entities.extract_mentions(p.text, res)
    assert read == ["figures", "mentions"]
    assert p.figures and p.mentions and fresh.passage(passages.index(p)).figures == p.figures
    assert read == ["figures", "mentions"]  # kept with the passage, not read again


def test_a_passage_whose_figures_cannot_be_read_has_none_and_the_question_is_answered(
        res, corpus, monkeypatch, caplog):
    from retrieval import figures, spans
    from retrieval.engine import Engine

    def extract(text: str):
        if "完成年度投资" in text:
            raise KeyError(1)  # as cn2an once did
        return figures.extract_figures(text)

    monkeypatch.setattr(spans, "extract_figures", extract)
    engine = Engine(index_mod.open_index(corpus, res), res, corpus)
    r = engine.ask("南康2020年投资完成多少")
    assert all(rp.passage.figures == () for rp in r.passages if "完成年度投资" in rp.passage.text)
    assert any(rp.passage.figures for rp in r.passages)  # the others are read
    assert "could not be read (KeyError" in caplog.text


def test_a_shard_indexes_the_files_its_hash_names(res, corpus):
    """S shards of a corpus: ordinary indexes of the files crc32(key) % S names, cached apart,
    together the corpus's files and (the seeds repeating no passage across files) passages;
    a shard with no file is an empty index, not an error."""
    shards = 3
    whole = index_mod.open_index(corpus, res)
    parts = [index_mod.open_index(corpus, res, shard=(i, shards)) for i in range(shards)]

    def paths(index):
        return sorted(f["path"] for f in index.files)

    assert sorted(p for part in parts for p in paths(part)) == paths(whole)
    assert all(index_mod.shard_of(p, shards) == i for i, part in enumerate(parts)
               for p in paths(part))
    assert sum(len(part) for part in parts) == len(whole)
    assert len({part.folder.parent for part in parts} | {whole.folder.parent}) == shards + 1
    assert index_mod.open_index(corpus, res, shard=(1, shards)).folder == parts[1].folder
    many = 64  # more shards than files: most hold none
    empty = next(i for i in range(many)
                 if all(index_mod.shard_of(p, many) != i for p in paths(whole)))
    nothing = index_mod.open_index(corpus, res, shard=(empty, many))
    assert len(nothing) == 0 and nothing.files == [] and nothing.top(["南康"], 5) == []


def test_shards_weighed_with_the_wholes_statistics_score_as_one_index(res, corpus):
    """Every passage of every shard scores bit for bit as in the index of the whole corpus, for
    every question of tests/data, a file repeated in another shard kept once as one index keeps
    it; with each shard's own statistics and choices they would not."""
    from retrieval.shards import corpus_wide, shared_visible, weighed
    from retrieval.tokenize import tokens

    shards = 3
    seed = sorted(corpus.glob("*.txt"))[0]
    copy = next(f"copy{n}.txt" for n in range(100)
                if index_mod.shard_of(f"copy{n}.txt", shards) != index_mod.shard_of(seed.name,
                                                                                    shards))
    shutil.copy(seed, corpus / copy)  # the same articles in another shard
    whole = index_mod.open_index(corpus, res)
    parts = [index_mod.open_index(corpus, res, shard=(i, shards)) for i in range(shards)]
    assert sum(len(p) for p in parts) > len(whole)  # each shard keeps its own copy

    def row_id(index, row):
        return f"{index.article(int(index.article_index[row])).id}:{int(index.position[row])}"

    where = {whole.passage(d).id: d for d in range(len(whole))}
    visible = shared_visible(parts)
    assert sum(map(len, visible)) == len(whole)
    stats = corpus_wide(parts, visible)
    matrices = [weighed(p, v, s) for p, v, s in zip(parts, visible, stats, strict=True)]
    questions = [q for conversation in conversations() for q in conversation]
    differs = False
    for question in questions:
        terms = tokens(question, res)
        full = whole.bm25.scores([whole.term_id(t) for t in terms])
        for part, rows, matrix in zip(parts, visible, matrices, strict=True):
            ids = [part.term_id(t) for t in terms]
            docs = [where[row_id(part, int(r))] for r in rows]
            assert np.array_equal(matrix.scores(ids), full[docs]), question
            if len(rows) == len(part):
                differs |= not np.array_equal(part.bm25.scores(ids), full[docs])
    assert differs and len(questions) > 50
