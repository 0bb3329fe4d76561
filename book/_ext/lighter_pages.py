"""Sphinx extension: drop from every page what the book does not use.

pydata-sphinx-theme loads ``fontawesome.js`` (about 1.4 MB, more than half of a page's weight)
on every page, only to swap its icons from the icon font to inline SVG. The theme's stylesheet
already draws the same icons from the font's woff2 files, so the pages look the same without
the script and readers on slow connections download far less.

The book does not run code in the page (Thebe is off), yet sphinx-thebe still declares its
settings twice on every page, a script error in the browser, and names a third-party URL: its
tags go too. Finally the theme starts in light mode when the reader has not chosen one, instead
of logging an error about an empty mode.

All of this is done to the HTML after the build; the unused files are deleted.
"""

from __future__ import annotations

import re
from pathlib import Path

from page_rewrite import rewrite_pages

UNUSED = [
    re.compile(r'\s*<(script|link)\b[^>]*fontawesome\.js[^>]*>(\s*</script>)?'),
    re.compile(r'\s*<script>const THEBE_JS_URL[^<]*</script>'),
    re.compile(r'\s*<script\b[^>]*sphinx-thebe\.js[^>]*>\s*</script>'),
    re.compile(r'\s*<link\b[^>]*sphinx-thebe\.css[^>]*>'),
    re.compile(r'\s*<script type="text/x-thebe-config">.*?</script>', re.S),
]
EMPTY_MODE = 'localStorage.getItem("mode") || ""'
LIGHT_MODE = 'localStorage.getItem("mode") || "light"'


def lighten(text: str) -> str:
    for pattern in UNUSED:
        text = pattern.sub("", text)
    return text.replace(EMPTY_MODE, LIGHT_MODE)


def lighten_pages(outdir: Path) -> int:
    """Lighten every HTML page and delete the unused files; returns pages changed."""
    changed = rewrite_pages(outdir, lighten)
    for leftover in [*(outdir / "_static" / "scripts").glob("fontawesome.js*"),
                     *(outdir / "_static").glob("sphinx-thebe.*")]:
        leftover.unlink()
    return changed


def _on_build_finished(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        lighten_pages(Path(app.outdir))


def setup(app):
    app.connect("build-finished", _on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
