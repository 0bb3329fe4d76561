"""nbgitpuller links: one per notebook a learner opens, for a course run on a JupyterHub.

A learner who clicks one has the course's repository pulled into their hub folder (first a
clone, later a merge that keeps their own changes: nbgitpuller's automatic merging) and the
notebook opened. The links are made from the hub's and the repository's addresses, as
nbgitpuller's own link generator makes them (``docs/topic/url-options`` in nbgitpuller): the
``urlpath`` names the clone's folder (the repository's name) before the notebook's path, and
JupyterLab's ends in ``?autodecode``.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlencode, urlsplit

INTERFACES = {"lab": "lab/tree/{path}?autodecode", "notebook": "tree/{path}"}


def learner_notebooks(root: Path) -> list[Path]:
    """The notebooks learners open, relative to the repository: each module's lessons and
    its assignment's student notebook, never an assignment's source (it holds the solutions
    and hidden tests)."""
    root = Path(root)
    found = [*root.glob("modules/*/[0-9][0-9]-*.ipynb"), *root.glob("modules/*/assignment/*.ipynb")]
    return sorted(p.relative_to(root) for p in found)


def clone_folder(repository: str) -> str:
    """The folder nbgitpuller clones a repository into: the last part of its address."""
    name = PurePosixPath(urlsplit(repository).path.rstrip("/")).name
    return name.removesuffix(".git")


def nbgitpuller_link(hub: str, repository: str, notebook: str | Path, *, branch: str = "main",
                     interface: str = "lab") -> str:
    """The link that pulls ``repository`` into a learner's folder on ``hub`` and opens
    ``notebook`` (its path in the repository) in JupyterLab or the classic interface."""
    if interface not in INTERFACES:
        raise ValueError(f"unknown interface {interface!r}: one of {', '.join(INTERFACES)}")
    if not urlsplit(hub).scheme or not urlsplit(repository).scheme:
        raise ValueError("the hub's and the repository's addresses start with https://")
    path = f"{clone_folder(repository)}/{PurePosixPath(notebook).as_posix()}"
    query = urlencode({"repo": repository, "branch": branch,
                       "urlpath": INTERFACES[interface].format(path=path)}, quote_via=quote)
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def links_table(root: Path, hub: str, repository: str, *, branch: str = "main",
                interface: str = "lab") -> list[tuple[str, str]]:
    """(notebook, link) for every notebook a learner opens."""
    return [(str(notebook), nbgitpuller_link(hub, repository, notebook, branch=branch,
                                             interface=interface))
            for notebook in learner_notebooks(root)]
