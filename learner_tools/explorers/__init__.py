"""Interactive explorers (ipywidgets) used by the lessons, one module per course module.

Each explorer is a small class: its controls, what it currently shows, a plain-language
summary of it, and (where there is one) a chart. Keeping the state on the object (not only on
the screen) means a test can set a control and check that the table, the summary and the chart
changed, with no browser; and the summary gives screen-reader users the finding in words.
"""

from learner_tools.explorers.call_centre import call_centre_explorer, call_centre_measures
from learner_tools.explorers.contrast import contrast_explorer
from learner_tools.explorers.delivery import delivery_explorer
from learner_tools.explorers.privacy import privacy_explorer
from learner_tools.explorers.triage import threshold_explorer

__all__ = ["call_centre_explorer", "call_centre_measures", "contrast_explorer",
           "delivery_explorer", "privacy_explorer", "threshold_explorer"]
