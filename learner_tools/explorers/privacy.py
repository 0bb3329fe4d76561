"""Module 4's explorer: how much a table must be coarsened before no one in it stands out, and
what noise does to the counts published from it.

Controls: the width of the age bands, how much of the postal prefix is kept, and the privacy
budget epsilon of the Laplace noise added to the published counts. The summary says, in words,
how many people are unique, how many sit in groups of fewer than five, and how far the noise
moves a published count, so that the trade-off between privacy and usefulness is read, not
only seen.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML, display

from learner_tools.privacy import (
    AGE_BANDS,
    POSTAL_LETTERS,
    counts_over,
    group_sizes,
    laplace_counts,
    shorten_postal_prefix,
    widen_age_bands,
)

QUASI_IDENTIFIERS = ["age_band", "postal_prefix", "language"]
SMALL_GROUP = 5  # a common threshold for releasing counts; a policy choice, set in the PIA
NOISE_SEED = 20231201  # fixed, so the lesson's figures are the same on every run
PLACES = {"3 characters (forward sortation area)": 3, "first letter (province or region)": 1,
          "none (all of Canada)": 0}
EPSILONS = [0.1, 0.25, 0.5, 1.0, 2.0, 5.0]


class PrivacyExplorer:
    """Three controls; the groups' sizes and the published counts' error, in a table and in
    words."""

    def __init__(self, callers: pd.DataFrame, age_width: int = 5, postal_characters: int = 3,
                 epsilon: float = 1.0) -> None:
        self.callers = callers
        self.age_width = widgets.Dropdown(options=[("5 years", 5), ("10 years", 10),
                                                   ("20 years", 20)], value=age_width,
                                          description="Age bands")
        self.place = widgets.Dropdown(options=list(PLACES.items()),
                                      value=postal_characters, description="Postal prefix",
                                      style={"description_width": "initial"})
        self.epsilon = widgets.SelectionSlider(options=EPSILONS, value=epsilon,
                                               description="Epsilon",
                                               continuous_update=False)
        self.table = widgets.HTML()
        self.summary = widgets.HTML()
        for control in (self.age_width, self.place, self.epsilon):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.age_width, self.place]), self.epsilon,
                                    self.summary, self.table])
        self.update()

    def _on_change(self, _change: dict) -> None:
        self.update()

    def coarsened(self) -> pd.DataFrame:
        """The callers with ages and postal prefixes coarsened as the controls say."""
        return self.callers.assign(
            age_band=widen_age_bands(self.callers["age_band"], self.age_width.value),
            postal_prefix=shorten_postal_prefix(self.callers["postal_prefix"],
                                                self.place.value))

    def update(self) -> None:
        """Recompute the groups, the published counts and their noise."""
        table = self.coarsened()
        sizes = group_sizes(table, QUASI_IDENTIFIERS)
        self.unique = int((sizes == 1).sum())
        self.in_small_groups = int((sizes < SMALL_GROUP).sum())
        self.k = int(sizes.min())
        # Published: counts by age band, region and reason over a domain fixed in advance, so
        # that a zero is published too (a list of only the cells that occur gives them away).
        bands = widen_age_bands(pd.Series(AGE_BANDS), self.age_width.value).unique().tolist()
        domain = {"age_band": bands, "region": POSTAL_LETTERS,
                  "reason": list(self.callers["reason"].cat.categories)}
        counts = counts_over(table.assign(region=self.callers["postal_prefix"].str[0]), domain)
        noisy = laplace_counts(counts, self.epsilon.value, seed=NOISE_SEED)
        errors = (noisy - counts).abs()
        self.published_cells = len(counts)
        self.mean_error = float(errors.mean())
        self.largest_error = int(errors.max())
        smallest = (table.assign(size=sizes).groupby(QUASI_IDENTIFIERS, observed=True)["size"]
                    .first().sort_values().head(5).reset_index())
        self.smallest_groups = smallest.rename(columns={"size": "people in the group"})
        table = self.smallest_groups.to_html(index=False, border=0)
        self.table.value = table.replace(">", "><caption>The five smallest groups</caption>", 1)
        self.summary.value = "<p>" + html.escape(self.describe()) + "</p>"

    def describe(self) -> str:
        """What the current choice does to the people in the table and to the counts."""
        place = {3: "the full postal prefix", 1: "only the first letter of the postal prefix",
                 0: "no place at all"}[self.place.value]
        return (f"With {self.age_width.value}-year age bands and {place}: {self.unique:,} of "
                f"{len(self.callers):,} callers are unique, {self.in_small_groups:,} are in "
                f"groups of fewer than {SMALL_GROUP}, and the smallest group holds {self.k}. "
                f"Publishing the {self.published_cells:,} counts by age band, region and reason "
                f"(zeros included) with epsilon {self.epsilon.value:g}, the noise moves a count by "
                f"{self.mean_error:.1f} on average, and by at most {self.largest_error}.")

    def still(self) -> HTML:
        """The current view as plain HTML, for the book's web pages, which have no kernel."""
        return HTML(f'<div class="privacy-explorer-still"><p>{html.escape(self.describe())}'
                    f"</p>{self.table.value}</div>")

    def _ipython_display_(self) -> None:
        display(self.widget)


def privacy_explorer(callers: pd.DataFrame, age_width: int = 5, postal_characters: int = 3,
                     epsilon: float = 1.0) -> PrivacyExplorer:
    """Build the explorer on module 4's callers (``lt.load_benefit_callers()``)."""
    return PrivacyExplorer(callers, age_width, postal_characters, epsilon)
