"""Score a submission's data with an otter autograder's own tests, outside the sandbox.

The tests are otter's test files from the autograder zip, run with otter's own test classes,
so a submission scores what otter would give it; only where they run differs (see
:mod:`autograder.sandbox`). The test files are read once into memory and their temporary copy
is deleted at once, so nothing on disk holds them while submissions run.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.otter_compat import safe_print_options
from autograder.tempfiles import make_temp_dir
from autograder.values import decode_namespace
from learner_tools.checks import advice_from_output

# Files in an otter autograder zip that belong to the grading machinery, not to students.
MACHINERY = {"run_autograder", "run_otter.py", "setup.sh", "environment.yml", "requirements.txt",
             "requirements.r", "otter_config.json"}


@dataclass
class TestCaseOutcome:
    hidden: bool
    passed: bool
    points: float
    # What a failed case tells the student: a public case's failure message (or, failing that,
    # its assertion message); a hidden case's failure message only if its author wrote one for
    # graded feedback (never its code or output, which would reveal the hidden test).
    hint: str = ""


@dataclass
class QuestionResult:
    name: str
    score: float
    possible: float
    cases: list[TestCaseOutcome] = field(default_factory=list)


def _natural_key(name: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _hint(outcome) -> str:
    """What a failed test case may tell the student (see TestCaseOutcome.hint)."""
    if outcome.passed:
        return ""
    authored = str(outcome.test_case.failure_message or "").strip()
    if outcome.test_case.hidden:
        return authored
    return authored or advice_from_output(outcome.message or "")


class AutograderTests:
    """The tests and support files of one otter autograder zip."""

    def __init__(self, autograder_zip: Path) -> None:
        from otter.nbmeta_config import NBMetadataConfig
        from otter.test_files import create_test_file

        self.zip_path = Path(autograder_zip)
        if not zipfile.is_zipfile(self.zip_path):
            raise ValueError(f"{self.zip_path} is not an otter autograder zip file")
        private = make_temp_dir("tests")
        self.support_dir = make_temp_dir("support")
        self.support_dir.chmod(0o755)
        try:
            with zipfile.ZipFile(self.zip_path) as archive:
                names = archive.namelist()
                config = json.loads(archive.read("otter_config.json")) \
                    if "otter_config.json" in names else {}
                self.assignment_name = config.get("assignment_name")
                self.seed = config.get("seed")
                self.points_possible = config.get("points_possible")
                self.score_threshold = config.get("score_threshold")
                self.seed_variable = config.get("seed_variable")
                tests = sorted((n for n in names if re.fullmatch(r"tests/[^/]+\.py", n)),
                               key=_natural_key)
                if not tests and (str(config.get("lang", "")).lower() == "r"
                                  or any(re.fullmatch(r"tests/[^/]+\.[Rr]", n) for n in names)):
                    raise ValueError(f"{self.zip_path} is an R assignment: autograder grades "
                                     "Python assignments only; grade R with otter run or on "
                                     "Gradescope")
                if not tests:
                    raise ValueError(f"{self.zip_path} holds no tests/*.py test files: is it "
                                     "an autograder zip built by otter assign?")
                for member in tests:
                    archive.extract(member, private)
                for member in names:
                    top = member.split("/", 1)[0]
                    if member.endswith("/") or top == "tests" or member in MACHINERY:
                        continue
                    # Support files (data, helper modules) go beside each submission.
                    target = self.support_dir / (member[len("files/"):]
                                                 if member.startswith("files/") else member)
                    if ".." in Path(member).parts:
                        continue
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(member))
            config_obj = NBMetadataConfig()
            self.test_files = [create_test_file(str(private / m), config_obj) for m in tests]
        finally:
            shutil.rmtree(private, ignore_errors=True)
        self.questions = [tf.name for tf in self.test_files]
        self.possible = {tf.name: float(tf.possible) for tf in self.test_files}

    @property
    def total_possible(self) -> float:
        """The assignment's points, as otter reports them: ``points_possible`` from its
        configuration when set, else the sum of the questions' points."""
        if self.points_possible is not None:
            return float(self.points_possible)
        return sum(self.possible.values())

    def reported_score(self, questions_total: float) -> float:
        """A submission's total as otter reports it to Gradescope: scaled to
        ``points_possible``, and all or nothing against ``score_threshold`` when set
        (otter-grader 7, ``GradingResults.to_gradescope_dict``)."""
        raw_possible = sum(self.possible.values())
        score = questions_total
        if self.points_possible is not None:
            score = questions_total / raw_possible * self.points_possible if raw_possible else 0
        if self.score_threshold is not None:
            fraction = questions_total / raw_possible if raw_possible else 0
            score = self.total_possible if fraction >= self.score_threshold else 0
        return float(score)

    def zero(self) -> dict[str, QuestionResult]:
        """Results for a submission that produced nothing to grade."""
        return {name: QuestionResult(name, 0.0, possible)
                for name, possible in self.possible.items()}

    def score(self, payload: str, print_options: dict | None = None) -> dict[str, QuestionResult]:
        """Run every test against the namespace rebuilt from a sandbox's payload.

        ``print_options`` are numpy's as the notebook left them: an OK-format test compares
        printed output, and otter runs its tests in the notebook's own process, where a library
        imported by the notebook may have changed them.
        """
        import numpy as np

        namespace = decode_namespace(payload)
        with contextlib.ExitStack() as printing:
            try:
                printing.enter_context(np.printoptions(**safe_print_options(print_options)))
            except (TypeError, ValueError):  # an option numpy refuses stays at its default
                pass
            return self._run_tests(namespace)

    def _run_tests(self, namespace: dict) -> dict[str, QuestionResult]:
        results = {}
        for test_file in self.test_files:
            with contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                test_file.run(namespace)
            cases = []
            for outcome in test_file.test_case_results:
                hidden = bool(outcome.test_case.hidden)
                hint = _hint(outcome)
                cases.append(TestCaseOutcome(hidden, bool(outcome.passed),
                                             float(outcome.test_case.points or 0), hint))
            results[test_file.name] = QuestionResult(
                test_file.name, float(test_file.score), float(test_file.possible), cases)
        return results

    def close(self) -> None:
        shutil.rmtree(self.support_dir, ignore_errors=True)
