"""Free-response review, LMS exports and feedback, read back the way their users read them."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import ASSIGNMENTS
from test_assignments import _source_secrets

from autograder.batch import grade_submissions, open_submissions
from autograder.exports import Target, class_grades, export_csv, write_feedback
from autograder.gradebook import Gradebook, database_url
from autograder.review import answers_in, import_review, manual_questions, write_review
from autograder.roster import load_roster, match_class
from autograder.scoring import AutograderTests

ASSIGNMENT = ASSIGNMENTS[0]
BRIEFING = manual_questions(ASSIGNMENT.source)[0]  # the assignment's free-response question
NOTE = "Phone service fell far below its standard after October 2022 and recovered by May 2023."


def _with_answer(student_text: str, answer: str) -> str:
    """The notebook with its (single) free-response answer replaced by ``answer``."""
    notebook = json.loads(student_text)
    cells = notebook["cells"]
    text = ["".join(c["source"]).lstrip() for c in cells]
    begin = next(i for i, t in enumerate(text) if t.startswith("<!-- BEGIN QUESTION -->"))
    end = next(i for i, t in enumerate(text) if t.startswith("<!-- END QUESTION -->"))
    answer_cell = {"cell_type": "markdown", "id": "answer", "metadata": {}, "source": answer}
    notebook["cells"] = cells[:begin + 1] + [answer_cell] + cells[end:]
    return json.dumps(notebook)


@pytest.fixture(scope="module")
def graded(built_assignments, tmp_path_factory):
    _, output = built_assignments[ASSIGNMENT.name]
    folder = tmp_path_factory.mktemp("class")
    solution = json.loads(output.solution_notebook.read_text())
    solution_text = json.dumps(solution)
    (folder / "alice.ipynb").write_text(_with_answer(solution_text, NOTE))
    (folder / "bob.ipynb").write_text(output.student_notebook.read_text())
    (folder / "carol.ipynb").write_text(_with_answer(solution_text, "Calls went up."))
    tests = AutograderTests(output.autograder_zip)
    gradebook = Gradebook(database_url(tmp_path_factory.mktemp("gb") / "grades.db"))
    with open_submissions(folder, tests.assignment_name) as submissions:
        grade_submissions(tests, submissions, gradebook, ASSIGNMENT.name, workers=2)
        texts = {p.name: p.read_text() for p in folder.glob("*.ipynb")}
        review = tmp_path_factory.mktemp("review") / "review.csv"
        write_review(review, manual_questions(ASSIGNMENT.source),
                     [(s, texts[s.name]) for s in submissions])
    autograded = tests.total_possible
    tests.close()
    yield {"gradebook": gradebook, "review": review, "folder": folder, "autograded": autograded}
    gradebook.close()


def _grades(results, manual, roster=None):
    match = match_class([r.submission for r in results], roster)
    return class_grades(results, match, manual, {BRIEFING.name: BRIEFING.points}), match


def _rows(text: str) -> list[dict]:
    """The rows of a CSV file's text; a review file starts with a byte-order mark, for Excel."""
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_review_file_holds_each_answer_and_no_solution(graded):
    rows = _rows(graded["review"].read_text())
    q, pts = BRIEFING.name, f"{BRIEFING.points:g}"
    assert [(r["submission"], r["question"], r["points_possible"]) for r in rows] == [
        ("alice.ipynb", q, pts), ("bob.ipynb", q, pts), ("carol.ipynb", q, pts)]
    assert rows[0]["answer"] == NOTE
    assert "Type your answer here" in rows[1]["answer"]
    assert (rows[0]["note"], rows[1]["note"]) == (  # bob left the placeholder as it was
        "", "unchanged from the starting notebook: no answer written")
    assert "Example answer" not in graded["review"].read_text()
    assert all(r["score"] == "" for r in rows)


def test_answers_in_a_broken_notebook_are_blank():
    assert answers_in("{ not json", 2) == ["", ""]


def _fill(review, scores: dict[str, tuple[str, str]], path):
    rows = _rows(review.read_text())
    for row in rows:
        row["score"], row["comment"] = scores.get(row["submission"], ("", ""))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(("scores", "message"), [
    ({"alice.ipynb": ("5", "")}, "outside 0 to 4"),
    ({"alice.ipynb": ("four", "")}, "is not a number"),
])
def test_bad_review_rows_are_refused_and_nothing_is_recorded(graded, tmp_path, scores, message):
    bad = _fill(graded["review"], {"carol.ipynb": ("2", "ok"), **scores}, tmp_path / "bad.csv")
    with pytest.raises(ValueError, match=message):
        import_review(bad, manual_questions(ASSIGNMENT.source), graded["gradebook"],
                      ASSIGNMENT.name)
    assert graded["gradebook"].manual(ASSIGNMENT.name) == {}


def test_review_scores_flow_into_exports_and_feedback(graded, tmp_path):
    filled = _fill(graded["review"], {"alice.ipynb": ("4", "Clear and actionable."),
                                      "bob.ipynb": ("0", ""),
                                      "carol.ipynb": ("1", "Give figures and a limitation.")},
                   tmp_path / "filled.csv")
    count, changed = import_review(filled, manual_questions(ASSIGNMENT.source),
                                   graded["gradebook"], ASSIGNMENT.name)
    assert count == changed == 3
    results = graded["gradebook"].results(ASSIGNMENT.name)
    manual = graded["gradebook"].manual(ASSIGNMENT.name)
    assert manual["alice.ipynb"][BRIEFING.name] == (4.0, 4.0, "Clear and actionable.")
    full = graded["autograded"] + 4  # alice: every autograded point and 4 of 4 for the note
    carol = graded["autograded"] + 1  # carol: every autograded point and 1 for the note

    grades, match = _grades(results, manual)
    possible = graded["autograded"] + BRIEFING.points
    canvas = export_csv("canvas", grades, Target(ASSIGNMENT.name), possible)
    rows = _rows(canvas)
    assert list(rows[0])[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0]["Student"] == "Points Possible" and rows[0][ASSIGNMENT.name] == f"{full:g}"
    by_login = {r["SIS Login ID"]: r[ASSIGNMENT.name] for r in rows[1:]}
    assert by_login == {"alice": f"{full:g}", "bob": "0", "carol": f"{carol:g}"}

    item = f"{ASSIGNMENT.name} Points Grade"
    brightspace = _rows(export_csv("brightspace", grades, Target(item), possible))
    assert list(brightspace[0]) == ["OrgDefinedId", "Username", item, "End-of-Line Indicator"]
    assert {r["Username"]: float(r[item]) for r in brightspace} \
        == {"alice": full, "bob": 0, "carol": carol}
    assert all(r["End-of-Line Indicator"] == "#" for r in brightspace)

    moodle = _rows(export_csv("moodle", grades, Target(ASSIGNMENT.name), possible))
    assert {r["Username"]: float(r[ASSIGNMENT.name]) for r in moodle}["carol"] == carol
    assert moodle[0]["Feedback"].startswith(f"{full:g} / {full:g}")

    written = write_feedback(tmp_path / "feedback", ASSIGNMENT.name, grades, match)
    texts = {p.stem: p.read_text() for p in written}
    assert f"Score: {full:g} / {full:g}" in texts["alice"]
    assert "comment: Give figures and a limitation." in texts["carol"]
    # The blank notebook is told once per question that it is not answered yet, nothing more.
    hints = [line for line in texts["bob"].splitlines() if line.strip().startswith("hint:")]
    assert hints and all("Not answered yet" in line for line in hints)
    assert len(hints) == len(graded["gradebook"].results(ASSIGNMENT.name)[0].questions)
    solutions, hidden = _source_secrets(ASSIGNMENT.source)
    for text in texts.values():
        assert not [line for line in hidden + solutions if line in text]


def test_roster_maps_submissions_to_lms_identifiers(graded, tmp_path):
    roster_path = tmp_path / "roster.csv"
    roster_path.write_text("submission,name,username,email,student_id\n"
                           "alice.ipynb,Alice Martin,amartin,alice@example.ca,1001\n")
    roster = load_roster(roster_path)
    results = graded["gradebook"].results(ASSIGNMENT.name)
    grades, match = _grades(results, {}, roster)
    assert sorted(match.unmatched) == ["bob.ipynb", "carol.ipynb"]  # not on this class list
    rows = _rows(export_csv("canvas", grades, Target(ASSIGNMENT.name), 10.0, "partial"))
    alice = next(r for r in rows if r["Student"] == "Alice Martin")
    assert (alice["SIS User ID"], alice["SIS Login ID"]) == ("1001", "amartin")
    brightspace = _rows(export_csv("brightspace", grades, Target("x Points Grade"), 10.0,
                                   "partial"))
    assert brightspace[0]["OrgDefinedId"] == "1001"


def test_roster_without_submission_column_is_refused(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("name,email\nA,a@example.ca\n")
    with pytest.raises(ValueError, match="the 'submission' column is required"):
        load_roster(path)


def test_command_line_review_export_and_feedback(graded, tmp_path):
    import subprocess
    import sys

    database = graded["gradebook"].engine.url.database

    def run(*args):
        return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True,
                              text=True, timeout=120)

    review = run("review", ASSIGNMENT.name, str(graded["folder"]), "--out",
                 str(tmp_path / "r.csv"))
    assert review.returncode == 0, review.stderr
    assert len(_rows((tmp_path / "r.csv").read_text())) == 3
    export = run("export", ASSIGNMENT.name, "--format", "brightspace", "--unmarked", "partial",
                 "--gradebook", database,
                 "--out", str(tmp_path / "d2l.csv"))
    assert export.returncode == 0, export.stderr
    assert "Points Grade" in (tmp_path / "d2l.csv").read_text()
    feedback = run("feedback", ASSIGNMENT.name, "--unmarked", "partial", "--gradebook", database,
                   "--out",
                   str(tmp_path / "fb"))
    assert feedback.returncode == 0 and len(list((tmp_path / "fb").glob("*.txt"))) == 3
    missing = run("export", "no-such-assignment", "--format", "moodle", "--gradebook", database,
                  "--out", str(tmp_path / "x.csv"))
    assert missing.returncode == 2 and "no results for 'no-such-assignment'" in missing.stderr


def test_review_prints_an_import_command_that_reaches_the_same_gradebook(tmp_path, monkeypatch,
                                                                         capsys):
    import shlex

    from autograder.cli import build_parser
    from autograder.gradebook import SubmissionResult

    def main(argv):  # the command, without the signal handler main() installs
        args = build_parser().parse_args(argv)
        return args.func(args)

    question = manual_questions(ASSIGNMENT.source)[0].name

    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.ipynb").write_text(ASSIGNMENT.student_notebook.read_text())
    gradebook_path = tmp_path / "course" / "grades.db"
    gradebook_path.parent.mkdir()
    gradebook = Gradebook(database_url(gradebook_path))
    gradebook.record(ASSIGNMENT.name, SubmissionResult("alice.ipynb", "0" * 64, "completed", "",
                                                       10.0, 10.0, 1.0, 100.0, []))
    gradebook.close()
    # The printed command, followed literally, records into course/grades.db: it must not
    # create a gradebook.db in the current folder.
    monkeypatch.chdir(tmp_path)
    assert main(["review", ASSIGNMENT.name, "class", "--out", "review.csv",
                 "--gradebook", "course/grades.db"]) == 0
    printed = capsys.readouterr().out
    command = shlex.split(printed.split("`")[1])
    assert command == ["autograder", "review-import", ASSIGNMENT.name, "review.csv",
                       "--gradebook", "course/grades.db"]
    _fill(tmp_path / "review.csv", {"alice.ipynb": ("3", "")}, tmp_path / "review.csv")
    assert main(["--root", str(ASSIGNMENT.source.parents[4]), *command[1:]]) == 0
    assert not (tmp_path / "gradebook.db").exists()
    gradebook = Gradebook(database_url(gradebook_path))
    assert gradebook.manual(ASSIGNMENT.name)["alice.ipynb"][question][0] == 3.0
    gradebook.close()

    assert main(["review", ASSIGNMENT.name, "class", "--out", "r2.csv",
                 "--db-url", "sqlite:///shared.db"]) == 0
    assert shlex.split(capsys.readouterr().out.split("`")[1])[-2:] == [
        "--db-url", "sqlite:///shared.db"]
    # Without a gradebook option the default is named, and its absence is pointed out.
    assert main(["review", ASSIGNMENT.name, "class", "--out", "r3.csv"]) == 0
    out, err = capsys.readouterr()
    assert shlex.split(out.split("`")[1])[-2:] == ["--gradebook", "gradebook.db"]
    assert "no gradebook at" in err and not (tmp_path / "gradebook.db").exists()


@pytest.mark.parametrize("kind", ["canvas", "brightspace", "moodle"])
def test_a_name_or_reason_that_looks_like_a_formula_stays_text(kind):
    from autograder.gradebook import SubmissionResult

    hostile = SubmissionResult('=HYPERLINK("https://example.org","x").ipynb', "0" * 64, "error",
                               "@SUM(1+1)", 1.0, 2.0, 0.0, 0.0, [], "")
    grades, _ = _grades([hostile], {})
    rows = list(csv.reader(io.StringIO(export_csv(kind, grades, Target("hw"), 2.0, "partial"))))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c and c[0] in "=+-@"], cells
    assert any(c.startswith("'=HYPERLINK") for c in cells)
