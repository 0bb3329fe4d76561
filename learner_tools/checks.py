"""Show the result of ``grader.check`` as one sentence of advice, not a test trace.

Otter shows a failed check as each test case's doctest trace: thirty lines of "Trying:",
"Expecting nothing" and a Python traceback, with the sentence that would help the learner
buried inside, and follow-on errors from the same blank answer below it. The assignments' public
tests are written to teach: the first one says "Not answered yet", the next ones check the
answer's shape, and the rest each recognise one known mistake and name it (otter's
``failure_message``). This module displays only the first failed public test's message, or a
pass that reminds the learner that hidden tests check the value when the work is graded.

Nothing here changes what is graded: it only changes how a check result is displayed in a
notebook. Scores come from otter's own test classes.
"""

from __future__ import annotations

import html
import re
from typing import Any

PASSED = ("{name} passed the checks you can run. They catch the common mistakes; hidden tests "
          "check the exact values when your work is graded.")
NOT_LOADED = "the test could not run: run every cell above this one, from the top"


def first_advice(test_file: Any) -> str | None:
    """The message of the first failed public test case of an otter result, or None.

    A case's own ``failure_message`` comes first; otherwise the first ``AssertionError``
    message in its output; otherwise the last line of the error (for example a NameError when
    an earlier cell has not been run).
    """
    for result in getattr(test_file, "test_case_results", []):
        if result.passed or result.test_case.hidden:
            continue
        if result.test_case.failure_message:
            return str(result.test_case.failure_message).strip()
        return advice_from_output(result.message or "")
    return None


def advice_from_output(output: str) -> str:
    """The helpful part of a failed doctest's output."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if "AssertionError: " in line), None)
    if start is not None:  # the whole message, over as many lines as it takes
        indent = len(lines[start]) - len(lines[start].lstrip())
        message = [lines[start].split("AssertionError: ", 1)[1].strip()]
        for line in lines[start + 1:]:
            if len(line) - len(line.lstrip()) < indent or re.match(
                    r"\s*(Trying:|Expecting|\*{10,}|Failed example:|File \")", line):
                break  # doctest's report goes on with the next example
            message.append(line.strip())
        text = "\n".join(message).strip()
        return text if len(text) <= 600 else text[:599].rstrip() + "…"
    errors = re.findall(r"^\s*(NameError: .+)$", output, flags=re.M)
    if errors:
        return f"{errors[0].strip()}: {NOT_LOADED}"
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "the check failed"


def describe(test_file: Any) -> tuple[bool, str]:
    """Whether a check passed, and the one sentence to show for it.

    A passing check shows its public cases' own ``success_message`` if one has one (judgement
    questions say that only the form was checked), else a reminder that hidden tests remain.
    """
    advice = first_advice(test_file)
    if advice is None:
        authored = [str(r.test_case.success_message).strip()
                    for r in getattr(test_file, "test_case_results", [])
                    if not r.test_case.hidden and r.test_case.success_message]
        if authored:
            return True, f"{test_file.name}: {authored[0]}"
        return True, PASSED.format(name=test_file.name)
    return False, f"{test_file.name}: {advice}"


def _plain(test_file: Any, *_args: Any) -> str:
    passed, text = describe(test_file)
    return ("✅ " if passed else "❌ ") + text


def _html(test_file: Any) -> str:
    passed, text = describe(test_file)
    mark = "✅" if passed else "❌"
    label = "Check passed" if passed else "Check failed"
    return (f'<p role="status"><span aria-label="{label}">{mark}</span> '
            f"{html.escape(text)}</p>")


def _results_plain(results: Any, *_args: Any) -> str:
    return "\n".join(_plain(test_file) for test_file in results.results.values())


def _results_html(results: Any) -> str:
    return "".join(_html(test_file) for test_file in results.results.values())


def short_check_messages() -> bool:
    """Make ``grader.check`` and ``grader.check_all`` show one sentence each.

    Call once at the top of an assignment. Returns False (and changes nothing) outside IPython,
    so the notebook still runs as a plain script. The formatters are registered by the classes'
    names, so otter is not imported here (importing it takes about a second and a half, which
    every graded submission would pay).
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    formatters = shell.display_formatter.formatters
    plain = formatters["text/plain"]
    for module, name, html_printer, text in (
            (TEST_FILE[0], TEST_FILE[1], _html, _plain),
            (GRADING_RESULTS[0], GRADING_RESULTS[1], _results_html, _results_plain)):
        formatters["text/html"].for_type_by_name(module, name, html_printer)
        plain.for_type_by_name(module, name,
                               lambda obj, printer, cycle, text=text: printer.text(text(obj)))
    return True


# Where otter defines the objects that grader.check and grader.check_all return.
TEST_FILE = ("otter.test_files.abstract_test", "TestFile")
GRADING_RESULTS = ("otter.test_files", "GradingResults")
