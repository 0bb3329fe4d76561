"""Submissions that try to cheat or break the grader, and what each must score.

Each attack is a code cell added to a notebook: ``base`` says which (the blank student notebook,
which honestly earns 0, or the reference solution, which honestly earns full marks). Grading
must give exactly what the honest answers in that notebook earn, and the status given.
``{project_root}`` in an attack's code stands for the project's folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Attack:
    name: str
    base: str  # "blank" or "solution"
    code: str
    status: str = "completed"
    where: str = "end"  # "end" or "start" (just after the first code cell)


ATTACKS = [
    Attack("rewrite-test-files", "blank", r'''
import glob, os, zipfile
fake = ('OK_FORMAT = True\ntest = {"name": "%s", "points": 10, "suites": [{"cases": '
        '[{"code": ">>> True\\nTrue", "hidden": False, "locked": False}], "scored": True, '
        '"setup": "", "teardown": "", "type": "doctest"}]}\n')
for root in ["/tmp", os.getcwd(), os.path.expanduser("~"), "/work"]:
    for path in glob.glob(os.path.join(root, "**", "tests", "q*.py"), recursive=True):
        try:
            open(path, "w").write(fake % os.path.basename(path)[:-3])
        except OSError:
            pass
    for path in glob.glob(os.path.join(root, "**", "*autograder*.zip"), recursive=True):
        try:
            with zipfile.ZipFile(path, "a") as z:
                z.writestr("tests/q1.py", fake % "q1")
        except Exception:
            pass
'''),
    Attack("patch-otter-doctest-runner", "blank", r'''
import doctest
import otter.test_files.ok_test as ok_test
import otter.test_files.abstract_test as abstract_test
ok_test.run_doctest = lambda name, body, env: (True, "")
doctest.DocTestRunner.run = lambda self, *a, **k: doctest.TestResults(0, 1)
abstract_test.TestFile.score = property(lambda self: 10)
abstract_test.TestFile.passed_all = property(lambda self: True)
''', where="start"),
    Attack("shadow-numpy-pandas-builtins", "blank", r'''
import builtins
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
pd.testing.assert_series_equal = lambda *a, **k: None
pd.api.types.is_numeric_dtype = lambda *a, **k: True
builtins.isinstance = lambda *a, **k: True
builtins.len = lambda *a, **k: 48
builtins.sorted = lambda x, *a, **k: [901, 902, 903, 904, 905, 906]
builtins.bool = lambda *a, **k: True
'''),
    Attack("objects-that-always-compare-equal", "blank", r'''
class Always:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __bool__(self): return True
    def __len__(self): return 72
    def __getattr__(self, name): return lambda *a, **k: self
class SneakySeries(pd.Series):
    def __eq__(self, other): return True
    def all(self, *a, **k): return True
worst_month = Always()
months_missed = Always()
mail_applications = SneakySeries([0] * 5, dtype="Int64")  # wrong length: its tricks must not help
'''),
    Attack("shadow-builtins-and-library-names", "blank", r'''
class Always:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __bool__(self): return True
    def __call__(self, *a, **k): return self
    def __getattr__(self, name): return self
isinstance = issubclass = callable = hasattr = lambda *a, **k: True
abs = round = lambda *a, **k: 0
len = lambda *a, **k: 6
all = any = bool = lambda *a, **k: True
np = pd = lt = numpy = pandas = Always()
import math as re  # a real module under a name the tests use for another
worst_month = months_missed = Always()
'''),
    Attack("a-kept-object-that-claims-to-be-a-table", "blank", r'''
import sys
class Liar:  # tells the sandbox's own code it is a DataFrame, and agrees with any table
    @property
    def __class__(self):
        return pd.DataFrame if sys._getframe(1).f_code.co_name == "_perform" else Liar
    columns = ["org_id", "department_en", "channel", "transactions_completed"]
    def __getitem__(self, key): return self
    def astype(self, *a, **k): return self
    def sort_values(self, *a, **k): return self
    def reset_index(self, *a, **k): return self
    def equals(self, other): return True
joined = Liar()
'''),
    Attack("a-module-name-that-exits-on-import", "blank", r'''
import types
innocent = types.ModuleType("numpy.f2py.__main__")  # the grader must not run it
'''),
    Attack("forge-a-message-on-the-sandbox-socket", "blank", r'''
import os, socket, struct
for name in os.listdir("/proc/self/fd"):
    try:
        if int(name) > 2 and os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
            socket.socket(fileno=os.dup(int(name))).sendall(struct.pack("!Q", 2) + b"[]")
    except OSError:
        pass
padding = "x" * (8 * 1024 * 1024)  # the real message then waits for a reader
''', status="crashed"),
    Attack("leave-through-the-parent-root", "blank", r'''
import glob, os, sqlite3
root = f"/proc/{os.getppid()}/root"
try:
    for folder in glob.glob(root + "/tmp/autograder-support-*"):  # plant code for the scorer
        open(folder + "/planted.py", "w").write("raise SystemExit")
    os.chroot(root)
    for path in glob.glob("/tmp/**/*.db", recursive=True):
        db = sqlite3.connect(path, timeout=1)
        db.execute("update results set score = possible")
        db.commit()
except OSError:
    pass
import types
planted = types.ModuleType("planted")
'''),
    Attack("read-the-assignment-source", "blank", r'''
import glob, json
for top in ["{project_root}"]:  # the project whose assignment is graded (copies elsewhere
    # on the machine are the instructor's to keep out of reach)
    for path in glob.glob(top + "/**/assignment/source/*.ipynb", recursive=True):
        try:
            cells = json.load(open(path))["cells"]
        except (OSError, ValueError):
            continue
        in_tests = False
        for cell in cells:
            text = "".join(cell["source"])
            if cell["cell_type"] == "raw":
                in_tests = ("BEGIN TESTS" in text) or (in_tests and "END TESTS" not in text)
            elif cell["cell_type"] == "code" and not in_tests:
                try:
                    exec(text, globals())
                except Exception:
                    pass
'''),
    Attack("print-fake-results", "blank", r'''
import json
questions = ["q1", "q2", "q3", "q4", "q5", "q6", "q7"]
fake = {"tests": [{"name": q, "score": 2, "max_score": 2} for q in questions], "score": 10}
print(json.dumps(fake))
print("q1 results: All test cases passed!")
for name in ["results.json", "results.pkl", "../results.json", "/tmp/results.json"]:
    try:
        open(name, "w").write(json.dumps(fake))
    except OSError:
        pass
'''),
    Attack("write-to-the-gradebook", "blank", r'''
import glob, sqlite3
for path in glob.glob("/tmp/**/*.db", recursive=True):
    try:
        db = sqlite3.connect(path, timeout=1)
        db.execute("update results set score = possible")
        db.execute("update question_scores set score = possible")
        db.commit()
    except Exception:
        pass
'''),
    Attack("fork-and-linger", "blank", r'''
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(600)
    os._exit(0)
'''),
    # Issue 10's second hole: one student zeroing the class. Nothing outside the submission's
    # own namespace can be seen or signalled, so the solution it sits in still scores in full.
    Attack("kill-every-other-process", "solution", r"""
import os, signal
for sig in (signal.SIGSTOP, signal.SIGKILL):
    for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()] + [os.getppid(), 1]:
        if pid != os.getpid():
            try:
                os.kill(pid, sig)
            except OSError:
                pass
try:
    os.kill(-1, signal.SIGKILL)  # every process it may signal, but itself
except OSError:
    pass
"""),
    # The third: lifting the sandbox to write outside it. Every step is refused.
    Attack("lift-the-sandbox", "blank", r"""
import ctypes, glob, os
libc = ctypes.CDLL(None, use_errno=True)
points = [line.split()[4] for line in open("/proc/self/mountinfo")]
for point in sorted(points, key=len, reverse=True):
    libc.umount2(point.encode(), 2)
libc.mount(None, b"/", None, 32, None)  # remount read-write
for name in ("mnt", "net", "pid", "user"):
    for path in glob.glob(f"/proc/*/ns/{name}"):
        try:
            libc.setns(os.open(path, os.O_RDONLY), 0)
        except OSError:
            pass
libc.unshare(0x10000000 | 0x00020000)  # a user namespace of its own, then mounts in it
for target in ["{project_root}/LIFTED", "/tmp/../LIFTED", "/work/LIFTED", "/root/LIFTED",
               "/dev/shm/LIFTED"]:
    try:
        open(target, "w").write("out")
    except OSError:
        pass
"""),
    # The sixth: limits per process only. Disk and /dev/shm are capped and emptied with the run.
    Attack("fill-the-disk-and-shared-memory", "solution", r"""
import os
block = b"x" * (1024 * 1024)
for path, megabytes in (("/dev/shm/autograder-attack-shm", 400), ("filler.bin", 1200)):
    try:
        with open(path, "wb") as handle:
            for _ in range(megabytes):
                handle.write(block)
    except OSError:
        pass
"""),
    # A red-team run found these: the kernel's settings under /proc/sys (a core pattern that
    # pipes to a program runs it as the machine's root), builtins rebound to other builtins,
    # modules whose import does something, and a message nested too deeply to decode.
    Attack("write-the-kernels-settings", "blank", r"""
import os, signal
for setting, value in (("kernel/core_pattern", "|/bin/sh -c 'touch {project_root}/CORE'"),
                       ("kernel/modprobe", "/tmp/submission/x"), ("vm/drop_caches", "3")):
    try:
        with open("/proc/sys/" + setting, "w") as handle:
            handle.write(value)
    except OSError:
        pass
child = os.fork()
if child == 0:
    os.kill(os.getpid(), signal.SIGSEGV)
os.waitpid(child, 0)
"""),
    Attack("rebind-builtins-to-other-builtins", "blank", r"""
import builtins
bool = type
isinstance = slice
int = builtins.bool
abs = round
len = lambda value: 140
sorted = reversed
"""),
    Attack("import-modules-that-act-on-import", "solution", r"""
import sys, types
import this, antigravity
for name in ("numpy.tests", "numpy.f2py.tests", "pandas.tests.frame", "numpy.distutils",
             "setuptools.tests"):
    sys.modules.setdefault(name, types.ModuleType(name))
"""),
    Attack("forge-a-message-nested-too-deeply", "blank", r"""
import gc, os, socket, struct
data = b"[" * 200_000 + b"]" * 200_000
for item in gc.get_objects():
    if isinstance(item, socket.socket):
        try:
            item.sendall(struct.pack("!Q", len(data)) + data)
        except OSError:
            pass
os._exit(0)
""", status="crashed"),
    Attack("exit-the-process", "solution", "import os\nos._exit(0)\n", status="crashed",
           where="start"),
    Attack("kill-the-process", "solution",
           "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", status="crashed"),
    Attack("infinite-loop", "solution", "while True:\n    pass\n", status="timeout"),
    Attack("allocate-too-much-memory", "blank",
           "hog = bytearray(6 * 1024 ** 3)\n", status="memory-limit"),
    Attack("patch-builtins-in-a-correct-notebook", "solution", r'''
import builtins
builtins.isinstance = lambda *a, **k: False
np.allclose = lambda *a, **k: False
'''),
]


def notebook_with(base: Path, code: str, where: str = "end") -> dict:
    """``base`` with one code cell added: at the end, or (``where="start"``) just after the
    notebook's first code cells, where an attack runs before any answer."""
    notebook = json.loads(base.read_text(encoding="utf-8"))
    cell = {"cell_type": "code", "id": "added", "metadata": {}, "execution_count": None,
            "outputs": [], "source": code}
    if where == "start":
        first_code = next(i for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code")
        notebook["cells"].insert(first_code + 2, cell)
    else:
        notebook["cells"].append(cell)
    return notebook
