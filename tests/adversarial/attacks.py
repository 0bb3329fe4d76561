"""Submissions that try to cheat or break the grader, and what each must score.

Each attack is a code cell added to a notebook: ``base`` says which (the blank student notebook,
which honestly earns 0, or the reference solution, which honestly earns full marks). Grading
must give exactly what the honest answers in that notebook earn, and the status given.
"""

from __future__ import annotations

from dataclasses import dataclass


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
