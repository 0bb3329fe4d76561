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
from collections.abc import Callable
from typing import Any

# The lines of otter's own cells (its set-up, checks and export). An error in such a cell is
# otter's, not the student's (``otter.Notebook("hw01.ipynb")`` fails when the file was
# renamed, as it does under otter), so it is not reported as the notebook's.
OTTER_LINE = re.compile(
    r"^\s*(import otter|grader\s*=\s*otter\.Notebook\(.*\)|grader\.(check|check_all|export|"
    r"to_pdf|run_plugin)\(.*\))\s*(#.*)?$"
)


def is_otter_cell(source: str) -> bool:
    lines = [ln for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return bool(lines) and all(OTTER_LINE.match(ln) for ln in lines)


def notebook_stand_in(record: Callable[[str], None]) -> type:
    """A class to put in place of ``otter.Notebook`` in a sandbox, behaving as otter's
    grading mode makes it behave (``otter/check/notebook.py``).

    In otter's grading run, ``grader = otter.Notebook("hw01.ipynb")`` succeeds only if a file
    of that name is in the submission's folder (otter reads its metadata); then each
    ``grader.check("q1")`` runs q1's tests against the namespace at that moment, and the last
    check of a question is its score (questions never checked are run at the end).
    ``check_all``, ``export`` and ``to_pdf`` do nothing in grading mode. The stand-in does the
    same, except that ``check`` only calls ``record(question)``: the sandbox keeps the answers
    as they are then, and the grader runs the tests on them later, outside the sandbox.
    """
    import os

    class Notebook:
        def __init__(self, nb_path: str | None = None, tests_dir: str = "./tests",
                     tests_url_prefix: str | None = None) -> None:
            if nb_path is not None and not os.path.isfile(nb_path):
                raise FileNotFoundError(f"No such notebook: {nb_path!r}")

        def check(self, question: str, global_env: dict | None = None) -> None:
            record(str(question))

        def __getattr__(self, name: str) -> Callable[..., None]:
            return lambda *args, **kwargs: None

    return Notebook


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
    start with a cell magic (its own cells among them), after a first cell that imports numpy
    and random under private names.
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
    return first + [cell if cell.startswith("%%") else prefix + cell for cell in cells]


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


# Packages whose submodules the tests may need because the notebook imported them: a test that
# names ``pd.io.formats.style.Styler`` works in the student's kernel once ``df.style`` has
# loaded it. The grader imports the same submodules itself, from its own installation.
LIBRARY_ROOTS = ("numpy", "pandas", "matplotlib")
MAX_MODULES = 5000


def loaded_library_modules() -> list[str]:
    """The submodules of :data:`LIBRARY_ROOTS` the submission loaded (called in the sandbox)."""
    import sys

    return sorted(name for name in list(sys.modules)
                  if name.split(".")[0] in LIBRARY_ROOTS)[:MAX_MODULES]


def import_library_modules(names: Any) -> None:
    """Import, in the grader, those of ``names`` that are submodules of the libraries."""
    import importlib
    import sys

    if not isinstance(names, list):
        return
    from autograder.proxies import importable

    for name in names[:MAX_MODULES]:
        if isinstance(name, str) and name.split(".")[0] in LIBRARY_ROOTS \
                and name not in sys.modules and importable(name):
            try:
                importlib.import_module(name)
            except BaseException:  # noqa: BLE001 - one that cannot be imported (or exits on
                pass  # import, as a program's entry point does) stays absent


def pandas_display_options() -> dict[str, Any]:
    """The ``display.*`` options the notebook changed from pandas' defaults, as plain data
    (called in the sandbox): an OK-format test prints tables as the notebook's process does."""
    import pandas as pd

    try:  # pandas keeps its options' defaults only here
        registered = dict(pd._config.config._registered_options)
    except AttributeError:
        return {}
    changed = {}
    for key, option in registered.items():
        if not key.startswith("display."):
            continue
        try:
            value, default = pd.get_option(key), option.defval
        except (KeyError, AttributeError, pd.errors.OptionError):
            continue
        if value != default and (value is None or type(value) in (bool, int, float, str)):
            changed[key] = value
    return changed


def safe_display_options(options: Any) -> list:
    """(key, value) pairs for ``pd.option_context``, kept to ``display.*`` keys of plain
    types; pandas' own validators then refuse any value it does not accept."""
    if not isinstance(options, dict):
        return []
    pairs = []
    for key, value in options.items():
        if isinstance(key, str) and re.fullmatch(r"display\.[a-z_.]+", key) and (
                value is None or type(value) in (bool, int, float, str)):
            pairs += [key, value]
    return pairs
