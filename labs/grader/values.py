"""Values as JSON: plain data crosses between the grader and the student's process as itself.

JSON has lists, strings, numbers, true/false and null; everything else is a tagged object
``{"$": tag, ...}``: tuples, dicts (any hashable keys), sets, bytes, ``Decimal`` (DynamoDB's
numbers), NaN and infinities, DynamoDB ``Binary`` and condition trees, and PIL images. What is
not data is a tag the two ends agree on: a *handle* (``"h"``) to an object that lives in the
student's process, an *exposed* object (``"x"``) that lives in the grader. Each end supplies
``other`` (how to encode what is not data) and ``tags`` (how to decode its own extra tags).

Decoding is strict: an unknown tag, a malformed value, or an unhashable key raises
``ValueError``, never builds anything but plain values or what a ``tags`` function returns.

    >>> from decimal import Decimal
    >>> value = {("a", 1): [1.5, b"\\x00", {Decimal("2.50")}], "n": float("inf")}
    >>> wire = encode(value)
    >>> decode(wire) == value
    True
    >>> decode({"$": "pickle", "v": "..."})
    Traceback (most recent call last):
    ...
    ValueError: unknown tag 'pickle'
"""

from __future__ import annotations

import base64
import math
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

Json = Any
Encoder = Callable[[Any], Json]
TagDecoders = dict[str, Callable[[dict[str, Any], Callable[[Json], Any]], Any]]

MAX_DEPTH = 200  # nesting deeper than this is not data a lab exchanges


def _cannot(value: Any) -> Json:
    raise TypeError(f"{type(value).__name__} values cannot be sent")


def encode(value: Any, other: Encoder = _cannot, depth: int = 0) -> Json:
    """``value`` as JSON-ready data; ``other(value)`` for anything that is not plain data."""
    if depth > MAX_DEPTH:
        raise ValueError("the value is nested too deeply")
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is str:
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$": "f", "v": repr(value)}
    if kind is list:
        return [encode(item, other, depth + 1) for item in value]
    if kind is tuple:
        return {"$": "t", "v": [encode(item, other, depth + 1) for item in value]}
    if kind is dict:
        return {"$": "d", "v": [[encode(k, other, depth + 1), encode(v, other, depth + 1)] for k, v in value.items()]}
    if kind is set or kind is frozenset:
        return {"$": "s" if kind is set else "fs", "v": [encode(item, other, depth + 1) for item in value]}
    if kind is bytes or kind is bytearray:
        return {"$": "b", "v": base64.b64encode(value).decode()}
    if kind is Decimal:
        return {"$": "D", "v": str(value)}
    if (wire := _encode_library(value, other, depth)) is not None:
        return wire
    return other(value)


def _encode_library(value: Any, other: Encoder, depth: int) -> Json | None:
    """DynamoDB's Binary and conditions, and PIL images: only if their library is loaded."""
    conditions = sys.modules.get("boto3.dynamodb.conditions")
    if conditions is not None:
        if isinstance(value, conditions.ConditionBase):
            values = value.get_expression()["values"]
            return {"$": "cond", "op": type(value).__name__, "v": [encode(v, other, depth + 1) for v in values]}
        if isinstance(value, conditions.AttributeBase):
            return {"$": "attr", "op": type(value).__name__, "name": encode(value.name, other, depth + 1)}
    types = sys.modules.get("boto3.dynamodb.types")
    if types is not None and isinstance(value, types.Binary):
        return {"$": "bin", "v": base64.b64encode(bytes(value.value)).decode()}
    image = sys.modules.get("PIL.Image")
    if image is not None and isinstance(value, image.Image):
        info = {k: v for k, v in value.info.items() if isinstance(k, str) and isinstance(v, (bytes, int, float, str, tuple))}
        return {"$": "img", "mode": value.mode, "size": list(value.size), "data": base64.b64encode(value.tobytes()).decode(),
                "info": encode(info, other, depth + 1)}  # fmt: skip
    return None


def decode(wire: Json, tags: TagDecoders | None = None, depth: int = 0) -> Any:
    """Plain values from JSON-ready data, with ``tags`` decoding the caller's own tags."""
    if depth > MAX_DEPTH:
        raise ValueError("the value is nested too deeply")
    kind = type(wire)
    if wire is None or kind in (bool, int, float, str):
        return wire
    if kind is list:
        return [decode(item, tags, depth + 1) for item in wire]
    if kind is not dict:
        raise ValueError(f"not a value: {kind.__name__}")
    tag = wire.get("$")
    again = lambda item: decode(item, tags, depth + 1)  # noqa: E731
    try:
        if tag in _PLAIN:
            return _PLAIN[tag](wire, again)
        if tags and tag in tags:
            return tags[tag](wire, again)
    except (KeyError, TypeError, AttributeError, InvalidOperation) as error:
        raise ValueError(f"malformed {tag!r} value: {type(error).__name__}: {error}") from None
    raise ValueError(f"unknown tag {tag!r}")


def _items(wire: dict[str, Any], again: Callable[[Json], Any]) -> list[Any]:
    items = wire["v"]
    if type(items) is not list:
        raise TypeError("items must be a list")
    return [again(item) for item in items]


def _pairs(wire: dict[str, Any], again: Callable[[Json], Any]) -> dict[Any, Any]:
    result = {}
    for pair in wire["v"]:
        if type(pair) is not list or len(pair) != 2:
            raise TypeError("a dict entry must be a [key, value] pair")
        result[again(pair[0])] = again(pair[1])
    return result


def _special_float(wire: dict[str, Any], again: Callable[[Json], Any]) -> float:
    if wire["v"] not in ("nan", "inf", "-inf"):
        raise TypeError(f"{wire['v']!r} is not a special float")
    return float(wire["v"])


def _bytes(wire: dict[str, Any], again: Callable[[Json], Any]) -> bytes:
    if type(wire["v"]) is not str:
        raise TypeError("bytes travel as base64 text")
    return base64.b64decode(wire["v"], validate=True)


def _decimal(wire: dict[str, Any], again: Callable[[Json], Any]) -> Decimal:
    if type(wire["v"]) is not str or len(wire["v"]) > 100:
        raise TypeError("a decimal travels as a short string")
    return Decimal(wire["v"])


def _binary(wire: dict[str, Any], again: Callable[[Json], Any]) -> Any:
    from boto3.dynamodb.types import Binary

    return Binary(_bytes(wire, again))


def _condition(wire: dict[str, Any], again: Callable[[Json], Any]) -> Any:
    """A boto3 condition rebuilt from an allow-list of its classes (``Key("pk").eq(...)``)."""
    from boto3.dynamodb import conditions

    name = wire["op"]
    cls = getattr(conditions, name, None) if type(name) is str and not name.startswith("_") else None
    if wire["$"] == "attr":
        if cls not in (conditions.Key, conditions.Attr):
            raise TypeError(f"{name!r} is not Key or Attr")
        attribute = again(wire["name"])
        if type(attribute) is not str:
            raise TypeError("an attribute name must be a string")
        return cls(attribute)
    if not (isinstance(cls, type) and issubclass(cls, conditions.ConditionBase)) or cls is conditions.ConditionBase:
        raise TypeError(f"{name!r} is not a DynamoDB condition")
    return cls(*_items(wire, again))


def _image(wire: dict[str, Any], again: Callable[[Json], Any]) -> Any:
    from PIL import Image

    width, height = (int(n) for n in wire["size"])
    if width * height > 50_000_000:
        raise TypeError(f"a {width}×{height} image is larger than a lab exchanges")
    image = Image.frombytes(str(wire["mode"]), (width, height), _bytes({"v": wire["data"]}, again))
    info = again(wire["info"])
    if type(info) is not dict:
        raise TypeError("image info must be a dict")
    image.info.update(info)
    return image


_PLAIN: TagDecoders = {
    "t": lambda wire, again: tuple(_items(wire, again)),
    "d": _pairs,
    "s": lambda wire, again: set(_items(wire, again)),
    "fs": lambda wire, again: frozenset(_items(wire, again)),
    "b": _bytes,
    "f": _special_float,
    "D": _decimal,
    "bin": _binary,
    "cond": _condition,
    "attr": _condition,
    "img": _image,
}
