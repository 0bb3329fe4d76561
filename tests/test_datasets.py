"""Every dataset matches its data dictionary, says where it came from, and can be regenerated."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
from frictionless import Package


@pytest.fixture(scope="module")
def package(root):
    return json.loads((root / "datasets" / "datapackage.json").read_text(encoding="utf-8"))


def test_every_dataset_validates_against_the_dictionary(root):
    report = Package(str(root / "datasets" / "datapackage.json")).validate()
    problems = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
    assert report.valid, "\n".join(problems[:20])


def test_every_csv_in_the_folder_is_described(root, package):
    described = {resource["path"] for resource in package["resources"]}
    on_disk = {path.name for path in (root / "datasets").glob("*.csv")}
    assert on_disk == described


def test_every_dataset_has_provenance_licence_and_synthetic_label(package):
    assert package["licenses"], "the data package needs a licence"
    for resource in package["resources"]:
        assert resource.get("sources"), f"{resource['name']} has no source"
        assert "synthetic" in resource["description"].lower(), resource["name"]
        assert "fictional" in resource["description"].lower(), resource["name"]
        for field in resource["schema"]["fields"]:
            assert field.get("description"), f"{resource['name']}.{field['name']} undocumented"


def test_generator_reproduces_the_committed_files(root, tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("generate", root / "datasets" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "generate", generate)  # dataclasses look the module up
    spec.loader.exec_module(generate)
    paths = generate.generate(tmp_path)
    for path in paths.values():
        committed = (root / "datasets" / path.name).read_bytes()
        assert path.read_bytes() == committed, f"{path.name} differs from a fresh generation"


def test_documented_flaws_are_really_in_the_inventory(root):
    """The cleaning lesson relies on these flaws; a regenerated file must keep them."""
    import pandas as pd

    raw = pd.read_csv(root / "datasets" / "service_inventory.csv", dtype=str,
                      keep_default_na=False)
    assert raw.duplicated().sum() == 1
    assert raw.groupby("org_id")["department_en"].nunique().min() >= 2
    volumes = raw[[c for c in raw.columns if c.startswith("num_applications_") and
                   c != "num_applications_total"]]
    assert (volumes == "ND").to_numpy().sum() >= 1
    assert (volumes == "NA").to_numpy().sum() >= 1
    visits = pd.to_numeric(raw["num_website_visits"], errors="coerce")
    ratio = visits / pd.to_numeric(raw["num_applications_total"])
    assert ratio.min() < 0.01 < 1 < ratio.median(), "the unit mix-up should stand out"


def test_the_delivery_teams_planted_episodes_are_in_its_history():
    """Module 2's lessons find these in the team's records; a regenerated file must keep them."""
    import pandas as pd

    import learner_tools as lt

    changes = lt.load_agile_status_changes()
    backlog = lt.load_agile_backlog()
    starts = changes[changes["to_status"] == "In Progress"]
    first_start = starts.groupby("item_key")["changed_date"].min()
    done = changes[changes["to_status"] == "Done"].set_index("item_key")["changed_date"]
    cycle = (done - first_start.reindex(done.index)).dt.days

    def in_progress(day: str) -> int:
        known = changes[changes["changed_date"] <= pd.Timestamp(day)]
        status = known.groupby("item_key")["to_status"].last()
        return int(status.isin(["In Progress", "Blocked"]).sum())

    # A WIP explosion, and the cycle times it stretched.
    assert in_progress("2025-10-15") <= 6 < 3 * 6 <= in_progress("2025-11-14")
    before = cycle[done < pd.Timestamp("2025-10-20")].quantile(0.85)
    after = cycle[(done >= pd.Timestamp("2025-12-01")) & (done < pd.Timestamp("2025-12-20"))]
    assert after.quantile(0.85) > 2.5 * before
    assert (starts.groupby("item_key").size() > 1).sum() >= 3  # restarted after going back
    # The scope change, the blocked payments work, and the wait for translation.
    added = backlog[backlog["created_date"] == pd.Timestamp("2025-12-01")]
    assert (added["epic"] == "Part-time caregivers").sum() == 30
    blocked = changes[changes["to_status"] == "Blocked"]
    in_january = blocked[blocked["changed_date"].between("2026-01-07", "2026-01-23")]
    in_translation = blocked[blocked["changed_date"] == pd.Timestamp("2025-11-24")]
    assert len(in_january) >= 3 and len(in_translation) == 3
    assert len(in_january) + len(in_translation) == len(blocked)
    epics = backlog.set_index("item_key")["epic"]
    assert set(epics[in_january["item_key"]]) == {"Payments"}
    assert set(epics[in_translation["item_key"]]) == {"Accessibility and official languages"}
    assert in_progress("2026-01-20") == len(in_january)  # blocked items held all the team's WIP
    # The office's closures, as the dictionary and the fictional world state them.
    closed = pd.to_datetime(["2025-09-30", "2025-10-13", "2025-11-11", "2026-02-16"]).union(
        pd.date_range("2025-12-22", "2026-01-02"))
    assert not changes["changed_date"].isin(closed).any()
    assert not changes["changed_date"].dt.dayofweek.ge(5).any()  # no weekend work either


def test_the_renewal_services_planted_findings_are_in_its_evidence():
    """Module 3's lessons find these in the service's evidence; a regenerated file must keep
    them, each clear of the uncertainty its lesson says it is clear of (or not)."""
    import pandas as pd

    import learner_tools as lt

    sessions = lt.load_renewal_sessions()

    def passing(group: pd.DataFrame, step: int) -> tuple[int, int]:
        reached = int((group["last_step_number"] >= step).sum())
        return int((group["last_step_number"] >= step + 1).sum()), reached

    by_aid = dict(list(sessions.groupby("assistive_technology", observed=True)))
    none_photo = lt.wilson_interval(*passing(by_aid["none"], 4))
    reader_photo = lt.wilson_interval(*passing(by_aid["screen reader"], 4))
    magnifier_photo = lt.wilson_interval(*passing(by_aid["screen magnifier"], 4))
    assert reader_photo[1] < 0.6 < none_photo[0], "screen-reader users lose far more at the photo"
    assert magnifier_photo[1] < none_photo[0]
    voice_in = passing(by_aid["voice control"], 2)
    none_in = passing(by_aid["none"], 2)
    assert voice_in[1] < 50 and voice_in[0] / voice_in[1] < none_in[0] / none_in[1] - 0.05
    assert lt.wilson_interval(*voice_in)[1] > lt.wilson_interval(*none_in)[0], "not sure, by design"
    assert 0.15 < sessions["assistive_technology"].isna().mean() < 0.25  # skipped the question
    # Counted by excerpts, one loud participant's theme leads; counted by people, another does.
    interviews = lt.load_renewal_interviews()
    kept = interviews[interviews["consent"] == "given"]
    assert kept["theme"].value_counts().index[0] == "Prefers paper"
    people = kept.groupby("theme", observed=True)["participant_id"].nunique()
    assert people.idxmax() == "Status after submitting" and people["Prefers paper"] == 1
    with_withdrawn = interviews.groupby("theme", observed=True)["participant_id"].nunique()
    assert with_withdrawn["Fee and payment"] > people["Fee and payment"]
    # A mean in the middle that hides a split.
    survey = lt.load_renewal_survey()
    score = survey["satisfaction"].cat.codes + 1
    assert 2.8 < score.mean() < 3.4 and (score == 3).mean() < 0.15
    assert (score >= 4).mean() > 0.4 and (score <= 2).mean() > 0.3
    # Failure demand behind the spike, consistent with module 1's call totals.
    calls = lt.load_call_reasons_monthly()
    failure = calls["reason"].isin(["Where is my application", "Photo upload problem",
                                    "Sign-in or account problem", "Payment problem"])
    share = (calls[failure].groupby("month")["sampled_calls"].sum()
             / calls.groupby("month")["sampled_calls"].sum())
    assert share[:"2023-03"].max() < 0.3 < 0.5 < share["2023-04":"2023-07"].min()
    assert share["2023-08":].max() < 0.35
    totals = lt.load_call_centre_monthly()
    totals = totals[totals["org_id"] == 903].set_index("month")["calls_answered"]
    sample = calls.groupby("month")["sampled_calls"].sum()
    assert ((sample * 100 - totals[sample.index]).abs() <= 50).all()  # 1 in 100 answered calls


def test_the_portals_planted_attacks_are_in_its_sign_in_log():
    """Module 4's lessons find three attacks in the log, each by the measure its lesson
    teaches, and the wrong measure must miss it; a regenerated file must keep them so."""
    import pandas as pd

    import learner_tools as lt

    log = lt.load_portal_sign_ins()
    failed = log["outcome"] != "success"
    # Credential stuffing: one night's burst, mostly usernames that are not ours.
    hourly = log.set_index("time").resample("h").size()
    assert hourly.idxmax().floor("D") == pd.Timestamp("2023-11-18")
    assert hourly.max() > 10 * hourly.median()
    night = log[(log["time"] >= "2023-11-18 01:00") & (log["time"] < "2023-11-18 03:00")]
    assert (night["outcome"] == "unknown_user").mean() > 0.5
    stuffed = night[(night["outcome"] == "success") & (night["network_type"] == "hosting")]
    assert set(stuffed["mfa"]) == {"not enrolled"}
    # Password spraying: per network, nearly every attempt fails, each on a different real
    # account; per account and day, no one is anywhere near a lockout from it.
    per_network = log.assign(failed=failed).groupby("source_asn").agg(
        attempts=("attempt_id", "size"), accounts=("account_id", "nunique"),
        failed=("failed", "mean"), unknown=("outcome", lambda o: (o == "unknown_user").mean()))
    sprayers = per_network[(per_network["failed"] > 0.8) & (per_network["unknown"] < 0.05)
                           & (per_network["accounts"] >= 20)]
    assert len(sprayers) >= 15
    # Reaching many accounts alone is no sign: the busiest networks are honest providers.
    assert not set(per_network["accounts"].nlargest(3).index) & set(sprayers.index)
    assert (per_network.loc[per_network["accounts"].nlargest(3).index, "failed"] < 0.3).all()
    # Attackers come back to the accounts they got into: attempts outnumber accounts.
    attacked = log[log["source_asn"].isin(sprayers.index) & (log["outcome"] == "success")]
    assert len(attacked) > attacked["account_id"].nunique() > 0
    assert (sprayers["accounts"] / sprayers["attempts"]).min() > 0.9
    spray = log[log["source_asn"].isin(sprayers.index)]
    assert spray.groupby(["account_id", spray["time"].dt.date]).size().max() <= 2
    assert (spray["outcome"] == "locked_out").sum() == 0
    # The per-account view flags ordinary people instead: the most failures in a day belong
    # to accounts on home networks.
    wrong = log[log["outcome"] == "wrong_password"]
    daily = wrong.groupby(["account_id", wrong["time"].dt.date]).size()
    worst = set(daily[daily == daily.max()].index)
    on_worst_days = wrong[[(a, t.date()) in worst for a, t in zip(wrong["account_id"],
                                                                  wrong["time"], strict=True)]]
    assert daily.max() >= 5 and on_worst_days["source_asn"].isin(sprayers.index).mean() < 0.2
    # Phishing: first-time networks, right password at once, within two days of the email.
    first_seen = log.groupby(["account_id", "source_asn"])["time"].transform("min")
    new_success = log[(log["outcome"] == "success") & (log["time"] == first_seen)
                      & (log["network_type"] == "hosting")
                      & log["time"].between("2023-11-07 09:30", "2023-11-09 09:30")]
    assert new_success["source_asn"].value_counts().head(3).sum() >= 15
    # Honest traffic comes from hosting networks too (VPN services).
    hosting = per_network[per_network.index.isin(log.loc[log["network_type"] == "hosting",
                                                         "source_asn"])]
    assert (hosting["failed"] < 0.3).sum() >= 5


def test_the_callers_table_has_people_unique_on_its_quasi_identifiers():
    """Module 4's privacy lesson generalizes and suppresses this table; it needs unique people
    at first, fewer but some after generalizing, and the sensitive reason among them."""
    import learner_tools as lt

    callers = lt.load_benefit_callers()
    quasi = ["age_band", "postal_prefix", "language"]
    size = callers.groupby(quasi, observed=True)["caller_id"].transform("size")
    assert 0.05 < (size == 1).mean() < 0.2
    assert "Benefit Overpayment Review" in set(callers.loc[size == 1, "reason"])
    assert callers["postal_prefix"].str[1].eq("0").any()  # rural areas
    wider = callers.assign(region=callers["postal_prefix"].str[0],
                           decade=callers["age_band"].astype(str).str[0])
    wider_size = wider.groupby(["decade", "region", "language"])["caller_id"].transform("size")
    assert 0 < (wider_size == 1).sum() < (size == 1).sum()


def test_the_allowance_history_and_pilot_hold_module_5s_planted_findings():
    """Module 5's lessons measure a disparity in the officers' past reviews, find that base
    rates differ, see that the model reproduces the group through its proxies, and watch the
    pilot drift from June 2026; a regenerated file must keep all of it."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    import learner_tools as lt
    from learner_tools.triage import model_features

    history = lt.load_allowance_applications()
    yes = {column: history[column] == "Y" for column in
           ("newcomer", "officer_review", "overpayment", "foreign_income", "prior_overpayment")}
    newcomer = yes["newcomer"]
    reviewed = yes["officer_review"].groupby(newcomer).mean()
    overpaid = yes["overpayment"].groupby(newcomer).mean()
    # The officers' disparity is far larger than the difference in overpayments explains.
    assert reviewed[True] > 2.5 * reviewed[False]
    assert 1.4 * overpaid[False] < overpaid[True] < 2.2 * overpaid[False]
    assert (1 - reviewed[True]) / (1 - reviewed[False]) < 0.7  # fails the four-fifths rule
    # The committed scores are what scikit-learn's default logistic regression, fitted to the
    # training year, gives.
    features = model_features(history)
    train = history["fiscal_yr"] == "2024-2025"
    model = LogisticRegression().fit(features[train], yes["overpayment"][train])
    refitted = model.predict_proba(features)[:, 1]
    assert np.abs(refitted - history["model_score"].astype(float)).max() < 0.002
    # Tested on 2025-2026 at the pilot's threshold: newcomers are flagged more, and fail the
    # four-fifths rule on not being flagged, while precision is about equal in both groups.
    test = history[~train]
    flagged, truly = test["model_score"] >= 0.2, test["overpayment"] == "Y"
    group = test["newcomer"] == "Y"
    selected = flagged.groupby(group).mean()
    assert 0.7 < (1 - selected[True]) / (1 - selected[False]) < 0.8
    precision = truly[flagged].groupby(group[flagged]).mean()
    assert abs(precision[True] - precision[False]) < 0.03
    tpr = flagged[truly].groupby(group[truly]).mean()
    fpr = flagged[~truly].groupby(group[~truly]).mean()
    assert tpr[True] - tpr[False] > 0.1 and fpr[True] - fpr[False] > 0.1
    # The model beats the officers' rules of thumb at finding overpayments per review.
    assert truly[flagged].mean() > 1.5 * (test["overpayment"][test["officer_review"] == "Y"]
                                          == "Y").mean()
    assert (history["caregiver_type"][train] == "part-time").sum() == 0

    pilot = lt.load_triage_pilot()
    month = pilot["received"].dt.strftime("%Y-%m")
    flags, over = pilot["flagged"] == "Y", pilot["overpayment"] == "Y"
    assert (flags == (pilot["model_score"] >= 0.2)).all()
    share = flags.groupby(month).mean()
    found = over[flags].groupby(month[flags]).mean()
    assert share[["2026-04", "2026-05"]].max() < 0.32 < 0.38 < share["2026-06":].min()
    assert found[["2026-04", "2026-05"]].min() > 0.4 > 0.26 > found["2026-06":].max()
