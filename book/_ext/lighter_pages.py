"""Sphinx extension: drop from every page what the book does not use.

A default page of this book weighed about 1 MB, nearly all of it files every page shares. After
the build, this extension cuts what the pages do not use, so readers on slow or metered
connections download less than a third as much (median page about 290 KB), and the pages look
and work the same (compared screenshot by screenshot, in both colour modes):

* ``fontawesome.js`` (about 1.4 MB) only swaps the icons from the icon font to inline SVG; the
  theme's stylesheet already draws the same icons from the font. The script goes.
* The theme's stylesheets (390 KB for pydata-sphinx-theme's alone: all of Bootstrap and about
  2,000 icons) lose every rule that nothing on the site can match (see ``css_purge``). Their
  source maps, which no longer describe them, go too.
* The icon fonts keep only the glyphs the remaining rules draw (fontTools' subsetter), as WOFF,
  which needs no Brotli module: 27 KB for the three instead of 290 KB of WOFF2, and 700 KB of
  TrueType copies no current browser fetches.
* pydata-sphinx-theme loads the search index (and Sphinx's search code) on every page, for a
  search-as-you-type box the book does not turn on; the search page keeps them.
* A script that works on something a page does not show is not loaded there: the copy button
  on pages without code, the toggle button without toggles, sphinx-design's tabs without tabs.
* The book does not run code in the page (Thebe is off), yet sphinx-thebe declares its settings
  twice on every page, a script error in the browser, and names a third-party URL: its tags go.
* The theme starts in light mode when the reader has not chosen one, instead of logging an
  error about an empty mode.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import tinycss2
from bs4 import BeautifulSoup
from css_purge import ascii_css, content_strings, purge, words_in
from fontTools import subset
from fontTools.ttLib import TTFont
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
SEARCH_PAGE = "DOCUMENTATION_OPTIONS.pagename = 'search';"
SEARCH_SCRIPTS = re.compile(
    r'\s*<script src="[^"]*(_static/searchtools\.js|_static/language_data\.js|searchindex\.js)'
    r'[^"]*"></script>')
TOGGLE_SELECTOR = re.compile(r"var togglebuttonSelector = '([^']*)';")
COPY_SELECTOR = re.compile(r"const COPYBUTTON_SELECTOR = '([^']*)';")


def _tag(name: str) -> re.Pattern:
    """A script or stylesheet tag loading ``_static/name``."""
    return re.compile(rf'\s*<(script|link)\b[^>]*["/]_static/{re.escape(name)}[?"][^>]*>'
                      r'(\s*</script>)?')


def _inline(pattern: str) -> re.Pattern:
    return re.compile(rf"\s*<script>{pattern}</script>")


# The files and settings of each feature that works on part of a page's content.
FEATURES = {
    "copy button": [_tag("clipboard.min.js"), _tag("copybutton.js"), _tag("copybutton.css")],
    "toggle button": [_tag("togglebutton.js"), _tag("togglebutton.css"),
                      _inline(r"let toggleHint(Show|Hide) = '[^']*';"),
                      _inline(r"let toggleOpenOnPrint = '[^']*';"),
                      _inline(r"var togglebuttonSelector = '[^']*';")],
    "tabs": [_tag("design-tabs.js")],
}


def feature_selectors(outdir: Path, text: str) -> dict[str, str | None]:
    """What each feature works on, as the extensions configured it (None: not known)."""
    copy = outdir / "_static" / "copybutton.js"
    copy_selector = COPY_SELECTOR.search(copy.read_text(encoding="utf-8")) \
        if copy.is_file() else None
    toggle_selector = TOGGLE_SELECTOR.search(text)
    return {"copy button": copy_selector.group(1) if copy_selector else None,
            "toggle button": toggle_selector.group(1) if toggle_selector else None,
            "tabs": ".sd-tab-set"}


def drop_unused_features(text: str, selectors: dict[str, str | None]) -> str:
    """Remove each feature whose selector matches nothing on the page (kept when unknown)."""
    soup = None
    for feature, patterns in FEATURES.items():
        selector = selectors.get(feature)
        if selector is None:
            continue
        if soup is None:
            soup = BeautifulSoup(text, "html.parser")
        if soup.select_one(selector) is None:
            for pattern in patterns:
                text = pattern.sub("", text)
    return text


def lighten(text: str, selectors: dict[str, str | None] | None = None) -> str:
    """One page without what it does not use (``selectors``: see ``feature_selectors``)."""
    for pattern in UNUSED:
        text = pattern.sub("", text)
    if SEARCH_PAGE not in text:
        text = SEARCH_SCRIPTS.sub("", text)
    if selectors is not None:
        text = drop_unused_features(text, selectors)
    return text.replace(EMPTY_MODE, LIGHT_MODE)


class _Assets(HTMLParser):
    """The local scripts and stylesheets a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        elif tag == "link" and attrs.get("rel") == "stylesheet" and attrs.get("href"):
            self.stylesheets.append(attrs["href"])


def _local(base: Path, url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme or url.startswith("//"):
        return None
    path = (base.parent / unquote(parts.path)).resolve()
    return path if path.is_file() else None


def _imports(css: Path) -> list[Path]:
    """The stylesheets ``css`` pulls in with @import (theme.css imports basic.css)."""
    found = []
    for rule in tinycss2.parse_stylesheet(css.read_text(encoding="utf-8"), skip_comments=True):
        if rule.type == "at-rule" and rule.lower_at_keyword == "import":
            for token in rule.prelude:
                url = (token.value if token.type in ("string", "url") else
                       token.arguments[0].value if token.type == "function"
                       and token.lower_name == "url" and token.arguments else None)
                if url and (path := _local(css, url)):
                    found.append(path)
    return found


def _site_assets(outdir: Path) -> tuple[set[Path], set[Path]]:
    scripts: set[Path] = set()
    stylesheets: set[Path] = set()
    for page in outdir.rglob("*.html"):
        parser = _Assets()
        parser.feed(page.read_text(encoding="utf-8"))
        scripts |= {p for url in parser.scripts if (p := _local(page, url))}
        stylesheets |= {p for url in parser.stylesheets if (p := _local(page, url))}
    pending = list(stylesheets)
    while pending:
        for imported in _imports(pending.pop()):
            if imported not in stylesheets:
                stylesheets.add(imported)
                pending.append(imported)
    return scripts, stylesheets


def purge_stylesheets(outdir: Path) -> set[Path]:
    """Purge every stylesheet the pages load of rules nothing on the site can match."""
    scripts, stylesheets = _site_assets(outdir)
    words = words_in(p.read_text(encoding="utf-8", errors="ignore")
                     for p in [*outdir.rglob("*.html"), *scripts])
    for css in stylesheets:
        css.write_text(purge(css.read_text(encoding="utf-8"), words), encoding="utf-8")
        css.with_name(css.name + ".map").unlink(missing_ok=True)
    return stylesheets


def _declarations(rule) -> list:
    return [d for d in tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True,
                                                      skip_comments=True)
            if d.type == "declaration"]


def _urls(tokens) -> list[str]:
    urls = []
    for token in tokens:
        if token.type == "url":
            urls.append(token.value)
        elif token.type == "function" and token.lower_name == "url" and token.arguments:
            urls.extend(t.value for t in token.arguments if t.type == "string")
    return urls


def subset_icon_fonts(css: Path, glyphs: str) -> list[Path]:
    """Rewrite the icon fonts of ``css`` to the glyphs in ``glyphs``; returns the fonts written.

    Each Font Awesome @font-face gets one WOFF source, subset from its TrueType file; the
    original WOFF2 and TrueType files are deleted. Other fonts are left alone.
    """
    text = css.read_text(encoding="utf-8")
    rules = tinycss2.parse_stylesheet(text, skip_comments=False)
    written, replaced, out = [], set(), []
    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword == "font-face":
            declarations = _declarations(rule)
            family = next((tinycss2.serialize(d.value) for d in declarations
                           if d.lower_name == "font-family"), "")
            src = next((d for d in declarations if d.lower_name == "src"), None)
            sources = {url: _local(css, url) for url in _urls(src.value)} if src else {}
            ttf = next(((url, path) for url, path in sources.items()
                        if path and path.suffix == ".ttf"), None)
            if "awesome" in family.lower() and ttf:
                url, path = ttf
                font = TTFont(path)
                options = subset.Options()
                options.flavor = "woff"
                subsetter = subset.Subsetter(options)
                subsetter.populate(text=glyphs)
                subsetter.subset(font)
                woff = path.with_suffix(".woff")
                font.save(woff)
                written.append(woff)
                replaced |= {p for p in sources.values() if p and p != woff}
                new_url = url.rsplit("/", 1)[0] + "/" + woff.name if "/" in url else woff.name
                body = ";".join(
                    f"src:url({new_url}) format(\"woff\")" if d is src else
                    f"{d.name}:{tinycss2.serialize(d.value).strip()}"
                    f"{' !important' if d.important else ''}" for d in declarations)
                out.append(ascii_css(f"@font-face{{{body}}}"))
                continue
        serialized = tinycss2.serialize([rule])
        out.append(serialized if rule.type == "comment" else ascii_css(serialized))
    if written:
        css.write_text("".join(out), encoding="utf-8")
    for path in replaced:
        path.unlink(missing_ok=True)
    return written


def lighten_pages(outdir: Path) -> int:
    """Lighten every HTML page and the files they share; returns pages changed."""
    changed = rewrite_pages(outdir, lambda text: lighten(text, feature_selectors(outdir, text)))
    for leftover in [*(outdir / "_static" / "scripts").glob("fontawesome.js*"),
                     *(outdir / "_static").glob("sphinx-thebe.*")]:
        leftover.unlink()
    stylesheets = purge_stylesheets(outdir)
    glyphs = "".join(content_strings(css.read_text(encoding="utf-8")) for css in stylesheets)
    for css in stylesheets:
        subset_icon_fonts(css, glyphs)
    return changed


def _on_build_finished(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        lighten_pages(Path(app.outdir))


def setup(app):
    # After the theme's and myst-nb's own build-finished handlers, which write pygments.css and
    # myst-nb's stylesheet: they are purged as written.
    app.connect("build-finished", _on_build_finished, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
