"""Generate module 2's tables: one delivery team's backlog, work-item history and sprints.

Why synthetic: flow metrics are learned on a team's own records, and no real team's records
may be published or invented. The team is fictional (book/fictional-world.md): the Caregiver
Allowance online application team of the Department of Household Benefits, which moved from
a waterfall plan to two-week sprints on 8 September 2025. The columns mirror what work
trackers export (Jira's issue list, its status-change history and its velocity report), so what
learners practise transfers to a real team's export:

* agile_backlog.csv: one row per work item (key, type, epic, title, estimate, acceptance
  criteria written, when it was created, and for work not done its rank in the backlog);
* agile_status_changes.csv: one row per status change (To Do, In Progress, Blocked, Done);
* agile_sprints.csv: each sprint's dates, points committed at planning and points completed.

The team's work is simulated day by day: a team of five shares its working time among the
items in progress, so starting more items makes each one take longer (Little's law), and
switching between many items wastes some of that time. Three episodes are planted, for the
lessons to find (datasets/datapackage.json lists them as known issues):

* a WIP explosion: from 20 October to 14 November 2025 a steering committee asks for every
  feature to be shown "in progress", the team drops its WIP limit of 6 and starts nearly
  everything; on 17 November the limit is back and the least advanced items return to To Do;
* a scope change: on 1 December 2025 the allowance is widened to part-time caregivers, and 30
  stories are added at the top of the backlog;
* blocked work: back from the holiday break on 5 January 2026, payments go to the top of the
  backlog, and from 7 to 23 January that work waits for the security assessment of the
  payment processor's interface.

A smaller wait shows that blocked work is not only a January story: from 24 November to
2 December 2025 the three stories in progress whose text must exist in French (every page in
French, and the error messages) wait for the department's translation service, and count in
WIP while they wait.

Run ``python datasets/generate.py`` to rewrite every table; the output is the same for the same
seed, and a test checks that the committed files match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

SEED = 20250908
START = date(2025, 9, 8)  # a Monday: sprint 1 begins
SNAPSHOT = date(2026, 3, 6)  # a Friday: the end of sprint 12, when the data were exported
HOLIDAY_BREAK = (date(2025, 12, 22), date(2026, 1, 2))  # the office is closed
STATUTORY = {date(2025, 9, 30), date(2025, 10, 13), date(2025, 11, 11), date(2026, 2, 16)}
SPRINT_WEEKS = 2
TEAM_CAPACITY = 3.2  # effort-days of development the team gives its items each working day
WIP_LIMIT = 6
EXPLOSION = (date(2025, 10, 20), date(2025, 11, 14))  # no WIP limit; 2 items started a day
LIMIT_BACK = date(2025, 11, 17)
SCOPE_CHANGE = date(2025, 12, 1)
SCOPE_ITEMS = 30
PAYMENTS_FIRST = date(2026, 1, 5)  # back from the break, payments go to the top of the backlog
BLOCKED = (date(2026, 1, 7), date(2026, 1, 23))  # payments wait for a security assessment
TRANSLATION_WAIT = (date(2025, 11, 24), date(2025, 12, 3))  # blocked from, back in progress on
WAITING_FOR_TRANSLATION = ("read every page in French", "understand error messages")
PREFIX = "CGA"

EPICS: dict[str, list[str]] = {
    "Eligibility check": [
        "see in one page whether I can apply",
        "answer the eligibility questions in any order",
        "be told why I am not eligible, in plain language",
        "check eligibility for the person I care for without an account",
        "save my eligibility answers to use in my application",
        "see which documents I will need before I start",
    ],
    "Application form": [
        "start an application with my existing account",
        "save my application and come back to it later",
        "enter the details of the person I care for",
        "describe the care I give each week",
        "review every answer on one page before I submit",
        "change an answer from the review page",
        "submit my application and get a reference number",
        "apply on behalf of a family member with their consent",
        "see how long each section will take",
        "be warned before my session times out",
    ],
    "Document upload": [
        "upload a photo of a medical form from my phone",
        "upload several documents at once",
        "see which documents have been received",
        "replace a document I uploaded by mistake",
        "be told clearly when a file is too large or the wrong type",
    ],
    "Payments": [
        "give my bank details for direct deposit",
        "change my bank details after I am approved",
        "see when my next payment will arrive",
        "see the amount of each payment and how it was worked out",
        "be paid from the date I became eligible",
        "get a statement of my payments for my tax return",
    ],
    "Notifications": [
        "get an email when my application is received",
        "get a text message when a decision is made",
        "choose whether I am contacted in English or French",
        "be reminded when a document is missing",
        "be told when my payment amount changes",
    ],
    "Accessibility and official languages": [
        "use the whole form with a screen reader",
        "complete the form using only a keyboard",
        "read every page in French with the same content as in English",
        "zoom the pages to 200% without losing content",
        "understand error messages that say how to fix the problem",
    ],
    "Caseworker tools": [
        "see all applications waiting for a decision, oldest first",
        "see an application's documents next to its answers",
        "record a decision and its reasons",
        "ask an applicant for a missing document",
        "transfer an application to another caseworker",
        "see the history of changes to an application",
    ],
}
SCOPE_PHRASES = [  # the widening to part-time caregivers
    "declare that I care for someone part time",
    "enter the hours of care I give each week",
    "enter hours that change from week to week",
    "be told how part-time care changes the amount",
    "see an estimate of my part-time amount before I apply",
    "move from the part-time to the full-time allowance",
    "apply as one of two part-time caregivers for the same person",
    "see the part-time rules in plain language",
    "upload a schedule of care as proof of my hours",
    "update my hours of care after I am approved",
    "be told when a change in hours changes my payment",
    "read the part-time pages in French",
    "use the hours-of-care page with a screen reader",
    "see the part-time cases waiting for a decision (caseworker)",
    "record the hours a part-time caregiver was approved for (caseworker)",
]
BUG_PHRASES = {  # each with the epic whose work it breaks
    "Date picker does not accept dates typed by hand": "Application form",
    "French page shows an English error message": "Accessibility and official languages",
    "Upload fails for files with accents in their names": "Document upload",
    "Review page loses the postal code": "Application form",
    "Screen reader announces the progress bar twice": "Accessibility and official languages",
    "Session ends without the warning on mobile": "Application form",
    "Reference number missing from the confirmation email": "Notifications",
    "Caseworker queue sorts by name instead of date": "Caseworker tools",
    "Saved application reopens at the first page": "Application form",
    "Bank number field rejects a leading zero": "Payments",
}
TASK_PHRASES = [
    "Set up automated accessibility checks in the build",
    "Write the privacy notice with the privacy office",
    "Load test the application form",
    "Move the test environment to the new hosting",
    "Document the eligibility rules for caseworkers",
    "Set up error monitoring for the payments interface",
    "Update the threat and risk assessment",
    "Prepare the beta's service standard assessment",
]
FIBONACCI = np.array([1, 2, 3, 5, 8, 13])
STORY_POINT_WEIGHTS = np.array([0.08, 0.22, 0.30, 0.24, 0.11, 0.05])


@dataclass
class Item:
    key: str
    item_type: str  # Story, Bug or Task
    epic: str
    title: str
    points: int | None  # None: not estimated
    criteria: int  # acceptance criteria written
    created: date
    rank: float  # lower is pulled sooner
    effort: float  # effort-days the work needs
    done_effort: float = 0.0
    status: str = "To Do"
    started: date | None = None
    events: list[tuple[date, str, str]] = field(default_factory=list)

    def move(self, day: date, to_status: str) -> None:
        self.events.append((day, self.status, to_status))
        self.status = to_status


def working_days(first: date, last: date) -> list[date]:
    """Monday to Friday, without the holiday break and statutory holidays."""
    days, day = [], first
    while day <= last:
        closed = HOLIDAY_BREAK[0] <= day <= HOLIDAY_BREAK[1] or day in STATUTORY
        if day.weekday() < 5 and not closed:
            days.append(day)
        day += timedelta(days=1)
    return days


def _effort(rng: np.random.Generator, item_type: str, points: int | None) -> float:
    """Effort-days of work: about 0.9 a point for stories, with the spread real estimates have."""
    if item_type == "Bug":
        return float(rng.gamma(2.0, 0.6))
    if item_type == "Task":
        return float(rng.gamma(2.5, 0.8))
    size = points if points is not None else 3
    return float(size * 0.9 * rng.lognormal(0.0, 0.35))


def _story(rng: np.random.Generator, number: int, epic: str, phrase: str, created: date,
           rank: float, estimated: bool = True) -> Item:
    points = int(rng.choice(FIBONACCI, p=STORY_POINT_WEIGHTS)) if estimated else None
    criteria = int(rng.choice([0, 2, 3, 4, 5], p=[0.12, 0.2, 0.33, 0.23, 0.12]))
    who = "caseworker" if epic == "Caseworker tools" or "(caseworker)" in phrase \
        else "caregiver"
    phrase = phrase.replace(" (caseworker)", "")
    return Item(f"{PREFIX}-{number}", "Story", epic, f"As a {who}, I can {phrase}",
                points, criteria, created, rank, _effort(rng, "Story", points))


def _initial_backlog(rng: np.random.Generator) -> list[Item]:
    """The waterfall plan's requirements, rewritten as stories and tasks on day one."""
    items: list[Item] = []
    number = 101
    # Epics reach the top of the backlog in this order; payments come up around December.
    order = ["Eligibility check", "Application form", "Accessibility and official languages",
             "Document upload", "Payments", "Notifications", "Caseworker tools"]
    for position, epic in enumerate(order):
        phrases = EPICS[epic]
        for index, phrase in enumerate(phrases):
            for part in ((1, 2) if rng.random() < 0.7 else (None,)):
                title = phrase if part is None else f"{phrase} (part {part})"
                rank = position * 100 + index * 10 + (part or 0) + rng.uniform(0, 1)
                items.append(_story(rng, number, epic, title, START, rank,
                                    estimated=rng.random() > 0.06))
                number += 1
    for phrase in TASK_PHRASES:
        points = int(rng.choice([1, 2, 3, 5]))
        epic = ("Payments" if "payments" in phrase else
                "Accessibility and official languages" if "accessib" in phrase else
                "Application form")
        rank = float(rng.uniform(0, 700))
        items.append(Item(f"{PREFIX}-{number}", "Task", epic, phrase, points,
                          int(rng.choice([0, 1, 2])), START, rank,
                          _effort(rng, "Task", points)))
        number += 1
    return items


def _simulate(rng: np.random.Generator) -> list[Item]:
    items = _initial_backlog(rng)
    for item in items:
        item.events.append((item.created, "", "To Do"))
    next_number = 101 + len(items)
    bug_phrases = iter(list(BUG_PHRASES) * 5)
    for day in working_days(START, SNAPSHOT):
        # New work arrives: bugs found in testing, and on one day the widened policy.
        if rng.random() < 0.22:
            title = next(bug_phrases)
            bug = Item(f"{PREFIX}-{next_number}", "Bug", BUG_PHRASES[title], title, None, 1,
                       day, float(rng.uniform(-5, 5)), _effort(rng, "Bug", None))
            bug.events.append((day, "", "To Do"))
            items.append(bug)
            next_number += 1
        if day == SCOPE_CHANGE:
            for index in range(SCOPE_ITEMS):  # each need split in two at once
                phrase = SCOPE_PHRASES[index // 2]
                story = _story(rng, next_number, "Part-time caregivers",
                               f"{phrase} (part {index % 2 + 1})", day,
                               -100 + index + rng.uniform(0, 1))
                story.events.append((day, "", "To Do"))
                items.append(story)
                next_number += 1
        # Blocked work: payments go first for the beta, then wait for the security assessment.
        if day == PAYMENTS_FIRST:
            for item in items:
                if item.epic == "Payments" and item.status == "To Do":
                    item.rank -= 1000
        if BLOCKED[0] <= day <= BLOCKED[1]:  # each stops where it needs the interface
            for item in items:
                if item.epic == "Payments" and item.status == "In Progress" \
                        and item.done_effort >= 0.3 * item.effort:
                    item.move(day, "Blocked")
        if day == working_days(BLOCKED[1] + timedelta(days=1), SNAPSHOT)[0]:
            for item in items:
                if item.status == "Blocked":
                    item.move(day, "In Progress")
        # The WIP limit comes back: the least advanced items return to the backlog.
        if day == LIMIT_BACK:
            barely = sorted((i for i in items if i.status == "In Progress"
                             and i.done_effort < 0.2 * i.effort),
                            key=lambda i: i.done_effort / i.effort)
            for item in barely[:8]:
                item.move(day, "To Do")
        # Pull new work: up to the WIP limit, or two a day while it is dropped.
        exploding = EXPLOSION[0] <= day <= EXPLOSION[1]
        in_progress = [i for i in items if i.status in ("In Progress", "Blocked")]
        waiting = sorted((i for i in items if i.status == "To Do" and i.created <= day),
                         key=lambda i: i.rank)
        room = 2 if exploding else max(0, WIP_LIMIT - len(in_progress))
        for item in waiting[:room]:
            item.move(day, "In Progress")
            if item.started is None:
                item.started = day
        # Work: the team's time is shared among active items, less what switching costs.
        active = [i for i in items if i.status == "In Progress"]
        if active:
            switching = max(0.55, 1.0 - 0.035 * max(0, len(active) - WIP_LIMIT))
            share = TEAM_CAPACITY * switching / len(active)
            for item in active:
                item.done_effort += share * rng.uniform(0.6, 1.4)
                if item.done_effort >= item.effort:
                    item.move(day, "Done")
    return items


def _wait_for_translation(items: list[Item]) -> None:
    """Mark the French-text stories in progress through the translation wait as blocked.

    Applied to the finished history, so that the rest of the simulation (and every figure the
    lessons and the assignment take from it) is the same as without the wait: while blocked,
    the stories stay in WIP and keep their finish dates."""
    first, back = TRANSLATION_WAIT
    for item in items:
        if not item.title.startswith(tuple(f"As a caregiver, I can {phrase}"
                                           for phrase in WAITING_FOR_TRANSLATION)):
            continue
        started_before = [e for e in item.events if e[2] == "In Progress" and e[0] < first]
        moved_during = [e for e in item.events if first <= e[0] <= back]
        if started_before and not moved_during and item.status == "Done":
            item.events += [(first, "In Progress", "Blocked"), (back, "Blocked", "In Progress")]
            item.events.sort(key=lambda event: event[0])


def _sprints(rng: np.random.Generator, items: list[Item]) -> list[dict]:
    """Each sprint's dates, the points committed at planning (a little more than the last
    three sprints' average: teams plan hopefully) and the points completed."""
    days = working_days(START, SNAPSHOT)
    rows, index, number = [], 0, 1
    while index < len(days):
        first = days[index]
        # A sprint is two calendar weeks of working days; the holiday break shortens none.
        span = [d for d in days[index:] if (d - first).days < 14 + (
            14 if first < HOLIDAY_BREAK[0] <= first + timedelta(days=13) else 0)]
        last = span[-1]
        finished = [i for i in items if i.status == "Done" and first <= i.events[-1][0] <= last]
        completed = sum(i.points or 0 for i in finished)
        recent = [row["completed_points"] for row in rows[-3:]]
        planned = np.mean(recent) if recent else 20.0
        committed = int(round(max(planned, 12.0) * rng.uniform(1.15, 1.4)))
        rows.append({"sprint": number, "start_date": first.isoformat(),
                     "end_date": last.isoformat(), "committed_points": committed,
                     "completed_points": completed, "working_days": len(span)})
        index += len(span)
        number += 1
    return rows


def tables(_earlier: dict[str, list[dict]] | None = None, seed: int = SEED
           ) -> dict[str, list[dict]]:
    """The three tables, by name, as rows (datasets/generate.py writes them). The team's
    records draw on no earlier module's table."""
    rng = np.random.default_rng(seed)
    items = _simulate(rng)
    _wait_for_translation(items)
    open_items = sorted((i for i in items if i.status != "Done"), key=lambda i: i.rank)
    ranks = {i.key: rank for rank, i in enumerate(open_items, 1)}
    backlog = [{"item_key": i.key, "item_type": i.item_type, "epic": i.epic, "title": i.title,
                "estimate_points": "" if i.points is None else i.points,
                "acceptance_criteria": i.criteria, "created_date": i.created.isoformat(),
                "backlog_rank": ranks.get(i.key, "")}
               for i in sorted(items, key=lambda i: int(i.key.split("-")[1]))]
    changes = sorted(((day, int(i.key.split("-")[1]), i.key, i.item_type, before, after)
                      for i in items for day, before, after in i.events),
                     key=lambda row: (row[0], row[1]))
    history = [{"item_key": key, "item_type": kind, "from_status": before,
                "to_status": after, "changed_date": day.isoformat()}
               for day, _number, key, kind, before, after in changes]
    return {"agile_backlog": backlog, "agile_status_changes": history,
            "agile_sprints": _sprints(rng, items)}
