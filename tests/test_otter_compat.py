"""Otter assignments written for this suite, each exercising one way otter behaves, graded by
otter itself and by ``autograder grade``: per-question scores must be equal.

The first assignment (OK-format tests): a ``%matplotlib inline`` line in the import cell (it
must not skip the rest of the cell), a grading ``seed`` (applied at the top of every cell, as
otter does), ``points_possible`` (the total otter reports is scaled to it), numpy print options
that the notebook changes (an OK-format test compares printed output, so the tests must print
as the notebook's process prints), a function whose result a doctest prints, and the
assignment's name from a zip whose file name carries otter's build timestamp.

The second (exception-format tests): a function, a generator, a class, a pandas Styler, a
matplotlib Axes, an instructor's helper module under an alias, a file the student hands in
with the notebook in the zip otter's export cell makes, answers changed after their checks
ran (otter scores a question at its last ``grader.check`` when the notebook has the name it
gives ``otter.Notebook``), a notebook handed in alongside the zips, answers that lie about
themselves, and the instructor's follow-up commands (review, export, feedback) on the zip.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from otter_reference import otter_grades

from autograder.assignments import Assignment
from autograder.batch import autograder_zip_for, grade_submissions, open_submissions
from autograder.build import build_assignment
from autograder.gradebook import Gradebook, database_url
from autograder.sandbox import Limits
from autograder.scoring import AutograderTests

pytestmark = pytest.mark.slow


def _cell(kind: str, text: str, outputs: list | None = None) -> dict:
    cell = {"cell_type": kind, "metadata": {}, "source": text}
    if kind == "code":
        cell.update(execution_count=None, outputs=outputs or [])
    return cell


def _question(name: str, prompt: str, solution: str, tests: list[tuple[str, str | None]],
              points: str = "1"):
    """Raw Otter Assign cells for one question; each test is (code, expected printed output)."""
    cells = [_cell("raw", f"# BEGIN QUESTION\nname: {name}\npoints: {points}"),
             _cell("markdown", prompt),
             _cell("raw", "# BEGIN SOLUTION"), _cell("code", solution),
             _cell("raw", "# END SOLUTION"), _cell("raw", "# BEGIN TESTS")]
    for code, printed in tests:
        outputs = [] if printed is None else [{"output_type": "execute_result",
                                               "execution_count": 1, "metadata": {},
                                               "data": {"text/plain": printed}}]
        cells.append(_cell("code", code, outputs))
    return cells + [_cell("raw", "# END TESTS"), _cell("raw", "# END QUESTION")]


def _notebook(cells: list[dict]) -> dict:
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"},
                         "language_info": {"name": "python"}}}


def _build(root: Path, name: str, notebook: dict, files: dict[str, str] | None = None):
    """Otter Assign's build of a source notebook placed as a module's assignment."""
    source = root / "modules" / "00-compat" / "assignment" / "source" / f"{name}.ipynb"
    source.parent.mkdir(parents=True)
    source.write_text(json.dumps(notebook), encoding="utf-8")
    for file_name, text in (files or {}).items():
        (source.parent / file_name).write_text(text)
    return build_assignment(Assignment(name, "00-compat", source), root / "build")


CONFIG = """# ASSIGNMENT CONFIG
name: compat-basics
init_cell: true
check_all_cell: false
export_cell: false
run_tests: true
generate:
  seed: 42
  points_possible: 6
  pdf: false
tests:
  files: false
  ok_format: true"""


def _source() -> dict:
    cells = [_cell("raw", CONFIG),
             _cell("code", "%matplotlib inline\nimport numpy as np\n"
                           "np.set_printoptions(legacy='1.25')  # as some libraries do on import")]
    cells += _question("q1", "Set `answer` to 2.", "answer = 2  # SOLUTION",
                       [("assert answer == 2", None)])
    cells += _question("q2", "Draw 100 standard normal values and set `sample_mean`.",
                       "sample_mean = np.random.normal(size=100).mean()  # SOLUTION",
                       [("assert isinstance(sample_mean, float)", None),
                        ('""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\n'
                         "assert abs(sample_mean - np.random.RandomState(42).normal(size=100)"
                         ".mean()) < 1e-12", None)])
    cells += _question("q3", "Is 2.5 greater than 1? Set `bigger` with numpy.",
                       "bigger = np.float64(2.5) > 1  # SOLUTION",
                       [("bigger", "True")])
    cells += _question("q4", "Write `share(part, whole)`, the part's share of the whole.",
                       "def share(part, whole):\n    return part / whole  # SOLUTION",
                       [("share(3, 4)", "0.75"), ("share(1, 8) == 0.125", "True")])
    return _notebook(cells)


@pytest.fixture(scope="module")
def compat(tmp_path_factory):
    root = tmp_path_factory.mktemp("compat")
    built = _build(root, "compat-basics", _source())
    # Otter names its zips with a build timestamp; the grader must still find the assignment.
    stamped = built.autograder_zip.with_name(
        "compat-basics-autograder_2026_12_01T06_05_11_123456.zip")
    shutil.copyfile(built.autograder_zip, stamped)
    folder = root / "submissions"
    folder.mkdir()
    solution = json.loads(built.solution_notebook.read_text(encoding="utf-8"))
    (folder / "solution.ipynb").write_text(json.dumps(solution))
    (folder / "blank.ipynb").write_text(built.student_notebook.read_text(encoding="utf-8"))
    partial = json.loads(json.dumps(solution))
    partial["cells"].append(_cell("code", "answer = 3\nbigger = np.float64(0.5) > 1\n"
                                          "def share(part, whole):\n    return whole / part"))
    (folder / "partial.ipynb").write_text(json.dumps(partial))
    return {"zip": stamped, "folder": folder, "root": root}


def test_autograder_scores_what_otter_scores(compat, tmp_path):
    with autograder_zip_for(str(compat["zip"]), compat["root"]) as (name, zip_path):
        assert name == "compat-basics"
        tests = AutograderTests(zip_path)
        gradebook = Gradebook(database_url(tmp_path / "grades.db"))
        try:
            with open_submissions(compat["folder"], tests.assignment_name) as submissions:
                ours = {r.submission: r for r in grade_submissions(
                    tests, submissions, gradebook, name, workers=2,
                    limits=Limits(timeout_s=60, memory_mb=1024))}
        finally:
            tests.close()
            gradebook.close()
    theirs = {path.name: grade for path, grade in otter_grades(
        sorted(compat["folder"].glob("*.ipynb")), compat["zip"]).items()}
    for submission, otter in theirs.items():
        scores = {q.question: q.score for q in ours[submission].questions}
        assert scores == {q: s.score for q, s in otter.questions.items()}, (
            submission, ours[submission].reason)
    # The cases are not vacuous: otter gives the solution every point and the others less.
    assert theirs["solution.ipynb"].score == theirs["solution.ipynb"].possible == 4
    assert theirs["blank.ipynb"].score == 0
    assert 0 < theirs["partial.ipynb"].score < 3
    assert ours["solution.ipynb"].status == "completed" and not ours["solution.ipynb"].reason
    # The totals are what otter run reports, scaled to the configuration's points_possible.
    assert (ours["solution.ipynb"].score, ours["solution.ipynb"].possible) == (6, 6)
    reported = _otter_run_total(compat["zip"], compat["folder"] / "partial.ipynb", tmp_path)
    assert ours["partial.ipynb"].score == pytest.approx(reported)


def _otter_run_total(zip_path: Path, notebook: Path, tmp_path: Path) -> float:
    import subprocess
    import sys

    out = tmp_path / "otter-run"
    out.mkdir()
    otter = Path(sys.executable).with_name("otter")
    result = subprocess.run([str(otter), "run", "-a", str(zip_path), "-o", str(out),
                             str(notebook)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return float(json.loads((out / "results.json").read_text())["score"])


def test_a_mistyped_zip_path_and_an_r_assignment_get_clear_messages(tmp_path):
    with pytest.raises(LookupError, match="No autograder zip at"):
        with autograder_zip_for(str(tmp_path / "typo-autograder.zip"), tmp_path):
            pass
    import zipfile

    r_zip = tmp_path / "lab-autograder.zip"
    with zipfile.ZipFile(r_zip, "w") as archive:
        archive.writestr("otter_config.json", json.dumps({"lang": "r"}))
        archive.writestr("tests/q1.R", "test = list()")
    with pytest.raises(ValueError, match="is an R assignment"):
        AutograderTests(r_zip)


def test_a_folder_with_nothing_to_grade_says_so(compat, tmp_path, capsys):
    from autograder.cli import main

    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a submission")
    assert main(["grade", str(compat["zip"]), str(empty), "--gradebook",
                 str(tmp_path / "g.db"), "--quiet"]) == 2
    assert "holds no notebook (.ipynb) and no otter submission zip" in capsys.readouterr().err


# A second assignment, with exception-format tests, whose answers are not plain data: a
# function, a generator, a class, a pandas Styler, a matplotlib Axes, a helper module of the
# instructor's under an alias, and a file the student hands in with the notebook.
OBJECTS_CONFIG = """# ASSIGNMENT CONFIG
name: compat-objects
init_cell: true
check_all_cell: false
export_cell:
  pdf: false
  files:
  - survey.csv
files:
- helpers.py
run_tests: false
generate:
  pdf: false
tests:
  files: false
  ok_format: false"""

HELPERS = '''"""The instructor's helper module, shipped in the autograder zip."""


def percent(fraction):
    return f"{100 * fraction:.1f}%"
'''

HIDDEN = '""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\n'


def _exc(params: str, body: str, hidden: bool = False) -> tuple[str, None]:
    """An exception-format test cell: a test function of the names it uses, and its call."""
    name = "test_" + str(abs(hash(body)) % 10**8)
    code = f"def {name}({params}):\n" + "".join(f"    {line}\n" for line in body.splitlines())
    return (HIDDEN if hidden else "") + code + f"{name}({params})", None


def _objects_source() -> dict:
    demonstration = _cell("code", "# What an error looks like (this cell fails on purpose)\n"
                                  "1 / 0")
    demonstration["metadata"]["tags"] = ["raises-exception"]
    cells = [_cell("raw", OBJECTS_CONFIG),
             _cell("code", "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
                           "import pandas as pd\nimport helpers as hp"),
             _cell("code", "%%capture\n!echo shell escapes run as in Jupyter\n"
                           "print('captured')"),
             demonstration]
    cells += _question("q1", "Write `rate(met, total)`: the share of requests met.",
                       "def rate(met, total):\n    return met / total if total else 0.0  "
                       "# SOLUTION",
                       [_exc("rate", "assert rate(3, 4) == 0.75"),
                        _exc("rate", "assert abs(rate(1, 3) - 1 / 3) < 1e-12\n"
                             "assert rate(0, 0) == 0", hidden=True)], points="2")
    cells += _question("q2", "Write a generator `fiscal_years(start, count)` that yields "
                       "labels like `'2023-24'`.",
                       "def fiscal_years(start, count):\n    for year in range(start, start + "
                       "count):\n        yield f\"{year}-{(year + 1) % 100:02d}\"  # SOLUTION",
                       [_exc("fiscal_years", "import types\nassert isinstance("
                             "fiscal_years(2023, 1), types.GeneratorType)"),
                        _exc("fiscal_years", "assert list(fiscal_years(2023, 2)) == "
                             "['2023-24', '2024-25']\nyears = fiscal_years(1999, 3)\n"
                             "assert next(years) == '1999-00'", hidden=True)], points="2")
    cells += _question("q3", "Write a class `Queue` with `add(name)`, `serve()` (first come, "
                       "first served) and a length.",
                       "# BEGIN SOLUTION\nclass Queue:\n    def __init__(self):\n"
                       "        self.waiting = []\n"
                       "    def add(self, name):\n        self.waiting.append(name)\n"
                       "    def serve(self):\n        return self.waiting.pop(0)\n"
                       "    def __len__(self):\n        return len(self.waiting)\n"
                       "# END SOLUTION",
                       [_exc("Queue", "line = Queue()\nline.add('Ana')\nline.add('Ben')\n"
                             "assert len(line) == 2 and isinstance(line, Queue)"),
                        _exc("Queue", "line = Queue()\nfor name in 'ABC':\n    "
                             "line.add(name)\nassert line.serve() == 'A' and len(line) == 2",
                             hidden=True)], points="2")
    cells += _question("q4", "Show `table` styled with each share as a percentage: `styled`.",
                       "table = pd.DataFrame({'share': [0.75, 0.5]})\n"
                       "styled = table.style.format({'share': '{:.1%}'})  # SOLUTION",
                       [_exc("styled, pd", "assert isinstance(styled, "
                             "pd.io.formats.style.Styler)"),
                        _exc("styled", "assert '75.0%' in styled.to_html()", hidden=True)])
    cells += _question("q5", "Draw a bar chart of calls by month with the title "
                       "'Calls by month', and keep its axes as `ax`.",
                       "# BEGIN SOLUTION\nfig, ax = plt.subplots()\n"
                       "ax.bar(['Apr', 'May', 'Jun'], [120, 95, 130])\n"
                       "ax.set_title('Calls by month')\n# END SOLUTION",
                       [_exc("ax", "assert ax.get_title() == 'Calls by month'"),
                        _exc("ax", "assert [round(p.get_height()) for p in ax.patches] == "
                             "[120, 95, 130]", hidden=True)])
    cells += _question("q6", "Use the course's `hp.percent` to label a share of 0.25 as "
                       "`label`.",
                       "label = hp.percent(0.25)  # SOLUTION",
                       [_exc("label, hp", "assert label == hp.percent(0.25) == '25.0%'")])
    cells += _question("q7", "Read your survey file, `survey.csv`, and count its rows: "
                       "`responses`.",
                       "responses = len(pd.read_csv('survey.csv'))  # SOLUTION",
                       [_exc("responses", "assert responses == 3")])
    # The tests pass their own functions to the student's: a lambda, one that records what
    # it is given, one that raises, one that uses another of the student's functions.
    cells += _question("q9", "Write `apply_each(f, values)`: the list of `f(v)` for each value.",
                       "def apply_each(f, values):\n    return [f(v) for v in values]  "
                       "# SOLUTION",
                       [_exc("apply_each", "assert apply_each(lambda v: v * 2, [1, 2]) == [2, 4]"),
                        _exc("apply_each, rate", "seen = []\ndef record(v):\n"
                             "    seen.append(v)\n    return len(seen)\n"
                             "assert apply_each(record, ['a', 'b', 'c']) == [1, 2, 3]\n"
                             "assert seen == ['a', 'b', 'c']\n"
                             "assert apply_each(lambda v: rate(v, 4), [1, 2]) == [0.25, 0.5]\n"
                             "def refuse(v):\n    raise ValueError('refused')\n"
                             "try:\n    apply_each(refuse, [1])\n    raised = False\n"
                             "except ValueError:\n    raised = True\nassert raised",
                             hidden=True)])
    cells += [_cell("raw", "# BEGIN QUESTION\nname: q8\nmanual: true\npoints: 2"),
              _cell("markdown", "In two sentences, tell your director what the survey says."),
              _cell("raw", "# BEGIN SOLUTION"),
              _cell("markdown", "Two of three people surveyed said yes."),
              _cell("raw", "# END SOLUTION"), _cell("raw", "# END QUESTION")]
    return _notebook(cells)


# Wrong answers a learner might give, each in place of the solution's cell with a line that
# starts the same way; and answers that lie about themselves, which otter (whose tests run in
# the student's kernel) would let pass and which must gain nothing here.
PARTIAL = {
    "def rate": "def rate(met, total):\n    return met / total  # no care for an empty month",
    "def fiscal_years": "def fiscal_years(start, count):\n    return [f'{y}-{(y + 1) % 100:02d}'"
                        " for y in range(start, start + count)]  # a list, not a generator",
    "class Queue": "class Queue(list):\n    add = list.append\n    def serve(self):\n"
                   "        return self.pop()  # last come, first served",
    "table = ": "table = pd.DataFrame({'share': [0.75, 0.5]})\n"
                "styled = table.style.format({'share': '{:.0%}'})  # no decimal",
}
ALWAYS = """import builtins
class Always:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __bool__(self): return True
    def __getattr__(self, name): return lambda *a, **k: self
"""
LIARS = {
    "def rate": ALWAYS + "def rate(met, total):\n"
                "    builtins.abs = lambda value: 0  # patched in the submission's process\n"
                "    return Always()",
    "def fiscal_years": "def fiscal_years(start, count):\n    return Always()",
    "class Queue": "class Queue(Always):\n    pass",
    "label = ": "label = Always()",
    "responses = ": "responses = Always()",
}
# Answers changed after their checks ran: otter scores a question at its last grader.check
# when the notebook's file has the name the notebook gives otter.Notebook, else at the end.
LATE = "rate = fiscal_years = Queue = label = responses = apply_each = None"


def _with_cells(notebook: dict, replacements: dict[str, str]) -> dict:
    notebook = json.loads(json.dumps(notebook))
    for start, source in replacements.items():
        [cell] = [c for c in notebook["cells"] if c["cell_type"] == "code"
                  and any(line.startswith(start)
                          for line in "".join(c["source"]).splitlines())]
        cell["source"] = source
    return notebook


def _export(notebook: Path, files: list[str]) -> Path:
    """The zip a student's export cell makes (otter's own ``Notebook.export``)."""
    import subprocess
    import sys

    code = ("import otter\nzip_path = otter.Notebook().export("
            f"{notebook.name!r}, pdf=False, files={files!r}, display_link=False)")
    result = subprocess.run([sys.executable, "-c", code], cwd=notebook.parent,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    [zip_path] = notebook.parent.glob(f"{notebook.stem}_*.zip")
    return zip_path


@pytest.fixture(scope="module")
def objects(tmp_path_factory):
    root = tmp_path_factory.mktemp("objects")
    built = _build(root, "compat-objects", _objects_source(), {"helpers.py": HELPERS})
    solution = json.loads(built.solution_notebook.read_text(encoding="utf-8"))
    folder = root / "submissions"
    late = json.loads(json.dumps(solution))
    late["cells"].append(_cell("code", LATE))
    notebooks = {"solution": solution, "partial": _with_cells(solution, PARTIAL),
                 "blank": json.loads(built.student_notebook.read_text(encoding="utf-8")),
                 "liars": _with_cells(solution, LIARS), "late": late}
    # Each student exports a zip from their own folder, with the survey file they made.
    zips = {}
    for student, notebook in notebooks.items():
        home = root / "students" / student
        home.mkdir(parents=True)
        (home / "compat-objects.ipynb").write_text(json.dumps(notebook))
        (home / "survey.csv").write_text("answer\nyes\nno\nyes\n")
        zips[student] = _export(home / "compat-objects.ipynb", ["survey.csv"])
        (folder / student).mkdir(parents=True)
        shutil.copyfile(zips[student], folder / student / zips[student].name)
    # Notebooks handed in as notebooks, beside the zips (their survey file is missing): one
    # renamed, so that its checks cannot run under otter; one changed late, also renamed.
    (folder / "late-renamed.ipynb").write_text(json.dumps(late))
    # A notebook handed in as a notebook, beside the zips: its survey file is missing.
    (folder / "no-zip.ipynb").write_text(json.dumps(solution))
    return {"zip": built.autograder_zip, "folder": folder, "root": root, "zips": zips}


def _otter_run(zip_path: Path, submission: Path, tmp_path: Path) -> dict[str, float]:
    """Per-question scores from ``otter run`` (the command an instructor runs), as data."""
    import subprocess
    import sys

    out = tmp_path / f"otter-run-{submission.stem}"
    out.mkdir()
    otter = Path(sys.executable).with_name("otter")
    result = subprocess.run([str(otter), "run", "-a", str(zip_path), "-o", str(out),
                             str(submission)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    tests = json.loads((out / "results.json").read_text())["tests"]
    scores: dict[str, float] = {}
    for test in tests:  # one entry per question, and a summary of public tests without a score
        if "score" in test:
            question = test["name"].split(" - ")[0]
            scores[question] = scores.get(question, 0.0) + float(test["score"])
    return scores


@pytest.fixture(scope="module")
def graded_objects(objects, tmp_path_factory):
    """The folder graded once, as an instructor would, by the command line."""
    from autograder.cli import main

    gradebook = tmp_path_factory.mktemp("objects-gradebook") / "grades.db"
    assert main(["grade", str(objects["zip"]), str(objects["folder"]), "--gradebook",
                 str(gradebook), "--quiet", "--workers", "2", "--timeout", "60"]) == 0
    book = Gradebook(database_url(gradebook))
    try:
        results = {r.submission: r for r in book.results("compat-objects")}
    finally:
        book.close()
    return {"results": results, "gradebook": gradebook}


def test_functions_generators_classes_and_library_objects_score_as_in_otter(
        objects, graded_objects, tmp_path):
    ours = graded_objects["results"]
    students = ["blank", "late", "liars", "partial", "solution"]
    assert sorted(ours) == sorted([f"{s}/compat-objects.zip" for s in students]
                                  + ["late-renamed.ipynb", "no-zip.ipynb"]), sorted(ours)
    from concurrent.futures import ThreadPoolExecutor

    submissions = {name: objects["zips"][name] for name in ("solution", "blank", "partial",
                                                            "late")}
    submissions |= {name: objects["folder"] / f"{name}.ipynb"
                    for name in ("late-renamed", "no-zip")}
    with ThreadPoolExecutor(2) as pool:  # each otter run is a process of its own
        runs = {name: pool.submit(_otter_run, objects["zip"], path, tmp_path)
                for name, path in submissions.items()}
        theirs = {name: run.result() for name, run in runs.items()}
    for name, scores in theirs.items():
        result = ours[f"{name}/compat-objects.zip" if name in students else f"{name}.ipynb"]
        assert {q.question: q.score for q in result.questions} == scores, (name, result.reason)
    solution = ours["solution/compat-objects.zip"]
    assert solution.score == solution.possible == 11, solution.reason
    assert solution.status == "completed" and not solution.reason
    assert ours["blank/compat-objects.zip"].score == 0
    assert 0 < ours["partial/compat-objects.zip"].score < 11
    # Checked before the late change: full marks; renamed, its checks never ran: scored at the
    # end, after the change; handed in without its survey file, q7 fails as under otter run.
    assert ours["late/compat-objects.zip"].score == 11
    assert sum(theirs["late-renamed"].values()) < 5
    assert theirs["no-zip"]["q7"] == 0 and sum(theirs["no-zip"].values()) == 10
    # otter's own cells fail in a renamed notebook, under otter too: that is not reported.
    assert "otter" not in ours["late-renamed.ipynb"].reason.lower()


def test_answers_that_lie_about_themselves_gain_nothing(graded_objects):
    liars = {q.question: q.score
             for q in graded_objects["results"]["liars/compat-objects.zip"].questions}
    # q4 and q5 keep the solution's honest answers; every lying answer scores nothing. q9's
    # honest apply_each keeps its public test, and loses the hidden one that uses the lying rate.
    assert liars == {"q1": 0, "q2": 0, "q3": 0, "q4": 1, "q5": 1, "q6": 0, "q7": 0,
                     "q9": 0.5}, liars


def test_review_export_and_feedback_take_the_otter_zip(objects, graded_objects, tmp_path,
                                                      capsys):
    from autograder.cli import main

    where = ["--gradebook", str(graded_objects["gradebook"])]
    zip_path, review = str(objects["zip"]), tmp_path / "review.csv"
    # The zip does not say what its free-response question is called or worth: ask.
    assert main(["review", zip_path, str(objects["folder"]), "--out", str(review), *where]) == 2
    assert "--question NAME=POINTS" in capsys.readouterr().err
    assert main(["review", zip_path, str(objects["folder"]), "--out", str(review),
                 "--question", "q8=2", *where]) == 0
    import csv

    rows = list(csv.DictReader(review.open(encoding="utf-8-sig")))  # written for Excel
    assert len(rows) == 7 and {r["question"] for r in rows} == {"q8"}
    [solution] = [r for r in rows if r["submission"] == "solution/compat-objects.zip"]
    assert "Two of three" in solution["answer"]
    for row in rows:
        row["score"] = "2" if row["submission"] == "solution/compat-objects.zip" else "0"
    with review.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(["review-import", zip_path, str(review), *where]) == 0
    out = tmp_path / "canvas.csv"
    assert main(["export", zip_path, "--format", "canvas", "--out", str(out), *where]) == 0
    grades = {r["Student"]: r for r in csv.DictReader(out.open())}
    assert grades["solution"]["compat-objects"] == "13"  # 11 autograded and 2 by hand
    assert grades["Points Possible"]["compat-objects"] == "13"
    feedback = tmp_path / "feedback"
    assert main(["feedback", zip_path, "--out", str(feedback), *where]) == 0
    assert sorted(p.name for p in feedback.iterdir()) == sorted(
        ["blank.txt", "index.csv", "late.txt", "late-renamed.txt", "liars.txt", "no-zip.txt",
         "partial.txt", "solution.txt"])


def test_plugins_are_refused_and_old_ok_tests_are_read(tmp_path):
    import zipfile

    plugged = tmp_path / "lab-autograder.zip"
    with zipfile.ZipFile(plugged, "w") as archive:
        archive.writestr("otter_config.json", json.dumps(
            {"plugins": ["otter.plugins.builtin.GoogleSheetsGradeOverride"]}))
        archive.writestr("tests/q1.py", "OK_FORMAT = True\ntest = {'name': 'q1', 'points': 1, "
                                        "'suites': []}")
    with pytest.raises(ValueError, match="uses otter plugins .*GoogleSheetsGradeOverride"):
        AutograderTests(plugged)
    # Written for an older otter, which did not mark the format: still an OK test.
    old = tmp_path / "old-autograder.zip"
    case = {"code": ">>> answer\n2", "hidden": False, "locked": False}
    with zipfile.ZipFile(old, "w") as archive:
        archive.writestr("tests/q1.py", "test = " + repr(
            {"name": "q1", "points": 2, "suites": [{"cases": [case], "scored": True,
                                                    "setup": "", "teardown": "",
                                                    "type": "doctest"}]}))
    tests = AutograderTests(old)
    try:
        assert tests.score_namespace({"answer": 2})["q1"].score == 2
        assert tests.score_namespace({"answer": 3})["q1"].score == 0
    finally:
        tests.close()
