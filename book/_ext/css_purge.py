"""Drop the CSS rules that cannot match anything the book's pages show.

pydata-sphinx-theme ships one 390 KB stylesheet with all of Bootstrap and every Font Awesome icon
(about 2,000 of them); a page of this book uses a small fraction. A selector is kept when every
class, id and element name it requires occurs as a word somewhere in the site's pages or in the
scripts they load, the way PurgeCSS decides. Scripts count because they add classes at run time
(Bootstrap's ``show``, the theme's ``dropdown-menu-dark``, the copy button's ``success``), and
the search page's results are built from words in searchtools.js.

The decision errs on the side of keeping a rule:

* pseudo-classes and pseudo-elements (``:hover``, ``::before``) are states, not requirements;
  the arguments of functional ones (``:not()``, ``:is()``, ``:has()``) are ignored;
* attribute selectors are ignored (the theme sets ``data-theme`` through ``dataset.theme``, a
  spelling no word search would find);
* a selector with anything this module does not recognise is kept;
* class names that scripts build from pieces (Bootstrap's ``bs-tooltip-auto`` and
  ``tooltip-arrow``) are kept through ``ALWAYS_KEEP``.

At-rules are kept, with ``@media``, ``@supports``, ``@container`` and ``@layer`` blocks purged
inside and dropped when nothing is left in them. Comments go, except licence banners
(``/*! ... */``) at the top level; so do source-map references, since the maps no longer
describe the purged file.

The stylesheet is parsed with tinycss2 (a small, maintained CSS parser, the one WeasyPrint
uses), never with regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import tinycss2
from tinycss2 import ast

WORD = re.compile(r"[A-Za-z0-9_-]+")
# Class names that scripts assemble at run time, so no page or script holds them whole.
ALWAYS_KEEP = re.compile(r"^(bs-tooltip-|tooltip)")
# At-rules whose block holds style rules, which are purged like the top level.
GROUPING = {"media", "supports", "container", "layer", "document"}
COMBINATORS = {">", "+", "~", "*", "|", "||"}
NON_ASCII = re.compile(r"[^\x00-\x7f]")


def words_in(texts: Iterable[str]) -> set[str]:
    """Every word that could be a class, id or element name in ``texts``."""
    found: set[str] = set()
    for text in texts:
        found.update(WORD.findall(text))
    return found


def _split_selectors(prelude: list) -> list[list]:
    """Split a rule's prelude at its top-level commas."""
    selectors, current = [], []
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            selectors.append(current)
            current = []
        else:
            current.append(token)
    selectors.append(current)
    return selectors


def _requirements(selector: list) -> set[str] | None:
    """The words ``selector`` needs on a page, or None if it is not understood (keep it)."""
    needed: set[str] = set()
    tokens = [t for t in selector if t.type != "comment"]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "whitespace" or token.type == "[] block":
            pass  # an attribute selector is ignored: see the module's docstring
        elif token.type == "literal" and token.value == ".":
            if i + 1 >= len(tokens) or tokens[i + 1].type != "ident":
                return None
            name = tokens[i + 1].value
            if not WORD.fullmatch(name):
                return None  # e.g. 'md\:flex': not a word the pages could be searched for
            if not ALWAYS_KEEP.match(name):
                needed.add(name)
            i += 1
        elif token.type == "literal" and token.value == ":":
            # ':hover', '::before', ':not(...)': a state or a pseudo-element, no requirement.
            while i + 1 < len(tokens) and tokens[i + 1].type == "literal" and \
                    tokens[i + 1].value == ":":
                i += 1
            if i + 1 >= len(tokens) or tokens[i + 1].type not in ("ident", "function"):
                return None
            i += 1  # its name, and a function's arguments, are skipped
        elif token.type == "hash":
            if not WORD.fullmatch(token.value):
                return None
            needed.add(token.value)
        elif token.type == "ident":
            needed.add(token.lower_value)
        elif token.type == "literal" and token.value in COMBINATORS:
            pass
        else:
            return None
        i += 1
    return needed


def _selector_may_match(selector: list, words: set[str]) -> bool:
    needed = _requirements(selector)
    if needed is None:
        return True
    # Element names are matched case-insensitively, as HTML does.
    return all(w in words or w.lower() in words for w in needed)


def ascii_css(text: str) -> str:
    """``text`` with each non-ASCII character as a CSS escape, as the theme's files write icon
    code points (``"\\f019"``): the file reads the same whatever encoding a browser assumes."""
    return NON_ASCII.sub(lambda m: f"\\{ord(m.group()):x} ", text)


def _body(tokens: list) -> str:
    """A block's text without its comments (a licence banner is never inside a block)."""
    return ascii_css(tinycss2.serialize([t for t in tokens if t.type != "comment"]).strip())


def _purge_rules(rules: list, words: set[str]) -> list[str]:
    out: list[str] = []
    for rule in rules:
        if rule.type == "qualified-rule":
            kept = [s for s in _split_selectors(rule.prelude) if _selector_may_match(s, words)]
            if kept:
                prelude = ",".join(_body(s) for s in kept)
                out.append(f"{prelude}{{{_body(rule.content)}}}")
        elif rule.type == "at-rule":
            head = f"@{rule.at_keyword}{ascii_css(tinycss2.serialize(rule.prelude).rstrip())}"
            if rule.content is None:
                out.append(f"{head};")
            elif rule.lower_at_keyword in GROUPING:
                inner = tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                                 skip_whitespace=True)
                kept = _purge_rules(inner, words)
                if kept:
                    out.append(f"{head}{{{''.join(kept)}}}")
            else:
                out.append(f"{head}{{{_body(rule.content)}}}")
        elif rule.type == "comment" and rule.value.startswith("!"):
            out.append(f"/*{rule.value}*/")
        elif rule.type == "error":
            raise ValueError(f"CSS the purge cannot read: {rule.message} "
                             f"(line {rule.source_line})")
    return out


def purge(css: str, words: set[str]) -> str:
    """``css`` without the rules none of ``words`` can match (see the module's docstring)."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=False, skip_whitespace=True)
    return "\n".join(_purge_rules(rules, words)) + "\n"


def content_strings(css: str) -> str:
    """Every character of every string in ``css`` (the glyphs ``content:`` may draw)."""
    chars: list[str] = []

    def walk(tokens) -> None:
        for token in tokens:
            if isinstance(token, ast.StringToken):
                chars.append(token.value)
            for attribute in ("prelude", "content", "arguments"):
                nested = getattr(token, attribute, None)
                if isinstance(nested, list):
                    walk(nested)

    walk(tinycss2.parse_stylesheet(css, skip_comments=True))
    return "".join(chars)
