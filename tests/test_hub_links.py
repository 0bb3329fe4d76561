"""nbgitpuller links for a course run on a JupyterHub: one per notebook learners open, each
naming the clone's folder and the notebook as nbgitpuller expects, and none to a source
notebook (solutions and hidden tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from autograder.hub_links import learner_notebooks, links_table, nbgitpuller_link

HUB = "https://hub.example.ca/"
REPOSITORY = "https://github.com/example-school/public-service-data-literacy.git"


def test_every_learner_notebook_gets_a_link_that_opens_it(root):
    rows = links_table(root, HUB, REPOSITORY, branch="fall-2027")
    notebooks = [Path(n) for n, _ in rows]
    lessons = sorted(p.relative_to(root) for p in root.glob("modules/*/[0-9][0-9]-*.ipynb"))
    students = sorted(p.relative_to(root) for p in root.glob("modules/*/assignment/*.ipynb"))
    assert lessons and students and sorted(notebooks) == sorted(lessons + students)
    assert not [n for n in notebooks if "source" in n.parts]
    for notebook, link in rows:
        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}" == "https://hub.example.ca"
        assert parts.path == "/hub/user-redirect/git-pull"
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        assert query == {
            "repo": REPOSITORY, "branch": "fall-2027",
            "urlpath": f"lab/tree/public-service-data-literacy/{notebook}?autodecode"}
        assert (root / notebook).is_file()


def test_the_classic_interface_and_bad_addresses():
    link = nbgitpuller_link(HUB, REPOSITORY, "modules/a/01-b.ipynb", interface="notebook")
    assert parse_qs(urlsplit(link).query)["urlpath"] == [
        "tree/public-service-data-literacy/modules/a/01-b.ipynb"]
    with pytest.raises(ValueError, match="https://"):
        nbgitpuller_link("hub.example.ca", REPOSITORY, "x.ipynb")
    with pytest.raises(ValueError, match="unknown interface"):
        nbgitpuller_link(HUB, REPOSITORY, "x.ipynb", interface="vscode")


def test_the_command_prints_a_table_and_a_csv(root):
    def run(*extra):
        return subprocess.run([sys.executable, "-m", "autograder", "hub-links", "--hub", HUB,
                               "--repository", REPOSITORY, *extra], capture_output=True,
                              text=True, timeout=120, check=True).stdout

    table = run()
    assert table.count("[open on the hub](") == len(learner_notebooks(root))
    csv_lines = run("--format", "csv").splitlines()
    assert csv_lines[0] == "notebook,link" and len(csv_lines) == len(learner_notebooks(root)) + 1
