"""The sandbox's child process: runs scripts one at a time under OS limits.

Started by `engine.sandbox.pool` as `python -m engine.sandbox READ_FD WRITE_FD`; it
reads pickled requests from one pipe and writes pickled replies to the other, until the
request pipe closes (the parent went away or retired it).

Limits, all enforced by the kernel on this process and none by a wall clock:

- CPU time: an ITIMER_PROF timer (process CPU time, not wall time) raises `_TimeUp` between
  bytecodes once the script has used its CPU seconds, and again every 50 ms of CPU should a
  script swallow it (`except BaseException`) or should it land in a garbage-collection
  callback, whose exceptions Python only prints. A C-level step never reaches a bytecode
  boundary (comparing nested shared values, for minutes): for that RLIMIT_CPU is set a
  second above the budget, and the kernel ends the process with SIGXCPU. RLIMIT_CPU counts
  the process's whole life, so it is raised before each request from the CPU time used.
- Memory: RLIMIT_AS caps the address space at what the process holds once started plus
  `SCRIPT_MEMORY_BYTES`; an allocation past it raises MemoryError, and the child retires.
- BaseException from a script (SystemExit, KeyboardInterrupt, GeneratorExit, ...) is
  answered as a violation like any other: nothing a script raises ends this loop.
"""

from __future__ import annotations

import math
import os
import pickle
import resource
import signal
import sys
import traceback
from multiprocessing.connection import Connection
from types import FrameType
from typing import Any

from engine.sandbox import restricted
from engine.sandbox.limits import SCRIPT_MEMORY_BYTES
from engine.sandbox.limits import SandboxViolation

# Replies: (kind, payload, retire). kind "value": the expression's value or the script's
# data; "error": an exception the script raised (re-raised by the parent as it is);
# "violation": a message the parent raises as SandboxViolation.
Reply = tuple[str, Any, bool]
_REPEAT_SECONDS = 0.05
_ENGINE_WORK_CPU_SECONDS = 10
_MAX_MESSAGE_CHARACTERS = 2_000


class _TimeUp(BaseException):
    """The script used its CPU seconds (a BaseException, so `except Exception` keeps it)."""


class _CpuClock:
    armed = False
    time_up = False

    def arm(self, limit_seconds: float) -> None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        used = usage.ru_utime + usage.ru_stime
        _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = math.ceil(used + limit_seconds) + 1
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        self.time_up = False
        self.armed = True
        signal.setitimer(signal.ITIMER_PROF, limit_seconds, _REPEAT_SECONDS)

    def disarm(self) -> None:
        self.armed = False
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        # The engine's own checks of the result (bounded by the size limits) and the reply
        # are not the script's time, but still under a CPU limit.
        usage = resource.getrusage(resource.RUSAGE_SELF)
        _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = math.ceil(usage.ru_utime + usage.ru_stime) + _ENGINE_WORK_CPU_SECONDS
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.armed:
            self.time_up = True
            raise _TimeUp


_CLOCK = _CpuClock()


def _limit_process() -> None:
    signal.signal(signal.SIGPROF, _CLOCK.on_signal)
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # An exception in a garbage-collection callback would be printed on stderr; the clock
    # raises again shortly, and the parent hears about it in the reply.
    sys.unraisablehook = lambda unraisable: None
    try:
        with open("/proc/self/statm") as statm:
            held = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return  # no /proc: no address-space limit beyond the CPU limit
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = held + SCRIPT_MEMORY_BYTES
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def time_up_message(limit_seconds: float | None) -> str:
    if limit_seconds is None:
        return "the script ran longer than its CPU time allows"
    return f"the script ran longer than {limit_seconds:g} s of CPU time"


def _run(mode: str, source: str, context: Any, external: Any, limit: float) -> Reply:
    _CLOCK.arm(limit)
    try:
        try:
            if mode == "eval":
                value = restricted.evaluate(source, context, external)
            else:
                value = restricted.execute(source, context, external)
        finally:
            _CLOCK.disarm()
        if _CLOCK.time_up:  # the script swallowed the time limit and went on
            return ("violation", time_up_message(limit), False)
        what = "the expression's value" if mode == "eval" else "the script's data"
        restricted.refuse_large_data(what, value)
    except _TimeUp:
        return ("violation", time_up_message(limit), False)
    except MemoryError:
        return ("violation", "the script used more memory than the sandbox allows", True)
    except SandboxViolation as violation:
        return ("error", violation, False)
    except Exception as error:
        if type(error).__module__ != "builtins":
            # The parent takes back only builtin exceptions (decimal.DivisionByZero is not).
            text = f"{type(error).__name__}: {error}"[:_MAX_MESSAGE_CHARACTERS]
            return ("violation", text, False)
        _note_script_line(error)
        return ("error", error, False)
    except BaseException as error:
        # SystemExit, KeyboardInterrupt, GeneratorExit raised by the script itself.
        name = type(error).__name__
        return ("violation", f"the script raised {name}, which scripts may not raise", False)
    return ("value", value, False)


def _note_script_line(error: BaseException) -> None:
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename == restricted.SCRIPT_FILENAME
    ]
    if lines:
        error.add_note(f"script line {lines[-1]}")


def _answer(request: bytes) -> tuple[bytes, bool]:
    mode, source, context, external, limit = pickle.loads(request)
    reply = _run(mode, source, context, external, limit)
    try:
        return pickle.dumps(reply, protocol=5), reply[2]
    except Exception as error:  # a value pickle cannot write (a lambda in a list, too deep)
        kind = type(error).__name__
        what = "the script's result" if reply[0] == "value" else "the script's error"
        message = f"{what} cannot be handed back to the engine ({kind})"
        return pickle.dumps(("violation", message, True), protocol=5), True


def serve(requests: Connection, replies: Connection) -> None:
    _limit_process()
    while True:
        try:
            request = requests.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            reply, retire = _answer(request)
        except _TimeUp:  # the clock fired between the script's end and its disarming
            _CLOCK.armed = False
            signal.setitimer(signal.ITIMER_PROF, 0, 0)
            reply, retire = pickle.dumps(("violation", time_up_message(None), True)), True
        replies.send_bytes(reply)
        if retire:
            return


def main(argv: list[str]) -> None:
    read_fd, write_fd = int(argv[1]), int(argv[2])
    serve(Connection(read_fd, writable=False), Connection(write_fd, readable=False))
    os._exit(0)  # nothing to flush; skip interpreter teardown
