"""The student's process: imports the student's modules and runs what a check asks, nothing more.

A check never runs student code itself. ``labs.grader.student`` starts this module in a fresh
interpreter for each check (``python -I -m labs.grader.host FD ...``; as the sandbox user when
the grader is root), in a private copy of the submission, with an environment and argv that
carry nothing of the grader's. The grader then sends requests over the inherited socket
``FD``: import a module, get an attribute, call a function, take ``len``/``str``/items. Results
go back as plain data (``labs.grader.values``); anything else stays here and is sent as a
*handle* the grader can ask about later. An exception the student's code raises goes back as
a description (type, class names, message, file and line), never as an object.

The other way, a check may lend the student's code a callable or a DynamoDB table: here they
are proxies (:class:`Callback`, :class:`Table`) that send each call back to the grader, which
makes the real call. ``Table`` looks like boto3's, down to ``table.meta.client.exceptions`` and
``ClientError``, so code written against boto3 runs unchanged.

Nothing here is trusted: the student's code runs in this process and may replace any of it.
That is why the grader decodes what arrives strictly and treats it as data.
"""

from __future__ import annotations

import argparse
import builtins
import importlib.util
import itertools
import os
import resource
import socket
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from labs.grader.values import Json, decode, encode
from labs.grader.wire import Channel

MAX_TEXT = 4000  # characters of a str()/repr()/message sent back
MAX_ITEMS = 1_000_000  # items materialised when the grader iterates a student's object
_TRUSTED_CLASSES = ("reference.", "simulator.", "chaos.", "labs.grader.")  # what the grader may ask us to rebuild
_EXCEPTIONS = {name: value for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, Exception)}


class Host:
    """Objects the grader holds handles to, and the requests that act on them."""

    def __init__(self, sock: socket.socket, work: Path) -> None:
        self.work = work
        self._objects: dict[int, Any] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.channel = Channel(sock, self.serve, self.describe_error)

    # ------------------------------------------------------------------ values out and in
    def handle(self, value: Any) -> int:
        with self._lock:
            number = next(self._ids)
            self._objects[number] = value
        return number

    def encode(self, value: Any) -> Json:
        return encode(value, self._other)

    def _other(self, value: Any) -> Json:
        if isinstance(value, (Callback, Table, Client)):
            return {"$": "x", "id": value.exposed_id}
        if _is_numpy_scalar(value):
            return self.encode(value.item())
        plain = _plain_copy(value)  # an int/str/list/dict subclass: its builtin value, read without its methods
        if plain is not None:
            return self.encode(plain)
        cls = type(value)
        wire = {"$": "h", "id": self.handle(value), "type": cls.__name__, "module": str(getattr(cls, "__module__", "")),
                "mro": [c.__name__ for c in cls.__mro__]}  # fmt: skip
        if isinstance(value, tuple):  # a NamedTuple: its items compare as a tuple, its fields by name
            wire["v"] = self.encode(tuple(tuple.__iter__(value)))
        return wire

    def decode(self, wire: Json) -> Any:
        return decode(wire, {"h": self._resolve, "x": self._proxy, "model": _model, "dc": _dataclass, "enum": _enum})

    def _resolve(self, wire: dict[str, Any], _again: Callable[[Json], Any]) -> Any:
        return self._objects[wire["id"]]

    def _proxy(self, wire: dict[str, Any], _again: Callable[[Json], Any]) -> Any:
        if wire["kind"] == "table":
            return Table(self, wire["id"], wire["name"])
        return Callback(self, wire["id"], wire.get("name", "callback"))

    # ------------------------------------------------------------------ requests from the grader
    def serve(self, message: dict[str, Any]) -> Json:
        op = message.get("op")
        if op == "import":
            return self.encode(self.load(message["name"]))
        target = self._objects[message["target"]] if "target" in message else None
        args = [self.decode(a) for a in message.get("args", [])]
        kwargs = {str(k): self.decode(v) for k, v in message.get("kwargs", {}).items()}
        if op == "getattr":
            return self.encode(getattr(target, message["name"]))
        if op == "call":
            return self.encode(target(*args, **kwargs))
        if op == "callattr":
            return self.encode(getattr(target, message["name"])(*args, **kwargs))
        if op == "getitem":
            return self.encode(target[args[0]])
        if op == "contains":
            return self.encode(bool(args[0] in target))
        if op == "len":
            return self.encode(int(len(target)))
        if op == "bool":
            return self.encode(bool(target))
        if op == "str":
            return self.encode(str(target)[:MAX_TEXT])
        if op == "repr":
            return self.encode(repr(target)[:MAX_TEXT])
        if op == "list":
            return self.encode(list(itertools.islice(iter(target), MAX_ITEMS)))
        raise ValueError(f"unknown request {op!r}")

    def load(self, name: str) -> Any:
        """Execute ``<name>.py`` from the submission, registered under its plain name.

        Loaded by path (not found on sys.path), so a student's ``events.py`` is never shadowed
        by an installed module; the submission folder is first on sys.path so the student's
        modules import each other by plain name.
        """
        if name in sys.modules and getattr(sys.modules[name], "__file__", None) == str(self.work / f"{name}.py"):
            return sys.modules[name]
        if not name.isidentifier():
            raise ValueError(f"{name!r} is not a module name")
        path = self.work / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None or not path.is_file():
            raise ModuleNotFoundError(f"{name}.py is not in the submission")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and plain-name imports look modules up here
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module

    def describe_error(self, error: BaseException) -> dict[str, Any]:
        """What the grader learns of an exception: names and text, plus a handle for its attributes."""
        cls = type(error)
        try:
            message = str(error)[:MAX_TEXT]
        except Exception:  # noqa: BLE001  (a student's __str__ may raise too)
            message = "(the exception's message could not be read)"
        return {"type": cls.__name__, "mro": [c.__name__ for c in cls.__mro__], "message": message,
                "where": self._where(error), "handle": self.handle(error)}  # fmt: skip

    def _where(self, error: BaseException) -> str:
        """'events.py:42': the innermost frame in the student's files, if any."""
        frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).parent == self.work]
        return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""

    # ------------------------------------------------------------------ calls to the grader
    def call_grader(self, exposed_id: int, method: str, args: tuple, kwargs: dict[str, Any]) -> Any:
        answer = self.channel.request({"op": "xcall", "x": exposed_id, "method": method,
                                       "args": [self.encode(a) for a in args],
                                       "kwargs": {k: self.encode(v) for k, v in kwargs.items()}})  # fmt: skip
        if "error" in answer:
            raise _rebuild(answer["error"])
        return self.decode(answer["value"])


def _plain_copy(value: Any) -> Any:
    for base, copy in _PLAIN_COPIES:
        if isinstance(value, base):
            return copy(value)
    return None


_PLAIN_COPIES: list[tuple[type, Callable[[Any], Any]]] = [
    (int, int.__int__),
    (float, float.__float__),
    (str, str.__str__),
    (bytes, lambda value: bytes(memoryview(value))),
    (list, lambda value: list(list.__iter__(value))),
    (dict, lambda value: dict(dict.items(value))),
    (set, lambda value: set(set.__iter__(value))),
    (frozenset, lambda value: frozenset(frozenset.__iter__(value))),
]


def _is_numpy_scalar(value: Any) -> bool:
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.generic)


def _trusted_class(path: Any) -> Any:
    module_name, _, qualname = str(path).partition(":")
    if not module_name.startswith(_TRUSTED_CLASSES):
        raise ValueError(f"{module_name} is not a module the grader's values come from")
    value: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        value = getattr(value, part)
    return value


def _model(wire: dict[str, Any], again: Callable[[Json], Any]) -> Any:
    return _trusted_class(wire["cls"]).model_validate(again(wire["v"]))


def _dataclass(wire: dict[str, Any], again: Callable[[Json], Any]) -> Any:
    cls = _trusted_class(wire["cls"])
    assert is_dataclass(cls)
    values = again(wire["v"])
    return cls(**{f.name: values[f.name] for f in fields(cls) if f.init and f.name in values})


def _enum(wire: dict[str, Any], again: Callable[[Json], Any]) -> Any:
    return _trusted_class(wire["cls"])[wire["name"]]


def _rebuild(info: dict[str, Any]) -> BaseException:
    """The grader's error as the student's code would see it from the real object."""
    if "client_error" in info:
        from botocore.exceptions import ClientError

        response, operation = decode(info["client_error"]["response"]), str(info["client_error"]["operation"])
        code = response.get("Error", {}).get("Code", "")
        cls = getattr(_dynamodb_exceptions(), code, None) if code else None
        return (cls if isinstance(cls, type) and issubclass(cls, ClientError) else ClientError)(response, operation)
    cls = _EXCEPTIONS.get(str(info.get("type")), RuntimeError)
    return cls(str(info.get("message", "")))


_dynamodb_client: Any = None


def _dynamodb_exceptions() -> Any:
    """``client.exceptions`` of a DynamoDB client made here (it never connects anywhere)."""
    global _dynamodb_client
    if _dynamodb_client is None:
        import botocore.session

        session = botocore.session.get_session()
        _dynamodb_client = session.create_client("dynamodb", region_name="us-east-1", aws_access_key_id="grader",
                                                 aws_secret_access_key="grader", endpoint_url="http://127.0.0.1:9")  # fmt: skip
    return _dynamodb_client.exceptions


class Callback:
    """A check's function lent to the student's code: calling it runs it in the grader."""

    def __init__(self, host: Host, exposed_id: int, name: str) -> None:
        self._host, self.exposed_id, self.__name__ = host, exposed_id, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._host.call_grader(self.exposed_id, "__call__", args, kwargs)

    def __repr__(self) -> str:
        return f"<grader function {self.__name__}>"


class Client:
    """``table.meta.client``: DynamoDB's low-level calls, made by the grader on the lent table."""

    def __init__(self, table: Table) -> None:
        self._table, self.exposed_id = table, table.exposed_id

    @property
    def exceptions(self) -> Any:
        return _dynamodb_exceptions()

    def __getattr__(self, operation: str) -> Callable[..., Any]:
        if operation.startswith("_"):
            raise AttributeError(operation)
        return lambda **kwargs: self._table._call(f"client.{operation}", **kwargs)


class _Meta:
    def __init__(self, table: Table) -> None:
        self.client = Client(table)


class Table:
    """A DynamoDB table lent by the check: boto3's ``Table`` interface, each call made by the grader."""

    def __init__(self, host: Host, exposed_id: int, name: str) -> None:
        self._host, self.exposed_id, self.name = host, exposed_id, name
        self.table_name = name
        self.meta = _Meta(self)

    def _call(self, method: str, **kwargs: Any) -> Any:
        return self._host.call_grader(self.exposed_id, method, (), kwargs)

    def get_item(self, **kwargs: Any) -> dict:
        return self._call("get_item", **kwargs)

    def put_item(self, **kwargs: Any) -> dict:
        return self._call("put_item", **kwargs)

    def update_item(self, **kwargs: Any) -> dict:
        return self._call("update_item", **kwargs)

    def delete_item(self, **kwargs: Any) -> dict:
        return self._call("delete_item", **kwargs)

    def query(self, **kwargs: Any) -> dict:
        return self._call("query", **kwargs)

    def scan(self, **kwargs: Any) -> dict:
        return self._call("scan", **kwargs)

    def batch_writer(self, overwrite_by_pkeys: list[str] | None = None) -> Any:
        from boto3.dynamodb.table import BatchWriter

        return BatchWriter(self.name, self.meta.client, overwrite_by_pkeys=overwrite_by_pkeys)

    def __getattr__(self, name: str) -> Any:  # key_schema, attribute_definitions, item_count, ...
        if name.startswith("_"):
            raise AttributeError(name)
        return self._call(f"attribute.{name}")

    def __repr__(self) -> str:
        return f"dynamodb.Table(name={self.name!r})"


def _limit(kind: int, value: int) -> None:
    soft, hard = resource.getrlimit(kind)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (value, value))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="labs.grader.host", description=__doc__.splitlines()[0])
    parser.add_argument("fd", type=int)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-s", type=int, required=True)
    parser.add_argument("--processes", type=int, default=0, help="RLIMIT_NPROC (for a sandbox user's uid); 0: unchanged")
    options = parser.parse_args(argv)
    # Limits first, before any student code: they bind this process and all it starts.
    _limit(resource.RLIMIT_AS, options.memory_mb * 1024 * 1024)
    _limit(resource.RLIMIT_CPU, options.cpu_s)
    _limit(resource.RLIMIT_NOFILE, 256)
    _limit(resource.RLIMIT_FSIZE, 64 * 1024 * 1024)
    _limit(resource.RLIMIT_CORE, 0)
    if options.processes:
        _limit(resource.RLIMIT_NPROC, options.processes)
    work = Path.cwd()
    sys.path.insert(0, str(work))
    sys.argv = [str(work / "main")]
    host = Host(socket.socket(fileno=options.fd), work)
    host.channel.finished.wait()
    os._exit(0)  # the grader is gone: so are we, whatever threads the student left running


if __name__ == "__main__":
    main()
