"""The ``autograder`` command (also ``python -m autograder``).

    autograder list                      the assignments in modules/
    autograder build [NAME ...]          build, and publish the student notebooks
    autograder build --check [NAME ...]  build, and fail if a published notebook is stale
    autograder selfcheck [NAME ...]      solution full marks, blank zero, wrong answers rejected
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (LookupError, BuildError, FileNotFoundError, ValueError) as error:
        print(f"autograder: {error}", file=sys.stderr)
        return 2
