"""The ``autograder`` command (also ``python -m autograder``).

    autograder list                      the assignments in modules/
    autograder build [NAME ...]          build, and publish the student notebooks
    autograder build --check [NAME ...]  build, and fail if a published notebook is stale
    autograder selfcheck [NAME ...]      solution full marks, blank zero, wrong answers rejected
    autograder grade ASSIGNMENT SUBMISSIONS [--gradebook FILE | --db-url URL] [--json]
                                         grade a folder or zip of notebooks, in parallel
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
    from rich.table import Table

    from autograder.batch import autograder_zip_for, grade_submissions, open_submissions
    from autograder.gradebook import Gradebook, database_url
    from autograder.sandbox import Limits
    from autograder.scoring import AutograderTests

    err = Console(stderr=True)
    report = err if args.json else Console()
    url = args.db_url or database_url(args.gradebook)
    with autograder_zip_for(args.assignment, args.root) as (name, zip_path):
        tests = AutograderTests(zip_path)
        assignment = tests.assignment_name or name
        gradebook = Gradebook(url)
        try:
            with open_submissions(args.submissions, tests.assignment_name) as submissions:
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
                        limits=Limits(args.timeout, args.memory_mb), regrade=args.regrade,
                        on_result=on_result, hidden_paths=(args.submissions.resolve(),))
        finally:
            tests.close()
            gradebook.close()
    table = Table(title=f"{assignment}: {len(results)} submissions, gradebook {url}")
    for column in ("submission", "status", "score", "reason"):
        table.add_column(column)
    for result in sorted(results, key=lambda r: r.submission):
        table.add_row(result.submission, result.status,
                      f"{result.score:g} / {result.possible:g}", result.reason[:80])
    if not args.quiet:
        report.print(table)
    return 0


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
    grade.add_argument("submissions", type=Path, help="a folder or zip of .ipynb files")
    where = grade.add_mutually_exclusive_group()
    where.add_argument("--gradebook", type=Path, default=Path("gradebook.db"),
                       help="SQLite gradebook file (default: gradebook.db)")
    where.add_argument("--db-url", help="a SQLAlchemy database URL, for a shared server")
    grade.add_argument("--json", action="store_true",
                       help="print one JSON object per submission, one per line")
    grade.add_argument("--workers", type=int, default=None,
                       help="parallel workers (default: the number of cores)")
    grade.add_argument("--timeout", type=float, default=60.0,
                       help="seconds one submission may run (default: 60)")
    grade.add_argument("--memory-mb", type=int, default=1024,
                       help="memory one submission may use, in MB (default: 1024)")
    grade.add_argument("--regrade", action="store_true",
                       help="grade every submission again, even those already recorded")
    grade.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    grade.set_defaults(func=_cmd_grade)
    return parser


def _stop_on_sigterm(_signum, _frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    import signal

    # A terminated run unwinds like Ctrl-C, so temporary files are removed; results already
    # recorded are complete (each is one transaction), and a rerun picks up the rest.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (LookupError, BuildError, FileNotFoundError, ValueError, OSError) as error:
        print(f"autograder: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("autograder: stopped; results recorded so far are kept. Run the same command "
              "again to grade the rest.", file=sys.stderr)
        return 130
