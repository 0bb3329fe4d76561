"""The cleaning steps of lesson 1, as one function later lessons can reuse.

Lesson 1 ("Loading and cleaning service data") walks through each step and why it is needed;
this function repeats them so lessons 2 and 3 and the assignment start from the same clean table.
"""

from __future__ import annotations

import pandas as pd

VOLUME_COLUMNS = [
    "num_applications_online",
    "num_applications_in_person",
    "num_applications_by_phone",
    "num_applications_by_mail",
    "num_phone_enquiries",
]

# The one documented unit mix-up (datasets/datapackage.json, "knownIssues"): this department
# reported its website visits for this year in thousands.
WEBSITE_VISITS_IN_THOUSANDS = [(903, "2022-2023")]


def volumes_to_numbers(codes: pd.Series) -> pd.Series:
    """Turn an inventory volume column into whole numbers.

    "NA" means the channel is not offered, so no application came through it: 0.
    "ND" means nobody counted: the number is unknown, so it becomes a missing value.
    """
    text = codes.astype("string").str.strip()
    text = text.replace({"NA": "0", "ND": None})
    return pd.to_numeric(text).astype("Int64")


def most_common(spellings: pd.Series) -> str:
    """The spelling used most often."""
    return spellings.value_counts().index[0]


def official_department_names(inventory: pd.DataFrame) -> pd.Series:
    """The spelling each org_id uses most often, as a Series indexed by org_id."""
    names = inventory["department_en"].astype("string").str.strip()
    return names.groupby(inventory["org_id"]).agg(most_common)


def clean_service_inventory(raw: pd.DataFrame) -> pd.DataFrame:
    """Return a tidy copy of the raw inventory; the raw table is left unchanged.

    Steps: drop exact duplicate rows; give each department one name (the one its org_id uses
    most often); turn volume codes into numbers; correct the documented unit mix-up.
    """
    clean = raw.drop_duplicates().reset_index(drop=True).copy()
    official = official_department_names(clean)
    clean["department_en"] = clean["org_id"].map(official).astype("string")
    for column in VOLUME_COLUMNS:
        clean[column] = volumes_to_numbers(clean[column])
    for org_id, fiscal_yr in WEBSITE_VISITS_IN_THOUSANDS:
        rows = (clean["org_id"] == org_id) & (clean["fiscal_yr"] == fiscal_yr)
        clean.loc[rows, "num_website_visits"] = clean.loc[rows, "num_website_visits"] * 1000
    return clean
