"""Logging for ``ganwen bot``: the bot token never reaches a log line. httpx logs every request
URL (which holds the token) at INFO, and a Bot object's repr holds it too, so request logs are
kept at WARNING and every record is scrubbed before any handler writes it. Tracebacks of
uncaught exceptions and warnings go through the same scrubber, and so does every error line
``ganwen bot`` prints (:func:`scrub`).

The scrubber also drops response bodies: python-telegram-bot puts a non-JSON error page into its
error messages (``Parsing the server response b'…' failed``) and logs it whole (``Can not load
invalid JSON data``); an upstream page may echo the request URL, token and all."""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from types import TracebackType

REDACTED = "<token>"
QUIET = ("httpx", "httpcore")
WITHHELD = "<response body withheld>"
MIN_SECRET = 4  # a shorter secret half is not scrubbed on its own: it would mangle every line
_BODIES = (
    re.compile(r"(Parsing the server response ).*( failed)", re.DOTALL),
    re.compile(r"(Can not load invalid JSON data: ).*()", re.DOTALL),
)
# Records python-telegram-bot logs about a failure it then raises: the raise is reported (one
# line at start-up, one by the bot's error handler), so these would only say it twice.
_SAID_AGAIN = ("Can not load invalid JSON data",)


def secrets_of(token: str) -> list[str]:
    """The token, then its secret half (what follows ``id:``), which survives percent-encoding."""
    parts = [token]
    secret = token.partition(":")[2]
    if len(secret) >= MIN_SECRET:
        parts.append(secret)
    return [p for p in parts if p]


def scrub(text: str, token: str) -> str:
    """``text`` without the token, its secret half or a response body."""
    for pattern in _BODIES:
        text = pattern.sub(lambda m: f"{m.group(1)}{WITHHELD}{m.group(2)}", text)
    for secret in secrets_of(token):
        text = text.replace(secret, REDACTED)
    return text


class RedactFilter(logging.Filter):
    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith(_SAID_AGAIN):
            return False
        clean = scrub(message, self.secret)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text, self.secret)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info, self.secret)
        return True


def setup(secret: str, level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)  # warnings are logged, so scrubbed, instead of printed
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactFilter(secret))

    def excepthook(kind: type[BaseException], value: BaseException,
                   tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(scrub(text, secret))

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread else "?"
        text = "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                  args.exc_traceback))
        sys.stderr.write(scrub(f"Exception in thread {name}:\n{text}", secret))

    sys.excepthook = excepthook  # an uncaught exception's traceback is scrubbed too
    threading.excepthook = thread_excepthook
