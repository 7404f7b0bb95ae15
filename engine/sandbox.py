"""A sandbox for BPMN script tasks and expressions (gateway conditions, timers, DMN cells).

SpiffWorkflow's default environment is a bare `exec`: an `import os` in a script task
would run. Here every script is compiled by RestrictedPython, which refuses imports,
dunder and underscore names and attribute access to them; only plain builtins are
offered (no `open`, no `__import__`, no modules), and a trace budget stops scripts that
run too long. C-level loops are bounded by giving scripts a capped `range`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from functools import lru_cache
from types import CodeType
from types import FrameType
from typing import Any

from RestrictedPython.compile import compile_restricted_eval
from RestrictedPython.compile import compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Eval import default_guarded_getiter
from RestrictedPython.Guards import full_write_guard
from RestrictedPython.Guards import guarded_iter_unpack_sequence
from RestrictedPython.Guards import guarded_unpack_sequence
from RestrictedPython.Guards import safe_builtins
from RestrictedPython.Guards import safer_getattr

SCRIPT_TIME_LIMIT_SECONDS = 1.0
SCRIPT_MAX_RANGE = 100_000
_TRACE_CHECK_EVERY_LINES = 256


class SandboxViolation(Exception):
    """A script tried something the sandbox forbids, or ran out of time."""


def _capped_range(*args: int) -> range:
    result = range(*args)
    if len(result) > SCRIPT_MAX_RANGE:
        raise SandboxViolation(f"range() longer than {SCRIPT_MAX_RANGE} is not allowed")
    return result


def _inplace(op: str, x: Any, y: Any) -> Any:
    operations: dict[str, Callable[[Any, Any], Any]] = {
        "+=": lambda a, b: a + b,
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: a * b,
        "/=": lambda a, b: a / b,
        "//=": lambda a, b: a // b,
        "%=": lambda a, b: a % b,
    }
    if op not in operations:
        raise SandboxViolation(f"operator {op} is not allowed")
    return operations[op](x, y)


_EXTRA_BUILTINS: dict[str, Any] = {
    "range": _capped_range,
    "min": min,
    "max": max,
    "sum": sum,
    "any": any,
    "all": all,
    "sorted": sorted,
    "enumerate": enumerate,
    "dict": dict,
    "list": list,
    "set": set,
    "frozenset": frozenset,
    "map": map,
    "filter": filter,
    "reversed": reversed,
}
SAFE_BUILTINS: dict[str, Any] = {**safe_builtins, **_EXTRA_BUILTINS}

_GUARDS: dict[str, Any] = {
    "__builtins__": SAFE_BUILTINS,
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplace,
}


@lru_cache(maxsize=2048)
def _compile(source: str, mode: str) -> CodeType:
    result = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source)
    if result.errors or result.code is None:
        raise SandboxViolation("; ".join(result.errors) or "script could not be compiled")
    return result.code


def _run(code: CodeType, scope: dict[str, Any], limit_seconds: float) -> Any:
    """Run compiled restricted code with a wall-time budget checked by a line tracer."""
    deadline = time.monotonic() + limit_seconds
    lines = 0

    def local_trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal lines
        if event == "line":
            lines += 1
            if lines % _TRACE_CHECK_EVERY_LINES == 0 and time.monotonic() > deadline:
                raise SandboxViolation(f"script ran longer than {limit_seconds} s")
        return local_trace

    def global_trace(frame: FrameType, event: str, arg: Any) -> Any:
        return local_trace

    previous = sys.gettrace()
    sys.settrace(global_trace)
    try:
        return eval(code, scope)  # noqa: S307 - code was compiled by RestrictedPython
    finally:
        sys.settrace(previous)


def _scope(context: Mapping[str, Any], external: Mapping[str, Any] | None) -> dict[str, Any]:
    scope = dict(_GUARDS)
    scope.update(context)
    if external:
        scope.update(external)
    return scope


def evaluate(
    expression: str,
    context: Mapping[str, Any],
    external: Mapping[str, Any] | None = None,
    limit_seconds: float = SCRIPT_TIME_LIMIT_SECONDS,
) -> Any:
    """Evaluate one restricted expression against task data."""
    return _run(_compile(expression, "eval"), _scope(context, external), limit_seconds)


def execute(
    script: str,
    context: dict[str, Any],
    external: Mapping[str, Any] | None = None,
    limit_seconds: float = SCRIPT_TIME_LIMIT_SECONDS,
) -> None:
    """Run a restricted script; the plain values it assigns are written back to `context`."""
    scope = _scope(context, external)
    _run(_compile(script, "exec"), scope, limit_seconds)
    skipped: Iterable[str] = set(_GUARDS) | set(external or {})
    for name, value in scope.items():
        if name in skipped or name.startswith("_") or callable(value):
            continue
        context[name] = value
