"""The bot token never reaches ganwen's output: ``ganwen bot`` run as a process with a fake token
against 127.0.0.1 only (an unused port, or a tiny server answering with error pages that echo the
request path, token and all), and the scrubber of :mod:`bot.logs` on its own."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.logs import REDACTED, WITHHELD, scrub
from bot.settings import EXAMPLE_API_BASE_URL, SettingsError, load_settings

TOKEN = "123456:SECRETsecret"
SECRET = TOKEN.partition(":")[2]
GANWEN = Path(sys.executable).parent / "ganwen"
PAGE = "<html><body><h1>upstream error</h1><p>no route to {path}</p></body></html>"


def run_bot(base_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base_url}
    return subprocess.run([str(GANWEN), "bot"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def assert_no_token(result: subprocess.CompletedProcess[str]) -> None:
    for text in (result.stdout, result.stderr):
        assert TOKEN not in text and SECRET not in text
        assert quote(TOKEN, safe="") not in text


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The last line on stderr: ``ganwen: error: …``, after the log lines, none of which
    reports the failure again."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    *before, line = result.stderr.strip().splitlines()
    assert line.startswith("ganwen: error: ")
    assert not [b for b in before if " ERROR " in b or " WARNING " in b or " CRITICAL " in b]
    return line


@contextmanager
def echo_server(status: int, content_type: str, body: str) -> Iterator[str]:
    """A server on 127.0.0.1 answering every request with ``status`` and ``body``, in which
    ``{path}`` is the request's path (as an upstream error page might echo it)."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            data = body.replace("{path}", self.path).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    finally:
        server.shutdown()
        server.server_close()


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the base URL's form --------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9",  # the token would become the port: httpx's error would print it
    "http://127.0.0.1:9/",
    "http://127.0.0.1:9/api",
    "127.0.0.1:9/bot",
    "http://127.0.0.1:port/bot",
    "http://127.0.0.1:9/bot?x=1",
])
def test_base_url_without_bot_form_is_one_line_exit_2(tmp_path, url):
    result = run_bot(url, tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("ganwen: error: setting TELEGRAM_API_BASE_URL")
    assert "/bot" in line and EXAMPLE_API_BASE_URL in line
    assert_no_token(result)
    assert result.stdout == ""


@pytest.mark.parametrize("url", ["http://127.0.0.1:8081/bot", "https://example.test/tg/bot/"])
def test_base_url_in_bot_form_is_accepted(url):
    assert load_settings(_env_file=None, api_base_url=url).api_base_url == url.rstrip("/")


def test_base_url_error_names_the_expected_form():
    with pytest.raises(SettingsError, match=EXAMPLE_API_BASE_URL):
        load_settings(_env_file=None, api_base_url="http://127.0.0.1:9")


# --- errors at start-up ---------------------------------------------------------------------

def test_unused_port_error_has_no_token(tmp_path):
    result = run_bot(f"http://127.0.0.1:{unused_port()}/bot", tmp_path)
    assert "cannot reach" in one_error_line(result)
    assert_no_token(result)


@pytest.mark.parametrize("status", [500, 502, 503, 302])
def test_error_page_echoing_the_url_leaks_neither_token_nor_body(tmp_path, status):
    with echo_server(status, "text/html", PAGE) as base:
        result = run_bot(base, tmp_path)
    line = one_error_line(result)
    assert "cannot reach" in line and str(status) in line
    assert_no_token(result)
    assert "upstream error" not in result.stderr and "<html" not in result.stderr


def test_ok_page_that_is_not_json_leaks_neither_token_nor_body(tmp_path):
    with echo_server(200, "text/html", PAGE) as base:
        result = run_bot(base, tmp_path)
    assert "unexpected answer" in one_error_line(result)
    assert_no_token(result)
    assert "upstream error" not in result.stderr and "<html" not in result.stderr


def test_json_error_echoing_the_url_has_no_token(tmp_path):
    body = json.dumps({"ok": False, "error_code": 502, "description": "no route to {path}"})
    with echo_server(502, "application/json", body) as base:
        result = run_bot(base, tmp_path)
    line = one_error_line(result)
    assert "cannot reach" in line and REDACTED in line
    assert_no_token(result)


def test_rejected_token_echoed_in_a_page_has_no_token(tmp_path):
    with echo_server(404, "text/html", PAGE) as base:
        result = run_bot(base, tmp_path)
    assert "rejected" in one_error_line(result)
    assert_no_token(result)


def test_uncaught_exception_traceback_is_scrubbed(tmp_path):
    code = (f"from bot import logs; logs.setup({TOKEN!r}); "
            f"raise RuntimeError('failed at /bot{TOKEN}/getMe')")
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent.parent,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and REDACTED in result.stderr
    assert_no_token(result)


# --- the scrubber ---------------------------------------------------------------------------

def test_scrub_removes_token_its_secret_half_and_bodies():
    assert scrub(f"GET /bot{TOKEN}/getMe", TOKEN) == f"GET /bot{REDACTED}/getMe"
    assert SECRET not in scrub(f"GET /bot{quote(TOKEN, safe='')}/getMe", TOKEN)
    text = f"Bad Gateway (502). Parsing the server response b'<html>{TOKEN}</html>' failed"
    assert scrub(text, TOKEN) == f"Bad Gateway (502). Parsing the server response {WITHHELD} failed"
    logged = 'Can not load invalid JSON data: "<html>\n<p>oops</p>\n</html>"'
    assert scrub(logged, TOKEN) == f"Can not load invalid JSON data: {WITHHELD}"


def test_scrub_keeps_a_short_secret_half_readable():
    assert scrub("ABC and 1:ABC", "1:ABC") == f"ABC and {REDACTED}"
