"""Flow of work through a team, from its status-change history (module 2).

The lessons compute cycle time and throughput themselves, with pandas, so that learners see
each step; these helpers do what would only distract a lesson: the status of every item on
every day (for work in progress and the cumulative flow diagram), the charts, and the Monte
Carlo forecast the explorer reruns at every move of a slider.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STATUSES = ["To Do", "In Progress", "Blocked", "Done"]
ACTIVE = ["In Progress", "Blocked"]  # started and not finished: work in progress


def status_each_day(changes: pd.DataFrame, days: pd.DatetimeIndex | None = None
                    ) -> pd.DataFrame:
    """How many items were in each status at the end of each day: one row per day, one
    column per status. An item counts from the day it was created."""
    changes = changes.sort_values("changed_date", kind="stable")
    if days is None:
        days = pd.date_range(changes["changed_date"].min(), changes["changed_date"].max(),
                             freq="D")
    # Each item's status at the end of each day it changed, carried forward to later days.
    last = changes.groupby(["item_key", "changed_date"])["to_status"].last().astype(str)
    wide = last.unstack("item_key").reindex(days.union(last.index.unique("changed_date")))
    wide = wide.ffill().reindex(days)
    counts = {status: (wide == status).sum(axis=1) for status in STATUSES}
    return pd.DataFrame(counts, index=days).rename_axis("day")


def work_in_progress(changes: pd.DataFrame, days: pd.DatetimeIndex | None = None
                     ) -> pd.Series:
    """Items started and not finished (In Progress or Blocked) at the end of each day."""
    return status_each_day(changes, days)[ACTIVE].sum(axis=1).rename("work_in_progress")


def forecast_weeks(weekly_throughput: list[int] | np.ndarray | pd.Series, remaining: int,
                   trials: int = 10_000, seed: int = 2026) -> np.ndarray:
    """A Monte Carlo forecast: in each trial, draw one past week's throughput at random
    (with replacement) for each future week, until the remaining items are done; return the
    number of weeks each trial took. Past weeks that finished nothing are kept: they happen."""
    history = np.asarray(weekly_throughput, dtype=int)
    if remaining <= 0:
        return np.zeros(trials, dtype=int)
    if history.size == 0 or history.max() <= 0:
        raise ValueError("the throughput history finishes nothing: no finish date can be "
                         "forecast from it")
    rng = np.random.default_rng(seed)
    weeks = np.zeros(trials, dtype=int)
    done = np.zeros(trials, dtype=int)
    while (done < remaining).any():
        running = done < remaining
        done[running] += rng.choice(history, size=int(running.sum()))
        weeks[running] += 1
    return weeks
