"""The ``ganwen`` command: ask, repl, eval, index, bot and feedback, thin over :class:`retrieval.Engine`.

Every error the user can cause (empty question, missing corpus, unreadable file) prints one line
``ganwen: error: …`` and exits 2; nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# pydantic looks for plugins among every installed package's entry points on first use (30 ms of
# each `ganwen ask`); ganwen uses none.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

if TYPE_CHECKING:
    from retrieval.engine import Engine
    from retrieval.models import EvalReport, Response

EXIT_USAGE = 2
EXIT_BELOW_THRESHOLD = 1


def _sharding(args: argparse.Namespace) -> dict:
    """``--shards`` and ``--ray`` (or $RAY_ADDRESS, with --shards) as Engine.open takes them."""
    shards, ray = getattr(args, "shards", None), getattr(args, "ray", None)
    if ray and shards is None:
        raise UsageError("--ray needs --shards S: the number of shards the corpus is kept in")
    if shards is not None:
        ray = ray or os.environ.get("RAY_ADDRESS") or None
        if ray:
            try:
                import ray as _  # noqa: F401
            except ImportError:
                raise UsageError('--ray needs Ray: pip install "ganwen[distributed]"') from None
    return {"shards": shards, "ray": ray}


def _engine(args: argparse.Namespace) -> Engine:
    from retrieval.engine import Engine

    return Engine.open(args.corpus, **_sharding(args))


def _json(response: Response) -> str:
    return json.dumps(response.to_json_dict(), ensure_ascii=False)


def cmd_ask(args: argparse.Namespace) -> int:
    from .terminal import render

    if args.jsonl:
        return _ask_lines(_engine(args))
    if not args.question:
        raise UsageError("ask needs a question (or --jsonl to read questions from stdin)")
    question = " ".join(args.question)
    from retrieval.question import validate

    validate(question)  # fail fast, before loading the index
    response = _engine(args).ask(question)
    if args.json:
        print(_json(response))
    else:
        print(render(response, color=sys.stdout.isatty(), more=args.more, verbose=args.verbose))
    return 0


def _line(line: str) -> tuple[str, str | None]:
    """A --jsonl line: a plain question, or {"question": …, "conversation": ID}."""
    if line.lstrip().startswith("{"):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            return line.rstrip("\n"), None  # a question that happens to start with {
        if isinstance(obj, dict) and isinstance(obj.get("question"), str):
            conversation = obj.get("conversation")
            return obj["question"], None if conversation is None else str(conversation)
        raise ValueError('a JSON line needs a "question" string')
    return line.rstrip("\n"), None


def _ask_lines(engine: Engine) -> int:
    """Questions from stdin, one a line, each line one output line (a blank one an error
    object); lines sharing a conversation id are answered in order, each in the context of the
    earlier ones. A bad line spoils only itself."""
    from retrieval.models import Conversation

    contexts: dict[str, Conversation] = {}
    status = 0
    for line in sys.stdin:
        question, conversation = line.rstrip("\n"), None
        try:
            question, conversation = _line(line)
            response = engine.ask(question, context=contexts.get(conversation or ""))
        except ValueError as exc:  # an empty or over-long question, a malformed JSON line
            out = {"question": question, "error": str(exc)}
            status = EXIT_USAGE
        except Exception as exc:  # anything else spoils this line only, never the stream
            out = {"question": question, "error": f"could not be answered ({type(exc).__name__})"}
            status = EXIT_USAGE
        else:
            out = response.to_json_dict()
            if conversation is not None:
                contexts[conversation] = response.context
        if conversation is not None:
            out["conversation"] = conversation
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return status


def cmd_repl(args: argparse.Namespace) -> int:
    from .repl import run

    return run(_engine(args))


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _eval_table(report: EvalReport) -> list[str]:
    """One row per type and one for all: rates, and counts where a count says more."""

    def part(n: int, of: int) -> str:
        return f"{n}/{of}" if of else "–"

    head = ("type", "n", "hit@1", "hit@3", "answer@1", "figure@1", "abstained", "false-abst",
            "fig-for-passage")
    rows = [head] + [
        (name, str(s.total), _rate(s.hit1), _rate(s.hit3), _rate(s.answer1), _rate(s.figure1),
         part(s.abstained, s.unanswerable), part(s.false_abstentions, s.answerable),
         part(s.figure_for_passage, s.passage_items))
        for name, s in [*report.types.items(), ("overall", report)]
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                      for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
            for row in rows]


def cmd_eval(args: argparse.Namespace) -> int:
    from retrieval.evaluate import bars_missed, evaluate, in_conversations, read_items

    items = read_items(args.file)
    engine = _engine(args)
    # The engine keeps no conversation yet: a follow-up is asked on its own.
    report = evaluate(items, in_conversations(engine.ask), engine.res.simplified)
    below = bars_missed(
        report, min_hit1=args.min_hit1, min_hit3=args.min_hit3, min_figure1=args.min_figure1,
        min_answer1=args.min_answer1, max_false_abstention=args.max_false_abstention,
        require_abstention=args.require_abstention)
    if args.json:
        print(json.dumps({**report.model_dump(mode="json"), "below_threshold": below},
                         ensure_ascii=False))
        return EXIT_BELOW_THRESHOLD if below else 0
    for failure in report.failures:
        print(f"  miss {failure}")
    print("\n".join(_eval_table(report)))
    print(f"questions {report.total}: answerable {report.answerable}, "
          f"unanswerable {report.unanswerable}")
    print(f"hit@1 {_rate(report.hit1)}  hit@3 {_rate(report.hit3)}  "
          f"figure@1 {_rate(report.figure1)}  abstained {report.abstained}/{report.unanswerable}")
    if below:
        print(f"below threshold: {', '.join(below)}")
        return EXIT_BELOW_THRESHOLD
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from retrieval.engine import Engine

    engine = Engine.open(args.corpus, rebuild=args.rebuild, add=args.add, check_files=True,
                         verify=args.check or None, **_sharding(args))
    s = engine.index.stats
    roots = engine.index.manifest["roots"]
    print(f"{' + '.join(roots)}: {s.files} files, {s.articles} articles, {s.passages} passages"
          + (f", {s.replaced_bytes} invalid bytes replaced" if s.replaced_bytes else ""))
    print(f"index: {engine.index.folder}")
    for n, shard in enumerate(engine.index.manifest.get("shards", ())):
        print(f"  shard {n}: {shard['passages']} passages, {shard['version']}")
    for skipped in s.skipped_files:
        print(f"  skipped {skipped}")
    return 0


def cmd_bot(args: argparse.Namespace) -> int:
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from . import logs, telegram_bot, webhook
    from .settings import load_settings

    settings = load_settings()
    token = settings.require_token()
    logs.setup(token)
    engine = _engine(argparse.Namespace(corpus=args.corpus or settings.corpus,
                                        **_sharding(args)))
    where = settings.api_base_url or "the Telegram Bot API"

    def line(text: str) -> str:  # an error text may echo a URL (token and all) or hold a page
        return " ".join(logs.scrub(text, token).split())

    try:
        telegram_bot.run(settings, engine)
    except InvalidToken:
        raise UsageError("Telegram rejected TELEGRAM_BOT_TOKEN") from None
    except webhook.WebhookError as exc:
        raise UsageError(line(str(exc))) from None
    except NetworkError as exc:
        raise UsageError(line(f"cannot reach {where}: {exc}")) from None
    except TelegramError as exc:
        raise UsageError(line(f"unexpected answer from {where}: {exc}")) from None
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .http_api import serve
    from .settings import load_settings

    token = load_settings().bearer_token()
    engine = _engine(args)
    print(f"赣问:http://{args.host}:{args.port}/ ({engine.index.stats.passages}个段落;"
          f"接口文档 /docs)", file=sys.stderr, flush=True)
    if engine.ray is not None:
        from .ray_serve import serve_on_ray

        serve_on_ray(engine, args.host, args.port, token=token, cors=args.cors_origin,
                     replicas=max(1, args.workers))
        return 0
    serve(engine, args.host, args.port, token=token, cors=args.cors_origin,
          access_log=args.access_log, workers=args.workers)
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from .feedback import feedback_file, summarise, summary_lines

    summary = summarise(args.file or feedback_file())
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print("\n".join(summary_lines(summary)))
    return 0


class UsageError(Exception):
    pass


def _count(text: str) -> int:
    """A number of things to show: 0 or more."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"not a count: {text!r}")
    return n


def _shards(text: str) -> int:
    n = _count(text)
    if not 1 <= n <= MAX_SHARDS:
        raise argparse.ArgumentTypeError(f"shards must be 1 to {MAX_SHARDS}: {text!r}")
    return n


MAX_SHARDS = 1024


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ganwen", description="赣问: answers from Jiangxi economy news")
    p.add_argument("--corpus", type=Path, help="folder of articles (default: $GANWEN_CORPUS or the bundled seeds)")
    p.add_argument("--shards", type=_shards, metavar="S",
                   help="keep the corpus in S shards, scored as one index")
    p.add_argument("--ray", metavar="ADDRESS",
                   help="build and serve the shards on this Ray cluster (with --shards; default "
                        "$RAY_ADDRESS, else this machine's processes)")
    sub = p.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question", nargs="*")
    out = ask.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the response as JSON")
    out.add_argument("--jsonl", action="store_true", help="read questions from stdin, one JSON line each")
    ask.add_argument("--more", type=_count, default=2, metavar="N",
                     help="show N related passages after the answer (default 2)")
    ask.add_argument("--verbose", action="store_true",
                     help="show each source's file name and each related passage's score")
    ask.set_defaults(run=cmd_ask)

    sub.add_parser("repl", help="ask questions interactively").set_defaults(run=cmd_repl)

    ev = sub.add_parser("eval", help="measure hit@1, hit@3, answer@1, figure@1 and abstention on "
                                     "a JSONL file, per question type")
    ev.add_argument("file", type=Path)
    ev.add_argument("--min-hit1", type=float)
    ev.add_argument("--min-hit3", type=float)
    ev.add_argument("--min-figure1", type=float)
    ev.add_argument("--min-answer1", type=float)
    ev.add_argument("--max-false-abstention", type=float, metavar="RATE",
                    help="fail if more than this share of answerable questions get no answer")
    ev.add_argument("--require-abstention", action="store_true",
                    help="fail unless every unanswerable question is abstained")
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    ev.set_defaults(run=cmd_eval)

    idx = sub.add_parser("index", help="build or update the index of the corpus")
    idx.add_argument("--rebuild", action="store_true", help="re-read every file")
    idx.add_argument("--check", action="store_true",
                     help="compare every index file with its checksum; rebuild if damaged")
    idx.add_argument("--add", type=Path, action="append", default=[], metavar="DIR",
                     help="a folder of further articles to index with the corpus from now on")
    idx.set_defaults(run=cmd_index)
    sub.add_parser("bot", help="run the Telegram bot (settings: .env.example)").set_defaults(
        run=cmd_bot)
    srv = sub.add_parser("serve", help="answer over HTTP: a JSON API and a web page "
                                       "(token: $GANWEN_API_TOKEN)")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    srv.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    srv.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                     help="an origin whose pages may call the API from a browser (repeatable)")
    srv.add_argument("--workers", type=_count, default=1, metavar="N",
                     help="answer in N processes, one per core (default 1)")
    srv.add_argument("--no-access-log", dest="access_log", action="store_false",
                     help="no log line per request")
    srv.set_defaults(run=cmd_serve)
    fb = sub.add_parser("feedback", help="summarise the 👍/👎 the bot's answers got")
    fb.add_argument("--file", type=Path, help="the feedback file (default: feedback.jsonl in "
                                                "the cache folder)")
    fb.add_argument("--json", action="store_true", help="print the summary as JSON")
    fb.set_defaults(run=cmd_feedback)
    for name in ("ask", "repl", "eval", "index", "bot", "serve"):
        sub.choices[name].add_argument("--corpus", type=Path, default=argparse.SUPPRESS,
                                       help=argparse.SUPPRESS)
        sub.choices[name].add_argument("--shards", type=_shards, default=argparse.SUPPRESS,
                                       help=argparse.SUPPRESS)
        sub.choices[name].add_argument("--ray", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return p


# The errors that are the user's to fix, shown as one line: (module, class). A command imports
# only what it needs (the bot's settings cost a warm `ask` 60 ms), and an error can only come from
# a module that was imported, so they are looked up among the loaded ones.
USER_ERRORS = (("retrieval.corpus", "CorpusError"), ("retrieval.question", "QuestionError"),
               ("retrieval.evaluate", "EvalFileError"), ("bot.settings", "SettingsError"),
               ("retrieval.resources", "CacheError"), ("retrieval.sharded", "ClusterError"))


def _user_error(exc: BaseException) -> bool:
    kinds: list[type[BaseException]] = [UsageError]
    kinds += [getattr(sys.modules[m], name) for m, name in USER_ERRORS if m in sys.modules]
    return isinstance(exc, tuple(kinds))


def main(argv: Sequence[str] | None = None) -> int:
    # A line in another encoding (GBK from an old export) must spoil only itself: read and write
    # replacing what cannot be decoded instead of raising mid-stream.
    for stream in (sys.stdin, sys.stdout):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if not _user_error(exc):
            raise
        print(f"ganwen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
