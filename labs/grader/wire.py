"""The line between the grader and the student's process: length-prefixed JSON messages over a socket.

Both ends use one :class:`Channel`. Either side may send a request at any time (the grader
asks the student's process to import a module or call a function; the student's code calls
back a function or a DynamoDB table the check lent it), and each request is served on a thread
of its own, so a check may call the student from eight threads and the student's code may call
back while the grader waits. A request is ``{"id": n, "op": ...}``; its answer is
``{"re": n, "value": ...}`` or ``{"re": n, "error": {...}}``.

Only JSON crosses, never pickle: what the student's side sends is decoded by
``labs.grader.student`` into plain values, whatever the student's code does to its own end of
the socket. Frames larger than :data:`MAX_FRAME` end the conversation.

    >>> import socket
    >>> left, right = socket.socketpair()
    >>> echo = Channel(right, lambda message: message["text"].upper())
    >>> asking = Channel(left, lambda message: None)
    >>> asking.request({"op": "echo", "text": "hello"})
    {'re': 1, 'value': 'HELLO'}
    >>> asking.close(); echo.close()
"""

from __future__ import annotations

import itertools
import json
import socket
import struct
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

MAX_FRAME = 64 * 1024 * 1024  # bytes: a 4000×3000 RGB image is 36 MB raw; more is not a lab's
MAX_SERVING = 64  # requests served at once; more waiting ones mean a runaway caller
_HEADER = struct.Struct(">I")


class ChannelClosed(Exception):
    """The other end went away (its process exited or was killed) or broke the protocol."""


class Failed(Exception):
    """A request was answered with an error; ``info`` is the error as the other side described it."""

    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__(str(info.get("message", "")))
        self.info = info


def _strict_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity travel as tagged values


def encode_frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":"), allow_nan=False).encode()
    if len(body) > MAX_FRAME:
        raise ValueError(f"a message of {len(body):,} bytes is over the {MAX_FRAME:,}-byte limit")
    return _HEADER.pack(len(body)) + body


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise ChannelClosed("the other end closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(sock: socket.socket) -> dict[str, Any]:
    (size,) = _HEADER.unpack(_read_exactly(sock, _HEADER.size))
    if size > MAX_FRAME:
        raise ChannelClosed(f"a message of {size:,} bytes is over the {MAX_FRAME:,}-byte limit")
    try:
        message = json.loads(_read_exactly(sock, size), parse_constant=_strict_constant)
    except (ValueError, RecursionError) as error:
        raise ChannelClosed(f"a message is not valid JSON: {error}") from None
    if not isinstance(message, dict):
        raise ChannelClosed("a message is not a JSON object")
    return message


class Channel:
    """Requests and answers in both directions over one socket.

    ``serve(message)`` answers the other side's requests (on a thread per request); its return
    value must already be JSON-ready, and an exception it raises is sent as an error built by
    ``describe_error`` (default: the type name and message).
    """

    def __init__(
        self,
        sock: socket.socket,
        serve: Callable[[dict[str, Any]], Any],
        describe_error: Callable[[BaseException], dict[str, Any]] | None = None,
    ) -> None:
        self._sock = sock
        self._serve = serve
        self._describe = describe_error or (lambda error: {"type": type(error).__name__, "message": str(error)})
        self._send_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._pending_lock = threading.Lock()
        self._serving = threading.BoundedSemaphore(MAX_SERVING)
        self._workers = ThreadPoolExecutor(MAX_SERVING, thread_name_prefix="p4lab-serve")
        self._closed: ChannelClosed | None = None
        self.finished = threading.Event()  # set once the other side is gone
        self._reader = threading.Thread(target=self._read_loop, name="p4lab-channel", daemon=True)
        self._reader.start()

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a request and wait for its answer; ChannelClosed if the other side goes away."""
        future: Future[dict[str, Any]] = Future()
        with self._pending_lock:
            if self._closed:
                raise self._closed
            number = next(self._ids)
            self._pending[number] = future
        try:
            self._send({**message, "id": number})
        except OSError as error:
            self._fail_all(ChannelClosed(f"cannot send: {error}"))
        return future.result()

    def close(self) -> None:
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()

    def _send(self, message: dict[str, Any]) -> None:
        frame = encode_frame(message)
        with self._send_lock:
            self._sock.sendall(frame)

    def _read_loop(self) -> None:
        try:
            while True:
                message = read_frame(self._sock)
                if "re" in message:
                    with self._pending_lock:
                        future = self._pending.pop(message["re"], None) if isinstance(message["re"], int) else None
                    if future is None:
                        raise ChannelClosed("an answer to a request nobody made")
                    future.set_result(message)
                elif isinstance(message.get("id"), int):
                    if not self._serving.acquire(timeout=30):
                        raise ChannelClosed(f"more than {MAX_SERVING} requests at once")
                    self._workers.submit(self._answer, message)
                else:
                    raise ChannelClosed("a message that is neither a request nor an answer")
        except ChannelClosed as closed:
            self._fail_all(closed)
        except OSError as error:
            self._fail_all(ChannelClosed(str(error)))

    def _answer(self, message: dict[str, Any]) -> None:
        try:
            try:
                reply: dict[str, Any] = {"re": message["id"], "value": self._serve(message)}
            except BaseException as error:  # noqa: BLE001  (every failure is reported to the caller)
                reply = {"re": message["id"], "error": self._describe(error)}
            try:
                self._send(reply)
            except ValueError as error:  # too large, or not JSON: say so instead
                self._send({"re": message["id"], "error": {"type": "ValueError", "message": str(error)}})
        except OSError:
            pass  # the other side is gone; its requests fail on their own
        finally:
            self._serving.release()

    def _fail_all(self, closed: ChannelClosed) -> None:
        with self._pending_lock:
            self._closed = closed
            waiting, self._pending = list(self._pending.values()), {}
        for future in waiting:
            future.set_exception(closed)
        self.finished.set()
