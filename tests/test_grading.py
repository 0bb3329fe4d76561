"""Batch grading: honest scores equal otter's, attacks gain nothing, failures are recorded,
nothing is left behind, and an interrupted run resumes without losing a grade."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest
from adversarial.attacks import ATTACKS, notebook_with
from conftest import ASSIGNMENTS
from otter_reference import otter_grades

from autograder.assignments import PROJECT_ROOT
from autograder.batch import grade_submissions, open_submissions
from autograder.gradebook import Gradebook, database_url
from autograder.sandbox import Limits
from autograder.scoring import AutograderTests
from autograder.selfcheck import load_wrong_answers
from autograder.tempfiles import PREFIX

ASSIGNMENT = ASSIGNMENTS[0].name
# Generous enough that an honest submission (about 5 s with otter's import) finishes on a busy
# 2-core machine; the hung attack still ends at this limit.
TIMEOUT_S = 20
LIMITS = Limits(timeout_s=TIMEOUT_S, memory_mb=1024)


@pytest.fixture(scope="module")
def setting(built_assignments, tmp_path_factory):
    """The built assignment, a folder of honest and adversarial submissions, and the tests."""
    assignment, output = built_assignments[ASSIGNMENT]
    folder = tmp_path_factory.mktemp("submissions")
    bases = {"blank": output.student_notebook, "solution": output.solution_notebook}
    honest = {"solution.ipynb": bases["solution"], "blank.ipynb": bases["blank"]}
    for name, path in honest.items():
        (folder / name).write_bytes(path.read_bytes())
    for index, wrong in enumerate(load_wrong_answers(assignment.wrong_answers)[::3]):
        honest[f"wrong-{index}.ipynb"] = folder / f"wrong-{index}.ipynb"
        (folder / f"wrong-{index}.ipynb").write_text(
            json.dumps(notebook_with(bases["solution"], wrong.code)))
    # Correct answers in other forms (an exact Decimal among them) must score what otter gives.
    accepted = (load_wrong_answers(assignment.accepted_answers)
                if assignment.accepted_answers.is_file() else [])
    for index, right in enumerate(a for i, a in enumerate(accepted)
                                  if i % 4 == 0 or "Decimal" in a.code):
        honest[f"accepted-{index}.ipynb"] = folder / f"accepted-{index}.ipynb"
        (folder / f"accepted-{index}.ipynb").write_text(
            json.dumps(notebook_with(bases["solution"], right.code)))
    (folder / "error-cell.ipynb").write_text(json.dumps(notebook_with(
        bases["solution"], "raise ValueError('a slip in the middle')", where="start")))
    honest["error-cell.ipynb"] = folder / "error-cell.ipynb"
    for attack in ATTACKS:
        code = attack.code.replace("{project_root}", str(PROJECT_ROOT))
        (folder / f"attack-{attack.name}.ipynb").write_text(
            json.dumps(notebook_with(bases[attack.base], code, attack.where)))
    (folder / "not-json.ipynb").write_text("{ this is not a notebook")
    (folder / "deeply-nested.ipynb").write_text("[" * 200_000)
    number_in_source = {"cells": [{"cell_type": "code", "source": ["x = 1\n", 2],
                                   "metadata": {}}], "metadata": {}}
    (folder / "number-in-source.ipynb").write_text(json.dumps(number_in_source))
    (folder / "empty.ipynb").write_text("")
    (folder / "oversized.ipynb").write_text('{"cells": [], "padding": "' + "x" * (51 * 2**20)
                                            + '"}')
    other = json.loads(bases["blank"].read_text())
    other["metadata"]["otter"]["assignment_name"] = "another-assignment"
    (folder / "other-assignment.ipynb").write_text(json.dumps(other))
    # Wrong uploads: a lesson handed in by mistake, a notebook an LMS renamed, a PDF.
    lesson = PROJECT_ROOT / "modules" / "01-data-analytics" / "01-loading-and-cleaning.ipynb"
    (folder / "lesson-by-mistake.ipynb").write_bytes(lesson.read_bytes())
    (folder / "renamed.ipynb.txt").write_bytes(bases["solution"].read_bytes())
    (folder / "report.pdf").write_bytes(b"%PDF-1.4 not a notebook")
    tests = AutograderTests(output.autograder_zip)
    yield {"assignment": assignment, "output": output, "folder": folder, "tests": tests,
           "honest": honest}
    tests.close()


@pytest.fixture(scope="module")
def graded(setting, tmp_path_factory):
    """The whole folder graded once, with the results by submission name."""
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    temporary_before = set(Path(tempfile.gettempdir()).glob(f"{PREFIX}*"))
    core_pattern = Path("/proc/sys/kernel/core_pattern").read_text()
    gradebook_path = tmp_path_factory.mktemp("gradebook") / "grades.db"
    gradebook = Gradebook(database_url(gradebook_path))
    start = time.monotonic()
    with open_submissions(setting["folder"], setting["tests"].assignment_name) as submissions:
        results = grade_submissions(setting["tests"], submissions, gradebook, ASSIGNMENT,
                                    workers=2, limits=LIMITS)
    elapsed = time.monotonic() - start
    gradebook.close()
    time.sleep(0.5)
    # multiprocessing's resource tracker lives as long as the test process; it is not ours.
    leftovers = [p for p in psutil.Process().children(recursive=True) if p.pid not in before
                 and "resource_tracker" not in " ".join(p.cmdline())]
    new_temporary = set(Path(tempfile.gettempdir()).glob(f"{PREFIX}*")) - temporary_before
    return {"results": {r.submission: r for r in results}, "gradebook": gradebook_path,
            "elapsed": elapsed, "leftovers": leftovers, "new_temporary": new_temporary,
            "core_pattern": (core_pattern, Path("/proc/sys/kernel/core_pattern").read_text())}


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _group_of(process: psutil.Process) -> int:
    try:
        return os.getpgid(process.pid)
    except OSError:
        return -1


def _folders_of_dead_processes() -> list[Path]:
    folders = []
    for folder in Path(tempfile.gettempdir()).glob("autograder-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not _running(int(pid)):
            folders.append(folder)
    return folders


def test_honest_submissions_score_what_otter_gives(setting, graded):
    otter = otter_grades(list(setting["honest"].values()), setting["output"].autograder_zip)
    for name, path in setting["honest"].items():
        ours = graded["results"][name]
        theirs = otter[path]
        assert ours.status == "completed", (name, ours.reason)
        assert {q.question: q.score for q in ours.questions} == {
            q: s.score for q, s in theirs.questions.items()}, name
        assert ours.possible == theirs.possible


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attacks_gain_nothing(attack, setting, graded):
    result = graded["results"][f"attack-{attack.name}.ipynb"]
    honest = graded["results"][f"{attack.base}.ipynb"]
    assert result.status == attack.status, result.reason
    expected = honest.score if attack.status in ("completed", "memory-limit") else 0
    assert result.score == expected, f"{attack.name}: {result.score} ({result.reason})"
    assert result.possible == honest.possible
    if attack.status != "completed":
        assert result.reason, "a failed run must say why"


@pytest.mark.parametrize(("name", "reason"), [
    ("not-json.ipynb", "not valid JSON"),
    ("deeply-nested.ipynb", "nested too deeply"),
    ("number-in-source.ipynb", "a cell's source is not text"),
    ("empty.ipynb", "not valid JSON"),
    ("oversized.ipynb", "larger than 50 MB"),
    ("other-assignment.ipynb", "for assignment 'another-assignment'"),
    ("lesson-by-mistake.ipynb", "not this assignment's notebook"),
    ("renamed.ipynb.txt", "renamed to end in '.txt'"),
])
def test_malformed_submissions_are_recorded_with_a_reason(name, reason, setting, graded):
    result = graded["results"][name]
    assert result.status == "invalid"
    assert reason in result.reason
    assert result.score == 0 and result.possible == setting["tests"].total_possible


def test_gradebook_holds_every_submission_with_its_questions(setting, graded):
    db = sqlite3.connect(graded["gradebook"])
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    rows = dict(db.execute("select submission, score from results"))
    assert set(rows) == {p.name for p in setting["folder"].glob("*.ipynb")} | {
        "renamed.ipynb.txt"}
    assert "report.pdf" not in rows
    assert rows["solution.ipynb"] == setting["tests"].total_possible
    assert rows["attack-write-to-the-gradebook.ipynb"] == 0
    counts = db.execute("select count(*) from question_scores group by submission").fetchall()
    assert {c for (c,) in counts} == {len(setting["tests"].questions)}


def test_nothing_is_left_behind(graded):
    assert not graded["leftovers"], graded["leftovers"]
    assert not graded["new_temporary"]
    # What the attacks tried to write outside their sandbox is nowhere on this machine, and
    # the kernel's settings are as they were.
    before, after = graded["core_pattern"]
    assert before == after, (before, after)
    for path in (PROJECT_ROOT / "LIFTED", PROJECT_ROOT / "CORE", Path("/LIFTED"),
                 Path("/work/LIFTED"),
                 Path("/root/LIFTED"), Path("/dev/shm/LIFTED"),
                 Path("/dev/shm/autograder-attack-shm")):
        assert not path.exists(), path
    stray = [p for p in psutil.process_iter(["cmdline"])
             if "time.sleep(600)" in " ".join(p.info["cmdline"] or [])]
    assert not stray


def test_sandbox_sees_only_what_grading_needs(setting, graded):
    """Allow-list containment: the repository's sources, the tests, the gradebook and the
    other submissions are not there at all; the process sees only its own processes."""
    from autograder.containment import diagnose
    from autograder.pool import execute
    from autograder.proxies import decode_namespace

    if not diagnose().contained:
        pytest.skip(f"this machine cannot contain submissions: {diagnose().problem}")
    zip_path, folder, gradebook = (setting["output"].autograder_zip, setting["folder"],
                                   graded["gradebook"])
    source = PROJECT_ROOT / "modules" / "01-data-analytics" / "assignment" / "source"
    probe = f"""
import os, signal
def exists(path):
    return os.path.exists(path)
repository = sorted(os.listdir({str(PROJECT_ROOT)!r}))
hidden = {{name: exists(path) for name, path in {{
    "zip": {str(zip_path)!r}, "submissions": {str(folder)!r}, "gradebook": {str(gradebook)!r},
    "source": {str(source)!r}, "build": {str(PROJECT_ROOT / "build")!r}}}.items()}}
processes = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
parent = os.getppid()
import learner_tools
rows = len(learner_tools.load_service_inventory())
try:
    os.kill(1, 0)
    signal_outside = "reached"
except OSError as error:
    signal_outside = type(error).__name__
"""
    assert zip_path.stat().st_size > 0 and len(os.listdir(folder)) > 10
    execution = execute([probe], LIMITS)
    assert execution.status == "completed", execution.reason
    seen = decode_namespace(execution.payload)
    assert not any(seen["hidden"].values()), seen["hidden"]
    allowed = {"autograder", "learner_tools", "datasets", ".venv"}
    assert set(seen["repository"]) <= allowed, seen["repository"]
    assert seen["rows"] > 0  # the course's data is there
    assert seen["processes"] == [1, 2] and seen["parent"] == 1, seen  # alone in its namespace


def test_interrupted_run_resumes_without_losing_a_grade(setting, graded, tmp_path):
    gradebook = tmp_path / "resume.db"
    # Sixteen of the class's submissions, none that runs to its time limit: enough for a run
    # killed after eight results to leave work for the rerun, in a minute, not four.
    folder = tmp_path / "class"
    folder.mkdir()
    quick = sorted(setting["honest"])[:12] + ["not-json.ipynb", "empty.ipynb",
                                             "number-in-source.ipynb", "other-assignment.ipynb"]
    for name in quick:
        (folder / name).write_bytes((setting["folder"] / name).read_bytes())
    expected = {name: graded["results"][name].score for name in quick}

    def command(assignment):
        return [sys.executable, "-m", "autograder", "grade", assignment, str(folder),
                "--gradebook", str(gradebook), "--json", "--quiet", "--workers", "2",
                "--timeout", str(TIMEOUT_S)]

    # First by name (the project's assignment, built on the fly), then by the zip's path.
    run = subprocess.Popen(command(ASSIGNMENT), stdout=subprocess.PIPE, text=True,
                           start_new_session=True)
    first_lines = [run.stdout.readline() for _ in range(8)]
    group = [p for p in psutil.process_iter() if _group_of(p) == run.pid]
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    psutil.wait_procs(group, timeout=15)  # as when an instructor starts again later
    assert all(json.loads(line)["submission"] for line in first_lines)
    db = sqlite3.connect(gradebook)
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    recorded_before = dict(db.execute("select submission, score from results"))
    db.close()
    assert 8 <= len(recorded_before) < len(quick), "kill came too late to test"

    rerun = subprocess.run(command(str(setting["output"].autograder_zip)), capture_output=True,
                           text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    lines = [json.loads(line) for line in rerun.stdout.splitlines()]
    assert len(lines) == len(quick)
    cached = {line["submission"] for line in lines if line["from_gradebook"]}
    assert cached == set(recorded_before), "what was recorded must not be graded again"
    db = sqlite3.connect(gradebook)
    final = dict(db.execute("select submission, score from results"))
    assert final == expected
    for name, score in recorded_before.items():
        assert final[name] == score
    # The killed run's temporary folders (named after dead processes) are gone after the rerun.
    assert not _folders_of_dead_processes()


def test_changed_submission_is_regraded_and_regrade_is_explicit(setting, tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    blank = setting["output"].student_notebook
    (folder / "student.ipynb").write_bytes(blank.read_bytes())
    gradebook_path = tmp_path / "g.db"
    tests = setting["tests"]

    def run(**options):
        gradebook = Gradebook(database_url(gradebook_path))
        seen = []
        with open_submissions(folder, tests.assignment_name) as submissions:
            grade_submissions(tests, submissions, gradebook, ASSIGNMENT, workers=1,
                              limits=LIMITS, on_result=lambda r, c: seen.append((r, c)),
                              **options)
        gradebook.close()
        return seen

    first = run()
    assert [(r.score, cached) for r, cached in first] == [(0, False)]
    assert [cached for _, cached in run()] == [True]
    (folder / "student.ipynb").write_bytes(setting["output"].solution_notebook.read_bytes())
    changed = run()
    assert [(r.score, cached) for r, cached in changed] == [(tests.total_possible, False)]
    assert [cached for _, cached in run(regrade=True)] == [False]


def test_database_url_option_and_json_lines(setting, tmp_path):
    folder = tmp_path / "two"
    folder.mkdir()
    (folder / "a.ipynb").write_bytes(setting["output"].solution_notebook.read_bytes())
    (folder / "b.ipynb").write_text("not a notebook")
    (folder / "essay.docx").write_bytes(b"PK not a notebook")
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(setting["output"].autograder_zip),
         str(folder), "--db-url", url, "--json"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = {line["submission"]: line for line in map(json.loads, result.stdout.splitlines())}
    assert set(lines) == {"a.ipynb", "b.ipynb"}
    full = setting["tests"].total_possible
    assert (lines["a.ipynb"]["status"], lines["a.ipynb"]["score"]) == ("completed", full)
    assert (lines["b.ipynb"]["status"], lines["b.ipynb"]["possible"]) == ("invalid", full)
    assert "summary" not in result.stdout and "a.ipynb" in result.stderr  # table on stderr
    assert "1 file(s) are not notebooks and were not graded: essay.docx" in result.stderr


def test_wrong_uploads_are_listed_never_silently_skipped(setting, tmp_path):
    """A class zip as an LMS downloads it: a renamed notebook is an invalid submission with
    a reason; a PDF is listed as not graded; what operating systems leave is ignored."""
    import zipfile

    from autograder.batch import not_graded

    class_zip = tmp_path / "class.zip"
    solution = setting["output"].solution_notebook.read_bytes()
    with zipfile.ZipFile(class_zip, "w") as archive:
        archive.writestr("ana/hw.ipynb", solution)
        archive.writestr("béa/hw.ipynb.txt", solution)
        archive.writestr("béa/notes.pdf", b"%PDF-1.4")
        archive.writestr("__MACOSX/ana/._hw.ipynb", b"\0")
        archive.writestr("ana/.DS_Store", b"\0")
    with open_submissions(class_zip, setting["tests"].assignment_name) as submissions:
        found = {s.name: s for s in submissions}
    assert set(found) == {"ana/hw.ipynb", "béa/hw.ipynb.txt"}
    assert found["béa/hw.ipynb.txt"].cells is None
    assert "renamed to end in '.txt'" in found["béa/hw.ipynb.txt"].problem
    assert not_graded(class_zip) == ["béa/notes.pdf"]


def test_otters_reference_grade_is_asked_again_only_when_its_kernel_never_started(
        monkeypatch, tmp_path):
    """A kernel too slow to start, or dead before its first reply, gives no grade: otter is
    asked once more. Any other error is raised as it is, never retried into a grade."""
    from types import SimpleNamespace

    import otter.api

    from autograder.grading import grade_notebook

    calls = []
    for failure in ("Kernel didn't respond in 60 seconds",
                    "Kernel died before replying to kernel_info"):
        def flaky(notebook, autograder_zip, quiet, failure=failure):
            calls.append(notebook)
            if len(calls) % 2 == 1:
                raise RuntimeError(failure)
            return SimpleNamespace(results={"q1": SimpleNamespace(score=1, possible=1)})

        monkeypatch.setattr(otter.api, "grade_submission", flaky)
        grade = grade_notebook(tmp_path / "a.ipynb", tmp_path / "a.zip")
        assert len(calls) % 2 == 0 and grade.questions["q1"].score == 1.0
    calls.clear()

    def broken(notebook, autograder_zip, quiet):
        calls.append(notebook)
        raise RuntimeError("the notebook could not be read")

    monkeypatch.setattr(otter.api, "grade_submission", broken)
    with pytest.raises(RuntimeError, match="could not be read"):
        grade_notebook(tmp_path / "a.ipynb", tmp_path / "a.zip")
    assert len(calls) == 1


# On a Dask cluster: two worker processes on this machine, as a Dask Gateway, Slurm or
# Kubernetes cluster would give them, each keeping the same contained grader warm.

@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    import logging

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR) as local, \
            distributed.Client(local) as client:
        yield client


def _on_cluster(client, tests, folder, gradebook_path, **options):
    from autograder.cluster import DaskEngine

    with Gradebook(database_url(gradebook_path)) as gradebook, \
            open_submissions(folder, tests.assignment_name) as submissions:
        return grade_submissions(tests, submissions, gradebook, ASSIGNMENT, limits=LIMITS,
                                 engine=DaskEngine(client), **options)


def test_a_dask_cluster_gives_exactly_the_scores_of_local_grading(setting, graded, cluster,
                                                                   tmp_path):
    results = {r.submission: r for r in _on_cluster(cluster, setting["tests"],
                                                    setting["folder"], tmp_path / "g.db")}
    local = graded["results"]
    assert set(results) == set(local)
    for name, ours in results.items():
        theirs = local[name]
        assert (ours.status, ours.score, ours.possible) == (
            theirs.status, theirs.score, theirs.possible), (name, ours.reason, theirs.reason)
        assert [(q.question, q.score, q.hints) for q in ours.questions] == [
            (q.question, q.score, q.hints) for q in theirs.questions], name
        if ours.status != "timeout":  # a reason may name a duration
            assert ours.reason == theirs.reason, name
    # Containment held on the workers: the attacks gained nothing there either.
    for attack in ATTACKS:
        assert results[f"attack-{attack.name}.ipynb"].status == attack.status, attack.name


def _small_class(setting, folder: Path) -> list[str]:
    folder.mkdir()
    names = sorted(setting["honest"])[:7]
    for name in names:
        (folder / name).write_bytes((setting["folder"] / name).read_bytes())
    return names


def test_a_worker_killed_mid_run_loses_nothing(setting, graded, cluster, tmp_path):
    names = _small_class(setting, tmp_path / "class")
    pids = cluster.run(os.getpid)
    killed = []
    seen: list[tuple[str, bool]] = []

    def on_result(result, cached):
        seen.append((result.submission, cached))
        if not killed:  # a worker that holds a submission now is killed outright
            busy = [address for address, keys in cluster.processing().items() if keys]
            if busy:
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(busy[0])

    from autograder.cluster import grade_on  # the Python route, as from a Dask Gateway

    results = grade_on(cluster, setting["output"].autograder_zip, tmp_path / "class",
                       str(tmp_path / "g.db"), limits=LIMITS, on_result=on_result)
    assert killed, "no worker was busy when the first result came: nothing was tested"
    assert sorted(name for name, _ in seen) == names  # each recorded once
    assert {r.submission: r.score for r in results} == {
        name: graded["results"][name].score for name in names}
    assert all(r.status == "completed" for r in results), [r.reason for r in results]
    db = sqlite3.connect(tmp_path / "g.db")
    assert db.execute("select count(*) from results").fetchone()[0] == len(names)
    db.close()
    cluster.wait_for_workers(2, timeout=60)  # the nanny started a new one


def test_an_interrupted_cluster_run_resumes_without_regrading(setting, graded, cluster,
                                                              tmp_path):
    names = _small_class(setting, tmp_path / "class")

    def stop_after_two(result, cached):
        if len(first) == 2:
            raise KeyboardInterrupt
        first.append(result.submission)

    first: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        _on_cluster(cluster, setting["tests"], tmp_path / "class", tmp_path / "g.db",
                    on_result=stop_after_two)
    with Gradebook(database_url(tmp_path / "g.db")) as gradebook:
        recorded = set(gradebook.recorded(ASSIGNMENT))
    assert set(first) <= recorded and len(recorded) < len(names)
    again: list[tuple[str, bool]] = []
    results = _on_cluster(cluster, setting["tests"], tmp_path / "class", tmp_path / "g.db",
                          on_result=lambda result, cached: again.append(
                              (result.submission, cached)))
    assert {name for name, cached in again if cached} == recorded
    assert sorted(name for name, _ in again) == names
    assert {r.submission: r.score for r in results} == {
        name: graded["results"][name].score for name in names}


def test_the_command_line_grades_on_a_scheduler_address(setting, graded, cluster, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("solution.ipynb", "blank.ipynb", "wrong-0.ipynb"):
        (folder / name).write_bytes((setting["folder"] / name).read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(setting["output"].autograder_zip),
         str(folder), "--gradebook", str(tmp_path / "g.db"), "--json", "--quiet",
         "--timeout", str(TIMEOUT_S), "--scheduler", cluster.scheduler.address],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    scores = {json.loads(line)["submission"]: json.loads(line)["score"]
              for line in done.stdout.splitlines()}
    assert scores == {name: graded["results"][name].score for name in scores}
    assert len(scores) == 3
    doctor = subprocess.run([sys.executable, "-m", "autograder", "doctor", "--scheduler",
                             cluster.scheduler.address], capture_output=True, text=True,
                            timeout=120)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert doctor.stdout.count("each submission contained") == 2  # one report per worker


def test_a_cluster_whose_workers_cannot_contain_is_refused(setting, tmp_path):
    """Containment is checked on every worker before anything is sent: here the workers'
    PATH holds no bubblewrap, as on a node where it is not installed."""
    distributed = pytest.importorskip("distributed")
    import logging

    from autograder.containment import ContainmentUnavailable

    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "solution.ipynb").write_bytes((setting["folder"] / "solution.ipynb").read_bytes())
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR,
                                  env={"PATH": str(tmp_path / "no-tools-here")}) as local, \
            distributed.Client(local) as client:
        with pytest.raises(ContainmentUnavailable, match="1 of the cluster's 1 workers"):
            _on_cluster(client, setting["tests"], folder, tmp_path / "g.db")
        doctor = subprocess.run([sys.executable, "-m", "autograder", "doctor", "--scheduler",
                                 local.scheduler_address], capture_output=True, text=True,
                                timeout=120)
        assert doctor.returncode == 1 and "1 of 1 workers cannot contain" in doctor.stdout
        with Gradebook(database_url(tmp_path / "g.db")) as gradebook:
            assert gradebook.results(ASSIGNMENT) == []  # nothing was sent, nothing recorded
        # Told --unsafe, it grades (each submission still in a process of its own).
        results = _on_cluster(client, setting["tests"], folder, tmp_path / "g.db", unsafe=True)
        assert results[0].score == setting["tests"].total_possible
