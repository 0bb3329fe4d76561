"""Confidence intervals for shares estimated from surveys."""

from __future__ import annotations

import numpy as np


def wilson_interval(successes, trials, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the Wilson score interval for a proportion.

    Why Wilson rather than "estimate plus or minus two standard errors": it stays between 0 and
    1 and keeps close to its stated 95% coverage for small surveys and for shares near 0% or
    100%, where the simpler interval fails (Wilson, 1927; Brown, Cai and DasGupta, 2001).
    Works on numbers or on whole columns; ``z`` = 1.96 gives a 95% interval.
    """
    n = np.asarray(trials, dtype=float)
    p = np.asarray(successes, dtype=float) / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half_width = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    # Clipped so that rounding error never puts a bound a hair outside 0 to 1.
    return np.clip(centre - half_width, 0, 1), np.clip(centre + half_width, 0, 1)


def difference_interval(successes_a, trials_a, successes_b, trials_b,
                        z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of an interval for share A minus share B (Newcombe's hybrid
    score interval, built from the two Wilson intervals).

    Why it is needed: two 95% intervals can overlap while the difference between the shares
    is still clear, so "do the intervals overlap?" is a test that too often says "not shown".
    The interval of the difference answers the question itself: if it leaves out zero, the
    difference is bigger than its uncertainty (Newcombe, 1998).
    """
    share_a = np.asarray(successes_a, dtype=float) / np.asarray(trials_a, dtype=float)
    share_b = np.asarray(successes_b, dtype=float) / np.asarray(trials_b, dtype=float)
    low_a, high_a = wilson_interval(successes_a, trials_a, z)
    low_b, high_b = wilson_interval(successes_b, trials_b, z)
    difference = share_a - share_b
    return (difference - np.sqrt((share_a - low_a) ** 2 + (high_b - share_b) ** 2),
            difference + np.sqrt((high_a - share_a) ** 2 + (share_b - low_b) ** 2))
