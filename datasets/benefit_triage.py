"""Generate module 5's tables: two years of a benefit's applications with what officers did and
what turned out to be true, and the first six months of a model that triages them.

Why synthetic: a model that decides who waits for a manual review is judged on the people it
reviews, and a real program's applications are personal information. The program is fictional
(book/fictional-world.md): the Department of Household Benefits' Caregiver Allowance. The
department proposes a model that scores each application for the risk of an overpayment
(money paid that the applicant was not entitled to, later recovered as a debt), so that
officers review the riskiest before payment instead of choosing by rules of thumb. The tables
hold what an evaluation and a monitoring team would work from:

* allowance_applications.csv: one row per application from April 2024 to March 2026 (fiscal
  years 2024-2025 and 2025-2026), with the facts the model may use, whether the applicant came
  to Canada in the last five years (a group attribute, recorded for GBA Plus analysis and not
  given to the model), whether an officer reviewed it before payment (the past decision),
  whether an overpayment was later established by the year-end reconciliation with tax data
  (the outcome), and the model's score. The model is a logistic regression fitted to fiscal
  2024-2025 (its training year); 2025-2026 is the year it was tested on.
* triage_pilot.csv: one row per application in the first six months after launch, April to
  September 2026, with the model's score, whether it was flagged for review, and the outcome
  from the first check against tax data (November 2026).

Planted, for the lessons to find (datasets/datapackage.json lists them as known issues):

* officers reviewed newcomers' applications far more often than others', more than the
  newcomers' overpayments explain (their rule of thumb was "newcomer or foreign income: review");
* newcomers' overpayments really are more frequent (foreign income is harder to verify, and
  people who have just moved have short histories), so the base rates differ and a model
  cannot give both groups equal selection rates and equal error rates at once;
* the model is not given the group, but foreign income and months at the address carry it;
* the allowance was widened to part-time caregivers on 1 December 2025, after the training
  year; from June 2026 part-time caregivers apply in large numbers after the online
  application opens. Their incomes change a lot from one year to the next, which the model
  reads as risk, but the online form checks income against tax data, so few are overpaid: the
  share flagged rises and the share of flags that find an overpayment falls.

The model's coefficients below were fitted once (scikit-learn's LogisticRegression, default
settings) on the 2024-2025 rows this generator makes, and are written here so that the
committed scores do not depend on a solver's last digits. Run ``python datasets/generate.py``
to rewrite every table; the output is the same for the same seed, and a test checks that the
committed files match.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

SEED = 20260401
HISTORY_MONTHS = [(2024 + (m + 3) // 12, (m + 3) % 12 + 1) for m in range(24)]
PILOT_MONTHS = [(2026, m) for m in range(4, 10)]
HISTORY_PER_MONTH = 150  # applications a month on paper and by phone, on average
PILOT_PER_MONTH = 260  # more once the online application opens
PART_TIME_FROM = (2025, 12)  # the allowance was widened to part-time caregivers
NEWCOMER_SHARE = 0.2
# Part-time caregivers' share of applications: none before the widening, some after, many once
# the online application is promoted to them.
PART_TIME_SHARE = {"before": 0.0, "widened": 0.22, "pilot": 0.22, "promoted": 0.6}
PROMOTED_FROM = (2026, 6)
# The online form checks the income typed against tax data from June 2026 ("tell us once").
INCOME_CHECK_FROM = (2026, 6)
FLAG_THRESHOLD = 0.2  # the pilot's threshold: a score at or above it goes to an officer

# The model: features, in order, and the coefficients of the logistic regression fitted on
# fiscal 2024-2025 (see the module docstring).
FEATURES = ["income_change_pct", "documents_missing", "prior_overpayment", "foreign_income",
            "months_at_address", "care_hours_week"]
INTERCEPT = -3.35765
COEFFICIENTS = [0.086952, 0.61367, 1.6342, 1.011, -0.0035359, 0.00057438]


def _month_days(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - date(year, month, 1)).days


def _fiscal_year(year: int, month: int) -> str:
    start = year if month >= 4 else year - 1
    return f"{start}-{start + 1}"


def _applicant(rng: np.random.Generator, part_time_share: float) -> dict:
    """The facts on one application, before anyone looks at it."""
    newcomer = bool(rng.random() < NEWCOMER_SHARE)
    part_time = bool(rng.random() < part_time_share)
    hours = int(np.clip(rng.normal(18, 5), 8, 29)) if part_time else \
        int(np.clip(rng.normal(42, 8), 30, 80))
    income = float(np.exp(rng.normal(math.log(38_000 if newcomer else 47_000), 0.35)))
    # How much the household's income moved since the last tax year, in percent: part-time
    # caregivers often combine care with irregular work, so theirs moves more.
    spread = 35 if part_time else 12
    change = float(rng.normal(0, spread))
    months = int(rng.exponential(16 if newcomer else 70)) + 1
    foreign = bool(rng.random() < (0.55 if newcomer else 0.04))
    return {
        "caregiver_type": "part-time" if part_time else "full-time",
        "care_hours_week": hours,
        "household_income": int(round(income, -2)),
        "income_change_pct": round(abs(change), 1),
        "months_at_address": min(months, 360),
        "documents_missing": int(min(3, rng.poisson(0.35))),
        "prior_overpayment": "Y" if rng.random() < (0.03 if newcomer else 0.07) else "N",
        "foreign_income": "Y" if foreign else "N",
        "newcomer": "Y" if newcomer else "N",
    }


def _yes(value: str) -> float:
    return 1.0 if value == "Y" else 0.0


def _overpaid(rng: np.random.Generator, row: dict, income_checked: bool) -> bool:
    """Whether the reconciliation later finds an overpayment. Income that moved is the main
    cause, unless the form checked the income against tax data when the person applied."""
    change = row["income_change_pct"] * (0.15 if income_checked else 1.0)
    logit = (-3.9 + 0.09 * change + 0.8 * row["documents_missing"]
             + 1.6 * _yes(row["prior_overpayment"]) + 1.0 * _yes(row["foreign_income"])
             + 0.9 * (row["months_at_address"] < 12))
    return bool(rng.random() < 1 / (1 + math.exp(-logit)))


def _officer_reviewed(rng: np.random.Generator, row: dict) -> bool:
    """The past decision: officers' rules of thumb, which weigh being a newcomer and foreign
    income far beyond what they predict."""
    logit = (-2.4 + 0.03 * row["income_change_pct"] + 0.5 * row["documents_missing"]
             + 1.0 * _yes(row["prior_overpayment"]) + 1.6 * _yes(row["newcomer"])
             + 0.8 * _yes(row["foreign_income"]))
    return bool(rng.random() < 1 / (1 + math.exp(-logit)))


def model_score(row: dict) -> float:
    """The model's estimate of the chance of an overpayment, from the features alone."""
    values = [row["income_change_pct"], row["documents_missing"], _yes(row["prior_overpayment"]),
              _yes(row["foreign_income"]), row["months_at_address"], row["care_hours_week"]]
    logit = INTERCEPT + sum(c * v for c, v in zip(COEFFICIENTS, values, strict=True))
    return round(1 / (1 + math.exp(-logit)), 3)


def _received(rng: np.random.Generator, year: int, month: int) -> str:
    return (date(year, month, 1) + timedelta(days=int(rng.integers(_month_days(year, month)))))\
        .isoformat()


def _history(rng: np.random.Generator) -> list[dict]:
    rows = []
    for year, month in HISTORY_MONTHS:
        share = PART_TIME_SHARE["widened" if (year, month) >= PART_TIME_FROM else "before"]
        for _ in range(int(rng.poisson(HISTORY_PER_MONTH))):
            row = _applicant(rng, share)
            row["channel"] = "paper" if rng.random() < 0.6 else "phone"
            row |= {"officer_review": "Y" if _officer_reviewed(rng, row) else "N",
                    "overpayment": "Y" if _overpaid(rng, row, income_checked=False) else "N",
                    "model_score": model_score(row)}
            rows.append({"received": _received(rng, year, month),
                         "fiscal_yr": _fiscal_year(year, month), **row})
    rows.sort(key=lambda r: r["received"])
    return [{"application_id": f"CA-{r['received'][2:4]}-{n:05d}", **r}
            for n, r in enumerate(rows, 1)]


def _pilot(rng: np.random.Generator) -> list[dict]:
    rows = []
    for year, month in PILOT_MONTHS:
        share = PART_TIME_SHARE["promoted" if (year, month) >= PROMOTED_FROM else "pilot"]
        volume = PILOT_PER_MONTH * (1.6 if (year, month) >= PROMOTED_FROM else 1.0)
        for _ in range(int(rng.poisson(volume))):
            row = _applicant(rng, share)
            online = bool(rng.random() < 0.7)
            row["channel"] = "online" if online else str(rng.choice(["paper", "phone"]))
            checked = online and (year, month) >= INCOME_CHECK_FROM
            score = model_score(row)
            row |= {"model_score": score, "flagged": "Y" if score >= FLAG_THRESHOLD else "N",
                    "overpayment": "Y" if _overpaid(rng, row, income_checked=checked) else "N"}
            rows.append({"received": _received(rng, year, month), **row})
    rows.sort(key=lambda r: r["received"])
    return [{"application_id": f"CA-26-{n + 50_000:05d}", **r} for n, r in enumerate(rows, 1)]


def tables(earlier: dict[str, list[dict]], seed: int = SEED) -> dict[str, list[dict]]:
    """The two tables, by name, as rows (datasets/generate.py writes them); ``earlier`` is not
    needed: module 5's world starts in April 2024."""
    del earlier
    rng = np.random.default_rng(seed)
    return {"allowance_applications": _history(rng), "triage_pilot": _pilot(rng)}
