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


# ---- module 2: the delivery explorer ------------------------------------------------------

from learner_tools.explorers import delivery_explorer  # noqa: E402


@pytest.fixture(scope="module")
def delivery():
    return delivery_explorer(lt.load_agile_backlog())


def test_delivery_first_view_forecasts_the_remaining_backlog(delivery):
    remaining = lt.load_agile_backlog()["backlog_rank"].notna().sum()
    assert delivery.efforts.size == remaining
    assert f"The {remaining} items left take" in delivery.summary.value
    assert len(delivery.outcome.weeks) == delivery.runs
    assert "85% of runs finish within" in delivery.figure.axes[0].get_title()


def test_more_work_in_progress_stretches_cycle_time_as_littles_law_says(delivery):
    delivery.wip_limit.value = 6
    calm = delivery.outcome
    delivery.wip_limit.value = 20
    crowded = delivery.outcome
    assert crowded.cycle_time_days > 2 * calm.cycle_time_days
    assert crowded.percentile(0.85) > calm.percentile(0.85)  # and the release slips
    # Little's law: average WIP = throughput x cycle time (a day is a fifth of a week).
    for outcome in (calm, crowded):
        implied_wip = outcome.throughput_per_week / 5 * outcome.cycle_time_days
        assert implied_wip == pytest.approx(outcome.wip_limit, rel=0.25)
    assert "WIP limit of 20" in delivery.summary.value


def test_a_limit_of_one_leaves_people_idle(delivery):
    delivery.wip_limit.value = 1
    alone = delivery.outcome
    delivery.wip_limit.value = 6
    assert alone.throughput_per_week < 0.7 * delivery.outcome.throughput_per_week


def test_more_capacity_finishes_sooner_and_the_data_behind_matches(delivery):
    delivery.capacity.value = 3.2
    before = delivery.outcome.percentile(0.85)
    delivery.capacity.value = 5.0
    assert delivery.outcome.percentile(0.85) < before
    table = delivery.data_behind().table
    assert int(table["runs"].sum()) == delivery.runs


# Module 3: the contrast explorer, and the WCAG arithmetic behind it.

from learner_tools.contrast import contrast_ratio, parse_colour, passes  # noqa: E402
from learner_tools.explorers import contrast_explorer  # noqa: E402


def test_contrast_matches_the_wcag_check_values():
    assert round(contrast_ratio("#767676", "#ffffff"), 2) == 4.54
    assert round(contrast_ratio("#777777", "#FFF"), 2) == 4.48
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#000000") == contrast_ratio("#000000", "#ffffff")
    assert passes(4.54) and not passes(4.48) and passes(4.48, size="large")
    assert not passes(4.54, level="AAA") and passes(4.54, level="AAA", size="large")
    with pytest.raises(ValueError, match="#RRGGBB"):
        parse_colour("grey")


def test_contrast_explorer_gives_its_verdicts_in_words_and_follows_its_pickers():
    explorer = contrast_explorer()
    assert explorer.describe().startswith("Contrast ratio 4.54:1")
    assert "passes AA for normal text" in explorer.summary.value
    assert "fails AAA for normal text" in explorer.summary.value
    assert "#767676" in explorer.sample.value
    explorer.text.value = "#777777"
    assert "fails AA for normal text" in explorer.summary.value
    assert "passes AA for large text" in explorer.summary.value
    explorer.background.value = "#000000"
    assert explorer.ratio == pytest.approx(contrast_ratio("#777777", "#000000"))
    explorer.text.value = "grey"  # typed by name in the picker's box
    assert "#RRGGBB" in explorer.summary.value


def test_contrast_explorers_still_shows_its_current_view_as_text():
    explorer = contrast_explorer("#767676", "#ffffff")
    first = explorer.still().data
    assert "#767676" in first and "Contrast ratio 4.54:1" in first
    assert "color:#767676;background:#ffffff" in first  # the sample is drawn in the colours
    explorer.text.value = "#999999"
    assert "Contrast ratio 2.85:1" in explorer.still().data  # it follows the pickers


# Module 4: the privacy explorer.

from learner_tools.explorers import privacy_explorer  # noqa: E402


def test_privacy_explorer_trades_unique_people_for_coarser_groups_and_noise_for_error():
    callers = lt.load_benefit_callers()
    explorer = privacy_explorer(callers)
    first = explorer.describe()
    assert first.startswith("With 5-year age bands and the full postal prefix: 166 of 1,549")
    assert explorer.k == 1 and "The five smallest groups" in explorer.table.value
    explorer.age_width.value = 20
    explorer.place.value = 1
    assert explorer.unique < 166 // 4 and "only the first letter" in explorer.summary.value
    coarse_error = explorer.mean_error
    explorer.epsilon.value = 0.1
    assert explorer.mean_error > 4 * coarse_error  # ten times less budget, far more noise
    assert "epsilon 0.1" in explorer.still().data
    again = privacy_explorer(callers, age_width=20, postal_characters=1, epsilon=0.1)
    assert again.mean_error == explorer.mean_error  # the noise is seeded


# Module 5: the threshold explorer.

from learner_tools.explorers import threshold_explorer  # noqa: E402


@pytest.fixture
def test_year():
    applications = lt.load_allowance_applications()
    return applications[applications["fiscal_yr"] == "2025-2026"]


def test_threshold_explorer_first_view_gives_the_lessons_figures(test_year):
    explorer = threshold_explorer(test_year)
    words = explorer.describe()
    assert words.startswith("At a threshold of 0.20, the model flags 343 of 1,778 applications")
    assert "evidence of adverse impact" in words
    assert list(explorer.rates.index) == ["newcomers", "others"]
    assert "Rates by group at this threshold" in explorer.table.value
    assert explorer.found + explorer.delayed == explorer.flagged
    assert explorer.found + explorer.missed == (test_year["overpayment"] == "Y").sum()


def test_raising_the_threshold_delays_fewer_honest_people_and_misses_more(test_year):
    explorer = threshold_explorer(test_year)
    before = (explorer.flagged, explorer.delayed, explorer.missed)
    explorer.threshold.value = 0.35
    assert explorer.flagged < before[0] and explorer.delayed < before[1]
    assert explorer.missed > before[2]
    assert "At a threshold of 0.35" in explorer.summary.value
    assert "as the four-fifths rule asks" in explorer.still().data


def test_threshold_explorers_gaps_agree_with_fairlearn(test_year):
    from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference

    explorer = threshold_explorer(test_year, threshold=0.15)
    truth = test_year["overpayment"] == "Y"
    flagged = test_year["model_score"] >= 0.15
    group = test_year["newcomer"]
    assert explorer.gaps["demographic parity difference"] == pytest.approx(
        demographic_parity_difference(truth, flagged, sensitive_features=group))
    assert explorer.gaps["equalized odds difference"] == pytest.approx(
        equalized_odds_difference(truth, flagged, sensitive_features=group))
    not_flagged = 1 - explorer.rates["flagged share"]
    assert explorer.gaps["not-flagged ratio"] == pytest.approx(not_flagged.min()
                                                               / not_flagged.max())
