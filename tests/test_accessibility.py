"""Every page of the built book passes axe-core's WCAG 2.1 A and AA rules in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import AXE, chromium, local_only, require_browser, serve

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def content_pages(site: Path) -> list[Path]:
    """Every reader-facing page (not theme fragments, not the redirecting index)."""
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts
                  and 'http-equiv="refresh"' not in p.read_text(encoding="utf-8").lower())


@pytest.fixture(scope="module")
def axe_report(built_book):
    require_browser()
    axe = AXE.read_text(encoding="utf-8")
    report = {}
    with serve(built_book) as base, chromium() as browser:
        page = browser.new_page()
        local_only(page, base, [])
        for path in content_pages(built_book):
            relative = path.relative_to(built_book).as_posix()
            page.goto(f"{base}/{relative}", wait_until="load")
            page.add_script_tag(content=axe)
            result = page.evaluate(
                "async (tags) => await axe.run(document, {runOnly: tags})", WCAG)
            report[relative] = result["violations"]
    return report


def test_every_page_was_checked(axe_report, built_book):
    assert len(axe_report) == len(content_pages(built_book)) >= 10


def test_no_wcag_violations(axe_report):
    problems = [f"{page}: {v['id']} ({v['impact']}) x{len(v['nodes'])}: {v['help']} "
                f"at {v['nodes'][0]['target']}"
                for page, violations in axe_report.items() for v in violations]
    assert not problems, "\n".join(problems)


def test_pages_declare_english(built_book):
    for path in content_pages(built_book):
        assert '<html lang="en"' in path.read_text(encoding="utf-8"), path.name
