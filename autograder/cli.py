"""The ``autograder`` command (also ``python -m autograder``).

    autograder list                      the assignments in modules/
    autograder build [NAME ...]          build, and publish the student notebooks
    autograder build --check [NAME ...]  build, and fail if a published notebook is stale
    autograder selfcheck [NAME ...]      solution full marks, blank zero, wrong answers rejected
    autograder grade ASSIGNMENT SUBMISSIONS [--gradebook FILE | --db-url URL] [--json]
                                         grade a folder or zip of notebooks, in parallel
    autograder review NAME SUBMISSIONS --out review.csv [--gradebook FILE | --db-url URL]
                                         collect free-response answers for marking
    autograder review-import NAME review.csv [--gradebook FILE | --db-url URL]
                                         record the free-response scores entered there
    autograder export NAME --format canvas|brightspace|moodle --out FILE [--roster CSV]
    autograder feedback NAME --out FOLDER
                                         one report per student: scores, passed tests, hints
    autograder nbgrader [NAME ...] --out COURSE
                                         export assignments as an nbgrader course
"""

from __future__ import annotations

import argparse
import os
import shlex
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


def _gradebook(args: argparse.Namespace):
    from autograder.gradebook import Gradebook, database_url

    return Gradebook(args.db_url or database_url(args.gradebook))


def _cmd_review(args: argparse.Namespace) -> int:
    from autograder.batch import open_submissions
    from autograder.review import manual_questions, write_review

    assignment = get_assignment(args.name, args.root)
    questions = manual_questions(assignment.source)
    if not questions:
        print(f"{assignment.name} has no free-response questions.")
        return 0
    with open_submissions(args.submissions, assignment.name) as submissions:
        texts = _submission_texts(args.submissions)
        rows = write_review(args.out, questions,
                            [(s, texts.get(s.name, "")) for s in submissions])
    command = shlex.join(["autograder", "review-import", assignment.name, str(args.out),
                          *_gradebook_arguments(args)])
    print(f"wrote {rows} answers to {args.out}; fill in 'score' (and 'comment'), then run "
          f"`{command}`")
    if not args.db_url and not args.gradebook.is_file():
        print(f"note: there is no gradebook at {args.gradebook.resolve()} yet. Give review the "
              "--gradebook (or --db-url) that `autograder grade` used, or grade the submissions "
              "into this one before importing the scores.", file=sys.stderr)
    return 0


def _gradebook_arguments(args: argparse.Namespace) -> list[str]:
    """The gradebook option this command was given (or its default), to repeat in a printed
    follow-up command: without it, the follow-up would open ``gradebook.db`` wherever it runs."""
    if args.db_url:
        return ["--db-url", args.db_url]
    return ["--gradebook", str(args.gradebook)]


def _submission_texts(path: Path) -> dict[str, str]:
    import zipfile

    if path.is_dir():
        return {str(p.relative_to(path)): p.read_text(encoding="utf-8", errors="replace")
                for p in path.rglob("*.ipynb")}
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode("utf-8", errors="replace")
                for n in archive.namelist() if n.endswith(".ipynb")}


def _cmd_review_import(args: argparse.Namespace) -> int:
    from autograder.review import import_review, manual_questions

    assignment = get_assignment(args.name, args.root)
    gradebook = _gradebook(args)
    try:
        count = import_review(args.review, manual_questions(assignment.source), gradebook,
                              assignment.name)
    finally:
        gradebook.close()
    print(f"recorded {count} free-response scores for {assignment.name}")
    return 0


def _manual_points(name: str, root: Path) -> float:
    from autograder.review import manual_questions

    try:
        return sum(q.points for q in manual_questions(get_assignment(name, root).source))
    except LookupError:
        return 0.0


def _recorded(args: argparse.Namespace):
    """An assignment's results and free-response scores, or a clear error if there are none."""
    gradebook = _gradebook(args)
    try:
        results = gradebook.results(args.name)
        manual = gradebook.manual(args.name)
    finally:
        gradebook.close()
    if not results:
        raise LookupError(f"the gradebook has no results for {args.name!r}")
    return results, manual


def _cmd_export(args: argparse.Namespace) -> int:
    from autograder.exports import export_csv
    from autograder.roster import load_roster

    results, manual = _recorded(args)
    text = export_csv(args.format, args.name, results, load_roster(args.roster),
                      _manual_points(args.name, args.root), manual)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {len(results)} grades for {args.format} to {args.out}")
    return 0


def _cmd_feedback(args: argparse.Namespace) -> int:
    from autograder.exports import write_feedback

    results, manual = _recorded(args)
    written = write_feedback(args.out, args.name, results, manual)
    print(f"wrote {len(written)} feedback files to {args.out}")
    return 0


def _cmd_nbgrader(args: argparse.Namespace) -> int:
    from autograder.nbgrader_export import export_course

    for assignment in _selected(args.names, args.root):
        path = export_course(assignment.source, args.out, args.course)
        print(f"{assignment.name}: {path}")
    print(f"then, in {args.out}: nbgrader generate_assignment NAME; nbgrader autograde NAME")
    return 0


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
    grade.add_argument("submissions", type=Path, help="a folder or zip of .ipynb files")
    _add_gradebook_options(grade)
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
    review = sub.add_parser("review", help="collect free-response answers for marking")
    review.add_argument("name", help="an assignment of this project")
    review.add_argument("submissions", type=Path, help="a folder or zip of .ipynb files")
    review.add_argument("--out", type=Path, default=Path("review.csv"))
    _add_gradebook_options(review, purpose="; the printed review-import command records the "
                           "scores there")
    review.set_defaults(func=_cmd_review)
    imported = sub.add_parser("review-import", help="record the scores entered in a review file")
    imported.add_argument("name", help="an assignment of this project")
    imported.add_argument("review", type=Path, help="the review CSV with scores filled in")
    _add_gradebook_options(imported)
    imported.set_defaults(func=_cmd_review_import)
    export = sub.add_parser("export", help="grades as a CSV for an LMS import")
    export.add_argument("name", help="the assignment's name in the gradebook")
    export.add_argument("--format", required=True, choices=["canvas", "brightspace", "moodle"])
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--roster", type=Path, help="CSV: submission,name,username,email,"
                        "student_id (default: the file name is the username)")
    _add_gradebook_options(export)
    export.set_defaults(func=_cmd_export)
    feedback = sub.add_parser("feedback", help="one feedback file per submission")
    feedback.add_argument("name", help="the assignment's name in the gradebook")
    feedback.add_argument("--out", type=Path, required=True, help="folder for the files")
    _add_gradebook_options(feedback)
    feedback.set_defaults(func=_cmd_feedback)
    nbg = sub.add_parser("nbgrader", help="export assignments as an nbgrader course")
    nbg.add_argument("names", nargs="*", help="assignment names (default: all)")
    nbg.add_argument("--out", type=Path, required=True, help="the course folder to write")
    nbg.add_argument("--course", default="curriculum", help="the nbgrader course id")
    nbg.set_defaults(func=_cmd_nbgrader)
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
