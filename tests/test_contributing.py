"""The authoring guides name only commands, make targets and files that exist."""

from __future__ import annotations

import re

import pytest

from autograder.cli import build_parser

GUIDES = ["CONTRIBUTING.md", "README.md", "book/instructors-guide.md"]
PLACEHOLDERS = ("NN", "NAME", "...", "<", "ORGANISATION")


def _code(text: str) -> str:
    """The guide's code: fenced blocks and inline code spans, where commands are written."""
    blocks = re.findall(r"```.*?```", text, flags=re.S)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return "\n".join(blocks + spans)


def _subcommands() -> set[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return set(action.choices)


@pytest.mark.parametrize("guide", GUIDES)
def test_every_autograder_subcommand_named_exists(root, guide):
    code = _code((root / guide).read_text(encoding="utf-8"))
    named = set(re.findall(r"(?:^|[\s/])autograder ([a-z][a-z-]*)", code, flags=re.M))
    assert named, f"{guide} names no autograder command"
    assert not named - _subcommands(), f"{guide} names commands autograder does not have"


def test_every_make_target_and_file_in_contributing_exists(root):
    code = _code((root / "CONTRIBUTING.md").read_text(encoding="utf-8"))
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z]+):", makefile, flags=re.M))
    named = set(re.findall(r"\bmake ([a-z]+)", code))
    assert named and not named - targets, f"make targets that do not exist: {named - targets}"
    paths = {p for p in re.findall(r"[\w.-]+(?:/[\w.-]+)+\.(?:py|md|yml|json|ipynb|txt|toml|bib)",
                                   code) if not any(m in p for m in PLACEHOLDERS)}
    paths -= {p for p in paths if p.startswith(".venv/")}
    assert len(paths) > 10
    missing = sorted(p for p in paths if not (root / p).exists())
    assert not missing, f"CONTRIBUTING.md names files that do not exist: {missing}"
