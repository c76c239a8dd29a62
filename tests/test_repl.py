"""End-to-end tests of ``ganwen repl`` (bot/repl.py): with piped stdin it answers each line and
exits; in a real terminal (a pseudo-terminal driven by pexpect) it shows the ``赣问>`` prompt,
answers, clears the line on Ctrl-C, recalls earlier questions with the Up arrow, keeps them in
GANWEN_CACHE_DIR/repl_history, and leaves with status 0 on Ctrl-D.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

GANWEN = Path(sys.executable).parent / "ganwen"
TIMEOUT = 120

NANKANG = "南康2020年投资完成多少"
YUDU = "于都规上工业企业总户数是多少"
PROMPT = "赣问>"  # prompt_toolkit draws the trailing space as a cursor move, not a character


def ganwen(*args: str, cwd: Path, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the console script with the inherited environment (and its test cache folder)."""
    return subprocess.run(
        [str(GANWEN), *args], cwd=cwd, text=True, encoding="utf-8", capture_output=True,
        timeout=TIMEOUT,
        **({"input": input} if input is not None else {"stdin": subprocess.DEVNULL}),
    )


def test_piped_repl_answers_every_line_and_exits(tmp_path):
    result = ganwen("repl", cwd=tmp_path, input=f"{NANKANG}\n\n{YUDU}\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    out = result.stdout
    assert "【509.69亿元】" in out and "【161家】" in out
    assert out.index("509.69亿元") < out.index("161家")  # answered in order
    assert out.count("【") == 2  # the blank line asks nothing
    assert PROMPT not in out  # no prompt machinery when stdin is not a terminal
    assert "\x1b[" not in out


def test_piped_repl_reports_bad_question_and_goes_on(tmp_path):
    result = ganwen("repl", cwd=tmp_path, input=f"{'南' * 10_000}\n{NANKANG}\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "问题太长了(10000个字)" in result.stdout  # a REPL user reads no English
    assert "509.69亿元" in result.stdout


def test_piped_repl_says_too_long_in_the_questions_script(tmp_path):
    result = ganwen("repl", cwd=tmp_path, input=f"{'貴' * 600}\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "問題太長了(600個字),請控制在500個字以內。"


def test_piped_repl_survives_input_not_utf8(tmp_path):
    stdin = "于都\n".encode("gbk") + (NANKANG + "\n").encode()
    result = subprocess.run(
        [str(GANWEN), "repl"], cwd=tmp_path, input=stdin, capture_output=True, timeout=TIMEOUT,
        env=dict(os.environ, PYTHONIOENCODING="utf-8:strict"),
    )
    out = result.stdout.decode("utf-8", errors="replace")
    err = result.stderr.decode("utf-8", errors="replace")
    assert "Traceback" not in out + err
    assert result.returncode == 0
    assert "509.69亿元" in out


def _history(path: Path) -> list[str]:
    """The entries of a prompt_toolkit FileHistory file (lines starting with '+')."""
    return [line[1:] for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("+")]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_terminal_repl_prompt_answer_ctrl_c_history_ctrl_d(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    cache = tmp_path / "cache"  # a fresh cache: the history file is this test's own
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm",
               PROMPT_TOOLKIT_NO_CPR="1", GANWEN_CACHE_DIR=str(cache))
    child = pexpect.spawn(str(GANWEN), ["repl"], cwd=str(tmp_path), env=env, encoding="utf-8",
                          timeout=60, dimensions=(40, 200))
    transcript = io.StringIO()
    child.logfile_read = transcript
    try:
        child.expect(r"赣问:\d+篇文章,\d+个段落。按Ctrl-D退出。")  # the start line, in Chinese
        child.expect_exact(PROMPT)

        child.sendline(NANKANG)
        child.expect_exact("509.69")
        child.expect_exact(PROMPT)

        # Ctrl-C on a half-typed line: the line is dropped, the REPL stays and prompts again
        child.send("于都")
        child.expect_exact("于都")
        child.sendintr()
        child.expect_exact(PROMPT)
        assert child.isalive()

        # Up recalls the last question asked; Enter asks it again
        child.send("\x1b[A")
        child.expect_exact(NANKANG)
        child.send("\r")
        child.expect_exact("509.69")
        child.expect_exact(PROMPT)

        # The session is one conversation: a follow-up is read against the last question
        child.sendline("南昌经开区今年开工改造了几个老旧小区")
        child.expect_exact("2个")
        child.expect_exact(PROMPT)
        child.sendline("那萍乡呢")
        child.expect_exact("按“萍乡今年开工改造了几个老旧小区”理解")
        child.expect_exact("216个")
        child.expect_exact(PROMPT)
        # /new starts afresh: the same follow-up has nothing to follow
        child.sendline("/new")
        child.expect_exact(PROMPT)
        child.sendline("那萍乡呢")
        child.expect_exact("没有找到答案")
        child.expect_exact(PROMPT)

        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert "Traceback" not in transcript.getvalue()
    assert (child.exitstatus, child.signalstatus) == (0, None)

    history = _history(cache / "repl_history")
    assert NANKANG in history
    assert not any("于都" in entry for entry in history)  # Ctrl-C did not submit the line
