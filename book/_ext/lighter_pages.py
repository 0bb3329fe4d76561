"""Sphinx extension: drop the theme's icon-font script from every page.

pydata-sphinx-theme loads ``fontawesome.js`` (about 1.4 MB, more than half of a page's weight)
on every page, only to swap its icons from the icon font to inline SVG. The theme's stylesheet
already draws the same icons from the font's woff2 files, so the pages look the same without
the script and readers on slow connections download far less. The script tag is removed from
each page after the build, and the file itself is deleted.
"""

from __future__ import annotations

import re
from pathlib import Path

SCRIPT = re.compile(r'\s*<(script|link)\b[^>]*fontawesome\.js[^>]*>(\s*</script>)?')


def strip_icon_script(outdir: Path) -> int:
    """Remove the script from every HTML page; returns how many pages changed."""
    changed = 0
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        lighter = SCRIPT.sub("", text)
        if lighter != text:
            page.write_text(lighter, encoding="utf-8")
            changed += 1
    for leftover in (outdir / "_static" / "scripts").glob("fontawesome.js*"):
        leftover.unlink()
    return changed


def _on_build_finished(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        strip_icon_script(Path(app.outdir))


def setup(app):
    app.connect("build-finished", _on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
