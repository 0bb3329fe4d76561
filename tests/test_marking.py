"""The marking page (``autograder mark``): a TA marks each free response criterion by criterion
from its rubric, in Debian's Chromium, by keyboard, anonymously; every mark is in the gradebook
the moment the page says it is saved, and a killed server loses none of them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from browser_support import AXE, chromium, require_browser
from conftest import ASSIGNMENTS
from test_accessibility import WCAG

from autograder.class_commands import marking_session
from autograder.cli import build_parser
from autograder.gradebook import Gradebook, database_url
from autograder.marking import parse_share, sheets_for
from autograder.marking_server import MarkingServer
from autograder.review import manual_questions
from autograder.rubrics import rubrics

ASSIGNMENT = ASSIGNMENTS[0]
NAME = ASSIGNMENT.name
BRIEFING = manual_questions(ASSIGNMENT.source)[0]
STUDENTS = ["Zoé Tremblay", "An Nguyen", "Chidi Okafor"]


def test_the_rubric_is_read_criterion_by_criterion():
    [rubric] = rubrics([BRIEFING], ASSIGNMENT.student_notebook.read_text())
    assert [c.name for c in rubric.criteria] == ["Finding first", "Evidence", "Honest limits",
                                                 "Actionable recommendation"]
    assert all([lv.points for lv in c.levels] == [1.0, 0.0] for c in rubric.criteria)
    assert rubric.criteria[0].levels[0].description.startswith("The first sentence states")
    # A question without a rubric table is marked on its score, in whole points.
    [plain] = rubrics([BRIEFING], "{}")
    assert [lv.points for lv in plain.criteria[0].levels] == [4.0, 3.0, 2.0, 1.0, 0.0]


def test_shares_split_the_sheets_between_markers_without_overlap():
    answers = {f"s{i}.ipynb": {} for i in range(10)}
    shares = [{s.submission for s in sheets_for(NAME, answers, {}, parse_share(f"{k}/3"))}
              for k in (1, 2, 3)]
    assert set().union(*shares) == set(answers) and sum(map(len, shares)) == 10
    assert shares[0] == {s.submission for s in sheets_for(NAME, answers, {}, (1, 3))}
    with pytest.raises(ValueError, match="WHICH/HOW_MANY"):
        parse_share("half")


def _answered(text: str) -> str:
    notebook = json.loads(ASSIGNMENT.student_notebook.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown" and "otter_answer_cell" in cell["metadata"].get(
                "tags", []):
            cell["source"] = text
    return json.dumps(notebook)


@pytest.fixture
def marking(tmp_path):
    folder = tmp_path / "download"
    for number, student in enumerate(STUDENTS):
        where = folder / f"{student}_65773{number}_assignsubmission_file_"
        where.mkdir(parents=True)
        (where / f"{NAME}.ipynb").write_text(_answered(f"Briefing note by student {number}."))
    database = tmp_path / "grades.db"
    args = build_parser().parse_args(["mark", NAME, str(folder), "--gradebook", str(database),
                                      "--by", "TA Sam"])
    gradebook = Gradebook(database_url(database))
    server = MarkingServer(marking_session(args, gradebook)).start()
    yield {"server": server, "gradebook": gradebook, "database": database, "args": args}
    server.stop()
    gradebook.close()


def _request(url: str, token: str | None = None, host: str | None = None) -> int:
    request = urllib.request.Request(url)
    if token:
        request.add_header("X-Marking-Token", token)
    if host:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_an_untouched_answer_is_pointed_out_to_the_marker(tmp_path):
    folder = tmp_path / "download"
    folder.mkdir()
    (folder / "untouched.ipynb").write_text(ASSIGNMENT.student_notebook.read_text())
    (folder / "written.ipynb").write_text(_answered("A briefing note."))
    args = build_parser().parse_args(["mark", NAME, str(folder), "--gradebook",
                                      str(tmp_path / "grades.db")])
    with Gradebook(database_url(tmp_path / "grades.db")) as gradebook:
        sheets = marking_session(args, gradebook).state()["sheets"]
    notes = {s["answers"][BRIEFING.name].strip()[:8]: s["notes"][BRIEFING.name] for s in sheets}
    assert notes == {"_Type yo": "unchanged from the starting notebook: no answer written",
                     "A briefi": ""}


def test_data_needs_the_token_and_this_host(marking):
    server = marking["server"]
    base = server.url.split("#")[0].rstrip("/")
    assert _request(f"{base}/api/state") == 403
    assert _request(f"{base}/api/state", "wrong") == 403
    assert _request(f"{base}/api/state", server.token, host="attacker.example") == 403
    assert _request(f"{base}/api/state", server.token) == 200
    assert server.httpd.server_address[0] == "127.0.0.1"


def test_a_ta_marks_by_keyboard_and_a_killed_server_loses_nothing(marking):
    require_browser()
    server, gradebook = marking["server"], marking["gradebook"]
    with chromium() as browser:
        # axe is injected inline, which the page's own policy (rightly) forbids.
        page = browser.new_context(bypass_csp=True).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url)
        page.wait_for_selector("#criteria fieldset")
        # Anonymous: a sheet number, never a name.
        body = page.inner_text("body")
        assert "Sheet " in body and not any(s in body for s in STUDENTS)
        assert "Briefing note by student" in page.inner_text("#answer")
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate("async (tags) => await axe.run(document, {runOnly: tags})", WCAG)
        assert result["violations"] == [], [v["id"] for v in result["violations"]]

        first = page.inner_text("#sheet-heading")
        # Criterion by criterion, by keyboard: Tab to each group, arrows choose the level
        # (the first arrow press from an unchecked group picks its second level, 0 points).
        page.focus("#c0-l0")
        page.keyboard.press("Space")  # Finding first: 1 point
        for criterion in (1, 2, 3):
            page.focus(f"#c{criterion}-l0")
            page.keyboard.press("Space")
        page.fill("#comment", "Clear and actionable.")
        page.keyboard.press("Tab")  # leaving the box saves the comment
        page.wait_for_function("document.getElementById('saved').textContent.includes('4 of 4')")
        page.keyboard.press("n")
        assert page.inner_text("#sheet-heading") != first
        page.focus("#c0-l1")
        page.keyboard.press("Space")  # Finding first: 0 points, the rest not marked yet
        page.wait_for_function(
            "document.getElementById('saved').textContent.includes('1 of 4 criteria')")
        assert not errors, errors
    server.stop()  # as if killed: nothing was held back

    reopened = Gradebook(database_url(marking["database"]))
    marks = reopened.manual(NAME)
    criteria = reopened.criterion_marks(NAME)
    reopened.close()
    [(submission, scores)] = marks.items()
    score, possible, comment = scores[BRIEFING.name]
    assert (score, possible) == (4.0, 4.0)
    assert comment.startswith("Clear and actionable. (Finding first: 1 of 1;")
    partly = [s for s in criteria if s != submission]
    assert len(partly) == 1 and criteria[partly[0]][BRIEFING.name]["Finding first"][0] == 0.0
    history = Gradebook(database_url(marking["database"]))
    assert history.mark_history(NAME)[0]["entered_by"] == "TA Sam"
    history.close()
    # The marks come back when the page is opened again.
    restarted = MarkingServer(marking_session(marking["args"], gradebook)).start()
    try:
        with chromium() as browser:
            page = browser.new_page()
            page.goto(restarted.url)
            page.wait_for_selector("#criteria fieldset")
            assert "1 of 3 sheets fully marked" in page.inner_text("#progress")
    finally:
        restarted.stop()


def test_an_answer_marked_in_the_review_file_keeps_its_comment_when_marked_here(marking):
    session_gradebook = marking["gradebook"]
    from autograder.class_commands import marking_session as build

    session = build(marking["args"], session_gradebook)
    sheet = next(iter(session.sheets.values()))
    session_gradebook.record_manual(NAME, [(sheet.submission, BRIEFING.name, 2.0, 4.0,
                                            "Pas de données; très court")])
    shown = {s["number"]: s for s in session.state()["sheets"]}[sheet.number]
    assert shown["comments"][BRIEFING.name] == "Pas de données; très court"
    for criterion in session.rubrics[BRIEFING.name].criteria:
        session.mark(sheet.number, BRIEFING.name, criterion.name, 0)
    comment = session_gradebook.manual(NAME)[sheet.submission][BRIEFING.name][2]
    assert comment.startswith("Pas de données; très court (Finding first: 0 of 1;")


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=[a.name for a in ASSIGNMENTS])
def test_every_rubric_table_in_our_assignments_adds_up_to_its_question(assignment):
    """A rubric whose best levels do not add up to the question's points is read as one
    "Score" criterion, silently: a TA would then never see the criteria. Ours must add up."""
    questions = manual_questions(assignment.source)
    text = assignment.student_notebook.read_text(encoding="utf-8")
    for question, rubric in zip(questions, rubrics(questions, text), strict=True):
        if "| Criterion |" in rubric.prompt:
            assert [c.name for c in rubric.criteria] != ["Score"], (
                f"{assignment.name} {question.name}: its rubric adds up to "
                f"{sum(c.best for c in rubric.criteria)}, not {question.points} points")
