"""The bot's conversation memory: what a follow-up (那萍乡呢) is read against.

In memory only (a restart starts afresh), bounded (a least-recently-used map of at most
``capacity`` entries, so a hundred thousand chats cannot grow it without limit) and forgetful (an
entry idle longer than ``ttl`` seconds is gone). The clock is injectable so tests need not sleep.

The bot keeps conversations here as their JSON text (:func:`packed`, :func:`unpacked`): a
remembered answer then takes about 0.6 KB instead of 1.5 KB as pydantic objects (measured with
tracemalloc), so the 10,000 the bot may remember stay within a few megabytes.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from retrieval.models import Conversation

V = TypeVar("V")

MAX_CONVERSATIONS = 10_000


class Memory(Generic[V]):
    """A bounded, expiring map: ``get`` returns ``None`` for a missing or idle entry; each
    ``put`` (and each ``get`` that finds one) makes an entry the most recent."""

    def __init__(self, ttl: float, capacity: int = MAX_CONVERSATIONS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.capacity, self.clock = ttl, capacity, clock
        self._items: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        stamp, value = item
        now = self.clock()
        if now - stamp > self.ttl:
            del self._items[key]
            return None
        self._items[key] = (now, value)
        self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        self._items[key] = (self.clock(), value)
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def pop(self, key: Hashable) -> None:
        self._items.pop(key, None)


def packed(conversation: Conversation) -> str:
    return conversation.model_dump_json()


def unpacked(text: str | None) -> Conversation | None:
    return None if text is None else Conversation.model_validate_json(text)
