"""Print how long each notebook takes to run and the peak memory of its kernel.

The curriculum promises that every notebook runs in seconds on a 1 GB Binder pod. This script
measures that promise; it prints figures and does not pass or fail (targets are judged by
people reading the figures, not by timed tests, which flake on busy machines).

    python scripts/benchmark_notebooks.py [NOTEBOOK ...]   (default: every notebook in modules/)

Each notebook runs in its own child process, which starts a kernel, executes every cell and
shuts the kernel down. The kernel is that child's child, so the child's resource usage for its
own children (RUSAGE_CHILDREN) gives the kernel's peak resident memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 1024

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient
path = Path(sys.argv[1])
notebook = nbformat.read(path, as_version=4)
start = time.perf_counter()
NotebookClient(notebook, timeout=300, kernel_name="python3",
               resources={"metadata": {"path": str(path.parent)}}).execute()
wall = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall_s": wall, "kernel_peak_mb": peak_kb / 1024}))
"""


def measure(notebook: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, str(notebook)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    notebooks = [Path(a) for a in argv] or sorted(
        p for p in (ROOT / "modules").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )
    print(f"{'notebook':<70} {'run (s)':>8} {'kernel peak (MB)':>17}")
    rows = []
    for notebook in notebooks:
        figures = measure(notebook)
        rows.append((notebook, figures))
        name = str(notebook.resolve().relative_to(ROOT))
        print(f"{name:<70} {figures['wall_s']:>8.1f} {figures['kernel_peak_mb']:>17.0f}")
    heaviest = max(rows, key=lambda row: row[1]["kernel_peak_mb"])
    slowest = max(rows, key=lambda row: row[1]["wall_s"])
    print(f"\nheaviest: {heaviest[0].name}, {heaviest[1]['kernel_peak_mb']:.0f} MB "
          f"(Binder pod: {TARGET_MB} MB)")
    print(f"slowest: {slowest[0].name}, {slowest[1]['wall_s']:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
