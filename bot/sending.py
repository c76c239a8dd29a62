"""Requests to the Bot API that ride out its storms, and stop waiting when the bot stops.

python-telegram-bot's :class:`~telegram.ext.AIORateLimiter` keeps the bot within Telegram's
flood limits (messages per second overall, per minute per group) and waits out a 429 a fixed
number of times. Under a storm that is not enough: answers were lost to a run of 502s (a 5xx is
not retried at all) and to 429s outlasting the retries, and a bot told to stop kept waiting
them out for minutes. :class:`PatientLimiter` keeps AIORateLimiter's throttling and replaces its
retry loop (the part no library does for us):

- a 429 is waited out as Telegram asks, a 5xx or a refused connection retried with growing
  pauses (:data:`BACKOFF`), each for as long as the request's total time stays within
  ``patience`` seconds; then the error is raised as it came (the bot logs one line);
- a timeout is not retried: the message may have gone out, and a duplicate answer is worse
  than the apology the bot sends instead; nor is a 400 (the request itself is refused);
- once :meth:`PatientLimiter.stop` is called, nothing waits any more: a failure is raised at
  once, and a pause in progress ends.

The chat and group of a request are read as AIORateLimiter reads them, and its
``_run_request`` applies the throttles (with ``RetryAfter._retry_after``, the private names this
leans on, as AIORateLimiter itself does; the package is pinned to one major version).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger("ganwen.bot")

PATIENCE = 60.0  # seconds one request may spend waiting out 429s and 5xx before it gives up
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)  # pauses before the 1st, 2nd, … retry of a 5xx; then the last
RETRY_AFTER_MARGIN = 0.1  # Telegram counts whole seconds: ask again just after, not just before
Answer = bool | dict[str, Any] | list[dict[str, Any]]


def pause_before(error: Exception, attempt: int) -> float | None:
    """How long to wait before retrying after ``error`` (the ``attempt``-th failure, from 0),
    or None when it is not worth retrying."""
    if isinstance(error, RetryAfter):
        # The timedelta behind ``retry_after``, read as AIORateLimiter reads it: the public
        # attribute warns of its coming change of type on every read.
        return error._retry_after.total_seconds() + RETRY_AFTER_MARGIN
    # python-telegram-bot raises a 400 as BadRequest, a NetworkError too: asked again, the Bot
    # API would only refuse again.
    if isinstance(error, NetworkError) and not isinstance(error, TimedOut | BadRequest):
        return BACKOFF[min(attempt, len(BACKOFF) - 1)]
    return None


class PatientLimiter(AIORateLimiter):
    def __init__(self, patience: float | None = None, overall_max_rate: float = 30.0) -> None:
        super().__init__(overall_max_rate=overall_max_rate)
        self.patience = PATIENCE if patience is None else patience
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """From now on nothing waits: failures are raised at once, pauses end."""
        self._stopping.set()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Answer]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Answer:
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        # Groups and channels (negative ids, @names) have a per-minute limit of their own.
        group = chat_id if (isinstance(chat_id, int) and chat_id < 0) or isinstance(
            chat_id, str) else False
        deadline = time.monotonic() + self.patience
        attempt = 0
        while True:
            try:
                return await self._run_request(
                    chat=chat_id is not None, group=group,
                    allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
                    callback=callback, args=args, kwargs=kwargs)
            except (RetryAfter, NetworkError) as exc:
                pause = pause_before(exc, attempt)
                if (pause is None or self._stopping.is_set()
                        or time.monotonic() + pause > deadline):
                    raise
                log.info("Bot API %s: %s; trying again in %.1f s", endpoint, exc, pause)
            attempt += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), pause)
