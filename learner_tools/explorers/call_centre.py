"""Module 1's explorer: a department's call-centre measures, month by month."""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from learner_tools.style import (
    data_behind,
    month_axis,
    percent_axis,
    show_in,
    thousands_axis,
    title_with_finding,
)

SERVICE_STANDARD = 0.80  # share of calls to answer within 10 minutes


@dataclass(frozen=True)
class Measure:
    label: str
    unit: str
    is_share: bool


MEASURES = {
    "calls_received": Measure("Calls received", "calls per month", False),
    "share_within_10_min": Measure("Calls answered within 10 minutes", "share of answered calls",
                                   True),
    "mean_wait_minutes": Measure("Average wait", "minutes", False),
}


def call_centre_measures(calls: pd.DataFrame) -> pd.DataFrame:
    """Add the share of answered calls that met the 10-minute standard."""
    table = calls.copy()
    table["share_within_10_min"] = (
        table["answered_within_10_min"] / table["calls_answered"]
    ).astype(float)
    return table


class CallCentreExplorer:
    """Explore a department's monthly call-centre measures, and see what the y-axis does.

    Controls: department, measure, and whether the vertical axis starts at zero. A truncated
    axis makes small changes look dramatic; the lesson asks learners to try both.
    """

    def __init__(self, calls: pd.DataFrame) -> None:
        self.calls = call_centre_measures(calls)
        departments = sorted(self.calls["department_en"].astype(str).unique())
        self.department = widgets.Dropdown(options=departments, value=departments[0],
                                           description="Department")
        self.measure = widgets.Dropdown(
            options=[(m.label, key) for key, m in MEASURES.items()],
            value="calls_received", description="Measure",
        )
        self.axis_from_zero = widgets.Checkbox(value=True, description="Start axis at zero")
        self.summary = widgets.HTML()
        self.output = widgets.Output()
        self.figure: plt.Figure | None = None
        self.table = pd.DataFrame()
        for control in (self.department, self.measure, self.axis_from_zero):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.department, self.measure]), self.axis_from_zero,
             self.summary, self.output]
        )
        self.update()

    def _on_change(self, _change: dict) -> None:
        self.update()

    def update(self) -> None:
        """Recompute the table, the summary and the chart for the current controls."""
        key = self.measure.value
        measure = MEASURES[key]
        rows = self.calls[self.calls["department_en"] == self.department.value]
        self.table = rows[["month", key]].reset_index(drop=True)
        self.summary.value = f"<p>{html.escape(self.describe())}</p>"
        if self.figure is not None:
            plt.close(self.figure)
        self.figure, ax = plt.subplots(figsize=(7, 3.6))
        x = self.table["month"].dt.to_timestamp()
        ax.plot(x, self.table[key].astype(float), label=measure.label, markevery=3)
        if key == "share_within_10_min":
            ax.axhline(SERVICE_STANDARD, color="black", linestyle=":", marker="",
                       label="Service standard (80%)")
            ax.legend(loc="lower left")
            percent_axis(ax)
        elif key == "calls_received":
            thousands_axis(ax)
        if self.axis_from_zero.value:
            ax.set_ylim(bottom=0, top=1.0 if measure.is_share else None)
        month_axis(ax)
        ax.set_ylabel(f"{measure.label}\n({measure.unit})")
        ax.set_xlabel("Month")
        title_with_finding(ax, f"{measure.label}, {self.department.value}")
        show_in(self.output, self.figure)

    def describe(self) -> str:
        """The chart's finding in words: the range and the best and worst months."""
        key = self.measure.value
        measure = MEASURES[key]
        values = self.table[key].astype(float)
        months = self.table["month"].astype(str)
        low, high = values.idxmin(), values.idxmax()

        def show(v: float) -> str:
            return f"{v:.0%}" if measure.is_share else f"{v:,.1f}" if v < 100 else f"{v:,.0f}"

        text = (f"{measure.label} ({measure.unit}) at the {self.department.value}: lowest "
                f"{show(values[low])} in {months[low]}, highest {show(values[high])} in "
                f"{months[high]}.")
        if key == "share_within_10_min":
            missed = int((values < SERVICE_STANDARD).sum())
            text += f" The 80% standard was missed in {missed} of {len(values)} months."
        return text

    def data_behind(self):
        """The numbers the current chart is drawn from, folded under the chart."""
        measure = MEASURES[self.measure.value]
        table = self.table.assign(month=self.table["month"].astype(str)).set_index("month")
        table = table.round(3).rename(columns={self.measure.value: measure.label})
        return data_behind(table, f"{measure.label} ({measure.unit}) by month, "
                                  f"{self.department.value}")

    def _ipython_display_(self) -> None:
        display(self.widget)


def call_centre_explorer(calls: pd.DataFrame) -> CallCentreExplorer:
    """Build the call-centre explorer for a table loaded with ``load_call_centre_monthly``."""
    return CallCentreExplorer(calls)
