"""From an LMS's download to its import file: every grade to the right student, or a refusal.

Each test reproduces a problem an instructor met (issue 11) with the names Canvas, Brightspace
and Moodle give their downloads, and class lists as each LMS (and Excel) writes them. The
results are recorded straight into a gradebook: what is tested here is who gets which grade,
not how a notebook is scored (test_grading and test_exports do that).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from conftest import ASSIGNMENTS

from autograder.batch import open_submissions
from autograder.cli import run
from autograder.downloads import origin_of
from autograder.gradebook import Gradebook, QuestionScore, SubmissionResult, database_url
from autograder.review import manual_questions
from autograder.roster import load_roster, match_class

ASSIGNMENT = ASSIGNMENTS[0]
NAME = ASSIGNMENT.name
BRIEFING = manual_questions(ASSIGNMENT.source)[0]

CANVAS = ["tremblayzoé_LATE_1101_9001_service-performance.ipynb",
          "nguyenan_1102_9002_service-performance.ipynb",
          "okaforchidi_1103_9003_service-performance.ipynb"]
BRIGHTSPACE = ["397063-2557369 - Zoé Tremblay - Sep 24, 2024 926 PM/service-performance.ipynb",
               "397064-2557370 - An Nguyen - Sep 23, 2024 1253 PM/service-performance.ipynb",
               "397065-2557371 - Chidi Okafor - Sep 22, 2024 1005 AM/service-performance.ipynb"]
MOODLE = ["Zoé Tremblay_657737_assignsubmission_file_/service-performance.ipynb",
          "An Nguyen_657738_assignsubmission_file_/service-performance.ipynb",
          "Chidi Okafor_657739_assignsubmission_file_/service-performance.ipynb"]


def test_each_lms_download_names_its_students():
    canvas = origin_of(CANVAS[0])
    assert (canvas.lms, canvas.key, canvas.name, canvas.late) == ("canvas", "1101", "tremblayzoé",
                                                                  True)
    assert not origin_of(CANVAS[1]).late
    space = origin_of(BRIGHTSPACE[0])
    assert (space.lms, space.name, space.submitted_at) == (
        "brightspace", "Zoé Tremblay", datetime(2024, 9, 24, 21, 26))
    assert origin_of(BRIGHTSPACE[1]).submitted_at == datetime(2024, 9, 23, 12, 53)
    flat = origin_of("397064-2557370 - An Nguyen - Sep 23, 2024 1253 PM - hw.ipynb")
    assert (flat.name, flat.folder) == ("An Nguyen",
                                        "397064-2557370 - An Nguyen - Sep 23, 2024 1253 PM")
    moodle = origin_of(MOODLE[0])
    assert (moodle.lms, moodle.key, moodle.name) == ("moodle", "657737", "Zoé Tremblay")
    assert origin_of("Zoé Tremblay_657737_assignsubmission_file_hw.ipynb").key == "657737"
    assert origin_of("alice.ipynb").key == "alice"
    assert origin_of("alice/hw01.zip").key == "alice"


def test_students_are_distinct_in_per_student_folders_and_in_one_shared_folder():
    # Moodle and Brightspace give one folder per student: each is its own student.
    match = match_class(MOODLE, None)
    assert {s.lms_id for s in match.students.values()} == {
        "Participant 657737", "Participant 657738", "Participant 657739"}
    # A class unzipped into one folder named after the assignment: the files name the students.
    shared = [f"service-performance/{n}.ipynb" for n in ("alice", "bob")]
    assert sorted(s.username for s in match_class(shared, None).students.values()) == [
        "alice", "bob"]


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def test_own_roster_matches_without_ipynb_and_in_subfolders_and_reports_the_rest(tmp_path):
    roster = load_roster(_write(tmp_path / "roster.csv",
                                "submission,name,username,email,student_id\n"
                                "alice,Alice Martin,amartin,alice@example.ca,1001\n"
                                "bob.ipynb,Bob Roy,broy,bob@example.ca,1002\n"
                                "dana.ipynb,Dana Lee,dlee,dana@example.ca,1004\n"))
    match = match_class(["alice.ipynb", "section-b/bob.ipynb", "zed.ipynb"], roster)
    assert {s: st.username for s, st in match.students.items()} == {
        "alice.ipynb": "amartin", "section-b/bob.ipynb": "broy"}
    assert list(match.unmatched) == ["zed.ipynb"]
    assert [s.name for s in match.absent] == ["Dana Lee"]
    assert any("zed.ipynb" in p for p in match.problems())
    assert match.notices() == ["no submission from Dana Lee (dlee)"]


def test_duplicates_are_refused_unless_the_download_dates_them(tmp_path):
    twice = match_class(["alice.ipynb", "alice/hw01.zip"], None)
    assert not twice.students and twice.duplicates and "2 submissions" in twice.problems()[0]
    later = BRIGHTSPACE[0].replace("Sep 24, 2024 926 PM", "Sep 25, 2024 810 AM")
    dated = match_class([BRIGHTSPACE[0], later], None)
    assert list(dated.students) == [later] and dated.superseded == {BRIGHTSPACE[0]: later}
    assert not dated.problems()


CANVAS_EXPORT = ("Student,ID,SIS User ID,SIS Login ID,Section,"
                 f"{NAME} (55501),Quiz 1 (55502)\n"
                 "    Points Possible,,,,,14.00,5.00\n"
                 '"Tremblay, Zoé",1101,S1101,ztremblay,A,,\n'
                 '"Nguyen, An",1102,S1102,anguyen,A,,\n'
                 '"Okafor, Chidi",1103,S1103,cokafor,A,,\n'
                 '"Roy, Dana",1104,S1104,droy,A,,\n')
BRIGHTSPACE_EXPORT = ("OrgDefinedId,Username,Last Name,First Name,Email,"
                      f"{NAME} Points Grade <Numeric MaxPoints:14 Category:>,"
                      "End-of-Line Indicator\n"
                      "#S1101,#ztremblay,Tremblay,Zoé,zoe@example.ca,,#\n"
                      "#S1102,#anguyen,Nguyen,An,an@example.ca,,#\n"
                      "#S1103,#cokafor,Okafor,Chidi,chidi@example.ca,,#\n"
                      "#S1104,#droy,Roy,Dana,dana@example.ca,,#\n")
MOODLE_WORKSHEET = ('"Identifier","Full name","Email address","Status","Grade","Maximum Grade"\n'
                    '"Participant 657737","Zoé Tremblay","zoe@example.ca","Submitted","","14"\n'
                    '"Participant 657738","An Nguyen","an@example.ca","Submitted","","14"\n'
                    '"Participant 657739","Chidi Okafor","chidi@example.ca","Submitted","","14"\n'
                    '"Participant 657740","Dana Roy","dana@example.ca","No submission","","14"\n')


@pytest.mark.parametrize(("files", "export", "expected"), [
    (CANVAS, CANVAS_EXPORT, "ztremblay"),
    (BRIGHTSPACE, BRIGHTSPACE_EXPORT, "#ztremblay"),
    (MOODLE, MOODLE_WORKSHEET, ""),
])
def test_each_lms_class_list_matches_its_own_download(tmp_path, files, export, expected):
    roster = load_roster(_write(tmp_path / "class.csv", export))
    match = match_class(files, roster)
    assert not match.problems(), match.problems()
    assert match.students[files[0]].username == expected
    assert match.students[files[0]].name in ("Tremblay, Zoé", "Zoé Tremblay")
    assert [s.name for s in match.absent] in (["Roy, Dana"], ["Dana Roy"])


def test_a_class_list_saved_by_excel_reads_the_same(tmp_path):
    # Excel's plain "CSV" in French-Canadian settings: Windows-1252 and semicolons.
    excel = _write(tmp_path / "excel.csv", BRIGHTSPACE_EXPORT.replace(",", ";"), "cp1252")
    utf8_bom = _write(tmp_path / "bom.csv", "\ufeff" + BRIGHTSPACE_EXPORT)
    names = [[s.name for s in load_roster(p).students] for p in (excel, utf8_bom)]
    assert names[0] == names[1] and names[0][0] == "Zoé Tremblay"


def test_a_name_shared_by_two_students_is_not_guessed(tmp_path):
    twins = BRIGHTSPACE_EXPORT + "#S1105,#antwo,Nguyen,An,an2@example.ca,,#\n"
    match = match_class(BRIGHTSPACE, load_roster(_write(tmp_path / "c.csv", twins)))
    assert "2 students on the class list could be its author" in match.unmatched[BRIGHTSPACE[1]]


def test_a_repeated_class_list_row_is_named_not_listed_twice(tmp_path):
    pasted = BRIGHTSPACE_EXPORT + "#S1102,#anguyen,Nguyen,An,an@example.ca,,#\n"
    with pytest.raises(ValueError, match=r"row 6 repeats row 3 \(username '#anguyen'\)"):
        load_roster(_write(tmp_path / "c.csv", pasted))
    shared = MOODLE_WORKSHEET + '"Participant 657741","Eve Li","an@example.ca","","","14"\n'
    with pytest.raises(ValueError, match="row 6 has the same email as row 3"):
        load_roster(_write(tmp_path / "m.csv", shared))


# ---- the command line, on a gradebook holding a class's results -------------------------


def _result(submission: str, score: float) -> SubmissionResult:
    return SubmissionResult(submission, "0" * 64, "completed", "", score, 10.0, 1.0, 50.0,
                            [QuestionScore("q1", score, 10.0, 1, 1, [])], "", "tests-v1")


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A gradebook with the three students of each download graded (8, 9 and 10 of 10)."""
    monkeypatch.chdir(tmp_path)
    gradebook = Gradebook(database_url(tmp_path / "grades.db"))
    yield tmp_path, gradebook
    gradebook.close()


def _graded(gradebook: Gradebook, files: list[str], marks: dict[int, float] | None = None):
    for score, submission in zip((8.0, 9.0, 10.0), files, strict=True):
        gradebook.record(NAME, _result(submission, score))
    gradebook.record_manual(NAME, [(files[i], BRIEFING.name, mark, BRIEFING.points, "ok")
                                   for i, mark in (marks or {}).items()])


def _cli(*args: str, capsys) -> tuple[int, str, str]:
    status = run([*args, "--gradebook", "grades.db"])
    out, err = capsys.readouterr()
    return status, out, err


def _csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_export_refuses_unmarked_free_responses_then_blank_or_partial_as_told(course, capsys):
    folder, gradebook = course
    _graded(gradebook, CANVAS, marks={0: 4.0, 1: 2.0})  # Chidi's briefing note is not marked
    status, _, err = _cli("export", NAME, "--format", "canvas", "--out", "c.csv", capsys=capsys)
    assert status == 2 and not (folder / "c.csv").exists()
    assert "okaforchidi" in err and f"{BRIEFING.name} not marked yet" in err
    status, out, err = _cli("export", NAME, "--format", "canvas", "--out", "c.csv",
                            "--unmarked", "blank", capsys=capsys)
    assert status == 0 and "2 grades and 1 blank" in out
    rows = {r["ID"]: r[NAME] for r in _csv(folder / "c.csv")[1:]}
    assert rows == {"1101": "12", "1102": "11", "1103": ""}  # matched on Canvas's user ID
    assert _csv(folder / "c.csv")[0][NAME] == f"{10 + BRIEFING.points:g}"
    assert _cli("export", NAME, "--format", "canvas", "--out", "p.csv", "--unmarked", "partial",
                capsys=capsys)[0] == 0
    assert {r["ID"]: r[NAME] for r in _csv(folder / "p.csv")[1:]}["1103"] == "10"
    # Feedback says what is still to be marked; it never reports the note as scored 0.
    assert _cli("feedback", NAME, "--out", "fb", "--unmarked", "partial", capsys=capsys)[0] == 0
    chidi = (folder / "fb" / "okaforchidi_1103.txt").read_text()
    assert f"Score so far: 10 / {10 + BRIEFING.points:g}" in chidi
    assert "not marked yet" in chidi and "Score: " not in chidi


def test_export_to_an_existing_canvas_assignment_and_report_absent_students(course, capsys):
    folder, gradebook = course
    _graded(gradebook, CANVAS, marks={0: 4.0, 1: 2.0, 2: 3.0})
    _write(folder / "class.csv", CANVAS_EXPORT.replace("14.00", "10.00"))
    status, out, err = _cli("export", NAME, "--format", "canvas", "--roster", "class.csv",
                            "--out", "c.csv", capsys=capsys)
    assert status == 0, err
    assert f"an existing column: {NAME} (55501)" in out
    assert "no submission from Roy, Dana (droy)" in err
    assert "out of 10 points, this assignment out of 14" in err
    rows = _csv(folder / "c.csv")
    assert list(rows[0])[-1] == f"{NAME} (55501)"
    assert {r["SIS Login ID"]: r[f"{NAME} (55501)"] for r in rows[1:]} == {
        "ztremblay": "12", "anguyen": "11", "cokafor": "13"}


def test_unmatched_submissions_stop_the_export_before_anything_is_written(course, capsys):
    folder, gradebook = course
    _graded(gradebook, BRIGHTSPACE, marks={0: 1.0, 1: 1.0, 2: 1.0})
    status, _, err = _cli("export", NAME, "--format", "brightspace", "--out", "d2l.csv",
                          capsys=capsys)
    assert status == 2 and not (folder / "d2l.csv").exists()
    assert "nothing Brightspace's import can match them by" in err
    roster = BRIGHTSPACE_EXPORT.replace("Okafor,Chidi", "Okafor,Chioma")
    _write(folder / "class.csv", roster)
    status, _, err = _cli("export", NAME, "--format", "brightspace", "--roster", "class.csv",
                          "--out", "d2l.csv", capsys=capsys)
    assert status == 2 and not (folder / "d2l.csv").exists()
    assert "no one on the brightspace class list has the name 'Chidi Okafor'" in err
    _write(folder / "class.csv", BRIGHTSPACE_EXPORT)
    status, out, err = _cli("export", NAME, "--format", "brightspace", "--roster", "class.csv",
                            "--out", "d2l.csv", capsys=capsys)
    assert status == 0, err
    column = f"{NAME} Points Grade"
    assert {r["OrgDefinedId"]: r[column] for r in _csv(folder / "d2l.csv")} == {
        "#S1101": "9", "#S1102": "10", "#S1103": "11"}


def test_moodle_download_exports_the_grading_worksheet_and_feedback_per_student(course, capsys):
    folder, gradebook = course
    _graded(gradebook, MOODLE, marks={0: 4.0, 1: 0.0, 2: 2.0})
    status, out, _ = _cli("export", NAME, "--format", "moodle", "--out", "m.csv", capsys=capsys)
    assert status == 0 and "worksheet" in out
    rows = _csv(folder / "m.csv")
    assert [(r["Identifier"], r["Grade"]) for r in rows] == [
        ("Participant 657738", "9"), ("Participant 657739", "12"), ("Participant 657737", "12")]
    assert _cli("feedback", NAME, "--out", "fb", capsys=capsys)[0] == 0
    files = sorted(p.relative_to(folder / "fb").as_posix() for p in (folder / "fb").rglob("*.txt"))
    assert files == sorted(f"{m.split('/')[0]}/{NAME}-feedback.txt" for m in MOODLE)
    for submission in MOODLE:  # each student's file holds their own feedback, no one else's
        text = (folder / "fb" / submission.split("/")[0] / f"{NAME}-feedback.txt").read_text()
        assert f"Submission: {submission}" in text
    index = _csv(folder / "fb" / "index.csv")
    assert {r["lms_id"] for r in index} == {"Participant 657737", "Participant 657738",
                                            "Participant 657739"}


def test_a_moodle_class_partly_without_participant_identifiers_is_refused(course, capsys):
    folder, gradebook = course
    _graded(gradebook, MOODLE[:2] + ["extra-copy.ipynb"])  # a file added to the download
    status, _, err = _cli("export", NAME, "--format", "moodle", "--out", "m.csv", capsys=capsys)
    assert status == 2 and not (folder / "m.csv").exists()
    assert "extra-copy (extra-copy.ipynb): no Moodle participant identifier" in err


def test_two_submissions_from_one_student_get_no_feedback_until_one_is_removed(course,
                                                                                capsys):
    folder, gradebook = course
    for submission in ["Alice.ipynb", "alice/hw01.zip", "bob.ipynb"]:
        gradebook.record(NAME, _result(submission, 5.0))
    status, _, err = _cli("feedback", NAME, "--out", "fb", "--unmarked", "partial",
                          capsys=capsys)
    assert status == 2 and not (folder / "fb").exists()
    assert "has 2 submissions: Alice.ipynb, alice/hw01.zip" in err


def test_feedback_files_that_would_share_a_name_are_refused():
    from autograder.exports import class_grades, feedback_paths

    files = ["a/b.ipynb", "a_b.ipynb"]  # "a/b" cannot be a file name: both would be a_b.txt
    match = match_class(files, None)
    match.origins["a/b.ipynb"] = origin_of("a_b.ipynb")
    grades = class_grades([_result(f, 1.0) for f in files], match, {}, {})
    with pytest.raises(ValueError, match="would both be written to a_b.txt"):
        feedback_paths(grades, match, NAME)


# ---- zips without the UTF-8 flag ---------------------------------------------------------


def _without_utf8_flag(data: bytes) -> bytes:
    """A zip as some Windows tools and LMS write it: UTF-8 names, and no flag saying so."""
    raw = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = raw.find(signature)
        while start != -1:
            flags = int.from_bytes(raw[start + offset:start + offset + 2], "little")
            raw[start + offset:start + offset + 2] = (flags & ~0x800).to_bytes(2, "little")
            start = raw.find(signature, start + 4)
    return bytes(raw)


def test_accented_names_survive_a_zip_without_the_utf8_flag(tmp_path):
    notebook = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(MOODLE[0], notebook)
    flagless = tmp_path / "download.zip"
    flagless.write_bytes(_without_utf8_flag(buffer.getvalue()))
    assert "Zoé" not in zipfile.ZipFile(flagless).namelist()[0]  # how Python reads it alone
    with open_submissions(flagless, None) as submissions:
        assert [s.name for s in submissions] == [MOODLE[0]]
    legacy = io.BytesIO()  # a name in the old DOS code page itself still reads right
    with zipfile.ZipFile(legacy, "w") as archive:
        info = zipfile.ZipInfo("Zoé.ipynb")
        archive.writestr(info, notebook)
    raw = legacy.getvalue().replace("Zoé".encode(), "Zo\x82".encode("latin-1") + b"_")
    (tmp_path / "dos.zip").write_bytes(_without_utf8_flag(raw))
    with open_submissions(tmp_path / "dos.zip", None) as submissions:
        assert [s.name for s in submissions] == ["Zoé_.ipynb"]


# ---- marks are never lost ----------------------------------------------------------------


def _submissions(names: list[str]):
    from autograder.batch import Submission

    return [(Submission(n, "0" * 64, []), "") for n in names]


def test_writing_the_review_again_keeps_every_mark(course, capsys):
    from autograder.review import write_review

    folder, gradebook = course
    _graded(gradebook, MOODLE)
    review = folder / "review.csv"
    write_review(review, [BRIEFING], _submissions(MOODLE))
    assert review.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 that Excel reads as such
    rows = _csv(review)
    rows[0]["score"], rows[0]["comment"] = "3", "Précis et clair."
    with review.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    before = review.read_bytes()
    with pytest.raises(ValueError, match="1 mark\\(s\\) that are not in the gradebook yet"):
        write_review(review, [BRIEFING], _submissions(MOODLE), gradebook.manual(NAME))
    assert review.read_bytes() == before
    assert _cli("review-import", NAME, "review.csv", capsys=capsys)[0] == 0
    # Once recorded, the file can be written again: the mark comes back from the gradebook.
    write_review(review, [BRIEFING], _submissions(MOODLE), gradebook.manual(NAME))
    assert [(r["score"], r["comment"]) for r in _csv(review)] == [
        ("3", "Précis et clair."), ("", ""), ("", "")]


def test_a_duplicate_row_is_refused_with_both_line_numbers(course, capsys):
    folder, gradebook = course
    _graded(gradebook, MOODLE)
    _write(folder / "review.csv",
           "submission,question,points_possible,answer,score,comment\n"
           f"{MOODLE[0]},{BRIEFING.name},{BRIEFING.points:g},a,3,\n"
           f"{MOODLE[1]},{BRIEFING.name},{BRIEFING.points:g},b,2,\n"
           f"{MOODLE[0]},{BRIEFING.name},{BRIEFING.points:g},a,1,\n")
    status, _, err = _cli("review-import", NAME, "review.csv", capsys=capsys)
    assert status == 2 and "rows 2 and 4 both hold" in err
    assert gradebook.manual(NAME) == {}


def test_a_review_file_saved_by_excel_imports(course, capsys):
    folder, gradebook = course
    _graded(gradebook, MOODLE)
    text = ("submission;question;points_possible;answer;score;comment\n"
            f"{MOODLE[0]};{BRIEFING.name};{BRIEFING.points:g};a;3,5;Très bien\n"
            f"{MOODLE[1]};{BRIEFING.name};{BRIEFING.points:g};b;;\n")
    _write(folder / "review.csv", text, "cp1252")
    status, out, err = _cli("review-import", NAME, "review.csv", capsys=capsys)
    assert status == 0, err
    assert gradebook.manual(NAME) == {MOODLE[0]: {BRIEFING.name: (3.5, BRIEFING.points,
                                                                  "Très bien")}}


# ---- adjustments, late penalties, extensions, and their history -------------------------


def test_late_penalties_extensions_and_adjustments_reach_exports_with_their_history(course,
                                                                                   capsys):
    folder, gradebook = course
    _graded(gradebook, BRIGHTSPACE, marks={0: 0.0, 1: 1.0, 2: 2.0})
    _write(folder / "class.csv", BRIGHTSPACE_EXPORT)
    possible = 10 + BRIEFING.points  # 14

    def exported() -> dict[str, str]:
        status, _, err = _cli("export", NAME, "--format", "brightspace", "--roster", "class.csv",
                              "--out", "d2l.csv", capsys=capsys)
        assert status == 0, err
        return {r["Username"]: r[f"{NAME} Points Grade"] for r in _csv(folder / "d2l.csv")}

    assert exported() == {"#ztremblay": "8", "#anguyen": "10", "#cokafor": "12"}
    # Due the 23rd at 23:59, 10% a day: Zoé's came in the 24th at 21:26, less than a day late.
    assert _cli("late-policy", NAME, "--due", "2024-09-23 23:59", "--percent", "10",
                capsys=capsys)[0] == 0
    assert exported() == {"#ztremblay": f"{8 - possible * 0.1:g}", "#anguyen": "10",
                          "#cokafor": "12"}
    assert _cli("extend", NAME, "Zoé Tremblay", "--until", "2024-09-25", "--reason",
                "medical note", "--by", "Prof. Roy", "--roster", "class.csv",
                capsys=capsys)[0] == 0
    assert _cli("adjust", NAME, "anguyen", "--points", "1.5", "--reason",
                "regrade request: q3's answer is right", "--by", "TA Sam", "--roster",
                "class.csv", capsys=capsys)[0] == 0
    assert exported() == {"#ztremblay": "8", "#anguyen": "11.5", "#cokafor": "12"}
    assert _cli("feedback", NAME, "--out", "fb", "--roster", "class.csv", capsys=capsys)[0] == 0
    an = next((folder / "fb").glob("*An Nguyen*.txt")).read_text()
    assert "Adjustment: +1.5 (regrade request: q3's answer is right)" in an
    status, out, _ = _cli("history", NAME, capsys=capsys)
    assert status == 0
    assert "TA Sam" in out and "+1.5 points" in out and "Prof. Roy" in out
    assert "extension to 2024-09-25 23:59 (medical note)" in out and "late policy" in out
    # An ambiguous or unknown student is refused, and nothing is recorded.
    status, _, err = _cli("adjust", NAME, "nobody", "--points", "1", "--reason", "x",
                          capsys=capsys)
    assert status == 2 and "no graded submission is 'nobody'" in err
    assert len(gradebook.adjustments(NAME)) == 2


def test_canvas_late_flag_is_penalized_once_unless_extended(course, capsys):
    folder, gradebook = course
    _graded(gradebook, CANVAS, marks={0: 4.0, 1: 4.0, 2: 4.0})
    assert _cli("late-policy", NAME, "--due", "2026-12-05", "--percent", "20", "--once",
                capsys=capsys)[0] == 0

    def canvas() -> dict[str, str]:
        assert _cli("export", NAME, "--format", "canvas", "--out", "c.csv", capsys=capsys)[0] == 0
        return {r["ID"]: r[NAME] for r in _csv(folder / "c.csv")[1:]}

    assert canvas() == {"1101": f"{12 - 14 * 0.2:g}", "1102": "13", "1103": "14"}
    assert _cli("extend", NAME, "tremblayzoé", "--until", "2026-12-07", "--reason", "travel",
                capsys=capsys)[0] == 0
    assert canvas()["1101"] == "12"


def test_status_report_and_question_scores(course, capsys):
    folder, gradebook = course
    _graded(gradebook, MOODLE, marks={0: 4.0, 1: 2.0})
    gradebook.record(NAME, SubmissionResult(
        "Dana Roy_657740_assignsubmission_file_/notes.ipynb.txt", "1" * 64, "invalid",
        "a notebook renamed to end in '.txt'", 0.0, 10.0, 0.0, 0.0,
        [QuestionScore("q1", 0.0, 10.0, 0, 1, [])], "", "tests-v1"))
    _write(folder / "class.csv", MOODLE_WORKSHEET + '"Participant 657741","Eve Li",'
           '"eve@example.ca","No submission","","14"\n')
    status, out, err = _cli("report", NAME, "--roster", "class.csv", "--questions", "q.csv",
                            capsys=capsys)
    assert status == 0, err
    assert "4 students graded, out of 14 points: 3 completed, 1 invalid" in out
    assert "Dana Roy (Participant 657740): invalid: a notebook renamed" in out
    assert f"Chidi Okafor (Participant 657739): {BRIEFING.name}" in out  # still to mark
    assert "no submission (1):\n  Eve Li" in out
    download = folder / "download"  # Eve handed in a PDF of her notebook, not the notebook
    _write(download / "Eve Li_657741_assignsubmission_file_" / "service-performance.pdf", "%PDF")
    _write(download / MOODLE[0], "{}")
    status, out, err = _cli("report", NAME, "--roster", "class.csv", "--submissions",
                            "download", capsys=capsys)
    assert status == 0, err
    assert ("only other files (grade it by hand, or ask for the notebook) (1):\n  Eve Li "
            "(Participant 657741): Eve Li_657741_assignsubmission_file_/service-performance.pdf"
            ) in out
    assert "no submission" not in out
    rows = _csv(folder / "q.csv")
    assert [r["student"] for r in rows] == ["An Nguyen", "Chidi Okafor", "Dana Roy",
                                            "Zoé Tremblay", "(mean)", "(share with full marks)"]
    assert rows[-2]["q1 (/10)"] == "6.75" and rows[-1]["q1 (/10)"] == "25%"  # 8,9,10,0
    chidi = rows[1]
    assert chidi[f"{BRIEFING.name} (/{BRIEFING.points:g}, marked)"] == "not marked"
    assert chidi["total (/14)"] == "incomplete"


def test_the_grade_table_shows_every_name_and_reason_whole():
    from rich.console import Console

    from autograder.cli import results_table

    reason = ("a notebook renamed to end in '.txt': not graded; rename it to end in .ipynb "
              "(or ask the student to hand it in again) and grade again")
    result = SubmissionResult(MOODLE[0] + ".txt", "1" * 64, "invalid", reason, 0.0, 10.0, 0.0,
                              0.0, [], "", "tests-v1")
    console = Console(width=70, record=True)
    console.print(results_table([result], "a class"))
    rows = [line.split("│")[1:-1] for line in console.export_text().splitlines()
            if line.startswith("│")]
    column = ["".join(row[i] for row in rows).replace(" ", "") for i in range(4)]
    assert column[0] == (MOODLE[0] + ".txt").replace(" ", "")
    assert column[3] == reason.replace(" ", "")


def test_only_picks_one_students_submission():
    from autograder.batch import Submission
    from autograder.cli import _only

    submissions = [Submission(name, "0" * 64, []) for name in MOODLE]
    assert [s.name for s in _only(submissions, ["An Nguyen"])] == [MOODLE[1]]
    with pytest.raises(LookupError, match="no graded submission"):
        _only(submissions, ["Eve Li"])


# ---- answers alike across the class -------------------------------------------------------

JOIN = ('joined = transactions.merge(inventory[["fiscal_yr", "service_id", "org_id", '
        '"department_en"]], on=["fiscal_yr", "service_id"], how="left")')
NOTE_TEXT = ("Phone service at the Travel Documents Office fell well below the 80% standard "
             "from October 2022 and recovered by May 2023; staffing explains most of it.")


def _notebook_with(answers: dict[int, str]) -> str:
    notebook = json.loads(ASSIGNMENT.student_notebook.read_text())
    cells = [i for i, c in enumerate(notebook["cells"])
             if "otter_answer_cell" in c["metadata"].get("tags", [])]
    for number, text in answers.items():
        notebook["cells"][cells[number]]["source"] = text
    return json.dumps(notebook)


def test_answers_alike_across_the_class_are_reported_and_nothing_else(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    copied = JOIN.replace(", ", ",").replace('how="left"', "how = 'left'") + "  # merged"
    notebooks = {
        "alice": {2: 'odd_year = "D"', 3: JOIN, 16: NOTE_TEXT},
        "bob": {2: 'odd_year = "D"', 3: "# join the tables\n" + copied,
                16: NOTE_TEXT.upper().replace(";", ".")},
        "carol": {2: 'odd_year = "D"', 3: 'joined = pd.merge(transactions, inventory, '
                  'left_on="service_id", right_on="service_id").dropna(subset=["org_id"])',
                  16: "Calls were answered slowly for a while, and then the office hired more "
                      "agents so that the wait came back down."},
        "dave": {},
    }
    for student, answers in notebooks.items():
        (folder / f"{student}.ipynb").write_text(_notebook_with(answers))
    status = run(["similarity", NAME, str(folder), "--out", str(tmp_path / "alike.csv")])
    out = capsys.readouterr().out
    assert status == 0
    assert "1 pair(s) of students" in out and "alice and bob: 2 answer(s):" in out
    rows = _csv(tmp_path / "alike.csv")
    assert {(r["student"], r["other student"], r["question"]) for r in rows} == {
        ("alice", "bob", "q4"), ("alice", "bob", BRIEFING.name)}
    assert "changes no score" in out


# ---- found by an instructor's review: no dead ends, no quiet differences ------------------


def test_a_renamed_notebook_graded_again_replaces_its_invalid_upload(course, capsys):
    folder, gradebook = course
    _graded(gradebook, MOODLE, marks={0: 1.0, 1: 1.0, 2: 1.0})
    renamed = MOODLE[1] + ".txt"
    gradebook.record(NAME, SubmissionResult(renamed, "1" * 64, "invalid", "renamed", 0.0, 10.0,
                                            0.0, 0.0, [], "", "tests-v1"))
    status, _, err = _cli("export", NAME, "--format", "moodle", "--out", "m.csv", capsys=capsys)
    assert status == 0, err
    assert f"{renamed} is superseded by the later {MOODLE[1]}" in err


def test_students_are_told_in_their_terms_why_a_file_was_not_graded(course, capsys):
    from autograder.batch import _misnamed

    folder, gradebook = course
    renamed = _misnamed(MOODLE[2] + ".txt", b"{}")  # the grader's own reason, for instructors
    assert "grade again" in renamed.problem
    for submission in MOODLE[:2]:
        gradebook.record(NAME, _result(submission, 8.0))
    gradebook.record(NAME, SubmissionResult(renamed.name, renamed.sha256, "invalid",
                                            renamed.problem, 0.0, 10.0, 0.0, 0.0, [], "",
                                            "tests-v1"))
    assert _cli("export", NAME, "--format", "moodle", "--out", "m.csv",
                "--unmarked", "blank", capsys=capsys)[0] == 0
    comment = {r["Identifier"]: r["Feedback comments"]
               for r in _csv(folder / "m.csv")}["Participant 657739"]
    assert "ends in '.txt' instead of '.ipynb'" in comment and "grade again" not in comment
    assert _cli("feedback", NAME, "--out", "fb", "--unmarked", "partial", capsys=capsys)[0] == 0
    text = next((folder / "fb").glob("Chidi*/*.txt")).read_text()
    assert "Grading note: Your file's name ends in '.txt'" in text
    assert "grade again" not in text


def test_a_second_upload_is_withdrawn_with_a_reason_not_a_new_gradebook(course, capsys):
    folder, gradebook = course
    _graded(gradebook, MOODLE, marks={0: 1.0, 1: 1.0, 2: 1.0})
    second = MOODLE[0].replace(".ipynb", "-final.ipynb")
    gradebook.record(NAME, _result(second, 2.0))
    assert _cli("export", NAME, "--format", "moodle", "--out", "m.csv", capsys=capsys)[0] == 2
    assert _cli("withdraw", NAME, second, "--reason", "uploaded twice; the first counts",
                capsys=capsys)[0] == 0
    assert _cli("export", NAME, "--format", "moodle", "--out", "m.csv", capsys=capsys)[0] == 0
    assert "withdrawn (uploaded twice" in _cli("history", NAME, capsys=capsys)[1]


def test_a_late_policy_without_submission_times_stops_the_export(course, capsys):
    folder, gradebook = course
    _graded(gradebook, MOODLE, marks={0: 1.0, 1: 1.0, 2: 1.0})
    assert _cli("late-policy", NAME, "--due", "2024-09-23", "--percent", "10",
                capsys=capsys)[0] == 0
    status, _, err = _cli("export", NAME, "--format", "moodle", "--out", "m.csv", capsys=capsys)
    assert status == 2 and "nothing says when" in err and not (folder / "m.csv").exists()
    _write(folder / "class.csv", MOODLE_WORKSHEET.replace(
        '"Maximum Grade"', '"Maximum Grade","Last modified (submission)"').replace(
        '"14"\n', '"14","2024-09-22 10:00"\n'))
    assert _cli("export", NAME, "--format", "moodle", "--roster", "class.csv", "--out", "m.csv",
                capsys=capsys)[0] == 0


def test_a_mark_above_the_maximum_is_pointed_out(course, capsys):
    folder, gradebook = course
    _graded(gradebook, CANVAS, marks={0: 4.0, 1: 4.0, 2: 4.0})
    assert _cli("adjust", NAME, "1103", "--points", "1", "--reason", "bonus",
                capsys=capsys)[0] == 0
    status, _, err = _cli("export", NAME, "--format", "canvas", "--out", "c.csv", capsys=capsys)
    assert status == 0 and "15 of 14 points, above the maximum" in err


def test_a_stale_review_file_never_replaces_a_mark_made_since(course, capsys):
    from autograder.review import write_review

    folder, gradebook = course
    _graded(gradebook, MOODLE, marks={0: 2.5})
    review = folder / "review.csv"
    write_review(review, [BRIEFING], _submissions(MOODLE), gradebook.manual(NAME))
    # Since the file was written, Zoé's note was marked again on the marking page.
    gradebook.record_manual(NAME, [(MOODLE[0], BRIEFING.name, 2.0, BRIEFING.points, "page")])
    assert _cli("review-import", NAME, "review.csv", capsys=capsys)[0] == 0  # untouched rows
    assert gradebook.manual(NAME)[MOODLE[0]][BRIEFING.name][0] == 2.0
    write_review(review, [BRIEFING], _submissions(MOODLE), {MOODLE[0]: {
        BRIEFING.name: (2.5, BRIEFING.points, "")}})  # as written before the page's mark
    rows = _csv(review)
    rows[0]["score"] = "3"  # a TA edits the stale file
    with review.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    status, _, err = _cli("review-import", NAME, "review.csv", capsys=capsys)
    assert status == 2 and "was 2.5 when this file was written and is now 2" in err
    assert gradebook.manual(NAME)[MOODLE[0]][BRIEFING.name][0] == 2.0


def test_a_student_is_found_without_accents_or_by_email_and_zero_is_refused(course, capsys):
    folder, gradebook = course
    _graded(gradebook, MOODLE)
    _write(folder / "class.csv", MOODLE_WORKSHEET)
    for who in ("Zoe Tremblay", "zoe@example.ca"):
        assert _cli("adjust", NAME, who, "--points", "0.5", "--reason", "regrade",
                    "--roster", "class.csv", capsys=capsys)[0] == 0
    assert {a["submission"] for a in gradebook.adjustments(NAME)} == {MOODLE[0]}
    status, _, err = _cli("adjust", NAME, "An Nguyen", "--points", "0", "--reason", "probe",
                          capsys=capsys)
    assert status == 2 and "changes nothing" in err
