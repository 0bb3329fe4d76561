"""Module 1's prose states numbers; each must be what the data give, so that a change to the
generator cannot leave a lesson saying something the code beside it contradicts."""

from __future__ import annotations

import pandas as pd
import pytest
from lesson_prose import lesson_prose

import learner_tools as lt
from learner_tools.explorers import call_centre_measures


def _prose(name: str) -> str:
    return lesson_prose("01-data-analytics", name)


def _pooled(table: pd.DataFrame, by: str, top: str, bottom: str) -> pd.Series:
    sums = table.groupby(by)[[top, bottom]].sum()
    return (sums[top] / sums[bottom]).astype(float)


def _calls() -> pd.DataFrame:
    calls = call_centre_measures(lt.load_call_centre_monthly())
    calls["month"] = calls["month"].astype(str)
    return calls


def _claims():
    transactions = lt.load_service_transactions()
    calls = _calls()
    benefits = calls[calls["org_id"] == 901].set_index("month")
    rise = benefits.loc["2022-10", "calls_received"] / benefits.loc["2022-09", "calls_received"]
    online = transactions[transactions["channel"] == "online"]
    row_rate = (online["transactions_completed"] / online["transactions_started"]).mean()
    row_cost = (online["total_cost_cad"] / online["transactions_completed"]).mean()
    pooled_cost = online["total_cost_cad"].sum() / online["transactions_completed"].sum()
    year = transactions[transactions["fiscal_yr"] == "2023-2024"]
    cost = _pooled(year, "channel", "total_cost_cad", "transactions_completed")
    agency = calls[calls["org_id"] == 902].copy()
    agency["fy"] = agency["month"].map(lambda m: int(m[:4]) - (int(m[5:]) < 4))
    share = _pooled(agency, "fy", "answered_within_10_min", "calls_answered")
    return [
        ("01-loading-and-cleaning.ipynb", "73 rows and 24 columns",
         pd.read_csv(lt.data_dir() / "service_inventory.csv").shape == (73, 24)),
        ("03-honest-charts.ipynb", "Calls rose by 60%", round(100 * (rise - 1)) == 60),
        ("03-honest-charts.ipynb", "a rise of 60%", round(100 * (rise - 1)) == 60),
        ("02-computing-kpis.ipynb", "79% by the first method and 86% by the second",
         (round(100 * row_rate), round(100 * _pooled(online, "channel",
                                                     "transactions_completed",
                                                     "transactions_started")["online"]))
         == (79, 86)),
        ("02-computing-kpis.ipynb", "$13.74", f"{row_cost:.2f}" == "13.74"),
        ("02-computing-kpis.ipynb", "$4.35", f"{pooled_cost:.2f}" == "4.35"),
        ("02-computing-kpis.ipynb", "about $4, one by phone about $34 and one in person about $57",
         [round(cost[c]) for c in ("online", "phone", "in_person")] == [4, 34, 57]),
        ("03-honest-charts.ipynb", "from 84.9% to 86.9%",
         (f"{100 * share.iloc[0]:.1f}", f"{100 * share.iloc[-1]:.1f}") == ("84.9", "86.9")),
        ("03-honest-charts.ipynb", "about 2.3 **percent**",
         f"{100 * (share.iloc[-1] / share.iloc[0] - 1):.1f}" == "2.3"),
        ("03-honest-charts.ipynb", "looks about three times as tall",
         round((share.iloc[-1] - 0.84) / (share.iloc[0] - 0.84)) == 3),
    ]


@pytest.mark.parametrize(("notebook", "phrase", "holds"), _claims(),
                         ids=lambda value: value if isinstance(value, str) else "")
def test_lesson_numbers_match_the_data(notebook, phrase, holds):
    assert phrase in _prose(notebook), f"{notebook} no longer says {phrase!r}: update this test"
    assert holds, f"{notebook} says {phrase!r}, but the data say otherwise"
