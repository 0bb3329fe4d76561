"""A shared gradebook on a real PostgreSQL server (Debian's, started here on a Unix socket):
a grading run, a review import and every export give what the SQLite gradebook gives; the
same integrity checks refuse a tampered schema; two markers at once lose no mark."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import threading

import pytest
from conftest import ASSIGNMENTS
from postgres_server import postgres_server
from sqlalchemy import create_engine, text

from autograder.gradebook import Gradebook, GradebookTampered, database_url

ASSIGNMENT = ASSIGNMENTS[0]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    with postgres_server() as url:
        yield url


# A password in the address (the server here trusts its socket and ignores it): never printed.
PASSWORD = "not-for-the-screen"


def _autograder(*args: str, status: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == status, done.stderr[-2000:]
    assert PASSWORD not in done.stdout + done.stderr
    return done


def _everything(where: list[str], folder, zip_path, out) -> dict:
    """Grade the class, collect and import its free-response marks, then every export."""
    out.mkdir()
    graded = _autograder("grade", str(zip_path), str(folder), *where, "--json", "--quiet",
                         "--workers", "2")
    _autograder("review", ASSIGNMENT.name, str(folder), "--out", str(out / "review.csv"),
                *where)
    rows = list(csv.DictReader(io.StringIO((out / "review.csv").read_text(encoding="utf-8-sig"))))
    marks = {"alice/": ("4", "Clear, with figures."), "bob/": ("0", ""),
             "carol/": ("1", "Say what the chart cannot show.")}
    for row in rows:
        row["score"], row["comment"] = next(v for k, v in marks.items()
                                            if row["submission"].startswith(k))
    with (out / "filled.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    _autograder("review-import", ASSIGNMENT.name, str(out / "filled.csv"), *where)
    files = {}
    for kind in ("canvas", "brightspace", "moodle"):
        _autograder("export", ASSIGNMENT.name, "--format", kind, "--out",
                    str(out / f"{kind}.csv"), *where)
        files[kind] = (out / f"{kind}.csv").read_text()
    _autograder("feedback", ASSIGNMENT.name, "--out", str(out / "feedback"), *where)
    files |= {p.name: p.read_text() for p in sorted((out / "feedback").iterdir())}
    report = _autograder("report", ASSIGNMENT.name, *where)
    lines = sorted((json.loads(line)["submission"], json.loads(line)["score"])
                   for line in graded.stdout.splitlines())
    return {"lines": lines, "files": files, "report": report.stdout}


def _plain(url: str) -> str:
    """The address as a hosting service gives it: no driver named (psycopg 3 is taken), and
    a password."""
    return url.replace("postgresql+psycopg://grader@", f"postgresql://grader:{PASSWORD}@")


@pytest.fixture(scope="module")
def both(built_assignments, server, tmp_path_factory):
    _, output = built_assignments[ASSIGNMENT.name]
    folder = tmp_path_factory.mktemp("class")
    for student, notebook in (("alice", output.solution_notebook),
                              ("bob", output.student_notebook),
                              ("carol", output.solution_notebook)):
        (folder / student).mkdir()
        (folder / student / output.student_notebook.name).write_bytes(notebook.read_bytes())
    base = tmp_path_factory.mktemp("runs")
    sqlite_file = base / "grades.db"
    return {
        "sqlite": _everything(["--gradebook", str(sqlite_file)], folder,
                              output.autograder_zip, base / "sqlite"),
        # As a hosting service gives the address: no driver named (psycopg 3 is taken).
        "postgres": _everything(["--db-url", _plain(server)], folder,
                                output.autograder_zip, base / "postgres"),
        "sqlite_url": database_url(sqlite_file), "server": server,
    }


def _contents(url: str) -> dict:
    """Every table of a gradebook, as comparable rows (without ids and timestamps)."""
    with Gradebook(url) as gradebook:
        return {
            "results": [(r.submission, r.status, r.score, r.possible, r.tests_sha256,
                         [(q.question, q.score, q.hints) for q in r.questions])
                        for r in gradebook.results(ASSIGNMENT.name)],
            "manual": gradebook.manual(ASSIGNMENT.name),
            "questions": gradebook.questions(ASSIGNMENT.name),
            "history": [(h["submission"], h["question"], h["score"], h["comment"])
                        for h in gradebook.mark_history(ASSIGNMENT.name)],
        }


def test_postgres_round_trips_a_run_a_review_import_and_every_export(both):
    sqlite, postgres = both["sqlite"], both["postgres"]
    assert len(postgres["lines"]) == 3 and postgres["lines"] == sqlite["lines"]
    assert postgres["lines"][0][1] > 0 and postgres["lines"][1][1] == 0  # alice full, bob 0
    in_postgres = _contents(both["server"])
    assert in_postgres == _contents(both["sqlite_url"])
    assert len(in_postgres["manual"]) == 3 and len(in_postgres["history"]) == 3
    assert set(postgres["files"]) == set(sqlite["files"])
    for name, content in postgres["files"].items():
        assert content == sqlite["files"][name], name
    assert "alice" in postgres["files"]["canvas"]
    assert postgres["report"].replace(_plain(both["server"]).replace(PASSWORD, "***"), "") == \
        sqlite["report"].replace(both["sqlite_url"], "")


@pytest.mark.parametrize("extra", [
    "CREATE FUNCTION top() RETURNS trigger AS $$ BEGIN NEW.score := NEW.possible; "
    "RETURN NEW; END $$ LANGUAGE plpgsql; CREATE TRIGGER keep_me_top BEFORE INSERT ON "
    "results FOR EACH ROW EXECUTE FUNCTION top()",
    "CREATE VIEW everyone_full AS SELECT * FROM results",
    "CREATE TABLE notes (x text)",
    "ALTER TABLE results ADD COLUMN bonus float",
])
def test_a_tampered_postgres_gradebook_is_refused(both, extra):
    engine = create_engine(both["server"])
    undo = {"CREATE FUNCTION": "DROP TRIGGER keep_me_top ON results; DROP FUNCTION top()",
            "CREATE VIEW": "DROP VIEW everyone_full", "CREATE TABLE": "DROP TABLE notes",
            "ALTER TABLE": "ALTER TABLE results DROP COLUMN bonus"}
    with engine.begin() as connection:
        connection.execute(text(extra))
    try:
        with pytest.raises(GradebookTampered, match="the grader did not make"):
            Gradebook(both["server"])
    finally:
        with engine.begin() as connection:
            connection.execute(text(next(v for k, v in undo.items() if extra.startswith(k))))
        engine.dispose()
    Gradebook(both["server"]).close()  # whole again


def test_two_markers_at_once_lose_no_mark(both):
    """Two teaching assistants, each with a gradebook of their own on the one server, mark at
    the same moment: their own shares and, both of them, the same answer."""
    shared = ("alice/x.ipynb", "briefing", "clarity")
    errors: list[BaseException] = []

    def marker(who: str, share: range) -> None:
        try:
            with Gradebook(both["server"]) as gradebook:
                for i in share:
                    gradebook.mark_criterion("concurrency", f"s{i:03}.ipynb", "briefing",
                                             "clarity", points=i % 4, entered_by=who)
                    gradebook.mark_criterion("concurrency", *shared, points=1,
                                             comment=who, entered_by=who)
                    gradebook.record_manual("concurrency", [(f"s{i:03}.ipynb", "briefing",
                                                             float(i % 4), 4.0, who),
                                                            (shared[0], shared[1], 2.0, 4.0,
                                                             f"{who} {i}")],
                                            entered_by=who)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=marker, args=("ta-1", range(0, 40))),
               threading.Thread(target=marker, args=("ta-2", range(40, 80)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    with Gradebook(both["server"]) as gradebook:
        marks = gradebook.criterion_marks("concurrency")
        manual = gradebook.manual("concurrency")
        history = gradebook.mark_history("concurrency")
    assert {s for s in marks if s != shared[0]} == {f"s{i:03}.ipynb" for i in range(80)}
    assert all(marks[f"s{i:03}.ipynb"]["briefing"]["clarity"][0] == i % 4 for i in range(80))
    assert marks[shared[0]]["briefing"]["clarity"][1] in ("ta-1", "ta-2")
    assert {s for s in manual if s != shared[0]} == {f"s{i:03}.ipynb" for i in range(80)}
    # Every change to the shared answer is in its history, from both markers.
    shared_history = [h for h in history if h["submission"] == shared[0]]
    assert {h["entered_by"] for h in shared_history} == {"ta-1", "ta-2"}
    assert len(shared_history) == 80


def test_a_gradebook_that_cannot_be_opened_is_named_without_a_traceback(both, tmp_path):
    missing = _plain(both["server"]).replace("/gradebook?", "/no_such_database?")
    done = _autograder("export", ASSIGNMENT.name, "--format", "canvas", "--out",
                       str(tmp_path / "x.csv"), "--db-url", missing, status=2)
    assert 'database "no_such_database" does not exist' in done.stderr
    assert "createdb" in done.stderr and "Traceback" not in done.stderr
    other_driver = both["server"].replace("+psycopg", "+psycopg2")
    done = _autograder("report", ASSIGNMENT.name, "--db-url", other_driver, status=2)
    assert "postgresql://USER@HOST/DATABASE" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.csv").exists()
