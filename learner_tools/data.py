"""Load the course datasets as typed pandas DataFrames, checked against the data dictionary.

The data dictionary is the Frictionless data package in ``datasets/datapackage.json``. Reading
types from it (rather than letting pandas guess) matters for public-service data: pandas would
turn the inventory's "NA" code, which means "channel not offered", into a missing value, and
would read identifiers such as service numbers as integers. A file that does not match the
dictionary raises :class:`DatasetError` naming the file, the column, the row and what to do.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

DATA_DIR_ENV = "LEARNER_TOOLS_DATA_DIR"
DICTIONARY = "datapackage.json"


class DatasetError(Exception):
    """A dataset is missing, or its file does not match the data dictionary."""


def data_dir() -> Path:
    """Return the folder that holds the datasets and their dictionary.

    Looked for in order: the folder named by the environment variable LEARNER_TOOLS_DATA_DIR;
    ``datasets/`` beside this package (the repository layout, an editable install, or a copy
    of the package next to a notebook); ``datasets/`` in the working folder or any parent.
    """
    candidates: list[Path] = []
    if os.environ.get(DATA_DIR_ENV):
        candidates.append(Path(os.environ[DATA_DIR_ENV]))
    candidates.append(Path(__file__).resolve().parent.parent / "datasets")
    cwd = Path.cwd().resolve()
    candidates.extend(folder / "datasets" for folder in (cwd, *cwd.parents))
    for candidate in candidates:
        if (candidate / DICTIONARY).is_file():
            return candidate
    searched = "\n  ".join(str(c) for c in candidates[:4])
    raise DatasetError(
        f"Could not find the course datasets (a folder 'datasets' holding {DICTIONARY}). "
        f"Looked in:\n  {searched}\nRun the notebook from inside the course repository, or set "
        f"the environment variable {DATA_DIR_ENV} to the datasets folder."
    )


@lru_cache(maxsize=8)
def _read_dictionary(folder: str) -> dict:
    path = Path(folder) / DICTIONARY
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DatasetError(f"The data dictionary {path} is not valid JSON: {error}") from error


def _resource(name: str, folder: Path) -> dict:
    package = _read_dictionary(str(folder))
    for resource in package["resources"]:
        if resource["name"] == name:
            return resource
    known = ", ".join(r["name"] for r in package["resources"])
    raise DatasetError(f"There is no dataset called {name!r}. The datasets are: {known}.")


def list_datasets() -> pd.DataFrame:
    """A table of the datasets: name, title, file and number of columns."""
    package = _read_dictionary(str(data_dir()))
    return pd.DataFrame(
        [
            {
                "name": r["name"],
                "title": r.get("title", ""),
                "file": r["path"],
                "columns": len(r["schema"]["fields"]),
            }
            for r in package["resources"]
        ]
    )


def _fail(path: Path, message: str) -> DatasetError:
    return DatasetError(f"{path.name}: {message} (file: {path})")


# How the dictionary's date and datetime fields are written in the files, and how to say so.
TIME_FORMATS = {"date": ("%Y-%m-%d", "YYYY-MM-DD"),
                "datetime": ("%Y-%m-%dT%H:%M:%S", "YYYY-MM-DDTHH:MM:SS")}


def _check_and_convert(path: Path, raw: pd.DataFrame, field: dict) -> pd.Series:
    name, kind = field["name"], field["type"]
    constraints = field.get("constraints", {})
    column = raw[name]
    present = column.notna()
    if constraints.get("required") and not present.all():
        row = int(column[~present].index[0]) + 2  # +1 for the header, +1 for 1-based rows
        raise _fail(path, f"column {name!r} is required but is blank on line {row}")
    if kind == "integer":
        numbers = pd.to_numeric(column, errors="coerce")
        bad = present & (numbers.isna() | (numbers % 1 != 0))
        if bad.any():
            row = int(column[bad].index[0])
            raise _fail(path, f"column {name!r} should hold whole numbers, but line {row + 2} "
                              f"holds {column[row]!r}")
        series = numbers.astype("Int64")
    elif kind == "number":
        numbers = pd.to_numeric(column, errors="coerce")
        bad = present & numbers.isna()
        if bad.any():
            row = int(column[bad].index[0])
            raise _fail(path, f"column {name!r} should hold numbers, but line {row + 2} "
                              f"holds {column[row]!r}")
        series = numbers.astype("Float64")
    elif kind in TIME_FORMATS:
        written, shown = TIME_FORMATS[kind]
        moments = pd.to_datetime(column, format=written, errors="coerce")
        bad = present & moments.isna()
        if bad.any():
            row = int(column[bad].index[0])
            raise _fail(path, f"column {name!r} should hold {kind}s written {shown}, but line "
                              f"{row + 2} holds {column[row]!r}")
        series = moments
    else:
        series = column.astype("string")
        pattern = constraints.get("pattern")
        if pattern:
            matches = series.str.fullmatch(pattern).fillna(True).astype(bool)
            if not matches.all():
                row = int(series[~matches].index[0])
                raise _fail(path, f"column {name!r} has an unexpected value {series[row]!r} on "
                                  f"line {row + 2}")
    if "enum" in constraints:
        allowed = constraints["enum"]
        outside = present & ~series.isin(allowed)
        if outside.any():
            row = int(series[outside].index[0])
            raise _fail(path, f"column {name!r} holds {series[row]!r} on line {row + 2}; "
                              f"allowed values are {allowed}")
        if kind == "string":  # codes become categories; numbers stay numbers
            series = series.astype(pd.CategoricalDtype(allowed))
    for bound, test in (("minimum", lambda s, b: s < b), ("maximum", lambda s, b: s > b)):
        if bound in constraints and kind in ("integer", "number"):
            broken = test(series, constraints[bound]).fillna(False).astype(bool)
            if broken.any():
                row = int(series[broken].index[0])
                raise _fail(path, f"column {name!r} is {series[row]} on line {row + 2}, "
                                  f"outside its {bound} of {constraints[bound]}")
    return series


def _file_key(path: Path) -> tuple:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), None)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def _files_of(name: str, folder: Path) -> tuple:
    """The cache key of a dataset: its dictionary's and its file's path, size and time."""
    resource = _resource(name, folder)
    return (_file_key(folder / DICTIONARY), _file_key(folder / resource["path"]))


@lru_cache(maxsize=16)
def _load_checked(name: str, folder: str, _files: tuple) -> pd.DataFrame:
    return _read_and_check(name, Path(folder))


def load_dataset(name: str, folder: str | Path | None = None) -> pd.DataFrame:
    """Load one dataset by its name in the data dictionary, typed and checked.

    Text becomes pandas' ``string`` type, whole numbers ``Int64`` (which can hold missing
    values), dates ``datetime64``, coded text fields with a fixed list of values become
    categories. Blank cells are
    missing values; codes such as "NA" and "ND" stay as text for the learner to handle.

    A table already read and checked is kept in memory, keyed by its file's path, size and
    modification time, and each call returns a fresh copy: an assignment's checks load the
    same small tables many times, and a changed file is always read again.
    """
    folder = (Path(folder) if folder is not None else data_dir()).resolve()
    return _load_checked(name, str(folder), _files_of(name, folder)).copy()


def generated_dataset(generator: str, name: str, seed: int) -> pd.DataFrame:
    """One dataset as its generator in ``datasets/`` writes it from another seed, typed and
    checked against the dictionary exactly as :func:`load_dataset` types the shipped file.

    Why: a function a learner writes (one that flags suspicious networks, say) is graded on
    data it has never seen, drawn the same way as the lesson's, so that a rule fitted to the
    shipped file's numbers, or a list of its answers, does not pass for a method. The
    generator is the dataset's own (``generator`` is its file's name without ``.py``); nothing
    is downloaded.
    """
    folder = data_dir().resolve()
    return _generated(generator, name, int(seed), str(folder),
                      _file_key(folder / f"{generator}.py")).copy()


# The tables drawn in this process, as (generator, name, seed, folder, file key): a grader
# that forks a scorer per submission learns from the first scorers what to draw ahead
# (:func:`draw_ahead`), so that later scorers start with it (autograder.pool).
_DRAWN_HERE: dict[tuple, list] = {}
MAX_DRAWS_AHEAD = 16


def generated_draws() -> list[list]:
    """What :func:`generated_dataset` drew in this process (not what it found already drawn),
    the latest last."""
    return list(_DRAWN_HERE.values())[-MAX_DRAWS_AHEAD:]


def draw_ahead(draws: list, folders: list[str | Path]) -> None:
    """Draw these tables now, in a process that forks: every fork then finds them drawn.

    Why: an assignment's checks draw other months' data from a generator (about half a second
    each), and a grader forks a fresh scorer for each submission, which would draw them again.
    Only tables of generators in ``folders`` are drawn, from the generator file as it is now
    (its key must match), so what a fork finds is exactly what it would have drawn itself.
    """
    allowed = {str(Path(f).resolve()) for f in folders}
    for draw in list(draws)[:MAX_DRAWS_AHEAD]:
        try:
            generator, name, seed, folder, key = draw
            if not (isinstance(generator, str) and generator.isidentifier()
                    and isinstance(name, str) and isinstance(seed, int)
                    and folder in allowed):
                continue
            file_key = _file_key(Path(folder) / f"{generator}.py")
            if list(file_key) == list(key):
                _generated(generator, name, seed, folder, file_key)
        except Exception:  # noqa: BLE001 - only a head start: a fork draws for itself
            continue


@lru_cache(maxsize=8)
def _generated(generator: str, name: str, seed: int, folder: str, _file: tuple) -> pd.DataFrame:
    _DRAWN_HERE.pop((generator, name, seed, folder, _file), None)
    _DRAWN_HERE[(generator, name, seed, folder, _file)] = [generator, name, seed, folder,
                                                           list(_file)]
    while len(_DRAWN_HERE) > MAX_DRAWS_AHEAD:
        del _DRAWN_HERE[next(iter(_DRAWN_HERE))]
    rows = _generated_tables(generator, seed, folder, _file)[name]
    resource = _resource(name, Path(folder))
    missing = set(resource["schema"].get("missingValues", [""]))
    raw = pd.DataFrame([{key: (None if str(value) in missing else str(value))
                         for key, value in row.items()} for row in rows])
    source = Path(folder) / f"{name} (seed {seed})"
    return pd.DataFrame({field["name"]: _check_and_convert(source, raw, field)
                         for field in resource["schema"]["fields"]})


@lru_cache(maxsize=4)
def _generated_tables(generator: str, seed: int, folder: str, _file: tuple) -> dict:
    """Every table one generator writes from one seed. Kept, because a generator draws all
    its tables in one pass: a check that asks for two tables of the same seed (a log and the
    callers beside it) pays for the drawing once."""
    import importlib.util

    path = Path(folder) / f"{generator}.py"
    if not path.is_file():
        raise DatasetError(f"There is no dataset generator {path.name} in {folder}.")
    spec = importlib.util.spec_from_file_location(f"_course_generator_{generator}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.tables({}, seed=seed)


def _read_and_check(name: str, folder: Path) -> pd.DataFrame:
    """Read one dataset's file and check it against the dictionary (no cache)."""
    resource = _resource(name, folder)
    path = folder / resource["path"]
    if not path.is_file():
        raise DatasetError(
            f"The file for dataset {name!r} is missing: {path}. Restore it from the repository "
            f"or regenerate it with `python datasets/generate.py`."
        )
    schema = resource["schema"]
    try:
        raw = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_values=schema.get("missingValues", [""]),
            encoding=resource.get("encoding", "utf-8"),
        )
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise _fail(path, f"could not be read as CSV ({error.__class__.__name__}: "
                          f"{str(error).strip()})") from error
    expected = [field["name"] for field in schema["fields"]]
    missing = [c for c in expected if c not in raw.columns]
    extra = [c for c in raw.columns if c not in expected]
    if missing or extra:
        details = []
        if missing:
            details.append(f"missing columns {missing}")
        if extra:
            details.append(f"unexpected columns {extra}")
        raise _fail(path, "does not match the data dictionary: " + "; ".join(details))
    return pd.DataFrame(
        {field["name"]: _check_and_convert(path, raw, field) for field in schema["fields"]}
    )


def load_service_inventory(clean: bool = False) -> pd.DataFrame:
    """The service inventory, as published (``clean=False``) or cleaned as in lesson 1.

    The cleaning steps are those taught in the lesson on loading and cleaning data; see
    :func:`learner_tools.cleaning.clean_service_inventory`.
    """
    if not clean:
        return load_dataset("service_inventory")
    folder = data_dir().resolve()
    return _clean_inventory(str(folder), _files_of("service_inventory", folder)).copy()


@lru_cache(maxsize=4)
def _clean_inventory(folder: str, _files: tuple) -> pd.DataFrame:
    from learner_tools.cleaning import clean_service_inventory

    return clean_service_inventory(load_dataset("service_inventory", folder))


def load_service_transactions() -> pd.DataFrame:
    """Transactions by service, channel and fiscal year: the counts behind the four KPIs."""
    return load_dataset("service_transactions")


def load_agile_backlog() -> pd.DataFrame:
    """The delivery team's work items (module 2): type, epic, estimate, acceptance criteria."""
    return load_dataset("agile_backlog")


def load_agile_status_changes() -> pd.DataFrame:
    """Every status change of the team's work items, in date order (module 2)."""
    return load_dataset("agile_status_changes")


def load_agile_sprints() -> pd.DataFrame:
    """The team's sprints: dates, points committed and points completed (module 2)."""
    return load_dataset("agile_sprints")


def load_call_centre_monthly() -> pd.DataFrame:
    """Monthly call-centre volumes and waits, with ``month`` as a pandas monthly period."""
    return _monthly(load_dataset("call_centre_monthly"))


def _monthly(table: pd.DataFrame) -> pd.DataFrame:
    """The table with its ``month`` text ("2023-04") as a pandas monthly period."""
    table["month"] = pd.PeriodIndex(table["month"].astype(str), freq="M")
    return table




def load_renewal_sessions() -> pd.DataFrame:
    """Sessions of the online renewal form (module 3): channel, device, assistive
    technology (blank when not answered), the last step reached and how the session ended."""
    return load_dataset("renewal_sessions")


def load_renewal_interviews() -> pd.DataFrame:
    """Coded excerpts of the research interviews (module 3), one row per excerpt."""
    return load_dataset("renewal_interviews")


def load_renewal_survey() -> pd.DataFrame:
    """Answers to the exit survey's satisfaction question (module 3), with ``satisfaction``
    as an ordered category from "Very dissatisfied" to "Very satisfied"."""
    survey = load_dataset("renewal_survey")
    survey["satisfaction"] = survey["satisfaction"].cat.as_ordered()
    return survey


def load_call_reasons_monthly() -> pd.DataFrame:
    """A 1-in-100 sample of the Travel Documents Office's calls by month and reason (module 3),
    with ``month`` as a pandas monthly period, as in ``load_call_centre_monthly``."""
    return _monthly(load_dataset("call_reasons_monthly"))


def load_portal_sign_ins() -> pd.DataFrame:
    """Sign-in attempts on a client portal in November 2023 (module 4), one row per attempt,
    with ``time`` as a pandas timestamp and ``account_id`` blank for an unknown username."""
    return load_dataset("portal_sign_ins")


def load_benefit_callers() -> pd.DataFrame:
    """People who called a benefits call centre from October to December 2023 (module 4),
    with their quasi-identifiers (age band, postal prefix, language) and what they called
    about. Personal information: practise on it, never publish it as it is."""
    return load_dataset("benefit_callers")


def load_allowance_applications() -> pd.DataFrame:
    """Two years of Caregiver Allowance applications (module 5), April 2024 to March 2026:
    the facts a triage model may use, the newcomer group attribute, the officers' past review
    decision, the overpayment outcome and the proposed model's score."""
    return load_dataset("allowance_applications")


def load_triage_pilot() -> pd.DataFrame:
    """The triage model's first six months in service (module 5), April to September 2026:
    each application's score, whether it was flagged for review, and its outcome."""
    return load_dataset("triage_pilot")
