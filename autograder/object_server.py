"""The sandbox's side of the narrow channel: answer the tests' questions about its objects.

After the notebook has run, its answers that are plain data (numbers, text, tables, arrays:
:mod:`autograder.values`) leave the sandbox as data. The others (a student's function,
generator or class, a matplotlib ``Axes``, a pandas ``Styler``, a module the grader does not
import itself) stay here, each under a numbered handle, and the sandbox process stays alive to
answer requests about them: call it, get or set an attribute, get or set an item, its length,
iterate, its ``repr``/``str``/truth value, ``isinstance``. Every answer is again data, or a
new handle. This module runs only in the sandbox; nothing in it is trusted by the grader,
which treats whatever comes back as untrusted data (see :mod:`autograder.proxies`).
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from typing import Any

from autograder.channel import Channel, ChannelClosed
from autograder.proxies import REFERENCE_ROOTS, SAFE_BUILTINS, exception_from, exception_reply
from autograder.values import Unencodable, decode, encode

# Names IPython puts in every namespace; they are not the notebook's answers.
SHELL_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython"})
MAX_HANDLES = 100_000
# The table cells a sandbox sends as data, in all; larger answers stay behind, as handles, so
# that the message stays well under the channel's limit.
DATA_BUDGET = 4_000_000


def _from_submission(module: types.ModuleType) -> bool:
    """Whether a module is the submission's own (a file in its folder), not the installation's
    or the assignment's."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str):
        return False
    here = os.path.realpath(os.getcwd())
    return os.path.realpath(path).startswith(here + os.sep)


def _reference(value: Any) -> list[str] | None:
    """[module, qualified name] when ``value`` is a function or class defined at the top of a
    module the grader takes from its own installation (``from numpy import mean``; see
    :data:`autograder.proxies.REFERENCE_ROOTS`): the tests then use the grader's own copy,
    never the submission's. Other callables stay in the sandbox, behind a handle."""
    module_name = getattr(value, "__module__", None)
    name = getattr(value, "__qualname__", None)
    if not (isinstance(module_name, str) and isinstance(name, str)) or "<" in name \
            or module_name == "__main__":
        return None
    module = sys.modules.get(module_name)
    if module is None or _from_submission(module) or not (
            module_name.split(".")[0] in REFERENCE_ROOTS
            or (module_name == "builtins" and name in SAFE_BUILTINS)):
        return None
    found: Any = module
    try:
        for part in name.split("."):
            found = getattr(found, part)
    except AttributeError:
        return None
    return [module_name, name] if found is value else None


class HandleTable:
    """The objects the sandbox keeps for the tests, by number."""

    def __init__(self) -> None:
        self.objects: list[Any] = []
        self._numbers: dict[int, int] = {}
        self.channel: Channel | None = None  # set by serve(), for the tests' functions

    def handle(self, value: Any) -> dict:
        number = self._numbers.get(id(value))
        if number is None:
            if len(self.objects) >= MAX_HANDLES:
                raise Unencodable("too many objects kept for the tests")
            number = len(self.objects)
            self.objects.append(value)
            self._numbers[id(value)] = number
        kind = type(value)
        return {"__handle__": number, "callable": callable(value),
                "is_type": isinstance(value, type),
                "type": [str(getattr(kind, "__module__", "")),
                         str(getattr(kind, "__qualname__", kind.__name__))]}

    def answer(self, value: Any) -> Any:
        """``value`` as data if it is data, else as a reference or a handle."""
        if isinstance(value, types.ModuleType):  # by name, unless it is the student's own
            if not _from_submission(value):
                return {"__module__": value.__name__}
            return self.handle(value)
        try:
            return encode(value)
        except (Unencodable, TypeError, ValueError, OverflowError, RecursionError):
            pass
        reference = _reference(value) if callable(value) else None
        if reference is not None:
            return {"__ref__": reference}
        return self.handle(value)

    def argument(self, item: Any) -> Any:
        """A value the tests sent: data, one of our handles, or a reference to import."""
        if isinstance(item, dict):
            if "__handle__" in item:
                return self.objects[int(item["__handle__"])]
            if "__ref__" in item:
                module, name = item["__ref__"]
                found: Any = importlib.import_module(module)
                for part in name.split("."):
                    found = getattr(found, part)
                return found
            if "__module__" in item:
                return importlib.import_module(item["__module__"])
            if "__callback__" in item and self.channel is not None:
                return TestFunction(self, int(item["__callback__"]))
            if "__list__" in item:
                return [self.argument(v) for v in item["__list__"]]
            if "__tuple_of__" in item:
                return tuple(self.argument(v) for v in item["__tuple_of__"])
        return decode(item)


def _fingerprint(value: Any) -> tuple | None:
    """A cheap summary of a table or array that changes when its contents do; None when there
    is none (the value is then encoded every time).

    For pandas objects it is the identity of their arrays, index and labels. pandas copies an
    array before writing to it while another object shares it (copy-on-write), and the encoder
    keeps a shallow copy of every table it has seen, so any later change to a table gives it
    new arrays, hence a new fingerprint, at the cost of a few attribute reads. Small numpy
    arrays are hashed.
    """
    import numpy as np
    import pandas as pd

    try:
        if isinstance(value, (pd.DataFrame, pd.Series)):
            labels = value.columns if isinstance(value, pd.DataFrame) else None
            return (type(value), value.shape, tuple(id(a) for a in value._mgr.arrays),
                    id(value.index), tuple(map(str, value.index.names)), id(labels),
                    str(getattr(labels, "names", "")), str(getattr(value, "name", "")))
        if isinstance(value, pd.Index):  # immutable, but for its name
            return (type(value), id(value), str(value.names))
        if isinstance(value, np.ndarray) and value.dtype.kind in "biufUSM" \
                and value.nbytes <= 1 << 20:
            return (type(value), value.shape, value.dtype.str, hash(value.tobytes()))
    except (AttributeError, TypeError, ValueError):
        return None
    return None


class AnswerEncoder:
    """Encodes a namespace, at each check and at the end, sending each large value once.

    A table that did not change between two ``grader.check`` calls is the same value in both
    namespaces: it is encoded once, under a key, and both namespaces refer to the key."""

    def __init__(self, table: HandleTable) -> None:
        self.table = table
        self.values: dict[str, Any] = {}
        self.cells = 0
        self._memo: dict[int, tuple] = {}

    def _encode(self, value: Any) -> Any:
        fingerprint = _fingerprint(value)
        if fingerprint is None:
            return self.table.answer(value)
        kept = self._memo.get(id(value))
        if kept is not None and kept[0] is value and kept[1] == fingerprint:
            return {"__value__": kept[2]}
        size = int(getattr(value, "size", 0) or 0)
        if self.cells + size > DATA_BUDGET:  # too much to send: the tests use it in place
            return self.table.handle(value)
        self.cells += size
        key = f"v{len(self.values)}"
        self.values[key] = self.table.answer(value)
        shared = value.copy(deep=False) if hasattr(value, "_mgr") else None  # see _fingerprint
        self._memo[id(value)] = (value, fingerprint, key, shared)
        return {"__value__": key}

    def namespace(self, namespace: dict[str, Any]) -> dict:
        """The notebook's global names: each as data, a reference, a module or a handle."""
        answers = {}
        for name, value in list(namespace.items()):
            if name.startswith("_") or name in SHELL_NAMES:
                continue
            try:
                answers[name] = self._encode(value)
            except Unencodable:
                continue
        return {"answers": answers}


# Requests answered by one builtin applied to the kept object.
_UNARY = {"len": len, "iter": iter, "next": next, "repr": repr, "str": str, "bool": bool}


def _perform(table: HandleTable, request: dict) -> Any:
    op = request["op"]
    target = table.objects[int(request["target"])] if "target" in request else None
    if op == "getattr":
        return getattr(target, str(request["name"]))
    if op == "setattr":
        setattr(target, str(request["name"]), table.argument(request["value"]))
        return None
    if op == "call":
        args = [table.argument(a) for a in request.get("args", [])]
        kwargs = {str(k): table.argument(v) for k, v in request.get("kwargs", {}).items()}
        return target(*args, **kwargs)
    if op == "getitem":
        return target[table.argument(request["key"])]
    if op == "setitem":
        target[table.argument(request["key"])] = table.argument(request["value"])
        return None
    if op in _UNARY:
        return _UNARY[op](target)
    if op == "dir":
        return sorted(str(name) for name in dir(target))
    if op == "isinstance":
        return isinstance(table.argument(request["value"]), target)
    if op == "issubclass":
        return issubclass(table.argument(request["value"]), target)
    if op == "state":  # for comparing two kept objects in the grader: their type and attributes
        other = table.objects[int(request["other"])]
        return [type(target) is type(other), vars(target), vars(other)]
    raise ValueError(f"unknown request {op!r}")


def _reply_to(table: HandleTable, request: Any) -> dict:
    """The answer to one request of the grader, as data; every failure is an answer."""
    try:
        if not isinstance(request, dict):
            raise TypeError("a request must be an object")
        value = _perform(table, request)
        if request.get("op") == "state":
            same, mine, theirs = value
            try:
                return {"value": [same, encode(dict(mine)), encode(dict(theirs))]}
            except (Unencodable, TypeError, ValueError, OverflowError, RecursionError):
                return {"value": [same, None, None]}
        return {"value": table.answer(value)}
    except BaseException as error:  # noqa: BLE001 - every failure is an answer
        return exception_reply(error)


def _send_reply(channel: Channel, reply: dict) -> bool:
    """Send an answer (an error instead, if it is too large); False if the grader is gone."""
    try:
        channel.send(reply)
    except (ValueError, TypeError):
        channel.send(exception_reply(ValueError("the answer was too large to send")))
    except OSError:
        return False
    return True


class TestFunction:
    """A function of the tests, passed to the submission's code (``apply(f, data)``).

    In otter it runs in the student's process; here it stays with the grader, and calling it
    sends the arguments there (as data, or as handles on the submission's objects) and waits
    for its result, meanwhile answering the grader's own requests, since the function may use
    the submission's objects. The sandbox learns only its number."""

    __slots__ = ("_table", "_number")
    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, table: HandleTable, number: int) -> None:
        self._table, self._number = table, number

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        table, channel = self._table, self._table.channel
        channel.send({"callback": self._number, "args": [table.answer(a) for a in args],
                      "kwargs": {str(k): table.answer(v) for k, v in kwargs.items()}})
        while True:
            message = channel.receive()
            if not (isinstance(message, dict) and "op" in message):
                break
            if not _send_reply(channel, _reply_to(table, message)):
                raise ChannelClosed("the grader is gone")
        if not isinstance(message, dict):
            raise RuntimeError("the grader sent an unreadable answer")
        if "error" in message:
            raise exception_from(message["error"])
        return table.argument(message.get("value"))

    def __repr__(self) -> str:
        return f"<function of the tests #{self._number}>"


def serve(channel: Channel, table: HandleTable) -> None:
    """Answer requests until the grader closes the channel."""
    table.channel = channel
    while True:
        try:
            request = channel.receive()
        except ChannelClosed:
            return
        if not _send_reply(channel, _reply_to(table, request)):
            return
