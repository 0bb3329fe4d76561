"""Find the assignments of the curriculum.

An assignment is an Otter Assign source notebook at ``modules/<module>/assignment/source/
<name>.ipynb``. Its student version is published beside the ``source`` folder, where learners
and Binder find it, and its plausible wrong answers sit in ``source/wrong-answers.yml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Assignment:
    """Where one assignment's files live."""

    name: str
    module: str
    source: Path

    @property
    def folder(self) -> Path:
        """The module's ``assignment`` folder, which holds the published student notebook."""
        return self.source.parent.parent

    @property
    def student_notebook(self) -> Path:
        return self.folder / self.source.name

    @property
    def wrong_answers(self) -> Path:
        return self.source.parent / "wrong-answers.yml"

    @property
    def accepted_answers(self) -> Path:
        """Correct answers in other forms (optional): each must score full marks."""
        return self.source.parent / "accepted-answers.yml"


def find_assignments(root: Path = PROJECT_ROOT) -> list[Assignment]:
    """Every assignment under ``root/modules``, in module order."""
    sources = sorted((root / "modules").glob("*/assignment/source/*.ipynb"))
    return [
        Assignment(name=path.stem, module=path.parents[2].name, source=path)
        for path in sources
        if ".ipynb_checkpoints" not in path.parts
    ]


def get_assignment(name: str, root: Path = PROJECT_ROOT) -> Assignment:
    """The assignment called ``name``; a clear error lists the known names otherwise."""
    assignments = find_assignments(root)
    for assignment in assignments:
        if assignment.name == name:
            return assignment
    known = ", ".join(a.name for a in assignments) or "none"
    raise LookupError(f"No assignment called {name!r}. Assignments in {root}: {known}.")


def answer_folders(root: Path = PROJECT_ROOT) -> list[Path]:
    """The project's folders that hold solutions and hidden tests (each assignment's source,
    and the builds), for the grading sandbox to hide where the system allows."""
    folders = [a.source.parent.resolve() for a in find_assignments(root)]
    return folders + [p.resolve() for p in (root / "build",) if p.is_dir()]
