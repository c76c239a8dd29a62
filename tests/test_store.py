"""The on-disk columns: strings, ragged id lists and the hashed lookup, memory-mapped; and
jieba's frequency table stored in them."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from retrieval.frozen_dict import FrozenFreq, frozen_tokenizer
from retrieval.store import Lookup, Ragged, Strings, concat_ragged, save_strings


def test_strings_round_trip(tmp_path):
    items = ["南康", "", "509.69亿元", "a" * 1000, "赣州经开区"]
    assert save_strings(tmp_path, "s", items) == len(items)
    column = Strings(tmp_path, "s")
    assert len(column) == 5 and list(column) == items and column[-1] == "赣州经开区"
    assert column[1:3] == ["", "509.69亿元"]
    with pytest.raises(IndexError):
        column[5]


def test_empty_strings_column(tmp_path):
    save_strings(tmp_path, "s", [])
    assert list(Strings(tmp_path, "s")) == []


def test_ragged_take_and_concat(tmp_path):
    lists = [[1, 2, 3], [], [4], [5, 6]]
    ragged = Ragged.from_lists(lists)
    assert [r.tolist() for r in (ragged[i] for i in range(4))] == lists
    taken = ragged.take(np.array([3, 0, 1]))
    assert [taken[i].tolist() for i in range(3)] == [[5, 6], [1, 2, 3], []]
    whole = ragged.take(np.arange(len(ragged)))
    assert [whole[i].tolist() for i in range(len(whole))] == [ragged[i].tolist()
                                                              for i in range(len(ragged))]
    ragged.save(tmp_path, "r")
    opened = Ragged.open(tmp_path, "r")
    both = concat_ragged([opened, Ragged.from_lists([[7]])])
    assert [both[i].tolist() for i in range(len(both))] == lists + [[7]]
    assert len(Ragged.from_lists([]).take(np.array([], dtype=np.int64))) == 0


def test_lookup_finds_every_string_and_nothing_else(tmp_path):
    words = sorted({f"词{i}" for i in range(3000)} | {"", "南康", "509.69"})
    save_strings(tmp_path, "v", words)
    Lookup.save(tmp_path, "v", words)
    lookup = Lookup.open(tmp_path, "v", Strings(tmp_path, "v"))
    assert all(lookup(w) == i for i, w in enumerate(words))
    assert lookup("没有的词") is None and lookup("词3000") is None


def test_lookup_remembers_a_bounded_number_of_answers(tmp_path, monkeypatch):
    """Answers are remembered (a question's words come back for every passage weighed), found
    or not, and the memory starts again past its bound, answering the same."""
    import retrieval.store as store

    monkeypatch.setattr(store, "LOOKUPS_REMEMBERED", 50)
    words = [f"词{i}" for i in range(300)]
    save_strings(tmp_path, "v", words)
    Lookup.save(tmp_path, "v", words)
    lookup = Lookup.open(tmp_path, "v", Strings(tmp_path, "v"))
    for _ in range(2):
        assert [lookup(w) for w in words] == list(range(300)) and lookup("没有") is None
        assert 0 < len(lookup._known) <= 50
    calls = []
    monkeypatch.setattr(lookup, "_find", lambda text: calls.append(text))
    lookup("没有")
    assert calls == []  # remembered: not looked for again


def test_lookup_survives_hash_collisions(tmp_path, monkeypatch):
    import retrieval.store as store

    # everything of one length collides
    monkeypatch.setattr(store, "string_hash", len)
    monkeypatch.setattr(store, "string_hashes", lambda items: np.array([len(w) for w in items]))
    words = ["ab", "cd", "ef", "g"]
    save_strings(tmp_path, "v", words)
    Lookup.save(tmp_path, "v", words)
    lookup = Lookup.open(tmp_path, "v", Strings(tmp_path, "v"))
    assert [lookup(w) for w in words] == [0, 1, 2, 3] and lookup("zz") is None


def test_frozen_frequencies_are_a_full_mapping(tmp_path):
    freq = {"南康": 120, "南": 0, "赣州经开区": 7, "经开区": 35}
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("赣州经开区 7\n", encoding="utf-8")
    full = SimpleNamespace(FREQ=freq, total=sum(freq.values()))
    tokenizer = frozen_tokenizer(tmp_path, userdict, full, {"南康": "ns", "赣州经开区": "nt"})
    frozen = tokenizer.FREQ
    assert isinstance(frozen, FrozenFreq) and tokenizer.total == 162
    assert frozen_tokenizer(tmp_path, userdict).FREQ == freq  # written once, then reopened
    assert dict(frozen.items()) == freq and sorted(frozen.values()) == sorted(freq.values())
    assert sorted(frozen.keys()) == sorted(freq) and len(frozen) == 4
    assert frozen["南康"] == 120 and frozen.get("南") == 0 and "经开区" in frozen
    assert frozen.get("没有") is None and frozen.get("没有", 0) == 0 and 3 not in frozen
    with pytest.raises(KeyError):
        frozen["没有"]
    assert [frozen.tag(w) for w in ("南康", "赣州经开区", "经开区", "南", "没有")] == [
        "ns", "nt", None, None, None]  # a word with no tag, a prefix, no entry


def test_the_frozen_table_tags_every_word_as_the_dictionary_does(res):
    frozen = res.quick_tokenizer.FREQ
    assert isinstance(frozen, FrozenFreq)
    assert all(frozen.tag(w) == t for w, t in res.word_tags.items())
    prefixes = [w for w, f in res.tokenizer.FREQ.items() if not f]
    assert prefixes and not any(map(frozen.tag, prefixes))


def test_a_cache_folder_that_cannot_be_written_still_answers(res, monkeypatch):
    """Read-only or full (the jieba table is written at the first question): questions are cut
    with the in-memory table instead, the same segmentation."""
    from retrieval import frozen_dict
    from retrieval.resources import Resources
    from retrieval.tokenize import tokens

    def unwritable(folder, userdict, tokenizer=None, tags=None):
        raise FileNotFoundError if tokenizer is None else PermissionError(30, "Read-only")

    monkeypatch.setattr(frozen_dict, "frozen_tokenizer", unwritable)
    fresh = Resources()
    assert fresh.quick_tokenizer is fresh.tokenizer
    assert tokens("南康2020年投资完成多少", fresh) == tokens("南康2020年投资完成多少", res)


@pytest.mark.parametrize("damage", ["half", "flip", "meta"])
def test_a_damaged_frozen_table_is_written_again(tmp_path, damage):
    freq = {"南康": 120, "南": 0, "赣州经开区": 7, "经开区": 35}
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("赣州经开区 7\n", encoding="utf-8")
    full = SimpleNamespace(FREQ=freq, total=sum(freq.values()))
    frozen_tokenizer(tmp_path, userdict, full)  # written
    table = next(tmp_path.glob("jieba-frozen-*"))
    path = table / ("meta.json" if damage == "meta" else "freq_values.npy")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "half"
                     else data[:-8] + bytes(b ^ 0xFF for b in data[-8:]))
    with pytest.raises(FileNotFoundError):
        frozen_tokenizer(tmp_path, userdict)  # damaged: to be written again from a full table
    assert dict(frozen_tokenizer(tmp_path, userdict, full).FREQ.items()) == freq


@pytest.mark.parametrize("damage", [b"\xff\xfe garbage", "flip"])
def test_a_damaged_place_list_is_read_again(res, monkeypatch, damage):
    from retrieval import resources

    cached = resources.cache_dir() / f"places-jieba-{resources.jieba.__version__}.txt"
    resources._place_lexicon()  # written
    data = cached.read_bytes()
    cached.write_bytes(damage if isinstance(damage, bytes)
                       else data.replace("南康".encode(), "南唐".encode()))
    assert resources._place_lexicon() == res.places
    assert cached.read_bytes() == data  # written again


def test_a_string_column_written_in_batches_reads_back_whole(tmp_path, monkeypatch):
    from retrieval import store

    monkeypatch.setattr(store, "WRITE_BATCH", 3)
    items = ["南康", "", "赣州经开区", b"bytes", "x" * 1000, "", "于都", "a", "b", "c"]
    assert store.save_strings(tmp_path, "col", iter(items)) == len(items)
    column = store.Strings(tmp_path, "col")
    assert list(column) == [i.decode() if isinstance(i, bytes) else i for i in items]
    assert store.save_strings(tmp_path, "none", iter([])) == 0
    assert len(store.Strings(tmp_path, "none")) == 0


@pytest.mark.parametrize("damage", [b"\xff\xfe garbage", "flip"])
def test_damaged_pos_tags_are_parsed_again(res, damage):
    """jieba's word tags are parsed from its dictionary once and kept in the cache folder;
    damaged, they are parsed and written again, and the tagger reads the same tags."""
    from retrieval import resources

    cached = resources.cache_dir() / f"tags-jieba-{resources.jieba.__version__}.marshal"
    resources._jieba_tags.cache_clear()
    tags = resources._jieba_tags()
    assert tags["南康"] == "ns" and len(tags) > 300_000 and cached.exists()
    data = cached.read_bytes()
    cached.write_bytes(damage if isinstance(damage, bytes) else data[:-8] + b"\x00" * 8)
    resources._jieba_tags.cache_clear()
    assert resources._jieba_tags() == tags
    assert cached.read_bytes() == data  # written again
    assert res.pos.word_tag_tab["南康"] == "ns"


def test_jieba_dictionary_parsed_in_one_pass_as_jieba_parses_it():
    """One pass over dict.txt gives what jieba's tokenizer and its POS tagger each parse it
    for: the prefix dictionary with its total, and the tags."""
    import jieba
    import jieba.posseg

    from retrieval import resources

    (freq, total), tags = resources._parse_jieba_dict()
    with resources.JIEBA_DICT.open("rb") as f:
        assert jieba.Tokenizer().gen_pfdict(f) == (freq, total)
    tagger = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
    tagger.load_word_tag(resources.JIEBA_DICT.open("rb"))
    assert tagger.word_tag_tab == tags and freq["南康"] > 0 and freq["中华人民共"] == 0


def test_a_damaged_prefix_dictionary_is_parsed_again(res):
    from retrieval import resources

    cached = resources.cache_dir() / f"freq-jieba-{resources.jieba.__version__}.marshal"
    freq, total = resources.pure_tokenizer().FREQ, resources.pure_tokenizer().total
    assert len(freq) > 400_000 and cached.exists()
    data = cached.read_bytes()
    cached.write_bytes(data[:-8] + b"\x00" * 8)
    again = resources.compiled_tokenizer()
    assert (again.FREQ, again.total) == (freq, total) and again.FREQ is not freq
    assert cached.read_bytes() == data  # written again


def test_a_first_start_writes_only_to_the_cache_folder(tmp_path):
    """jieba, jieba-next and the POS tagger keep nothing of their own: no cache in the home
    folder or the temporary one, and jieba's default tagger, made at its import without
    reading dict.txt, still has every tag."""
    import os
    import subprocess
    import sys

    from tests.helpers import GANWEN, ROOT

    folders = {name: tmp_path / name for name in ("HOME", "XDG_CACHE_HOME", "TMPDIR")}
    for folder in folders.values():
        folder.mkdir()
    env = {**os.environ, **{k: str(v) for k, v in folders.items()},
           "GANWEN_CACHE_DIR": str(tmp_path / "cache")}
    asked = subprocess.run([str(GANWEN), "ask", "南康2020年投资完成多少"], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert asked.returncode == 0 and "509.69亿元" in asked.stdout
    assert [p for folder in folders.values() for p in folder.rglob("*")] == []
    code = ("import jieba; from retrieval.resources import Resources, _jieba_tags; "
            "tagger = Resources().pos; import jieba.posseg; "
            "print(jieba.posseg.dt.word_tag_tab == _jieba_tags(), jieba.dt.dictionary, "
            "tagger.word_tag_tab['南康'])")
    tagged = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert tagged.stdout.split() == ["True", "None", "ns"]


def test_hashes_in_bulk_are_the_hashes_one_by_one():
    from retrieval.store import string_hash, string_hashes

    words = ["南康", "a", "", "赣州经开区", "x" * 500, "😀"]
    assert string_hashes(words).tolist() == [string_hash(w) for w in words]
    assert string_hashes(iter(words)).tolist() == string_hashes(words).tolist()
    assert string_hashes([]).dtype == np.int64 and len(string_hashes([])) == 0


def test_pos_tags_in_a_marshal_this_python_cannot_read_are_parsed_again(res):
    from retrieval import checksums, resources

    cached = resources.cache_dir() / f"tags-jieba-{resources.jieba.__version__}.marshal"
    resources._jieba_tags.cache_clear()
    tags = resources._jieba_tags()
    cached.write_bytes(checksums.sealed(b"\xfe not a marshal"))  # sealed, but unreadable
    resources._jieba_tags.cache_clear()
    assert resources._jieba_tags() == tags
