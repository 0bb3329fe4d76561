"""A lesson's prose as one string, for the tests that check each number it states against the
data (tests/test_module*_prose.py)."""

from __future__ import annotations

import json
from pathlib import Path

MODULES = Path(__file__).resolve().parent.parent / "modules"


def lesson_prose(module: str, lesson: str) -> str:
    """The markdown of ``modules/<module>/<lesson>``, with line breaks and runs of spaces made
    single spaces (a sentence may break anywhere in the source)."""
    notebook = json.loads((MODULES / module / lesson).read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in notebook["cells"]
                     if c["cell_type"] == "markdown")
    return " ".join(text.split())
