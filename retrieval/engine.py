"""The engine: a question in, a :class:`Response` out, over one corpus's index.

This is ganwen's Python API; the CLI, the REPL and the Telegram bot are thin front ends over
:meth:`Engine.ask`. Questions are searched in simplified script and answered in the script they
were asked in.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import answer as answer_mod
from .corpus import bundled_corpus
from .index import Index, Notice, open_index
from .models import Answer, RankedPassage, Response
from .question import Question, analyse, searchable, validate
from .resources import Resources, load_resources
from .tokenize import tokens

TOP_K = 5  # passages returned with an answer: the best and the next ones
SEARCH_K = 20  # passages scored before place filtering

Script = Literal["simplified", "traditional"]  # as in Response.script


def default_corpus() -> Path:
    env = os.environ.get("GANWEN_CORPUS")
    return Path(env).expanduser() if env else bundled_corpus()


def _stderr(message: str) -> None:
    print(f"ganwen: {message}", file=sys.stderr)


@dataclass(frozen=True)
class _Ranked:
    """A question validated, analysed and searched: the passages an answer may come from."""

    question: str  # validated, as asked
    script: Script  # the script it was asked in
    q: Question  # its analysis, in simplified script
    passages: tuple[RankedPassage, ...]  # empty when there is nothing to answer from
    reason: str | None = None  # why the passages are empty


class Engine:
    def __init__(self, index: Index, res: Resources, corpus: Path):
        self.index = index
        self.res = res
        self.corpus = corpus
        self._max_idf = index.max_idf

    @classmethod
    def open(
        cls, corpus: Path | None = None, *, notice: Notice = _stderr, rebuild: bool = False,
        add: Sequence[Path] = (), check_files: bool | None = None,
    ) -> Engine:
        folder = corpus or default_corpus()
        res = load_resources()
        index = open_index(folder, res, notice, rebuild=rebuild, add=add, check_files=check_files)
        return cls(index, res, folder)

    def reload(self, notice: Notice = _stderr) -> Engine:
        """The corpus folder indexed again, every file checked (the bot's /reload)."""
        return Engine(open_index(self.corpus, self.res, notice, check_files=True), self.res,
                      self.corpus)

    def _search(self, question: str, k: int) -> list[tuple[int, RankedPassage]]:
        idx = self.index
        return [
            (doc, RankedPassage(passage=idx.passage(doc), article=idx.article_of_doc(doc), score=s))
            for doc, s in idx.top(tokens(question, self.res), k)
        ]

    def search(self, question: str, k: int = SEARCH_K) -> list[RankedPassage]:
        """Passages for a simplified question, best first, by BM25."""
        return [rp for _, rp in self._search(question, k)]

    def _ranked(self, question: str) -> _Ranked:
        """Validate, analyse and search: the passages an answer may come from, or why none."""
        question = validate(question)
        words = searchable(question)
        simplified = self.res.simplified(words)
        script: Script = "traditional" if simplified != words else "simplified"
        q = analyse(simplified, self.res)
        found = [
            (doc, rp) for doc, rp in self._search(simplified, SEARCH_K)
            if answer_mod.names_places(q.places, rp.article, rp.passage.text)
        ]
        if not found:
            return _Ranked(question, script, q, (),
                           "no passage in the corpus matches this question")
        best_tokens = set(self.index.doc_tokens(found[0][0]))
        idf = self.index.idf
        if answer_mod.coverage(q.tokens, best_tokens, idf, self._max_idf) < answer_mod.MIN_COVERAGE:
            return _Ranked(question, script, q, (),
                           "the corpus has nothing close enough to this question")
        return _Ranked(question, script, q, tuple(rp for _, rp in found))

    def _respond(self, script: Script, response: Response) -> Response:
        return to_script(response, self.res) if script == "traditional" else response

    def ask(self, question: str, k: int = TOP_K) -> Response:
        r = self._ranked(question)
        passages, reason = r.passages, r.reason
        answer = answer_mod.choose(r.q, passages, self.index.idf) if passages else None
        if passages and answer is None:
            reason = "the best passages hold no figure of the kind asked for"
        if answer is not None:
            # The passage the figure stands in leads; the others follow in BM25 order.
            passages = tuple(sorted(passages, key=lambda rp: rp.passage.id != answer.passage_id))
        response = Response(question=r.question, script=r.script, answer=answer,
                            passages=passages[:k], reason=reason)
        return self._respond(r.script, response)

    def ask_each(self, question: str, n: int = TOP_K) -> list[Response]:
        """One response per top passage, each with the best figure of that passage alone: a
        list of alternatives, as Telegram's inline results show. Empty when ``ask`` would not
        answer."""
        r = self._ranked(question)
        idf = self.index.idf
        if not r.passages or answer_mod.choose(r.q, r.passages, idf) is None:
            return []
        return [
            self._respond(r.script, Response(
                question=r.question, script=r.script, answer=answer_mod.choose(r.q, [rp], idf),
                passages=(rp,)))
            for rp in r.passages[:n]
        ]


def to_script(response: Response, res: Resources) -> Response:
    """The response in traditional script; the answer's offsets follow the converted text."""
    conv = res.traditional
    passages = []
    answer: Answer | None = response.answer
    for rp in response.passages:
        text = rp.passage.text
        if answer is not None and answer.passage_id == rp.passage.id:
            head, mid, tail = (conv(text[: answer.start]), conv(text[answer.start:answer.end]),
                               conv(text[answer.end:]))
            answer = answer.model_copy(update={
                "text": mid, "start": len(head), "end": len(head) + len(mid),
                "unit": conv(answer.unit) if answer.unit else None,
                "qualifier": conv(answer.qualifier) if answer.qualifier else None,
            })
            new_text = head + mid + tail
        else:
            new_text = conv(text)
        figures = tuple(f.model_copy(update={"text": conv(f.text)}) for f in rp.passage.figures)
        passages.append(rp.model_copy(update={
            "passage": rp.passage.model_copy(update={"text": new_text, "figures": figures}),
            "article": rp.article.model_copy(update={
                "title": conv(rp.article.title),
                "source": conv(rp.article.source) if rp.article.source else None,
            }),
        }))
    return response.model_copy(update={"passages": tuple(passages), "answer": answer})
