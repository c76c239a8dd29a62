"""Logging for ``ganwen bot``: the bot token never reaches a log line. httpx logs every request
URL (which holds the token) at INFO, and a Bot object's repr holds it too, so request logs are
kept at WARNING and every record is scrubbed before any handler writes it."""

from __future__ import annotations

import logging

REDACTED = "<token>"
QUIET = ("httpx", "httpcore")


class RedactFilter(logging.Filter):
    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, REDACTED), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, REDACTED)
        return True


def setup(secret: str, level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactFilter(secret))
