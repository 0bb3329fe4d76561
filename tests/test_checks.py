"""What a learner sees from grader.check: one sentence, never a doctest trace; and the helpers
that put a chart's numbers and a survey's uncertainty on the page."""

from __future__ import annotations

import numpy as np
import pandas as pd
from otter.test_files.ok_test import OKTestFile

from learner_tools.checks import advice_from_output, describe
from learner_tools.intervals import wilson_interval
from learner_tools.style import data_behind

SPEC = {
    "name": "q1",
    "points": [0, 0.25, 0, 0.75],
    "suites": [{"type": "doctest", "cases": [
        {"code": ">>> assert rate is not ...", "hidden": False,
         "failure_message": "Not answered yet: replace the ... with your answer."},
        {"code": ">>> assert 0 <= rate <= 1, 'a rate is a fraction between 0 and 1'\n"
                 ">>> assert isinstance(rate, float), 'give one number'", "hidden": False},
        {"code": ">>> assert abs(rate - 0.7) > 1e-9", "hidden": False,
         "failure_message": "This looks like an average of rates: divide summed counts."},
        {"code": ">>> assert abs(rate - 0.59) < 1e-9", "hidden": True,
         "failure_message": "secret"},
    ]}],
}


def _check(rate):
    test_file = OKTestFile.from_spec(SPEC)
    test_file.run({"rate": rate})
    return describe(test_file)


def test_a_blank_answer_is_told_only_that_it_is_not_answered():
    passed, text = _check(...)
    assert not passed and text == "q1: Not answered yet: replace the ... with your answer."


def test_a_known_mistake_is_named_without_a_trace():
    passed, text = _check(0.7)
    assert not passed and text == "q1: This looks like an average of rates: divide summed counts."
    passed, text = _check(59.0)
    assert text == "q1: a rate is a fraction between 0 and 1"
    assert "Trying" not in text and "Traceback" not in text


def test_a_message_over_several_lines_is_kept_whole():
    doctest_output = ("Failed example:\n    assert x, msg\nException raised:\n"
                      "    Traceback (most recent call last):\n      File \"<doctest>\", line 1\n"
                      "    AssertionError: the share is 'of calls answered':\n"
                      "    divide by calls_answered\nTrying:\n    y\nExpecting nothing\nok\n")
    assert advice_from_output(doctest_output) == ("the share is 'of calls answered':\n"
                                                  "divide by calls_answered")
    exception_output = ("❌ Test case failed\nError at line 1 in test q1:\n  assert x\n"
                        "AssertionError: first line\nsecond line")
    assert advice_from_output(exception_output) == "first line\nsecond line"


def test_hidden_tests_never_speak_in_the_check():
    passed, text = _check(0.61)  # wrong, but no known mistake: only hidden tests fail
    assert passed and "q1 passed" in text and "hidden tests" in text and "secret" not in text


def test_data_behind_a_chart_is_a_folded_table_with_a_caption():
    shown = data_behind(pd.Series([0.5, 0.75], index=["2022", "2023"], name="share"),
                        "Share of calls by year")
    html = shown._repr_html_()
    assert html.startswith('<details class="data-behind-chart"><summary>Data behind this chart')
    assert "<caption>Share of calls by year</caption>" in html and "0.75" in html
    assert "0.75" in repr(shown)


def test_wilson_interval_matches_known_values():
    low, high = wilson_interval(8, 10)
    assert np.allclose([low, high], [0.4902, 0.9433], atol=1e-4)
    low, high = wilson_interval(np.array([0, 30]), np.array([30, 30]))
    assert low[0] == 0 and high[1] == 1 and 0 < high[0] < 0.12


def test_difference_interval_matches_newcombes_worked_example():
    """Newcombe (1998), example (a): 56 of 70 against 48 of 80, hybrid score method."""
    from learner_tools.intervals import difference_interval

    low, high = difference_interval(56, 70, 48, 80)
    assert np.allclose([low, high], [0.0524, 0.3339], atol=1e-4)
    low, high = difference_interval(48, 80, 56, 70)  # B minus A: the same interval, negated
    assert np.allclose([low, high], [-0.3339, -0.0524], atol=1e-4)


def test_in_a_kernel_a_check_shows_one_sentence():
    """The formatters are registered by class name, so they must still match otter's objects
    in a real Jupyter kernel (without importing otter in short_check_messages)."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(
        "import learner_tools as lt\nlt.short_check_messages()\n"
        "from otter.test_files.ok_test import OKTestFile\n"
        f"tf = OKTestFile.from_spec({SPEC!r})\nrate = ...\ntf.run(globals())\ntf")]
    NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    shown = notebook.cells[0].outputs[0]["data"]
    assert "q1: Not answered yet" in shown["text/html"] and "Trying" not in shown["text/html"]
    assert shown["text/plain"].startswith("❌ q1: Not answered yet")
