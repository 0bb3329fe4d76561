"""Marking free responses against their rubric, one answer sheet at a time (the logic behind
``autograder mark``; the page and its server are in :mod:`autograder.marking_server`).

Answer sheets are anonymous by default: each is "Sheet 7", in an order shuffled the same way
for every marker (seeded by the assignment's name), so no marker sees names or the order of a
class list. Work can be split: ``--share 2/3`` gives the second of three markers every third
sheet, the same sheets on any machine. Every mark is saved to the gradebook as it is made; when
an answer's criteria are all marked, its total becomes the question's free-response score,
with the comment and the criterion-by-criterion marks the student will read.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from autograder.gradebook import Gradebook
from autograder.rubrics import Rubric


@dataclass(frozen=True)
class Sheet:
    number: int  # as markers see it: "Sheet 7"
    submission: str
    student: str  # shown only when names are asked for
    answers: dict[str, str]  # question -> the student's answer
    notes: dict[str, str] = field(default_factory=dict)  # question -> "no answer written"...


def parse_share(text: str | None) -> tuple[int, int]:
    """``"2/3"`` -> (2, 3): this marker is the second of three."""
    if not text:
        return 1, 1
    try:
        mine, total = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--share {text!r}: write WHICH/HOW_MANY, such as 2/3") from None
    if not 1 <= mine <= total:
        raise ValueError(f"--share {text!r}: the first number is from 1 to the second")
    return mine, total


def sheets_for(assignment: str, answers: dict[str, dict[str, str]], students: dict[str, str],
               share: tuple[int, int] = (1, 1),
               notes: dict[str, dict[str, str]] | None = None) -> list[Sheet]:
    """This marker's sheets, numbered in the assignment's shuffled order; ``notes`` flags
    answers a marker should know about before reading (none written)."""
    notes = notes or {}
    order = sorted(answers)
    random.Random(f"marking:{assignment}").shuffle(order)
    mine, total = share
    return [Sheet(position + 1, submission, students.get(submission, submission),
                  answers[submission], notes.get(submission, {}))
            for position, submission in enumerate(order) if position % total == mine - 1]


class MarkingSession:
    """The sheets and rubrics of one marker, saving into a gradebook."""

    def __init__(self, assignment: str, rubrics: list[Rubric], sheets: list[Sheet],
                 gradebook: Gradebook, marker: str = "", show_names: bool = False) -> None:
        self.assignment = assignment
        self.rubrics = {r.question: r for r in rubrics}
        self.sheets = {s.number: s for s in sheets}
        self.gradebook = gradebook
        self.marker = marker
        self.show_names = show_names

    def state(self) -> dict:
        """Everything the page shows, marks made so far included."""
        marks = self.gradebook.criterion_marks(self.assignment)
        recorded = self.gradebook.manual(self.assignment)
        return {
            "assignment": self.assignment,
            "questions": [{"name": r.question, "points": r.points, "prompt": r.prompt,
                           "criteria": [{"name": c.name, "levels": [
                               {"points": lv.points, "description": lv.description}
                               for lv in c.levels]} for c in r.criteria]}
                          for r in self.rubrics.values()],
            "sheets": [{"number": s.number,
                        "label": f"Sheet {s.number}" + (f": {s.student}" if self.show_names
                                                        else ""),
                        "answers": s.answers,
                        "notes": s.notes,
                        "marks": {q: {c: points for c, (points, _, _) in
                                      marks.get(s.submission, {}).get(q, {}).items() if c}
                                  for q in self.rubrics},
                        "comments": {q: self._comment(marks, recorded, s.submission, q)
                                     for q in self.rubrics},
                        "scored": {q: recorded.get(s.submission, {}).get(q, (None,))[0]
                                   for q in self.rubrics}}
                       for s in self.sheets.values()],
        }

    @staticmethod
    def _comment(marks: dict, recorded: dict, submission: str, question: str) -> str:
        """The marker's comment: the page's own, else one the review file recorded (an
        answer first marked in the spreadsheet keeps its comment when marked here)."""
        own = marks.get(submission, {}).get(question, {})
        if "" in own:
            return own[""][1]
        if own:
            return ""
        return recorded.get(submission, {}).get(question, (None, 0.0, ""))[2]

    def _sheet(self, number) -> Sheet:
        try:
            return self.sheets[int(number)]
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"no sheet {number!r} for this marker") from None

    def _rubric(self, question) -> Rubric:
        if question not in self.rubrics:
            raise ValueError(f"no free-response question {question!r}")
        return self.rubrics[question]

    def mark(self, number, question: str, criterion: str, points) -> dict:
        """Save one criterion's mark; returns the answer's total once every criterion has one."""
        sheet, rubric = self._sheet(number), self._rubric(question)
        found = next((c for c in rubric.criteria if c.name == criterion), None)
        if found is None:
            raise ValueError(f"{question} has no criterion {criterion!r}")
        try:
            points = float(points)
        except (TypeError, ValueError):
            raise ValueError(f"{points!r} is not a number of points") from None
        if points not in {level.points for level in found.levels}:
            raise ValueError(f"{criterion} has no level worth {points:g} points")
        if not self.gradebook.criterion_marks(self.assignment).get(sheet.submission, {}).get(
                question):  # first marked here: keep the comment the review file recorded
            earlier = self.gradebook.manual(self.assignment).get(sheet.submission, {}).get(
                question)
            if earlier and earlier[2]:
                self.gradebook.mark_criterion(self.assignment, sheet.submission, question, "",
                                              0.0, earlier[2], entered_by=self.marker)
        self.gradebook.mark_criterion(self.assignment, sheet.submission, question, criterion,
                                      points, entered_by=self.marker)
        return self._record_if_complete(sheet, rubric)

    def comment(self, number, question: str, text: str) -> dict:
        sheet, rubric = self._sheet(number), self._rubric(question)
        self.gradebook.mark_criterion(self.assignment, sheet.submission, question, "", 0.0,
                                      str(text)[:5000], entered_by=self.marker)
        return self._record_if_complete(sheet, rubric)

    def _record_if_complete(self, sheet: Sheet, rubric: Rubric) -> dict:
        given = self.gradebook.criterion_marks(self.assignment).get(sheet.submission, {}).get(
            rubric.question, {})
        if not all(c.name in given for c in rubric.criteria):
            done = sum(1 for c in rubric.criteria if c.name in given)
            return {"saved": True, "complete": False,
                    "status": f"Saved: {done} of {len(rubric.criteria)} criteria marked."}
        total = sum(given[c.name][0] for c in rubric.criteria)
        note = given.get("", (0, "", ""))[1].strip()
        breakdown = "; ".join(f"{c.name}: {given[c.name][0]:g} of {c.best:g}"
                              for c in rubric.criteria)
        comment = f"{note} ({breakdown})" if note else breakdown
        self.gradebook.record_manual(self.assignment, [(sheet.submission, rubric.question, total,
                                                        rubric.points, comment)], self.marker)
        return {"saved": True, "complete": True, "score": total,
                "status": f"Saved: {total:g} of {rubric.points:g} points."}
