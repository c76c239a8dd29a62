"""The ``ganwen`` command: ask, repl, eval, index and bot, thin over :class:`retrieval.Engine`.

Every error the user can cause (empty question, missing corpus, unreadable file) prints one line
``ganwen: error: …`` and exits 2; nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from retrieval.engine import Engine
    from retrieval.models import Response

EXIT_USAGE = 2
EXIT_BELOW_THRESHOLD = 1


def _engine(args: argparse.Namespace) -> Engine:
    from retrieval.engine import Engine

    return Engine.open(args.corpus)


def _json(response: Response) -> str:
    return json.dumps(response.to_json_dict(), ensure_ascii=False)


def cmd_ask(args: argparse.Namespace) -> int:
    from .terminal import render

    if args.jsonl:
        engine = _engine(args)
        status = 0
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                print(_json(engine.ask(line)), flush=True)
            except ValueError as exc:  # a bad question spoils only its own line
                print(json.dumps({"question": line.rstrip("\n"), "error": str(exc)},
                                 ensure_ascii=False), flush=True)
                status = EXIT_USAGE
        return status
    if not args.question:
        raise UsageError("ask needs a question (or --jsonl to read questions from stdin)")
    question = " ".join(args.question)
    from retrieval.question import validate

    validate(question)  # fail fast, before loading the index
    response = _engine(args).ask(question)
    if args.json:
        print(_json(response))
    else:
        print(render(response, color=sys.stdout.isatty()))
    return 0


def cmd_repl(args: argparse.Namespace) -> int:
    from .repl import run

    return run(_engine(args))


def cmd_eval(args: argparse.Namespace) -> int:
    from retrieval.evaluate import evaluate, read_items

    items = read_items(args.file)
    engine = _engine(args)
    report = evaluate(items, engine.ask, engine.res.simplified)
    for failure in report.failures:
        print(f"  miss {failure}")
    print(f"questions {report.total}: answerable {report.answerable}, "
          f"unanswerable {report.unanswerable}")
    print(f"hit@1 {report.hit1:.3f}  hit@3 {report.hit3:.3f}  figure@1 {report.figure1:.3f}  "
          f"abstained {report.abstained}/{report.unanswerable}")
    below = [
        name for name, value, floor in (
            ("hit@1", report.hit1, args.min_hit1), ("hit@3", report.hit3, args.min_hit3),
            ("figure@1", report.figure1, args.min_figure1),
        ) if floor is not None and value < floor
    ]
    if args.require_abstention and report.abstained < report.unanswerable:
        below.append("abstention")
    if below:
        print(f"below threshold: {', '.join(below)}")
        return EXIT_BELOW_THRESHOLD
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from retrieval.engine import Engine

    engine = Engine.open(args.corpus, rebuild=args.rebuild, add=args.add, check_files=True)
    s = engine.index.stats
    roots = engine.index.manifest["roots"]
    print(f"{' + '.join(roots)}: {s.files} files, {s.articles} articles, {s.passages} passages"
          + (f", {s.replaced_bytes} invalid bytes replaced" if s.replaced_bytes else ""))
    print(f"index: {engine.index.folder}")
    for skipped in s.skipped_files:
        print(f"  skipped {skipped}")
    return 0


def cmd_bot(args: argparse.Namespace) -> int:
    from telegram.error import InvalidToken, NetworkError

    from . import logs, telegram_bot
    from .settings import load_settings

    settings = load_settings()
    token = settings.require_token()
    logs.setup(token)
    engine = _engine(argparse.Namespace(corpus=args.corpus or settings.corpus))
    try:
        telegram_bot.run(settings, engine)
    except InvalidToken:
        raise UsageError("Telegram rejected TELEGRAM_BOT_TOKEN") from None
    except NetworkError as exc:
        where = settings.api_base_url or "the Telegram Bot API"
        raise UsageError(f"cannot reach {where}: {exc}") from None
    return 0


class UsageError(Exception):
    pass


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ganwen", description="赣问: answers from Jiangxi economy news")
    p.add_argument("--corpus", type=Path, help="folder of articles (default: $GANWEN_CORPUS or the bundled seeds)")
    sub = p.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question", nargs="*")
    out = ask.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the response as JSON")
    out.add_argument("--jsonl", action="store_true", help="read questions from stdin, one JSON line each")
    ask.set_defaults(run=cmd_ask)

    sub.add_parser("repl", help="ask questions interactively").set_defaults(run=cmd_repl)

    ev = sub.add_parser("eval", help="measure hit@1, hit@3, figure@1 on a JSONL file")
    ev.add_argument("file", type=Path)
    ev.add_argument("--min-hit1", type=float)
    ev.add_argument("--min-hit3", type=float)
    ev.add_argument("--min-figure1", type=float)
    ev.add_argument("--require-abstention", action="store_true",
                    help="fail unless every unanswerable question is abstained")
    ev.set_defaults(run=cmd_eval)

    idx = sub.add_parser("index", help="build or update the index of the corpus")
    idx.add_argument("--rebuild", action="store_true", help="re-read every file")
    idx.add_argument("--add", type=Path, action="append", default=[], metavar="DIR",
                     help="a folder of further articles to index with the corpus from now on")
    idx.set_defaults(run=cmd_index)
    sub.add_parser("bot", help="run the Telegram bot (settings: .env.example)").set_defaults(
        run=cmd_bot)
    for name in ("ask", "repl", "eval", "index", "bot"):
        sub.choices[name].add_argument("--corpus", type=Path, default=argparse.SUPPRESS,
                                       help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from retrieval.corpus import CorpusError
    from retrieval.evaluate import EvalFileError
    from retrieval.question import QuestionError

    from .settings import SettingsError

    # A line in another encoding (GBK from an old export) must spoil only itself: read and write
    # replacing what cannot be decoded instead of raising mid-stream.
    for stream in (sys.stdin, sys.stdout):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (CorpusError, QuestionError, EvalFileError, SettingsError, UsageError) as exc:
        print(f"ganwen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
