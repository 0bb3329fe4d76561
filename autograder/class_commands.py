"""The commands that come after grading: marking free responses, regrades, late work, where
the class stands, and grades and feedback for the LMS (see :mod:`autograder.cli` for the
command line itself)."""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.assignments import get_assignment


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


def cmd_review(args: argparse.Namespace) -> int:
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
                                [(s, s.notebook_text) for s in submissions], recorded,
                                _starting_answers(args, len(questions)))
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


def _starting_answers(args: argparse.Namespace, count: int) -> list[str]:
    """The starting notebook's free-response answers (its placeholders), to tell an untouched
    answer from a written one; an otter zip does not hold the starting notebook."""
    from autograder.review import answers_in

    if _is_zip(args.name):
        return [""] * count
    notebook = get_assignment(args.name, args.root).student_notebook
    return answers_in(notebook.read_text(encoding="utf-8"), count)


def _gradebook_arguments(args: argparse.Namespace) -> list[str]:
    """The gradebook option this command was given (or its default), to repeat in a printed
    follow-up command: without it, the follow-up would open ``gradebook.db`` wherever it runs."""
    if args.db_url:  # its password, if it holds one, is not printed
        from autograder.gradebook import shown_url

        return ["--db-url", shown_url(args.db_url)]
    return ["--gradebook", str(args.gradebook)]


def cmd_review_import(args: argparse.Namespace) -> int:
    from autograder.review import import_review, manual_questions, questions_in_review

    name = assignment_name(args.name, args.root)
    questions = (questions_in_review(args.review) if _is_zip(args.name)
                 else manual_questions(get_assignment(args.name, args.root).source))
    with _gradebook(args) as gradebook:
        count, changed = import_review(args.review, questions, gradebook, name, args.by)
    print(f"{name}: the review file holds {count} marks; {changed} were new or changed and "
          "are recorded (autograder history lists every change)")
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


def _recorded_name(args: argparse.Namespace) -> str:
    """The name an assignment's results are recorded under: an otter zip's own, else as given
    (a project assignment, or one known only to the gradebook)."""
    return assignment_name(args.name, args.root) if _is_zip(args.name) else args.name


def _recorded(args: argparse.Namespace):
    """An assignment's name, results, free-response scores and questions, or a clear error if
    there are no results."""
    name = _recorded_name(args)
    with _gradebook(args) as gradebook:
        results = gradebook.results(name)
        manual = gradebook.manual(name)
        questions = _free_response(args.name, args.root, gradebook, manual)
        adjustments = gradebook.adjustments(name)
        policies = gradebook.late_policies(name)
    withdrawn = {a["submission"] for a in adjustments if a["kind"] == "withdrawn"}
    results = [r for r in results if r.submission not in withdrawn]
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
    return Recorded(name, results, manual, questions, adjustments,
                    _policy(policies[-1]) if policies else None)


@dataclass
class Recorded:
    """What the gradebook holds for an assignment."""

    name: str
    results: list
    manual: dict
    questions: dict[str, float]
    adjustments: list[dict]
    policy: object  # adjustments.LatePolicy | None


def _policy(row: dict):
    from autograder.adjustments import LatePolicy, parse_time

    return LatePolicy(parse_time(row["due"]), row["percent"], bool(row["per_day"]))


def _say(lines: list[str], heading: str) -> None:
    if lines:
        print(heading, file=sys.stderr)
        for line in lines:
            print(f"  {line}", file=sys.stderr)


def _class_grades(args: argparse.Namespace, kind: str | None, refuse: bool = True):
    """The class's grades, after checking that each goes to exactly one student: everything
    that would stop an export or feedback is listed at once, before anything is written."""
    from autograder.exports import (
        class_grades,
        missing_identifiers,
        mixed_moodle_layout,
        unmarked_report,
    )
    from autograder.roster import load_roster, match_class

    recorded = _recorded(args)
    name, results, questions = recorded.name, recorded.results, recorded.questions
    roster = load_roster(args.roster)
    match = match_class([r.submission for r in results], roster,
                        {r.submission for r in results if r.status == "invalid"})
    grades = class_grades(results, match, recorded.manual, questions, recorded.adjustments,
                          recorded.policy)
    problems = match.problems()
    if recorded.policy is not None:  # a late policy, and no way to tell who was late
        problems += [f"{g.student.label}: a late policy is set, but nothing says when "
                     f"{g.result.submission} came in (give --roster with Moodle's grading "
                     "worksheet, or a class list with a submitted_at column)"
                     for g in grades if g.late_unknown]
    if kind:
        lms = {"canvas": "Canvas", "brightspace": "Brightspace", "moodle": "Moodle"}[kind]
        problems += [f"{label}: nothing {lms}'s import can match them by (give --roster with "
                     f"the class list {lms} exports)"
                     for label in missing_identifiers(kind, grades)]
    if kind == "moodle":
        problems += mixed_moodle_layout(grades)
    unmarked = unmarked_report(grades)
    advice = []
    if unmarked and args.unmarked == "refuse":
        problems += unmarked
        advice = ["(mark the free responses and run review-import, or give --unmarked blank "
                  "to leave those grades out, or --unmarked partial to send what is marked "
                  "so far)"]
    possible = results[0].possible + sum(questions.values())
    if not refuse:  # a report shows everything, and stops at nothing
        return name, roster, match, grades, possible
    over = [f"{g.student.label}: {g.score:g} of {possible:g} points, above the maximum (an "
            "LMS may refuse or cap it)" for g in grades if g.score > possible + 1e-9]
    _say(match.notices() + over, "Note:")
    if problems:
        _say(problems + advice, "Nothing was written. Fix these first:")
        raise ValueError(f"{len(problems)} problem(s) above; nothing was written")
    if unmarked:
        _say(unmarked, f"Free responses not marked yet (--unmarked {args.unmarked}):")
    return name, roster, match, grades, possible


def cmd_export(args: argparse.Namespace) -> int:
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


def cmd_feedback(args: argparse.Namespace) -> int:
    from autograder.exports import write_feedback

    name, _roster, match, grades, _possible = _class_grades(args, None)
    if args.unmarked == "blank":
        grades = [g for g in grades if g.complete]
    written = write_feedback(args.out, name, grades, match)
    print(f"wrote {len(written)} feedback files to {args.out} (index.csv says whose each is)")
    return 0


def _one_submission(args: argparse.Namespace) -> tuple[str, str]:
    """(assignment, submission) for a command about one student's grade."""
    from autograder.adjustments import find_submission
    from autograder.roster import load_roster, match_class

    recorded = _recorded(args)
    match = match_class([r.submission for r in recorded.results], load_roster(args.roster))
    return recorded.name, find_submission(args.who, match)


def cmd_adjust(args: argparse.Namespace) -> int:
    if args.points == 0:
        raise ValueError("--points 0 changes nothing; give the points to add or take away")
    name, submission = _one_submission(args)
    with _gradebook(args) as gradebook:
        gradebook.adjust(name, submission, "points", args.reason, points=args.points,
                         entered_by=args.by)
    print(f"{submission}: {args.points:+g} points ({args.reason}), kept in the gradebook's "
          "history; exports and feedback include it")
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    """Leave one recorded submission out of everything after grading (a file removed from
    the download, a second upload), keeping it and the reason in the gradebook."""
    name = _recorded_name(args)
    with _gradebook(args) as gradebook:
        recorded = {r.submission for r in gradebook.results(name)}
        if args.submission not in recorded:
            raise LookupError(f"no recorded submission is {args.submission!r}; give its path as "
                              "`autograder report` or an export's refusal names it")
        gradebook.adjust(name, args.submission, "withdrawn", args.reason, entered_by=args.by)
    print(f"{args.submission}: withdrawn ({args.reason}); exports, feedback and reports leave "
          "it out, and history keeps it")
    return 0


def cmd_extend(args: argparse.Namespace) -> int:
    from autograder.adjustments import parse_time

    until = parse_time(args.until)
    name, submission = _one_submission(args)
    with _gradebook(args) as gradebook:
        gradebook.adjust(name, submission, "extension", args.reason,
                         until=until.isoformat(sep=" ", timespec="minutes"), entered_by=args.by)
    print(f"{submission}: due {until:%Y-%m-%d %H:%M} ({args.reason})")
    return 0


def cmd_late_policy(args: argparse.Namespace) -> int:
    from autograder.adjustments import LatePolicy, parse_time

    if not 0 <= args.percent <= 100:
        raise ValueError("--percent is a share of the points possible, from 0 to 100")
    due = parse_time(args.due)
    name = _recorded_name(args)
    with _gradebook(args) as gradebook:
        gradebook.set_late_policy(name, due.isoformat(sep=" ", timespec="minutes"),
                                  args.percent, not args.once, entered_by=args.by)
    print(f"{name}: {LatePolicy(due, args.percent, not args.once).describe()}")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """Every change to the grades after grading, oldest first, with who made it and why."""
    name = _recorded_name(args)
    with _gradebook(args) as gradebook:
        events = [(a["entered_at"], a["entered_by"], a["submission"],
                   f"{a['points']:+g} points" if a["kind"] == "points"
                   else "withdrawn" if a["kind"] == "withdrawn"
                   else f"extension to {a['until']}", a["reason"])
                  for a in gradebook.adjustments(name)]
        events += [(m["entered_at"], m["entered_by"], m["submission"],
                    f"{m['question']} marked {m['score']:g}", m["comment"])
                   for m in gradebook.mark_history(name)]
        events += [(p["entered_at"], p["entered_by"], "(everyone)",
                    f"late policy: due {p['due']}, {p['percent']:g}% "
                    f"{'per day' if p['per_day'] else 'once'}", "")
                   for p in gradebook.late_policies(name)]
    if args.who:
        events = [e for e in events if args.who in e[2] or e[2] == "(everyone)"]
    for when, who, submission, what, why in sorted(events, key=lambda e: e[0]):
        print(f"{when}  {who}  {submission}: {what}" + (f" ({why})" if why else ""))
    if not events:
        print(f"no changes recorded for {name} after grading")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from autograder.report import class_status, write_question_scores

    name, roster, match, grades, possible = _class_grades(args, None, refuse=False)
    handed_in = _other_files(args.submissions, match, roster) if args.submissions else {}
    for line in class_status(grades, match, possible, handed_in):
        print(line)
    if args.questions:
        write_question_scores(args.questions, grades, possible)
        print(f"wrote each student's score on each question to {args.questions}")
        left_out = len(match.unmatched) + sum(len(f) for f in match.duplicates.values())
        if left_out:
            print(f"  left out of it: {left_out} submission(s) that count for no one yet (see "
                  "above); they appear once each goes to one student")
    return 0


def _other_files(submissions: Path, match, roster) -> dict:
    """What each student without a notebook handed in instead: the download's other files
    (a PDF, a Word document), matched to the class list the way notebooks are."""
    from autograder.batch import not_graded
    from autograder.roster import match_class

    if not submissions.exists():
        raise FileNotFoundError(f"{submissions}: no such folder or zip of submissions")
    others = match_class(not_graded(submissions), roster)
    found: dict = {}
    for file, student in others.students.items():
        found.setdefault(student, []).append(file)
    for student, files in others.duplicates.items():  # two files from one student
        found.setdefault(student, []).extend(files)
    with_notebook = set(match.students.values()) | set(match.duplicates)
    return {s: sorted(f) for s, f in found.items() if s not in with_notebook}


def cmd_similarity(args: argparse.Namespace) -> int:
    """Pairs of students whose answers to a question are (nearly) the same, for the
    instructor to look at; nothing is changed."""
    from collections import Counter

    from autograder.batch import open_submissions
    from autograder.review import manual_questions
    from autograder.roster import load_roster, match_class
    from autograder.similarity import answers, similar_answers, starting_answers
    from autograder.tables import write_for_spreadsheets

    name = assignment_name(args.name, args.root)
    if _is_zip(args.name):  # an otter zip names no free-response question
        manual, starting = [q.name for q in _questions_given(args.question)], {}
    else:
        assignment = get_assignment(args.name, args.root)
        manual = [q.name for q in manual_questions(assignment.source)]
        starting = starting_answers(assignment.student_notebook.read_text(encoding="utf-8"),
                                    manual)
    with open_submissions(args.submissions, name) as submissions:
        texts = {s.name: s.notebook_text for s in submissions if s.cells is not None}
    match = match_class(sorted(texts), load_roster(args.roster))
    label = {s: (match.students[s].label if s in match.students else s) for s in texts}
    found = similar_answers(texts, starting, args.threshold, manual)
    without = sorted(s for s, text in texts.items() if not answers(text))
    pairs = Counter((m.first, m.second) for m in found)
    print(f"{len(texts)} notebooks compared, question by question; {len(pairs)} pair(s) of "
          f"students have answers at least {args.threshold:.0%} alike. This is a reason to "
          "look, not proof, and changes no score.")
    for (first, second), count in pairs.most_common():
        questions = ", ".join(f"{m.question} ({m.similarity:.0%})" for m in found
                              if (m.first, m.second) == (first, second))
        print(f"  {label[first]} and {label[second]}: {count} answer(s): {questions}")
    if without:
        print(f"{len(without)} notebook(s) have no answer cells to compare (the book's tags "
              f"were removed): {', '.join(without[:10])}")
    if args.out:
        write_for_spreadsheets(args.out, ["student", "other student", "question", "similarity",
                                          "submission", "other submission"],
                               [[label[m.first], label[m.second], m.question,
                                 f"{m.similarity:.3f}", m.first, m.second] for m in found])
        print(f"wrote {len(found)} rows to {args.out}")
    return 0


def marking_session(args: argparse.Namespace, gradebook):
    """The marking session ``autograder mark`` serves (also built by the tests)."""
    from autograder.batch import open_submissions
    from autograder.marking import MarkingSession, parse_share, sheets_for
    from autograder.review import answer_note, answers_in
    from autograder.roster import load_roster, match_class
    from autograder.rubrics import rubrics

    name = assignment_name(args.name, args.root)
    with open_submissions(args.submissions, name) as submissions:
        readable = [s for s in submissions if s.cells is not None]
        questions = _manual_questions_for(args, readable)
        if not questions:
            raise ValueError(f"{name} has no free-response questions to mark")
        if _is_zip(args.name):
            prompts_from = next((s.notebook_text for s in readable), "")
        else:
            prompts_from = get_assignment(args.name, args.root).student_notebook.read_text(
                encoding="utf-8")
        answers = {s.name: dict(zip([q.name for q in questions],
                                    answers_in(s.notebook_text, len(questions)), strict=True))
                   for s in readable}
    starting = dict(zip([q.name for q in questions],
                        _starting_answers(args, len(questions)), strict=True))
    notes = {s: {q: answer_note(a, starting[q]) for q, a in qa.items()}
             for s, qa in answers.items()}
    match = match_class(sorted(answers), load_roster(args.roster))
    students = {s: (match.students[s].label if s in match.students else s) for s in answers}
    gradebook.record_questions(name, [(q.name, q.points) for q in questions])
    sheets = sheets_for(name, answers, students, parse_share(args.share), notes)
    return MarkingSession(name, rubrics(questions, prompts_from), sheets, gradebook,
                          args.by, args.show_names)


def cmd_mark(args: argparse.Namespace) -> int:
    from autograder.marking_server import MarkingServer

    with _gradebook(args) as gradebook:
        session = marking_session(args, gradebook)
        server = MarkingServer(session, args.port)
        print(f"{len(session.sheets)} answer sheets of {session.assignment} to mark"
              + (" (names shown)" if args.show_names else " (anonymous)")
              + f". Open this address in your browser (it works on this computer only):\n"
              f"  {server.url}\nEach mark is saved as you make it. Stop with Ctrl-C.",
              flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("the marking page is closed; every mark made is in the gradebook")
        finally:
            server.httpd.server_close()
    return 0
