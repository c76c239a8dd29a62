"""``ganwen repl``: questions in a loop with history and line editing (prompt_toolkit handles
wide Chinese characters and input methods); Ctrl-D leaves, Ctrl-C clears the line."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from retrieval.question import QuestionError
from retrieval.resources import cache_dir

from .terminal import render

if TYPE_CHECKING:
    from retrieval.engine import Engine

PROMPT = "赣问> "


def _answer(engine: Engine, line: str, color: bool) -> None:
    if not line.strip():
        return
    try:
        print(render(engine.ask(line), color=color), flush=True)
    except QuestionError as exc:
        print(f"ganwen: {exc}", flush=True)


def run(engine: Engine) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        for line in sys.stdin:  # piped input: same answers, no prompt machinery
            _answer(engine, line, color=False)
        return 0
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    history = FileHistory(str(cache_dir() / "repl_history"))
    session: PromptSession[str] = PromptSession(history=history)
    s = engine.index.stats
    print(f"ganwen: {s.articles} articles, {s.passages} passages. Ctrl-D to leave.")
    while True:
        try:
            line = session.prompt(PROMPT)
        except KeyboardInterrupt:
            continue
        except EOFError:
            return 0
        _answer(engine, line, color=True)
