"""Explorers respond to their controls, with no browser: each control changes what is shown."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import learner_tools as lt  # noqa: E402
from learner_tools.explorers import call_centre_explorer  # noqa: E402


@pytest.fixture
def explorer():
    return call_centre_explorer(lt.load_call_centre_monthly())


def plotted_values(explorer) -> np.ndarray:
    return np.asarray(explorer.figure.axes[0].lines[0].get_ydata(), dtype=float)


def test_first_view_is_complete(explorer):
    assert explorer.department.value == "Department of Household Benefits"
    assert len(explorer.table) == 48
    assert "Calls received" in explorer.summary.value
    assert len(plotted_values(explorer)) == 48


def test_changing_department_changes_table_chart_and_summary(explorer):
    before_summary, before_values = explorer.summary.value, plotted_values(explorer)
    explorer.department.value = "Licensing and Permits Agency"
    assert explorer.summary.value != before_summary
    assert "Licensing and Permits Agency" in explorer.summary.value
    assert not np.array_equal(plotted_values(explorer), before_values)
    assert explorer.figure.axes[0].get_title().endswith("Licensing and Permits Agency")


def test_changing_measure_shows_shares_and_the_standard(explorer):
    explorer.measure.value = "share_within_10_min"
    values = plotted_values(explorer)
    assert values.max() <= 1 and values.min() > 0
    assert "80% standard was missed in" in explorer.summary.value
    assert explorer.figure.axes[0].get_ylim() == (0.0, 1.0)
    labels = [line.get_label() for line in explorer.figure.axes[0].lines]
    assert "Service standard (80%)" in labels


def test_unticking_zero_axis_zooms_in(explorer):
    explorer.measure.value = "mean_wait_minutes"
    assert explorer.figure.axes[0].get_ylim()[0] == 0
    explorer.axis_from_zero.value = False
    assert explorer.figure.axes[0].get_ylim()[0] > 0


def test_summary_matches_the_data(explorer):
    explorer.measure.value = "share_within_10_min"
    table = explorer.table
    worst = table.loc[table["share_within_10_min"].idxmin(), "month"]
    assert f"in {worst}" in explorer.summary.value
