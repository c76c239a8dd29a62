"""Evaluation on a JSON Lines file of questions: reading the file, asking every question in its
conversation, scoring each response, summing the scores per type and overall, and checking them
against the bars ``ganwen eval`` is given.

An item is ``{"id", "q", "passage", "figure"}``, or ``{"id", "q", "none": true}`` for a question
the corpus cannot answer; typed files add ``type``, ``kind``, ``passage_alt`` and ``after`` (the
schema and the rules: the eval README). Every comparison is made in simplified script without
whitespace.

- hit@1 / hit@3: ``passage`` (or ``passage_alt``) stands in the first passage / the first three.
- answer@1, items with a figure: the figure stands in ``answer.text``, which is at most
  :data:`MAX_EXTRA_CHARS` longer, and the answer's kind is the item's ``kind`` when one is given;
  ``A|B`` figures need every part in ``answer.text`` and have no length limit. Passage-kind items
  without a figure need an answer of kind ``passage``; one of a figure kind is counted apart.
- figure@1, items with a figure: ``answer.text`` is the figure exactly (the first bar of untyped
  files, kept as it was).
- abstention: no answer on a ``none`` item; no answer on any other item is a false abstention.

Items without a ``type`` are scored under :data:`DEFAULT_TYPE`. An item with ``after`` is asked
in the conversation of the item it names; every other item starts a conversation of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, get_args

from .models import Conversation, EvalReport, EvalScores, FigureKind, Response

DEFAULT_TYPE = "figure"  # the type of items that have none (dev.jsonl's figure questions)
MAX_EXTRA_CHARS = 8  # how much longer than the figure answer.text may be
FIGURE_KINDS = frozenset(get_args(FigureKind))
_STRING_FIELDS = ("id", "type", "passage", "passage_alt", "figure", "kind", "after")
_SPACE = re.compile(r"\s+")

Ask = Callable[[str, str], Response]  # (question, conversation id) -> response


class EvalFileError(ValueError):
    pass


def read_items(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise EvalFileError(f"{path} is not UTF-8 (byte {exc.start})") from exc
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"{path}:{n}: not JSON ({exc.msg})") from exc
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise EvalFileError(f"{path}:{n}: needs a \"q\" string")
        for name in _STRING_FIELDS:
            if name in item and not isinstance(item[name], str):
                raise EvalFileError(f"{path}:{n}: \"{name}\" must be a string")
        items.append(item)
    try:
        conversation_ids(items)
    except EvalFileError as exc:
        raise EvalFileError(f"{path}: {exc}") from None
    return items


def conversation_ids(items: list[dict]) -> list[str]:
    """The conversation each item is asked in: a follow-up's is that of the earlier item its
    ``after`` names; any other item's is its own (its id, or ``#n`` for its position)."""
    by_id: dict[str, str] = {}
    ids = []
    for n, item in enumerate(items, 1):
        if "after" in item:
            if item["after"] not in by_id:
                raise EvalFileError(
                    f"{_label(item)}: \"after\" names {item['after']!r}, no earlier question")
            conversation = by_id[item["after"]]
        else:
            conversation = str(item.get("id", f"#{n}"))
        if "id" in item:
            by_id[item["id"]] = conversation
        ids.append(conversation)
    return ids


def one_shot(ask: Callable[[str], Response]) -> Ask:
    """Ask every question on its own, whatever its conversation: for an engine that keeps none."""
    return lambda question, _conversation: ask(question)


class InConversation(Protocol):
    def __call__(self, question: str, *, context: Conversation | None = ...) -> Response: ...


def in_conversations(ask: InConversation) -> Ask:
    """Ask each question in its conversation: with the context the conversation's previous
    answer left (``Engine.ask(question, context=...)``)."""
    contexts: dict[str, Conversation] = {}

    def asked(question: str, conversation: str) -> Response:
        response = ask(question, context=contexts.get(conversation))
        contexts[conversation] = response.context
        return response

    return asked


@dataclass(frozen=True)
class Outcome:
    """How one response fared against its item (None: the measure does not apply)."""

    type: str
    answerable: bool
    hit1: bool | None = None
    hit3: bool | None = None
    answer1: bool | None = None
    figure1: bool | None = None
    abstained: bool | None = None  # on ``none`` items
    false_abstention: bool = False
    figure_for_passage: bool | None = None  # on passage-kind items
    problems: tuple[str, ...] = ()


def _label(item: dict) -> str:
    return str(item.get("id", item["q"]))


def _shown(response: Response) -> str:
    a = response.answer
    return "no answer" if a is None else f"{a.text!r} ({a.kind})"


def score(item: dict, response: Response, simplify: Callable[[str], str]) -> Outcome:
    """One item's response scored by the rules above."""

    def norm(text: str) -> str:
        return _SPACE.sub("", simplify(text))

    answer = response.answer
    kind = item.get("kind")
    typ = item.get("type", DEFAULT_TYPE)
    if item.get("none"):
        if answer is None:
            return Outcome(typ, answerable=False, abstained=True)
        return Outcome(typ, answerable=False, abstained=False,
                       problems=(f"answered {_shown(response)}, expected none",))

    problems = []
    hit1 = hit3 = None
    spans = [norm(item[k]) for k in ("passage", "passage_alt") if item.get(k)]
    if spans:
        texts = [norm(rp.passage.text) for rp in response.passages[:3]]
        hit1 = any(s in t for s in spans for t in texts[:1])
        hit3 = any(s in t for s in spans for t in texts)
        if not hit1:
            problems.append(f"passage not first{'' if hit3 else ' nor in top 3'}")
    if answer is None:
        problems.append(f"no answer ({response.reason})" if response.reason else "no answer")

    answer1 = figure1 = figure_for_passage = None
    got = norm(answer.text) if answer is not None else ""
    if "figure" in item:
        figure = norm(item["figure"])
        figure1 = answer is not None and got == figure
        why = _figure_miss(got, figure, answer.kind if answer else None, kind)
        answer1 = answer is not None and why is None
        if answer is None:
            pass  # already said
        elif "type" not in item:  # untyped files: the exact figure, as figure@1 counts it
            if not figure1:
                problems.append(f"figure {got!r}, expected {figure!r}")
        elif why is not None:
            want = f"{item['figure']!r}" + (f" ({kind})" if kind else "")
            problems.append(f"answered {_shown(response)}, expected {want}: {why}")
    elif kind == "passage":
        answer1 = answer is not None and answer.kind == "passage"
        figure_for_passage = answer is not None and answer.kind in FIGURE_KINDS
        if answer is not None and not answer1:
            what = "a figure" if figure_for_passage else "an answer"
            problems.append(f"{what} {_shown(response)} to a passage question")
    return Outcome(typ, answerable=True, hit1=hit1, hit3=hit3, answer1=answer1,
                   figure1=figure1, false_abstention=answer is None,
                   figure_for_passage=figure_for_passage, problems=tuple(problems))


def _figure_miss(got: str, figure: str, got_kind: str | None, kind: str | None) -> str | None:
    """Why an answer (normalized text, kind) does not count for a normalized figure, or None."""
    if got_kind is None:
        return "no answer"
    if "|" in figure:
        missing = [part for part in figure.split("|") if part not in got]
        if missing:
            return f"{'、'.join(missing)} missing"
    elif figure not in got:
        return "the figure is not in it"
    elif len(got) > len(figure) + MAX_EXTRA_CHARS:
        return f"more than {MAX_EXTRA_CHARS} characters longer than the figure"
    if kind and got_kind != kind:
        return f"kind {got_kind}, not {kind}"
    return None


def tally(outcomes: Iterable[Outcome]) -> EvalScores:
    s = EvalScores()
    for o in outcomes:
        s.total += 1
        s.answerable += o.answerable
        s.with_passage += o.hit1 is not None
        s.hits1 += bool(o.hit1)
        s.hits3 += bool(o.hit3)
        s.answer_scored += o.answer1 is not None
        s.answers1 += bool(o.answer1)
        s.with_figure += o.figure1 is not None
        s.figures1 += bool(o.figure1)
        s.unanswerable += not o.answerable
        s.abstained += bool(o.abstained)
        s.false_abstentions += o.false_abstention
        s.passage_items += o.figure_for_passage is not None
        s.figure_for_passage += bool(o.figure_for_passage)
    return s


def evaluate(items: list[dict], ask: Ask, simplify: Callable[[str], str]) -> EvalReport:
    """Ask every item in file order, each in its conversation, and score the responses."""
    outcomes = [
        score(item, ask(item["q"], conversation), simplify)
        for item, conversation in zip(items, conversation_ids(items), strict=True)
    ]
    by_type: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_type.setdefault(o.type, []).append(o)
    return EvalReport(
        **tally(outcomes).model_dump(exclude=set(EvalScores.model_computed_fields)),
        types={typ: tally(group) for typ, group in by_type.items()},
        failures=[f"{_label(item)}: {'; '.join(o.problems)}"
                  for item, o in zip(items, outcomes, strict=True) if o.problems],
    )


def bars_missed(
    report: EvalScores, *, min_hit1: float | None = None, min_hit3: float | None = None,
    min_figure1: float | None = None, min_answer1: float | None = None,
    max_false_abstention: float | None = None, require_abstention: bool = False,
) -> list[str]:
    """The measures that miss their bar (None: no bar). A bar on a measure with nothing to
    measure it on is missed: it cannot be shown to hold."""
    below = [
        name for name, value, floor in (
            ("hit@1", report.hit1, min_hit1), ("hit@3", report.hit3, min_hit3),
            ("figure@1", report.figure1, min_figure1), ("answer@1", report.answer1, min_answer1),
        ) if floor is not None and (value is None or value < floor)
    ]
    if max_false_abstention is not None and (report.false_abstention or 0.0) > max_false_abstention:
        below.append("false abstention")
    if require_abstention and report.abstained < report.unanswerable:
        below.append("abstention")
    return below
