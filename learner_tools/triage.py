"""Measures for judging a model that triages applications (module 5): its errors, by group,
and how far its inputs have moved since it was tested.

The lessons compute each measure by hand first, then with scikit-learn and fairlearn; these
helpers exist so that the explorer, the lessons' later sections and the tests compute them
once, the same way, and so that a table by group reads the same everywhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# The model's inputs, in the order its coefficients are given (datasets/benefit_triage.py).
FEATURES = ["income_change_pct", "documents_missing", "prior_overpayment", "foreign_income",
            "months_at_address", "care_hours_week"]
YES_NO = ["prior_overpayment", "foreign_income"]
FOUR_FIFTHS = 0.8


def model_features(applications: pd.DataFrame) -> pd.DataFrame:
    """The model's inputs as numbers (Y becomes 1, N becomes 0), one row per application.

    Why a function: scikit-learn needs numbers, and the same conversion must be used to fit
    the model, to score new applications and to explain a score.
    """
    table = applications[FEATURES].copy()
    for column in YES_NO:
        table[column] = (table[column] == "Y").astype(int)
    return table.astype(float)


def _share(mask: pd.Series, within: pd.Series) -> float:
    """The share of ``within`` rows where ``mask`` holds (NaN when there are none)."""
    count = int(within.sum())
    return float((mask & within).sum() / count) if count else float("nan")


def group_rates(flagged: pd.Series, truth: pd.Series, group: pd.Series) -> pd.DataFrame:
    """For each group, the rates a fairness review compares: how many applications, the share
    overpaid (the base rate), the share flagged (the selection rate), the true and false
    positive rates, and precision (the share of flags that find an overpayment).

    ``flagged`` and ``truth`` are True/False per application; ``group`` names its group.
    """
    flagged, truth = flagged.astype(bool), truth.astype(bool)
    rows = {}
    for name in pd.unique(group):
        member = pd.Series(np.asarray(group == name), index=flagged.index)
        rows[name] = {
            "applications": int(member.sum()),
            "overpaid share": _share(truth, member),
            "flagged share": _share(flagged, member),
            "true positive rate": _share(flagged, member & truth),
            "false positive rate": _share(flagged, member & ~truth),
            "precision": _share(truth, member & flagged),
        }
    return pd.DataFrame.from_dict(rows, orient="index").sort_index()


def fairness_summary(rates: pd.DataFrame) -> dict[str, float]:
    """The gaps between groups in a :func:`group_rates` table.

    * demographic parity difference: the largest flagged share minus the smallest;
    * not-flagged ratio: the lowest share paid without a review over the highest (the
      four-fifths rule compares the favourable outcome, which here is not being flagged);
    * equalized odds difference: the larger of the gaps in true and in false positive rates.
    """
    not_flagged = 1 - rates["flagged share"]
    return {
        "demographic parity difference": float(rates["flagged share"].max()
                                               - rates["flagged share"].min()),
        "not-flagged ratio": float(not_flagged.min() / not_flagged.max()),
        "equalized odds difference": float(max(
            rates["true positive rate"].max() - rates["true positive rate"].min(),
            rates["false positive rate"].max() - rates["false positive rate"].min())),
    }


def population_stability(reference: pd.Series, current: pd.Series, bins: int = 10) -> float:
    """The population stability index of ``current`` against ``reference``.

    The reference's deciles (by default) cut both into bins; for each bin, the difference of
    the shares times the log of their ratio is summed. Zero means the same distribution; the
    larger, the more the values have moved. An empty bin counts as a share of 0.0001, so that
    the logarithm is defined.
    """
    reference = pd.Series(reference, dtype=float).dropna()
    current = pd.Series(current, dtype=float).dropna()
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    expected = np.histogram(reference, edges)[0] / len(reference)
    actual = np.histogram(current, edges)[0] / len(current)
    expected, actual = np.maximum(expected, 1e-4), np.maximum(actual, 1e-4)
    return float(((actual - expected) * np.log(actual / expected)).sum())
