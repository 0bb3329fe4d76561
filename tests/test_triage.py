"""Module 5's measures: the model's inputs, rates by group, and the population stability index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import learner_tools as lt
from learner_tools.triage import (
    FEATURES,
    fairness_summary,
    group_rates,
    model_features,
    population_stability,
)


def test_model_features_turn_yes_and_no_into_numbers_in_the_models_order():
    features = model_features(lt.load_allowance_applications())
    assert list(features.columns) == FEATURES
    assert set(features["foreign_income"]) == {0.0, 1.0}
    assert all(str(dtype) == "float64" for dtype in features.dtypes)


def test_group_rates_count_each_kind_of_error_within_its_group():
    flagged = pd.Series([True, True, False, False, True, False])
    truth = pd.Series([True, False, True, False, True, False])
    group = pd.Series(["a", "a", "a", "b", "b", "b"])
    rates = group_rates(flagged, truth, group)
    assert rates.loc["a", "flagged share"] == pytest.approx(2 / 3)
    assert rates.loc["a", "true positive rate"] == 0.5  # one of two overpayments found
    assert rates.loc["a", "false positive rate"] == 1.0  # its one honest applicant flagged
    assert rates.loc["b", "precision"] == 1.0
    gaps = fairness_summary(rates)
    assert gaps["demographic parity difference"] == pytest.approx(1 / 3)
    assert gaps["not-flagged ratio"] == pytest.approx((1 / 3) / (2 / 3))
    assert gaps["equalized odds difference"] == pytest.approx(1.0)


def test_population_stability_is_zero_for_the_same_values_and_grows_with_a_shift():
    rng = np.random.default_rng(5)
    reference = pd.Series(rng.normal(0, 1, 5000))
    assert population_stability(reference, reference) == pytest.approx(0, abs=1e-12)
    small = population_stability(reference, pd.Series(rng.normal(0.1, 1, 5000)))
    large = population_stability(reference, pd.Series(rng.normal(0.8, 1, 5000)))
    assert 0 < small < 0.1 < 0.25 < large
    # A value never seen in the reference's range still counts, and nothing is infinite.
    assert np.isfinite(population_stability(reference, pd.Series([50.0] * 10)))


def test_the_pilots_scores_drift_from_june_as_lesson_3_says():
    applications = lt.load_allowance_applications()
    tested = applications.loc[applications["fiscal_yr"] == "2025-2026", "model_score"]
    pilot = lt.load_triage_pilot()
    month = pilot["received"].dt.strftime("%Y-%m")
    psi = pilot.groupby(month)["model_score"].apply(lambda s: population_stability(tested, s))
    assert psi[["2026-04", "2026-05"]].max() < 0.15 < 0.25 < psi["2026-06":].min()
