"""Confidence intervals for shares estimated from surveys."""

from __future__ import annotations

import numpy as np


def wilson_interval(successes, trials, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the Wilson score interval for a proportion.

    Why Wilson rather than "estimate plus or minus two standard errors": it stays between 0 and
    1 and keeps close to its stated 95% coverage for small surveys and for shares near 0% or
    100%, where the simpler interval fails (Wilson, 1927). Works on numbers or on whole
    columns; ``z`` = 1.96 gives a 95% interval.
    """
    n = np.asarray(trials, dtype=float)
    p = np.asarray(successes, dtype=float) / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half_width = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    # Clipped so that rounding error never puts a bound a hair outside 0 to 1.
    return np.clip(centre - half_width, 0, 1), np.clip(centre + half_width, 0, 1)
