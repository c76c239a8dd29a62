"""The webhook endpoint of ``ganwen bot`` (when ``GANWEN_WEBHOOK_URL`` is set): Telegram POSTs
each update here.

python-telegram-bot's own webhook server reads a whole body (up to tornado's 100 MB default)
before it looks at the secret, so anyone who can reach the port can make the bot hold hundreds of
megabytes; and it answers an update it cannot parse with a 400, which Telegram delivers again
and again. This endpoint is written on the same tornado the library brings, streaming the body:

- the secret (``X-Telegram-Bot-Api-Secret-Token``, compared in constant time) and the declared
  length are checked when the headers arrive, before a byte of the body is read: 403 for a
  missing or wrong secret, 413 for a body over :data:`MAX_BODY` (Telegram's updates are a few
  kilobytes); a body without a length is cut off at the same size;
- a body that is not JSON is a 400; an update that is JSON but cannot be parsed is skipped with
  one log line and a 200, so Telegram moves on;
- any other update is put on the application's update queue, as the library's server does.
"""

from __future__ import annotations

import hmac
import json
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from .updates import parsed

MAX_BODY = 1 << 20  # bytes: an update with the longest message and its entities is far smaller
BODY_SECONDS = 10.0  # a body trickling in slower than this is dropped
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, app: Application, secret: str) -> None:
        self.app, self.secret = app, secret
        self.body = bytearray()

    def prepare(self) -> None:
        """Headers only: refuse here, and the body is never read."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.request.connection.set_max_body_size(MAX_BODY)  # type: ignore[union-attr]

    def data_received(self, chunk: bytes) -> None:
        self.body += chunk

    async def post(self) -> None:
        try:
            raw = json.loads(self.body)
        except ValueError:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        update = parsed(raw, self.app.bot)
        if update is not None:
            self.app.bot.insert_callback_data(update)
            await self.app.update_queue.put(update)
        self.set_status(HTTPStatus.OK)

    def log_exception(self, *args: Any) -> None:
        pass  # refusals are the HTTP status; nothing here is worth a traceback


class WebhookError(Exception):
    """The webhook endpoint cannot be served; the message is one line for the user."""


class WebhookServer:
    """The endpoint at ``path`` on ``listen:port``, feeding ``app``'s update queue."""

    def __init__(self, app: Application, path: str, secret: str) -> None:
        route = "/" + path.strip("/")
        web = tornado.web.Application([(route + "/?", UpdateHandler,
                                        {"app": app, "secret": secret})], log_function=_quiet)
        self._server = HTTPServer(web, max_body_size=MAX_BODY, body_timeout=BODY_SECONDS)

    def start(self, listen: str, port: int) -> None:
        try:
            self._server.listen(port, address=listen)
        except OSError as exc:  # the port taken, the address not this machine's
            raise WebhookError(f"cannot listen on {listen}:{port}: {exc.strerror or exc}") from None

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """Requests are not logged one by one (the bot logs what it does with each update)."""
