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
    assert first == NANKANG_FIGURE  # the figure as written: no scientific notation, no bracket
    assert NANKANG_TITLE in out
    assert "来源不详 日期不详" in out  # the article says neither outlet nor date
    assert ".txt" not in out and "score" not in out  # the file and score: --verbose only
    assert f"【{NANKANG_FIGURE}】" in out
    assert out.count("【") == 1  # only the answer is marked
    # further passages follow under their heading, numbered
    assert "相关段落" in out
    rest = out.split("相关段落", 1)[1]
    assert re.search(r"^1\. \S", rest, re.M)
    assert "\x1b[" not in out  # no colour codes when stdout is not a terminal


def test_ask_traditional_question_answers_in_traditional(tmp_path):
    out = ok(ganwen("ask", "南康2020年投資完成多少", cwd=tmp_path)).stdout
    assert out.splitlines()[0] == "509.69億元"
    assert "【509.69億元】" in out
    assert "相關段落" in out
    assert "來源不詳 日期不詳" in out


def test_terminal_texts_have_the_same_keys_in_both_scripts():
    from bot.terminal import TEXTS

    assert set(TEXTS) == {"simplified", "traditional"}
    assert TEXTS["simplified"].keys() == TEXTS["traditional"].keys()


def test_nankang_fits_twelve_lines_of_eighty_columns(tmp_path):
    from wcwidth import wcswidth

    out = ok(ganwen("ask", NANKANG, cwd=tmp_path)).stdout.rstrip("\n")
    lines = out.split("\n")
    assert len(lines) <= 12, out
    assert all(wcswidth(line) <= 80 for line in lines), out  # a Chinese character: 2 columns
    assert not any(line.strip() and line.strip()[0] in ",。、;:?!)”" for line in lines), out
    # the answer's sentence, not its whole passage; two further passages, each shortened
    assert lines[1].strip() == "…完成年度投资【509.69亿元】,占年度投资计划的164.32%…"
    rest = out.split("相关段落", 1)[1]
    assert re.findall(r"^(\d+)\. ", rest, re.M) == ["1", "2"]


def test_more_shows_more_passages(tmp_path):
    out = ok(ganwen("ask", "--more", "4", NANKANG, cwd=tmp_path)).stdout
    rest = out.split("相关段落", 1)[1]
    assert re.findall(r"^(\d+)\. ", rest, re.M) == ["1", "2", "3", "4"]


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


def test_ask_jsonl_answers_every_line_in_order(tmp_path):
    questions = [NANKANG, YUDU, NONE_QUESTION]
    stdin = f"{questions[0]}\n\n{questions[1]}\n   \n{questions[2]}\n"
    result = ganwen("ask", "--jsonl", cwd=tmp_path, input=stdin)
    assert result.returncode == 2  # the blank lines are errors, each in its own line
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 5  # one output line for every input line
    answered = [r for r in records if "error" not in r]
    assert [r["question"] for r in answered] == questions
    assert answered[0]["answer"]["text"] == NANKANG_FIGURE
    assert answered[1]["answer"]["text"] == "161家"
    assert answered[2]["answer"] is None
    assert [r["question"] for r in records if "error" in r] == ["", "   "]


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
    "cache folder under a file": lambda t: (["ask", NANKANG],
                                            {"GANWEN_CACHE_DIR": str(_a_file(t) / "cache")}),
    "cache folder is a file": lambda t: (["ask", NANKANG], {"GANWEN_CACHE_DIR": str(_a_file(t))}),
}


def _a_file(tmp_path: Path) -> Path:
    path = tmp_path / "a-file"
    path.write_text("not a folder", encoding="utf-8")
    return path


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

    # the option after the subcommand is accepted too; the file is named with --verbose only
    text = ok(ganwen("ask", "--corpus", str(joined_corpus), YUDU, cwd=work)).stdout
    assert "161家" in text and "002_" not in text
    verbose = ok(ganwen("ask", "--verbose", "--corpus", str(joined_corpus), YUDU,
                        cwd=work)).stdout
    assert "002_" in verbose and "文件" in verbose and "相关度 " in verbose


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


def test_index_check_finds_a_damaged_index_and_rebuilds_it(tmp_path, joined_corpus):
    first = ok(ganwen("--corpus", str(joined_corpus), "index", cwd=tmp_path)).stdout
    folder = Path(re.search(r"index: (\S+)", first)[1])
    path = folder / "passage_text.bin"
    data = path.read_bytes()
    path.write_bytes(data[:-4] + bytes(b ^ 0xFF for b in data[-4:]))  # the same size
    checked = ganwen("--corpus", str(joined_corpus), "index", "--check", cwd=tmp_path)
    assert checked.returncode == 0 and str(folder) not in checked.stdout
    assert checked.stderr.count("\n") == 1 and "passage_text.bin" in checked.stderr
    again = ok(ganwen("--corpus", str(joined_corpus), "index", "--check", cwd=tmp_path))
    assert again.stderr == "" and again.stdout == checked.stdout  # intact now: nothing rebuilt


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


# --- what a reader sees: Chinese, the figure as written, compact, a usable source ---------------

# Names that stay as they are typed: bot commands (/ask), keys (Ctrl-D), encodings (UTF-8),
# units written in Latin letters as Chinese writes them too (MB, like 5GW), and {fields}.
NAMES = re.compile(r"/[a-z]+|Ctrl-D|UTF-8|GB18030|GBK|\{[a-z_]+\}|(?<=\})[KMG]B")


def test_every_fixed_text_is_chinese_in_both_scripts():
    from bot import telegram_render, terminal, text

    for table in (terminal.TEXTS, telegram_render.TEXTS, text.WORDS):
        assert set(table) == {"simplified", "traditional"}
        assert table["simplified"].keys() == table["traditional"].keys()
        for script, texts in table.items():
            for key, value in texts.items():
                assert not re.search(r"[A-Za-z]", NAMES.sub("", value)), (script, key, value)
                assert re.search(r"[\u4e00-\u9fff]", value) or not value.strip("»« "), (key, value)


def _questions() -> list[str]:
    from tests.helpers import DATA

    return [json.loads(line)["q"] for name in ("dev2.jsonl", "own2.jsonl")
            for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_figures_are_shown_as_written_in_every_front_end(engine):
    from bot.telegram_render import answer_messages
    from bot.terminal import render

    answered = 0
    for question in _questions():
        r = engine.ask(question)
        if r.answer is None or r.answer.kind in ("passage", "comparison"):
            continue
        answered += 1
        shown = render(r, more=5)
        html_first = answer_messages(r)[0]
        a = r.answer
        head = shown.splitlines()[0 if not r.interpreted else 1]
        written = re.escape(a.text)
        # the figure (after a qualifier written before it), then at most a Chinese note:
        # the year it is for, or the figure with the unit written beside it
        assert re.fullmatch(rf"\S{{0,2}}{written}\S{{0,2}}(（[^（）]*）)?", head), (question, head)
        note = re.search(r"（([^）]*)）$", head)
        assert note is None or re.fullmatch(r"(\d{4}年)?,?(即[\d.,]+\S+)?", note[1]), head
        assert "×10" not in shown and "×10" not in html_first, question
        if not r.interpreted:  # Telegram's headline is the terminal's, in bold
            assert html_first.startswith(f"<b>{head}</b>"), (question, html_first)
        if r.script == "traditional":
            assert "个" not in shown and "个" not in html_first, question
    assert answered >= 40


def test_the_year_and_the_unit_beside_are_said_the_chinese_way(engine):
    from bot.terminal import render

    assert render(engine.ask("南康完成年度投资多少")).splitlines()[0] == "509.69亿元（2020年）"
    assert render(engine.ask("南康完成年度投資多少")).splitlines()[0] == "509.69億元（2020年）"
    assert render(engine.ask("标准厂房这块,于都去年力争要建到多少")).splitlines()[0] == \
        "80万（即80万平方米）"
    assert render(engine.ask("省大中型项目完成投资多少")).splitlines()[0] == "约121亿元"


def test_source_line_has_title_outlet_and_date_or_says_unknown():
    from bot.text import source_line
    from retrieval.models import Article

    dated = Article(id="a#0", path="001_x.txt", title="踔厉奋发勇争先", date="2022-07-20 11:04",
                    source="萍乡日报")
    assert source_line(dated) == "踔厉奋发勇争先 · 萍乡日报 2022-07-20"
    bare = Article(id="b#0", path="002_y.txt", title="六大攻坚战综合评分")
    assert source_line(bare) == "六大攻坚战综合评分 · 来源不详 日期不详"
    assert source_line(bare, "traditional") == "六大攻坚战综合评分 · 來源不詳 日期不詳"
    assert source_line(bare, verbose=True).endswith(" · 文件 002_y.txt")


def test_passages_are_quoted_by_their_sentences_not_whole(engine):
    from bot.terminal import render

    r = engine.ask(NANKANG)
    shown = render(r, more=10)
    for rp in r.passages:
        assert rp.passage.text not in shown  # no passage is shown whole
    quotes = re.findall(r"^\d+\. (.*?)\n\s+——", shown, re.M | re.S)
    assert len(quotes) >= 3 and all("…" in q for q in quotes)
    assert "2020" in quotes[0]  # the sentence that matches the question (南康, 2020年)
    # the answer's sentence keeps the figure marked
    assert "【509.69亿元】" in shown.splitlines()[1]
