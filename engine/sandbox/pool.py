"""Warm child processes that run scripts for this process (see `engine.sandbox.child`).

Children are started with `subprocess` (a fresh interpreter, `python -m
engine.sandbox`), not forked: the parent may hold SQLAlchemy connections and run
threads (gunicorn, APScheduler), which a forked child would inherit. A fresh interpreter
costs ~0.1 s to start, so children are kept: a finished request hands its child back to the
idle list (up to `SITHSFLOW_SANDBOX_PROCESSES`, default 2), and a child that a limit ended
is replaced at once, starting while the caller reports the violation.

The child runs untrusted code, so its replies are unpickled with an allow-list of plain
types (`_ReplyUnpickler`): even a child taken over by a sandbox escape cannot make the
parent build an arbitrary object. After `os.fork` (a pre-forking server) the pool starts
empty in the new process; the parent's children stay the parent's.
"""

from __future__ import annotations

import atexit
import builtins
import datetime
import decimal
import io
import os
import pickle
import signal
import subprocess
import sys
import threading
import uuid
import zoneinfo
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from engine.sandbox.child import time_up_message
from engine.sandbox.limits import SCRIPT_WALL_BACKSTOP_FACTOR
from engine.sandbox.limits import SCRIPT_WALL_BACKSTOP_SECONDS
from engine.sandbox.limits import SandboxViolation

WARM_CHILDREN_VARIABLE = "SITHSFLOW_SANDBOX_PROCESSES"
DEFAULT_WARM_CHILDREN = 2
# A reply larger than this is refused (the child checks data sizes before; this is the cap).
MAX_REPLY_BYTES = 256 * 1024 * 1024
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def _only_zoneinfo_unpickle(owner: Any, name: str) -> Any:
    """`getattr` as a ZoneInfo pickle uses it (ZoneInfo._unpickle), and for nothing else."""
    if owner is zoneinfo.ZoneInfo and name == "_unpickle":
        return zoneinfo.ZoneInfo._unpickle  # type: ignore[attr-defined]
    raise pickle.UnpicklingError(f"getattr({owner!r}, {name!r}) is not allowed in a reply")


def _allowed_builtin(name: str) -> Any:
    value = getattr(builtins, name, None)
    if isinstance(value, type) and issubclass(value, BaseException):
        return value
    if name in ("set", "frozenset", "complex", "bytearray", "slice", "range"):
        return value
    if name == "getattr":
        return _only_zoneinfo_unpickle
    return None


_ALLOWED: dict[str, dict[str, Any]] = {
    "datetime": {
        name: getattr(datetime, name)
        for name in ("date", "datetime", "time", "timedelta", "timezone")
    },
    "decimal": {"Decimal": decimal.Decimal},
    "uuid": {"UUID": uuid.UUID, "SafeUUID": uuid.SafeUUID},
    "zoneinfo": {"ZoneInfo": zoneinfo.ZoneInfo},
    "engine.sandbox.limits": {"SandboxViolation": SandboxViolation},
}


class _ReplyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _allowed_builtin(name) if module == "builtins" else None
        found = found or _ALLOWED.get(module, {}).get(name)
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a sandbox reply")
        return found


def load_reply(raw: bytes) -> tuple[str, Any, bool]:
    try:
        kind, payload, retire = _ReplyUnpickler(io.BytesIO(raw)).load()
    except (pickle.UnpicklingError, ValueError, TypeError, EOFError) as error:
        message = f"the sandbox answered something the engine refuses: {error}"
        raise SandboxViolation(message) from None
    return str(kind), payload, bool(retire)


class _Child:
    def __init__(self) -> None:
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        environment = dict(os.environ)
        path = environment.get("PYTHONPATH")
        environment["PYTHONPATH"] = _PACKAGE_ROOT + (os.pathsep + path if path else "")
        command = [sys.executable, "-m", "engine.sandbox"]
        try:
            self.process = subprocess.Popen(
                [*command, str(request_read), str(reply_write)],
                pass_fds=(request_read, reply_write),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=environment,
            )
        finally:
            os.close(request_read)
            os.close(reply_write)
        self.requests = Connection(request_write, readable=False)
        self.replies = Connection(reply_read, writable=False)

    def ask(self, request: bytes, wall_seconds: float) -> bytes | bool:
        """The child's reply; False if it died, True if it did not answer in time."""
        try:
            self.requests.send_bytes(request)
            if not self.replies.poll(wall_seconds):
                return True
            return self.replies.recv_bytes(MAX_REPLY_BYTES)
        except (EOFError, OSError):
            return False

    def stop(self, kill: bool = False) -> int:
        """End the child (closing its pipe ends it; a kill if it is busy); its exit status."""
        self.requests.close()
        self.replies.close()
        if kill:
            self.process.kill()
        try:
            return self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def _death_message(status: int, limit_seconds: float, wall_seconds: float, late: bool) -> str:
    if late:
        return f"the script did not finish within {wall_seconds:g} s and was stopped"
    if status in (-signal.SIGXCPU, -signal.SIGKILL):
        return time_up_message(limit_seconds)
    return f"the sandbox process ended unexpectedly (status {status})"


class SandboxPool:
    """Children for one process; thread-safe (each request has a child to itself)."""

    def __init__(self, warm: int) -> None:
        self.warm = max(warm, 0)
        self._idle: list[_Child] = []
        self._lock = threading.Lock()
        self.started = 0

    def _take(self) -> _Child:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            self.started += 1
        return _Child()

    def _give_back(self, child: _Child) -> None:
        with self._lock:
            if len(self._idle) < self.warm:
                self._idle.append(child)
                return
        child.stop()

    def _replace(self) -> None:
        with self._lock:
            if len(self._idle) >= self.warm:
                return
            self.started += 1
        self._give_back(_Child())

    def run(self, request: bytes, limit_seconds: float) -> tuple[str, Any]:
        """Send one request to a child; its reply as (kind, payload) (see engine.sandbox.child)."""
        wall = SCRIPT_WALL_BACKSTOP_SECONDS + SCRIPT_WALL_BACKSTOP_FACTOR * limit_seconds
        child = self._take()
        try:
            raw = child.ask(request, wall)
        except BaseException:  # Ctrl-C in the parent, say: the child may be mid-script
            child.stop(kill=True)
            raise
        if isinstance(raw, bool):
            late = raw
            status = child.stop(kill=True)
            self._replace()
            raise SandboxViolation(_death_message(status, limit_seconds, wall, late))
        try:
            kind, payload, retire = load_reply(raw)
        except SandboxViolation:
            child.stop(kill=True)
            self._replace()
            raise
        if retire:
            child.stop()
            self._replace()
        else:
            self._give_back(child)
        return kind, payload

    def prestart(self) -> None:
        """Start the warm children now (without waiting for them), so the first scripts of a
        server or worker do not pay an interpreter's start."""
        while True:
            with self._lock:
                if len(self._idle) >= self.warm:
                    return
                self.started += 1
            self._give_back(_Child())

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for child in idle:
            child.stop()


def _warm_children() -> int:
    text = os.environ.get(WARM_CHILDREN_VARIABLE, str(DEFAULT_WARM_CHILDREN))
    try:
        return int(text)
    except ValueError:
        raise ValueError(
            f"{WARM_CHILDREN_VARIABLE} must be a whole number of processes, not {text!r}"
        ) from None


_pools: dict[int, SandboxPool] = {}
_pools_lock = threading.Lock()


def current_pool() -> SandboxPool:
    """This process's pool (a forked process gets its own, empty)."""
    pid = os.getpid()
    pool = _pools.get(pid)
    if pool is None:
        with _pools_lock:
            pool = _pools.get(pid)
            if pool is None:
                pool = _pools[pid] = SandboxPool(_warm_children())
    return pool


@atexit.register
def _close_pool() -> None:
    pool = _pools.get(os.getpid())
    if pool is not None:
        pool.close()
