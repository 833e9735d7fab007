"""The README only says what is true: every command and option its command-line summary
names exists on the real command line."""

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from recoup.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"
WORD = re.compile(r"^[a-z][a-z-]*(\|[a-z][a-z-]*)*$")


def _summary_commands() -> list[str]:
    """The commands of the README's "The command line" block, continuation lines joined."""
    text = README.read_text()
    block = text.split("## The command line", 1)[1].split("```", 2)[1]
    commands: list[str] = []
    for raw in block.splitlines():
        line = raw.split(" # ", 1)[0].rstrip()
        if not line.strip() or line.strip().startswith("#"):
            continue
        if raw.startswith((" ", "\t")):
            commands[-1] += " " + line.strip()
            continue
        commands.extend("recoup " + part.strip() for part in re.split(r"\brecoup ", line) if part)
    return commands


def _alternatives(command: str) -> list[str]:
    """``a x | b y [--p | --q]`` -> ``["a x", "b y [--p | --q]"]`` (bars inside brackets
    stay)."""
    parts, depth, current = [], 0, ""
    for char in command:
        depth += char == "["
        depth -= char == "]"
        if char == "|" and depth == 0 and current.endswith(" "):
            parts.append(current.strip())
            current = ""
            continue
        current += char
    parts.append(current.strip())
    return parts


def _paths(words: list[str]) -> list[list[str]]:
    paths: list[list[str]] = [[]]
    for word in words:
        paths = [[*path, choice] for path in paths for choice in word.split("|")]
    return paths


def _find(root: Any, path: list[str]) -> Any:
    command = root
    for name in path:
        subcommands = getattr(command, "commands", None)
        assert subcommands is not None, f"{command.name} has no subcommands"
        found = subcommands.get(name)
        assert found is not None, f"`recoup {' '.join(path)}`: no command {name!r}"
        command = found
    return command


def _checks() -> list[tuple[list[str], list[str]]]:
    """(command path, options named) for every command the summary names."""
    checks = []
    for command in _summary_commands():
        parent: list[str] = []
        for index, alternative in enumerate(_alternatives(command.removeprefix("recoup "))):
            tokens = alternative.split()
            words = []
            for token in tokens:
                if not WORD.match(token):
                    break
                words.append(token)
            options = re.findall(r"(--[a-z][a-z-]*)", alternative)
            for path in _paths(words):
                full = path if index == 0 else parent + path
                checks.append((full, options))
            if index == 0:
                parent = _paths(words)[0][:-1]
    return checks


@pytest.mark.parametrize(("path", "options"), _checks(), ids=lambda v: " ".join(v))
def test_every_command_and_option_in_the_readme_exists(path: list[str], options: list[str]) -> None:
    command = _find(typer.main.get_command(app), path)
    known = {name for param in command.params for name in getattr(param, "opts", [])}
    missing = [option for option in options if option not in known]
    assert not missing, f"`recoup {' '.join(path)}` has no {', '.join(missing)}"


def test_the_summary_is_read_at_all() -> None:
    paths = [" ".join(path) for path, _ in _checks()]
    assert "org bank add" in paths
    assert "charges rates import" in paths
    assert "import credit-notes" in paths
    assert len(paths) > 50
