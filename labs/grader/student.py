"""The grader's side of the student's process: handles, student errors, and what a check lends.

A check sees the student's code only through this module. ``sub.module("events")`` starts the
student's process (``labs.grader.host``) and returns a :class:`Handle` to the module there;
attribute access, calls, ``len``, iteration, ``str``/``repr`` on a handle are requests to that
process, and what comes back is plain data (None, bool, int, float, str, bytes, list, tuple,
dict, set, Decimal, PIL images) or another handle. So a check only ever compares values it
decoded itself: a student's ``__eq__`` cannot lie to it, and nothing the student raises can be
mistaken for the grader's own exceptions.

* :class:`StudentError` is any exception raised by the student's code (or the student's
  process dying): its type name, the names of its classes, its message and the student's
  ``file:line``. Match it by name: ``error.is_a("MalformedMessage")``; read its attributes
  through the process (``error.reason``). It fails the check unless the check catches it.
* Handles compare by identity, except tuple subclasses (NamedTuples), which compare as their
  items. ``type_name(value)`` names a handle's class.
* A check may pass the student's code plain data, handles it got back, its own functions (the
  student gets a proxy that calls back into the check) and DynamoDB tables: boto3 ``Table``
  objects are lent as they are, or through :class:`LentTable` to watch or shape the calls
  (``sub.lend_table(table, deny={"scan"}, before=...)``). Trusted values such as pydantic
  models and dataclasses of the project (``EngineSettings()``) are copied by value.

Limitations: an exception raised into the student's code (a denied call, a failing callback)
can be caught there; record what matters grader-side (``LentTable.calls``/``denied``) and
assert on it after the call.
"""

from __future__ import annotations

import dataclasses
import enum
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from labs.grader.values import Json, decode, encode
from labs.grader.wire import Channel, ChannelClosed

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # where labs/, reference/... are: the host imports from here
MAX_COPY_BYTES = 50 * 1024 * 1024  # a submission bigger than this is not a lab's
SKIPPED = {".git", "__pycache__", ".venv", "node_modules", ".mypy_cache", ".pytest_cache"}


class StudentError(Exception):
    """An exception raised by the student's code, described by the student's process.

    Never credit: a check that lets it propagate scores 0 with its message. ``is_a(name)``
    matches the exception's class or any base class by name; other attributes are read from
    the exception object in the student's process (``error.reason``).
    """

    def __init__(self, info: dict[str, Any], student: StudentProcess | None = None) -> None:
        self.type_name = str(info.get("type", "Exception"))[:200]
        self.mro = tuple(str(name)[:200] for name in info.get("mro", [self.type_name]) if isinstance(name, str))
        self.message = str(info.get("message", ""))[:4000]
        self.where = str(info.get("where", ""))[:300]
        number = info.get("handle")
        self._handle = Handle(student, number, self.type_name, self.mro) if student and type(number) is int else None
        super().__init__(str(self))

    def is_a(self, *names: str) -> bool:
        """True if the exception's class, or one of its bases, has one of these names."""
        return any(name in self.mro for name in names)

    def __str__(self) -> str:
        text = f"{self.type_name}: {self.message}" if self.message else self.type_name
        return f"{text} (at {self.where})" if self.where else text

    def __getattr__(self, name: str) -> Any:
        handle = self.__dict__.get("_handle")
        if name.startswith("__") or handle is None:
            raise AttributeError(name)
        return getattr(handle, name)


class StudentAttributeError(StudentError, AttributeError):
    """The student's object has no such attribute (so ``hasattr`` and ``getattr(x, n, default)`` work)."""


class Handle:
    """An object living in the student's process. Operations on it are requests to that process."""

    __slots__ = ("_h_student", "_h_id", "_h_type", "_h_mro", "_h_value", "_h_has_value", "__weakref__")

    def __init__(self, student: StudentProcess, number: int, type_name: str, mro: tuple[str, ...], value: Any = None,
                 has_value: bool = False) -> None:  # fmt: skip
        self._h_student, self._h_id, self._h_type, self._h_mro = student, number, type_name, mro
        self._h_value, self._h_has_value = value, has_value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._h_student.ask("getattr", self, name=name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._h_student.ask("call", self, args=args, kwargs=kwargs)

    def __len__(self) -> int:
        if self._h_has_value:
            return len(self._h_value)
        return _typed(self._h_student.ask("len", self), int, "len()")

    def __iter__(self) -> Iterator[Any]:
        return iter(self._h_value if self._h_has_value else _typed(self._h_student.ask("list", self), list, "iteration"))

    def __getitem__(self, key: Any) -> Any:
        if self._h_has_value and isinstance(key, (int, slice)):
            return self._h_value[key]
        return self._h_student.ask("getitem", self, args=(key,))

    def __contains__(self, item: Any) -> bool:
        if self._h_has_value:
            return item in self._h_value
        return _typed(self._h_student.ask("contains", self, args=(item,)), bool, "'in'")

    def __bool__(self) -> bool:
        return _typed(self._h_student.ask("bool", self), bool, "bool()")

    def __str__(self) -> str:
        return _typed(self._h_student.ask("str", self), str, "str()")

    def __repr__(self) -> str:
        try:
            return _typed(self._h_student.ask("repr", self), str, "repr()")
        except StudentError:
            return f"<{self._h_type} object of the student's>"

    def __format__(self, spec: str) -> str:
        return format(str(self) if self._h_type not in ("function", "type", "module") else repr(self), spec)

    def __eq__(self, other: object) -> bool:
        if self._h_has_value:
            return self._h_value == (other._h_value if isinstance(other, Handle) and other._h_has_value else other)
        return isinstance(other, Handle) and other._h_student is self._h_student and other._h_id == self._h_id

    def __hash__(self) -> int:
        return hash(self._h_value) if self._h_has_value else hash((id(self._h_student), self._h_id))


def type_name(value: Any) -> str:
    """The class name of a value: a student's object (handle) or a plain one.

    >>> type_name(3), type_name([])
    ('int', 'list')
    """
    return value._h_type if isinstance(value, Handle) else type(value).__name__


def _typed(value: Any, kind: type, what: str) -> Any:
    if type(value) is not kind:
        raise StudentError({"type": "TypeError", "message": f"{what} returned {type(value).__name__}, not {kind.__name__}"})
    return value


class LentTable:
    """A DynamoDB table the check lends to the student's code: the grader makes every call.

    The student's code gets an object with boto3's ``Table`` interface (``get_item``,
    ``put_item``, ``update_item``, ``delete_item``, ``query``, ``scan``, ``batch_writer()``,
    ``meta.client`` with the low-level calls and ``exceptions``); AWS's errors reach it as
    boto3's ``ClientError`` classes. Each call is appended to ``calls`` as
    ``(operation, kwargs)``; an operation in ``deny`` is refused (``denied`` records it);
    ``before(operation, kwargs)`` runs before each call (a delay, a fault) and ``after(operation,
    kwargs)`` once it has been made, before its result reaches the student (also when it failed).
    A race is made deterministic with ``after``: holding each read's *result* until every racer
    has read means every racer saw the table before any wrote (a barrier in ``before`` only
    makes them start together: one can still read, write and return before another reads).
    """

    OPERATIONS = frozenset({"get_item", "put_item", "update_item", "delete_item", "query", "scan"})
    CLIENT_OPERATIONS = OPERATIONS | {"batch_write_item", "batch_get_item", "transact_write_items", "transact_get_items",
                                      "describe_table"}  # fmt: skip
    ATTRIBUTES = frozenset({"key_schema", "attribute_definitions", "global_secondary_indexes", "local_secondary_indexes",
                            "item_count", "table_status", "table_arn", "billing_mode_summary", "table_name"})  # fmt: skip

    def __init__(
        self,
        table: Any,
        *,
        deny: Iterable[str] = (),
        before: Callable[[str, dict], None] | None = None,
        after: Callable[[str, dict], None] | None = None,
    ) -> None:
        self.table = table
        self.name: str = table.name
        self.deny = frozenset(deny)
        self.before = before
        self.after = after
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.denied: list[str] = []
        self._lock = threading.Lock()

    def call(self, method: str, kwargs: dict[str, Any]) -> Any:
        """Make one call the student's code asked for (``method`` as the host names it)."""
        scope, _, operation = method.rpartition(".")
        with self._lock:
            self.calls.append((operation, kwargs))
        if operation in self.deny:
            with self._lock:
                self.denied.append(operation)
            raise PermissionError(f"the grader does not allow {operation} in this check")
        if self.before:
            self.before(operation, kwargs)
        try:
            return self._make(scope, operation, kwargs)
        finally:
            if self.after:
                self.after(operation, kwargs)

    def _make(self, scope: str, operation: str, kwargs: dict[str, Any]) -> Any:
        if scope == "attribute":
            if operation not in self.ATTRIBUTES:
                raise AttributeError(f"'dynamodb.Table' object has no attribute {operation!r}")
            return getattr(self.table, operation)
        if scope == "client":
            if operation not in self.CLIENT_OPERATIONS:
                raise AttributeError(f"this table's client does not offer {operation}")
            self._only_this_table(kwargs)
            return getattr(self.table.meta.client, operation)(**kwargs)
        if scope or operation not in self.OPERATIONS:
            raise AttributeError(f"'dynamodb.Table' object has no attribute {operation!r}")
        return getattr(self.table, operation)(**kwargs)

    def _only_this_table(self, kwargs: dict[str, Any]) -> None:
        named = set()
        if "TableName" in kwargs:
            named.add(kwargs["TableName"])
        named |= set(kwargs.get("RequestItems") or {})
        for item in kwargs.get("TransactItems") or []:
            named |= {part.get("TableName") for part in item.values() if isinstance(part, dict)}
        if named - {self.name}:
            raise PermissionError(f"this check lends only the table {self.name}")


class StudentProcess:
    """One student process (``labs.grader.host``) for one check, and the conversation with it."""

    def __init__(self, work: Path, output: IO[bytes], *, memory_mb: int, cpu_s: int, user: tuple[int, int] | None,
                 processes: int = 0) -> None:  # fmt: skip
        self._exposed: dict[int, Any] = {}
        self._exposed_ids: dict[int, int] = {}
        self._lock = threading.Lock()
        ours, theirs = socket.socketpair()
        command = [sys.executable, "-I", "-u", "-c", _BOOT, str(PROJECT_ROOT), str(theirs.fileno()),
                   "--memory-mb", str(memory_mb), "--cpu-s", str(cpu_s), "--processes", str(processes)]  # fmt: skip
        identity: dict[str, Any] = {}
        if user is not None:
            identity = {"user": user[0], "group": user[1], "extra_groups": []}
        self.process = subprocess.Popen(
            command,
            cwd=work,
            env=_environment(work.parent),
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            umask=0o077,
            **identity,
        )
        theirs.close()
        self.channel = Channel(ours, self._serve, _describe)

    # ------------------------------------------------------------------ asking the student's process
    def ask(self, op: str, target: Handle | None = None, *, args: tuple = (), kwargs: dict[str, Any] | None = None,
            **fields: Any) -> Any:  # fmt: skip
        message: dict[str, Any] = {"op": op, **fields}
        if target is not None:
            message["target"] = self._own(target)
        if args:
            message["args"] = [self.encode(a) for a in args]
        if kwargs:
            message["kwargs"] = {str(k): self.encode(v) for k, v in kwargs.items()}
        try:
            answer = self.channel.request(message)
        except ChannelClosed as closed:
            raise StudentError({"type": "ProcessEnded", "message": self._ended(closed)}) from None
        if "error" in answer:
            info = answer["error"] if isinstance(answer["error"], dict) else {}
            error_class = StudentAttributeError if op == "getattr" and "AttributeError" in info.get("mro", []) else StudentError
            raise error_class(info, self)
        try:
            return self.decode(answer.get("value"))
        except ValueError as error:
            raise StudentError({"type": "ProtocolError", "message": f"the student's process sent something not data: {error}"}) from None

    def import_module(self, name: str) -> Handle:
        module = self.ask("import", name=name)
        if not isinstance(module, Handle):
            raise StudentError({"type": "ProtocolError", "message": f"importing {name} gave back {type(module).__name__}"})
        return module

    def _ended(self, closed: ChannelClosed) -> str:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return f"the student's process stopped answering ({closed})"
        if code < 0:
            name = signal.Signals(-code).name
            why = {"SIGKILL": " (the memory limit, or a kill)", "SIGXCPU": " (the CPU time limit)", "SIGXFSZ": " (the file size limit)",
                   "SIGSEGV": " (a crash in native code)"}.get(name, "")  # fmt: skip
            return f"the student's process was ended by {name}{why}"
        return f"the student's code ended its process (exit code {code}): did it call exit()?"

    # ------------------------------------------------------------------ values
    def encode(self, value: Any) -> Json:
        return encode(value, self._other)

    def decode(self, wire: Json) -> Any:
        return decode(wire, {"h": self._handle, "x": self._lent})

    def _handle(self, wire: dict[str, Any], again: Callable[[Json], Any]) -> Handle:
        number, type_name_ = wire["id"], wire["type"]
        if type(number) is not int or type(type_name_) is not str:
            raise TypeError("a handle has an integer id and a type name")
        mro = tuple(str(n)[:200] for n in wire.get("mro", []) if type(n) is str)
        if "v" in wire:
            return Handle(self, number, type_name_[:200], mro, _typed_tuple(again(wire["v"])), True)
        return Handle(self, number, type_name_[:200], mro)

    def _lent(self, wire: dict[str, Any], again: Callable[[Json], Any]) -> Any:
        return self._exposed[wire["id"]]

    def _own(self, handle: Handle) -> int:
        if not isinstance(handle, Handle) or handle._h_student is not self:
            raise TypeError("a handle from another check's student process")
        return handle._h_id

    def _other(self, value: Any) -> Json:
        """What a check passes the student's code that is not plain data."""
        if isinstance(value, Handle):
            return {"$": "h", "id": self._own(value)}
        if type(value).__name__ == "dynamodb.Table":
            value = self._lent_table_for(value)
        if isinstance(value, LentTable):
            return {"$": "x", "id": self._expose(value), "kind": "table", "name": value.name}
        if isinstance(value, enum.Enum):
            return {"$": "enum", "cls": _class_path(type(value)), "name": value.name}
        if hasattr(value, "model_dump") and hasattr(type(value), "model_validate"):  # a pydantic model
            return {"$": "model", "cls": _class_path(type(value)), "v": self.encode(value.model_dump())}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
            return {"$": "dc", "cls": _class_path(type(value)), "v": self.encode(fields)}
        if callable(value) and not isinstance(value, type):
            return {"$": "x", "id": self._expose(value), "kind": "callable", "name": getattr(value, "__name__", "callback")}
        raise TypeError(f"a {type(value).__name__} cannot be passed to the student's code (only data, handles, functions, tables)")

    def _lent_table_for(self, table: Any) -> LentTable:
        with self._lock:
            for exposed in self._exposed.values():
                if isinstance(exposed, LentTable) and exposed.table is table:
                    return exposed
        return LentTable(table)

    def _expose(self, value: Any) -> int:
        with self._lock:
            if id(value) not in self._exposed_ids:
                number = len(self._exposed) + 1
                self._exposed[number], self._exposed_ids[id(value)] = value, number
            return self._exposed_ids[id(value)]

    # ------------------------------------------------------------------ the student's calls back
    def _serve(self, message: dict[str, Any]) -> Json:
        if message.get("op") != "xcall" or type(message.get("x")) is not int or message["x"] not in self._exposed:
            raise ValueError("the student's process may only call what the check lent it")
        method = message.get("method")
        if type(method) is not str:
            raise ValueError("a method name is a string")
        args = [self.decode(a) for a in message.get("args", [])]
        kwargs = {str(k): self.decode(v) for k, v in dict(message.get("kwargs", {})).items()}
        target = self._exposed[message["x"]]
        if isinstance(target, LentTable):
            return self.encode(target.call(method, kwargs))
        if method != "__call__":
            raise AttributeError(f"a lent function has no attribute {method!r}")
        return self.encode(target(*args, **kwargs))

    def close(self) -> None:
        """Stop the process and everything it started (the grader sweeps again after the check)."""
        from labs.grader.reaper import kill_tree

        self.channel.close()
        kill_tree(self.process.pid)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def _typed_tuple(value: Any) -> tuple:
    if type(value) is not tuple:
        raise TypeError("a tuple handle's value must be a tuple")
    return value


def _class_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _describe(error: BaseException) -> dict[str, Any]:
    """An error of the grader's, as the student's code will see it (boto3's ClientError as itself)."""
    info: dict[str, Any] = {"type": type(error).__name__, "message": str(error)[:2000]}
    response = getattr(error, "response", None)
    if isinstance(response, dict) and hasattr(error, "operation_name"):
        info["client_error"] = {"response": encode({k: v for k, v in response.items() if k != "ResponseMetadata"}),
                                "operation": str(error.operation_name)}  # fmt: skip
    return info


def _environment(scratch: Path) -> dict[str, str]:
    """Nothing of the grader's: a PATH, a HOME and a TMPDIR of the student's own, a locale."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(scratch / "home"),
        "TMPDIR": str(scratch / "tmp"),
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",  # numpy's thread pools reserve address space the memory limit counts
    }


# The host's first lines: the project first on sys.path (the repository, or an export), then the host.
_BOOT = "import sys; sys.path.insert(0, sys.argv.pop(1)); from labs.grader.host import main; main(sys.argv[1:])"


def prepare_scratch(root: Path, scratch: Path, user: tuple[int, int] | None) -> Path:
    """A private copy of the submission in ``scratch/work`` (plus home/ and tmp/), owned by ``user``."""
    work = scratch / "work"
    total = 0

    def ignore(folder: str, names: list[str]) -> set[str]:
        nonlocal total
        skipped = {n for n in names if n in SKIPPED or os.path.islink(os.path.join(folder, n))}
        for name in set(names) - skipped:
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                total += os.path.getsize(path)
        if total > MAX_COPY_BYTES:
            raise OSError(f"the submission is larger than {MAX_COPY_BYTES // 2**20} MB")
        return skipped

    shutil.copytree(root, work, ignore=ignore, symlinks=False)
    for folder in ("home", "tmp"):
        (scratch / folder).mkdir()
    if user is not None:
        for path in [scratch, *scratch.rglob("*")]:
            os.chown(path, *user, follow_symlinks=False)
    return work


def new_scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="p4lab-check-"))
