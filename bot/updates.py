"""How updates reach the handlers: chats side by side, each chat in order; an update that cannot
be read skipped once.

python-telegram-bot handles updates either one at a time (one chat's 429 wait or 5xx backoff
then holds up every other chat, and a storm loses answers to the patience limit) or all at once
(a follow-up such as 那萍乡呢 could then be read before the answer it follows is remembered).
:class:`ChatByChat` is the processor between the two that the library leaves to its users: an
update waits only for the earlier updates of its own chat.

An update python-telegram-bot cannot parse (say, a message without ``date``) makes
``getUpdates`` raise on every poll with the same offset, forever. :class:`ReadingBot` replaces
such an update by its bare ``update_id`` before parsing, with one log line, so the offset moves
past it and no handler sees it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor, ExtBot

log = logging.getLogger("ganwen.bot")

MAX_CONCURRENT_UPDATES = 256  # python-telegram-bot's connection pool holds as many requests


def chat_of(update: object) -> tuple[str, int] | None:
    """What orders an update: its chat, or for an inline query (no chat) its user."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return "chat", update.effective_chat.id
    if update.effective_user is not None:
        return "user", update.effective_user.id
    return None


class ChatByChat(BaseUpdateProcessor):
    """Updates of different chats are handled concurrently, those of one chat one after another
    in the order they came (asyncio's locks wake waiters first come, first served)."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        # chat → its lock and how many updates hold or wait for it; dropped at zero, so the
        # table holds only chats with updates in hand
        self._chats: dict[tuple[str, int] | None, tuple[asyncio.Lock, list[int]]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_of(update)
        lock, users = self._chats.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                await coroutine
        finally:
            users[0] -= 1
            if not users[0]:
                del self._chats[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def parsed(raw: Any, bot: ExtBot) -> Update | None:
    """``raw`` as an Update, or None (with one log line) when python-telegram-bot cannot read
    it."""
    try:
        return Update.de_json(raw, bot)
    except Exception as exc:  # whatever the parser trips on; the update is dropped, not the poll
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        log.warning("skipped update %s: it cannot be read (%s: %s)", update_id,
                    type(exc).__name__, exc)
        return None


def _bare(raw: Any) -> list[dict[str, int]]:
    """An unreadable update reduced to its id (or to nothing, without one)."""
    update_id = raw.get("update_id") if isinstance(raw, dict) else None
    return [{"update_id": update_id}] if isinstance(update_id, int) else []


class ReadingBot(ExtBot):
    """An ExtBot whose ``getUpdates`` skips what it cannot parse (see the module's doc).
    ``_do_post`` is the hook python-telegram-bot documents for wrapping requests."""

    async def _do_post(self, endpoint: str, data: Any, **kwargs: Any) -> Any:
        result = await super()._do_post(endpoint, data, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            result = [u for raw in result
                      for u in ([raw] if parsed(raw, self) is not None else _bare(raw))]
        return result
