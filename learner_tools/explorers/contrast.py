"""Module 3's explorer: pick a text colour and a background, see their contrast ratio and
whether it meets WCAG 2.1 for normal and for large text.

The verdicts are written in words ("passes", "fails") beside the ratio, never shown by colour
alone, and the sample text is drawn in the chosen colours so that the learner sees what a
ratio means.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
from IPython.display import HTML, display

from learner_tools.contrast import MINIMUM_RATIO, contrast_ratio, passes


class ContrastExplorer:
    """Two colour pickers; a sample of normal and large text; the ratio and four verdicts."""

    def __init__(self, text: str = "#767676", background: str = "#ffffff") -> None:
        self.text = widgets.ColorPicker(value=text, description="Text", concise=False)
        self.background = widgets.ColorPicker(value=background, description="Background",
                                              concise=False)
        self.sample = widgets.HTML()
        self.summary = widgets.HTML()
        self.ratio = 0.0
        self.verdicts: dict[tuple[str, str], bool] = {}
        for control in (self.text, self.background):
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.text, self.background]), self.sample,
                                    self.summary])
        self.update()

    def _on_change(self, _change: dict) -> None:
        self.update()

    def update(self) -> None:
        """Recompute the ratio and the verdicts for the chosen colours."""
        text, background = self.text.value, self.background.value
        try:
            self.ratio = contrast_ratio(text, background)
        except ValueError as error:  # a colour typed by name, say: say what to type instead
            self.ratio, self.verdicts = float("nan"), {}
            self.summary.value = f"<p>{html.escape(str(error))}</p>"
            return
        self.verdicts = {key: passes(self.ratio, *key) for key in MINIMUM_RATIO}
        style = f"color:{html.escape(text)};background:{html.escape(background)};padding:0.5em"
        self.sample.value = (f'<div style="{style}"><p style="margin:0">Normal text: apply '
                             'for your renewal online.</p><p style="margin:0;font-size:24px">'
                             "Large text: 18 point</p></div>")
        self.summary.value = "<p>" + html.escape(self.describe()) + "</p>"

    def describe(self) -> str:
        """The ratio and what it meets, in words."""
        def verdict(level: str, size: str) -> str:
            word = "passes" if self.verdicts[(level, size)] else "fails"
            return f"{word} {level} for {size} text (needs {MINIMUM_RATIO[(level, size)]}:1)"

        return (f"Contrast ratio {self.ratio:.2f}:1 between {self.text.value} and "
                f"{self.background.value}: it {verdict('AA', 'normal')}, "
                f"{verdict('AA', 'large')}, {verdict('AAA', 'normal')} and "
                f"{verdict('AAA', 'large')}.")

    def still(self) -> HTML:
        """The explorer's current view as plain HTML: the two colours, the sample and the verdicts.

        The book's web pages have no kernel, so the widget itself shows nothing there; this copy
        of its first view does, as text a screen reader can read rather than a picture.
        """
        colours = (f"<p>Text {html.escape(self.text.value)} on background "
                   f"{html.escape(self.background.value)}:</p>")
        return HTML(f'<div class="contrast-explorer-still">{colours}{self.sample.value}'
                    f"{self.summary.value}</div>")

    def _ipython_display_(self) -> None:
        display(self.widget)


def contrast_explorer(text: str = "#767676", background: str = "#ffffff") -> ContrastExplorer:
    """Build the explorer, starting from two colours written as #RRGGBB."""
    return ContrastExplorer(text, background)
