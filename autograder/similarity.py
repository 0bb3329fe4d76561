"""Answers that are identical or nearly so across a class: a report for the instructor to read.

Two students' answers to a question are compared after the differences that copying hides
are taken out: for code, comments, blank lines and spacing (Python's own tokenizer reads
it); for free text, case, punctuation and spacing. Their similarity is the share of the
longer answer's tokens that line up with the other's (``difflib``'s ratio).

Short answers are left out (``odd_year = "D"`` is what every right answer looks like), and so
are answers still as the notebook gave them. A flagged pair is a reason to look, never proof:
students may work together as the course allows, and the report says nothing to them. It
never changes a score.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import combinations

from autograder.notebook_cells import answer_cells, cell_source, notebook_cells

MIN_TOKENS = 12  # answers shorter than this look alike whoever writes them


@dataclass(frozen=True)
class Answer:
    question: str
    kind: str  # "code" or "text"
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    first: str
    second: str
    question: str
    similarity: float


def code_tokens(source: str) -> tuple[str, ...]:
    """The code's tokens without comments, spacing or line breaks (as written, if it does not
    tokenize: a syntax error)."""
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENCODING, tokenize.ENDMARKER}
    try:
        return tuple(t.string for t in tokenize.generate_tokens(io.StringIO(source).readline)
                     if t.type not in skip)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return tuple(source.split())


def text_tokens(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", text.casefold()))


def answers(notebook_text: str, manual_names: list[str] | tuple[str, ...] = ()
            ) -> list[Answer]:
    """A notebook's answers, each named by its question (``manual_names``: the assignment's
    free-response questions, in order)."""
    return [Answer(a.question, "code", code_tokens(cell_source(a.cell)))
            if a.cell.get("cell_type") == "code"
            else Answer(a.question, "text", text_tokens(cell_source(a.cell)))
            for a in answer_cells(notebook_cells(notebook_text) or [], manual_names)]


def starting_answers(student_notebook_text: str, manual_names: list[str] | tuple[str, ...] = ()
                     ) -> dict[str, tuple[str, ...]]:
    """The answers as the notebook hands them out, which every blank submission shares."""
    return {a.question: a.tokens for a in answers(student_notebook_text, manual_names)}


def similar_answers(notebooks: dict[str, str], starting: dict[str, tuple[str, ...]],
                    threshold: float = 0.9, manual_names: list[str] | tuple[str, ...] = ()
                    ) -> list[Match]:
    """Every pair of submissions and question whose answers are at least ``threshold``
    similar, most similar first."""
    by_question: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for name, text in sorted(notebooks.items()):
        for answer in answers(text, manual_names):
            if len(answer.tokens) < MIN_TOKENS or answer.tokens == starting.get(answer.question):
                continue
            by_question.setdefault(answer.question, []).append((name, answer.tokens))
    found = []
    for question, entries in by_question.items():
        for (first, a), (second, b) in combinations(entries, 2):
            if first == second:
                continue
            matcher = SequenceMatcher(None, a, b, autojunk=False)
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            ratio = matcher.ratio()
            if ratio >= threshold:
                found.append(Match(first, second, question, round(ratio, 3)))
    return sorted(found, key=lambda m: (-m.similarity, m.first, m.second, m.question))
