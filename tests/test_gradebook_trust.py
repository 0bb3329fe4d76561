"""The gradebook trusts nothing from submissions (issue 10): its integrity is checked before
grading, the JSON output, the gradebook and every export agree, and a change of tests is
followed by a regrade, never by a mix of totals."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ASSIGNMENTS

ASSIGNMENT = ASSIGNMENTS[0]


def _autograder(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True,
                          text=True, timeout=900)


@pytest.fixture(scope="module")
def run(built_assignments, tmp_path_factory):
    """Three students in folders of their own (two hand in the same file name), graded by the
    command line with --json."""
    _, output = built_assignments[ASSIGNMENT.name]
    folder = tmp_path_factory.mktemp("class")
    name = output.student_notebook.name
    for student, notebook in (("alice", output.solution_notebook),
                              ("bob", output.student_notebook),
                              ("carol", output.solution_notebook)):
        (folder / student).mkdir()
        (folder / student / name).write_bytes(notebook.read_bytes())
    gradebook = tmp_path_factory.mktemp("gradebook") / "grades.db"
    done = _autograder("grade", str(output.autograder_zip), str(folder), "--gradebook",
                       str(gradebook), "--json", "--quiet", "--workers", "2")
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    return {"output": output, "folder": folder, "gradebook": gradebook, "lines": lines}


def test_json_gradebook_and_every_export_agree(run, tmp_path):
    by_json = {line["submission"]: line["score"] for line in run["lines"]}
    assert set(by_json) == {f"{s}/{run['output'].student_notebook.name}"
                            for s in ("alice", "bob", "carol")}  # the full relative path
    db = sqlite3.connect(run["gradebook"])
    by_gradebook = dict(db.execute("select submission, score from results"))
    per_question = dict(db.execute("select submission, sum(score) from question_scores "
                                   "group by submission"))
    db.close()
    assert by_gradebook == by_json
    assert {k: round(v, 6) for k, v in per_question.items()} == by_json
    for kind in ("canvas", "brightspace", "moodle"):
        out = tmp_path / f"{kind}.csv"
        done = _autograder("export", str(run["output"].autograder_zip), "--format", kind,
                           "--out", str(out), "--gradebook", str(run["gradebook"]))
        assert done.returncode == 0, done.stderr
        rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
        body = [row for row in rows[1:] if row and any(row) and "Points Possible" not in row]
        assert len(body) == 3, (kind, rows)
        # Without a roster the student is the folder name; the autograded total is the same
        # number in each export (free response not yet marked).
        for student, total in (("alice", by_json[f"alice/{run['output'].student_notebook.name}"]),
                               ("bob", by_json[f"bob/{run['output'].student_notebook.name}"])):
            row = next(r for r in body if student in r)
            assert any(cell.strip() and _number(cell) == total for cell in row), (kind, row)


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def test_a_tampered_gradebook_is_refused_before_anything_runs(run, tmp_path):
    tampered = tmp_path / "tampered.db"
    tampered.write_bytes(run["gradebook"].read_bytes())
    db = sqlite3.connect(tampered)
    db.execute("create trigger keep_me_top after insert on results begin "
               "update results set score = possible where submission like 'carol/%'; end")
    db.commit()
    db.close()
    done = _autograder("grade", str(run["output"].autograder_zip), str(run["folder"]),
                       "--gradebook", str(tampered), "--regrade", "--quiet")
    assert done.returncode == 2
    assert "keep_me_top" in done.stderr and "nothing was graded" in done.stderr, done.stderr
    for extra in ("create view everyone_full as select * from results",
                  "create table notes (x text)"):
        other = tmp_path / "other.db"
        other.write_bytes(run["gradebook"].read_bytes())
        db = sqlite3.connect(other)
        db.execute(extra)
        db.commit()
        db.close()
        done = _autograder("export", str(run["output"].autograder_zip), "--format", "canvas",
                           "--out", str(tmp_path / "x.csv"), "--gradebook", str(other))
        assert done.returncode == 2 and "the grader did not make" in done.stderr, done.stderr


def _zip_with_changed_points(source: Path, target: Path) -> None:
    """The same assignment with question 1 worth 5 points instead of 1."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "tests/q1.py":
                # Its scored cases are worth 0.25 and 0.75: now 1.25 and 3.75.
                for before, after in ((b"'points': 1,", b"'points': 5,"),
                                      (b"'points': 0.25", b"'points': 1.25"),
                                      (b"'points': 0.75", b"'points': 3.75")):
                    assert data.count(before) == 1
                    data = data.replace(before, after)
            new.writestr(item, data)


def test_changed_tests_are_followed_by_a_regrade_never_a_mix(run, tmp_path):
    gradebook = tmp_path / "grades.db"
    gradebook.write_bytes(run["gradebook"].read_bytes())
    changed = tmp_path / f"{run['output'].autograder_zip.stem}.zip"
    _zip_with_changed_points(run["output"].autograder_zip, changed)
    # Only alice's folder is graded again: the others keep results from the old tests.
    only_alice = tmp_path / "alice-only"
    only_alice.mkdir()
    (only_alice / "alice").mkdir()
    name = run["output"].student_notebook.name
    (only_alice / "alice" / name).write_bytes(run["output"].solution_notebook.read_bytes())
    done = _autograder("grade", str(changed), str(only_alice), "--gradebook", str(gradebook),
                       "--json", "--quiet")
    assert done.returncode == 0, done.stderr[-2000:]
    line = json.loads(done.stdout.splitlines()[0])
    assert line["from_gradebook"] is False, "new tests: the old result must not be reused"
    assert line["questions"]["q1"]["possible"] == 5
    exported = _autograder("export", str(changed), "--format", "canvas", "--out",
                           str(tmp_path / "mixed.csv"), "--gradebook", str(gradebook))
    assert exported.returncode == 2
    assert "different versions of the tests" in exported.stderr, exported.stderr
    # Grading the whole class with the new tests makes the totals one version again.
    done = _autograder("grade", str(changed), str(run["folder"]), "--gradebook", str(gradebook),
                       "--quiet")
    assert done.returncode == 0, done.stderr[-2000:]
    exported = _autograder("export", str(changed), "--format", "canvas", "--out",
                           str(tmp_path / "one.csv"), "--gradebook", str(gradebook))
    assert exported.returncode == 0, exported.stderr
