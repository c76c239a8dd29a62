"""End-to-end tests of the ``ganwen`` console script (bot/cli.py, bot/terminal.py): ``ask`` in
text, ``--json`` and ``--jsonl`` form, simplified and traditional questions, questions without an
answer, the corpus chosen by ``--corpus`` or ``GANWEN_CORPUS``, ``eval`` and ``index``, and the
one-line ``ganwen: error:`` contract for every error a user can cause.

Each test runs the installed script in a subprocess from an unrelated folder (``tmp_path``), so
the bundled corpus must be found without help. Subprocesses inherit ``os.environ`` and with it
the session's index cache folder set by conftest, so the seed index is built once.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

GANWEN = Path(sys.executable).parent / "ganwen"
DEV = Path(__file__).resolve().parent / "data" / "dev.jsonl"
TIMEOUT = 120  # generous: the first call may build the index

NANKANG = "南康2020年投资完成多少"
NANKANG_FIGURE = "509.69亿元"
NANKANG_TITLE = "六大攻坚战综合评分"
YUDU = "于都规上工业企业总户数是多少"
NONE_QUESTION = "今天星期几"
LONG_QUESTION = "南" * 10_000


def ganwen(*args: str, cwd: Path, input: str | bytes | None = None,
           env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the console script; ``env`` entries are added to (or, when None, removed from) the
    inherited environment. ``input`` may be bytes to feed stdin that is not valid UTF-8."""
    full_env = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    if isinstance(input, str):
        input = input.encode("utf-8")
    result = subprocess.run(
        [str(GANWEN), *args], cwd=cwd, env=full_env, capture_output=True, timeout=TIMEOUT,
        **({"input": input} if input is not None else {"stdin": subprocess.DEVNULL}),
    )
    return subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout.decode("utf-8", errors="replace"),
        result.stderr.decode("utf-8", errors="replace"))


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stderr}"
    assert_clean(result)
    return result


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


# --- ask: text ----------------------------------------------------------------------------------


def test_ask_prints_figure_value_source_marked_passage_and_more(tmp_path):
    out = ok(ganwen("ask", NANKANG, cwd=tmp_path)).stdout
    first = out.splitlines()[0]
    assert NANKANG_FIGURE in first
    assert "5.0969×10¹⁰ 元" in first
    assert NANKANG_TITLE in out
    assert f"【{NANKANG_FIGURE}】" in out
    assert out.count("【") == 1  # only the answer is marked
    # further passages follow under their heading, numbered
    assert "相关段落" in out
    rest = out.split("相关段落", 1)[1]
    assert re.search(r"^1\. \S", rest, re.M)
    assert "\x1b[" not in out  # no colour codes when stdout is not a terminal


def test_ask_traditional_question_answers_in_traditional(tmp_path):
    out = ok(ganwen("ask", "南康2020年投資完成多少", cwd=tmp_path)).stdout
    assert "509.69億元" in out
    assert "【509.69億元】" in out
    assert "相關段落" in out


def test_terminal_texts_have_the_same_keys_in_both_scripts():
    from bot.terminal import TEXTS

    assert set(TEXTS) == {"simplified", "traditional"}
    assert TEXTS["simplified"].keys() == TEXTS["traditional"].keys()


def test_ask_html_in_question_is_just_text(tmp_path):
    result = ok(ganwen("ask", "<b>南康</b>2020年投资完成多少 & <script>", cwd=tmp_path))
    assert result.stdout.strip()


def test_ask_without_answer_says_so(tmp_path):
    out = ok(ganwen("ask", NONE_QUESTION, cwd=tmp_path)).stdout
    assert "没有找到答案" in out
    assert "【" not in out


def test_ask_json_without_answer_has_null_answer(tmp_path):
    data = json.loads(ok(ganwen("ask", "--json", NONE_QUESTION, cwd=tmp_path)).stdout)
    assert data["question"] == NONE_QUESTION
    assert data["answer"] is None


# --- ask: JSON ----------------------------------------------------------------------------------


def test_ask_json_shape(tmp_path):
    data = json.loads(ok(ganwen("ask", "--json", NANKANG, cwd=tmp_path)).stdout)
    assert data["question"] == NANKANG
    answer, passages = data["answer"], data["passages"]
    assert answer["text"] == NANKANG_FIGURE
    assert answer["unit"] == "亿元"
    assert Decimal(answer["value"]) == Decimal("50969000000")
    assert len(passages) >= 2
    for p in passages:
        assert {"id", "doc", "title", "text", "score"} <= p.keys()
        assert isinstance(p["score"], (int, float))
    ids = [p["id"] for p in passages]
    assert len(set(ids)) == len(ids)
    best = passages[0]
    assert answer["passage_id"] == best["id"]
    assert answer["text"] in best["text"]
    assert best["text"][answer["start"]:answer["end"]] == answer["text"]
    assert NANKANG_TITLE in best["title"]
    # the passages after the answer's own follow best first
    scores = [p["score"] for p in passages[1:]]
    assert scores == sorted(scores, reverse=True)


def test_ask_jsonl_answers_each_line_in_order_skipping_blank_lines(tmp_path):
    questions = [NANKANG, YUDU, NONE_QUESTION]
    stdin = f"{questions[0]}\n\n{questions[1]}\n   \n{questions[2]}\n"
    result = ok(ganwen("ask", "--jsonl", cwd=tmp_path, input=stdin))
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    assert [r["question"] for r in records] == questions
    assert records[0]["answer"]["text"] == NANKANG_FIGURE
    assert records[1]["answer"]["text"] == "161家"
    assert records[2]["answer"] is None


def test_ask_jsonl_bad_line_spoils_only_itself(tmp_path):
    stdin = f"{NANKANG}\n{LONG_QUESTION}\n{YUDU}\n"
    result = ganwen("ask", "--jsonl", cwd=tmp_path, input=stdin)
    assert_clean(result)
    assert result.returncode != 0
    records = json_lines(result.stdout)
    assert len(records) == 3
    first, bad, last = records
    assert first["answer"]["text"] == NANKANG_FIGURE and "error" not in first
    assert "error" in bad and bad["error"]
    assert bad["question"] == LONG_QUESTION
    assert last["answer"]["text"] == "161家" and "error" not in last


def test_ask_jsonl_line_not_utf8_spoils_only_itself(tmp_path):
    stdin = (NANKANG + "\n").encode() + "于都\n".encode("gbk") + (YUDU + "\n").encode()
    result = ganwen("ask", "--jsonl", cwd=tmp_path, input=stdin,
                    env={"PYTHONIOENCODING": "utf-8:strict"})
    assert_clean(result)
    records = json_lines(result.stdout)
    assert len(records) == 3
    assert records[0]["answer"]["text"] == NANKANG_FIGURE
    assert records[2]["answer"]["text"] == "161家"


# --- errors -------------------------------------------------------------------------------------


def _bad_eval_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "X1", "q": "南康2020年投资完成多少"}\nthis is not json\n',
                    encoding="utf-8")
    return path


def _empty_folder(tmp_path: Path) -> Path:
    path = tmp_path / "empty-corpus"
    path.mkdir()
    return path


def _not_utf8_eval_file(tmp_path: Path) -> Path:
    path = tmp_path / "gbk.jsonl"
    path.write_bytes('{"id": "X1", "q": "南康2020年投资完成多少"}\n'.encode("gbk"))
    return path


# (args, extra env) built from tmp_path
ERROR_CASES = {
    "empty question": lambda t: (["ask", ""], {}),
    "whitespace question": lambda t: (["ask", "  \t "], {}),
    "no question": lambda t: (["ask"], {}),
    "over-long question": lambda t: (["ask", LONG_QUESTION], {}),
    "missing --corpus": lambda t: (["--corpus", "/nonexistent", "ask", NANKANG], {}),
    "missing GANWEN_CORPUS": lambda t: (["ask", NANKANG], {"GANWEN_CORPUS": "/nonexistent"}),
    "empty corpus folder": lambda t: (["--corpus", str(_empty_folder(t)), "ask", NANKANG], {}),
    "missing eval file": lambda t: (["eval", str(t / "missing.jsonl")], {}),
    "eval file with non-JSON line": lambda t: (["eval", str(_bad_eval_file(t))], {}),
    "eval file not UTF-8": lambda t: (["eval", str(_not_utf8_eval_file(t))], {}),
}


@pytest.mark.parametrize(
    "case", list(ERROR_CASES))
def test_user_errors_print_one_line_and_exit_2(tmp_path, case):
    args, env = ERROR_CASES[case](tmp_path)
    result = ganwen(*args, cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert_clean(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ganwen: error: ")
    assert len(lines[0]) > len("ganwen: error: ")
    assert result.stdout == ""


# --- corpus choice ------------------------------------------------------------------------------


def test_corpus_from_option_and_from_environment(joined_corpus, tmp_path):
    work = tmp_path / "elsewhere"
    work.mkdir()
    files = {p.name for p in joined_corpus.iterdir()}

    by_option = json.loads(ok(ganwen("--corpus", str(joined_corpus), "ask", "--json", YUDU,
                                     cwd=work)).stdout)
    assert by_option["answer"]["text"] == "161家"
    assert {p["doc"] for p in by_option["passages"]} <= files

    # 001_joined.txt exists only in this corpus, not among the bundled seeds
    by_env = json.loads(ok(ganwen("ask", "--json", "南昌经开区有多少家工业企业", cwd=work,
                                  env={"GANWEN_CORPUS": str(joined_corpus)})).stdout)
    assert by_env["answer"]["text"] == "3000余家"
    assert by_env["passages"][0]["doc"] == "001_joined.txt"

    # the option after the subcommand is accepted too
    text = ok(ganwen("ask", "--corpus", str(joined_corpus), YUDU, cwd=work)).stdout
    assert "161家" in text and "002_" in text


# --- eval ---------------------------------------------------------------------------------------

EVAL_LINE = re.compile(
    r"hit@1 (?P<hit1>[\d.]+)\s+hit@3 (?P<hit3>[\d.]+)\s+figure@1 (?P<fig1>[\d.]+)\s+"
    r"abstained (?P<abstained>\d+)/(?P<unanswerable>\d+)")


def test_eval_reports_scores_on_dev_set(tmp_path):
    result = ok(ganwen("eval", str(DEV), cwd=tmp_path))
    m = EVAL_LINE.search(result.stdout)
    assert m, result.stdout
    assert float(m["hit1"]) >= 0.95
    assert m["hit3"] == "1.000"
    assert float(m["fig1"]) >= 0.90
    assert (m["abstained"], m["unanswerable"]) == ("2", "2")
    assert "below threshold" not in result.stdout


def test_eval_below_threshold_exits_1(tmp_path):
    result = ganwen("eval", str(DEV), "--min-hit1", "1.01", cwd=tmp_path)
    assert_clean(result)
    assert result.returncode == 1
    assert EVAL_LINE.search(result.stdout)
    below = [line for line in result.stdout.splitlines() if "below threshold" in line]
    assert len(below) == 1 and "hit@1" in below[0]
    assert "hit@3" not in below[0]  # only the metric that missed its floor is named


# --- index --------------------------------------------------------------------------------------


def test_index_prints_counts_of_the_bundled_corpus(tmp_path, engine):
    out = ok(ganwen("index", cwd=tmp_path)).stdout
    m = re.search(r"(\d+) files, (\d+) articles, (\d+) passages", out)
    assert m, out
    files, articles, passages = map(int, m.groups())
    assert files == 5
    stats = engine.index.stats  # the same seeds opened in-process
    assert (articles, passages) == (stats.articles, stats.passages)
    assert 1 <= articles <= passages


def test_index_is_quiet_off_a_terminal_and_adds_folders(tmp_path, joined_corpus):
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "x.txt").write_text("吉安市经开区综述\n吉安市经开区村均集体经营性收入61.5万元,同比增长9%。"
                                 "全区新增规上工业企业31家,完成投资120亿元。", encoding="utf-8")
    result = ganwen("--corpus", str(joined_corpus), "index", "--rebuild", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""  # no progress bar into a pipe
    assert "passages" in result.stdout
    added = ganwen("--corpus", str(joined_corpus), "index", "--add", str(extra), cwd=tmp_path)
    assert added.returncode == 0 and str(extra) in added.stdout
    answer = ganwen("--corpus", str(joined_corpus), "ask", "--json", "吉安市经开区新增规上工业企业多少家",
                    cwd=tmp_path)
    assert json.loads(answer.stdout)["answer"]["text"] == "31家"


def test_index_shows_progress_on_a_terminal(tmp_path, joined_corpus):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(str(GANWEN), ["--corpus", str(joined_corpus), "index", "--rebuild"],
                          cwd=str(tmp_path), encoding="utf-8", timeout=120,
                          env={**os.environ, "TERM": "xterm"})
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert re.search(r"indexing \d+ files", child.before) and "B/s" in child.before


def test_ask_jsonl_answers_a_conversation_in_order(tmp_path):
    stdin = "\n".join([
        json.dumps({"question": "南昌经开区今年开工改造了几个老旧小区", "conversation": "a"},
                   ensure_ascii=False),
        json.dumps({"question": "华创新材一期是哪天开工的", "conversation": "b"}, ensure_ascii=False),
        json.dumps({"question": "那萍乡呢", "conversation": "a"}, ensure_ascii=False),
        json.dumps({"question": "那二期呢", "conversation": "b"}, ensure_ascii=False),
        "那萍乡呢",  # a plain line stands alone: nothing to follow
    ]) + "\n"
    result = ganwen("ask", "--jsonl", cwd=tmp_path, input=stdin)
    assert_clean(result)
    a1, b1, a2, b2, alone = json_lines(result.stdout)
    assert [r.get("conversation") for r in (a1, b1, a2, b2, alone)] == ["a", "b", "a", "b", None]
    assert a2["interpreted"] == "萍乡今年开工改造了几个老旧小区" and a2["answer"]["text"] == "216个"
    assert b2["interpreted"] == "华创新材二期是哪天开工的" and b2["answer"]["text"] == "10月18日"
    assert alone["answer"] is None and alone["interpreted"] is None


def test_repl_is_one_conversation_until_new(tmp_path):
    stdin = "南昌经开区今年开工改造了几个老旧小区\n那萍乡呢\n/new\n那萍乡呢\n"
    result = ganwen("repl", cwd=tmp_path, input=stdin)
    assert_clean(result)
    assert result.stdout.count("按“萍乡今年开工改造了几个老旧小区”理解") == 1
    assert "216个" in result.stdout and result.stdout.rstrip().endswith("没有找到答案")
