"""``ganwen repl``: questions in a loop with history and line editing (prompt_toolkit handles
wide Chinese characters and input methods); Ctrl-D leaves, Ctrl-C clears the line."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from retrieval.engine import script_of
from retrieval.question import MAX_CHARS, QuestionError
from retrieval.resources import cache_dir

from .terminal import TEXTS, render

if TYPE_CHECKING:
    from retrieval.engine import Engine
    from retrieval.models import Conversation

PROMPT = "赣问> "


NEW = "/new"  # starts a fresh conversation: the next question follows nothing


class _Session:
    """One conversation: each answer's context is what the next question is read against."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.context: Conversation | None = None

    def answer(self, line: str, color: bool) -> None:
        if not line.strip():
            return
        if line.strip() == NEW:
            self.context = None
            return
        try:
            response = self.engine.ask(line, context=self.context)
        except QuestionError:  # the only one left: too long. Said in the question's script
            text = " ".join(line.split())
            script = script_of(text, self.engine.res)
            print(TEXTS[script]["too_long"].format(n=len(text), max=MAX_CHARS), flush=True)
            return
        self.context = response.context
        print(render(response, color=color), flush=True)


def run(engine: Engine) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        piped = _Session(engine)
        for line in sys.stdin:  # piped input: same answers, no prompt machinery
            piped.answer(line, color=False)
        return 0
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    history = FileHistory(str(cache_dir() / "repl_history"))
    session: PromptSession[str] = PromptSession(history=history)
    s = engine.index.stats
    print(TEXTS["simplified"]["start"].format(articles=s.articles, passages=s.passages))
    talk = _Session(engine)
    while True:
        try:
            line = session.prompt(PROMPT)
        except KeyboardInterrupt:
            continue
        except EOFError:
            return 0
        talk.answer(line, color=True)
