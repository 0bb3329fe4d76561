"""The gradebook: every result, kept safe, in SQLite by default or any SQLAlchemy database.

Each submission's result (status, reason, score, timing, hash of the file graded) and its
per-question scores are written in one transaction, so a run killed at any moment leaves every
earlier result whole and no half-written one. The hash lets a later run skip what is already
graded and regrade only new or changed submissions.
"""

from __future__ import annotations

import functools
import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError

from autograder import __version__

# How many times a write that met another's at the same moment is made again.
WRITE_ATTEMPTS = 8
# PostgreSQL's codes for a write that met another transaction's: unique key taken at the same
# moment, serialization failure, deadlock. SQLite's are in its messages.
_POSTGRES_CLASHES = {"23505", "40001", "40P01"}
_SQLITE_CLASHES = ("UNIQUE constraint failed", "database is locked")


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _clash(error: Exception) -> bool:
    """Whether a failed write met another's (and is worth making again), rather than being
    wrong in itself."""
    original = getattr(error, "orig", None)
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return code in _POSTGRES_CLASHES or any(m in str(original) for m in _SQLITE_CLASHES)


def _retried(write):
    """Make a write again, from the start, when it met another's at the same moment.

    Two teaching assistants marking from one shared gradebook, or two runs recording at once,
    can replace the same row in the same instant: one transaction then fails on the unique
    key (PostgreSQL) or on the lock (SQLite). Nothing was written by it (a transaction is
    whole or nothing); made again, it reads what the other wrote and writes over it, so
    neither's mark is refused and the history keeps both.
    """
    @functools.wraps(write)
    def again(self, *args, **kwargs):
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return write(self, *args, **kwargs)
            except (IntegrityError, OperationalError) as error:
                if attempt == WRITE_ATTEMPTS - 1 or not _clash(error):
                    raise
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        raise AssertionError("unreachable")
    return again

metadata = MetaData()

results_table = Table(
    "results", metadata,
    Column("id", Integer, primary_key=True),
    Column("assignment", String(200), nullable=False),
    Column("submission", String(500), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("status", String(40), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("score", Float, nullable=False),
    Column("possible", Float, nullable=False),
    Column("duration_s", Float, nullable=False, default=0.0),
    Column("peak_memory_mb", Float, nullable=False, default=0.0),
    Column("graded_at", String(40), nullable=False),
    Column("grader_version", String(40), nullable=False),
    # Which tests gave this result (AutograderTests.digest): after the tests change, results
    # are regraded, and exports refuse to mix totals from two versions.
    Column("tests_sha256", String(64), nullable=False, default=""),
    UniqueConstraint("assignment", "submission", name="one_result_per_submission"),
)

question_table = Table(
    "question_scores", metadata,
    Column("id", Integer, primary_key=True),
    Column("assignment", String(200), nullable=False),
    Column("submission", String(500), nullable=False),
    Column("question", String(200), nullable=False),
    Column("score", Float, nullable=False),
    Column("possible", Float, nullable=False),
    Column("public_passed", Integer, nullable=False),
    Column("public_total", Integer, nullable=False),
    Column("hints", Text, nullable=False, default="[]"),
    UniqueConstraint("assignment", "submission", "question", name="one_score_per_question"),
)

manual_table = Table(
    "manual_scores", metadata,
    Column("id", Integer, primary_key=True),
    Column("assignment", String(200), nullable=False),
    Column("submission", String(500), nullable=False),
    Column("question", String(200), nullable=False),
    Column("score", Float, nullable=False),
    Column("possible", Float, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("entered_at", String(40), nullable=False),
    UniqueConstraint("assignment", "submission", "question", name="one_manual_score"),
)

# The free-response questions of an assignment, as `autograder review` found them: an otter zip
# does not record them, and exports must know what is still to mark before any mark exists.
questions_table = Table(
    "manual_questions", metadata,
    Column("id", Integer, primary_key=True),
    Column("assignment", String(200), nullable=False),
    Column("question", String(200), nullable=False),
    Column("possible", Float, nullable=False),
    Column("position", Integer, nullable=False),
    UniqueConstraint("assignment", "question", name="one_entry_per_question"),
)

# Changes to a grade after grading, never edited or deleted: each says who made it, when and
# why. "points" adds (or, negative, takes away) points: a regrade request, a correction;
# "extension" moves the submission's due date to ``until``.
adjustments_table = Table(
    "adjustments", metadata,
    Column("id", Integer, primary_key=True),
    Column("assignment", String(200), nullable=False),
    Column("submission", String(500), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("points", Float, nullable=False, default=0.0),
    Column("until", String(40), nullable=False, default=""),
    Column("reason", Text, nullable=False),
    Column("entered_by", String(200), nullable=False),
    Column("entered_at", String(40), nullable=False),
)

# An assignment's late policy; the latest row counts, the earlier ones are its history.
late_policies_table = Table(
    "late_policies", metadata,
    Column("id", Integer, primary_key=True),
    Column("assignment", String(200), nullable=False),
    Column("due", String(40), nullable=False),
    Column("percent", Float, nullable=False),  # of the points possible
    Column("per_day", Integer, nullable=False),  # 1: per day or part of a day late; 0: once
    Column("entered_by", String(200), nullable=False),
    Column("entered_at", String(40), nullable=False),
)

# Every free-response mark as it was entered, the earlier marks kept: who changed what, when.
mark_history_table = Table(
    "mark_history", metadata,
    Column("id", Integer, primary_key=True),
    Column("assignment", String(200), nullable=False),
    Column("submission", String(500), nullable=False),
    Column("question", String(200), nullable=False),
    Column("score", Float, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("entered_by", String(200), nullable=False),
    Column("entered_at", String(40), nullable=False),
)

# Marks given on the marking page, criterion by criterion, each saved as it is made; the
# criterion "" holds the marker's comment. When every criterion of an answer is marked, its
# total is recorded as the question's free-response score.
criterion_table = Table(
    "criterion_marks", metadata,
    Column("id", Integer, primary_key=True),
    Column("assignment", String(200), nullable=False),
    Column("submission", String(500), nullable=False),
    Column("question", String(200), nullable=False),
    Column("criterion", String(200), nullable=False),
    Column("points", Float, nullable=False, default=0.0),
    Column("comment", Text, nullable=False, default=""),
    Column("entered_by", String(200), nullable=False),
    Column("entered_at", String(40), nullable=False),
    UniqueConstraint("assignment", "submission", "question", "criterion",
                     name="one_mark_per_criterion"),
)

EXPECTED_COLUMNS = {table.name: {column.name for column in table.columns}
                    for table in metadata.sorted_tables}


class GradebookTampered(RuntimeError):
    """The gradebook holds a table, view, trigger or column the grader did not make."""


# Results with this status are retried by the next run: they record a fault of the grader, not
# of the submission.
RETRY_STATUSES = {"error"}


@dataclass
class QuestionScore:
    question: str
    score: float
    possible: float
    public_passed: int
    public_total: int
    hints: list[str]


@dataclass
class SubmissionResult:
    submission: str
    sha256: str
    status: str
    reason: str
    score: float
    possible: float
    duration_s: float
    peak_memory_mb: float
    questions: list[QuestionScore]
    graded_at: str = ""
    tests_sha256: str = ""

    def to_json(self) -> dict:
        return {
            "submission": self.submission, "status": self.status, "score": self.score,
            "possible": self.possible, "reason": self.reason, "sha256": self.sha256,
            "duration_s": round(self.duration_s, 3),
            "peak_memory_mb": round(self.peak_memory_mb, 1), "graded_at": self.graded_at,
            "tests_sha256": self.tests_sha256,
            "questions": {q.question: {"score": q.score, "possible": q.possible}
                          for q in self.questions},
        }


def _user() -> str:
    """Who is entering a change, when they do not say (``--by``): their login name."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def database_url(gradebook: str | Path) -> str:
    """A SQLAlchemy URL: given as is if it has a scheme, else a SQLite file path."""
    text = str(gradebook)
    return text if "://" in text else f"sqlite:///{Path(text).resolve()}"


class GradebookUnavailable(OSError):
    """The gradebook's database cannot be opened: no such server, database or driver."""


def shown_url(url: str) -> str:
    """A gradebook's address as it may be printed: without the password it may hold."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(with_installed_driver(url)).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL: a file path, printed as is
        return url


def with_installed_driver(url: str) -> str:
    """A PostgreSQL URL without a driver (``postgresql://``, or ``postgres://`` as some hosts
    give it) names psycopg 3, the driver the grader's pinned packages install, unless the
    older psycopg2 (SQLAlchemy's default) is installed."""
    scheme, _, rest = url.partition("://")
    if scheme not in ("postgresql", "postgres"):
        return url
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        return f"postgresql+psycopg://{rest}"
    return f"postgresql://{rest}"


class Gradebook:
    def __init__(self, url: str) -> None:
        try:
            self.engine = create_engine(with_installed_driver(url), future=True)
        except (ArgumentError, NoSuchModuleError, ImportError) as error:
            raise GradebookUnavailable(
                f"cannot open the gradebook {shown_url(url)}: {_first_line(error)}. A shared "
                "gradebook's address is postgresql://USER@HOST/DATABASE (the installed "
                "psycopg 3 driver); a file's is given with --gradebook FILE") from error
        if self.engine.dialect.name == "sqlite":
            @event.listens_for(self.engine, "connect")
            def _sqlite_pragmas(connection, _record):  # durable, and safe with readers
                cursor = connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=FULL")
                cursor.close()
        self.url = url
        try:
            self._check_integrity()
            metadata.create_all(self.engine)
        except OperationalError as error:
            self.engine.dispose()
            raise GradebookUnavailable(
                f"cannot open the gradebook {shown_url(url)}: {_first_line(error.orig)}. Check "
                "that the server is running at that address and that the database exists "
                "(PostgreSQL: createdb DATABASE); nothing was graded or exported") from error

    def _check_integrity(self) -> None:
        """Refuse a gradebook holding anything the grader did not make.

        Only the grader writes results, but a gradebook is a file (or a database) that others
        can reach: a trigger or a view could rewrite scores as they are recorded or exported.
        Before anything is graded or exported, its schema must be exactly the grader's.
        """
        inspector = inspect(self.engine)
        tables = set(inspector.get_table_names())
        problems = [f"a table {name!r}" for name in sorted(tables - set(EXPECTED_COLUMNS))
                    if not name.startswith("sqlite_")]
        problems += [f"a view {name!r}" for name in sorted(inspector.get_view_names())]
        problems += [f"a trigger {name!r}" for name in self._triggers()]
        for table in sorted(tables & set(EXPECTED_COLUMNS)):
            columns = {column["name"] for column in inspector.get_columns(table)}
            unknown = columns - EXPECTED_COLUMNS[table]
            missing = EXPECTED_COLUMNS[table] - columns - {"tests_sha256"}
            problems += [f"a column {table}.{name!r}" for name in sorted(unknown)]
            problems += [f"no column {table}.{name!r}" for name in sorted(missing)]
        if problems:
            raise GradebookTampered(
                f"the gradebook {self.engine.url.render_as_string(hide_password=True)} holds "
                f"{', '.join(problems)} that the grader did not make: it may have been "
                "tampered with, so nothing was graded or exported. Inspect it (for SQLite: "
                "sqlite3 FILE .schema), or grade into a new gradebook.")
        if "results" in tables and "tests_sha256" not in {
                c["name"] for c in inspector.get_columns("results")}:
            with self.engine.begin() as connection:  # a gradebook from before tests_sha256
                connection.execute(text("ALTER TABLE results ADD COLUMN tests_sha256 "
                                        "VARCHAR(64) NOT NULL DEFAULT ''"))

    def _triggers(self) -> list[str]:
        queries = {"sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
                   "postgresql": "SELECT trigger_name FROM information_schema.triggers "
                                 "WHERE trigger_schema = current_schema()"}
        query = queries.get(self.engine.dialect.name)
        if query is None:
            return []
        with self.engine.connect() as connection:
            return sorted({row[0] for row in connection.execute(text(query))})

    def recorded(self, assignment: str) -> dict[str, tuple[str, str, str]]:
        """submission -> (sha256, status, tests_sha256) for every result already recorded."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(results_table.c.submission, results_table.c.sha256,
                       results_table.c.status, results_table.c.tests_sha256).where(
                    results_table.c.assignment == assignment))
            return {row.submission: (row.sha256, row.status, row.tests_sha256) for row in rows}

    @_retried
    def record(self, assignment: str, result: SubmissionResult) -> None:
        """Replace this submission's result, all of it or nothing (one transaction)."""
        result.graded_at = result.graded_at or datetime.now(UTC).isoformat(timespec="seconds")
        key = ((results_table.c.assignment == assignment)
               & (results_table.c.submission == result.submission))
        qkey = ((question_table.c.assignment == assignment)
                & (question_table.c.submission == result.submission))
        with self.engine.begin() as connection:
            connection.execute(delete(question_table).where(qkey))
            connection.execute(delete(results_table).where(key))
            connection.execute(results_table.insert().values(
                assignment=assignment, submission=result.submission, sha256=result.sha256,
                status=result.status, reason=result.reason, score=result.score,
                possible=result.possible, duration_s=result.duration_s,
                peak_memory_mb=result.peak_memory_mb, graded_at=result.graded_at,
                grader_version=__version__, tests_sha256=result.tests_sha256))
            if result.questions:
                connection.execute(question_table.insert(), [
                    {"assignment": assignment, "submission": result.submission,
                     "question": q.question, "score": q.score, "possible": q.possible,
                     "public_passed": q.public_passed, "public_total": q.public_total,
                     "hints": json.dumps(q.hints)} for q in result.questions])

    def results(self, assignment: str) -> list[SubmissionResult]:
        """Every recorded result of an assignment, in submission order."""
        with self.engine.connect() as connection:
            questions: dict[str, list[QuestionScore]] = {}
            for row in connection.execute(select(question_table).where(
                    question_table.c.assignment == assignment).order_by(question_table.c.id)):
                questions.setdefault(row.submission, []).append(QuestionScore(
                    row.question, row.score, row.possible, row.public_passed, row.public_total,
                    json.loads(row.hints)))
            rows = connection.execute(select(results_table).where(
                results_table.c.assignment == assignment).order_by(results_table.c.submission))
            return [SubmissionResult(row.submission, row.sha256, row.status, row.reason,
                                     row.score, row.possible, row.duration_s,
                                     row.peak_memory_mb, questions.get(row.submission, []),
                                     row.graded_at, row.tests_sha256) for row in rows]

    @_retried
    def record_manual(self, assignment: str,
                      scores: list[tuple[str, str, float, float, str]],
                      entered_by: str = "") -> int:
        """Store free-response scores (submission, question, score, possible, comment), all in
        one transaction: an import either lands whole or not at all. A mark the gradebook
        already holds unchanged is left as it is; each new or changed one is kept in the
        history with who entered it. Returns how many were new or changed."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        current = self.manual(assignment)
        changed = [s for s in scores
                   if current.get(s[0], {}).get(s[1]) != (s[2], s[3], s[4])]
        with self.engine.begin() as connection:
            if changed:
                connection.execute(mark_history_table.insert(), [
                    {"assignment": assignment, "submission": submission, "question": question,
                     "score": score, "comment": comment, "entered_by": entered_by or _user(),
                     "entered_at": now}
                    for submission, question, score, _possible, comment in changed])
            for submission, question, score, possible, comment in changed:
                connection.execute(delete(manual_table).where(
                    (manual_table.c.assignment == assignment)
                    & (manual_table.c.submission == submission)
                    & (manual_table.c.question == question)))
                connection.execute(manual_table.insert().values(
                    assignment=assignment, submission=submission, question=question,
                    score=score, possible=possible, comment=comment, entered_at=now))
        return len(changed)

    def manual(self, assignment: str) -> dict[str, dict[str, tuple[float, float, str]]]:
        """submission -> question -> (score, possible, comment) for free-response answers."""
        with self.engine.connect() as connection:
            scores: dict[str, dict[str, tuple[float, float, str]]] = {}
            for row in connection.execute(select(manual_table).where(
                    manual_table.c.assignment == assignment).order_by(manual_table.c.question)):
                scores.setdefault(row.submission, {})[row.question] = (
                    row.score, row.possible, row.comment)
            return scores

    @_retried
    def record_questions(self, assignment: str, questions: list[tuple[str, float]]) -> None:
        """The free-response questions (name, points possible), in order, replacing any
        recorded before."""
        with self.engine.begin() as connection:
            connection.execute(delete(questions_table).where(
                questions_table.c.assignment == assignment))
            if questions:
                connection.execute(questions_table.insert(), [
                    {"assignment": assignment, "question": name, "possible": possible,
                     "position": position}
                    for position, (name, possible) in enumerate(questions)])

    def questions(self, assignment: str) -> dict[str, float]:
        """The free-response questions recorded for an assignment -> points possible."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(questions_table).where(
                questions_table.c.assignment == assignment).order_by(
                questions_table.c.position))
            return {row.question: row.possible for row in rows}

    def adjust(self, assignment: str, submission: str, kind: str, reason: str, *,
               points: float = 0.0, until: str = "", entered_by: str = "") -> None:
        """Add an adjustment (see ``adjustments_table``); nothing earlier is changed."""
        if not reason.strip():
            raise ValueError("an adjustment needs a reason (--reason), kept with it")
        with self.engine.begin() as connection:
            connection.execute(adjustments_table.insert().values(
                assignment=assignment, submission=submission, kind=kind, points=points,
                until=until, reason=reason.strip(), entered_by=entered_by or _user(),
                entered_at=datetime.now(UTC).isoformat(timespec="seconds")))

    def adjustments(self, assignment: str) -> list[dict]:
        """Every adjustment of an assignment, oldest first."""
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(
                select(adjustments_table).where(adjustments_table.c.assignment == assignment)
                .order_by(adjustments_table.c.id))]

    def set_late_policy(self, assignment: str, due: str, percent: float, per_day: bool,
                        entered_by: str = "") -> None:
        with self.engine.begin() as connection:
            connection.execute(late_policies_table.insert().values(
                assignment=assignment, due=due, percent=percent, per_day=int(per_day),
                entered_by=entered_by or _user(),
                entered_at=datetime.now(UTC).isoformat(timespec="seconds")))

    def late_policies(self, assignment: str) -> list[dict]:
        """The assignment's late policies, oldest first: the last one counts."""
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(
                select(late_policies_table).where(late_policies_table.c.assignment == assignment)
                .order_by(late_policies_table.c.id))]

    def mark_history(self, assignment: str) -> list[dict]:
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(
                select(mark_history_table).where(mark_history_table.c.assignment == assignment)
                .order_by(mark_history_table.c.id))]

    @_retried
    def mark_criterion(self, assignment: str, submission: str, question: str, criterion: str,
                       points: float = 0.0, comment: str = "", entered_by: str = "") -> None:
        """Save one criterion's mark (or, for criterion "", the comment), replacing the one
        before, in its own transaction."""
        key = ((criterion_table.c.assignment == assignment)
               & (criterion_table.c.submission == submission)
               & (criterion_table.c.question == question)
               & (criterion_table.c.criterion == criterion))
        with self.engine.begin() as connection:
            connection.execute(delete(criterion_table).where(key))
            connection.execute(criterion_table.insert().values(
                assignment=assignment, submission=submission, question=question,
                criterion=criterion, points=points, comment=comment,
                entered_by=entered_by or _user(),
                entered_at=datetime.now(UTC).isoformat(timespec="seconds")))

    def criterion_marks(self, assignment: str) -> dict[str, dict[str, dict[str, tuple]]]:
        """submission -> question -> criterion -> (points, comment, entered_by)."""
        marks: dict[str, dict[str, dict[str, tuple]]] = {}
        with self.engine.connect() as connection:
            for row in connection.execute(select(criterion_table).where(
                    criterion_table.c.assignment == assignment)):
                marks.setdefault(row.submission, {}).setdefault(row.question, {})[
                    row.criterion] = (row.points, row.comment, row.entered_by)
        return marks

    def files(self) -> list[Path]:
        """The database's files on this machine (a SQLite file and its journals), if any."""
        database = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        if not database or database == ":memory:":
            return []
        main = Path(database).resolve()
        return [p for p in (main, Path(f"{main}-wal"), Path(f"{main}-shm")) if p.exists()]

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
