"""Every figure a notebook draws carries alt text in its cell metadata (read from the notebooks,
not only from the built HTML) and the numbers behind it as text, and every notebook's headings
go down one level at a time."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for p in (ROOT / "modules").rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_figure_has_alt_text(path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        draws = any(kind in output.get("data", {}) for output in cell.get("outputs", [])
                    for kind in IMAGE_TYPES)
        if draws:
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt) >= 40, f"{path.name} cell {index} draws a figure without alt text"
            assert _data_behind_follows(notebook.cells, index), (
                f"{path.name} cell {index} draws a figure without its numbers as text: end the "
                "cell, or the next code cell, with learner_tools.data_behind(table, caption)")


def _data_behind_follows(cells, index: int) -> bool:
    """Whether the figure's cell or the next code cell shows a "Data behind this chart" table."""
    following = [cells[index]] + [c for c in cells[index + 1:] if c.cell_type == "code"][:1]
    return any("data-behind-chart" in output.get("data", {}).get("text/html", "")
               for cell in following for output in cell.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_headings_start_at_one_and_never_skip_a_level(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    levels = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        text = re.sub(r"```.*?```", "", text, flags=re.S)
        levels += [len(m.group(1)) for m in re.finditer(r"^(#{1,6}) ", text, flags=re.M)]
    assert levels and levels[0] == 1, f"{path.name} should start with one level-1 title"
    assert levels.count(1) == 1, f"{path.name} has more than one level-1 heading"
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"{path.name}: heading level jumps from {before} to {after}"
