"""One accessible plotting style for every figure in the book.

Why a shared style: readers who see colour differently, readers on small screens and readers
using a screen reader must get the same finding from every chart. The palette is Okabe and Ito's
colour-blind-safe set, keeping only the colours with at least 3:1 contrast against white (the
WCAG 2.1 minimum for parts of a graphic needed to understand it); every series also gets
its own marker and line style so that no information is carried by colour alone; text is large
enough to read; figures are drawn as SVG with real text, which stays sharp and light.
"""

from __future__ import annotations

import matplotlib as mpl
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

#: Okabe-Ito colours with at least 3:1 contrast on white, most distinct first. Their orange
#: (#E69F00), sky blue (#56B4E9) and yellow (#F0E442) are left out: too pale on white.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000"]
MARKERS = ["o", "s", "^", "D", "v"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1))]
BACKGROUND = "#FFFFFF"

COURSE_RC = {
    "axes.prop_cycle": cycler(color=PALETTE) + cycler(marker=MARKERS)
    + cycler(linestyle=LINESTYLES),
    "figure.figsize": (7.0, 4.0),
    "figure.facecolor": BACKGROUND,
    "axes.facecolor": BACKGROUND,
    "figure.dpi": 100,
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.8,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "lines.markersize": 6,
    "svg.fonttype": "none",
    "svg.hashsalt": "public-service-data-literacy",
}


def use_course_style() -> None:
    """Apply the course style to matplotlib, and ask Jupyter for SVG figures.

    Call once at the top of a notebook. SVG keeps pages light and text selectable; the fixed
    hash salt makes the SVG identical on every run, so rebuilt pages do not change needlessly.
    """
    mpl.rcParams.update(COURSE_RC)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # plain Python: nothing to configure
        return
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        # In a Jupyter kernel, draw inline even if MPLBACKEND names a non-interactive backend
        # (as CI machines often do): otherwise figures silently vanish from pages.
        shell.run_line_magic("matplotlib", "inline")
        set_matplotlib_formats("svg")


def title_with_finding(ax: Axes, finding: str, subtitle: str | None = None) -> None:
    """Title a chart with its finding ("Online take-up rose every year"), not its topic."""
    ax.set_title(finding if subtitle is None else f"{finding}\n{subtitle}")


def thousands_axis(ax: Axes, axis: str = "y") -> None:
    """Show large counts with thousands separators (12,500 rather than 12500)."""
    formatter = FuncFormatter(lambda value, _pos: f"{value:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def percent_axis(ax: Axes, axis: str = "y", decimals: int = 0) -> None:
    """Show a fraction between 0 and 1 as a percentage."""
    formatter = PercentFormatter(xmax=1.0, decimals=decimals)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


class DataBehindChart:
    """A chart's numbers as a table, folded under "Data behind this chart".

    Screen-reader users, and anyone who wants the exact values, get the numbers a chart is drawn
    from as text (WCAG 2.1, success criterion 1.1.1 asks for a text alternative that serves the
    same purpose). In a notebook or on the book's web page it shows as a collapsed section that
    opens with a click or the keyboard; as plain text it prints the table.
    """

    def __init__(self, table, caption: str) -> None:
        import pandas as pd

        self.table = table.to_frame() if isinstance(table, pd.Series) else table
        self.caption = caption

    def _repr_html_(self) -> str:
        import html

        table = self.table.to_html(border=0, na_rep="no data")
        table = table.replace(">", f"><caption>{html.escape(self.caption)}</caption>", 1)
        return (f'<details class="data-behind-chart"><summary>Data behind this chart: '
                f"{html.escape(self.caption)}</summary>{table}</details>")

    def __repr__(self) -> str:
        return f"Data behind this chart: {self.caption}\n{self.table.to_string()}"


def data_behind(table, caption: str) -> DataBehindChart:
    """Show the table a chart is drawn from, folded, right after the chart.

    ``table`` is a DataFrame or Series with readable labels and values already rounded or
    formatted; ``caption`` says what the rows and columns are, with units.
    """
    return DataBehindChart(table, caption)


def show_in(output, figure) -> None:
    """Draw an explorer's new figure in its output area, replacing the last one, and free it:
    each move of a control makes a new figure, and open figures would pile up in memory."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    figure.tight_layout()
    output.clear_output(wait=True)
    with output:
        display(figure)
    plt.close(figure)


def month_axis(ax: Axes, axis: str = "x") -> None:
    """Label a time axis of months by year ("2021"), with a tick at each January, so that the
    labels never run into each other."""
    import matplotlib.dates as mdates

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(mdates.YearLocator())
    target.set_major_formatter(mdates.DateFormatter("%Y"))
