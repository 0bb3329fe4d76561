"""Score a submission's data with an otter autograder's own tests, outside the sandbox.

The tests are otter's test files from the autograder zip, run with otter's own test classes,
so a submission scores what otter would give it; only where they run differs (see
:mod:`autograder.sandbox`). The test files are read once into memory and their temporary copy
is deleted at once, so nothing on disk holds them while submissions run.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.otter_compat import safe_display_options, safe_print_options
from autograder.tempfiles import make_temp_dir
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


def _read_test_file(path: Path, config, zip_path: Path):
    """One of the zip's test files, as otter reads it; an OK-format file from an older otter,
    which did not write ``OK_FORMAT = True`` (otter 7 refuses it), is read as the OK test it
    is."""
    from otter.test_files import create_test_file
    from otter.test_files.ok_test import OKTestFile

    try:
        return create_test_file(str(path), config)
    except RuntimeError as error:
        if "OK_FORMAT" not in str(error):
            raise
        env: dict = {}
        try:
            exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), env)  # noqa: S102
        except Exception as failure:  # noqa: BLE001
            raise ValueError(f"{zip_path}: tests/{path.name} cannot be read ({failure})") \
                from None
        if isinstance(env.get("test"), dict) and "suites" in env["test"]:
            return OKTestFile.from_file(str(path))
        raise ValueError(f"{zip_path}: tests/{path.name} is neither an OK-format test (a "
                         "`test` dictionary with `suites`) nor sets OK_FORMAT; rebuild the "
                         "assignment with otter assign") from None


def _grading_digest(archive: zipfile.ZipFile) -> str:
    """A SHA-256 of what decides a grade in an autograder zip: its tests, its configuration
    and its support files (not its build scripts or environment)."""
    digest = hashlib.sha256()
    for member in sorted(archive.namelist()):
        if member.endswith("/") or (member in MACHINERY and member != "otter_config.json"):
            continue
        digest.update(member.encode() + b"\0" + archive.read(member) + b"\0")
    return digest.hexdigest()


class AutograderTests:
    """The tests and support files of one otter autograder zip."""

    def __init__(self, autograder_zip: Path, *, support_files: bool = True) -> None:
        """Read the zip's tests (and, with ``support_files``, place its support files in a
        folder of their own, for each sandbox to copy)."""
        from otter.nbmeta_config import NBMetadataConfig

        self.zip_path = Path(autograder_zip)
        if not zipfile.is_zipfile(self.zip_path):
            raise ValueError(f"{self.zip_path} is not an otter autograder zip file")
        private = make_temp_dir("tests")
        self.support_dir = make_temp_dir("support") if support_files else None
        if self.support_dir is not None:
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
                plugins = config.get("plugins") or []
                if plugins:
                    named = ", ".join(str(p if isinstance(p, str) else next(iter(p), "?"))
                                      for p in plugins)
                    raise ValueError(
                        f"{self.zip_path} uses otter plugins ({named}). A plugin runs with the "
                        "submission and its results in otter's own process, which the grader "
                        "keeps away from student code, so it cannot run here; grade this "
                        "assignment with otter run or on Gradescope, or rebuild it without "
                        "plugins.")
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
                self.digest = _grading_digest(archive)
                for member in names if self.support_dir is not None else ():
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
            self.test_files = [_read_test_file(private / m, config_obj, self.zip_path)
                               for m in tests]
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

    def score_namespace(self, namespace: dict, print_options: dict | None = None,
                        display_options: dict | None = None,
                        at_checks: dict[str, dict] | None = None) -> dict[str, QuestionResult]:
        """Run every test against a namespace rebuilt from a sandbox.

        ``at_checks`` maps a question to the namespace as it was at the question's last
        ``grader.check`` call, where otter would have scored it (see
        :func:`autograder.otter_compat.notebook_stand_in`); other questions use ``namespace``.

        ``print_options`` (numpy's) and ``display_options`` (pandas' ``display.*``) are as the
        notebook left them: an OK-format test compares printed output, and otter runs its
        tests in the notebook's own process, where the notebook or a library it imported may
        have changed them.
        """
        import numpy as np
        import pandas as pd

        with contextlib.ExitStack() as printing:
            try:
                printing.enter_context(np.printoptions(**safe_print_options(print_options)))
            except (TypeError, ValueError):  # an option numpy refuses stays at its default
                pass
            pairs = safe_display_options(display_options)
            for index in range(0, len(pairs), 2):
                try:
                    printing.enter_context(pd.option_context(*pairs[index:index + 2]))
                except (ValueError, TypeError, KeyError, pd.errors.OptionError):
                    pass
            return self._run_tests(namespace, at_checks or {})

    def _run_tests(self, namespace: dict, at_checks: dict[str, dict]
                   ) -> dict[str, QuestionResult]:
        results = {}
        for test_file in self.test_files:
            with contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                test_file.run(at_checks.get(test_file.name, namespace))
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
        if self.support_dir is not None:
            shutil.rmtree(self.support_dir, ignore_errors=True)


def results_to_data(results: dict[str, QuestionResult]) -> dict:
    """Question results as JSON-ready data, to travel from a grading worker."""
    return {name: {"score": r.score, "possible": r.possible,
                   "cases": [[c.hidden, c.passed, c.points, c.hint] for c in r.cases]}
            for name, r in results.items()}


def results_from_data(data: dict) -> dict[str, QuestionResult]:
    return {name: QuestionResult(name, float(r["score"]), float(r["possible"]),
                                 [TestCaseOutcome(bool(h), bool(p), float(pts), str(hint))
                                  for h, p, pts, hint in r["cases"]])
            for name, r in data.items()}
