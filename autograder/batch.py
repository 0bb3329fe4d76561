"""Grade a folder or zip of submissions in parallel, recording each result as it arrives.

The main process reads the submissions, holds the tests and writes the gradebook; warm,
contained workers holding no tests run each notebook in a sandbox, and a scorer forked per
submission runs the tests on its answers (:mod:`autograder.pool`). A submission that cannot
be read, hangs, crashes or runs out of memory gets a status and a reason; the batch goes on.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.gradebook import RETRY_STATUSES, Gradebook, QuestionScore, SubmissionResult
from autograder.otter_compat import is_otter_cell, seeded_cells
from autograder.pool import run_submissions
from autograder.sandbox import Execution, Limits
from autograder.scoring import AutograderTests, QuestionResult, results_from_data
from autograder.tempfiles import make_temp_dir

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
# The build or export timestamp otter puts in its zips' names.
OTTER_TIMESTAMP = r"_\d{4}_\d\d_\d\dT\d\d_\d\d_\d\d(_\d+)?"
# What otter's export cell adds to a student's zip besides the notebook and the student's files.
EXPORT_BOOKKEEPING = {"__zip_filename__", ".OTTER_LOG"}


@dataclass
class Submission:
    name: str
    sha256: str
    cells: list[str] | None  # None when the file is not a notebook we can run
    problem: str = ""
    # Files handed in with the notebook (an otter export zip's student files), by path
    # relative to the notebook: placed beside it, under the assignment's support files.
    files: dict[str, bytes] = field(default_factory=dict)
    # For each code cell, whether an error there is expected and not the student's to hear
    # of: otter's own cells, and cells tagged ``raises-exception`` (a deliberate demonstration).
    quiet: list[bool] = field(default_factory=list)
    notebook_file: str = ""  # the notebook's own name among ``files``
    assignment_name: str | None = None  # the assignment its otter metadata names, if any

    @property
    def notebook_text(self) -> str:
        """The notebook's JSON text, as handed in ("" when it could not be read)."""
        return self.files.get(self.notebook_file, b"").decode("utf-8", errors="replace")


def _ignored_by_otter(cell: dict) -> bool:
    """Otter's grading leaves out cells tagged ``otter_ignore`` or with ``otter.ignore`` set
    in their metadata (``GradingPreprocessor.filter_ignored_cells``)."""
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        return False
    tags = metadata.get("tags")
    otter = metadata.get("otter")
    return (isinstance(tags, list) and "otter_ignore" in tags) or (
        isinstance(otter, dict) and bool(otter.get("ignore", False)))


def _read_submission(name: str, data: bytes, expected_assignment: str | None,
                     file_name: str | None = None) -> Submission:
    """A notebook file; ``file_name`` is its name as handed in (by default, ``name``'s)."""
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_NOTEBOOK_BYTES:
        return Submission(name, digest, None, f"file is larger than "
                          f"{MAX_NOTEBOOK_BYTES // 2**20} MB")
    try:
        notebook = json.loads(data.decode("utf-8"))
    except RecursionError:
        return Submission(name, digest, None, "not a notebook: its JSON is nested too deeply")
    except (UnicodeDecodeError, ValueError) as error:
        return Submission(name, digest, None, f"not a notebook: the file is not valid JSON "
                          f"({str(error)[:120]})")
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return Submission(name, digest, None, "not a notebook: it has no list of cells")
    submitted_for = (notebook.get("metadata") or {}).get("otter", {}) \
        if isinstance(notebook.get("metadata"), dict) else {}
    submitted_for = submitted_for.get("assignment_name") if isinstance(submitted_for, dict) \
        else None
    if expected_assignment and submitted_for and submitted_for != expected_assignment:
        return Submission(name, digest, None, f"this notebook is for assignment "
                          f"{submitted_for!r}, not {expected_assignment!r}")
    cells, quiet = [], []
    for cell in notebook["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") == "code" and \
                not _ignored_by_otter(cell):
            source = cell.get("source", "")
            if isinstance(source, list) and all(isinstance(line, str) for line in source):
                source = "".join(source)
            if not isinstance(source, str):
                return Submission(name, digest, None, "not a notebook: a cell's source is "
                                  "not text")
            cells.append(source)
            tags = (cell.get("metadata") or {}).get("tags") if isinstance(
                cell.get("metadata"), dict) else None
            quiet.append(is_otter_cell(source) or (isinstance(tags, list)
                                                   and "raises-exception" in tags))
    # The notebook itself is in its folder, under its own name, as in otter's grading run:
    # ``otter.Notebook("hw01.ipynb")`` works only if it finds that file.
    own_name = PurePosixPath(file_name or name).name
    return Submission(name, digest, cells, files={own_name: data}, quiet=quiet,
                      notebook_file=own_name,
                      assignment_name=submitted_for if isinstance(submitted_for, str) else None)


def _is_notebook(name: str) -> bool:
    return name.endswith(".ipynb") and _not_junk(name)


def _not_junk(name: str) -> bool:
    """Not what operating systems and Jupyter leave beside files (macOS's resource forks,
    Jupyter's checkpoints, Finder's and Explorer's folder settings)."""
    parts = PurePosixPath(name).parts
    return not any(part in ("__MACOSX", ".ipynb_checkpoints", ".DS_Store", "Thumbs.db",
                            "desktop.ini") for part in parts)


def _misnamed_notebook(name: str) -> bool:
    """A notebook a browser or an LMS renamed (``hw01.ipynb.txt``, ``hw01.ipynb.json``)."""
    return ".ipynb." in PurePosixPath(name).name and not name.endswith(".zip") and \
        _not_junk(name)


def not_graded(path: Path) -> list[str]:
    """The files in a folder or class zip that are not submissions (a PDF, a Word file, a
    notebook's HTML export...), for the grader to list: never skipped without a word."""
    path = Path(path)
    if path.is_dir():
        names = [str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()]
    elif zipfile.is_zipfile(path):
        with open_zip(path) as archive:
            if is_export_zip(archive):
                return []
            names = [n for n in archive.namelist() if not n.endswith("/")]
    else:
        return []
    return sorted(n for n in names if _not_junk(n) and not _is_notebook(n)
                  and not n.endswith(".zip") and not _misnamed_notebook(n))


def open_zip(source: Path | io.BytesIO) -> zipfile.ZipFile:
    """A zip whose file names read as their author wrote them. Zips made on Windows and by
    some LMS leave out the flag that says names are UTF-8, and Python then reads "Zoé" as
    "ZoÃ©" (code page 437); such names are read as UTF-8 when they are valid UTF-8."""
    try:
        return zipfile.ZipFile(source, metadata_encoding="utf-8")
    except UnicodeDecodeError:  # names in a real legacy code page
        if isinstance(source, io.BytesIO):
            source.seek(0)
        return zipfile.ZipFile(source)


def _notebooks_in(archive: zipfile.ZipFile) -> list[str]:
    return [n for n in archive.namelist() if _is_notebook(n)]


def is_export_zip(archive: zipfile.ZipFile) -> bool:
    """Whether a zip is one student's submission as otter's export cell makes it (one notebook,
    with otter's bookkeeping), rather than a class's notebooks or an autograder zip."""
    names = set(archive.namelist())
    return len(_notebooks_in(archive)) == 1 and bool(names & EXPORT_BOOKKEEPING)


def _is_autograder_zip(archive: zipfile.ZipFile) -> bool:
    names = set(archive.namelist())
    return "otter_config.json" in names or "run_autograder" in names


def _read_export_zip(name: str, data: bytes, expected_assignment: str | None) -> Submission:
    """One student's otter submission zip: its notebook, and the files handed in with it."""
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_NOTEBOOK_BYTES:
        return Submission(name, digest, None, f"file is larger than "
                          f"{MAX_NOTEBOOK_BYTES // 2**20} MB")
    try:
        with open_zip(io.BytesIO(data)) as archive:
            notebooks = _notebooks_in(archive)
            if len(notebooks) != 1:
                return Submission(name, digest, None, f"the zip holds {len(notebooks)} "
                                  "notebooks; an otter submission zip holds exactly one")
            [notebook] = notebooks
            home = PurePosixPath(notebook).parent
            files, total = {}, 0
            for info in archive.infolist():
                member = PurePosixPath(info.filename)
                if info.is_dir() or info.filename == notebook or "__MACOSX" in member.parts \
                        or member.name in EXPORT_BOOKKEEPING:
                    continue
                if member.is_absolute() or ".." in member.parts or \
                        home not in [member.parent, *member.parent.parents]:
                    continue  # nothing is placed outside the notebook's own folder
                total += info.file_size
                if total > MAX_NOTEBOOK_BYTES:
                    return Submission(name, digest, None, "the files in the zip come to more "
                                      f"than {MAX_NOTEBOOK_BYTES // 2**20} MB")
                files[str(member.relative_to(home))] = archive.read(info)
            submission = _read_submission(name, archive.read(notebook), expected_assignment,
                                          file_name=notebook)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        return Submission(name, digest, None, f"not a readable zip file ({str(error)[:120]})")
    submission.sha256 = digest
    submission.files = files | submission.files
    return submission


def _read_any(name: str, data: bytes, expected_assignment: str | None) -> Submission | None:
    """A notebook, or a student's export zip; None for a zip that is no submission (an
    autograder zip left beside the submissions). A file that cannot be read is an invalid
    submission with a reason, never the end of the batch."""
    try:
        return _read_file(name, data, expected_assignment)
    except Exception as error:  # noqa: BLE001 - whatever is in the file, the batch goes on
        return Submission(name, hashlib.sha256(data).hexdigest(), None,
                          f"not a notebook we can read ({type(error).__name__})")


def _read_file(name: str, data: bytes, expected_assignment: str | None) -> Submission | None:
    if not name.endswith(".zip"):
        return _read_submission(name, data, expected_assignment)
    try:
        with open_zip(io.BytesIO(data)) as archive:
            if _is_autograder_zip(archive):
                return None
    except zipfile.BadZipFile:
        pass
    return _read_export_zip(name, data, expected_assignment)


def submission_names(paths: list[str]) -> dict[str, str]:
    """Each file's submission name: its path, with otter's export timestamp taken out of a
    zip's name (``alice/hw01_2026_12_01T09_30_00_123456.zip`` is ``alice/hw01.zip``) unless
    two files would then share a name."""
    def short(path: str) -> str:
        if not path.endswith(".zip"):
            return path
        return re.sub(OTTER_TIMESTAMP + r"\.zip$", ".zip", path)

    shortened = [short(p) for p in paths]
    return {p: (s if shortened.count(s) == 1 else p) for p, s in zip(paths, shortened,
                                                                        strict=True)}


@contextmanager
def open_submissions(path: Path, expected_assignment: str | None) -> Iterator[list[Submission]]:
    """The submissions in a folder (recursively) or a zip file, sorted by name: notebooks, and
    students' otter export zips (notebook plus student files), mixed as they come. A zip
    given alone is one student's submission if otter's export cell made it, else a class's."""
    path = Path(path)
    if path.is_dir():
        files = sorted(str(p.relative_to(path)) for p in path.rglob("*")
                       if p.is_file() and p.suffix in (".ipynb", ".zip")
                       and (p.suffix == ".zip" or _is_notebook(str(p))))
        names = submission_names(files)
        found = [_read_any(names[f], (path / f).read_bytes(), expected_assignment)
                 for f in files]
        found += [_misnamed(str(p.relative_to(path)), p.read_bytes()) for p in path.rglob("*")
                  if p.is_file() and _misnamed_notebook(str(p.relative_to(path)))]
        yield sorted((s for s in found if s is not None), key=lambda s: s.name)
    elif zipfile.is_zipfile(path):
        with open_zip(path) as archive:
            if is_export_zip(archive):
                name = submission_names([path.name])[path.name]
                yield [_read_any(name, path.read_bytes(), expected_assignment)]
                return
            members = sorted(n for n in archive.namelist()
                             if _is_notebook(n) or (n.endswith(".zip") and "__MACOSX" not in n))
            names = submission_names(members)
            found = [_read_any(names[n], archive.read(n), expected_assignment)
                     for n in members]
            found += [_misnamed(n, archive.read(n)) for n in archive.namelist()
                      if _misnamed_notebook(n)]
            yield sorted((s for s in found if s is not None), key=lambda s: s.name)
    else:
        raise FileNotFoundError(f"{path} is neither a folder nor a zip file of submissions")


def _misnamed(name: str, data: bytes) -> Submission:
    suffix = PurePosixPath(name).name.split(".ipynb", 1)[1]
    return Submission(name, hashlib.sha256(data).hexdigest(), None,
                      f"a notebook renamed to end in {suffix!r}: not graded; rename it to "
                      "end in .ipynb (or ask the student to hand it in again) and grade again")


def not_the_assignment(submission: Submission, questions) -> str:
    """Why a notebook that scored nothing is plainly not this assignment's (a lesson handed
    in by mistake), or "": no otter metadata naming the assignment, and none of its
    questions' checks. Its score stays what otter gives it (nothing); only its status says
    to look."""
    if submission.assignment_name or not questions or submission.cells is None:
        return ""
    text = "\n".join(submission.cells)
    if any(f'"{q}"' in text or f"'{q}'" in text for q in questions):
        return ""
    return ("not this assignment's notebook, it seems: it scored nothing, names no assignment "
            "and checks none of its questions (a lesson handed in by mistake?)")


def first_hint(cases: list) -> list[str]:
    """The one message a student gets for a question: that of its first failed public test
    case (as ``grader.check`` shows it), else that of its first failed hidden case whose author
    wrote a message for graded feedback; none if nothing failed or nothing was written."""
    public = [c.hint for c in cases if not c.hidden and c.hint]
    hidden = [c.hint for c in cases if c.hidden and c.hint]
    return (public or hidden)[:1]


def _question_scores(results: dict[str, QuestionResult]) -> list[QuestionScore]:
    scores = []
    for result in results.values():
        public = [c for c in result.cases if not c.hidden]
        scores.append(QuestionScore(result.name, result.score, result.possible,
                                    sum(c.passed for c in public), len(public),
                                    first_hint(result.cases)))
    return scores


def _result(submission: Submission, tests: AutograderTests, execution: Execution | None,
            status: str = "", reason: str = "") -> SubmissionResult:
    scored = tests.zero()
    if execution is not None and execution.results is not None:
        try:
            scored = results_from_data(execution.results)
            if set(scored) != set(tests.questions):
                raise ValueError("the scorer's questions are not the assignment's")
        except (KeyError, TypeError, ValueError) as error:
            execution = Execution("error", f"scoring failed: {type(error).__name__}: {error}")
            scored = tests.zero()
    if execution is not None:
        status, reason = execution.status, execution.reason
        if status == "completed" and not any(r.score for r in scored.values()):
            why = not_the_assignment(submission, tests.questions)
            status, reason = ("invalid", why) if why else (status, reason)
    return SubmissionResult(
        submission=submission.name, sha256=submission.sha256, status=status, reason=reason,
        score=tests.reported_score(sum(r.score for r in scored.values())),
        possible=tests.total_possible,
        duration_s=execution.duration_s if execution else 0.0,
        peak_memory_mb=execution.peak_memory_mb if execution else 0.0,
        questions=_question_scores(scored), tests_sha256=tests.digest,
    )


def grade_submissions(
    tests: AutograderTests,
    submissions: list[Submission],
    gradebook: Gradebook,
    assignment: str,
    *,
    workers: int | None = None,
    limits: Limits | None = None,
    regrade: bool = False,
    on_result: Callable[[SubmissionResult, bool], None] = lambda result, cached: None,
    unsafe: bool = False,
    engine: Callable | None = None,
) -> list[SubmissionResult]:
    """Grade what is new or changed (everything with ``regrade``), recording each result.
    A result recorded with other tests (another version of the zip) counts as not graded.

    ``on_result(result, cached)`` is called once per submission, in completion order; cached
    results (already in the gradebook with the same hash) come first. Each submission runs
    contained (:mod:`autograder.containment`); where this machine cannot contain, grading
    stops with :class:`~autograder.containment.ContainmentUnavailable` unless ``unsafe``.

    ``engine`` runs the submissions: by default this machine's pool
    (:func:`autograder.pool.run_submissions`); :class:`autograder.cluster.DaskEngine` runs
    them on a Dask cluster. Either way this process alone writes the gradebook.
    """
    limits = limits or Limits()
    recorded = {} if regrade else gradebook.recorded(assignment)
    stored = {r.submission: r for r in gradebook.results(assignment)} if recorded else {}
    todo, done = [], []
    for submission in submissions:
        previous = recorded.get(submission.name)
        if previous and previous[0] == submission.sha256 and previous[1] not in RETRY_STATUSES \
                and previous[2] == tests.digest:  # same file, same tests: already graded
            done.append(stored[submission.name])
            on_result(stored[submission.name], True)
        else:
            todo.append(submission)
    for submission in [s for s in todo if s.cells is None]:
        result = _result(submission, tests, None, "invalid", submission.problem)
        gradebook.record(assignment, result)
        done.append(result)
        on_result(result, False)
    runnable = [s for s in todo if s.cells is not None]
    if not runnable:
        return done

    def jobs():
        for s in runnable:
            cells = seeded_cells(s.cells, tests.seed, tests.seed_variable)
            quiet = [True] * (len(cells) - len(s.cells)) + s.quiet  # otter's seeding cell
            yield s, s, cells, quiet

    def on_execution(submission: Submission, execution: Execution) -> None:
        result = _result(submission, tests, execution)
        gradebook.record(assignment, result)
        done.append(result)
        on_result(result, False)

    (engine or run_submissions)(jobs(), tests, limits, workers or os.cpu_count() or 1,
                                on_execution, unsafe=unsafe)
    return done


def zip_stem_name(path: Path) -> str:
    """An assignment's name from its zip's file name, without otter's ``-autograder`` suffix
    and build timestamp (``proj03-autograder_2026_12_01T06_05_11_123456.zip`` is ``proj03``),
    so that a rebuilt zip grades into the same gradebook entry."""
    return re.sub(rf"-autograder({OTTER_TIMESTAMP})?$", "", Path(path).stem)


@contextmanager
def autograder_zip_for(assignment: str, root: Path) -> Iterator[tuple[str, Path]]:
    """(name, zip path) for a project assignment name or the path of any otter zip."""
    candidate = Path(assignment)
    if candidate.suffix == ".zip":
        if not candidate.is_file():
            raise LookupError(f"No autograder zip at {candidate}: check the path (otter assign "
                              "writes it into its autograder/ folder).")
        yield zip_stem_name(candidate), candidate
        return
    from autograder.assignments import get_assignment
    from autograder.build import build_assignment

    found = get_assignment(assignment, root)
    out = make_temp_dir("build")
    try:
        yield found.name, build_assignment(found, out).autograder_zip
    finally:
        shutil.rmtree(out, ignore_errors=True)
