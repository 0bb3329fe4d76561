"""The ``autograder`` command (also ``python -m autograder``).

    autograder list                      the assignments in modules/
    autograder build [NAME ...]          build, and publish the student notebooks
    autograder build --check [NAME ...]  build, and fail if a published notebook is stale
    autograder selfcheck [NAME ...]      solution full marks, blank zero, wrong answers rejected
    autograder grade ASSIGNMENT SUBMISSIONS [--gradebook FILE | --db-url URL] [--json]
                                         [--scheduler ADDRESS]
                                         grade a folder or zip of notebooks, in parallel
                                         (on a Dask cluster, with --scheduler)
    autograder review NAME SUBMISSIONS --out review.csv [--gradebook FILE | --db-url URL]
                                         collect free-response answers for marking
                                         (NAME, here and below: a project assignment or
                                         the path of any otter zip)
    autograder mark NAME SUBMISSIONS [--share K/N] [--by NAME]
                                         mark free responses on a local page, by rubric
    autograder review-import NAME review.csv [--gradebook FILE | --db-url URL]
                                         record the free-response scores entered there
    autograder export NAME --format canvas|brightspace|moodle --out FILE [--roster CSV]
                                         [--unmarked refuse|blank|partial] [--column NAME]
    autograder feedback NAME --out FOLDER [--roster CSV]
                                         one report per student: scores, passed tests, hints
    autograder adjust NAME WHO --points P --reason WHY
    autograder extend NAME WHO --until WHEN --reason WHY
    autograder withdraw NAME SUBMISSION --reason WHY
    autograder late-policy NAME --due WHEN --percent P [--once]
    autograder history NAME [WHO]        every change after grading: who, what, when, why
    autograder report NAME [--roster CSV] [--questions FILE] [--submissions DOWNLOAD]
                                         where the class stands; each question's scores
    autograder similarity NAME SUBMISSIONS
                                         answers (nearly) the same across the class
    autograder hub-links --hub URL --repository URL [--format markdown|csv]
                                         an nbgitpuller link for each notebook learners open
    autograder nbgrader [NAME ...] --out COURSE
                                         export assignments as an nbgrader course
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from autograder.assignments import PROJECT_ROOT, find_assignments, get_assignment
from autograder.build import (
    BuildError,
    build_assignment,
    publish_student_notebook,
    student_notebook_is_current,
)
from autograder.class_commands import (
    cmd_adjust,
    cmd_export,
    cmd_extend,
    cmd_feedback,
    cmd_history,
    cmd_late_policy,
    cmd_mark,
    cmd_report,
    cmd_review,
    cmd_review_import,
    cmd_similarity,
    cmd_withdraw,
)
from autograder.containment import ContainmentUnavailable
from autograder.gradebook import GradebookTampered
from autograder.sandbox import Limits
from autograder.selfcheck import selfcheck


def _selected(names: list[str], root: Path):
    return [get_assignment(n, root) for n in names] if names else find_assignments(root)


def _cmd_list(args: argparse.Namespace) -> int:
    for assignment in find_assignments(args.root):
        print(f"{assignment.name}\t{assignment.module}\t{assignment.source.relative_to(args.root)}")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    status = 0
    for assignment in _selected(args.names, args.root):
        out_dir = args.out / assignment.name
        output = build_assignment(assignment, out_dir)
        print(f"{assignment.name}: built; the solution passes every test.")
        print(f"  autograder zip (Gradescope or `otter run`): {output.autograder_zip}")
        if args.check:
            if student_notebook_is_current(assignment, output):
                print(f"  student notebook is current: {assignment.student_notebook}")
            else:
                print(f"  STALE student notebook: {assignment.student_notebook}; "
                      f"run `autograder build {assignment.name}`", file=sys.stderr)
                status = 1
        else:
            print(f"  student notebook: {publish_student_notebook(assignment, output)}")
    return status


def _cmd_selfcheck(args: argparse.Namespace) -> int:
    status = 0
    for assignment in _selected(args.names, args.root):
        with tempfile.TemporaryDirectory(prefix=f"selfcheck-{assignment.name}-") as tmp:
            output = build_assignment(assignment, Path(tmp) / "build")
            results = selfcheck(assignment, output, Path(tmp) / "graded", workers=args.workers)
        print(f"{assignment.name}:")
        for result in results:
            mark = "ok  " if result.passed else "FAIL"
            print(f"  {mark} {result.label} ({result.detail})")
            status |= 0 if result.passed else 1
    return status


def _cmd_grade(args: argparse.Namespace) -> int:
    import json

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from autograder.batch import (
        autograder_zip_for,
        grade_submissions,
        not_graded,
        open_submissions,
    )
    from autograder.gradebook import Gradebook, database_url, shown_url
    from autograder.scoring import AutograderTests

    if args.scheduler:
        try:
            from autograder.cluster import DaskEngine
        except ImportError as error:
            raise LookupError("--scheduler needs Dask: pip install 'dask[distributed]' (the "
                              f"instructor's requirements pin it) ({error})") from error
    err = Console(stderr=True)
    report = err if args.json else Console()
    url = args.db_url or database_url(args.gradebook)
    with autograder_zip_for(args.assignment, args.root) as (name, zip_path):
        tests = AutograderTests(zip_path)
        assignment = tests.assignment_name or name
        gradebook = Gradebook(url)
        try:
            with open_submissions(args.submissions, tests.assignment_name) as submissions:
                if not submissions:
                    raise LookupError(f"{args.submissions} holds no notebook (.ipynb) and no "
                                      "otter submission zip to grade")
                if args.only:  # one student's regrade, without regrading the class
                    submissions = _only(submissions, args.only)
                progress = Progress("[progress.description]{task.description}", BarColumn(),
                                    MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                                    disable=args.quiet)
                task = progress.add_task(f"grading {assignment}", total=len(submissions))

                def on_result(result, cached):
                    progress.advance(task)
                    if args.json:
                        line = result.to_json() | {"from_gradebook": cached}
                        print(json.dumps(line), flush=True)

                with progress:
                    results = grade_submissions(
                        tests, submissions, gradebook, assignment, workers=args.workers,
                        limits=Limits(args.timeout, args.memory_mb,
                                      cell_timeout_s=min(args.cell_timeout, args.timeout)),
                        regrade=args.regrade or bool(args.only),
                        on_result=on_result, unsafe=args.unsafe,
                        engine=DaskEngine(args.scheduler) if args.scheduler else None)
        finally:
            tests.close()
            gradebook.close()
    if not args.quiet:
        report.print(results_table(results, f"{assignment}: {len(results)} submissions, "
                                            f"gradebook {shown_url(url)}"))
    others = not_graded(args.submissions)
    if others:  # a PDF or a Word file handed in instead of the notebook is never silent
        shown = ", ".join(others[:20]) + (f" and {len(others) - 20} more" if len(others) > 20
                                          else "")
        err.print(f"{len(others)} file(s) are not notebooks and were not graded: {shown}",
                  markup=False, highlight=False)
    return 0


def results_table(results, title: str):
    """The class's results as a table: every name and reason whole, wrapped to the terminal
    (never cut: a reason is what the instructor acts on)."""
    from rich.table import Table

    table = Table(title=title)
    for column in ("submission", "status", "score", "reason"):
        table.add_column(column, overflow="fold", no_wrap=column in ("status", "score"))
    for result in sorted(results, key=lambda r: r.submission):
        table.add_row(result.submission, result.status,
                      f"{result.score:g} / {result.possible:g}", result.reason)
    return table


def _only(submissions: list, wanted: list[str]) -> list:
    """The submissions named by ``--only`` (a path, or a student's name as the download has it)."""
    from autograder.adjustments import find_submission
    from autograder.roster import match_class

    match = match_class([s.name for s in submissions], None)
    chosen = {find_submission(who, match) for who in wanted}
    return [s for s in submissions if s.name in chosen]


def _cmd_doctor(args: argparse.Namespace) -> int:
    from autograder.containment import diagnose

    if args.scheduler:
        from autograder.cluster import doctor_on_workers

        reports = doctor_on_workers(args.scheduler)
        for worker, (_contained, lines) in sorted(reports.items()):
            print(f"{worker}:")
            for line in lines:
                print(f"  {line}")
        refused = sum(not contained for contained, _lines in reports.values())
        if refused:
            print(f"{refused} of {len(reports)} workers cannot contain submissions: "
                  "`autograder grade --scheduler` refuses this cluster unless given --unsafe.")
        return 1 if refused or not reports else 0
    diagnosis = diagnose()
    for line in diagnosis.lines():
        print(line)
    if not diagnosis.contained:
        print("`autograder grade` refuses to run here unless given --unsafe.")
    return 0 if diagnosis.contained else 1


def _cmd_hub_links(args: argparse.Namespace) -> int:
    import csv

    from autograder.hub_links import links_table

    rows = links_table(args.root, args.hub, args.repository, branch=args.branch,
                       interface=args.interface)
    if args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["notebook", "link"])
        writer.writerows(rows)
    else:
        print("| Notebook | Link |\n|---|---|")
        for notebook, link in rows:
            print(f"| `{notebook}` | [open on the hub]({link}) |")
    return 0


def _cmd_nbgrader(args: argparse.Namespace) -> int:
    from autograder.nbgrader_export import export_course

    for assignment in _selected(args.names, args.root):
        path = export_course(assignment.source, args.out, args.course, args.root)
        print(f"{assignment.name}: {path} (with learner_tools/ and datasets/ beside it)")
    print(f"then, in {args.out}: nbgrader generate_assignment NAME; when the notebooks are in: "
          "autograder nbgrader-collect NAME SUBMISSIONS --course "
          f"{args.out} (for the book's Otter notebooks); nbgrader autograde NAME")
    return 0


def _cmd_nbgrader_collect(args: argparse.Namespace) -> int:
    """Submissions (an LMS download, or any folder or zip) into nbgrader's submitted/ folder,
    converted from the book's Otter format."""
    from autograder.batch import open_submissions
    from autograder.nbgrader_submissions import Collected, collect, student_id
    from autograder.roster import load_roster, match_class

    with open_submissions(args.submissions, args.name) as submissions:
        match = match_class([s.name for s in submissions], load_roster(args.roster))
        if match.problems():
            for line in match.problems():
                print(f"  {line}", file=sys.stderr)
            raise ValueError("nothing was collected: every submission needs one student")
        chosen, unreadable = [], []
        for s in submissions:
            if s.name not in match.students:
                continue  # superseded by a later submission
            student = match.students[s.name]
            origin = match.origins[s.name]
            sid = student_id(student.username.lstrip("#") or student.student_id or origin.key)
            if s.cells is None:  # not a notebook, or another assignment's
                unreadable.append(Collected(s.name, sid, None, f"not collected: {s.problem}"))
                continue
            chosen.append((s.name, sid, s.notebook_text,
                           origin.submitted_at or student.submitted_at))
        done = collect(args.course, args.name, chosen) + unreadable
    refused = [d for d in done if d.path is None]
    print(f"collected {len(done) - len(refused)} of {len(done)} submissions into "
          f"{args.course / 'submitted'}; now run `nbgrader autograde {args.name} --create`")
    for item in refused:
        print(f"  {item.submission}: {item.problem}", file=sys.stderr)
    return 1 if refused else 0


def _add_class_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--roster", type=Path, help="the class list: the LMS's grade export "
                        "(Canvas, Brightspace) or grading worksheet (Moodle), or a CSV with "
                        "submission,name,username,email,student_id (default: the download's "
                        "names say who each student is)")
    parser.add_argument("--unmarked", choices=["refuse", "blank", "partial"], default="refuse",
                        help="when free responses are not all marked: refuse (the default), "
                        "leave those students' grades out (blank), or send what is marked so "
                        "far (partial)")


def _add_change_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason", required=True, help="why: kept with the change, and shown "
                        "to the student in their feedback")
    parser.add_argument("--by", default="", help="who makes the change (default: your login "
                        "name)")
    parser.add_argument("--roster", type=Path, help="the class list, to name the student as "
                        "it does")
    _add_gradebook_options(parser)


def _add_gradebook_options(parser: argparse.ArgumentParser, purpose: str = "") -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--gradebook", type=Path, default=Path("gradebook.db"),
                       help=f"SQLite gradebook file (default: gradebook.db){purpose}")
    where.add_argument("--db-url", help=f"a SQLAlchemy database URL, for a shared server{purpose}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT,
                        help="the curriculum repository (default: this installation's)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the assignments").set_defaults(func=_cmd_list)
    build = sub.add_parser("build", help="build assignments with Otter Assign")
    build.add_argument("names", nargs="*", help="assignment names (default: all)")
    build.add_argument("--out", type=Path, default=PROJECT_ROOT / "build" / "assignments",
                       help="where to write the build (default: build/assignments)")
    build.add_argument("--check", action="store_true",
                       help="do not publish; fail if a published student notebook is stale")
    build.set_defaults(func=_cmd_build)
    check = sub.add_parser("selfcheck", help="prove the tests grade honestly")
    check.add_argument("names", nargs="*", help="assignment names (default: all)")
    check.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    check.set_defaults(func=_cmd_selfcheck)
    grade = sub.add_parser("grade", help="grade a folder or zip of submissions")
    grade.add_argument("assignment", help="an assignment's name, or the path of an otter "
                       "autograder zip")
    grade.add_argument("submissions", type=Path, help="a folder or zip of submissions: "
                       "notebooks, students' otter export zips, or both")
    _add_gradebook_options(grade)
    grade.add_argument("--json", action="store_true",
                       help="print one JSON object per submission, one per line")
    grade.add_argument("--workers", type=int, default=None,
                       help="parallel workers (default: the number of cores); on a cluster "
                            "(--scheduler), each Dask worker thread grades one at a time")
    grade.add_argument("--timeout", type=float, default=Limits.timeout_s,
                       help="seconds one notebook may run, all its cells together "
                       f"(default: {Limits.timeout_s:g})")
    grade.add_argument("--cell-timeout", type=float, default=Limits.cell_timeout_s,
                       help="seconds one cell may run; past it the cell is stopped, counts as "
                       f"a cell that raised, and the rest run (default: {Limits.cell_timeout_s:g})")
    grade.add_argument("--memory-mb", type=int, default=Limits.memory_mb,
                       help="memory one submission may use, in MB (default: "
                       f"{Limits.memory_mb})")
    grade.add_argument("--unsafe", action="store_true",
                       help="grade even where this machine cannot contain the submissions' "
                       "code (see `autograder doctor`): only for submissions you trust")
    grade.add_argument("--regrade", action="store_true",
                       help="grade every submission again, even those already recorded")
    grade.add_argument("--only", action="append", default=[], metavar="WHO",
                       help="grade only this submission again (its path, or the student's name "
                       "as the download gives it); may be repeated")
    grade.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on a Dask cluster: its scheduler's address (tcp://host:8786, "
                            "or a Dask Gateway cluster's); each worker runs the same contained "
                            "grader, and this process alone writes the gradebook")
    grade.set_defaults(func=_cmd_grade)
    review = sub.add_parser("review", help="collect free-response answers for marking")
    review.add_argument("name", help="an assignment of this project, or an otter zip's path")
    review.add_argument("submissions", type=Path, help="a folder or zip of submissions")
    review.add_argument("--out", type=Path, default=Path("review.csv"))
    review.add_argument("--question", action="append", default=[], metavar="NAME=POINTS",
                        help="with an otter zip: each free-response question, in order")
    _add_gradebook_options(review, purpose="; the printed review-import command records the "
                           "scores there")
    review.set_defaults(func=cmd_review)
    mark = sub.add_parser("mark", help="mark free responses on a local web page, criterion by "
                          "criterion")
    mark.add_argument("name", help="an assignment of this project, or an otter zip's path")
    mark.add_argument("submissions", type=Path, help="a folder or zip of submissions")
    mark.add_argument("--question", action="append", default=[], metavar="NAME=POINTS",
                      help="with an otter zip: each free-response question, in order")
    mark.add_argument("--by", default="", help="who is marking (default: your login name)")
    mark.add_argument("--share", help="split the marking: 2/3 is the second of three markers' "
                      "share (the same sheets on any machine)")
    mark.add_argument("--show-names", action="store_true",
                      help="show students' names (default: anonymous sheets)")
    mark.add_argument("--roster", type=Path, help="the class list, for the names shown")
    mark.add_argument("--port", type=int, default=0, help="the port (default: any free one)")
    _add_gradebook_options(mark)
    mark.set_defaults(func=cmd_mark)
    imported = sub.add_parser("review-import", help="record the scores entered in a review file")
    imported.add_argument("name", help="an assignment of this project, or an otter zip's "
                          "path (its questions are then those of the review file)")
    imported.add_argument("review", type=Path, help="the review CSV with scores filled in")
    imported.add_argument("--by", default="", help="who marked them (default: your login name)")
    _add_gradebook_options(imported)
    imported.set_defaults(func=cmd_review_import)
    export = sub.add_parser("export", help="grades as a CSV for an LMS import")
    export.add_argument("name", help="the assignment's name in the gradebook, or its otter "
                        "zip's path")
    export.add_argument("--format", required=True, choices=["canvas", "brightspace", "moodle"])
    export.add_argument("--out", type=Path, required=True)
    _add_class_options(export)
    export.add_argument("--column", help="the LMS column (Canvas) or grade item (Brightspace, "
                        "Moodle's gradebook) to import into (default: the class list's column "
                        "for this assignment, else one named after it)")
    _add_gradebook_options(export)
    export.set_defaults(func=cmd_export)
    feedback = sub.add_parser("feedback", help="one feedback file per submission")
    feedback.add_argument("name", help="the assignment's name in the gradebook, or its otter "
                          "zip's path")
    feedback.add_argument("--out", type=Path, required=True, help="folder for the files")
    _add_class_options(feedback)
    _add_gradebook_options(feedback)
    feedback.set_defaults(func=cmd_feedback)
    adjust = sub.add_parser("adjust", help="add or take away points, with a reason (a "
                            "regrade request, a correction)")
    adjust.add_argument("name", help="the assignment's name, or its otter zip's path")
    adjust.add_argument("who", help="the submission's path as graded, or the student's name, "
                        "username or ID")
    adjust.add_argument("--points", type=float, required=True,
                        help="points to add (negative to take away)")
    _add_change_options(adjust)
    adjust.set_defaults(func=cmd_adjust)
    extend = sub.add_parser("extend", help="give one student a later due date")
    extend.add_argument("name", help="the assignment's name, or its otter zip's path")
    extend.add_argument("who", help="the submission's path, or the student's name or ID")
    extend.add_argument("--until", required=True, help="the new due date and time, such as "
                        "'2026-12-08 23:59'")
    _add_change_options(extend)
    extend.set_defaults(func=cmd_extend)
    withdraw = sub.add_parser("withdraw", help="leave one recorded submission out (removed "
                              "from the download, or a second upload), with a reason")
    withdraw.add_argument("name", help="the assignment's name, or its otter zip's path")
    withdraw.add_argument("submission", help="the submission's path, as graded")
    withdraw.add_argument("--reason", required=True, help="why: kept with the change")
    withdraw.add_argument("--by", default="", help="who (default: your login name)")
    _add_gradebook_options(withdraw)
    withdraw.set_defaults(func=cmd_withdraw)
    late = sub.add_parser("late-policy", help="the due date, and the penalty for lateness")
    late.add_argument("name", help="the assignment's name, or its otter zip's path")
    late.add_argument("--due", required=True, help="such as '2026-12-05 23:59' (local time)")
    late.add_argument("--percent", type=float, required=True,
                      help="penalty, as a percentage of the points possible, per day or part "
                      "of a day late")
    late.add_argument("--once", action="store_true",
                      help="take the penalty once however late, not per day")
    late.add_argument("--by", default="", help="who sets it (default: your login name)")
    _add_gradebook_options(late)
    late.set_defaults(func=cmd_late_policy)
    history = sub.add_parser("history", help="every change after grading: who, what, when, why")
    history.add_argument("name", help="the assignment's name, or its otter zip's path")
    history.add_argument("who", nargs="?", help="only this submission's (part of its path)")
    _add_gradebook_options(history)
    history.set_defaults(func=cmd_history)
    report = sub.add_parser("report", help="who is graded, unmarked, late, invalid or absent; "
                            "and each question's scores")
    report.add_argument("name", help="the assignment's name, or its otter zip's path")
    report.add_argument("--questions", type=Path, help="write each student's score on each "
                        "question to this CSV (item analysis)")
    report.add_argument("--submissions", type=Path, help="the download (folder or zip) that "
                        "was graded: students who handed in only a PDF or another file that "
                        "is not a notebook are then named as such, not as absent")
    _add_class_options(report)
    _add_gradebook_options(report)
    report.set_defaults(func=cmd_report)
    similar = sub.add_parser("similarity", help="answers identical or nearly so across the "
                             "class: a report to read, never a penalty")
    similar.add_argument("name", help="the assignment's name, or its otter zip's path")
    similar.add_argument("submissions", type=Path, help="a folder or zip of submissions")
    similar.add_argument("--threshold", type=float, default=0.9,
                         help="how alike two answers must be to be listed, from 0 to 1 "
                         "(default: 0.9)")
    similar.add_argument("--out", type=Path, help="also write the pairs to this CSV")
    similar.add_argument("--roster", type=Path, help="the class list, to name the students")
    similar.add_argument("--question", action="append", default=[], metavar="NAME=POINTS",
                         help="for an otter zip: each free-response question, in order, to "
                         "name it in the report (else 'answer N')")
    similar.set_defaults(func=cmd_similarity)
    doctor = sub.add_parser("doctor", help="what this machine gives to contain submissions")
    doctor.add_argument("--scheduler", metavar="ADDRESS",
                        help="report on every worker of this Dask cluster instead")
    doctor.set_defaults(func=_cmd_doctor)
    hub = sub.add_parser("hub-links", help="an nbgitpuller link for every notebook learners "
                                           "open, for a course run on a JupyterHub")
    hub.add_argument("--hub", required=True, help="the hub's address (https://hub.example.ca)")
    hub.add_argument("--repository", required=True,
                     help="the course repository's address, as git clones it")
    hub.add_argument("--branch", default="main")
    hub.add_argument("--interface", choices=["lab", "notebook"], default="lab")
    hub.add_argument("--format", choices=["markdown", "csv"], default="markdown")
    hub.set_defaults(func=_cmd_hub_links)
    nbg = sub.add_parser("nbgrader", help="export assignments as an nbgrader course")
    nbg.add_argument("names", nargs="*", help="assignment names (default: all)")
    nbg.add_argument("--out", type=Path, required=True, help="the course folder to write")
    nbg.add_argument("--course", default="curriculum", help="the nbgrader course id")
    nbg.set_defaults(func=_cmd_nbgrader)
    nbc = sub.add_parser("nbgrader-collect", help="put submissions in an nbgrader course's "
                         "submitted/ folder, converted from the book's Otter notebooks")
    nbc.add_argument("name", help="the assignment's name (as in the nbgrader course)")
    nbc.add_argument("submissions", type=Path, help="a folder or zip of submissions (an LMS "
                     "download)")
    nbc.add_argument("--course", type=Path, required=True, help="the nbgrader course folder")
    nbc.add_argument("--roster", type=Path, help="the class list, for student IDs (default: "
                     "the download's names)")
    nbc.set_defaults(func=_cmd_nbgrader_collect)
    return parser


def _stop_on_sigterm(_signum, _frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    import signal

    # A terminated run unwinds like Ctrl-C, so temporary files are removed; results already
    # recorded are complete (each is one transaction), and a rerun picks up the rest.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    return run(argv)


def run(argv: list[str] | None = None) -> int:
    """The command, with its errors as a message and exit status 2 (main, without installing
    a signal handler: for tests and for programs that call it)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (LookupError, BuildError, FileNotFoundError, ValueError, OSError,
            ContainmentUnavailable, GradebookTampered) as error:
        print(f"autograder: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if getattr(args, "regrade", False):
            print("autograder: stopped; results recorded so far are kept. --regrade grades "
                  "every submission again: run the command again to regrade them all, or "
                  "without --regrade to keep every result now recorded.", file=sys.stderr)
        else:
            print("autograder: stopped; results recorded so far are kept. Run the same "
                  "command again to grade the rest.", file=sys.stderr)
        return 130
