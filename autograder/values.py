"""Carry a submission's answers out of its sandbox as plain data, never as code.

Student code runs in a sandbox; tests run in the grader. What crosses between them must not be
able to act: a pickle can run any code when it is loaded, and an object of the student's own
class can lie in its ``__eq__``. So the sandbox encodes only data (numbers, text, lists,
dicts, numpy arrays and pandas Series, DataFrames and Index objects with their dtypes) as
tagged JSON, and the grader rebuilds them with pandas and numpy constructors. Anything else
stays in the sandbox (see :mod:`autograder.proxies`).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections import Counter, OrderedDict, defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

MAX_ITEMS = 2_000_000  # cells in one encoded value; larger values are left out
MAX_DEPTH = 6
MAX_ITEM_BYTES = 1 << 20  # one numpy cell (text of 256k characters); wider ones stay in the sandbox

# The default factories a defaultdict may carry as data (by name, rebuilt from builtins).
DEFAULT_FACTORIES = {int: "int", float: "float", str: "str", list: "list", dict: "dict",
                     set: "set", tuple: "tuple", None: "None"}
_FACTORIES_BY_NAME = {name: kind for kind, name in DEFAULT_FACTORIES.items()}


class Unencodable(Exception):
    """A value that is not plain data."""


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else {"__int__": str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if value is pd.NA:
        return {"__na__": True}
    if value is Ellipsis:  # a blank answer ("x = ...") stays blank, as in otter
        return {"__ellipsis__": True}
    if isinstance(value, pd.Period):
        return {"__period__": str(value), "freq": value.freqstr}
    if isinstance(value, pd.Timestamp):
        return {"__timestamp__": value.isoformat()}
    if isinstance(value, np.generic):
        if value.dtype.kind in "OV" or value.dtype.itemsize > MAX_ITEM_BYTES:
            raise Unencodable(f"numpy {value.dtype}")
        return {"__npscalar__": value.dtype.str, "value": _scalar(value.item())}
    if type(value) is Fraction:  # exact numbers from the standard library stay exact
        return {"__fraction__": [str(value.numerator), str(value.denominator)]}
    if type(value) is Decimal:
        return {"__decimal__": str(value)}
    if type(value) is complex:
        return {"__complex__": [_scalar(value.real), _scalar(value.imag)]}
    if type(value) in (bytes, bytearray):
        return {"__bytes__": base64.b64encode(value).decode("ascii"),
                "mutable": type(value) is bytearray}
    if isinstance(value, pd.Timedelta):
        return {"__pdtimedelta__": value.value}
    if type(value) in (dt.date, dt.datetime, dt.time):
        return {"__" + type(value).__name__ + "__": value.isoformat()}
    if type(value) is dt.timedelta:
        return {"__timedelta__": [value.days, value.seconds, value.microseconds]}
    if type(value) is range:
        return {"__range__": [value.start, value.stop, value.step]}
    raise Unencodable(type(value).__name__)


def _array(values: Any) -> dict:
    """A one-dimensional column of values with its dtype."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return {"dtype": "category", "ordered": bool(dtype.ordered),
                "categories": _array(pd.Index(dtype.categories)),
                "codes": [int(c) for c in pd.Categorical(values).codes]}
    if isinstance(dtype, pd.PeriodDtype):
        return {"dtype": str(dtype), "values": [None if pd.isna(v) else str(v) for v in values]}
    if dtype.kind == "M" or isinstance(dtype, pd.DatetimeTZDtype):
        return {"dtype": str(dtype),
                "values": [None if pd.isna(v) else pd.Timestamp(v).isoformat() for v in values]}
    if dtype.kind not in "biufO" and not isinstance(dtype, (pd.StringDtype,
                                                            pd.api.extensions.ExtensionDtype)):
        raise Unencodable(f"dtype {dtype}")
    items = []
    for item in list(values):
        if item is None or (not isinstance(item, str) and pd.isna(item)):
            items.append(None)
        else:
            items.append(_scalar(item))
    return {"dtype": str(dtype), "values": items}


def _index(index: pd.Index) -> dict:
    if isinstance(index, pd.MultiIndex):
        return {"multi": [_array(index.get_level_values(i)) for i in range(index.nlevels)],
                "names": [_scalar(n) for n in index.names]}
    if isinstance(index, pd.RangeIndex):
        return {"range": [index.start, index.stop, index.step], "name": _scalar(index.name)}
    return {"array": _array(index), "name": _scalar(index.name)}


def encode(value: Any, depth: int = 0) -> Any:
    """Tagged JSON for a data value; raises :class:`Unencodable` for anything else."""
    if depth > MAX_DEPTH:
        raise Unencodable("too deeply nested")
    if isinstance(value, pd.DataFrame):
        if value.size > MAX_ITEMS:
            raise Unencodable("too large")
        return {"__dataframe__": {"columns": _index(value.columns), "index": _index(value.index),
                                  "data": [_array(value.iloc[:, i])
                                           for i in range(value.shape[1])]}}
    if isinstance(value, pd.Series):
        if value.size > MAX_ITEMS:
            raise Unencodable("too large")
        return {"__series__": {"index": _index(value.index), "data": _array(value),
                               "name": _scalar(value.name)}}
    if isinstance(value, pd.Index):
        return {"__index__": _index(value)}
    if isinstance(value, np.ndarray):
        if value.size > MAX_ITEMS or value.dtype.kind not in "biufUSM" or \
                value.dtype.itemsize > MAX_ITEM_BYTES:
            raise Unencodable("array too large or of objects")
        return {"__ndarray__": value.dtype.str, "shape": list(value.shape),
                "values": [_scalar(v) for v in value.ravel().tolist()]}
    if type(value) in (list, tuple, set, frozenset):
        items = [encode(v, depth + 1) for v in value]
        return items if type(value) is list else {"__" + type(value).__name__ + "__": items}
    if type(value) is slice:
        return {"__slice__": [encode(v, depth + 1) for v in (value.start, value.stop,
                                                              value.step)]}
    if type(value) in (dict, OrderedDict, Counter) or (
            type(value) is defaultdict and value.default_factory in DEFAULT_FACTORIES):
        tagged = {"__dict__": [[encode(k, depth + 1), encode(v, depth + 1)]
                               for k, v in value.items()]}
        if type(value) is not dict:
            tagged["kind"] = type(value).__name__
        if type(value) is defaultdict:
            tagged["factory"] = value.default_factory.__name__
        return tagged
    return _scalar(value)


def _decode_scalar(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    if "__int__" in item:
        return int(item["__int__"])
    if "__float__" in item:
        return float(item["__float__"])
    if "__na__" in item:
        return pd.NA
    if "__ellipsis__" in item:
        return Ellipsis
    if "__period__" in item:
        return pd.Period(item["__period__"], freq=item["freq"])
    if "__timestamp__" in item:
        return pd.Timestamp(item["__timestamp__"])
    if "__npscalar__" in item:
        return _numpy_dtype(item["__npscalar__"]).type(_decode_scalar(item["value"]))
    if "__fraction__" in item:
        numerator, denominator = item["__fraction__"]
        return Fraction(int(numerator), int(denominator))
    if "__decimal__" in item:
        return Decimal(item["__decimal__"])
    if "__complex__" in item:
        real, imag = item["__complex__"]
        return complex(_decode_scalar(real), _decode_scalar(imag))
    if "__bytes__" in item:
        data = base64.b64decode(item["__bytes__"].encode("ascii"), validate=True)
        return bytearray(data) if item.get("mutable") else data
    if "__pdtimedelta__" in item:
        return pd.Timedelta(int(item["__pdtimedelta__"]), unit="ns")
    for kind in (dt.date, dt.datetime, dt.time):
        if f"__{kind.__name__}__" in item:
            return kind.fromisoformat(item[f"__{kind.__name__}__"])
    if "__timedelta__" in item:
        days, seconds, microseconds = (int(v) for v in item["__timedelta__"])
        return dt.timedelta(days=days, seconds=seconds, microseconds=microseconds)
    if "__range__" in item:
        return range(*(int(v) for v in item["__range__"]))
    raise ValueError(f"unknown scalar tag {sorted(item)}")


def _numpy_dtype(text: Any) -> np.dtype:
    return _checked(np.dtype(str(text)))


def _checked(dtype: Any) -> Any:
    """A type named by the sandbox, refused when :func:`encode` would never have written it:
    objects, records, sub-arrays, or cells so wide that a few bytes of message would decode to
    gigabytes (``U1000000000``)."""
    if isinstance(dtype, np.dtype) and (dtype.kind in "OV" or dtype.subdtype is not None
                                        or dtype.fields or dtype.itemsize > MAX_ITEM_BYTES):
        raise ValueError(f"an array type answers never have: {dtype}")
    return dtype


def _decode_array(column: dict) -> Any:
    dtype = column["dtype"]
    if dtype == "category":
        categories = _decode_array(column["categories"])
        return pd.Categorical.from_codes(column["codes"], categories=categories,
                                         ordered=column["ordered"])
    values = [None if v is None else _decode_scalar(v) for v in column["values"]]
    if dtype.startswith("period"):
        return pd.array([None if v is None else pd.Period(v) for v in values], dtype=dtype)
    if dtype.startswith("datetime64"):
        return pd.array(pd.to_datetime(values), dtype=dtype)
    if dtype == "object":
        return np.array(values, dtype=object)
    return pd.array(values, dtype=_checked(pd.api.types.pandas_dtype(dtype)))


def _decode_index(spec: dict) -> pd.Index:
    if "multi" in spec:
        return pd.MultiIndex.from_arrays([_decode_array(a) for a in spec["multi"]],
                                         names=[_decode_scalar(n) for n in spec["names"]])
    if "range" in spec:
        return pd.RangeIndex(*spec["range"], name=_decode_scalar(spec["name"]))
    return pd.Index(_decode_array(spec["array"]), name=_decode_scalar(spec["name"]))


def decode(item: Any) -> Any:
    """Rebuild a value from :func:`encode`'s output, using only pandas and numpy constructors."""
    if isinstance(item, list):
        return [decode(v) for v in item]
    if not isinstance(item, dict):
        return item
    if "__dataframe__" in item:
        spec = item["__dataframe__"]
        columns = _decode_index(spec["columns"])
        index = _decode_index(spec["index"])
        data = {i: pd.Series(_decode_array(col), index=index) for i, col in enumerate(spec["data"])}
        frame = pd.DataFrame(data, index=index)
        frame.columns = columns
        return frame
    if "__series__" in item:
        spec = item["__series__"]
        return pd.Series(_decode_array(spec["data"]), index=_decode_index(spec["index"]),
                         name=_decode_scalar(spec["name"]))
    if "__index__" in item:
        return _decode_index(item["__index__"])
    if "__ndarray__" in item:
        values = [_decode_scalar(v) for v in item["values"]]
        return np.array(values, dtype=_numpy_dtype(item["__ndarray__"])).reshape(item["shape"])
    for tag, kind in (("__tuple__", tuple), ("__set__", set), ("__frozenset__", frozenset)):
        if tag in item:
            return kind(decode(v) for v in item[tag])
    if "__dict__" in item:
        pairs = [(decode(k), decode(v)) for k, v in item["__dict__"]]
        kind = item.get("kind")
        if kind == "defaultdict":
            factory = _FACTORIES_BY_NAME.get(item.get("factory"))
            if item.get("factory") not in _FACTORIES_BY_NAME:
                raise ValueError("unknown defaultdict factory")
            return defaultdict(factory, pairs)
        return {"OrderedDict": OrderedDict, "Counter": Counter}.get(kind, dict)(dict(pairs))
    if "__slice__" in item:
        return slice(*(decode(v) for v in item["__slice__"]))
    return _decode_scalar(item)
