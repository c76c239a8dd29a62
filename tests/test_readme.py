"""The README's quick start is two commands, and CI runs exactly those."""

from __future__ import annotations

import re

from tests.helpers import ROOT


def quick_start() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_quick_start_is_install_and_ask_then_test():
    install, test = quick_start()
    assert "pip install ." in install and 'ganwen ask "' in install
    assert "pytest" in test


def test_ci_runs_the_quick_start():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in quick_start():
        assert command in ci
