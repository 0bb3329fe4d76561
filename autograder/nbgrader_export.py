"""Export an Otter Assign source notebook as an nbgrader course.

For instructors on a JupyterHub with nbgrader. The mapping:

* an Otter solution cell becomes an nbgrader *solution* cell: the line a student starts from
  (``x = ...``) stays, and the solution sits between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` (nbgrader replaces it with ``# YOUR CODE HERE``);
* each Otter test case becomes one nbgrader *autograder test* cell worth that case's points,
  resolved as Otter resolves them (a case's own ``points``, the question's list, or an equal
  share of the rest), so partial credit is kept; a hidden case's code sits between
  ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``; a case with a ``failure_message``
  raises an ``AssertionError`` carrying that message, so nbgrader's feedback names the
  misconception as ``grader.check`` does;
* a manual question's answer becomes a *manually graded answer* cell, worth its points, with
  the rubric kept in the prompt above it;
* Otter's configuration cells are dropped.

Test cells end with an ``assert``, so nbgrader never mistakes a last expression for a partial
score; ``c.IgnorePattern`` is set so that a warning printed by a library does not fail a test.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import yaml

SCHEMA = 3
CONFIG = '''"""nbgrader configuration for the {course} course (written by autograder nbgrader)."""

import os
import sys

import nbformat
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, Preprocessor
from nbgrader.preprocessors import GetGrades
from traitlets import Bool

# nbgrader runs alembic (its database's migrations) as a command: find it beside the Python
# running nbgrader, even where that environment is not activated.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "{course}"
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE"}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# Warnings from libraries (pandas, matplotlib) go to stderr; they must not fail a test.
c.IgnorePattern.pattern = r".*Warning.*"
c.Execute.timeout = 60


class HideHiddenTests(Preprocessor):
    """Feedback says whether a question's hidden tests passed, and the message written for a
    failed one, but never shows their code or its traceback."""

    enabled = Bool(True)  # nbconvert leaves a preprocessor off unless it is enabled

    def preprocess_cell(self, cell, resources, index):
        marker = "### BEGIN HIDDEN TESTS"
        if cell.cell_type != "code" or marker not in cell.source:
            return cell, resources
        cell.source = cell.source[:cell.source.index(marker)].rstrip() + "\\n# (hidden tests)"
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not errors:
            text = "The hidden tests passed.\\n"
        elif errors[0].get("ename") == "AssertionError" and errors[0].get("evalue"):
            text = f"A hidden test failed: {{errors[0]['evalue']}}\\n"
        else:
            text = "A hidden test failed.\\n"
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        return cell, resources


c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
'''

OTTER_MARKERS = re.compile(r"^\s*# (BEGIN|END) SOLUTION( NO PROMPT)?\s*$")
TEST_CONFIG = re.compile(r'^""" # BEGIN TEST CONFIG\n(.*?)""" # END TEST CONFIG\n', re.S)


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool,
          points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked,
            "schema_version": SCHEMA, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _solution_source(code: str) -> str:
    """Otter solution code -> the student's starting line(s) and an nbgrader solution region."""
    prompts, solution = [], []
    for line in code.splitlines():
        if OTTER_MARKERS.match(line):
            continue
        if line.rstrip().endswith("# SOLUTION"):
            body = line.rstrip()[: -len("# SOLUTION")].rstrip()
            prompts.append(body.split("=", 1)[0].rstrip() + " = ..." if "=" in body else "...")
            solution.append(body)
        else:
            solution.append(line)
    return "\n".join([*prompts, "### BEGIN SOLUTION", *solution, "### END SOLUTION"])


def _case_points(points, case_points: list[float | None]) -> list[float]:
    """Each case's points, resolved by Otter's own rule for a question's test file."""
    from otter.test_files.abstract_test import TestCase, TestFile

    cases = [TestCase(f"case {i}", "", False, p, None, None) for i, p in enumerate(case_points)]
    if isinstance(points, list) and len(points) != len(cases):
        raise ValueError(f"{len(cases)} test cases but {len(points)} point values")
    return [float(c.points) for c in TestFile.resolve_test_file_points(points, cases)]


def _with_message(code: str, message: str | None) -> str:
    """Test code that fails with the case's failure message instead of a bare trace."""
    if not message:
        return code
    body = "\n".join("    " + line if line.strip() else line for line in code.splitlines())
    return f"try:\n{body}\nexcept Exception:\n    raise AssertionError({message!r}) from None"


def convert(source: dict) -> dict:
    """The nbgrader source notebook for an Otter Assign source notebook."""
    cells, question, state, pending_tests = [], None, None, []
    out = copy.deepcopy(source)
    for cell in source["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "raw":
            header = text.strip().splitlines()[0] if text.strip() else ""
            if header == "# ASSIGNMENT CONFIG":
                continue
            if header == "# BEGIN QUESTION":
                question = yaml.safe_load(text.split("\n", 1)[1]) or {}
                pending_tests = []
            elif header in ("# BEGIN SOLUTION", "# BEGIN TESTS"):
                state = header.split()[-1].lower()
            elif header in ("# END SOLUTION", "# END TESTS"):
                state = None
            elif header == "# END QUESTION" and question is not None:
                points = _case_points(question.get("points"), [t[2] for t in pending_tests])
                for index, ((code, hidden, _, message), value) in enumerate(
                        zip(pending_tests, points, strict=True)):
                    code = _with_message(code, message)
                    body = (f"### BEGIN HIDDEN TESTS\n{code}\n### END HIDDEN TESTS"
                            if hidden else code)
                    cells.append({"cell_type": "code", "execution_count": None, "outputs": [],
                                  "id": f"{question['name']}-test-{index}",
                                  "metadata": _meta(f"{question['name']}-test-{index}",
                                                    grade=True, solution=False, locked=True,
                                                    points=value),
                                  "source": body})
                question = None
            continue
        new = {k: v for k, v in cell.items() if k != "outputs" and k != "execution_count"}
        if cell["cell_type"] == "code":
            new.update(outputs=[], execution_count=None)
        if question is not None and state == "solution":
            name = question["name"]
            if cell["cell_type"] == "code":
                new["source"] = _solution_source(text)
                new["metadata"] = _meta(f"{name}-answer", grade=False, solution=True,
                                        locked=False)
            else:
                points = float(sum(question["points"]) if isinstance(question["points"], list)
                               else question["points"])
                new["metadata"] = _meta(name, grade=True, solution=True, locked=False,
                                        points=points)
            new["id"] = f"{name}-answer"
        elif question is not None and state == "tests":
            match = TEST_CONFIG.match(text)
            config = yaml.safe_load(match.group(1)) if match else {}
            code = text[match.end():] if match else text
            config = config or {}
            pending_tests.append((code.strip(), bool(config.get("hidden")), config.get("points"),
                                  config.get("failure_message")))
            continue
        cells.append(new)
    out["cells"] = cells
    out["metadata"].pop("otter", None)
    return out


SUPPORT = {"learner_tools": ("*.py",), "datasets": ("*.csv", "*.json", "*.py", "README.md")}


def _copy_support(root: Path, folder: Path) -> None:
    """The course's helper package and datasets beside the notebook: nbgrader releases them
    with it and puts them back before autograding, so a hub needs nothing else installed."""
    for name, patterns in SUPPORT.items():
        source = Path(root) / name
        if not source.is_dir():
            continue
        target = folder / name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for pattern in patterns:
            for path in source.glob(pattern):
                shutil.copy2(path, target / path.name)


def export_course(source_notebook: Path, course_dir: Path, course: str = "curriculum",
                  root: Path | None = None) -> Path:
    """Write ``course_dir`` (an nbgrader course) and return the source notebook's path.
    ``root`` is the curriculum's folder, whose ``learner_tools`` and ``datasets`` go with it."""
    name = Path(source_notebook).stem
    notebook = json.loads(Path(source_notebook).read_text(encoding="utf-8"))
    target = Path(course_dir) / "source" / name / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(convert(notebook), indent=1), encoding="utf-8")
    if root is not None:
        _copy_support(root, target.parent)
    config = Path(course_dir) / "nbgrader_config.py"
    if not config.exists() or config.read_text(encoding="utf-8").startswith(
            '"""nbgrader configuration for the'):  # ours, perhaps from an older version
        config.write_text(CONFIG.format(course=course), encoding="utf-8")
    return target
