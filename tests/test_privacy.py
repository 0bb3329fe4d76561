"""Module 4's de-identification helpers: group sizes and k, generalization, suppression, and
the Laplace mechanism's noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from learner_tools.privacy import (
    POSTAL_LETTERS,
    counts_over,
    group_sizes,
    k_anonymity,
    laplace_counts,
    shorten_postal_prefix,
    suppress_small_groups,
    widen_age_bands,
)

PEOPLE = pd.DataFrame({
    "caller_id": ["C1", "C2", "C3", "C4", "C5"],
    "age_band": ["35-39", "35-39", "30-34", "85+", "18-24"],
    "postal_prefix": ["K1K", "K1K", "K1N", "J0B", "K0A"],
    "language": ["English", "English", "English", "French", "English"],
})
QUASI = ["age_band", "postal_prefix", "language"]


def test_group_sizes_and_k_count_the_people_who_share_each_row_s_facts():
    assert group_sizes(PEOPLE, QUASI).tolist() == [2, 2, 1, 1, 1]
    assert k_anonymity(PEOPLE, QUASI) == 1
    assert k_anonymity(PEOPLE, ["language"]) == 1
    assert k_anonymity(PEOPLE.iloc[:3], ["language"]) == 3
    with pytest.raises(ValueError, match="empty"):
        k_anonymity(PEOPLE.iloc[:0], QUASI)


def test_age_bands_widen_to_ten_and_twenty_years_with_the_ends_joined():
    bands = pd.Series(["18-24", "25-29", "30-34", "35-39", "60-64", "80-84", "85+"])
    assert widen_age_bands(bands, 5).tolist() == bands.tolist()
    assert widen_age_bands(bands, 10).tolist() == ["18-29", "18-29", "30-39", "30-39", "60-69",
                                                   "80+", "80+"]
    assert widen_age_bands(bands, 20).tolist() == ["18-39", "18-39", "18-39", "18-39", "60-79",
                                                   "80+", "80+"]
    with pytest.raises(ValueError, match="5, 10 or 20"):
        widen_age_bands(bands, 15)


def test_postal_prefixes_shorten_to_a_letter_or_to_nothing():
    prefixes = pd.Series(["K1K", "J0B"])
    assert shorten_postal_prefix(prefixes, 3).tolist() == ["K1K", "J0B"]
    assert shorten_postal_prefix(prefixes, 1).tolist() == ["K", "J"]
    assert shorten_postal_prefix(prefixes, 0).tolist() == ["Canada", "Canada"]
    with pytest.raises(ValueError, match="3, 1 or 0"):
        shorten_postal_prefix(prefixes, 2)


def test_suppression_removes_small_groups_and_says_how_many_people_it_removed():
    kept, removed = suppress_small_groups(PEOPLE, QUASI, k=2)
    assert kept["caller_id"].tolist() == ["C1", "C2"] and removed == 3
    wider = PEOPLE.assign(postal_prefix=shorten_postal_prefix(PEOPLE["postal_prefix"], 1),
                          age_band=widen_age_bands(PEOPLE["age_band"], 20))
    kept, removed = suppress_small_groups(wider, QUASI, k=2)
    assert removed == 1  # generalizing first puts C3 and C5 with C1 and C2 (18-39, K, English)


def test_laplace_noise_is_seeded_and_its_scale_is_sensitivity_over_epsilon():
    counts = pd.Series([0, 5, 500] * 2000)
    first, again = laplace_counts(counts, 0.5, seed=7), laplace_counts(counts, 0.5, seed=7)
    assert first.equals(again) and not first.equals(laplace_counts(counts, 0.5, seed=8))
    assert (first >= 0).all() and first.dtype.kind == "i"
    big = counts[counts == 500]
    spread = (laplace_counts(big, 0.5, seed=1) - big).abs().mean()
    assert spread == pytest.approx(1 / 0.5, rel=0.1)  # mean |noise| of Laplace(b) is b
    tighter = (laplace_counts(big, 5.0, seed=1) - big).abs().mean()
    assert tighter < spread / 5
    with pytest.raises(ValueError, match="positive"):
        laplace_counts(counts, 0, seed=1)
    assert np.isclose(laplace_counts(big, 1.0, seed=2, sensitivity=2).sub(big).abs().mean(), 2,
                      rtol=0.1)


def test_counts_cover_the_whole_domain_so_an_absent_combination_is_a_zero():
    counts = counts_over(PEOPLE.assign(region=PEOPLE["postal_prefix"].str[0]),
                         {"region": POSTAL_LETTERS, "language": ["English", "French"]})
    assert len(counts) == 18 * 2 and counts.sum() == len(PEOPLE)
    assert counts[("Y", "French")] == 0 and counts[("K", "English")] == 4


def test_missing_values_and_unknown_bands_are_not_skipped_silently():
    gaps = PEOPLE.assign(language=[None, None, "English", "French", "English"])
    assert group_sizes(gaps, QUASI).tolist()[:2] == [2, 2]  # a blank is a value, not a gap
    with pytest.raises(ValueError, match="unknown age bands"):
        widen_age_bands(pd.Series(["90+"]), 10)
