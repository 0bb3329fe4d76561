"""Print the weight of the built book's pages, as a reader on a slow connection pays for them.

    python scripts/benchmark_pages.py [_build/html]

A page's weight is its HTML plus every stylesheet, script, font and image it loads from the
site (fonts found through the stylesheets' url(...) references too). Files loaded from other
sites cannot be weighed offline; they are listed, since every one is also a request to a third
party. Prints the number of pages, the median, 90th percentile and largest page weight, and the
total size of the site. Targets (issue 4): median at most 1.2 MB, no page over 2 MB.
"""

from __future__ import annotations

import re
import statistics
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


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
    """Files a stylesheet pulls in. In an @font-face rule a browser fetches only the first
    source it supports (woff2 today), so only that one is counted."""
    text = css.read_text(errors="ignore")
    urls = []
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
    return found


def page_weight(page: Path) -> tuple[int, list[str]]:
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


def main(argv: list[str]) -> int:
    site = Path(argv[0] if argv else "_build/html")
    pages = sorted(site.rglob("*.html"))
    if not pages:
        print(f"no HTML pages under {site}; build the book first (make book)")
        return 1
    weights, remote = {}, set()
    for page in pages:
        weights[page], urls = page_weight(page)
        remote.update(urls)
    values = sorted(weights.values())
    p90 = values[min(len(values) - 1, int(round(0.9 * (len(values) - 1))))]
    heaviest = max(weights, key=weights.get)
    total = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    kb = 1024
    print(f"pages: {len(pages)}")
    print(f"median page weight: {statistics.median(values) / kb:,.0f} KB")
    print(f"90th percentile: {p90 / kb:,.0f} KB")
    print(f"heaviest: {weights[heaviest] / kb:,.0f} KB ({heaviest.relative_to(site)})")
    print(f"total site size: {total / kb:,.0f} KB")
    print(f"third-party files referenced: {len(remote)}")
    for url in sorted(remote):
        print(f"  {url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
