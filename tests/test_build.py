"""Building an assignment is deterministic: an unchanged source gives byte-identical notebooks."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ASSIGNMENTS

from autograder.build import build_assignment, stable_cell_ids

ID = re.compile(r"^[0-9a-f]{8}$")


def _ids(path) -> list[str]:
    return [cell["id"] for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]]


def test_created_cells_get_ids_from_their_place_and_text_and_source_cells_keep_theirs():
    source_ids = ["intro", "q1-prompt", "q1-answer"]
    cells = [{"cell_type": "code", "id": "random-1", "source": "import otter"},
             {"cell_type": "markdown", "id": "intro", "source": "# Title"},
             {"cell_type": "code", "id": "q1-answer", "source": "answer = ..."},
             {"cell_type": "code", "id": "random-2", "source": 'grader.check("q1")'},
             {"cell_type": "markdown", "id": "random-3", "source": "_Type your answer here_"},
             {"cell_type": "markdown", "id": "random-4", "source": "_Type your answer here_"}]
    ids = stable_cell_ids(cells, source_ids)
    assert ids[1:3] == ["intro", "q1-answer"]
    created = [ids[0], *ids[3:]]
    assert all(ID.match(i) for i in created) and len(set(ids)) == len(ids)
    # Otter's random ids play no part: other random ids give the same result.
    again = [{**cell, "id": f"other-{n}"} if cell["id"].startswith("random") else cell
             for n, cell in enumerate(cells)]
    assert stable_cell_ids(again, source_ids) == ids
    # A change elsewhere in the source leaves a created cell's id alone.
    edited = [{**cells[0]}, {**cells[1], "source": "# Another title"}, *cells[2:]]
    assert stable_cell_ids(edited, source_ids)[3] == ids[3]


@pytest.mark.slow
@pytest.mark.parametrize("name", [a.name for a in ASSIGNMENTS])
def test_building_twice_gives_byte_identical_notebooks(name, built_assignments, tmp_path):
    assignment, first = built_assignments[name]
    second = build_assignment(assignment, tmp_path / name)
    assert first.student_notebook.read_bytes() == second.student_notebook.read_bytes()
    assert first.solution_notebook.read_bytes() == second.solution_notebook.read_bytes()
    source_ids = set(_ids(assignment.source))
    student_ids = _ids(first.student_notebook)
    assert len(set(student_ids)) == len(student_ids), "two cells share an id"
    assert source_ids & set(student_ids), "the source's cell ids were not kept"
    assert all(ID.match(i) for i in set(student_ids) - source_ids)
