"""Module 2's prose states numbers; each must be what the data give, so that a change to the
generator cannot leave a lesson saying something the code beside it contradicts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lesson_prose import lesson_prose

import learner_tools as lt
from learner_tools.explorers.delivery import item_efforts, simulate
from learner_tools.flow import forecast_weeks, work_in_progress

SNAPSHOT = pd.Timestamp("2026-03-06")


def _prose(name: str) -> str:
    return lesson_prose("02-agile-delivery", name)


def _dates(to_status: str, how: str = "min") -> pd.Series:
    changes = lt.load_agile_status_changes()
    rows = changes[changes["to_status"] == to_status].groupby("item_key")["changed_date"]
    return getattr(rows, how)()


def _percentile_date(history, items, share, seed=2026) -> str:
    weeks = np.percentile(forecast_weeks(history, items, seed=seed), share)
    return f"{(SNAPSHOT + pd.Timedelta(weeks=float(weeks))):%-d %B}"


def _blocked_on(day: str) -> tuple[int, int, int]:
    """Items in hand on a day, how many of them were blocked, and the longest block so far."""
    changes = lt.load_agile_status_changes()
    known = changes[changes["changed_date"] <= pd.Timestamp(day)]
    status = known.groupby("item_key")["to_status"].last()
    in_hand = status[status.isin(["In Progress", "Blocked"])]
    since = known[known["to_status"] == "Blocked"].groupby("item_key")["changed_date"].max()
    longest = (pd.Timestamp(day) - since.reindex(in_hand.index)).dt.days.max()
    return len(in_hand), int((in_hand == "Blocked").sum()), int(longest)


def _translation_wait() -> tuple[int, set, int]:
    """The stories blocked from 24 November to 2 December, the days they came back, and the
    most days any of them took to finish after its block ended."""
    changes = lt.load_agile_status_changes()
    blocked = changes[(changes["to_status"] == "Blocked")
                      & changes["changed_date"].between("2025-11-24", "2025-12-02")]
    keys = blocked["item_key"]
    back = changes[(changes["from_status"] == "Blocked") & changes["item_key"].isin(keys)]
    done = changes[(changes["to_status"] == "Done") & changes["item_key"].isin(keys)]
    wait = (done.set_index("item_key")["changed_date"]
            - back.set_index("item_key")["changed_date"]).dt.days
    return len(keys), set(back["changed_date"]), int(wait.max())


def _claims():
    backlog, sprints = lt.load_agile_backlog(), lt.load_agile_sprints()
    changes = lt.load_agile_status_changes()
    left = backlog[backlog["backlog_rank"].notna()]
    stories = left[left["item_type"] == "Story"]
    not_ready = stories[stories["estimate_points"].isna() | (stories["acceptance_criteria"] == 0)
                        | (stories["estimate_points"] >= 13)]
    started, finished = _dates("In Progress"), _dates("Done", "max")
    cycle = (finished - started[finished.index]).dt.days
    last_start = (finished - _dates("In Progress", "max")[finished.index]).dt.days
    december = cycle[(finished >= "2025-12-01") & (finished < "2026-01-01")]
    autumn = cycle[finished < "2025-10-20"]
    wip = work_in_progress(changes, pd.date_range("2025-09-08", "2026-03-06", freq="D"))

    def little(first: str, last: str) -> tuple[float, float, float, float]:
        days = (pd.Timestamp(last) - pd.Timestamp(first)).days + 1
        done = cycle[finished.between(first, last)]
        average = float(wip[first:last].mean())
        return average, len(done) / days, average / (len(done) / days), float(done.mean())

    calm, rush, late = (little("2025-09-08", "2025-10-17"), little("2025-10-20", "2025-11-14"),
                        little("2026-01-26", "2026-03-06"))
    weeks = pd.period_range("2025-09-08", "2026-03-06", freq="W")
    counts = finished.dt.to_period("W").value_counts().reindex(weeks, fill_value=0).sort_index()
    history = counts.loc["2025-12-01":].drop(pd.PeriodIndex(["2025-12-22", "2025-12-29"],
                                                            freq="W")).to_numpy()
    velocity = sprints["completed_points"].astype(float)
    points = float(left["estimate_points"].sum())
    efforts = item_efforts(backlog)
    calm_model, crowded, staffed = (simulate(efforts, 6, 3.2), simulate(efforts, 20, 3.2),
                                    simulate(efforts, 6, 4.8))
    part_time = int((left["epic"] == "Part-time caregivers").sum())
    l1, l2, l3 = ("01-iterative-delivery.ipynb", "02-flow-metrics.ipynb",
                  "03-forecasting-a-release.ipynb")
    return [
        (l1, "Twelve two-week sprints", len(sprints) == 12),
        (l1, "Of 138 items, 46 are not done yet: 31 stories, 10 bugs and 5 tasks",
         (len(backlog), len(left), *left["item_type"].value_counts()[["Story", "Bug", "Task"]])
         == (138, 46, 31, 10, 5)),
        (l1, "Four stories still to do have no acceptance criteria",
         int((stories["acceptance_criteria"] == 0).sum()) == 4),
        (l1, "Seven of the 31 stories are not ready", len(not_ready) == 7),
        (l1, "One of them, CGA-220, is ranked first in the backlog",
         left.sort_values("backlog_rank")["item_key"].iloc[0] == "CGA-220"
         and "CGA-220" in set(not_ready["item_key"])),
        (l1, "it moved to *In Progress* on 26 February",
         started["CGA-220"] == pd.Timestamp("2026-02-26")),
        (l1, "Two, CGA-220 and CGA-226",
         set(not_ready.loc[not_ready["epic"] == "Part-time caregivers", "item_key"])
         == {"CGA-220", "CGA-226"}),
        (l2, "Half the items finished within 12 days, and 85% within about 36 days; the mean, "
             "17.7 days", (cycle.median(), round(cycle.quantile(0.85)), round(cycle.mean(), 1))
         == (12, 36, 17.7)),
        (l2, "items finished in December was 37 days, against 6 days before 20 October",
         (december.median(), autumn.median()) == (37, 6)),
        (l2, "Nine:", int((changes[changes["to_status"] == "In Progress"]
                           .groupby("item_key").size() > 1).sum()) == 9),
        (l2, "About 28 days instead of 36", round(last_start.quantile(0.85)) == 28),
        (l2, "WIP climbed to 33 items by 14 November",
         (wip.max(), wip.idxmax()) == (33, pd.Timestamp("2025-11-14"))),
        (l2, "the law predicted 8.5 days and the items took 8.0",
         (round(calm[2], 1), round(calm[3], 1)) == (8.5, 8.0)),
        (l2, "With 17 items in progress on average and fewer than 0.4 finished a day, the law "
             "says the items then in hand would take about 44 days. The items *finished* in "
             "those weeks took under 5 days",
         round(rush[0]) == 17 and rush[1] < 0.4 and round(rush[2]) == 44 and rush[3] < 5),
        (l2, "The law predicts 8.0 days from an average WIP of 5.2; the finished items took "
             "17.8 days", (round(late[2], 1), round(late[0], 1), round(late[3], 1))
         == (8.0, 5.2, 17.8)),
        (l2, "All six items in hand were blocked, the first for 13 days",
         _blocked_on("2026-01-20") == (6, 6, 13)),
        (l2, "A thin *Blocked* band also shows from 24 November to 2 December: three stories "
             "whose French text was with the department's translation service. They stayed in "
             "WIP while they waited, and finished within a week of coming back",
         _translation_wait() == (3, {pd.Timestamp("2025-12-03")}, 7)),
        (l2, "it stayed at six, right at the limit, all through sprint 9",
         set(wip["2026-01-12":"2026-01-23"]) == {6}),
        (l3, "Forty-six items are left, worth 133 story points, and 12 of them",
         (len(left), points, int(left["estimate_points"].isna().sum())) == (46, 133, 12)),
        (l3, "Nine of the items left are part-time caregiver stories", part_time == 9),
        (l3, "the last three sprints' 34 points; the average of all twelve, 23 points",
         (round(velocity.tail(3).mean()), round(velocity.mean())) == (34, 23)),
        (l3, "Half the trials finish within 12 weeks (29 May), 85% within 14 weeks (12 June), "
             "95% within 15", [_percentile_date(history, 46, s) for s in (50, 85)]
         == ["29 May", "12 June"]
         and np.percentile(forecast_weeks(history, 46, seed=2026), 95) == 15),
        (l3, "the 85% date comes three weeks earlier (22 May)",
         _percentile_date(history, 46 - part_time, 85) == "22 May"),
        (l3, "Items take about 30 working days on average instead of 6.4",
         (round(crowded.cycle_time_days), round(calm_model.cycle_time_days, 1)) == (30, 6.4)),
        (l3, "the 85% forecast slips from 11 to 18 weeks",
         (calm_model.percentile(0.85), crowded.percentile(0.85)) == (11, 18)),
        (l3, "About three weeks earlier in the model",
         calm_model.percentile(0.85) - staffed.percentile(0.85) == 3),
    ]


@pytest.mark.parametrize(("lesson", "claim", "holds"), _claims(),
                         ids=lambda value: value if isinstance(value, str) else "")
def test_each_number_in_the_prose_is_what_the_data_give(lesson, claim, holds):
    assert claim in _prose(lesson), f"{lesson} no longer says {claim!r}: update this test"
    assert holds, f"{lesson} says {claim!r}, which the data no longer give"
