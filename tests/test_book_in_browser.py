"""The built book works in a real browser (Debian Chromium), with third parties blocked."""

from __future__ import annotations

import json
from urllib.parse import urljoin

import pytest
from browser_support import chromium, local_only, require_browser, serve
from test_accessibility import content_pages
from test_book import toc_files

# A term from each module that its pages use and the search must find.
SEARCH_TERMS = {"modules/01-data-analytics/": "completion rate",
                "modules/02-agile-delivery/": "cycle time"}


@pytest.fixture(scope="module")
def site(built_book):
    require_browser()
    with serve(built_book) as base, chromium() as browser:
        refused: list[str] = []
        page = browser.new_page()
        local_only(page, base, refused)
        yield {"base": base, "page": page, "refused": refused, "root": built_book}


def test_pages_load_without_console_errors_or_third_party_requests(site):
    page, errors = site["page"], []
    page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if m.type == "error"
            else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    for path in content_pages(site["root"]):
        relative = path.relative_to(site["root"]).as_posix()
        page.goto(f"{site['base']}/{relative}", wait_until="load")
        page.wait_for_timeout(150)
        assert not errors, f"{relative}: {errors}"
    assert not site["refused"], f"requests to third parties: {sorted(set(site['refused']))}"


def _page_of(url: str, base: str) -> str:
    return url.removeprefix(base + "/").split("#")[0].removesuffix(".html")


def test_sidebar_and_next_links_reach_every_chapter(site, root):
    page, base = site["page"], site["base"]
    chapters = toc_files(root)
    page.goto(f"{base}/book/welcome.html")
    sidebar = {_page_of(urljoin(page.url, href), base) for href in page.eval_on_selector_all(
        "nav.bd-docs-nav a.reference.internal", "links => links.map(a => a.getAttribute('href'))")}
    assert set(chapters[1:]) <= sidebar, f"not in the sidebar: {set(chapters[1:]) - sidebar}"
    visited = [_page_of(page.url, base)]
    while (following := page.query_selector("a.right-next")) is not None:
        following.click()
        page.wait_for_load_state("load")
        visited.append(_page_of(page.url, base))
        assert len(visited) <= len(chapters) + 5, "the next links go round in circles"
    assert visited == chapters, "next links should walk the table of contents in order"


@pytest.mark.parametrize(("module", "term"), SEARCH_TERMS.items())
def test_search_finds_a_term_from_each_module(site, module, term):
    page, base = site["page"], site["base"]
    page.goto(f"{base}/search.html?q={term.replace(' ', '+')}")
    page.wait_for_selector("#search-results li a", timeout=15_000)
    hits = page.eval_on_selector_all("#search-results li a",
                                     "links => links.map(a => a.href)")
    assert any(module in hit for hit in hits), hits


def test_notebook_downloads_work(site, root):
    page, base = site["page"], site["base"]
    notebooks = [c for c in toc_files(root) if (root / f"{c}.ipynb").is_file()]
    for chapter in notebooks:
        page.goto(f"{base}/{chapter}.html")
        href = page.get_attribute("a.btn-download-source-button", "href")
        assert href and href.endswith(".ipynb"), chapter
        response = page.request.get(urljoin(page.url, href))
        assert response.ok, chapter
        notebook = json.loads(response.body())
        assert notebook["cells"] and notebook["nbformat"] == 4
