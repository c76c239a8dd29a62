"""A fake Telegram Bot API server that the real python-telegram-bot (v22) stack can poll.

What it fakes: the HTTP Bot API at ``http://127.0.0.1:<port>/bot<TOKEN>/<method>`` — getMe,
long-polling getUpdates with offset confirmation, the webhook methods (setWebhook only stores the
URL and makes getUpdates answer 409, as Telegram does), sendMessage / editMessageText /
deleteMessage with per-chat message ids and a per-chat view of the current texts,
answerInlineQuery, answerCallbackQuery, set/get/deleteMyCommands, sendChatAction, close/logOut.
Any other method answers ``{"ok": true, "result": true}``. Every call is recorded (``calls``,
``wait_for``); failures (HTTP status, 429 with retry_after) and delays can be injected per method.
Tests push updates with ``user_message``, ``inline_query`` and ``callback_query``.

Telegram checks reproduced (each a 400 that PTB raises as BadRequest): empty text, text over 4096
UTF-16 units (measured only for plain and HTML texts), editing a message into the same text and
markup ("message is not modified"), editing/deleting/replying to a message that does not exist.

Files sent by users (``user_document``) are served by getFile and downloaded from
``/file/bot<TOKEN>/<file_path>``, as python-telegram-bot's ``base_file_url`` expects.

What it does not fake: parse_mode rendering (text is stored as sent; no entities are computed
for bot messages), uploads by the bot (multipart bodies are decoded, uploads kept as bytes, but
not served back), webhook delivery, other send*/edit* methods beyond recording them,
rate limits other than those injected, users, chats and permissions beyond what updates carry.

Stdlib only: a ThreadingHTTPServer in a daemon thread, so it works next to PTB's own event loop.
Bind is 127.0.0.1 on a random port; nothing here talks to any other address.
"""

from __future__ import annotations

import asyncio
import copy
import html
import itertools
import json
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

TOKEN = "123:ABC"
BOT_USER = {"id": 1000, "is_bot": True, "first_name": "赣问", "username": "ganwen_bot",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": True}
MAX_TEXT = 4096
# PTB sends str parameters raw and everything else JSON-encoded; these stay strings even when
# they look like JSON (a question "123" must not become an int).
RAW_FIELDS = frozenset({
    "text", "query", "caption", "data", "parse_mode", "url", "secret_token", "inline_query_id",
    "callback_query_id", "inline_message_id", "next_offset", "switch_pm_text",
    "switch_pm_parameter", "language_code", "title", "description", "short_description", "name",
    "question", "explanation", "ip_address", "business_connection_id", "message_effect_id"})
_COMMAND = re.compile(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?")


@dataclass
class Call:
    """One API request: method name as sent, decoded parameters, arrival time
    (time.monotonic()) and the HTTP status sent back (None while it is still being answered)."""
    method: str
    params: dict
    time: float
    status: int | None = None


class ApiError(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def utf16_len(s: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets and lengths."""
    return len(s.encode("utf-16-le")) // 2


def entity_for(text: str, part: str, type_: str = "mention", start: int = 0, **extra) -> dict:
    """A MessageEntity dict for the first occurrence of ``part`` in ``text`` at or after
    ``start`` (a str index), with offsets in UTF-16 units."""
    i = text.index(part, start)
    return {"type": type_, "offset": utf16_len(text[:i]), "length": utf16_len(part), **extra}


def mention_entities(text: str, username: str = BOT_USER["username"]) -> list[dict]:
    """Mention entities for every "@username" in text."""
    at, out, i = "@" + username, [], text.find("@" + username)
    while i >= 0:
        out.append(entity_for(text, at, "mention", i))
        i = text.find(at, i + len(at))
    return out


def decode_params(content_type: str, body: bytes, query: str = "") -> dict[str, Any]:
    """Decode a Bot API request body the way Telegram reads PTB's encoding (see module doc)."""
    raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if content_type.startswith("application/json"):
        return {**{k: _value(k, v) for k, v in raw.items()}, **json.loads(body or b"{}")}
    if content_type.startswith("multipart/form-data"):
        msg = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        for part in msg.iter_parts():
            data = part.get_payload(decode=True) or b""
            name = part.get_param("name", header="content-disposition")
            raw[name] = data if part.get_filename() else data.decode()
    else:
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    return {k: _value(k, v) for k, v in raw.items()}


def _value(key: str, value: Any) -> Any:
    if key in RAW_FIELDS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _user(user_id: int, first_name: str, username: str | None) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "zh-hans"}
    return {**user, "username": username} if username else user


def _inline_markup(markup: Any) -> dict | None:
    # Only inline keyboards come back on a Message (and PTB's de_json requires it).
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


def _suffix(file_name: str) -> str:
    dot = file_name.rfind(".")
    return file_name[dot:] if dot > 0 and "/" not in file_name[dot:] else ""


def _quoted(msg: dict | None) -> dict | None:
    # Telegram nests reply_to_message only one level deep.
    return None if msg is None else {k: v for k, v in msg.items() if k != "reply_to_message"}


class FakeTelegram:
    """The server. Use ``with FakeTelegram() as tg:`` (or start()/stop()); point PTB at it with
    ``Application.builder().token(tg.token).base_url(tg.base_url)``."""

    def __init__(self, token: str = TOKEN, *, max_long_poll: float = 30.0):
        self.token, self.max_long_poll = token, max_long_poll
        self.port: int | None = None
        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list] = {}  # (scope JSON, language_code) -> commands
        self._cond = threading.Condition()  # guards all state below; RLock underneath
        self._stopping = threading.Event()
        self._calls: list[Call] = []
        self._updates: list[dict] = []      # pushed, not yet confirmed
        self._next_update = 1
        self._ids = itertools.count(1)      # inline query / callback query ids
        self._msg_ids: dict[int, int] = {}  # chat id -> last message id
        self._messages: dict[tuple[int, int], dict] = {}  # (chat id, message id) -> message
        self._bot_keys: list[tuple[int, int]] = []       # bot messages in send order
        self._chats: dict[int, dict] = {}
        self._failures: dict[str, list[tuple[int, int | None, str | None]]] = {}
        self._delays: dict[str, list[float]] = {}
        self._flaky: dict[str, tuple[float, tuple[int, ...], random.Random]] = {}
        self._files: dict[str, tuple[str, bytes]] = {}  # file id -> (file path, content)
        self._httpd: ThreadingHTTPServer | None = None
        self._api = {n[5:].lower(): getattr(self, n) for n in dir(self) if n.startswith("_api_")}

    # ----- lifecycle
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeTelegram:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                server._handle(self)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            # python-telegram-bot opens up to 256 connections at once; the default backlog of 5
            # would reset some of them (a connection error Telegram's servers don't give)
            request_queue_size = 1024

        self._stopping.clear()
        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        name="fake-telegram", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; pending long polls answer [] and injected delays end at once."""
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(2)
            self._httpd = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ----- failure injection
    def fail(self, method: str, status: int, times: int = 1, retry_after: int | None = None,
             description: str | None = None) -> None:
        """The next ``times`` calls of ``method`` answer HTTP ``status`` with a Bot API error body
        (429 carries parameters.retry_after, default 1)."""
        with self._cond:
            self._failures.setdefault(method.lower(), []).extend(
                [(status, retry_after, description)] * times)

    def flaky(self, method: str, share: float, statuses: tuple[int, ...] = (429, 500, 502, 503),
              seed: int = 0) -> None:
        """From now on a ``share`` of the calls of ``method`` (drawn with ``seed``) fail with one
        of ``statuses`` (a 429 with retry_after 1), after any failures queued by fail()."""
        with self._cond:
            self._flaky[method.lower()] = (share, statuses, random.Random(seed))

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` are answered only after ``seconds``."""
        with self._cond:
            self._delays.setdefault(method.lower(), []).extend([seconds] * times)

    # ----- inspection
    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, all or of one method (names compare case-insensitively, as
        Telegram's do)."""
        with self._cond:
            return [c for c in self._calls
                    if method is None or c.method.lower() == method.lower()]

    def clear_calls(self) -> None:
        with self._cond:
            self._calls.clear()

    def _matching(self, method, predicate, answered):
        return [c for c in self.calls(method) if (c.status is not None or not answered)
                and (predicate is None or predicate(c))]

    def _timeout_error(self, method, count, found, timeout):
        seen = [c.method for c in self.calls()]
        return TimeoutError(f"{count} x {method} not seen in {timeout}s (got {len(found)}); "
                            f"calls so far: {seen[-30:]}")

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0,
                       predicate: Callable[[Call], bool] | None = None,
                       answered: bool = True) -> list[Call]:
        """Wait (without blocking the event loop) until at least ``count`` calls of ``method``
        matching ``predicate`` have been recorded since the start (or clear_calls); return all
        that match. By default only answered calls count, so the fake's state (bot_messages)
        already reflects them; ``answered=False`` also counts calls still in progress (a parked
        long poll, a delayed call)."""
        deadline = time.monotonic() + timeout
        while len(found := self._matching(method, predicate, answered)) < count:
            if time.monotonic() > deadline:
                raise self._timeout_error(method, count, found, timeout)
            await asyncio.sleep(0.01)
        return found

    def wait_for_sync(self, method: str, count: int = 1, timeout: float = 10.0,
                      predicate: Callable[[Call], bool] | None = None,
                      answered: bool = True) -> list[Call]:
        """wait_for for plain threads (blocks; never call it on the event loop's thread)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(found := self._matching(method, predicate, answered)) < count:
                if not self._cond.wait(max(0.0, deadline - time.monotonic())):
                    raise self._timeout_error(method, count, found, timeout)
            return found

    def bot_messages(self, chat_id: int | None = None) -> list[dict]:
        """Current state (after edits, without deleted ones) of the messages the bot sent."""
        with self._cond:
            return [copy.deepcopy(self._messages[k]) for k in self._bot_keys
                    if k in self._messages and chat_id in (None, k[0])]

    def bot_texts(self, chat_id: int | None = None) -> list[str | None]:
        return [m.get("text") for m in self.bot_messages(chat_id)]

    def pending_updates(self) -> list[dict]:
        with self._cond:
            return copy.deepcopy(self._updates)

    def my_commands(self, scope: dict | None = None, language_code: str = "") -> list | None:
        with self._cond:
            return self.commands.get((self._scope_key(scope), language_code))

    # ----- pushing updates
    def user_message(self, text: str, *, user_id: int = 42, chat_id: int | None = None,
                     chat_type: str = "private", username: str | None = "alice",
                     first_name: str = "Alice", entities: list[dict] | None = None,
                     mention: bool = False, reply_to: dict | None = None,
                     message_thread_id: int | None = None, is_topic_message: bool | None = None,
                     chat_title: str | None = None, is_forum: bool | None = None
                     ) -> tuple[dict, dict]:
        """Queue a text message from a user; returns (update, message). Private chats default to
        chat id = user id, "group" to -123, other types to -100123. A leading /command gets its
        bot_command entity; ``mention=True`` adds mention entities for "@ganwen_bot";
        ``reply_to`` is a message dict (e.g. from bot_messages()) being replied to."""
        if chat_id is None:
            chat_id = {"private": user_id, "group": -123}.get(chat_type, -100123)
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat.update(first_name=first_name, **({"username": username} if username else {}))
        else:
            chat["title"] = chat_title or "测试群"
        if is_forum is not None:
            chat["is_forum"] = is_forum
        if is_topic_message is None and is_forum and message_thread_id is not None:
            is_topic_message = True
        ents = []
        if m := _COMMAND.match(text):
            ents.append({"type": "bot_command", "offset": 0, "length": utf16_len(m.group())})
        if mention:
            start = ents[0]["length"] if ents else 0
            ents += [e for e in mention_entities(text) if e["offset"] >= start]
        ents = sorted(ents + list(entities or []), key=lambda e: e["offset"])
        with self._cond:
            self._chats[chat_id] = chat
            replied = reply_to and self._messages.get(
                (reply_to["chat"]["id"], reply_to["message_id"]), reply_to)
            msg = self._new_message(chat, _user(user_id, first_name, username), text=text,
                                    entities=ents or None, message_thread_id=message_thread_id,
                                    is_topic_message=is_topic_message,
                                    reply_to_message=_quoted(replied or None))
            update = self._push("message", msg)
        return update, update["message"]

    def user_document(self, data: bytes, file_name: str, *, caption: str | None = None,
                      mime_type: str | None = None, user_id: int = 42, chat_id: int | None = None,
                      chat_type: str = "private", username: str | None = "alice",
                      first_name: str = "Alice") -> tuple[dict, dict]:
        """Queue a message carrying a file (a document) from a user; returns (update, message).
        A caption's leading /command gets its bot_command entity."""
        if chat_id is None:
            chat_id = {"private": user_id, "group": -123}.get(chat_type, -100123)
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "测试群"
        with self._cond:
            n = next(self._ids)
            file_id = f"file{n}"
            self._files[file_id] = (f"documents/file_{n}{_suffix(file_name)}", data)
            document = {"file_id": file_id, "file_unique_id": f"u{file_id}",
                        "file_name": file_name, "file_size": len(data),
                        **({"mime_type": mime_type} if mime_type else {})}
            ents = None
            if caption and (m := _COMMAND.match(caption)):
                ents = [{"type": "bot_command", "offset": 0, "length": utf16_len(m.group())}]
            self._chats[chat_id] = chat
            msg = self._new_message(chat, _user(user_id, first_name, username),
                                    document=document, caption=caption, caption_entities=ents)
            update = self._push("message", msg)
        return update, update["message"]

    def raw_update(self, **fields: Any) -> dict:
        """Queue an update made of ``fields`` as given (say, a message python-telegram-bot cannot
        parse); it gets the next update_id."""
        with self._cond:
            update = {"update_id": self._next_update, **fields}
            self._next_update += 1
            self._updates.append(update)
            self._cond.notify_all()
            return copy.deepcopy(update)

    def inline_query(self, query: str, *, user_id: int = 42, offset: str = "",
                     chat_type: str | None = "sender", username: str | None = "alice",
                     first_name: str = "Alice") -> dict:
        obj = {"id": str(next(self._ids)), "from": _user(user_id, first_name, username),
               "query": query, "offset": offset}
        if chat_type:
            obj["chat_type"] = chat_type
        return self._push("inline_query", obj)

    def callback_query(self, message: dict, data: str, *, user_id: int = 42,
                       username: str | None = "alice", first_name: str = "Alice") -> dict:
        """A press of an inline button under ``message`` (a bot message dict); the update carries
        the message's current state, with the message it replies to (one level, as stored)."""
        with self._cond:
            current = self._messages.get((message["chat"]["id"], message["message_id"]), message)
            return self._push("callback_query", {
                "id": str(next(self._ids)), "from": _user(user_id, first_name, username),
                "chat_instance": f"ci{message['chat']['id']}", "message": copy.deepcopy(current),
                "data": data})

    def edit_quoted(self, message: dict, text: str) -> None:
        """The user edits the question a bot message (stored) replies to: the next update
        carrying that message quotes the new text, as Telegram's does."""
        with self._cond:
            stored = self._messages[(message["chat"]["id"], message["message_id"])]
            stored["reply_to_message"] = {**stored["reply_to_message"], "text": text}

    # ----- internals
    @staticmethod
    def _scope_key(scope: dict | None) -> str:
        return json.dumps(scope or {"type": "default"}, sort_keys=True)

    def _push(self, kind: str, obj: dict) -> dict:
        return self.raw_update(**{kind: obj})

    def _new_message(self, chat: dict, sender: dict, **fields) -> dict:
        mid = self._msg_ids[chat["id"]] = self._msg_ids.get(chat["id"], 0) + 1
        msg = {"message_id": mid, "date": int(time.time()), "chat": chat, "from": sender,
               **{k: v for k, v in fields.items() if v is not None}}
        self._messages[(chat["id"], mid)] = msg
        return msg

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        url = urlsplit(req.path)
        if url.path.startswith("/file/bot"):
            return self._download(req, unquote(url.path[len("/file/bot"):]))
        prefix, _, method = url.path.rpartition("/")
        if not prefix.startswith("/bot") or not method:
            return self._send(req, 404, {"ok": False, "error_code": 404,
                                         "description": "Not Found"})
        if prefix[4:] != self.token:
            return self._send(req, 401, {"ok": False, "error_code": 401,
                                         "description": "Unauthorized"})
        body = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        try:
            params = decode_params(req.headers.get("Content-Type", ""), body, url.query)
        except ValueError as exc:
            return self._send(req, 400, {"ok": False, "error_code": 400,
                                         "description": f"Bad Request: {exc}"})
        with self._cond:
            failure = (self._failures.get(method.lower()) or [None]).pop(0)
            if failure is None and method.lower() in self._flaky:
                share, statuses, rng = self._flaky[method.lower()]
                if rng.random() < share:
                    failure = (rng.choice(statuses), None, None)
            pause = (self._delays.get(method.lower()) or [0]).pop(0)
            call = Call(method, params, time.monotonic())
            self._calls.append(call)
            self._cond.notify_all()
        if pause:
            self._stopping.wait(pause)
        if failure:
            status, retry_after, desc = failure
            reply = {"ok": False, "error_code": status,
                     "description": desc or HTTPStatus(status).phrase}
            if status == 429:
                retry_after = retry_after or 1
                reply["description"] = desc or f"Too Many Requests: retry after {retry_after}"
                reply["parameters"] = {"retry_after": retry_after}
        else:
            try:
                with self._cond:
                    api = self._api.get(method.lower())
                    result = copy.deepcopy(api(params) if api else True)
                status, reply = 200, {"ok": True, "result": result}
            except ApiError as exc:
                status = exc.status
                reply = {"ok": False, "error_code": status, "description": exc.description}
        with self._cond:
            call.status = status
            self._cond.notify_all()
        self._send(req, status, reply)

    def _download(self, req: BaseHTTPRequestHandler, rest: str) -> None:
        token, _, file_path = rest.partition("/")
        with self._cond:
            self._calls.append(Call("download", {"file_path": file_path}, time.monotonic(), 200))
            self._cond.notify_all()
            found = [data for path, data in self._files.values() if path == file_path]
        if token != self.token or not found:
            return self._send(req, 404, {"ok": False, "error_code": 404,
                                         "description": "Not Found"})
        try:
            req.send_response(200)
            req.send_header("Content-Type", "application/octet-stream")
            req.send_header("Content-Length", str(len(found[0])))
            req.end_headers()
            req.wfile.write(found[0])
        except (BrokenPipeError, ConnectionResetError):
            pass

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, reply: dict) -> None:
        data = json.dumps(reply, ensure_ascii=False).encode()
        try:
            req.send_response(status)
            req.send_header("Content-Type", "application/json")
            req.send_header("Content-Length", str(len(data)))
            req.end_headers()
            req.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. PTB cancelled a long poll on stop)

    def _chat(self, chat_id: Any) -> dict:
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            return self._chats.setdefault(
                chat_id, {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"})
        for chat in self._chats.values():
            if chat_id == f"@{chat.get('username')}":
                return chat
        raise ApiError(400, "Bad Request: chat not found")

    @staticmethod
    def _check_text(p: dict) -> str:
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        mode = str(p.get("parse_mode") or "").lower()
        shown = html.unescape(re.sub(r"<[^>]*>", "", text)) if mode == "html" else text
        if mode in ("", "html") and utf16_len(shown) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return text

    def _message(self, p: dict, what: str) -> dict:
        msg = self._messages.get((p.get("chat_id"), p.get("message_id")))
        if msg is None:
            raise ApiError(400, f"Bad Request: message to {what} not found")
        return msg

    # ----- API methods (called with the lock held); any other method just answers True
    def _api_getMe(self, p):
        return BOT_USER

    def _api_getUpdates(self, p):
        offset, limit, allowed = p.get("offset"), p.get("limit") or 100, p.get("allowed_updates")
        deadline = time.monotonic() + min(float(p.get("timeout") or 0), self.max_long_poll)
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        if isinstance(offset, int) and offset < 0:
            self._updates = self._updates[offset:]
        elif isinstance(offset, int):
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        while True:
            ready = [u for u in self._updates if not allowed or set(u) & set(allowed)]
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self._stopping.is_set():
                return ready[:limit]
            self._cond.wait(remaining)

    def _api_setWebhook(self, p):
        self.webhook_url = p.get("url") or ""
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_deleteWebhook(self, p):
        return self._api_setWebhook({"drop_pending_updates": p.get("drop_pending_updates")})

    def _api_getWebhookInfo(self, p):
        return {"url": self.webhook_url, "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    def _commands_key(self, p):
        return self._scope_key(p.get("scope")), p.get("language_code") or ""

    def _api_setMyCommands(self, p):
        self.commands[self._commands_key(p)] = p.get("commands") or []
        return True

    def _api_getMyCommands(self, p):
        return self.commands.get(self._commands_key(p), [])

    def _api_deleteMyCommands(self, p):
        self.commands.pop(self._commands_key(p), None)
        return True

    def _api_sendMessage(self, p):
        text, chat = self._check_text(p), self._chat(p.get("chat_id"))
        rp = p.get("reply_parameters") or {}
        reply_id = rp.get("message_id") or p.get("reply_to_message_id")
        replied = None
        if reply_id:
            replied = self._messages.get((rp.get("chat_id", chat["id"]), reply_id))
            if replied is None and not (rp.get("allow_sending_without_reply")
                                        or p.get("allow_sending_without_reply")):
                raise ApiError(400, "Bad Request: message to be replied not found")
        thread = p.get("message_thread_id")
        msg = self._new_message(
            chat, BOT_USER, text=text, entities=p.get("entities"),
            reply_markup=_inline_markup(p.get("reply_markup")), message_thread_id=thread,
            is_topic_message=True if thread and chat.get("is_forum") else None,
            link_preview_options=p.get("link_preview_options"), reply_to_message=_quoted(replied))
        self._bot_keys.append((chat["id"], msg["message_id"]))
        return msg

    def _api_editMessageText(self, p):
        text = self._check_text(p)
        if p.get("inline_message_id"):
            return True
        msg = self._message(p, "edit")
        if msg["from"]["id"] != BOT_USER["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        new = {"text": text, "entities": p.get("entities"),
               "reply_markup": _inline_markup(p.get("reply_markup"))}
        if all(msg.get(k) == v for k, v in new.items()):
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same as a current "
                                "content and reply markup of the message")
        for k, v in new.items():
            msg.pop(k, None) if v is None else msg.__setitem__(k, v)
        msg["edit_date"] = int(time.time())
        return msg

    def _api_deleteMessage(self, p):
        self._message(p, "delete")
        del self._messages[(p["chat_id"], p["message_id"])]
        return True

    def _api_getFile(self, p):
        found = self._files.get(str(p.get("file_id")))
        if found is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": p["file_id"], "file_unique_id": f"u{p['file_id']}",
                "file_size": len(found[1]), "file_path": found[0]}

    def _api_answerInlineQuery(self, p):
        if not isinstance(p.get("results"), list):
            raise ApiError(400, "Bad Request: results must be an array")
        return True
