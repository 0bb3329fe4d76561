"""The learner's loaders return typed tables and fail clearly on a missing or malformed file."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

import learner_tools as lt
from learner_tools.cleaning import clean_service_inventory, volumes_to_numbers
from learner_tools.data import DatasetError, load_dataset


def test_types_come_from_the_dictionary(root):
    dictionary = json.loads((root / "datasets" / "datapackage.json").read_text())
    expected_kind = {"integer": "Int64", "number": "Float64", "string": "string"}
    for resource in dictionary["resources"]:
        frame = load_dataset(resource["name"])
        assert list(frame.columns) == [f["name"] for f in resource["schema"]["fields"]]
        for field in resource["schema"]["fields"]:
            dtype = frame[field["name"]].dtype
            if field["type"] == "string" and "enum" in field.get("constraints", {}):
                assert isinstance(dtype, pd.CategoricalDtype), field["name"]
            elif field["type"] in ("date", "datetime"):
                assert pd.api.types.is_datetime64_dtype(dtype), field["name"]
            else:
                assert str(dtype) == expected_kind[field["type"]], field["name"]


def test_codes_survive_loading():
    inventory = lt.load_service_inventory()
    assert (inventory["num_applications_in_person"] == "NA").sum() > 0
    assert (inventory["num_applications_in_person"] == "ND").sum() == 1
    assert inventory["service_id"].str.fullmatch(r"\d{4}").all()


def test_volume_codes_become_zero_or_missing():
    converted = volumes_to_numbers(pd.Series(["12", "NA", "ND", " 7 "], dtype="string"))
    assert converted.tolist()[:2] == [12, 0]
    assert converted.isna().tolist() == [False, False, True, False]
    assert str(converted.dtype) == "Int64"


def test_cleaning_fixes_each_documented_flaw():
    raw = lt.load_service_inventory()
    clean = clean_service_inventory(raw)
    assert len(clean) == len(raw) - 1
    assert clean.groupby("org_id")["department_en"].nunique().max() == 1
    assert clean["department_en"].nunique() == 6
    ratio = clean["num_website_visits"] / clean["num_applications_total"]
    assert ratio.min() > 1, "website visits reported in thousands were not corrected"
    assert raw["department_en"].nunique() > 6, "cleaning must not change the raw table"


def test_call_centre_months_are_periods():
    calls = lt.load_call_centre_monthly()
    assert str(calls["month"].dtype) == "period[M]"
    assert calls["month"].min() == pd.Period("2020-04", "M")


@pytest.fixture
def data_copy(root, tmp_path, monkeypatch):
    """A private copy of the datasets, pointed to by the loader's environment variable."""
    folder = tmp_path / "datasets"
    shutil.copytree(root / "datasets", folder)
    monkeypatch.setenv("LEARNER_TOOLS_DATA_DIR", str(folder))
    return folder


def test_missing_file_names_the_file_and_the_fix(data_copy):
    (data_copy / "service_transactions.csv").unlink()
    with pytest.raises(DatasetError, match=r"service_transactions\.csv.*generate\.py"):
        lt.load_service_transactions()


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda text: text.replace("calls_received,", "calls_recieved,", 1),
         r"missing columns \['calls_received'\].*unexpected columns \['calls_recieved'\]"),
        (lambda text: text.replace("\n2020-05,901,", "\n2020-05,nine-oh-one,", 1),
         r"column 'org_id' should hold whole numbers, but line 3 holds 'nine-oh-one'"),
        (lambda text: text.replace("\n2020-05,", "\nMay 2020,", 1),
         r"column 'month' has an unexpected value 'May 2020' on line 3"),
        (lambda text: text.replace("\n2020-05,901,", "\n,901,", 1),
         r"column 'month' is required but is blank on line 3"),
        (lambda text: "\x00\x01binary junk\xff" * 3, r"call_centre_monthly\.csv"),
    ],
    ids=["misspelt-column", "text-in-number", "bad-pattern", "blank-required", "not-a-csv"],
)
def test_malformed_file_gives_a_clear_error(data_copy, mangle, message):
    path = data_copy / "call_centre_monthly.csv"
    path.write_text(mangle(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        lt.load_call_centre_monthly()


def test_value_outside_enum_is_reported(data_copy):
    path = data_copy / "service_transactions.csv"
    text = path.read_text(encoding="utf-8").replace(",online,", ",web,", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DatasetError, match=r"column 'channel' holds 'web' on line 2"):
        lt.load_service_transactions()


def test_a_date_in_another_form_is_reported(data_copy):
    path = data_copy / "agile_sprints.csv"
    text = path.read_text(encoding="utf-8").replace("2025-09-08", "08/09/2025", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DatasetError, match=r"'start_date' should hold dates written YYYY-MM-DD, "
                                           r"but line 2 holds '08/09/2025'"):
        lt.load_agile_sprints()


def test_agile_dates_are_dates_and_estimates_numbers():
    sprints, backlog = lt.load_agile_sprints(), lt.load_agile_backlog()
    assert (sprints["end_date"] - sprints["start_date"]).dt.days.min() >= 11
    assert str(backlog["estimate_points"].dtype) == "Int64"
    assert backlog["estimate_points"].isna().sum() > 0  # stories not estimated stay missing


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(DatasetError, match="service_inventory, service_transactions"):
        load_dataset("passport_wait_times")


def test_missing_datasets_folder_explains_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNER_TOOLS_DATA_DIR", str(tmp_path / "nowhere"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("learner_tools.data.__file__", str(tmp_path / "pkg" / "data.py"))
    with pytest.raises(DatasetError, match="LEARNER_TOOLS_DATA_DIR"):
        lt.data_dir()


def test_a_time_in_another_form_is_reported(data_copy):
    path = data_copy / "portal_sign_ins.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    first[1] = "01/11/2023 00:31"
    lines[1] = ",".join(first)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"portal_sign_ins\.csv.*YYYY-MM-DDTHH:MM:SS.*line 2"):
        load_dataset("portal_sign_ins", data_copy)


def test_a_generated_dataset_is_typed_like_the_shipped_file_and_differs_by_seed():
    """Function answers are graded on other-seed data: it must be what the shipped file would
    be for that seed, typed the same way, and really different from it."""
    shipped = lt.load_portal_sign_ins()
    same_seed = lt.generated_dataset("portal_security", "portal_sign_ins", 20231107)
    pd.testing.assert_frame_equal(same_seed, shipped)
    other = lt.generated_dataset("portal_security", "portal_sign_ins", 1)
    assert other.dtypes.equals(shipped.dtypes) and len(other) != len(shipped)
    with pytest.raises(lt.DatasetError, match="no dataset generator"):
        lt.generated_dataset("no_such_generator", "portal_sign_ins", 1)


def test_tables_drawn_ahead_are_exactly_a_fresh_draw(tmp_path):
    """A grader draws ahead what its scorers drew, for the next ones: only from the course's
    own generators, only while the generator file is unchanged, and the same table."""
    from learner_tools import data

    data._generated.cache_clear()
    fresh = lt.generated_dataset("portal_security", "benefit_callers", 31)
    draws = [d for d in data.generated_draws() if d[2] == 31]
    assert len(draws) == 1
    data._generated.cache_clear()
    data.draw_ahead(draws, [tmp_path])  # not an allowed folder: nothing drawn
    assert data._generated.cache_info().currsize == 0
    stale = [[*d[:4], [d[4][0], 0, 0]] for d in draws]  # the generator file has changed
    data.draw_ahead(stale, [data.data_dir()])
    assert data._generated.cache_info().currsize == 0
    data.draw_ahead([["os.system", "x", 1, str(data.data_dir().resolve()), []]],
                    [data.data_dir()])
    assert data._generated.cache_info().currsize == 0
    data.draw_ahead(draws, [data.data_dir()])
    assert data._generated.cache_info().currsize == 1
    pd.testing.assert_frame_equal(
        lt.generated_dataset("portal_security", "benefit_callers", 31), fresh)
