"""Containment as an ordinary user (issue 10): the same class, attackers among honest
submissions, graded by an instructor who is not root.

CI runs as root. There the grader is started as ``nobody`` with no capabilities, in a mount
namespace of the test's own where the interpreter is reachable (a venv's Python often lives in
root's home, which no other user may enter); nothing on the machine changes. Without root the
test grades as the user it runs as.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from adversarial.attacks import ATTACKS, notebook_with
from conftest import ASSIGNMENTS

from autograder.assignments import PROJECT_ROOT
from autograder.grading import grade_notebook

ASSIGNMENT = ASSIGNMENTS[0].name
NOBODY = 65534
# What an ordinary user would try first: the answer key, the other processes, the sandbox's
# walls, the kernel's settings, the gradebook, and outliving the run.
CHOSEN = ("read-the-assignment-source", "kill-every-other-process", "lift-the-sandbox",
          "write-the-kernels-settings", "write-to-the-gradebook", "fork-and-linger",
          "leave-through-the-parent-root")

pytestmark = pytest.mark.slow


def _walled_off(path: Path) -> Path | None:
    """The first folder on the way to ``path`` that other users may not enter, if any."""
    for folder in [*reversed(path.parents)]:
        if not folder.stat().st_mode & stat.S_IXOTH:
            return folder
    return None


def _as_ordinary_user(command: list[str], home: Path) -> list[str]:
    """``command`` as it would run for an ordinary user."""
    if os.geteuid() != 0:
        return command
    if not shutil.which("unshare") or not shutil.which("setpriv"):
        pytest.skip("needs util-linux's unshare and setpriv to become an ordinary user")
    interpreter = Path(sys.base_prefix).resolve()
    for needed in (PROJECT_ROOT, Path(sys.prefix).resolve()):
        if _walled_off(needed / "x"):
            pytest.skip(f"{needed} is not reachable by other users")
    script = "set -e\n"
    wall = _walled_off(interpreter / "x")
    if wall is not None:  # in this namespace only: an empty wall, with the interpreter in it
        hold = home.parent / "interpreter"
        hold.mkdir(exist_ok=True)
        script += (f"mount --bind '{interpreter}' '{hold}'\n"
                   f"mount -t tmpfs -o mode=0755,size=1m tmpfs '{wall}'\n"
                   f"mkdir -p '{interpreter}'\n"
                   f"mount --move '{hold}' '{interpreter}'\n")
    script += (f"exec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups "
               "--inh-caps=-all --bounding-set=-all "
               'env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HOME="$0" "$@"')
    return ["unshare", "--mount", "--propagation", "private", "bash", "-c", script,
            str(home), *command]


def test_an_ordinary_user_grades_a_hostile_class_fairly(built_assignments):
    _, output = built_assignments[ASSIGNMENT]
    place = Path(tempfile.mkdtemp(prefix="ordinary-user-class-"))
    try:
        place.chmod(0o755)
        folder, home = place / "class", place / "home"
        folder.mkdir()
        home.mkdir()
        bases = {"solution": output.solution_notebook, "blank": output.student_notebook}
        for base, notebook in bases.items():
            (folder / f"{base}.ipynb").write_bytes(notebook.read_bytes())
        attacks = [a for a in ATTACKS if a.name in CHOSEN]
        assert len(attacks) == len(CHOSEN)
        for attack in attacks:
            code = attack.code.replace("{project_root}", str(PROJECT_ROOT))
            (folder / f"attack-{attack.name}.ipynb").write_text(
                json.dumps(notebook_with(bases[attack.base], code, attack.where)))
        zip_path = place / output.autograder_zip.name
        shutil.copy(output.autograder_zip, zip_path)
        for path in [place, *place.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        if os.geteuid() == 0:
            os.chown(home, NOBODY, NOBODY)
        command = [sys.executable, "-m", "autograder"]
        doctor = subprocess.run(_as_ordinary_user([*command, "doctor"], home),
                                capture_output=True, text=True, timeout=120)
        if doctor.returncode != 0:
            pytest.skip(f"an ordinary user cannot contain here: {doctor.stdout[-500:]}")
        assert "running as: an ordinary user" in doctor.stdout
        done = subprocess.run(
            _as_ordinary_user([*command, "grade", str(zip_path), str(folder), "--gradebook",
                               str(home / "grades.db"), "--json", "--quiet", "--workers", "2"],
                              home),
            capture_output=True, text=True, timeout=900, cwd=home)
        assert done.returncode == 0, done.stderr[-2000:]
        results = {line["submission"]: line for line in map(json.loads,
                                                            done.stdout.splitlines())}
        otter = grade_notebook(output.solution_notebook, output.autograder_zip)
        honest = results["solution.ipynb"]
        assert honest["status"] == "completed", honest["reason"]
        assert {q: s["score"] for q, s in honest["questions"].items()} == {
            q: s.score for q, s in otter.questions.items()}
        assert results["blank.ipynb"]["score"] == 0
        for attack in attacks:
            result = results[f"attack-{attack.name}.ipynb"]
            assert result["status"] == attack.status, (attack.name, result["reason"])
            assert result["score"] == results[f"{attack.base}.ipynb"]["score"], attack.name
        for written in ("LIFTED", "CORE"):
            assert not (PROJECT_ROOT / written).exists()
        user = NOBODY if os.geteuid() == 0 else os.getuid()
        leftover = subprocess.run(["pgrep", "-u", str(user), "-f", "autograder.worker"],
                                  capture_output=True, text=True)
        assert not leftover.stdout.strip(), leftover.stdout
    finally:
        shutil.rmtree(place, ignore_errors=True)
