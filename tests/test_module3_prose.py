"""Module 3's prose states numbers; each must be what the data give, so that a change to the
generator cannot leave a lesson saying something the code beside it contradicts."""

from __future__ import annotations

import numpy as np
import pytest
from lesson_prose import lesson_prose

import learner_tools as lt
from learner_tools.contrast import contrast_ratio

FAILURE = ["Where is my application", "Photo upload problem", "Sign-in or account problem",
           "Payment problem"]


def _prose(name: str) -> str:
    return lesson_prose("03-user-research", name)


def _pct(value: float) -> str:
    return f"{round(100 * value)}%"


def _step(group, number: int) -> tuple[int, int]:
    """Sessions of a group that reached a step, and those that went on from it."""
    return (int((group["last_step_number"] >= number).sum()),
            int((group["last_step_number"] > number).sum()))


def _interval(went: int, reached: int) -> str:
    low, high = lt.wilson_interval(went, reached)
    return f"{_pct(low)} to {_pct(high)}"


def _claims():
    sessions = lt.load_renewal_sessions()
    aid = sessions["assistive_technology"]
    answered = aid.notna()
    reader_share = float((aid[answered] == "screen reader").mean())
    interviews = lt.load_renewal_interviews()
    usable = interviews[interviews["consent"] == "given"]
    people = usable.groupby("theme", observed=True)["participant_id"].nunique()
    by_aid = {name: sessions[aid == name] for name in ("none", "screen reader",
                                                       "screen magnifier", "voice control")}
    reader_photo, none_photo = _step(by_aid["screen reader"], 4), _step(by_aid["none"], 4)
    magnifier_photo = _step(by_aid["screen magnifier"], 4)
    voice_in, none_in = _step(by_aid["voice control"], 2), _step(by_aid["none"], 2)
    online = sessions[sessions["channel"] == "online"]
    online_reader = _step(online[online["assistive_technology"] == "screen reader"], 4)
    submitted = int((sessions["outcome"] == "submitted").sum())
    calls = lt.load_call_reasons_monthly()
    calls["failure"] = calls["reason"].isin(FAILURE)
    sampled = calls.groupby("month")["sampled_calls"].sum()
    failure = calls[calls["failure"]].groupby("month")["sampled_calls"].sum()
    share = failure / sampled
    totals = lt.load_call_centre_monthly()
    totals = totals[totals["org_id"] == 903].set_index("month")["calls_received"]
    spike = (share["2023-04":"2023-07"] * totals[share["2023-04":"2023-07"].index]).round(-2)
    baseline = share[:"2023-03"].mean() * totals[share["2023-04":"2023-07"].index].sum()
    may_status = calls[(calls["month"].astype(str) == "2023-05")
                       & (calls["reason"] == "Where is my application")]["sampled_calls"].sum()
    survey = lt.load_renewal_survey()
    score = survey["satisfaction"].cat.codes + 1
    satisfied = (survey["satisfaction"] >= "Satisfied").mean()
    dissatisfied = (survey["satisfaction"] <= "Dissatisfied").mean()
    on_own = survey[survey["how_completed"] == "Finished online on my own"]
    phoned = survey[survey["how_completed"] == "Phoned the call centre"]
    l1, l2, l3, l4 = ("01-asking-users.ipynb", "02-where-people-get-lost.ipynb",
                      "03-satisfied-or-not.ipynb", "04-accessible-by-design.ipynb")
    return [
        (l1, "606 sessions skipped the question", int(aid.isna().sum()) == 606),
        (l1, "Among the 2,594 who answered, 78 use a screen reader: 3.0%",
         (int(answered.sum()), int((aid == "screen reader").sum()), round(reader_share, 3))
         == (2594, 78, 0.030)),
        (l1, "would include no screen-reader user 86% of the time",
         _pct((1 - reader_share) ** 5) == "86%"),
        (l1, "gives 23", [n for n in range(1, 40) if 1 - (1 - reader_share) ** n >= 0.5][0] == 23),
        (l1, "raised by 8 of the 11",
         people["Status after submitting"] == 8 and usable["participant_id"].nunique() == 11),
        (l1, "the eighth, P09, was told at the counter",
         "P09" in set(usable.loc[usable["theme"] == "Status after submitting", "participant_id"])),
        (l1, "All 12 \"Prefers paper\" excerpts come from one person, P04",
         set(usable.loc[usable["theme"] == "Prefers paper", "participant_id"]) == {"P04"}
         and int((usable["theme"] == "Prefers paper").sum()) == 12),
        (l1, "All four assistive-technology users raised the photo step",
         usable[(usable["assistive_technology"] != "none")
                & (usable["theme"] == "Photo upload")]["participant_id"].nunique() == 4),
        (l2, "Of 3,200 sessions, 1,824 ended with an application sent: 57%",
         (len(sessions), submitted, _pct(submitted / len(sessions))) == (3200, 1824, "57%")),
        (l2, "Screen-reader users go on from the photo step 38% of the time, against 84%",
         (_pct(reader_photo[1] / reader_photo[0]), _pct(none_photo[1] / none_photo[0]))
         == ("38%", "84%")),
        (l2, "the whole interval, 26% to 51%, lies below the interval for people who use no "
             "assistive technology, 82% to 86%",
         (_interval(reader_photo[1], reader_photo[0]), _interval(none_photo[1], none_photo[0]))
         == ("26% to 51%", "82% to 86%")),
        (l2, "Screen-magnifier users' interval, 55% to 76%",
         _interval(magnifier_photo[1], magnifier_photo[0]) == "55% to 76%"),
        (l2, "only 40 voice-control sessions reached sign-in",
         voice_in[0] == 40 and _pct(voice_in[1] / voice_in[0]) == "78%"
         and _pct(none_in[1] / none_in[0]) == "88%"),
        (l2, "14 of 47 screen-reader sessions went on (30%, interval 19% to 44%)",
         (online_reader[1], online_reader[0], _interval(online_reader[1], online_reader[0]))
         == (14, 47, "19% to 44%")),
        (l2, "57% to 62% were", (_pct(share["2023-04":"2023-07"].min()),
                                 _pct(share["2023-04":"2023-07"].max())) == ("57%", "62%")),
        (l2, "about 194,000 calls were failure demand", round(spike.sum(), -3) == 194_000),
        (l2, "some 120,000 calls in four months", round(spike.sum() - baseline, -3) == 120_000),
        (l2, "203 of May's 823 sampled calls", (may_status, sampled["2023-05"]) == (203, 823)),
        (l2, "to 27% in August and 33% in September",
         (_pct(share["2023-08"]), _pct(share["2023-09"])) == ("27%", "33%")),
        (l2, "interval of the difference runs from -0.3 to 25 points",
         tuple(round(100 * float(b), 1) for b in lt.difference_interval(
             none_in[1], none_in[0], voice_in[1], voice_in[0])) == (-0.3, 25.1)),
        (l2, "(24 of 27, 89%; interval 72% to 96%)",
         _step(by_aid["voice control"], 4) == (27, 24) and _interval(24, 27) == "72% to 96%"),
        (l3, "But 45% of online sessions ended with no application sent, while only 9%",
         (_pct((online["outcome"] != "submitted").mean()),
          _pct((survey["how_completed"] == "Gave up").mean())) == ("45%", "9%")),
        (l3, "The mean is 3.11 and the median is 3",
         (round(score.mean(), 2), score.median()) == (3.11, 3)),
        (l3, "only 49 of 430 people (11%) gave the middle answer",
         (int((score == 3).sum()), len(survey)) == (49, 430)),
        (l3, "Half (50%) were satisfied or very satisfied, and 39% were dissatisfied",
         (_pct(satisfied), _pct(dissatisfied)) == ("50%", "39%")),
        (l3, "were mostly satisfied (84%); people who had to phone were mostly not (9% satisfied)",
         (_pct((on_own["satisfaction"] >= "Satisfied").mean()),
          _pct((phoned["satisfaction"] >= "Satisfied").mean())) == ("84%", "9%")),
        (l4, "4.54:1: it passes AA for normal text, just. One step lighter, #777777, gives 4.48:1",
         (round(contrast_ratio("#767676", "#fff"), 2), round(contrast_ratio("#777777", "#fff"), 2))
         == (4.54, 4.48)),
        (l4, "Red #ff0000 on white is 4.00:1",
         np.isclose(round(contrast_ratio("#ff0000", "#fff"), 2), 4.0)),
        (l4, "Grey #999999 is 2.85:1", round(contrast_ratio("#999999", "#fff"), 2) == 2.85),
        (l4, "Its contrast is 2.10:1", round(contrast_ratio("#b3b3b3", "#fff"), 2) == 2.10),
    ]


@pytest.mark.parametrize(("lesson", "claim", "holds"), _claims(),
                         ids=lambda value: value if isinstance(value, str) else "")
def test_each_number_in_the_prose_is_what_the_data_give(lesson, claim, holds):
    assert claim in _prose(lesson), f"{lesson} no longer says {claim!r}: update this test"
    assert holds, f"{lesson} says {claim!r}, which the data no longer give"
