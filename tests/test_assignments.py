"""Every assignment grades honestly, and its student version gives nothing away."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile

import pytest
from conftest import ASSIGNMENTS

from autograder.build import normalized_notebook, student_notebook_is_current
from autograder.selfcheck import EMPTY_ANSWERS, load_wrong_answers, selfcheck

NAMES = [a.name for a in ASSIGNMENTS]


def test_there_is_at_least_one_assignment():
    assert NAMES


@pytest.mark.parametrize("name", NAMES)
def test_solution_full_blank_zero_wrong_answers_rejected(name, built_assignments, tmp_path):
    assignment, output = built_assignments[name]
    results = selfcheck(assignment, output, tmp_path, workers=2)
    report = "\n".join(f"{'ok' if r.passed else 'FAIL'} {r.label} ({r.detail})" for r in results)
    assert all(r.passed for r in results), report
    # Solution and blank; per question, the blank's message and the kept wrong answers' count;
    # one line per kept wrong answer and per accepted form of a right answer: nothing skipped.
    questions = {r.label.split(":")[0] for r in results if "not answered yet" in r.label}
    accepted = (load_wrong_answers(assignment.accepted_answers)
                if assignment.accepted_answers.is_file() else [])
    assert len(results) == (2 + 2 * len(questions) + len(accepted) + len(EMPTY_ANSWERS)
                            + len(load_wrong_answers(assignment.wrong_answers)))


def _otter_tests(zip_path) -> dict[str, dict]:
    """The test files inside an autograder zip, evaluated to their OK-format dictionaries."""
    tests = {}
    with zipfile.ZipFile(zip_path) as archive:
        for member in archive.namelist():
            if member.startswith("tests/") and member.endswith(".py"):
                namespace: dict = {}
                exec(archive.read(member).decode("utf-8"), namespace)  # noqa: S102
                tests[namespace["test"]["name"]] = namespace["test"]
    return tests


@pytest.mark.parametrize("name", NAMES)
def test_every_question_has_helpful_public_tests_and_hidden_tests(name, built_assignments):
    _, output = built_assignments[name]
    tests = _otter_tests(output.autograder_zip)
    assert tests, "the autograder zip holds no tests"
    for question, test in tests.items():
        cases = [case for suite in test["suites"] for case in suite["cases"]]
        public = [c for c in cases if not c["hidden"]]
        hidden = [c for c in cases if c["hidden"]]
        assert public and hidden, f"{question} needs public and hidden tests"
        assert any(c.get("failure_message", "").startswith("Not answered yet")
                   for c in public[:2]), (
            f"{question}: an early public test should tell a blank answer 'Not answered yet'")
        for case in public:
            if len(case.get("failure_message", "")) >= 15:
                continue  # otter shows the case's own message when it fails
            for line in case["code"].splitlines():
                if line.startswith(">>> assert"):
                    assert re.search(r",\s*['\"].{15,}['\"]\s*$", line), (
                        f"{question}: public assert without a helpful message: {line}")


def _solution_lines(cell_type: str, lines: list[str]) -> list[str]:
    """The lines of a solution cell that otter removes from the student's version.

    A markdown solution (an example answer) is removed whole. In a code cell, otter removes the
    lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` and the right-hand side of a line
    marked ``# SOLUTION``; the other lines (a function's ``def`` and docstring) are the prompt,
    which the student is meant to see. A code cell with no marker at all is treated as secret.
    """
    marked = any(line.startswith("# BEGIN SOLUTION") or line.endswith("# SOLUTION")
                 for line in lines)
    secret, inside = [], False
    for line in lines:
        if line.startswith("# BEGIN SOLUTION"):
            inside = True
            continue
        if line.startswith("# END SOLUTION"):
            inside = False
            continue
        if line.endswith("# SOLUTION"):
            line = line.split("=", 1)[-1].removesuffix("# SOLUTION").strip()
        elif marked and not inside and cell_type == "code":
            continue
        if len(line) > 12 and not line.startswith("# "):
            secret.append(line)
    return secret


def _source_secrets(source_path) -> tuple[list[str], list[str]]:
    """Lines of the source that a student must never see: solutions and hidden tests."""
    notebook = json.loads(source_path.read_text(encoding="utf-8"))
    solutions, hidden, public, state = [], [], set(), None
    for cell in notebook["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "raw":
            marker = text.strip().splitlines()[0] if text.strip() else ""
            state = {"# BEGIN SOLUTION": "solution", "# BEGIN TESTS": "tests"}.get(marker, state)
            if marker in ("# END SOLUTION", "# END TESTS"):
                state = None
            continue
        lines = [line.strip() for line in text.splitlines()]
        if state == "solution":
            solutions += _solution_lines(cell["cell_type"], lines)
        elif state == "tests" and "hidden: true" in text:
            hidden += [line for line in lines if len(line) > 12 and "TEST CONFIG" not in line]
        elif state == "tests":
            public.update(lines)
    # A hidden test may share set-up lines (loading the data) with the public ones: those are
    # not secret. Everything else in a hidden test is.
    return solutions, [line for line in hidden if line not in public]


@pytest.mark.parametrize("name", NAMES)
def test_student_version_contains_no_solution_and_no_hidden_test(name, built_assignments):
    assignment, output = built_assignments[name]
    solutions, hidden = _source_secrets(assignment.source)
    assert solutions and hidden, "the secrets scan found nothing: is the source format known?"
    for student in (output.student_notebook, assignment.student_notebook):
        text = student.read_text(encoding="utf-8")
        body = json.dumps(normalized_notebook(student))
        leaked = [line for line in solutions + hidden
                  if line in text or json.dumps(line)[1:-1] in body]
        assert not leaked, f"{student} leaks: {leaked[:3]}"
        otter_tests = json.loads(text)["metadata"]["otter"]["tests"]
        for question, test in otter_tests.items():
            for suite in test["suites"]:
                assert not any(case["hidden"] for case in suite["cases"]), question


@pytest.mark.parametrize("name", NAMES)
def test_published_student_notebook_matches_a_fresh_build(name, built_assignments):
    assignment, output = built_assignments[name]
    assert student_notebook_is_current(assignment, output), (
        f"{assignment.student_notebook} is stale: run `autograder build {name}` and commit it")


def test_command_line_lists_assignments_and_rejects_unknown_names(root):
    listed = subprocess.run([sys.executable, "-m", "autograder", "list"],
                            capture_output=True, text=True, check=True)
    for name in NAMES:
        assert name in listed.stdout
    unknown = subprocess.run([sys.executable, "-m", "autograder", "build", "no-such-assignment"],
                             capture_output=True, text=True)
    assert unknown.returncode == 2
    assert "No assignment called 'no-such-assignment'" in unknown.stderr
    assert NAMES[0] in unknown.stderr


@pytest.mark.parametrize("name", NAMES)
def test_autograder_zip_carries_what_the_notebook_needs(name, built_assignments, tmp_path):
    """On Gradescope the project is not installed: otter copies the zip's files/ beside the
    submission. The solution must run from those files alone."""
    _, output = built_assignments[name]
    with zipfile.ZipFile(output.autograder_zip) as archive:
        for member in archive.namelist():
            if member.startswith("files/"):
                archive.extract(member, tmp_path)
    files = tmp_path / "files"
    assert (files / "learner_tools" / "__init__.py").is_file()
    assert (files / "datasets" / "datapackage.json").is_file()
    notebook = json.loads(output.solution_notebook.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in notebook["cells"]
                     if c["cell_type"] == "code" and "otter" not in "".join(c["source"])
                     and "grader." not in "".join(c["source"]))
    script = (f"import sys; sys.path.insert(0, {str(files)!r})\n{code}\n"
              "import learner_tools\nprint(learner_tools.__file__)\n"
              "print(learner_tools.data_dir())\n")
    env = {k: v for k, v in os.environ.items() if k != "LEARNER_TOOLS_DATA_DIR"}
    result = subprocess.run([sys.executable, "-c", script], cwd=files, capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    printed = result.stdout.strip().splitlines()
    assert printed[-2].startswith(str(files)) and printed[-1] == str(files / "datasets")


def _question_points(source_path) -> dict[str, tuple[float, bool, bool]]:
    """Each question's points, whether it is marked by hand, and whether its prompt says it
    tests a judgement ("(1.25 points, judgement)")."""
    import yaml

    notebook = json.loads(source_path.read_text(encoding="utf-8"))
    questions, current = {}, None
    for cell in notebook["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "raw" and text.startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(text.split("\n", 1)[1])
            points = config.get("points", 0)
            current = config["name"]
            questions[current] = (float(sum(points) if isinstance(points, list) else points),
                                  bool(config.get("manual")), False)
        elif cell["cell_type"] == "raw" and text.startswith("# END QUESTION"):
            current = None
        elif current and cell["cell_type"] == "markdown" and re.search(
                r"\*\*Question \w+\*\* \([^)]*judgement\)", text):
            points, manual, _ = questions[current]
            questions[current] = (points, manual, True)
    return questions


@pytest.mark.parametrize("name", NAMES)
def test_a_third_of_autograded_points_test_a_judgement(name):
    """The module standard: at least a third of the autograded points ask the learner to judge
    (which figure to brief, which chart misleads), not only to compute."""
    assignment = next(a for a in ASSIGNMENTS if a.name == name)
    questions = _question_points(assignment.source)
    autograded = {q: v for q, v in questions.items() if not v[1]}
    assert len(autograded) >= 7 and any(v[1] for v in questions.values())
    judged = sum(points for points, _, judgement in autograded.values() if judgement)
    total = sum(points for points, _, _ in autograded.values())
    assert judged >= total / 3, f"{name}: {judged:g} of {total:g} autograded points are judgement"


def test_a_question_listed_twice_in_wrong_answers_is_refused(tmp_path):
    """Plain YAML would keep only the second list, and the first would never be checked."""
    path = tmp_path / "wrong-answers.yml"
    path.write_text("q1:\n  - why: a\n    code: x = 1\nq1:\n  - why: b\n    code: x = 2\n")
    with pytest.raises(ValueError, match="q1 listed more than once"):
        load_wrong_answers(path)
