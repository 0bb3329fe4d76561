"""Rewrite every HTML page of a finished build with a text transformation (shared by the
book's post-build extensions)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def rewrite_pages(outdir: Path, transform: Callable[[str], str]) -> int:
    """Apply ``transform`` to every page under ``outdir``; returns how many pages changed."""
    changed = 0
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = transform(text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    return changed
