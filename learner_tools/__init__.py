"""Helpers for learners: load the course datasets, plot accessibly, explore with widgets.

Everything a lesson needs beyond pandas and matplotlib lives here, so lessons stay short and the
same code is tested once instead of being copied into every notebook.
"""

from learner_tools.checks import short_check_messages
from learner_tools.data import (
    DatasetError,
    data_dir,
    generated_dataset,
    list_datasets,
    load_agile_backlog,
    load_agile_sprints,
    load_agile_status_changes,
    load_allowance_applications,
    load_benefit_callers,
    load_call_centre_monthly,
    load_call_reasons_monthly,
    load_dataset,
    load_portal_sign_ins,
    load_renewal_interviews,
    load_renewal_sessions,
    load_renewal_survey,
    load_service_inventory,
    load_service_transactions,
    load_triage_pilot,
)
from learner_tools.intervals import difference_interval, wilson_interval
from learner_tools.style import data_behind

__all__ = [
    "DatasetError",
    "data_behind",
    "data_dir",
    "difference_interval",
    "generated_dataset",
    "list_datasets",
    "load_agile_backlog",
    "load_agile_sprints",
    "load_agile_status_changes",
    "load_allowance_applications",
    "load_benefit_callers",
    "load_call_centre_monthly",
    "load_call_reasons_monthly",
    "load_dataset",
    "load_portal_sign_ins",
    "load_renewal_interviews",
    "load_renewal_sessions",
    "load_renewal_survey",
    "load_service_inventory",
    "load_service_transactions",
    "load_triage_pilot",
    "short_check_messages",
    "wilson_interval",
]
