"""The engine: a question in, a :class:`Response` out, over one corpus's index.

This is ganwen's Python API; the CLI, the REPL and the Telegram bot are thin front ends over
:meth:`Engine.ask`. Questions are searched in simplified script and answered in the script they
were asked in.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import answer as answer_mod
from . import followup
from .corpus import bundled_corpus
from .index import Index, Notice, open_index
from .models import Answer, Conversation, RankedPassage, Response, Turn
from .question import Comparison, Question, analyse, searchable, validate
from .resources import Resources, load_resources
from .sharded import ShardedIndex, open_shards, watching
from .tokenize import places, tokens

TOP_K = 5  # passages returned with an answer: the best and the next ones
FOLLOW_UP_ALONE = "a follow-up question with no earlier question to follow"
EXPANSION_WEIGHT = 0.5  # a news word the question's everyday wording stands for
SEARCH_K = 20  # passages scored before place filtering
SEARCH_DEPTHS = (SEARCH_K, 5 * SEARCH_K, 25 * SEARCH_K)  # deeper when places filter out most

Script = Literal["simplified", "traditional"]  # as in Response.script


def script_of(text: str, res: Resources) -> Script:
    """The script ``text`` is written in: traditional when simplifying it changes it (for a
    question the engine cannot take, to be told so in its own script)."""
    words = " ".join(text.split())
    return "traditional" if res.simplified(words) != words else "simplified"


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
    confident: bool = False  # the best passage covers the question well enough to answer from
    interpreted: str | None = None  # a follow-up: the whole question it was read as


class Engine:
    def __init__(self, index: Index | ShardedIndex, res: Resources, corpus: Path,
                 shards: int | None = None, ray: str | None = None):
        self.index = index
        self.res = res
        self.corpus = corpus
        self.shards, self.ray = shards, ray  # how the index is kept: to open it again alike
        self._max_idf = index.max_idf

    @classmethod
    def open(
        cls, corpus: Path | None = None, *, notice: Notice = _stderr, rebuild: bool = False,
        add: Sequence[Path] = (), check_files: bool | None = None, verify: bool | None = None,
        shards: int | None = None, ray: str | None = None,
    ) -> Engine:
        """The engine of ``corpus``'s index, updated first; with ``shards``, of the corpus in
        that many shards (:mod:`retrieval.sharded`), built and served by the Ray cluster at
        ``ray`` when one is named (:mod:`retrieval.ray_shards`), else in this machine's
        processes."""
        folder = corpus or default_corpus()
        res = load_resources()
        if shards is None:
            index: Index | ShardedIndex = open_index(
                folder, res, notice, rebuild=rebuild, add=add, check_files=check_files,
                verify=verify)
        else:
            index = open_shards(folder, shards, res, notice, rebuild=rebuild, add=add, ray=ray)
        return cls(index, res, folder, shards, ray)

    def reload(self, notice: Notice = _stderr) -> Engine:
        """The corpus folder indexed again, every file checked (the bot's /reload)."""
        if self.shards is not None:
            return Engine(open_shards(self.corpus, self.shards, self.res, notice, ray=self.ray),
                          self.res, self.corpus, self.shards, self.ray)
        return Engine(open_index(self.corpus, self.res, notice, check_files=True), self.res,
                      self.corpus)

    def _top(self, q: Question, k: int) -> list[tuple[int, float]]:
        query = [*q.tokens, *q.expansions]
        weights = [1.0] * len(q.tokens) + [EXPANSION_WEIGHT] * len(q.expansions)
        return self.index.top(query, k, weights)

    def _ranked_passage(self, doc: int, score: float) -> RankedPassage:
        idx = self.index
        return RankedPassage(passage=idx.passage(doc), article=idx.article_of_doc(doc),
                             score=score)

    def _search(self, q: Question, k: int) -> list[tuple[int, RankedPassage]]:
        return [(doc, self._ranked_passage(doc, s)) for doc, s in self._top(q, k)]

    def search(self, question: str, k: int = SEARCH_K) -> list[RankedPassage]:
        """Passages for a simplified question, best first, by BM25."""
        return [rp for _, rp in self._search(analyse(question, self.res), k)]

    def _passages(self, q: Question) -> tuple[tuple[RankedPassage, ...], str | None, bool]:
        """The passages that name the question's places, best first; why there are none; and
        whether the best is close enough to answer from (else they are only shown)."""
        idx = self.index
        for k in SEARCH_DEPTHS:
            searched = self._top(q, k)
            # Places are checked on the article and the raw text, before a passage is made:
            # a deeper search may look at hundreds.
            kept = [
                (doc, score) for doc, score in searched
                if answer_mod.names_places(q.places, idx.article_of_doc(doc), idx.doc_text(doc),
                                           every=q.comparison is None,
                                           children=self.res.place_children)
            ]
            # Look-alike reports about other places can fill the first SEARCH_K: look deeper
            # until enough passages name the place, or nothing more matches.
            if len(kept) >= TOP_K or len(searched) < k:
                break
        found = [(doc, self._ranked_passage(doc, score)) for doc, score in kept[:SEARCH_K]]
        if not found:
            return (), "no passage in the corpus matches this question", False
        best_tokens = set(self.index.doc_tokens(found[0][0]))
        cover = answer_mod.coverage(q.concepts, best_tokens, self.index.idf, self._max_idf)
        if cover < answer_mod.MIN_SHOWN:
            return (), "the corpus has nothing close enough to this question", False
        return tuple(rp for _, rp in found), None, cover >= answer_mod.MIN_COVERAGE

    def _ranked(self, question: str, context: Conversation | None = None) -> _Ranked:
        """Validate, read against the conversation, analyse and search: the passages an answer
        may come from, or why none."""
        question = validate(question)
        words = searchable(question)
        simplified = self.res.simplified(words)
        script: Script = "traditional" if simplified != words else "simplified"
        interpreted = None
        if followup.is_follow_up(simplified, self._words):
            last = context.last if context is not None else None
            reading = self._read(simplified, last) if last is not None else None
            if reading is None:  # nothing to follow: never a guess
                q = analyse(simplified, self.res)
                return _Ranked(question, script, q, (), FOLLOW_UP_ALONE)
            simplified = interpreted = reading.question
        q = analyse(simplified, self.res)
        passages, reason, confident = self._passages(q)
        return _Ranked(question, script, q, passages, reason, confident, interpreted)

    def _weight(self, word: str) -> float:
        """How much a word of a question says what it is about: its IDF, none for places,
        filler and question words."""
        if (word in self.res.places or word in self.res.filler or word in self.res.stopwords
                or followup.PHASE.fullmatch(word) or followup.YEAR.fullmatch(word)):
            return 0.0  # 一期, 去年: a follow-up swaps them, they are not what it is about
        return self.index.idf(word)

    def _words(self, text: str) -> list[str]:
        return self.res.cutter(text).lcut(text)

    def _read(self, text: str, last: Turn) -> followup.Reading | None:
        return followup.resolve(text, last, self._words, lambda s: places(s, self.res),
                                self._weight)

    def _turn(self, q: Question, answer: Answer | None) -> Turn:
        rest = q.text
        for place in q.places:
            rest = rest.replace(place, "")
        return Turn(question=q.text, places=q.places,
                    answer=answer.text if answer is not None else None,
                    answer_kind=answer.kind if answer is not None else None,
                    topic=followup.topic(rest, self._words, self._weight))

    def _answer(self, q: Question, passages: tuple[RankedPassage, ...], confident: bool
                ) -> tuple[Answer | None, tuple[RankedPassage, ...]]:
        """The answer, and the passages to show: those it stands in first, then the rest in
        BM25 order."""
        if q.comparison is not None:  # each side has its own passages and gate
            return self._compare(q.comparison, passages)
        if not passages or not confident:
            return None, passages
        idf = self.index.idf
        answer = answer_mod.choose(q, passages, idf)
        if answer is None:
            return None, passages
        if not q.places:
            answer = answer_mod.with_alternatives(answer, q, passages, idf)
        lead = tuple(rp for rp in passages if rp.passage.id == answer.passage_id)
        return answer, lead + tuple(rp for rp in passages if rp not in lead)

    def _compare(self, comparison: Comparison, passages: tuple[RankedPassage, ...]
                 ) -> tuple[Answer | None, tuple[RankedPassage, ...]]:
        """Each side asked as its own question, answered from its own passages."""
        parts, lead = [], []
        words = [set(tokens(label, self.res)) - self.res.filler for label in comparison.labels]
        for n, (label, text) in enumerate(zip(comparison.labels, comparison.questions,
                                              strict=True)):
            side = analyse(text, self.res, focus_on=label)
            own = frozenset(words[n] - words[1 - n])
            if own and not own & set(side.places):  # places are met by the article, not a clause
                side = dataclasses.replace(side, required=own)
            found, _, confident = self._passages(side)
            answer = answer_mod.choose(side, found, self.index.idf) if confident else None
            if answer is None:
                return None, passages
            parts.append(answer.model_copy(update={"label": label}))
            lead += [rp for rp in found if rp.passage.id == answer.passage_id and rp not in lead]
        rest = tuple(rp for rp in passages if rp not in lead)
        return answer_mod.comparison(parts, comparison.more), tuple(lead) + rest

    def _respond(self, script: Script, response: Response) -> Response:
        return to_script(response, self.res) if script == "traditional" else response

    def ask(self, question: str, k: int = TOP_K, context: Conversation | None = None
            ) -> Response:
        """The answer to ``question``; ``context``, the ``Response.context`` of the
        conversation's previous question, for a follow-up (那萍乡呢) to be read against."""
        with watching() as missing:  # shards of a sharded index that did not answer
            response = self._ask(question, k, context)
        return response.model_copy(update={"partial": True}) if missing else response

    def _ask(self, question: str, k: int, context: Conversation | None) -> Response:
        r = self._ranked(question, context)
        answer, passages = self._answer(r.q, r.passages, r.confident)
        reason = None if answer is not None else r.reason
        if passages and answer is None:
            reason = ("the best passages hold no answer of the kind asked for" if r.confident
                      else "no exact answer; these passages come closest")
        if r.reason == FOLLOW_UP_ALONE:  # keep the conversation as it was
            turn = context.last if context is not None else None
        else:
            turn = self._turn(r.q, answer)
        response = Response(question=r.question, script=r.script, answer=answer,
                            passages=passages[:k], reason=reason, interpreted=r.interpreted,
                            context=Conversation(last=turn))
        return self._respond(r.script, response)

    def ask_each(self, question: str, n: int = TOP_K) -> list[Response]:
        """One response per top passage, each with the best figure of that passage alone: a
        list of alternatives, as Telegram's inline results show. Empty when ``ask`` would not
        answer."""
        with watching() as missing:
            r = self._ranked(question)
            idf = self.index.idf
            if self._answer(r.q, r.passages, r.confident)[0] is None:
                return []
            return [
                self._respond(r.script, Response(
                    question=r.question, script=r.script,
                    answer=answer_mod.choose(r.q, [rp], idf), passages=(rp,),
                    partial=bool(missing)))
                for rp in r.passages[:n]
            ]


def to_script(response: Response, res: Resources) -> Response:
    """The response in traditional script: a passage from a traditional file in its own
    characters (same offsets), any other converted; the answer's offsets follow the text shown."""
    conv = res.traditional
    originals = {rp.passage.id: rp.passage.original for rp in response.passages
                 if rp.passage.original}

    def quoted(a: Answer) -> str:
        own = originals.get(a.passage_id)
        return own[a.start:a.end] if own and not a.parts else conv(a.text)

    passages = []
    answer: Answer | None = response.answer
    if answer is not None and (answer.parts or answer.alternatives):
        answer = answer.model_copy(update={
            "text": conv(answer.text),
            "parts": tuple(_converted(a, conv, quoted(a)) for a in answer.parts),
            "alternatives": tuple(_converted(a, conv, quoted(a)) for a in answer.alternatives),
        })
    for rp in response.passages:
        text, own = rp.passage.text, rp.passage.original
        if answer is not None and answer.passage_id == rp.passage.id and not answer.parts:
            if own:
                head, mid, tail = own[: answer.start], own[answer.start:answer.end], own[answer.end:]
            else:
                head, mid, tail = (conv(text[: answer.start]),
                                   conv(text[answer.start:answer.end]), conv(text[answer.end:]))
            answer = answer.model_copy(update={
                "text": mid, "start": len(head), "end": len(head) + len(mid),
                "unit": conv(answer.unit) if answer.unit else None,
                "qualifier": conv(answer.qualifier) if answer.qualifier else None,
            })
            new_text = head + mid + tail
        else:
            new_text = own or conv(text)
        figures = tuple(f.model_copy(update={"text": own[f.start:f.end] if own else conv(f.text)})
                        for f in rp.passage.figures)
        passages.append(rp.model_copy(update={
            "passage": rp.passage.model_copy(update={"text": new_text, "figures": figures}),
            "article": rp.article.model_copy(update={
                "title": conv(rp.article.title),
                "source": conv(rp.article.source) if rp.article.source else None,
            }),
        }))
    return response.model_copy(update={
        "passages": tuple(passages), "answer": answer,
        "interpreted": conv(response.interpreted) if response.interpreted else None,
    })


def _converted(answer: Answer, conv: Callable[[str], str], text: str) -> Answer:
    """A comparison side or an alternative in the other script (its passage is shown apart)."""
    return answer.model_copy(update={
        "text": text, "label": conv(answer.label) if answer.label else None,
        "unit": conv(answer.unit) if answer.unit else None,
    })
