"""Module 5's explorer: move a triage model's threshold and watch who is flagged, who is
wrongly flagged and who is missed, in each group.

One control, the threshold: an application whose score is at or above it goes to an officer
for review before payment. The table gives each group's flagged share, true and false
positive rates and precision; the summary says in words what the threshold costs (honest
applicants delayed, overpayments missed) and how far the groups are apart by the three
measures the lesson teaches, so that the trade-off is read, not only seen.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML, display

from learner_tools.triage import FOUR_FIFTHS, fairness_summary, group_rates

GROUP_NAMES = {"Y": "newcomers", "N": "others"}
COLUMNS = ["applications", "overpaid share", "flagged share", "true positive rate",
           "false positive rate", "precision"]


class ThresholdExplorer:
    """A threshold slider; the rates by group in a table and the trade-off in words."""

    def __init__(self, applications: pd.DataFrame, threshold: float = 0.2,
                 group: str = "newcomer") -> None:
        self.applications = applications
        self.group = group
        self.threshold = widgets.FloatSlider(value=threshold, min=0.05, max=0.6, step=0.01,
                                             description="Threshold", readout_format=".2f",
                                             continuous_update=False)
        self.table = widgets.HTML()
        self.summary = widgets.HTML()
        self.threshold.observe(self._on_change, names="value")
        self.widget = widgets.VBox([self.threshold, self.summary, self.table])
        self.update()

    def _on_change(self, _change: dict) -> None:
        self.update()

    def update(self) -> None:
        """Flag at the current threshold, and recompute the rates by group and the gaps."""
        table = self.applications
        flagged = table["model_score"].astype(float) >= self.threshold.value
        truth = table["overpayment"] == "Y"
        groups = table[self.group].astype(str).map(GROUP_NAMES).fillna(table[self.group])
        self.rates = group_rates(flagged, truth, groups)[COLUMNS]
        self.gaps = fairness_summary(self.rates)
        self.flagged = int(flagged.sum())
        self.delayed = int((flagged & ~truth).sum())  # honest applicants who wait for a review
        self.missed = int((~flagged & truth).sum())  # overpayments paid out, recovered later
        self.found = int((flagged & truth).sum())
        shown = self.rates.copy()
        for column in COLUMNS[1:]:
            shown[column] = shown[column].map("{:.0%}".format)
        html_table = shown.rename_axis("group").reset_index().to_html(index=False, border=0)
        self.table.value = html_table.replace(
            ">", "><caption>Rates by group at this threshold</caption>", 1)
        self.summary.value = "<p>" + html.escape(self.describe()) + "</p>"

    def describe(self) -> str:
        """What the current threshold does, in words."""
        gaps = self.gaps
        ratio = gaps["not-flagged ratio"]
        verdict = ("under four-fifths: evidence of adverse impact by the four-fifths rule"
                   if ratio < FOUR_FIFTHS else "at least four-fifths, as the four-fifths rule asks")
        return (f"At a threshold of {self.threshold.value:.2f}, the model flags "
                f"{self.flagged:,} of {len(self.applications):,} applications: it finds "
                f"{self.found:,} overpayments, delays {self.delayed:,} honest applicants for a "
                f"review, and misses {self.missed:,} overpayments. The flagged shares differ by "
                f"{gaps['demographic parity difference']:.2f} (demographic parity difference); "
                f"the group least often paid without a review is paid without one "
                f"{ratio:.0%} as often as the other ({verdict}); the error "
                f"rates differ by up to {gaps['equalized odds difference']:.2f} (equalized odds "
                f"difference).")

    def still(self) -> HTML:
        """The current view as plain HTML, for the book's web pages, which have no kernel."""
        return HTML(f'<div class="threshold-explorer-still"><p>{html.escape(self.describe())}'
                    f"</p>{self.table.value}</div>")

    def _ipython_display_(self) -> None:
        display(self.widget)


def threshold_explorer(applications: pd.DataFrame, threshold: float = 0.2,
                       group: str = "newcomer") -> ThresholdExplorer:
    """Build the explorer on applications with a ``model_score`` and an ``overpayment``
    outcome (module 5's test year: ``lt.load_allowance_applications()`` for 2025-2026)."""
    return ThresholdExplorer(applications, threshold, group)
