"""The built pages stay light: a median page of at most 500 KB and none over 1.2 MB, weighed as
``scripts/benchmark_pages.py`` weighs them; and what lighter_pages cuts leaves every page whole
(its files there, its icons drawn, search on the search page)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
import tinycss2
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("benchmark_pages",
                                               ROOT / "scripts" / "benchmark_pages.py")
benchmark = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(benchmark)

sys.path.insert(0, str(ROOT / "book" / "_ext"))
try:
    import css_purge
    import lighter_pages
finally:
    sys.path.pop(0)

KB = benchmark.KB


@pytest.fixture(scope="module")
def weights(built_book) -> dict[str, int]:
    return {p.relative_to(built_book).as_posix(): benchmark.page_weight(p)[0]
            for p in benchmark.pages(built_book)}


def test_the_median_page_weighs_at_most_500_kb(weights):
    assert len(weights) >= 10
    median = benchmark.median_weight(weights)
    assert median <= benchmark.MEDIAN_BUDGET == 500 * KB, (
        f"median page {median / KB:,.0f} KB; heaviest first: "
        f"{sorted(weights.items(), key=lambda kv: -kv[1])[:5]}")


def test_no_page_weighs_1_2_mb(weights):
    over = {page: f"{w / KB:,.0f} KB" for page, w in weights.items()
            if w > benchmark.PAGE_BUDGET}
    assert not over, f"pages over 1.2 MB: {over}"


def _local_references(site: Path) -> dict[Path, set[Path]]:
    """Every local file each page and stylesheet refers to, existing or not."""
    refs: dict[Path, set[Path]] = {}
    for page in benchmark.pages(site):
        parser = benchmark._Assets()
        parser.feed(page.read_text(encoding="utf-8"))
        refs[page] = {benchmark._resolve(page, url) for url in parser.local}
    for css in site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
        urls += re.findall(r"@import\s+['\"]([^'\"]+)", text)
        refs[css] = {benchmark._resolve(css, u) for u in urls
                     if not u.startswith("data:") and ":" not in u.split("/")[0]}
    return refs


def test_every_file_a_page_or_stylesheet_loads_is_there(built_book):
    missing = {str(src.relative_to(built_book)): sorted(str(p) for p in paths if not p.is_file())
               for src, paths in _local_references(built_book).items()}
    missing = {k: v for k, v in missing.items() if v}
    assert not missing, f"references to files the build deleted or never wrote: {missing}"


def test_only_the_search_page_loads_the_search_index(built_book):
    for page in benchmark.pages(built_book):
        text = page.read_text(encoding="utf-8")
        loads = bool(re.search(r'<script src="[^"]*searchindex\.js', text))
        if page.name == "search.html" and page.parent == built_book:
            assert loads and "searchtools.js" in text, "the search page lost its index"
        else:
            assert not loads and "searchtools.js" not in text, page.name


def _icon_faces(css_text: str, css: Path) -> dict[tuple[str, str], set[int]]:
    """(font family, weight) of each @font-face to the code points its font file holds."""
    faces = {}
    for rule in tinycss2.parse_stylesheet(css_text, skip_comments=True):
        if rule.type != "at-rule" or rule.lower_at_keyword != "font-face":
            continue
        declarations = {d.lower_name: d for d in tinycss2.parse_blocks_contents(
            rule.content, skip_whitespace=True, skip_comments=True) if d.type == "declaration"}
        family = tinycss2.serialize(declarations["font-family"].value).strip()
        weight = tinycss2.serialize(declarations["font-weight"].value).strip()
        first = lighter_pages._urls(declarations["src"].value)[0]
        faces[(family, weight)] = set(TTFont(benchmark._resolve(css, first)).getBestCmap())
    return faces


def test_every_icon_on_a_page_is_in_the_icon_font_it_is_drawn_with(built_book):
    css_path = built_book / "_static" / "styles" / "pydata-sphinx-theme.css"
    css = css_path.read_text(encoding="utf-8")
    faces = _icon_faces(css, css_path)
    brands = [k for k in faces if "Brands" in k[0]]
    free = {w: k for k, w in ((k, k[1]) for k in faces if "Free" in k[0])}
    used: dict[str, set[str]] = {}
    for page in benchmark.pages(built_book):
        for classes in re.findall(r'class="([^"]*\bfa-[^"]*)"', page.read_text(encoding="utf-8")):
            names = set(classes.split())
            for name in names:
                used.setdefault(name, set()).update(names)
    problems = []
    for name, together in sorted(used.items()):
        rule = re.search(rf'\.{re.escape(name)}:{{1,2}}before\{{content:"([^"]*)"', css)
        if not rule:
            continue  # a modifier (fa-lg, fa-solid): test_book checks each icon has a rule
        glyph = tinycss2.parse_component_value_list(f'"{rule.group(1)}"')[0].value
        if together & {"fa-brands", "fab"}:
            face = brands[0] if brands else None
        else:
            face = free.get("400" if together & {"fa-regular", "far"} else "900")
        if face is None or ord(glyph) not in faces[face]:
            problems.append(f"{name} (U+{ord(glyph):04X}) not in {face}")
    assert not problems, problems


# The purge's decisions, on small stylesheets.

def test_purge_keeps_what_pages_use_and_drops_the_rest():
    css = (".used{a:1}.unused{b:2}.used .unused{c:3}div.used>p{d:4}#main{e:5}#gone{f:6}"
           ".used,.unused{g:7}")
    out = css_purge.purge(css, css_purge.words_in(['<div id="main" class="used"><p>']))
    assert out.splitlines() == [".used{a:1}", "div.used>p{d:4}", "#main{e:5}", ".used{g:7}"]


def test_purge_ignores_states_attributes_and_what_it_cannot_read():
    words = css_purge.words_in(['<html><a class="x">'])
    kept = [".x:hover{a:1}", ".x::before{a:2}", "a:not(.absent){a:3}",
            "html[data-theme=dark] .x{a:4}", ".x:has(.absent){a:5}", ":root{--v:1}",
            "*{a:6}", ".bs-tooltip-auto .tooltip-arrow{a:7}", r".md\:flex{a:8}"]
    assert css_purge.purge("".join(kept), words).splitlines() == kept
    assert css_purge.purge(".absent:hover{a:1}.absent::before{a:2}", words).strip() == ""


def test_purge_recurses_into_media_and_keeps_licences_and_other_at_rules():
    css = ('@charset "UTF-8";/*! licence */\n/* a note */@media (min-width:1px){.x{a:1}.y{b:2}}'
           "@media print{.y{c:3}}@font-face{font-family:F;src:url(f.woff)}"
           "@keyframes spin{to{transform:rotate(1turn)}}.x{color:red/* why */}")
    out = css_purge.purge(css, {"x"})
    assert out.splitlines() == [
        '@charset "UTF-8";', "/*! licence */", "@media (min-width:1px){.x{a:1}}",
        "@font-face{font-family:F;src:url(f.woff)}",
        "@keyframes spin{to{transform:rotate(1turn)}}", ".x{color:red}"]


def test_purge_writes_icon_code_points_as_escapes():
    out = css_purge.purge('.fa-x:before{content:"\\f019"}', {"fa-x"})
    assert out.strip() == '.fa-x:before{content:"\\f019 "}'
    assert css_purge.content_strings(out) == "\uf019"


# Scripts a page does not need.

PAGE = """<head>
<script src="_static/searchtools.js"></script>
<script src="_static/language_data.js"></script>
<script src="searchindex.js"></script>
<script src="_static/clipboard.min.js?v=1"></script>
<script src="_static/copybutton.js?v=2"></script>
<link rel="stylesheet" type="text/css" href="_static/copybutton.css?v=3" />
<script>let toggleHintShow = 'Click to show';</script>
<script src="_static/togglebutton.js?v=4"></script>
<script>var togglebuttonSelector = '.toggle, .admonition.dropdown';</script>
<script data-sd-tabs-storage-prefix="x-" src="_static/design-tabs.js?v=5"></script>
</head><body>BODY</body>"""
SELECTORS = {"copy button": "div.highlight pre", "toggle button": ".toggle, .admonition.dropdown",
             "tabs": ".sd-tab-set"}


def test_a_page_without_code_toggles_or_tabs_loads_none_of_their_scripts():
    out = lighter_pages.lighten(PAGE.replace("BODY", "<p>Text</p>"), SELECTORS)
    assert "<script" not in out and "<link" not in out, out


def test_a_page_keeps_the_scripts_of_what_it_shows():
    body = ('<div class="highlight"><pre>x = 1</pre></div>'
            '<div class="admonition dropdown"><p>Answer</p></div>')
    out = lighter_pages.lighten(PAGE.replace("BODY", body), SELECTORS)
    for kept in ("copybutton.js", "clipboard.min.js", "copybutton.css", "togglebutton.js",
                 "toggleHintShow", "togglebuttonSelector"):
        assert kept in out
    assert "design-tabs.js" not in out and "searchindex.js" not in out


def test_the_search_page_keeps_the_search_index():
    page = PAGE.replace("<head>", "<head><script>DOCUMENTATION_OPTIONS.pagename = 'search';"
                                  "</script>")
    out = lighter_pages.lighten(page, SELECTORS)
    assert "searchtools.js" in out and "searchindex.js" in out and "language_data.js" in out


def test_an_unknown_selector_keeps_the_feature():
    out = lighter_pages.lighten(PAGE.replace("BODY", ""), {})
    assert "copybutton.js" in out and "togglebutton.js" in out and "design-tabs.js" in out
