"""What otter does to a notebook before and around running it, done the same way here.

Otter's grading preprocessor changes a submission before it runs (for example, it seeds the
random number generators at the top of every code cell when the assignment's configuration
asks for a seed), and its kernel shares state with the tests (numpy's print options, which some
libraries change on import, decide how an OK-format test's output is printed). The grader runs
the tests in another process, so it must copy these effects explicitly; each function here
names the otter behaviour it mirrors (otter-grader 7, ``otter/execute/preprocessor.py``).
"""

from __future__ import annotations

import re
from typing import Any

# The lines of otter's own cells (its set-up, checks and export), which grading skips: otter
# replaces them in its own grading run too.
OTTER_LINE = re.compile(
    r"^\s*(import otter|grader\s*=\s*otter\.Notebook\(.*\)|grader\.(check|check_all|export|"
    r"to_pdf|run_plugin)\(.*\))\s*(#.*)?$"
)



def is_otter_cell(source: str) -> bool:
    lines = [ln for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return bool(lines) and all(OTTER_LINE.match(ln) for ln in lines)



# The numpy print options that change how a value prints, with the types they may hold. Only
# these cross from a sandbox to the grader: callables (``formatter``) never do.
PRINT_OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "precision": (int,), "threshold": (int,), "edgeitems": (int,), "linewidth": (int,),
    "suppress": (bool,), "nanstr": (str,), "infstr": (str,), "sign": (str,),
    "floatmode": (str,), "legacy": (bool, str, int),
}


def seeded_cells(cells: list[str], seed: int | None, seed_variable: str | None) -> list[str]:
    """The code cells as otter runs them when its configuration sets ``seed``.

    Otter puts ``numpy.random.seed(seed)`` and ``random.seed(seed)`` (or, with
    ``seed_variable``, ``<seed_variable> = seed``) at the top of every code cell that does not
    start with a cell magic, after a first cell that imports numpy and random under private
    names.
    """
    if seed is None:
        return list(cells)
    seed = int(seed)
    if seed_variable:
        if not str(seed_variable).isidentifier():
            raise ValueError(f"otter_config.json: seed_variable {seed_variable!r} is not a "
                             "Python name")
        prefix, first = f"{seed_variable} = {seed}\n", []
    else:
        prefix = f"__otter_np.random.seed({seed})\n__otter_random.seed({seed})\n"
        first = ["import numpy as __otter_np\nimport random as __otter_random"]
    return first + [cell if cell.startswith("%%") or is_otter_cell(cell) else prefix + cell
                     for cell in cells]


def numpy_print_options() -> dict[str, Any]:
    """The submission's numpy print options, as plain data (called inside the sandbox)."""
    import numpy as np

    options = np.get_printoptions()
    return {key: options[key] for key, kinds in PRINT_OPTION_TYPES.items()
            if key in options and isinstance(options[key], kinds)}


def safe_print_options(options: Any) -> dict[str, Any]:
    """The print options a sandbox reported, keeping only known keys of the expected types."""
    if not isinstance(options, dict):
        return {}
    return {key: value for key, value in options.items()
            if key in PRINT_OPTION_TYPES and isinstance(value, PRINT_OPTION_TYPES[key])}
