"""Module 2's explorer: change a team's WIP limit and capacity, watch cycle time and the
release forecast move.

The model is the one the module's data were simulated with, simplified: each working day the
team starts items from the top of the backlog while fewer than the WIP limit are in progress,
then shares its capacity among the items in progress. One item can only absorb so many people
(two people's days, here), so a very low limit leaves people idle; every item beyond six in
progress costs the team some of its time in switching between them. Each run of the model
draws the items' sizes afresh (seeded), and the forecast reports how many weeks the remaining
items took in 85% of runs, as the lesson's Monte Carlo forecast does from past throughput.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from matplotlib.ticker import MaxNLocator

from learner_tools.style import data_behind, show_in, title_with_finding

PER_ITEM_LIMIT = 2.0  # effort-days one item can absorb in a day
SWITCHING_FREE = 6  # items in progress before switching between them starts to cost time
SWITCHING_COST = 0.035  # share of the team's time lost per item beyond that
DAYS_PER_WEEK = 5


@dataclass(frozen=True)
class Outcome:
    """What one setting of the controls gives, over many runs of the model."""

    wip_limit: int
    capacity: float
    cycle_time_days: float  # mean elapsed working days from start to done
    throughput_per_week: float
    weeks: np.ndarray  # weeks to finish the remaining items, one per run

    def percentile(self, share: float) -> float:
        return float(np.percentile(self.weeks, share * 100))


def item_efforts(backlog: pd.DataFrame) -> np.ndarray:
    """Effort-days for each item not done: about 0.9 a story point (3 points for an item not
    estimated, one and a half days for a bug), as the team's history suggests."""
    remaining = backlog[backlog["backlog_rank"].notna()].sort_values("backlog_rank")
    points = remaining["estimate_points"].astype("Float64")
    bugs = (remaining["item_type"] == "Bug").to_numpy()
    effort = (points.fillna(3.0) * 0.9).to_numpy(dtype=float)
    effort[bugs] = 1.5
    return effort


def run_team(efforts: np.ndarray, wip_limit: int, capacity: float,
             rng: np.random.Generator, max_days: int = 400) -> tuple[int, list[int]]:
    """One run of the model: the working days until every item is done, and each item's
    cycle time in working days."""
    size = efforts * rng.lognormal(0.0, 0.35, size=efforts.size)
    done = np.zeros(efforts.size)
    started = np.full(efforts.size, -1)
    finished = np.full(efforts.size, -1)
    next_item = 0
    for day in range(max_days):
        active = np.flatnonzero((started >= 0) & (finished < 0))
        while active.size < wip_limit and next_item < efforts.size:
            started[next_item] = day
            active = np.append(active, next_item)
            next_item += 1
        if active.size == 0:
            return day, list(finished - started + 1)
        lost = SWITCHING_COST * max(0, active.size - SWITCHING_FREE)
        share = min(PER_ITEM_LIMIT, capacity * max(0.45, 1.0 - lost) / active.size)
        done[active] += share * rng.uniform(0.6, 1.4, size=active.size)
        finished[active[done[active] >= size[active]]] = day
    return max_days, [int(f - s + 1) for f, s in zip(finished, started, strict=True) if f >= 0]


def simulate(efforts: np.ndarray, wip_limit: int, capacity: float, runs: int = 60,
             seed: int = 2026) -> Outcome:
    """Many runs of the model for one setting: mean cycle time, throughput, finish weeks."""
    rng = np.random.default_rng(seed)
    days, cycles = [], []
    for _ in range(runs):
        total, cycle = run_team(efforts, wip_limit, capacity, rng)
        days.append(total)
        cycles.extend(cycle)
    days_array = np.asarray(days, dtype=float)
    weeks = np.ceil(days_array / DAYS_PER_WEEK)
    throughput = efforts.size / (days_array.mean() / DAYS_PER_WEEK)
    return Outcome(wip_limit, capacity, float(np.mean(cycles)), float(throughput), weeks)


class DeliveryExplorer:
    """Sliders for the WIP limit and the team's capacity; a histogram of the weeks the
    remaining backlog takes, with its median and 85th percentile marked; the finding in words.
    """

    def __init__(self, backlog: pd.DataFrame, runs: int = 60) -> None:
        self.efforts = item_efforts(backlog)
        self.runs = runs
        self.wip_limit = widgets.IntSlider(value=6, min=1, max=24, description="WIP limit",
                                           continuous_update=False)
        self.capacity = widgets.FloatSlider(value=3.2, min=1.0, max=6.0, step=0.2,
                                            description="Capacity", readout_format=".1f",
                                            continuous_update=False)
        self.summary = widgets.HTML()
        self.output = widgets.Output()
        self.figure: plt.Figure | None = None
        self.outcome: Outcome | None = None
        for control in (self.wip_limit, self.capacity):
            control.observe(self._on_change, names="value")
        capacity_note = widgets.HTML("<p>Capacity: the team's effort-days of development a "
                                     "working day (five people give about 3.2).</p>")
        self.widget = widgets.VBox([widgets.HBox([self.wip_limit, self.capacity]),
                                    capacity_note, self.summary, self.output])
        self.update()

    def _on_change(self, _change: dict) -> None:
        self.update()

    def update(self) -> None:
        """Rerun the model for the current controls; redraw the chart and the summary."""
        self.outcome = simulate(self.efforts, self.wip_limit.value, self.capacity.value,
                                self.runs)
        self.summary.value = f"<p>{html.escape(self.describe())}</p>"
        if self.figure is not None:
            plt.close(self.figure)
        self.figure, ax = plt.subplots(figsize=(7, 3.4))
        weeks = self.outcome.weeks
        bins = np.arange(weeks.min() - 0.5, weeks.max() + 1.5)
        ax.hist(weeks, bins=bins, color="#0072B2", edgecolor="white")
        for share, style, label in ((0.5, "--", "median"), (0.85, ":", "85th percentile")):
            value = self.outcome.percentile(share)
            ax.axvline(value, color="black", linestyle=style, marker="",
                       label=f"{label}: {value:.0f} weeks")
        ax.legend(loc="upper right")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole weeks
        ax.set_xlabel("Weeks to finish the remaining backlog")
        ax.set_ylabel(f"Runs (of {self.runs})")
        title_with_finding(ax, f"85% of runs finish within {self.outcome.percentile(0.85):.0f} "
                               "weeks", f"WIP limit {self.wip_limit.value}, capacity "
                                        f"{self.capacity.value:.1f}")
        show_in(self.output, self.figure)

    def describe(self) -> str:
        """The chart's finding in words."""
        outcome = self.outcome
        return (f"With a WIP limit of {outcome.wip_limit} and a capacity of "
                f"{outcome.capacity:.1f} effort-days a day, an item takes "
                f"{outcome.cycle_time_days:.1f} working days on average from start to done, "
                "and the team finishes about "
                f"{outcome.throughput_per_week:.1f} items a week. The {self.efforts.size} items "
                f"left take {outcome.percentile(0.5):.0f} weeks in half the runs and "
                f"{outcome.percentile(0.85):.0f} weeks or fewer in 85% of them.")

    def data_behind(self):
        """The histogram's counts, folded under the chart."""
        counts = pd.Series(self.outcome.weeks).value_counts().sort_index()
        table = counts.rename("runs").rename_axis("weeks to finish").to_frame()
        return data_behind(table, f"Runs of the model finishing in each number of weeks (WIP "
                                  f"limit {self.wip_limit.value}, capacity "
                                  f"{self.capacity.value:.1f})")

    def _ipython_display_(self) -> None:
        display(self.widget)


def delivery_explorer(backlog: pd.DataFrame) -> DeliveryExplorer:
    """Build the explorer for a backlog loaded with ``load_agile_backlog``."""
    return DeliveryExplorer(backlog)
