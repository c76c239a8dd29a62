"""What an answer can quote in a passage — its figures, and the names and dates it mentions —
read from the passage's simplified text the first time an answer looks, then kept with it.

Only a question's best few passages are ever looked at, and a passage's figures and mentions
depend on its text alone, so they are read when asked for, not when the passage is indexed:
reading them for every passage was half of an index build's work (a passage takes ~0.2 ms, a
question reads those of a few), and answering can now change without re-indexing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from .entities import extract_mentions
from .figures import extract_figures
from .models import Figure, Mention
from .resources import Resources

T = TypeVar("T")
log = logging.getLogger(__name__)


def _read(what: str, read: Callable[[], tuple[T, ...]], text: str) -> tuple[T, ...]:
    """What ``read`` finds; none when it breaks (as cn2an once did on some numerals): one
    passage's figures are not worth a question's answer, the others still answer."""
    try:
        return read()
    except Exception as exc:  # any failure of the rules on one text
        log.warning("the %s of a passage could not be read (%s: %s): %.30s…", what,
                    type(exc).__name__, exc, text)
        return ()


@dataclass(frozen=True)
class PassageSpans:
    """The figures and mentions of one passage's simplified ``text``, each read once."""

    text: str
    res: Resources = field(compare=False, repr=False)

    @cached_property
    def figures(self) -> tuple[Figure, ...]:
        return _read("figures", lambda: extract_figures(self.text), self.text)

    @cached_property
    def mentions(self) -> tuple[Mention, ...]:
        return _read("mentions", lambda: extract_mentions(self.text, self.res), self.text)
