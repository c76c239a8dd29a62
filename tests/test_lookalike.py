"""Places among look-alike articles (tests/lookalike.py: the seeds, and copies of each about other
places with other figures): a question that names a place is answered from that place's article,
not from a copy that reads the same; one that names no place gets an answer for each place."""

from __future__ import annotations

import re

import pytest

from retrieval.engine import Engine
from retrieval.evaluate import read_items
from tests import lookalike
from tests.helpers import DATA, SEEDS

GOAL_HIT1 = 0.95
# What the engine does: 29 of 30 (D03 misses on the seeds alone too: its answer stands in the
# article's other passage saying 全市第一). A floor against regressions; raise it as it improves.
TODAY_HIT1 = 29 / 30

PLACE_ITEMS = [item for item in read_items(DATA / "dev.jsonl")
               if not item.get("none") and lookalike.places_named(item["q"])]


@pytest.fixture(scope="module")
def alike_engine(tmp_path_factory):
    """The look-alike corpus indexed (into the session's cache folder, set by conftest)."""
    folder = lookalike.build(tmp_path_factory.mktemp("lookalike"))
    return Engine.open(folder, notice=lambda _: None)


def test_the_corpus_is_the_seeds_and_their_look_alikes(alike_engine):
    seeds = len(list(SEEDS.glob("*.txt")))
    files = sorted(p.name for p in alike_engine.corpus.iterdir())
    assert len(files) == seeds * (1 + lookalike.COPIES)
    copies = [f for f in files if lookalike.is_copy(f)]
    assert len(copies) == seeds * lookalike.COPIES
    assert {p.name for p in SEEDS.glob("*.txt")} == set(files) - set(copies)
    for name in copies:
        text = lookalike.simplified((alike_engine.corpus / name).read_text(encoding="utf-8"))
        assert not lookalike.places_named(text), name  # every place swapped


def test_a_copy_swaps_places_in_either_script_and_changes_figures():
    text = "贛州經(jīng)開區(qū)規上工業營收從2020年的720億元增長為1890億元;於都縣、于都县新增24家"
    first, second = (lookalike.lookalike(text, n, "x") for n in (0, 1))
    assert first.startswith("九江經開區規上工業營收從2020年的")  # traditional stays traditional
    assert "興國縣、兴国县新增" in first
    assert second.startswith("上饒經開區") and "寧都縣、宁都县" in second
    assert "720" not in first and "1890" not in first and "24家" not in first
    assert first == lookalike.lookalike(text, 0, "x")  # deterministic
    numbers = [len(n) for n in re.findall(r"[0-9]+", first)]
    assert numbers == [4, 3, 4, 2]  # same lengths; the year kept


def _first_is_the_original(engine: Engine, item: dict) -> bool:
    r = engine.ask(item["q"])
    if not r.passages:
        return False
    best = r.passages[0]
    span = re.sub(r"\s+", "", lookalike.simplified(item["passage"]))
    text = re.sub(r"\s+", "", lookalike.simplified(best.passage.text))
    return not lookalike.is_copy(best.article.path) and span in text


@pytest.fixture(scope="module")
def place_hit1(alike_engine: Engine) -> tuple[float, list[str]]:
    """hit@1 of the questions naming a place: the original's passage first, holding the span."""
    assert len(PLACE_ITEMS) >= 25
    misses = [item["id"] for item in PLACE_ITEMS if not _first_is_the_original(alike_engine, item)]
    return 1 - len(misses) / len(PLACE_ITEMS), misses


def test_a_question_naming_a_place_does_no_worse_among_look_alikes(place_hit1):
    hit1, misses = place_hit1
    assert hit1 >= TODAY_HIT1, f"hit@1 {hit1:.3f}, missed {misses}"


def test_a_question_naming_a_place_finds_that_places_passage_first(place_hit1):
    hit1, misses = place_hit1
    assert hit1 >= GOAL_HIT1, f"hit@1 {hit1:.3f}, missed {misses}"


# The places of the corpus, without their 区/县/市/经开区 endings: 南昌经开区 → 南昌, 宜春, …
CORES = {name.removesuffix("经济技术开发区").removesuffix("经开区").rstrip("区县市")
         for place, alikes in lookalike.PLACES.items() for name in (place, *alikes)}


@pytest.mark.parametrize("item_id", ["D01", "D07", "D11", "D32"])
def test_a_question_naming_no_place_answers_for_each_place(alike_engine, item_id):
    item = next(i for i in PLACE_ITEMS if i["id"] == item_id)
    question = lookalike.without_places(item["q"])  # 南康2020年投资完成多少 → 2020年投资完成多少
    assert not lookalike.places_named(question)
    answer = alike_engine.ask(question).answer
    assert answer is not None
    labels = [lookalike.simplified(a.label or "") for a in answer.alternatives]
    named = {core for label in labels for core in CORES if core in label}
    assert len(named) > 1, labels
