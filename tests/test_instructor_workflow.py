"""An instructor's whole workflow, from each LMS's download to its import file and feedback
(issue 11's "done when"): a class with an accented name, a late student, a student who
handed in nothing and a free response not yet marked, graded and exported through the
command line as the instructors' guide walks through it."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import zipfile
from pathlib import Path

import pytest
from conftest import ASSIGNMENTS
from test_lms import _without_utf8_flag

from autograder.cli import run
from autograder.gradebook import Gradebook, database_url
from autograder.review import manual_questions
from autograder.selfcheck import load_wrong_answers

ASSIGNMENT = ASSIGNMENTS[0]
NAME = ASSIGNMENT.name
BRIEFING = manual_questions(ASSIGNMENT.source)[0]
ZOE, AN, CHIDI = "Zoé", "An", "Chidi"  # solution (late), a wrong answer, the solution

# Each LMS's names for the three submissions, and its class list (with Dana, who handed in
# nothing). Brightspace's download spells Zoé decomposed (e + combining accent), as macOS does.
DOWNLOADS = {
    "canvas": {ZOE: f"tremblayzoé_LATE_1101_9001_{NAME}.ipynb",
               AN: f"nguyenan_1102_9002_{NAME}.ipynb",
               CHIDI: f"okaforchidi_1103_9003_{NAME}.ipynb"},
    "brightspace": {
        ZOE: unicodedata.normalize("NFD", "397063-2557369 - Zoé Tremblay - Sep 24, 2024 926 PM")
        + f"/{NAME}.ipynb",
        AN: f"397064-2557370 - An Nguyen - Sep 23, 2024 1253 PM/{NAME}.ipynb",
        CHIDI: f"397065-2557371 - Chidi Okafor - Sep 22, 2024 1005 AM/{NAME}.ipynb"},
    "moodle": {ZOE: f"Zoé Tremblay_657737_assignsubmission_file_/{NAME}.ipynb",
               AN: f"An Nguyen_657738_assignsubmission_file_/{NAME}.ipynb",
               CHIDI: f"Chidi Okafor_657739_assignsubmission_file_/{NAME}.ipynb"},
}
CLASS_LISTS = {
    "canvas": ("Student,ID,SIS User ID,SIS Login ID,Section," + f"{NAME} (55501)\n"
               "    Points Possible,,,,,20.00\n"
               '"Tremblay, Zoé",1101,S1101,ztremblay,A,\n"Nguyen, An",1102,S1102,anguyen,A,\n'
               '"Okafor, Chidi",1103,S1103,cokafor,A,\n"Roy, Dana",1104,S1104,droy,A,\n'),
    "brightspace": ("OrgDefinedId,Username,Last Name,First Name,Email,"
                    f"{NAME} Points Grade <Numeric MaxPoints:20>,End-of-Line Indicator\n"
                    "#S1101,#ztremblay,Tremblay,Zoé,z@example.ca,,#\n"
                    "#S1102,#anguyen,Nguyen,An,a@example.ca,,#\n"
                    "#S1103,#cokafor,Okafor,Chidi,c@example.ca,,#\n"
                    "#S1104,#droy,Roy,Dana,d@example.ca,,#\n"),
    # Moodle's grading worksheet, saved by Excel in French-Canadian settings (semicolons,
    # Windows-1252): it says when each submission came in.
    "moodle": ("Identifier;Full name;Email address;Status;Grade;Maximum Grade;"
               "Last modified (submission)\n"
               "Participant 657737;Zoé Tremblay;z@example.ca;Submitted;;20;"
               "Tuesday, 24 September 2024, 9:26 PM\n"
               "Participant 657738;An Nguyen;a@example.ca;Submitted;;20;"
               "Monday, 23 September 2024, 12:53 PM\n"
               "Participant 657739;Chidi Okafor;c@example.ca;Submitted;;20;"
               "Sunday, 22 September 2024, 10:05 AM\n"
               "Participant 657740;Dana Roy;d@example.ca;No submission;;20;-\n"),
}
# Where each LMS's import file puts the student and the grade.
KEYS = {"canvas": ("SIS Login ID", f"{NAME} (55501)"),
        "brightspace": ("Username", f"{NAME} Points Grade"),
        "moodle": ("Identifier", "Grade")}
WHO = {"canvas": {ZOE: "ztremblay", AN: "anguyen", CHIDI: "cokafor"},
       "brightspace": {ZOE: "#ztremblay", AN: "#anguyen", CHIDI: "#cokafor"},
       "moodle": {ZOE: "Participant 657737", AN: "Participant 657738",
                  CHIDI: "Participant 657739"}}


def _csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


@pytest.fixture(scope="module")
def notebooks(built_assignments):
    _, output = built_assignments[NAME]
    wrong = load_wrong_answers(ASSIGNMENT.wrong_answers)[0]
    solution = output.solution_notebook.read_text(encoding="utf-8")
    # The wrong answer is written in its question's own cell, just before its check, as a
    # student would: where the notebook's checks run (its file name kept, or not), it counts.
    wrong_notebook = json.loads(solution)
    cells = wrong_notebook["cells"]
    check = next(i for i, c in enumerate(cells)
                 if "".join(c["source"]).strip() == f'grader.check("{wrong.question}")')
    cells.insert(check, {"cell_type": "code", "id": "mine", "metadata": {},
                         "execution_count": None, "outputs": [], "source": wrong.code})
    return {"zip": output.autograder_zip, ZOE: solution, CHIDI: solution,
            AN: json.dumps(wrong_notebook)}


@pytest.mark.parametrize("lms", ["canvas", "brightspace", "moodle"])
def test_from_the_lms_download_to_its_import_file_and_feedback(lms, notebooks, tmp_path,
                                                              monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    # The download, as a zip without the UTF-8 flag, and the class list the LMS exported.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for student, path in DOWNLOADS[lms].items():
            archive.writestr(path, notebooks[student])
        archive.writestr("index.html", "<html></html>")  # Brightspace's listing, not graded
    Path("download.zip").write_bytes(_without_utf8_flag(buffer.getvalue()))
    Path("class.csv").write_bytes(CLASS_LISTS[lms].encode("cp1252"))
    db = ["--gradebook", "grades.db"]

    def cli(*args: str) -> tuple[int, str, str]:
        status = run([*args, *db])
        out, err = capsys.readouterr()
        return status, out, err

    status, _, err = cli("grade", NAME, "download.zip", "--quiet", "--workers", "2")
    assert status == 0, err
    assert "index.html" in err  # listed as not graded, never skipped in silence
    assert cli("late-policy", NAME, "--due", "2024-09-23 23:59", "--percent", "10")[0] == 0

    # Free responses: two of three marked in the review file, as a TA would in Excel.
    assert cli("review", NAME, "download.zip", "--out", "review.csv")[0] == 0
    rows = _csv(Path("review.csv"))
    assert len(rows) == 3
    marks = {DOWNLOADS[lms][ZOE]: "3", DOWNLOADS[lms][AN]: "2"}
    for row in rows:
        row["score"] = marks.get(unicodedata.normalize("NFC", row["submission"]),
                                 marks.get(row["submission"], ""))
    with open("review.csv", "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert cli("review-import", NAME, "review.csv", "--by", "TA Sam")[0] == 0

    # Export stops, writing nothing, while Chidi's briefing note is unmarked.
    status, _, err = cli("export", NAME, "--format", lms, "--roster", "class.csv", "--out",
                         "import.csv")
    assert status == 2 and not Path("import.csv").exists()
    assert "Chidi" in err and "not marked yet" in err
    # Told to leave that grade out, it writes the rest and names Dana, who handed in nothing.
    status, out, err = cli("export", NAME, "--format", lms, "--roster", "class.csv", "--out",
                           "import.csv", "--unmarked", "blank")
    assert status == 0, err
    assert "no submission from" in err and "Dana" in err
    who, grade_column = KEYS[lms]
    exported = {r[who]: r[grade_column] for r in _csv(Path("import.csv"))
                if r.get("Student") != "Points Possible"}
    gradebook = Gradebook(database_url(tmp_path / "grades.db"))
    autograded = {r.submission: r.score for r in gradebook.results(NAME)}
    gradebook.close()
    auto = {s: autograded[unicodedata.normalize("NFC", p)] if unicodedata.normalize(
        "NFC", p) in autograded else autograded[p] for s, p in DOWNLOADS[lms].items()}
    possible = 16 + BRIEFING.points  # the autograded points and the briefing note's
    late = round(possible * 0.10, 2)  # Zoé: less than a day late, 10%
    assert exported == {WHO[lms][ZOE]: f"{auto[ZOE] + 3 - late:g}",
                        WHO[lms][AN]: f"{auto[AN] + 2:g}",
                        WHO[lms][CHIDI]: ""}
    assert auto[ZOE] == 16 and auto[AN] < 16, autograded  # the solution, and a wrong answer

    # Feedback: one file per student, each holding that student's own report.
    status, out, _ = cli("feedback", NAME, "--roster", "class.csv", "--out", "feedback",
                         "--unmarked", "partial")
    assert status == 0 and "wrote 3 feedback files" in out
    index = _csv(Path("feedback/index.csv"))
    assert len({r["feedback"] for r in index}) == 3
    for row in index:
        text = (Path("feedback") / row["feedback"]).read_text(encoding="utf-8")
        assert f"Submission: {row['submission']}" in text
        assert f"Student: {row['student']}" in text
    chidi = next(r for r in index if "Chidi" in r["student"])
    assert "not marked yet" in (Path("feedback") / chidi["feedback"]).read_text()
    zoe = next(r for r in index if "Zoé" in unicodedata.normalize("NFC", r["student"]))
    assert "Late penalty: -2" in (Path("feedback") / zoe["feedback"]).read_text()

    status, out, _ = cli("report", NAME, "--roster", "class.csv")
    assert status == 0 and "free responses to mark (1)" in out and "late (1)" in out
    assert "no submission (1)" in out
