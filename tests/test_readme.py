"""The README against the code: its quick start is two commands, and CI runs exactly those; every
command and setting its tables list exists, and every command and setting that exists is listed
there (as sqlite-utils' tests/test_docs.py does for its docs)."""

from __future__ import annotations

import argparse
import re

import pytest

from bot.cli import parser
from bot.settings import Settings
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")


def section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def quick_start() -> list[str]:
    block = re.search(r"```bash\n(.*?)```", section("Quick start"), re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def first_column(header: str) -> list[str]:
    """The first cell of every row of the README's tables whose first column is ``header``,
    without its backticks."""
    cells, in_table = [], False
    for line in README.splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        first = line.strip("|").split("|", 1)[0].strip()
        if not in_table:
            in_table, wanted = True, first == header
        elif wanted and not set(first) <= set("-: "):
            cells.append(first.strip("`"))
    return cells


# --- quick start -----------------------------------------------------------------------------

def test_quick_start_is_install_and_ask_then_test():
    install, test = quick_start()
    assert "pip install ." in install and 'ganwen ask "' in install
    assert "pytest" in test


def test_ci_runs_the_quick_start():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in quick_start():
        assert command in ci


# --- commands ----------------------------------------------------------------------------------

def _subparsers() -> argparse._SubParsersAction:
    (action,) = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return action


def subcommands() -> dict[str, argparse.ArgumentParser]:
    """What ``ganwen --help`` lists: the argparse subcommands."""
    return dict(_subparsers().choices)


DOCUMENTED_COMMANDS = first_column("command")


def test_the_readme_has_a_command_table():
    assert len(DOCUMENTED_COMMANDS) >= len(subcommands())


@pytest.mark.parametrize("row", DOCUMENTED_COMMANDS)
def test_documented_command_exists(row):
    program, name, *_ = row.split()
    assert program == "ganwen"
    assert name in subcommands(), f"the README lists `ganwen {name}`, which does not exist"
    options = subcommands()[name]._option_string_actions
    for option in re.findall(r"--[a-z0-9-]+", row):
        assert option in options, f"the README lists `ganwen {name} {option}`"


@pytest.mark.parametrize("name", subcommands())
def test_command_is_documented_and_has_help(name):
    documented = {row.split()[1] for row in DOCUMENTED_COMMANDS}
    assert name in documented, f"`ganwen {name}` is undocumented"
    helps = {a.dest: a.help for a in _subparsers()._choices_actions}
    assert helps.get(name), f"`ganwen {name}` has no line in `ganwen --help`"


def test_every_option_is_documented():
    for name, sub in subcommands().items():
        documented = " ".join(row for row in DOCUMENTED_COMMANDS if row.split()[1] == name)
        for action in sub._actions:
            if action.help == argparse.SUPPRESS:
                continue  # --corpus, documented once for every command
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in documented, f"`ganwen {name} {option}` is undocumented"


# --- Telegram commands ---------------------------------------------------------------------------

def bot_commands() -> set[str]:
    """The commands ``ganwen bot`` answers: its CommandHandlers."""
    from telegram.ext import CommandHandler

    from bot.telegram_bot import build_application

    app = build_application(Settings(token="1:test", _env_file=None), engine=None)
    return {c for handlers in app.handlers.values() for h in handlers
            if isinstance(h, CommandHandler) for c in h.commands}


def test_bot_commands_are_the_documented_ones():
    documented = set(re.findall(r"`/([a-z_]+)", section("The Telegram bot")))
    assert bot_commands() == documented


def test_registered_commands_are_answered():
    from bot.telegram_bot import COMMANDS

    assert {name for name, _ in COMMANDS} <= bot_commands()


# --- settings ----------------------------------------------------------------------------------

DOCUMENTED_SETTINGS = first_column("setting")
EXAMPLE_SETTINGS = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE, re.M)


def bot_settings() -> set[str]:
    """The environment variables bot/settings.py reads: each field's first alias."""
    return {field.validation_alias.choices[0] for field in Settings.model_fields.values()}


def test_the_readme_has_settings_tables():
    assert len(DOCUMENTED_SETTINGS) == len(set(DOCUMENTED_SETTINGS)) >= len(bot_settings())


@pytest.mark.parametrize("name", DOCUMENTED_SETTINGS)
def test_documented_setting_exists(name):
    assert name in EXAMPLE_SETTINGS, f"{name} is missing from .env.example"
    if name not in bot_settings():  # read by the engine itself (GANWEN_CACHE_DIR)
        code = "".join(p.read_text(encoding="utf-8") for p in ROOT.glob("retrieval/*.py"))
        assert f'"{name}"' in code, f"{name} is read neither by bot/settings.py nor the engine"


@pytest.mark.parametrize("name", sorted(set(EXAMPLE_SETTINGS) | bot_settings()))
def test_setting_is_documented(name):
    assert name in DOCUMENTED_SETTINGS, f"{name} is missing from the README's settings tables"
    assert name in EXAMPLE_SETTINGS, f"{name} is missing from .env.example"


def test_the_question_cap_documented_is_the_engines():
    from retrieval.question import MAX_CHARS

    default = Settings.model_fields["max_question_chars"].default
    row = next(line for line in README.splitlines() if "`GANWEN_MAX_QUESTION_CHARS`" in line)
    assert f"| {default} |" in row and f"At most {MAX_CHARS}," in row
    assert f"At most {MAX_CHARS}," in ENV_EXAMPLE
    assert f"GANWEN_MAX_QUESTION_CHARS={default}" in ENV_EXAMPLE
