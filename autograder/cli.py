"""The ``autograder`` command (also ``python -m autograder``).

    autograder list                      the assignments in modules/
    autograder build [NAME ...]          build, and publish the student notebooks
    autograder build --check [NAME ...]  build, and fail if a published notebook is stale
    autograder selfcheck [NAME ...]      solution full marks, blank zero, wrong answers rejected
    autograder grade ASSIGNMENT SUBMISSIONS [--gradebook FILE | --db-url URL] [--json]
                                         grade a folder or zip of notebooks, in parallel
    autograder review NAME SUBMISSIONS --out review.csv [--gradebook FILE | --db-url URL]
                                         collect free-response answers for marking
                                         (NAME, here and below: a project assignment or
                                         the path of any otter zip)
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
    from rich.table import Table

    from autograder.batch import (
        autograder_zip_for,
        grade_submissions,
        not_graded,
        open_submissions,
    )
    from autograder.gradebook import Gradebook, database_url
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
                if not submissions:
                    raise LookupError(f"{args.submissions} holds no notebook (.ipynb) and no "
                                      "otter submission zip to grade")
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
                        regrade=args.regrade,
                        on_result=on_result, unsafe=args.unsafe)
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
    others = not_graded(args.submissions)
    if others:  # a PDF or a Word file handed in instead of the notebook is never silent
        shown = ", ".join(others[:20]) + (f" and {len(others) - 20} more" if len(others) > 20
                                          else "")
        err.print(f"{len(others)} file(s) are not notebooks and were not graded: {shown}",
                  markup=False, highlight=False)
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from autograder.containment import diagnose

    diagnosis = diagnose()
    for line in diagnosis.lines():
        print(line)
    if not diagnosis.contained:
        print("`autograder grade` refuses to run here unless given --unsafe.")
    return 0 if diagnosis.contained else 1


def _gradebook(args: argparse.Namespace):
    from autograder.gradebook import Gradebook, database_url

    return Gradebook(args.db_url or database_url(args.gradebook))


def _is_zip(name: str) -> bool:
    return name.endswith(".zip")


def assignment_name(name: str, root: Path) -> str:
    """The gradebook name of a project assignment, or of any otter autograder zip: its
    configuration's ``name``, else the zip's file name without otter's suffix and timestamp
    (as ``autograder grade`` records it)."""
    if not _is_zip(name):
        return get_assignment(name, root).name
    import json
    import zipfile

    from autograder.batch import zip_stem_name

    path = Path(name)
    if not path.is_file():
        raise LookupError(f"No autograder zip at {path}: check the path.")
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("otter_config.json")) \
                if "otter_config.json" in archive.namelist() else {}
    except (zipfile.BadZipFile, ValueError) as error:
        raise ValueError(f"{path} is not an otter autograder zip ({error})") from None
    return str(config.get("assignment_name") or zip_stem_name(path))


def _questions_given(specs: list[str]):
    """``--question q8=4`` options as manual questions, in the order given."""
    from autograder.review import ManualQuestion

    questions = []
    for spec in specs:
        name, _, points = spec.partition("=")
        try:
            questions.append(ManualQuestion(name.strip(), float(points)))
        except ValueError:
            raise ValueError(f"--question {spec!r}: write NAME=POINTS, such as q8=4") from None
        if not name.strip():
            raise ValueError(f"--question {spec!r}: the question needs a name")
    return questions


def _manual_questions_for(args: argparse.Namespace, submissions) -> list:
    """The free-response questions: from the project's source, or, for an otter zip (which
    does not record them), from ``--question`` options checked against the notebooks."""
    from autograder.review import count_answers, manual_questions

    if not _is_zip(args.name):
        if args.question:
            raise ValueError("--question is for an otter zip; a project assignment's "
                             "free-response questions come from its source notebook")
        return manual_questions(get_assignment(args.name, args.root).source)
    questions = _questions_given(args.question)
    found = max((count_answers(s.notebook_text) for s in submissions), default=0)
    if found and not questions:
        raise ValueError(f"the notebooks hold {found} free-response question(s), but an otter "
                         "zip does not say what they are called or are worth: give "
                         "--question NAME=POINTS for each, in the order they appear")
    if questions and len(questions) != found:
        raise ValueError(f"{len(questions)} --question option(s) given, but the notebooks "
                         f"hold {found} free-response question(s) (between otter's "
                         "'<!-- BEGIN QUESTION -->' and '<!-- END QUESTION -->' markers)")
    return questions


def _cmd_review(args: argparse.Namespace) -> int:
    from autograder.batch import open_submissions
    from autograder.review import write_review

    name = assignment_name(args.name, args.root)
    gradebook = _gradebook(args) if args.db_url or args.gradebook.is_file() else None
    try:
        recorded = gradebook.manual(name) if gradebook else {}
        with open_submissions(args.submissions, name) as submissions:
            questions = _manual_questions_for(args, submissions)
            if not questions:
                print(f"{name} has no free-response questions.")
                return 0
            rows = write_review(args.out, questions,
                                [(s, s.notebook_text) for s in submissions], recorded)
        if gradebook:  # exports then know what is still to mark, before any mark exists
            gradebook.record_questions(name, [(q.name, q.points) for q in questions])
    finally:
        if gradebook:
            gradebook.close()
    command = shlex.join(["autograder", "review-import", args.name, str(args.out),
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


def _cmd_review_import(args: argparse.Namespace) -> int:
    from autograder.review import import_review, manual_questions, questions_in_review

    name = assignment_name(args.name, args.root)
    questions = (questions_in_review(args.review) if _is_zip(args.name)
                 else manual_questions(get_assignment(args.name, args.root).source))
    gradebook = _gradebook(args)
    try:
        count = import_review(args.review, questions, gradebook, name)
    finally:
        gradebook.close()
    print(f"recorded {count} free-response scores for {name}")
    return 0


def _free_response(name: str, root: Path, gradebook, manual: dict) -> dict[str, float]:
    """The free-response questions (name -> points possible): from the project's source, else
    (an otter zip, or an assignment known only to the gradebook) as `review` recorded them,
    with any question only the recorded marks name."""
    from autograder.review import manual_questions

    if not _is_zip(name):
        try:
            return {q.name: q.points for q in
                    manual_questions(get_assignment(name, root).source)}
        except LookupError:
            pass
    questions = gradebook.questions(assignment_name(name, root) if _is_zip(name) else name)
    for scores in manual.values():
        for question, (_score, points, _comment) in scores.items():
            questions[question] = max(questions.get(question, 0.0), points)
    return questions


def _recorded(args: argparse.Namespace):
    """An assignment's name, results, free-response scores and questions, or a clear error if
    there are no results."""
    name = assignment_name(args.name, args.root) if _is_zip(args.name) else args.name
    gradebook = _gradebook(args)
    try:
        results = gradebook.results(name)
        manual = gradebook.manual(name)
        questions = _free_response(args.name, args.root, gradebook, manual)
    finally:
        gradebook.close()
    if not results:
        raise LookupError(f"the gradebook has no results for {name!r}: grade the submissions "
                          "first, with the same --gradebook or --db-url")
    versions = {r.tests_sha256 for r in results}
    if len(versions) > 1:
        latest = max(results, key=lambda r: r.graded_at).tests_sha256
        older = sorted(r.submission for r in results if r.tests_sha256 != latest)
        raise LookupError(
            f"{name!r} was graded with different versions of the tests ({len(older)} of "
            f"{len(results)} results, such as {older[0]!r}, come from other tests than the "
            "latest run's), so totals would not compare. Grade the whole class again with "
            "the current autograder zip (`autograder grade` regrades what the old tests "
            "graded), then export.")
    return name, results, manual, questions


def _say(lines: list[str], heading: str) -> None:
    if lines:
        print(heading, file=sys.stderr)
        for line in lines:
            print(f"  {line}", file=sys.stderr)


def _class_grades(args: argparse.Namespace, kind: str | None):
    """The class's grades, after checking that each goes to exactly one student: everything
    that would stop an export or feedback is listed at once, before anything is written."""
    from autograder.exports import class_grades, missing_identifiers, unmarked_report
    from autograder.roster import load_roster, match_class

    name, results, manual, questions = _recorded(args)
    roster = load_roster(args.roster)
    match = match_class([r.submission for r in results], roster)
    grades = class_grades(results, match, manual, questions)
    problems = match.problems()
    if kind:
        lms = {"canvas": "Canvas", "brightspace": "Brightspace", "moodle": "Moodle"}[kind]
        problems += [f"{label}: nothing {lms}'s import can match them by (give --roster with "
                     f"the class list {lms} exports)"
                     for label in missing_identifiers(kind, grades)]
    unmarked = unmarked_report(grades)
    advice = []
    if unmarked and args.unmarked == "refuse":
        problems += unmarked
        advice = ["(mark the free responses and run review-import, or give --unmarked blank "
                  "to leave those grades out, or --unmarked partial to send what is marked "
                  "so far)"]
    _say(match.notices(), "Note:")
    if problems:
        _say(problems + advice, "Nothing was written. Fix these first:")
        raise ValueError(f"{len(problems)} problem(s) above; nothing was written")
    if unmarked:
        _say(unmarked, f"Free responses not marked yet (--unmarked {args.unmarked}):")
    possible = results[0].possible + sum(questions.values())
    return name, roster, match, grades, possible


def _cmd_export(args: argparse.Namespace) -> int:
    from autograder.exports import Target, export_csv, moodle_layout, target_column

    name, roster, _match, grades, possible = _class_grades(args, args.format)
    target = target_column(args.format, name, roster, args.column)
    if args.format == "moodle" and moodle_layout(grades) == "worksheet":
        target = Target("Grade", existing=True)  # the worksheet's own column
    _say(target.notices(possible), "Note:")
    text = export_csv(args.format, grades, target, possible, args.unmarked)
    args.out.write_text(text, encoding="utf-8")
    blank = sum(1 for g in grades if not g.complete) if args.unmarked == "blank" else 0
    layout = f" (the {moodle_layout(grades)} layout)" if args.format == "moodle" else ""
    column = "an existing column" if target.existing else "a new column"
    print(f"wrote {len(grades) - blank} grades{f' and {blank} blank' if blank else ''} for "
          f"{args.format}{layout} to {args.out}, into {column}: {target.column}")
    return 0


def _cmd_feedback(args: argparse.Namespace) -> int:
    from autograder.exports import write_feedback

    name, _roster, match, grades, _possible = _class_grades(args, None)
    if args.unmarked == "blank":
        grades = [g for g in grades if g.complete]
    written = write_feedback(args.out, name, grades, match)
    print(f"wrote {len(written)} feedback files to {args.out} (index.csv says whose each is)")
    return 0


def _cmd_nbgrader(args: argparse.Namespace) -> int:
    from autograder.nbgrader_export import export_course

    for assignment in _selected(args.names, args.root):
        path = export_course(assignment.source, args.out, args.course)
        print(f"{assignment.name}: {path}")
    print(f"then, in {args.out}: nbgrader generate_assignment NAME; nbgrader autograde NAME")
    return 0


def _add_class_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--roster", type=Path, help="the class list: the LMS's grade export "
                        "(Canvas, Brightspace) or grading worksheet (Moodle), or a CSV with "
                        "submission,name,username,email,student_id (default: the download's "
                        "names say who each student is)")
    parser.add_argument("--unmarked", choices=["refuse", "blank", "partial"], default="refuse",
                        help="when free responses are not all marked: refuse (the default), "
                        "leave those students' grades out (blank), or send what is marked so "
                        "far (partial)")


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
                       help="parallel workers (default: the number of cores)")
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
    grade.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    grade.set_defaults(func=_cmd_grade)
    review = sub.add_parser("review", help="collect free-response answers for marking")
    review.add_argument("name", help="an assignment of this project, or an otter zip's path")
    review.add_argument("submissions", type=Path, help="a folder or zip of submissions")
    review.add_argument("--out", type=Path, default=Path("review.csv"))
    review.add_argument("--question", action="append", default=[], metavar="NAME=POINTS",
                        help="with an otter zip: each free-response question, in order")
    _add_gradebook_options(review, purpose="; the printed review-import command records the "
                           "scores there")
    review.set_defaults(func=_cmd_review)
    imported = sub.add_parser("review-import", help="record the scores entered in a review file")
    imported.add_argument("name", help="an assignment of this project, or an otter zip's "
                          "path (its questions are then those of the review file)")
    imported.add_argument("review", type=Path, help="the review CSV with scores filled in")
    _add_gradebook_options(imported)
    imported.set_defaults(func=_cmd_review_import)
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
    export.set_defaults(func=_cmd_export)
    feedback = sub.add_parser("feedback", help="one feedback file per submission")
    feedback.add_argument("name", help="the assignment's name in the gradebook, or its otter "
                          "zip's path")
    feedback.add_argument("--out", type=Path, required=True, help="folder for the files")
    _add_class_options(feedback)
    _add_gradebook_options(feedback)
    feedback.set_defaults(func=_cmd_feedback)
    doctor = sub.add_parser("doctor", help="what this machine gives to contain submissions")
    doctor.set_defaults(func=_cmd_doctor)
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
        print("autograder: stopped; results recorded so far are kept. Run the same command "
              "again to grade the rest.", file=sys.stderr)
        return 130
