"""Sphinx extension: mend the theme's accessibility faults in the built pages.

axe-core (WCAG 2.1 A and AA rules) finds three faults that come from the theme and docutils,
not from our content; each is fixed in the HTML after the build:

* the sidebar's expand toggles (``<summary>``) have no accessible name: each gets one naming
  the chapter it opens;
* the search button's accessible name ("Search") does not contain its visible text
  ("Search Ctrl+K"): the ``aria-label`` is removed, so the name is the visible text;
* bibliography entries use the deprecated ARIA role ``doc-biblioentry`` inside a list: they
  become list items.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from page_rewrite import rewrite_pages

TOGGLE = re.compile(
    r'(<a class="[^"]*reference internal[^"]*"[^>]*>(?P<title>[^<]+)</a><details[^>]*>)<summary>')
SEARCH_LABEL = re.compile(r'(<button class="[^"]*search-button-field[^"]*"[^>]*?) '
                          r'aria-label="Search"')


def mend(text: str) -> str:
    def toggle(match: re.Match) -> str:
        title = html.unescape(match.group("title")).strip()
        label = html.escape(f"Show or hide the sections of {title}", quote=True)
        return f'{match.group(1)}<summary aria-label="{label}">'

    text = TOGGLE.sub(toggle, text)
    text = SEARCH_LABEL.sub(r"\1", text)
    return text.replace('role="doc-biblioentry"', 'role="listitem"')


def _on_build_finished(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        rewrite_pages(Path(app.outdir), mend)


def setup(app):
    app.connect("build-finished", _on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
