"""The grader's side of the narrow channel: stand-ins for objects that stayed in the sandbox.

Why: otter runs the tests in the student's own process, where a test can call the student's
function, step through a generator or look at a fitted model, but where the student's code can
also reach the tests and rewrite them. Here the tests run in another process, and what comes
back from the sandbox must never be code or an object the grader then trusts. So an answer
that is not plain data is given to the tests as a :class:`Proxy`: it holds only a number, and
each thing a test does with it (call it, read an attribute or an item, take its length,
iterate, print it, ``isinstance``) is one request to the sandbox, answered with data (decoded
by :mod:`autograder.values` with pandas and numpy constructors) or with another proxy.

What a proxy never does, because a lying object would gain by it:

* compare: ``proxy == value`` is decided here, from data, never by the student's ``__eq__``;
  a proxy equals only itself, or another proxy of the same type whose attributes are equal as
  data. Comparisons the tests make with numpy, pandas or builtins use the grader's own copies,
  which nothing in the sandbox can patch;
* take part in arithmetic or ordering (a ``TypeError``, as for an object that defines none);
* run anything the sandbox sends: JSON text is parsed, never executed or unpickled.

A request that takes longer than the scoring time left, or finds the sandbox gone, fails the
test that made it (a ``TimeoutError`` or a ``RuntimeError``), not the whole run.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import re
import sys
import types
from typing import Any

from autograder.channel import Channel, ChannelClosed, ChannelTimeout
from autograder.values import Unencodable, decode, encode

# The names tests give the libraries they use. A submission that binds one of them to anything
# but that library (``np = Liar()``) does not change what the tests call: they get the
# grader's own module, as if the notebook had imported it.
CONVENTIONAL_ALIASES = {"np": "numpy", "pd": "pandas", "plt": "matplotlib.pyplot",
                        "numpy": "numpy", "pandas": "pandas", "math": "math", "re": "re",
                        "lt": "learner_tools", "stats": "scipy.stats", "sm": "statsmodels.api",
                        "sns": "seaborn"}
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")

# Exceptions a request may raise in the tests, by the name the sandbox reports; anything else
# (and anything that would stop the grader, such as SystemExit) arrives as a RemoteError.
_RAISABLE = {name: kind for name, kind in vars(builtins).items()
             if isinstance(kind, type) and issubclass(kind, Exception)}

# Types whose instances always travel as data: a proxy claiming to be one is not believed.
_DATA_TYPES: tuple[type, ...] = (int, float, complex, str, bytes, bytearray, list, tuple, dict,
                                 set, frozenset)

# Attributes with double underscores that a test may ask a kept object for; other dunder
# names (which Python and numpy probe on any object) are answered here, as absent.
_REMOTE_DUNDERS = frozenset({"__name__", "__qualname__", "__doc__", "__module__", "__dict__",
                             "__annotations__", "__defaults__", "__kwdefaults__",
                             "__wrapped__", "__self__", "__func__", "__code__", "__array__",
                             "__len__", "__iter__", "__next__", "__call__"})


# The interpreter's own types that builtins does not name (``types.GeneratorType`` is
# ``builtins.generator``), so that ``isinstance(answer, types.GeneratorType)`` works.
_INTERPRETER_TYPES = {(kind.__module__, kind.__qualname__): kind for kind in vars(types).values()
                      if isinstance(kind, type) and kind.__module__ == "builtins"}


class RemoteError(Exception):
    """An exception raised in the sandbox that is not one of Python's built-in ones."""


def _data_types() -> tuple[type, ...]:
    import numpy as np
    import pandas as pd

    return _DATA_TYPES + (np.ndarray, np.generic, pd.Series, pd.DataFrame, pd.Index)


class Session:
    """The grader's connection to one sandbox, with a deadline for all its requests."""

    def __init__(self, channel: Channel, deadline: float) -> None:
        self.channel = channel
        self.deadline = deadline
        self.dead = ""
        self._proxies: dict[int, Proxy] = {}
        # Functions of the tests passed to the submission's code, by number: the sandbox can
        # ask for these to be run here, and for nothing else.
        self._callbacks: list[Any] = []

    def request(self, op: str, target: Proxy | None = None, **fields: Any) -> Any:
        if self.dead:
            raise RuntimeError(f"the submission's process is no longer answering ({self.dead})")
        message = {"op": op, **fields}
        if target is not None:
            message["target"] = object.__getattribute__(target, "_number")
        try:
            self.channel.send(message)
            reply = self._reply()
        except ChannelTimeout:
            self.dead = "the time for grading ran out"
            raise TimeoutError("the submission's code did not answer in time") from None
        except (ChannelClosed, OSError) as error:
            self.dead = "its process ended"
            raise RuntimeError("the submission's process ended while a test used it") \
                from error
        if not isinstance(reply, dict):
            raise RemoteError("the submission sent an unreadable answer")
        if "error" in reply:
            raise exception_from(reply["error"])
        return self.answer(reply.get("value"))

    def _reply(self) -> Any:
        """The sandbox's answer to the request just sent. Until it comes, the submission's
        code may call a function that a test passed to it (``apply(f, data)``): as in otter,
        where that function runs in the student's process, it runs, here, with the
        submission's arguments rebuilt as data or proxies, and its result goes back as data."""
        while True:
            reply = self.channel.receive(self.deadline)
            if not (isinstance(reply, dict) and "callback" in reply):
                return reply
            self.channel.send(self._run_callback(reply))

    def _run_callback(self, message: dict) -> dict:
        try:
            number = int(message["callback"])
            if not 0 <= number < len(self._callbacks):
                raise ValueError("no such function of the tests")
            function = self._callbacks[number]
            args = [self.answer(a) for a in message.get("args") or []]
            kwargs = {str(k): self.answer(v) for k, v in (message.get("kwargs") or {}).items()}
            return {"value": self.argument(function(*args, **kwargs))}
        except (TimeoutError, RuntimeError) as error:
            if self.dead:  # the sandbox is gone: stop here, not in its next request
                raise
            return exception_reply(error)
        except Exception as error:  # noqa: BLE001 - the test's exception is the answer
            return exception_reply(error)

    def answer(self, item: Any) -> Any:
        """A value the sandbox sent, rebuilt: data, a grader-side reference, or a proxy."""
        return decode_answer(item, self)

    def proxy(self, item: dict) -> Proxy:
        number = int(item["__handle__"])
        if number not in self._proxies:
            kind = CallableProxy if item.get("callable") else Proxy
            type_name = item.get("type") or ["", ""]
            self._proxies[number] = kind(self, number, [str(part) for part in type_name][:2],
                                         bool(item.get("is_type")))
        return self._proxies[number]

    def argument(self, value: Any, depth: int = 0) -> Any:
        """What a test passes to a kept object, as the sandbox can receive it."""
        if isinstance(value, Proxy):
            session = object.__getattribute__(value, "_session")
            if session is not self:
                raise TypeError("an object from another submission cannot be passed here")
            return {"__handle__": object.__getattribute__(value, "_number")}
        if isinstance(value, types.ModuleType):
            return {"__module__": value.__name__}
        try:
            return encode(value)
        except (Unencodable, TypeError, ValueError, OverflowError, RecursionError):
            pass
        if depth < 3 and type(value) in (list, tuple):
            key = "__list__" if type(value) is list else "__tuple_of__"
            return {key: [self.argument(v, depth + 1) for v in value]}
        reference = _reference(value)
        if reference is not None:
            return {"__ref__": reference}
        if callable(value) and not isinstance(value, type):
            # A function of the tests (a lambda, a recording stand-in for a service): the
            # sandbox gets a number it can call back; the function itself stays here.
            self._callbacks.append(value)
            return {"__callback__": len(self._callbacks) - 1}
        raise TypeError(f"a test passed {type(value).__name__!r} to the submission's code; "
                        "only data, the submission's own objects, functions of numpy, pandas "
                        "and the standard library, and the tests' own functions can be passed")


def decode_answer(item: Any, session: Session | None) -> Any:
    """Data, the grader's own copy of a module or library function, or a proxy on
    ``session`` (a ``LookupError`` without one: the object stayed in a sandbox that ended)."""
    if isinstance(item, dict):
        if "__handle__" in item:
            if session is None:
                raise LookupError("the object stayed in the sandbox")
            return session.proxy(item)
        if "__ref__" in item:
            return _resolve(item["__ref__"])
        if "__module__" in item:
            return import_installed(item["__module__"])
    return decode(item)


SUPPORT_FOLDERS: list[str] = []  # set by the scorer: the assignment's support files


def importable(name: Any) -> bool:
    """Whether the grader imports the module ``name`` when a submission names it."""
    if not isinstance(name, str) or not _MODULE_NAME.fullmatch(name):
        return False
    parts = name.split(".")
    if NOT_IMPORTABLE_PARTS & set(parts):
        return False
    if parts[0] in IMPORTABLE_ROOTS or name in sys.modules:
        return True
    try:  # one of the assignment's support modules (a helper of the instructor's)
        spec = importlib.util.find_spec(parts[0])
    except (ImportError, ValueError):
        return False
    origin = getattr(spec, "origin", None) or ""
    return any(origin.startswith(folder.rstrip("/") + "/") for folder in SUPPORT_FOLDERS)


def import_installed(name: Any) -> types.ModuleType:
    """The grader's own copy of a module the submission named: imported from the grader's
    installation and the assignment's support files (the sandbox's folder is never on the
    grader's path), only if :func:`importable`, so only library code the instructor
    installed runs. An ``ImportError`` if there is none."""
    if not importable(name):
        raise ImportError(f"{name!r} is not a library module the grader imports")
    try:
        return importlib.import_module(name)
    except ImportError:
        raise
    except BaseException as error:  # noqa: BLE001 - a module whose import exits or fails
        raise ImportError(f"{name} could not be imported ({type(error).__name__})") from None


def exception_reply(error: BaseException) -> dict:
    """What went wrong, as data: the nearest built-in exception class and the message."""
    builtin = next((c.__name__ for c in type(error).__mro__
                    if getattr(builtins, c.__name__, None) is c), "Exception")
    try:
        message = str(error)[:2000]
    except Exception:  # noqa: BLE001 - a message that cannot be shown is left out
        message = ""
    return {"error": {"builtin": builtin, "type": type(error).__qualname__[:200],
                      "message": message}}


def exception_from(error: Any) -> Exception:
    """An exception the other side reported, as a built-in exception (never its own class)."""
    if not isinstance(error, dict):
        return RemoteError("the submission's code raised an error")
    message = str(error.get("message", ""))[:2000]
    kind = str(error.get("type", ""))[:200]
    builtin = _RAISABLE.get(str(error.get("builtin", "")))
    if builtin is None:
        return RemoteError(f"{kind}: {message}" if kind else message)
    if kind and kind != builtin.__name__:
        message = f"{kind}: {message}"
    try:
        return builtin(message)
    except Exception:  # noqa: BLE001 - an exception class that needs other arguments
        return RemoteError(f"{kind}: {message}")


# Where a function or class the submission names (``from numpy import mean``) may be taken
# from the grader's own installation instead of being called in the sandbox: libraries that
# only compute on data, and builtins that do nothing else. A name elsewhere (``os.system``,
# ``builtins.exec``) is not taken: the tests would be calling what the student chose.
REFERENCE_ROOTS = frozenset({"numpy", "pandas", "math", "cmath", "statistics", "decimal",
                             "fractions", "datetime", "collections", "itertools", "functools",
                             "operator", "re", "string", "textwrap", "learner_tools"})
SAFE_BUILTINS = frozenset({
    "abs", "all", "any", "bool", "bytes", "callable", "chr", "complex", "dict", "divmod",
    "enumerate", "filter", "float", "format", "frozenset", "hash", "hex", "int", "isinstance",
    "issubclass", "iter", "len", "list", "map", "max", "min", "next", "oct", "ord", "pow",
    "range", "repr", "reversed", "round", "set", "slice", "sorted", "str", "sum", "tuple",
    "type", "zip"})
# Modules a submission may name for the grader to import: libraries whose import does
# nothing but define things. Any other installed module may do something when imported (open
# a browser, print, read files), in the grader's process, so it is never imported for a name
# a submission chose; the assignment's own support modules are imported too.
IMPORTABLE_ROOTS = REFERENCE_ROOTS | {
    "matplotlib", "scipy", "statsmodels", "seaborn", "sklearn", "datascience", "json",
    "random", "typing", "dataclasses", "enum", "numbers", "warnings", "copy", "string",
    "time", "calendar", "zoneinfo", "array", "bisect", "heapq", "pprint", "types"}
# Parts of those libraries that are programs, build tools or test suites, not library code.
NOT_IMPORTABLE_PARTS = {"__main__", "tests", "conftest", "distutils", "f2py", "setup",
                        "_pytest", "testing_utils"}


def _resolve(reference: Any) -> Any:
    """The grader's own copy of a function or class named by the sandbox (only from
    :data:`REFERENCE_ROOTS` and :data:`SAFE_BUILTINS`).

    A reference is what :func:`_reference` writes: a module and a name defined in it (a
    function, a class, or a class's attribute), and it must resolve to something that module
    family defines. Never a path through another module: ``learner_tools.data.os.system`` or
    ``numpy._core.numeric.builtins.exec`` would hand the scorer, outside the sandbox, a
    function of the submission's choosing."""
    module, name = (str(part) for part in reference)
    allowed = (module == "builtins" and name in SAFE_BUILTINS) or (
        module.split(".")[0] in REFERENCE_ROOTS and importable(module))
    if not allowed:
        raise ValueError(f"{module}.{name} is not taken from the grader's installation")
    found: Any = import_installed(module)
    parts = name.split(".")
    for index, part in enumerate(parts):
        if part.startswith("__") or "<" in part or not part.isidentifier():
            raise ValueError(f"{name!r} is not a name defined at the top of {module}")
        if index > 0 and not isinstance(found, type):  # only a class's attributes
            raise ValueError(f"{module}.{name} is not taken from the grader's installation")
        if index == 0 and part not in vars(found):  # a module's own (never one it would
            # import on first use, as numpy imports f2py)
            raise ValueError(f"{module}.{name} is not taken from the grader's installation")
        found = getattr(found, part)
        if isinstance(found, types.ModuleType):  # never a way into another module
            raise ValueError(f"{module}.{name} is not taken from the grader's installation")
    home = getattr(found, "__module__", None)
    if module != "builtins" and not (isinstance(home, str)
                                     and home.split(".")[0] in REFERENCE_ROOTS):
        raise ValueError(f"{module}.{name} is not taken from the grader's installation")
    return found


def _reference(value: Any) -> list[str] | None:
    module = getattr(value, "__module__", None)
    name = getattr(value, "__qualname__", None)
    if not (isinstance(module, str) and isinstance(name, str)) or "<" in name \
            or module not in sys.modules:
        return None
    try:
        return [module, name] if _resolve([module, name]) is value else None
    except (ImportError, AttributeError, ValueError):
        return None


class _ShadowedBuiltin:
    """A submission's function named like a builtin (``def sum(a, b)``, or a lying
    ``isinstance``). As in the student's kernel, the tests reach it under that name; but where
    the builtin itself answers the call, its answer is the one given, so that a function that
    lies (``abs = lambda x: 0``) cannot pass a test written with the builtin in mind. Only a
    call the builtin refuses (``sum(1, 2)``) reaches the submission's function."""

    def __init__(self, builtin: Any, proxy: CallableProxy) -> None:
        self._builtin, self._proxy = builtin, proxy

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._builtin(*args, **kwargs)
        except Exception:  # noqa: BLE001 - the builtin does not take this call: the answer may
            return self._proxy(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._proxy, name)

    def __repr__(self) -> str:
        return repr(self._proxy)


def guard_names(namespace: dict[str, Any]) -> dict[str, Any]:
    """The namespace with a submission's objects kept from standing in for the builtins and
    libraries the tests use (see :class:`_ShadowedBuiltin` and :data:`CONVENTIONAL_ALIASES`)."""
    for name, value in list(namespace.items()):
        if not isinstance(value, Proxy):
            # A name of the builtins bound to another function or class (``isinstance =
            # slice``, ``abs = round``): the tests keep the builtin. Data under such a name
            # (``max = 5``) stays, as under otter.
            builtin = vars(builtins).get(name)
            if builtin is not None and not name.startswith("_") and value is not builtin \
                    and callable(value):
                del namespace[name]
            continue
        if name in CONVENTIONAL_ALIASES:
            try:
                namespace[name] = import_installed(CONVENTIONAL_ALIASES[name])
            except ImportError:
                del namespace[name]
        elif name in vars(builtins) and not name.startswith("_"):
            builtin = vars(builtins)[name]
            if isinstance(value, CallableProxy) and not object.__getattribute__(value,
                                                                                "_is_type"):
                namespace[name] = _ShadowedBuiltin(builtin, value)
            else:  # a class or object named like a builtin: the builtin
                del namespace[name]
    return namespace


class Proxy:
    # An object that stayed in the sandbox (see the module's docstring). The class has no
    # docstring of its own: ``proxy.__doc__`` and ``proxy.__module__`` are the kept object's.

    __slots__ = ("_session", "_number", "_type_name", "_is_type", "_class")

    @property
    def __doc__(self):  # noqa: PLE0307
        return self._ask("getattr", name="__doc__")

    @property
    def __module__(self):  # noqa: PLE0307
        return self._ask("getattr", name="__module__")

    def __init__(self, session: Session, number: int, type_name: list[str],
                 is_type: bool) -> None:
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_number", number)
        object.__setattr__(self, "_type_name", type_name)
        object.__setattr__(self, "_is_type", is_type)
        object.__setattr__(self, "_class", None)

    def _ask(self, op: str, **fields: Any) -> Any:
        session = object.__getattribute__(self, "_session")
        return session.request(op, self, **fields)

    def _send(self, value: Any) -> Any:
        return object.__getattribute__(self, "_session").argument(value)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__") and name not in _REMOTE_DUNDERS:
            raise AttributeError(name)
        return self._ask("getattr", name=name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._ask("setattr", name=name, value=self._send(value))

    @property
    def __class__(self):  # noqa: PLE0307 - isinstance() consults it, and must not be fooled
        """The grader's own class of the same name, when the grader has imported it and its
        instances are not data (a ``Styler``, an ``Axes``), so ``isinstance`` works as in the
        student's kernel; otherwise a proxy of the kept object's class."""
        known = object.__getattribute__(self, "_class")
        if known is None:
            known = self._find_class()
            object.__setattr__(self, "_class", known)
        return known

    def _find_class(self) -> Any:
        module, name = object.__getattribute__(self, "_type_name")
        if (module, name) in _INTERPRETER_TYPES:  # a function, a generator, a method...
            return _INTERPRETER_TYPES[module, name]
        loaded = sys.modules.get(module)
        if loaded is not None and "<" not in name:
            found: Any = loaded
            try:
                for part in name.split("."):
                    found = getattr(found, part)
            except AttributeError:
                found = None
            if isinstance(found, type) and not issubclass(found, _data_types()):
                return found
        claimed = self._ask("getattr", name="__class__")
        if isinstance(claimed, type) and issubclass(claimed, _data_types()):
            return Proxy  # data always travels as data: a kept object claiming to be data lies
        return claimed

    def __getitem__(self, key: Any) -> Any:
        return self._ask("getitem", key=self._send(key))

    def __setitem__(self, key: Any, value: Any) -> None:
        self._ask("setitem", key=self._send(key), value=self._send(value))

    def __len__(self) -> int:
        length = self._ask("len")
        if type(length) is not int or length < 0:
            raise TypeError("the submission's object gave a length that is not a count")
        return length

    def __iter__(self):
        iterator = self._ask("iter")
        if not isinstance(iterator, Proxy):  # an iterator is never data; refuse a pretend one
            raise TypeError("the submission's object gave no iterator")
        return _RemoteIterator(iterator)

    def __next__(self) -> Any:
        return self._ask("next")

    def __bool__(self) -> bool:
        truth = self._ask("bool")
        return truth is True

    def __repr__(self) -> str:
        text = self._ask("repr")
        return text if isinstance(text, str) else "<an object of the submission>"

    def __str__(self) -> str:
        text = self._ask("str")
        return text if isinstance(text, str) else "<an object of the submission>"

    def __dir__(self) -> list[str]:
        names = self._ask("dir")
        return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []

    def __eq__(self, other: Any) -> bool:
        if other is self:
            return True
        if not isinstance(other, Proxy) or \
                object.__getattribute__(other, "_session") is not \
                object.__getattribute__(self, "_session"):
            return NotImplemented
        try:
            same_type, mine, theirs = self._ask("state", other=object.__getattribute__(
                other, "_number"))
        except Exception:  # noqa: BLE001 - objects without attributes compare by identity
            return False
        if same_type is not True or not isinstance(mine, dict) or not isinstance(theirs, dict):
            return False
        return _equal_data(mine, theirs)

    def __ne__(self, other: Any) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(("proxy", object.__getattribute__(self, "_number")))

    def __instancecheck__(self, instance: Any) -> bool:
        return self._ask("isinstance", value=self._send(instance)) is True

    def __subclasscheck__(self, subclass: Any) -> bool:
        return self._ask("issubclass", value=self._send(subclass)) is True

    def __copy__(self) -> Proxy:
        return self

    def __deepcopy__(self, memo: dict) -> Proxy:
        return self

    def __reduce__(self):
        raise TypeError("an object kept in a submission's sandbox cannot be pickled")


class CallableProxy(Proxy):
    # A kept function, class or other callable: calling it runs it in the sandbox.

    __slots__ = ()
    __doc__ = Proxy.__dict__["__doc__"]  # a class without a docstring would get None here

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._ask("call", args=[self._send(a) for a in args],
                         kwargs={str(k): self._send(v) for k, v in kwargs.items()})


class _RemoteIterator:
    """Steps through an iterator kept in the sandbox, one item per request."""

    def __init__(self, iterator: Proxy) -> None:
        self._iterator = iterator

    def __iter__(self):
        return self

    def __next__(self) -> Any:
        return self._iterator._ask("next")


def _equal_data(first: dict, second: dict) -> bool:
    """Whether two attribute dictionaries, already data, hold equal values."""
    if first.keys() != second.keys():
        return False
    for key, value in first.items():
        other = second[key]
        try:
            if hasattr(value, "equals") and type(value) is type(other):
                same = bool(value.equals(other))
            else:
                import numpy as np

                same = bool(np.all(value == other)) if isinstance(value, np.ndarray) \
                    else bool(value == other)
        except Exception:  # noqa: BLE001 - values that cannot be compared are not equal
            return False
        if not same:
            return False
    return True


def decode_namespace(payload: str | dict, session: Session | None = None,
                     values: dict | None = None, decoded: dict | None = None) -> dict[str, Any]:
    """A fresh global namespace for the tests from the sandbox's message.

    Data values are rebuilt; modules, and functions and classes defined in them, are the
    grader's own, imported here by name (:func:`import_installed`); anything else becomes a
    proxy on ``session``, or is left out without one (the sandbox has ended). A value sent once
    under a key (``{"__value__": key}``, see :class:`autograder.object_server.AnswerEncoder`)
    is looked up in ``values`` (by default the payload's own) and rebuilt once, in ``decoded``.
    Modules are added last, so a value can never take the place of one the tests rely on.
    """
    import json

    data = json.loads(payload) if isinstance(payload, str) else payload
    answers = data.get("answers") if isinstance(data, dict) else None
    if values is None and isinstance(data, dict):
        values = data.get("values")
    values = values if isinstance(values, dict) else {}
    decoded = {} if decoded is None else decoded
    namespace: dict[str, Any] = {}
    modules: dict[str, Any] = {}
    for name, item in answers.items() if isinstance(answers, dict) else ():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            continue
        try:
            if isinstance(item, dict) and "__value__" in item:
                key = str(item["__value__"])
                if key not in decoded:
                    decoded[key] = decode_answer(values[key], session)
                value = decoded[key]
            else:
                value = decode_answer(item, session)
        except (LookupError, ValueError, TypeError, OverflowError, ImportError,
                AttributeError):
            continue
        is_module = not isinstance(value, Proxy) and isinstance(value, types.ModuleType)
        (modules if is_module else namespace)[name] = value
    namespace.update(modules)
    return guard_names(namespace)
