"""The narrow channel between a sandbox and the tests, without a sandbox: the object server
runs in a thread on one end of a socket pair, the proxies on the other.

What must hold: the tests can use a submission's functions, generators, classes and library
objects as in the student's kernel; whatever comes back is data or another proxy; a lying
object cannot make a comparison true; a value sent at several checks is encoded once, and a
table changed in place after a check is sent again."""

from __future__ import annotations

import socket
import threading
import time
import types
from collections import Counter, OrderedDict, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from autograder.channel import Channel
from autograder.object_server import AnswerEncoder, HandleTable, serve
from autograder.proxies import CallableProxy, Proxy, RemoteError, Session, decode_namespace
from autograder.values import Unencodable, decode, encode

SUBMISSION = '''
import pandas as pd

def rate(met, total):
    """Share of requests met."""
    if total < 0:
        raise ValueError("total cannot be negative")
    return met / total

def fiscal_years(start, count):
    for year in range(start, start + count):
        yield f"{year}-{(year + 1) % 100:02d}"

class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y
    def moved(self, dx):
        return Point(self.x + dx, self.y)

class Always:
    def __eq__(self, other): return True
    def __bool__(self): return True
    def __getattr__(self, name): return lambda *a, **k: self

class Slow:
    def wait(self):
        import time
        time.sleep(2)  # longer than the test allows

table = pd.DataFrame({"share": [0.75, 0.5]})
styled = table.style.format({"share": "{:.1%}"})
liar = Always()
slow = Slow()
origin = Point(0, 0)
same_origin = Point(0, 0)
apply_twice = lambda f, x: f(f(x))
'''


@pytest.fixture
def namespace():
    """The tests' view of SUBMISSION, served from a thread; the server stops at the end."""
    scope: dict = {}
    exec(compile(SUBMISSION, "<submission>", "exec"), scope)  # noqa: S102 - our own code
    scope = {k: v for k, v in scope.items() if k != "__builtins__"}
    ours, theirs = socket.socketpair()
    table = HandleTable()
    encoder = AnswerEncoder(table)
    message = encoder.namespace(scope) | {"values": encoder.values}
    server = threading.Thread(target=serve, args=(Channel(theirs), table), daemon=True)
    server.start()
    session = Session(Channel(ours), time.monotonic() + 30)
    yield decode_namespace(message, session), session
    ours.close()
    server.join(timeout=5)


def test_functions_generators_and_classes_work_through_proxies(namespace):
    ns, _ = namespace
    assert isinstance(ns["rate"], CallableProxy)
    assert ns["rate"](3, 4) == 0.75 and type(ns["rate"](3, 4)) is float
    assert ns["rate"].__doc__ == "Share of requests met."
    assert list(ns["fiscal_years"](2023, 2)) == ["2023-24", "2024-25"]
    years = ns["fiscal_years"](1999, 3)
    assert isinstance(years, types.GeneratorType) and next(years) == "1999-00"
    assert "2000-01" in years  # compared here, item by item
    point = ns["Point"](1, 2)
    assert isinstance(point, ns["Point"]) and not isinstance(ns["table"], ns["Point"])
    assert (point.x, point.moved(3).x) == (1, 4)
    point.y = 5
    assert point.y == 5
    assert ns["apply_twice"](np.sqrt, 16.0) == 2.0  # the grader's numpy function, by name
    assert ns["table"].equals(pd.DataFrame({"share": [0.75, 0.5]}))  # data stays data


def test_exceptions_arrive_as_builtin_exceptions(namespace):
    ns, _ = namespace
    with pytest.raises(ValueError, match="total cannot be negative"):
        ns["rate"](1, -1)
    with pytest.raises(ZeroDivisionError):
        ns["rate"](1, 0)
    with pytest.raises(AttributeError):
        ns["origin"].z  # noqa: B018
    assert not hasattr(ns["origin"], "z")
    with pytest.raises(TypeError, match="only data"):
        ns["apply_twice"](type("Made", (), {}), 1)  # a class of the tests stays here


def test_the_tests_functions_can_be_called_back_by_the_submission(namespace):
    """As in otter, a test may pass its own function to the student's (a lambda, a service
    that records what it is sent); it runs on the grader's side, the submission sees only a
    number, and the function may itself use the submission's objects."""
    ns, _ = namespace
    assert ns["apply_twice"](lambda x: x + 1, 1) == 3
    sent = []

    def service(prefix):
        sent.append(prefix)
        return {"rest": len(sent)}

    assert ns["apply_twice"](lambda x: service(x)["rest"], "5BAA6") == 2 and sent == ["5BAA6", 1]
    assert ns["apply_twice"](lambda x: ns["rate"](x, 2), 1.0) == 0.25  # a nested request
    with pytest.raises(ValueError, match="refused"):  # the test's exception, both ways
        ns["apply_twice"](lambda x: (_ for _ in ()).throw(ValueError("refused")), 1)
    point = ns["Point"](1, 2)
    assert ns["apply_twice"](lambda p: p.moved(1), point).x == 3  # handles travel back


def test_library_objects_keep_their_class(namespace):
    ns, _ = namespace
    from pandas.io.formats.style import Styler

    assert isinstance(ns["styled"], Styler) and type(ns["styled"]) is Proxy
    assert "75.0%" in ns["styled"].to_html()


def test_a_lying_object_makes_no_comparison_true(namespace):
    ns, _ = namespace
    liar = ns["liar"]
    assert liar != 0.5 and not liar == "2023-05" and liar not in ["A", "B"]
    with pytest.raises((TypeError, ValueError)):  # numpy finds no number in it
        np.isclose(liar, 0.5)
    assert liar.shape != (3, 4) and liar.equals(pd.DataFrame()) != True  # noqa: E712
    with pytest.raises(TypeError):
        liar < 1  # noqa: B015
    # Two kept objects are equal only when of one type with equal attributes, as data.
    assert ns["origin"] == ns["same_origin"] and ns["origin"] != ns["Point"](1, 0)


def test_a_call_that_never_returns_fails_its_test_only(namespace):
    ns, session = namespace
    session.deadline = time.monotonic() + 0.5
    with pytest.raises(TimeoutError):
        ns["slow"].wait()
    with pytest.raises(RuntimeError, match="no longer answering"):
        ns["rate"](1, 2)


def test_a_garbled_answer_is_refused_not_trusted():
    ours, theirs = socket.socketpair()
    session = Session(Channel(ours), time.monotonic() + 5)
    proxy = session.proxy({"__handle__": 0, "callable": True, "type": ["builtins", "function"]})
    Channel(theirs).send({"value": {"__handle__": 0, "callable": True,
                                    "type": ["pandas.core.frame", "DataFrame"]}})
    claimed = proxy()
    assert not isinstance(claimed, pd.DataFrame)  # a kept object never passes for data
    Channel(theirs).send({"error": {"builtin": "SystemExit", "type": "SystemExit"}})
    with pytest.raises(RemoteError):
        proxy()
    Channel(theirs).send({"value": {"__module__": "no_such_module_anywhere"}})
    with pytest.raises(ImportError):
        proxy()
    # A function the tests would then call is never one the student picked from the system.
    # Nor one reached through a library's own imports (a third red-team pass: the scorer,
    # outside the sandbox, called tempfile.mkdtemp and signal.pause this way).
    for reference in (["os", "system"], ["builtins", "exec"], ["shutil", "rmtree"],
                      ["learner_tools", "data.os.system"], ["numpy", "_core.numeric.builtins.exec"],
                      ["numpy", "f2py.diagnose.tempfile.mkdtemp"], ["pandas", "io.pickle.os"],
                      ["numpy", "ndarray.tofile"], ["pandas.io.common", "os.system"]):
        Channel(theirs).send({"value": {"__ref__": reference}})
        with pytest.raises(ValueError, match="not taken from the grader"):
            proxy()


def test_a_sandbox_can_call_back_only_the_functions_the_tests_gave_it():
    """A lying sandbox that asks, in the middle of an answer, for the tests' functions to be
    run gets an error for any number the tests did not hand it, and the grader runs nothing
    else; the function it was given runs with data only."""
    ours, theirs = socket.socketpair()
    session = Session(Channel(ours), time.monotonic() + 5)
    sandbox = Channel(theirs)
    proxy = session.proxy({"__handle__": 0, "callable": True, "type": ["builtins", "function"]})
    seen = []
    answers = []

    def lying_sandbox():
        request = sandbox.receive(time.monotonic() + 5)  # the call, with the tests' function
        number = request["args"][0]["__callback__"]
        for bad in (number + 1, -1, "os.system", None):
            sandbox.send({"callback": bad, "args": []})
            answers.append(sandbox.receive(time.monotonic() + 5))
        sandbox.send({"callback": number, "args": [{"__ref__": ["os", "system"]}]})
        answers.append(sandbox.receive(time.monotonic() + 5))
        sandbox.send({"callback": number, "args": [3]})
        answers.append(sandbox.receive(time.monotonic() + 5))
        sandbox.send({"value": 1})

    thread = threading.Thread(target=lying_sandbox, daemon=True)
    thread.start()
    assert proxy(lambda value: seen.append(value) or value * 2) == 1
    thread.join(timeout=5)
    assert all("error" in answer for answer in answers[:5]), answers
    assert answers[5] == {"value": 6} and seen == [3]


def test_tables_are_sent_once_and_again_when_changed_in_place():
    table = pd.DataFrame({"a": [1, 2, 3]})
    series = pd.Series([1.0, 2.0], name="x")
    encoder = AnswerEncoder(HandleTable())
    first = encoder.namespace({"table": table, "series": series})["answers"]
    again = encoder.namespace({"table": table, "series": series})["answers"]
    assert first == again and len(encoder.values) == 2
    table.loc[0, "a"] = 9
    series.name = "renamed"
    changed = encoder.namespace({"table": table, "series": series})["answers"]
    assert changed["table"] != first["table"] and changed["series"] != first["series"]
    rebuilt = decode_namespace({"answers": first, "values": encoder.values})
    assert rebuilt["table"]["a"].tolist() == [1, 2, 3]
    assert decode_namespace({"answers": changed, "values": encoder.values})["table"].loc[0, "a"] \
        == 9


@pytest.mark.parametrize("value", [
    date(2024, 3, 31), datetime(2024, 3, 31, 12, 30), timedelta(days=2, seconds=5),
    pd.Timedelta("3h"), 2 + 3j, b"\x00bytes", bytearray(b"ab"), range(2, 10, 3),
    slice(1, None, 2), Counter("banana"), OrderedDict(b=1, a=2), defaultdict(list, a=[1]),
    Decimal("0.1"),
])
def test_standard_library_values_travel_as_data(value):
    rebuilt = decode(encode(value))
    assert rebuilt == value and type(rebuilt) is type(value)


@pytest.mark.parametrize("message", [
    {"__ndarray__": "U100000000", "values": ["a"], "shape": [1]},  # 400 MB from 60 bytes
    {"__ndarray__": "(1000,1000,100)f8", "values": [0], "shape": [1]},  # a sub-array: 800 MB
    {"__ndarray__": "V100000000", "values": [0], "shape": [1]},
    {"__npscalar__": "S200000000", "value": "a"},
    {"__series__": {"data": {"dtype": "S100000000", "values": ["a"]},
                    "index": {"range": [0, 1, 1], "name": None}, "name": None}},
])
def test_a_few_bytes_never_decode_to_gigabytes(message):
    """Hole 5: a type named in the sandbox's answer is refused when encode would never write
    it, before anything is allocated; an honest wide value stays in the sandbox instead."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises((ValueError, TypeError)):
        decode(message)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # kB
    with pytest.raises(Unencodable):
        encode(np.array(["x" * 300_000]))


