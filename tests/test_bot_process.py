"""``ganwen bot`` as a user runs it: a process pointed at a fake Bot API server on 127.0.0.1 via
TELEGRAM_API_BASE_URL, answering, stopping cleanly on SIGINT/SIGTERM, never logging its token."""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess

import pytest

from bot.logs import REDACTED, RedactFilter
from bot.settings import SettingsError, load_settings
from retrieval.question import MAX_CHARS
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.helpers import GANWEN, ganwen_bot, stop_bot


def run(args, env, cwd, timeout=60):
    return subprocess.run([str(GANWEN), *args], cwd=cwd, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_bot_answers_and_stops_on_signal(tmp_path, sig):
    with FakeTelegram() as tg:
        tg.fail("sendMessage", 500)  # one failure on the way: logged, sent again, survived
        with ganwen_bot(tg, tmp_path) as proc:
            tg.user_message("你好")
            tg.user_message("南康2020年投资完成多少")
            sent = tg.wait_for_sync(
                "sendMessage", timeout=30, predicate=lambda c: "509.69亿元" in c.params["text"])
            assert sent[0].params["parse_mode"] == "HTML"
            assert {c["command"] for c in tg.my_commands()} >= {"ask", "help"}
            out, err, stopped_in = stop_bot(proc, sig, tmp_path)
    assert proc.returncode == 0, err
    assert stopped_in < 5
    assert TOKEN not in out + err
    assert "trying again" in err  # the injected 500 was logged in one line …
    assert "Traceback" not in err
    assert "Traceback" not in out  # … and nothing leaked to stdout


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_bot_stops_within_seconds_during_a_429_storm(tmp_path, sig):
    """Every send answered 429 "retry after 5": ten questions in hand, each waiting, and the
    bot is told to stop."""
    with FakeTelegram() as tg:
        tg.fail("sendMessage", 429, times=1000, retry_after=5)
        with ganwen_bot(tg, tmp_path) as proc:
            for user in range(100, 110):
                tg.user_message("南康2020年投资完成多少", user_id=user)
            tg.wait_for_sync("sendMessage", count=10, timeout=30)
            out, err, stopped_in = stop_bot(proc, sig, tmp_path)
    assert proc.returncode == 0, err
    assert stopped_in < 5
    assert "Traceback" not in err + out


def test_missing_token_is_one_clear_line(tmp_path):
    result = run(["bot"], {"TELEGRAM_BOT_TOKEN": ""}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_malformed_setting_is_one_clear_line(tmp_path):
    result = run(["bot"], {"TELEGRAM_BOT_TOKEN": TOKEN, "GANWEN_RATE_LIMIT": "many"}, tmp_path)
    assert result.returncode == 2 and "GANWEN_RATE_LIMIT" in result.stderr
    assert "Traceback" not in result.stderr


def test_question_cap_above_the_engines_is_one_clear_line(tmp_path):
    """The bot's question cap lives within the engine's (retrieval.question.MAX_CHARS): a larger
    one is refused at start-up, not met later by the engine's own error in English."""
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "GANWEN_MAX_QUESTION_CHARS": str(MAX_CHARS + 1)}
    result = run(["bot"], env, tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("ganwen: error: setting GANWEN_MAX_QUESTION_CHARS")
    assert str(MAX_CHARS) in line


def test_question_cap_may_reach_the_engines():
    settings = load_settings(_env_file=None, max_question_chars=MAX_CHARS)
    assert settings.max_question_chars == MAX_CHARS
    with pytest.raises(SettingsError, match=str(MAX_CHARS)):
        load_settings(_env_file=None, max_question_chars=MAX_CHARS + 1)


def test_unreachable_api_is_one_clear_line(tmp_path):
    with FakeTelegram() as tg:
        base = tg.base_url
    result = run(["bot"], {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base}, tmp_path)
    assert result.returncode == 2 and "cannot reach" in result.stderr
    assert TOKEN not in result.stderr and "Traceback" not in result.stderr


def test_rejected_token_is_one_clear_line(tmp_path):
    with FakeTelegram(token="999:OTHER") as tg:
        result = run(["bot"], {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": tg.base_url},
                     tmp_path)
    assert result.returncode == 2 and "rejected" in result.stderr
    assert TOKEN not in result.stderr


def test_a_webhook_port_in_use_is_one_clear_line(tmp_path):
    import socket

    with FakeTelegram() as tg, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(["bot"], {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": tg.base_url,
                               "GANWEN_WEBHOOK_URL": "https://example.test/hook",
                               "GANWEN_WEBHOOK_PORT": str(port)}, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("ganwen: error: cannot listen on 127.0.0.1:") and str(port) in line
    assert TOKEN not in result.stderr


def test_redact_filter_scrubs_messages_args_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter(TOKEN))
    logger = logging.getLogger("ganwen.test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("POST https://api.telegram.org/bot%s/getMe", TOKEN)
        logger.warning("bot is Bot[token=%s]" % TOKEN)  # noqa: UP031 (a pre-formatted message)
        try:
            raise RuntimeError(f"failed at /bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert TOKEN not in text and text.count(REDACTED) == 3
