"""Print the weight of the built book's pages, as a reader on a slow connection pays for them.

    python scripts/benchmark_pages.py [_build/html]

A page's weight is its HTML plus every stylesheet, script, font and image it loads from the
site (fonts found through the stylesheets' url(...) references, and stylesheets they @import,
too), uncompressed. Files loaded from other sites cannot be weighed offline; they are listed,
since every one is also a request to a third party. The theme's template fragments under
_static/ are not pages. Prints the number of pages, the median, 90th percentile and largest
page weight, the total size of the site, and whether the budget is met: a median page of at
most 500 KB and no page over 1.2 MB (1 KB = 1,024 bytes). Exits 1 when it is not.
"""

from __future__ import annotations

import re
import statistics
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

KB = 1024
MEDIAN_BUDGET = 500 * KB
PAGE_BUDGET = int(1.2 * 1024 * KB)


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.local: list[str] = []
        self.remote: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = None
        if tag == "script":
            url = attrs.get("src")
        elif tag == "link" and (attrs.get("rel") or "") in ("stylesheet", "preload", "icon"):
            url = attrs.get("href")
        elif tag in ("img", "source"):
            url = attrs.get("src")
        if url:
            (self.remote if urlsplit(url).scheme in ("http", "https") or url.startswith("//")
             else self.local).append(url)


def _resolve(base: Path, url: str) -> Path:
    return (base.parent / unquote(urlsplit(url).path)).resolve()


def _css_assets(css: Path, seen: set[Path]) -> set[Path]:
    """Files a stylesheet pulls in, and the files those pull in. In an @font-face rule a
    browser fetches only the first source it supports, so only that one is counted."""
    text = css.read_text(errors="ignore")
    urls = re.findall(r"@import\s+['\"]([^'\"]+)['\"]", text)
    for block in re.findall(r"@font-face\s*{[^}]*}", text):
        first = re.search(r"url\(\s*['\"]?([^'\")]+)", block)
        if first:
            urls.append(first.group(1))
    rest = re.sub(r"@font-face\s*{[^}]*}", "", text)
    urls += re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", rest)
    found = set()
    for url in urls:
        if url.startswith("data:") or urlsplit(url).scheme:
            continue
        path = _resolve(css, url)
        if path.is_file() and path not in seen:
            found.add(path)
            if path.suffix == ".css":
                found |= _css_assets(path, seen | found)
    return found


def pages(site: Path) -> list[Path]:
    """The site's pages: every HTML file but the theme's template fragments in _static/."""
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)


def page_weight(page: Path) -> tuple[int, list[str]]:
    """The bytes a browser fetches from the site to show ``page``, and the third-party URLs
    it references."""
    parser = _Assets()
    parser.feed(page.read_text(encoding="utf-8", errors="ignore"))
    files = {page}
    for url in parser.local:
        path = _resolve(page, url)
        if path.is_file():
            files.add(path)
    for css in [f for f in files if f.suffix == ".css"]:
        files |= _css_assets(css, files)
    return sum(f.stat().st_size for f in files), parser.remote


def median_weight(weights: dict[Path, int]) -> float:
    return statistics.median(weights.values())


def main(argv: list[str]) -> int:
    site = Path(argv[0] if argv else "_build/html")
    found = pages(site)
    if not found:
        print(f"no HTML pages under {site}; build the book first (make book)")
        return 1
    weights, remote = {}, set()
    for page in found:
        weights[page], urls = page_weight(page)
        remote.update(urls)
    values = sorted(weights.values())
    p90 = values[min(len(values) - 1, int(round(0.9 * (len(values) - 1))))]
    heaviest = max(weights, key=weights.get)
    total = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    median = median_weight(weights)
    over = sorted(p.relative_to(site).as_posix() for p, w in weights.items() if w > PAGE_BUDGET)
    print(f"pages: {len(found)}")
    print(f"median page weight: {median / KB:,.0f} KB")
    print(f"90th percentile: {p90 / KB:,.0f} KB")
    print(f"heaviest: {weights[heaviest] / KB:,.0f} KB ({heaviest.relative_to(site)})")
    print(f"total site size: {total / KB:,.0f} KB")
    print(f"third-party files referenced: {len(remote)}")
    for url in sorted(remote):
        print(f"  {url}")
    meets = median <= MEDIAN_BUDGET and not over
    print(f"budget (median at most {MEDIAN_BUDGET / KB:,.0f} KB, no page over "
          f"{PAGE_BUDGET / KB / KB:.1f} MB): {'met' if meets else 'NOT met'}")
    if median > MEDIAN_BUDGET:
        print(f"  the median page is {(median - MEDIAN_BUDGET) / KB:,.0f} KB over")
    for page in over:
        print(f"  over the page budget: {page}")
    return 0 if meets else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
