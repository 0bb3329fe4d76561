"""Every page of the built book passes axe-core's WCAG 2.1 A and AA rules in Chromium, in the
theme's light mode and in its dark mode; figures stay legible in dark mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import AXE, chromium, local_only, require_browser, serve

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MODES = ["light", "dark"]

# What a page reports once the theme has set its mode: pydata-sphinx-theme's setTheme() writes
# the mode and the theme it resolves to on <html>, and marks its dropdown menus dark.
THEME_STATE = """() => ({
    mode: document.documentElement.dataset.mode,
    theme: document.documentElement.dataset.theme,
    lightMenus: [...document.querySelectorAll('.dropdown-menu')]
        .filter(m => !m.classList.contains('dropdown-menu-dark')).length,
})"""
# The background each figure in the page's content is drawn on.
FIGURES = """() => [...document.querySelectorAll('.bd-content img')].map(img => ({
    src: img.getAttribute('src'), background: getComputedStyle(img).backgroundColor}))"""


def content_pages(site: Path) -> list[Path]:
    """Every reader-facing page (not theme fragments, not the redirecting index)."""
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts
                  and 'http-equiv="refresh"' not in p.read_text(encoding="utf-8").lower())


def _choose_mode(page, base: str, mode: str) -> None:
    """Pick ``mode`` as a reader does: the theme's switch button, which cycles auto, dark and
    light and keeps the choice in localStorage for every later page."""
    page.goto(f"{base}/book/welcome.html", wait_until="load")
    for _ in range(3):
        if page.evaluate("localStorage.getItem('mode')") == mode:
            return
        page.locator(".theme-switch-button:visible").first.click()
    assert page.evaluate("localStorage.getItem('mode')") == mode, f"could not choose {mode}"


@pytest.fixture(scope="module")
def axe_report(built_book):
    """For each mode and page: axe's violations, the theme's state and the figures."""
    require_browser()
    axe = AXE.read_text(encoding="utf-8")
    report = {mode: {} for mode in MODES}
    with serve(built_book) as base, chromium() as browser:
        for mode in MODES:
            context = browser.new_context()
            page = context.new_page()
            local_only(page, base, [])
            if mode != "light":  # light: a first visit, with no choice stored
                _choose_mode(page, base, mode)
            for path in content_pages(built_book):
                relative = path.relative_to(built_book).as_posix()
                page.goto(f"{base}/{relative}", wait_until="load")
                state = page.evaluate(THEME_STATE)
                figures = page.evaluate(FIGURES)
                page.add_script_tag(content=axe)
                result = page.evaluate(
                    "async (tags) => await axe.run(document, {runOnly: tags})", WCAG)
                report[mode][relative] = {"violations": result["violations"], "state": state,
                                          "figures": figures}
            context.close()
    return report


def test_every_page_was_checked_in_each_mode(axe_report, built_book):
    pages = len(content_pages(built_book))
    assert pages >= 10
    for mode in MODES:
        assert len(axe_report[mode]) == pages
        wrong = {page: r["state"] for page, r in axe_report[mode].items()
                 if (r["state"]["mode"], r["state"]["theme"]) != (mode, mode)
                 or (mode == "dark" and r["state"]["lightMenus"])}
        assert not wrong, f"pages not shown in {mode} mode: {wrong}"


@pytest.mark.parametrize("mode", MODES)
def test_no_wcag_violations(axe_report, mode):
    problems = [f"{page}: {v['id']} ({v['impact']}) x{len(v['nodes'])}: {v['help']} "
                f"at {v['nodes'][0]['target']}: {v['nodes'][0]['failureSummary']}"
                for page, r in axe_report[mode].items() for v in r["violations"]]
    assert not problems, f"{mode} mode:\n" + "\n".join(problems)


def _rgba(css_colour: str) -> tuple[float, ...]:
    """``rgb(r, g, b)`` or ``rgba(r, g, b, a)`` as numbers (Chromium's computed form)."""
    inside = css_colour[css_colour.index("(") + 1:css_colour.index(")")]
    values = [float(v) for v in inside.replace("/", ",").replace(" ", ",").split(",") if v]
    return tuple(values) if len(values) == 4 else (*values, 1.0)


def _luminance(r: float, g: float, b: float) -> float:
    """WCAG relative luminance of an sRGB colour."""
    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def test_figures_sit_on_a_light_background_in_dark_mode(axe_report):
    """The course's charts are drawn dark on light: a figure with a transparent background
    would put its black text on the dark page. Each one needs an opaque, light background
    behind it (black text on it at least 7:1)."""
    figures = [(page, f) for page, r in axe_report["dark"].items() for f in r["figures"]]
    assert figures, "no figures found in the book's content"
    dark = []
    for page, figure in figures:
        r, g, b, alpha = _rgba(figure["background"])
        if alpha < 1 or (_luminance(r, g, b) + 0.05) / 0.05 < 7:
            dark.append(f"{page}: {figure['src']} on {figure['background']}")
    assert not dark, "figures without a light background in dark mode:\n" + "\n".join(dark)


def test_pages_declare_english(built_book):
    for path in content_pages(built_book):
        assert '<html lang="en"' in path.read_text(encoding="utf-8"), path.name
