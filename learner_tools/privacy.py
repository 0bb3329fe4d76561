"""De-identification and noisy counts, for module 4's lesson on publishing statistics about
people (k-anonymity, generalization, suppression, and the Laplace mechanism).

Why these are functions rather than code in the lesson: the lesson, its exercises, the explorer
and the assignment's hidden tests all need the same generalizations and the same noise, so
they are written once and tested once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Module 4's callers come in five-year age bands from 18-24 to 85+; wider bands join them.
_DECADES = {"18-24": "18-29", "25-29": "18-29", "85+": "80+", "80-84": "80+"}
AGE_BANDS = ["18-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59", "60-64",
             "65-69", "70-74", "75-79", "80-84", "85+"]
_TWENTY_YEARS = {"18-29": "18-39", "30-39": "18-39", "40-49": "40-59", "50-59": "40-59",
                 "60-69": "60-79", "70-79": "60-79", "80+": "80+"}


# The first letters of Canadian postal codes: each names a province, a territory or part of
# Ontario or Quebec. Fixed in advance, so that a published table has a cell for every letter.
POSTAL_LETTERS = list("ABCEGHJKLMNPRSTVXY")


def counts_over(table: pd.DataFrame, domain: dict[str, list]) -> pd.Series:
    """How many rows fall in each combination of the ``domain``'s values, zeros included.

    Why zeros matter: a release that lists only the combinations that occur tells a reader
    which ones occur, whatever noise is added to the counts. The domain (every region, every
    reason) must be fixed in advance, from the data dictionary, not from the data.
    """
    columns = list(domain)
    index = pd.MultiIndex.from_product([domain[c] for c in columns], names=columns)
    counts = table.groupby(columns, observed=True).size()
    return counts.reindex(index, fill_value=0).rename("count")


def group_sizes(table: pd.DataFrame, quasi_identifiers: list[str]) -> pd.Series:
    """For each row, how many rows share its values of the quasi-identifiers (its group's size).

    A row whose group has one member is unique: anyone who knows those few facts about a
    person, and that the person is in the table, finds their row.
    """
    return table.groupby(list(quasi_identifiers), observed=True, dropna=False)[
        table.columns[0]].transform("size").rename("group size")


def k_anonymity(table: pd.DataFrame, quasi_identifiers: list[str]) -> int:
    """The table's k: the size of its smallest group. The table is k-anonymous for this k."""
    if table.empty:
        raise ValueError("the table is empty: there is no group to measure")
    return int(group_sizes(table, quasi_identifiers).min())


def widen_age_bands(bands: pd.Series, width: int) -> pd.Series:
    """Five-year age bands ("35-39") joined into bands of ``width`` years: 5 (unchanged), 10
    ("30-39", with "18-29" and "80+" at the ends) or 20 ("18-39", "40-59", "60-79", "80+")."""
    text = bands.astype(str)
    unknown = sorted(set(text) - set(AGE_BANDS))
    if unknown:
        raise ValueError(f"unknown age bands {unknown}: expected bands such as '35-39', from "
                         "'18-24' to '85+'")
    if width == 5:
        return text
    if width not in (10, 20):
        raise ValueError(f"width should be 5, 10 or 20 years, not {width!r}")
    decades = text.map(lambda band: _DECADES.get(band, f"{band[0]}0-{band[0]}9"))
    return decades if width == 10 else decades.map(_TWENTY_YEARS)


def shorten_postal_prefix(prefixes: pd.Series, characters: int) -> pd.Series:
    """Postal prefixes cut to their first ``characters``: 3 (the forward sortation area,
    unchanged), 1 (the letter that names a province, a territory or part of Ontario or Quebec),
    or 0 (no place at all)."""
    if characters not in (0, 1, 3):
        raise ValueError(f"characters should be 3, 1 or 0, not {characters!r}")
    text = prefixes.astype(str)
    return text.str[:characters] if characters else pd.Series("Canada", index=prefixes.index)


def suppress_small_groups(table: pd.DataFrame, quasi_identifiers: list[str],
                          k: int) -> tuple[pd.DataFrame, int]:
    """The rows whose group holds at least ``k`` people, and how many rows were removed.

    Suppression is the last resort after generalization: every removed row is a person the
    published figures no longer count, so say how many.
    """
    sizes = group_sizes(table, quasi_identifiers)
    kept = table[sizes >= k]
    return kept, int(len(table) - len(kept))


def laplace_counts(counts: pd.Series, epsilon: float, seed: int, sensitivity: float = 1.0
                   ) -> pd.Series:
    """Counts with Laplace noise of scale sensitivity / epsilon added (the Laplace mechanism of
    differential privacy), rounded to whole numbers and never below zero.

    The noise is seeded so that a lesson's figures are the same every time; a real release
    draws its noise once, in secret, and never publishes the seed. A smaller epsilon means more
    noise and more privacy; the noise's spread does not depend on the size of the counts, so
    small counts suffer most.
    """
    if epsilon <= 0:
        raise ValueError(f"epsilon should be a positive number, not {epsilon!r}")
    rng = np.random.default_rng(seed)
    noise = rng.laplace(0.0, sensitivity / epsilon, size=len(counts))
    return (counts.astype(float) + noise).round().clip(lower=0).astype(int)
