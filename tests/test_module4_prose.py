"""Module 4's prose states numbers; each must be what the data give, so that a change to the
generator cannot leave a lesson saying something the code beside it contradicts."""

from __future__ import annotations

import pytest
from lesson_prose import lesson_prose

import learner_tools as lt
from learner_tools.privacy import (
    POSTAL_LETTERS,
    counts_over,
    group_sizes,
    laplace_counts,
    shorten_postal_prefix,
    suppress_small_groups,
    widen_age_bands,
)

EMAIL, TWO_DAYS_LATER = "2023-11-07 09:30", "2023-11-09 09:30"
QUASI = ["age_band", "postal_prefix", "language"]


def _prose(name: str) -> str:
    return lesson_prose("04-security-privacy", name)


def _per_network(log):
    return log.groupby("source_asn").agg(
        attempts=("attempt_id", "size"), accounts=("account_id", "nunique"),
        failed=("outcome", lambda outcome: (outcome != "success").mean()),
        unknown=("outcome", lambda outcome: (outcome == "unknown_user").mean()))


def _coarse(callers, width: int, characters: int):
    return callers.assign(age_band=widen_age_bands(callers["age_band"], width),
                          postal_prefix=shorten_postal_prefix(callers["postal_prefix"],
                                                              characters))


def _relative_error(counts, seeds) -> float:
    """The mean error of the noisy counts at epsilon 1, as a share of each count of 5 or more,
    averaged over the draws of the given seeds."""
    import numpy as np

    large = counts >= 5
    return float(np.mean([((laplace_counts(counts, 1, seed) - counts).abs()[large]
                           / counts[large]).mean() for seed in seeds]))


def _claims():
    log = lt.load_portal_sign_ins()
    failed = log[log["outcome"] != "success"]
    night = log[(log["time"] >= "2023-11-18 01:00") & (log["time"] < "2023-11-18 03:00")]
    night_in = night[night["outcome"] == "success"]
    per_network = _per_network(log)
    sprayers = per_network[(per_network["failed"] > 0.8) & (per_network["unknown"] < 0.05)
                           & (per_network["accounts"] >= 20)].index
    spray = log[log["source_asn"].isin(sprayers)]
    tries = spray[spray["outcome"] != "success"]
    network_first = log.groupby("source_asn")["time"].transform("min")
    account_first = log.groupby(["account_id", "source_asn"])["time"].transform("min")
    right_first = log[(log["time"] == account_first)
                      & log["time"].between(EMAIL, TWO_DAYS_LATER)
                      & log["outcome"].isin(["success", "mfa_failed"])]
    phished = right_first[network_first[right_first.index] >= EMAIL]
    stuffers = per_network[per_network["unknown"] > 0.3].index
    attackers = set(sprayers) | set(stuffers) | set(phished["source_asn"])
    taken = log[log["source_asn"].isin(attackers) & (log["outcome"] == "success")]

    callers = lt.load_benefit_callers()
    size = group_sizes(callers, QUASI)
    decade_letter = _coarse(callers, 10, 1)
    removed = callers[group_sizes(decade_letter, QUASI) < 5]
    counts = counts_over(callers.assign(region=callers["postal_prefix"].str[0]),
                         {"region": POSTAL_LETTERS,
                          "reason": list(callers["reason"].cat.categories)})
    overpayment = "Benefit Overpayment Review"
    l1, l3, l4 = ("01-reading-a-sign-in-log.ipynb", "03-risk-a-director-can-act-on.ipynb",
                  "04-publishing-without-identifying.ipynb")
    return [
        (l1, "Almost half of the 11,588 attempts failed (5,376)",
         (len(log), len(failed)) == (11_588, 5_376)),
        (l1, "gives 0.274: 1,474 of the 5,376 failures",
         (round((failed["outcome"] == "unknown_user").mean(), 3),
          int((failed["outcome"] == "unknown_user").sum())) == (0.274, 1_474)),
        (l1, "November it saw 2,304, when", len(night) == 2_304),
        (l1, "But 15 attempts succeeded: 13 from the burst's hosting networks, and 2 from home "
             "networks", (len(night_in), int((night_in["network_type"] == "hosting").sum()),
                          set(night_in.loc[night_in["network_type"] != "hosting",
                                           "network_type"])) == (15, 13, {"residential"})),
        (l1, "Nine more had the right password", int((night["outcome"] == "mfa_failed").sum())
         == 9),
        (l1, "Twenty-one networks made 1,825 attempts, failing on 13 working days between 10:00 "
             "and 16:00", (len(sprayers), len(spray), tries["time"].dt.date.nunique(),
                           int(tries["time"].dt.hour.min()), int(tries["time"].dt.hour.max()))
         == (21, 1_825, 13, 10, 15)),
        (l1, "yet 4 accounts were signed in to, and 3 more stopped at the second factor. The 9 "
             "successful sign-ins",
         (spray.loc[spray["outcome"] == "success", "account_id"].nunique(),
          spray.loc[spray["outcome"] == "mfa_failed", "account_id"].nunique(),
          int((spray["outcome"] == "success").sum())) == (4, 3, 9)),
        (l1, "signed in to 21 accounts with the right password from 7 to 9 November, and "
             "another 13 accounts held at the second factor",
         (phished["source_asn"].nunique(), int((phished["outcome"] == "success").sum()),
          int((phished["outcome"] == "mfa_failed").sum())) == (3, 21, 13)),
        (l1, "276 accounts would come in, 237 of them clients signing in from home or work",
         (right_first["account_id"].nunique(),
          right_first.loc[right_first["network_type"] != "hosting", "account_id"].nunique())
         == (276, 237)),
        (l3, "attackers signed in to 37 clients' accounts",
         taken["account_id"].nunique() == 37),
        (l4, "About a tenth of the callers (166) are unique, and 21 of them called about an "
             "overpayment review",
         (int((size == 1).sum()), int((callers.loc[size == 1, "reason"] == overpayment).sum()))
         == (166, 21)),
        (l4, "With ten-year bands and one letter, 34 callers are still unique, and making every "
             "group hold five people removes 174 callers (11%)",
         (int((group_sizes(decade_letter, QUASI) == 1).sum()), len(removed),
          round(100 * len(removed) / len(callers))) == (34, 174, 11)),
        (l4, "twenty-year bands and one letter, 90 are removed (6%)",
         suppress_small_groups(_coarse(callers, 20, 1), QUASI, k=5)[1] == 90),
        (l4, "gives 19. The published count of overpayment calls would be 19 too low",
         int((removed["reason"] == overpayment).sum()) == 19),
        (l4, "108 cells, 11 of them zero", (len(counts), int((counts == 0).sum())) == (108, 11)),
        (l4, "the region N (southwestern Ontario) has only three callers here, all from one "
             "rural prefix",
         callers.loc[callers["postal_prefix"].str[0] == "N", "postal_prefix"].value_counts()
         .to_dict() == {"N0B": 3}),
        (l1, "each tried 35 to 203 *real* accounts",
         (int(per_network.loc[sprayers, "accounts"].min()),
          int(per_network.loc[sprayers, "accounts"].max())) == (35, 203)),
        (l4, "over this table's counts of five or more, about 7% on average, and 6% in the draw "
             "above", (round(100 * _relative_error(counts, seeds=range(500))),
                       round(100 * _relative_error(counts, seeds=[2024]))) == (7, 6)),
        # The answers to the "Your turn" exercises.
        (l1, "It gives 31 networks: the 3 of the phishing, the 7 of the night's credential "
             "stuffing and the 21 of the password spraying",
         set(log.loc[network_first >= EMAIL, "source_asn"]) == attackers
         and (len(attackers), len(stuffers)) == (31, 7)),
        (l4, "Age band and language alone leave nobody unique (*k* = 7)",
         group_sizes(callers, ["age_band", "language"]).min() == 7),
        (l4, "With the postal prefix instead of the language, 94 callers are unique",
         int((group_sizes(callers, ["age_band", "postal_prefix"]) == 1).sum()) == 94),
    ]


@pytest.mark.parametrize(("lesson", "claim", "holds"), _claims(),
                         ids=lambda value: value if isinstance(value, str) else "")
def test_each_number_in_the_prose_is_what_the_data_give(lesson, claim, holds):
    assert claim in _prose(lesson), f"{lesson} no longer says {claim!r}: update this test"
    assert holds, f"{lesson} says {claim!r}, which the data no longer give"
