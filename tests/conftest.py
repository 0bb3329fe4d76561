"""Shared fixtures: the project's paths, and each assignment built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.assignments import find_assignments
from autograder.build import build_assignment

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = find_assignments(ROOT)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built_assignments(tmp_path_factory):
    """Every assignment built by Otter Assign into a temporary folder, keyed by name."""
    out = tmp_path_factory.mktemp("assignments")
    return {a.name: (a, build_assignment(a, out / a.name)) for a in ASSIGNMENTS}
