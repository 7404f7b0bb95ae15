"""A sandbox for BPMN script tasks and expressions (gateway conditions, timers, DMN cells).

SpiffWorkflow's default environment is a bare `exec`: an `import os` in a script task
would run. Here every script is compiled by RestrictedPython, which refuses imports,
dunder and underscore names and attribute access to them; only plain builtins are
offered (no `open`, no `__import__`, no modules), and a trace budget stops scripts that
run too long.

The trace budget is only checked between bytecodes, so one C-level step that builds a
huge value (or computes for minutes) is refused up front instead, by estimating its result:

- `range` is capped, so C-level loops over it are short;
- `*`, `+`, `%` (printf formatting), `**`, `<<` and `pow` (also with a modulus);
- f-strings (each `{value:spec}` and the joined result), `str()` and `repr()`;
- the str/bytes methods `ljust rjust center zfill expandtabs replace join translate
  encode`, `strftime` on any object, `list.extend`, slice assignment and `[*a, *b]`;
- integers beyond about 4300 digits (Python will not print them anyway);
- values left behind (written back to case data, an expression's result, an error's
  message), which the engine stores, serializes and logs outside the sandbox.

Sizes count references: `[s] * 1000` is small in memory, but a thousand copies of `s`
once printed or stored, and is counted as such.

Remaining limits: there is no OS-level memory or CPU cap in-process. A script may still
allocate what it can within its time budget (distinct 1 MB strings: about 0.7 GB in a
second), and C-level loops whose every step touches a large shared value still run past the
budget: sorting or comparing 100 000 references to 1 MB strings (seconds), hashing or
comparing a nested structure of shared references (a tuple of 1000 references to a tuple
of 1000 references to ...: seconds per level of 1000, hours at four levels). Only a
separate process can stop those: run scripts under RLIMIT_AS/RLIMIT_CPU (or a cgroup) too.
"""

from __future__ import annotations

import ast
import sys
import time
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
from RestrictedPython.Guards import guarded_iter_unpack_sequence
from RestrictedPython.Guards import guarded_unpack_sequence
from RestrictedPython.Guards import safe_builtins

from engine.sandbox.guards import GuardedStr
from engine.sandbox.guards import binop
from engine.sandbox.guards import capped_pow
from engine.sandbox.guards import format_value
from engine.sandbox.guards import guarded_getattr
from engine.sandbox.guards import guarded_repr
from engine.sandbox.guards import guarded_sum
from engine.sandbox.guards import inplace
from engine.sandbox.guards import join_fstring
from engine.sandbox.guards import starred
from engine.sandbox.guards import write_guard
from engine.sandbox.limits import SCRIPT_MAX_DATA_SIZE
from engine.sandbox.limits import SCRIPT_MAX_INT_BITS
from engine.sandbox.limits import SCRIPT_MAX_POW_WORK
from engine.sandbox.limits import SCRIPT_MAX_RANGE
from engine.sandbox.limits import SCRIPT_MAX_SIZE
from engine.sandbox.limits import SCRIPT_TIME_LIMIT_SECONDS
from engine.sandbox.limits import TRACE_CHECK_EVERY_EVENTS
from engine.sandbox.limits import SandboxViolation
from engine.sandbox.limits import capped_range
from engine.sandbox.limits import too_large
from engine.sandbox.policy import SizeGuardingPolicy
from engine.sandbox.sizes import estimate_size

__all__ = [
    "SAFE_BUILTINS",
    "SCRIPT_MAX_DATA_SIZE",
    "SCRIPT_MAX_INT_BITS",
    "SCRIPT_MAX_POW_WORK",
    "SCRIPT_MAX_RANGE",
    "SCRIPT_MAX_SIZE",
    "SCRIPT_TIME_LIMIT_SECONDS",
    "SandboxViolation",
    "check_expression",
    "check_script",
    "evaluate",
    "execute",
]

_EXTRA_BUILTINS: dict[str, Any] = {
    "range": capped_range,
    "pow": capped_pow,
    "str": GuardedStr,
    "repr": guarded_repr,
    "sum": guarded_sum,
    "_getattr_": guarded_getattr,
    "min": min,
    "max": max,
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
    "_getattr_": guarded_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": write_guard,
    "_inplacevar_": inplace,
    "_binop_": binop,
    "_format_": format_value,
    "_fstring_": join_fstring,
    "_starred_": starred,
}


@lru_cache(maxsize=2048)
def _compile(source: str, mode: str) -> CodeType:
    compile_mode = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compile_mode(source, policy=SizeGuardingPolicy)
    if result.errors or result.code is None:
        raise SandboxViolation("; ".join(result.errors) or "script could not be compiled")
    return result.code


def _run(code: CodeType, scope: dict[str, Any], limit_seconds: float) -> Any:
    """Run compiled restricted code with a wall-time budget checked by a line tracer."""
    deadline = time.monotonic() + limit_seconds
    events = 0

    def local_trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal events
        if event in ("line", "opcode"):
            events += 1
            if events % TRACE_CHECK_EVERY_EVENTS == 0 and time.monotonic() > deadline:
                raise SandboxViolation(f"script ran longer than {limit_seconds} s")
        return local_trace

    def global_trace(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename == __file__:
            return None  # the guards above are bounded by their own size checks
        # `while True: pass` on one line jumps to itself and never emits a "line" event, so
        # count opcodes too, or such a loop would run forever.
        frame.f_trace_opcodes = True
        return local_trace

    previous = sys.gettrace()
    sys.settrace(global_trace)
    try:
        return eval(code, scope)  # noqa: S307 - code was compiled by RestrictedPython
    except SandboxViolation:
        raise
    except Exception as error:
        # The engine reports the error outside the sandbox: str(error) must stay small.
        if estimate_size(error.args) > SCRIPT_MAX_SIZE:
            raise too_large("the error's message") from None
        raise
    finally:
        sys.settrace(previous)


def _scope(context: Mapping[str, Any], external: Mapping[str, Any] | None) -> dict[str, Any]:
    scope = dict(_GUARDS)
    scope.update(context)
    if external:
        scope.update(external)
    return scope


def check_script(source: str) -> None:
    """Compile a script without running it, so a deploy refuses what a case could not run.

    RestrictedPython compiles `import` and leaves it to a runtime `__import__` guard
    (which scripts here never get), so imports are refused here explicitly.
    """
    _compile(source, "exec")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            raise SandboxViolation(f"line {node.lineno}: import is not allowed in scripts")


def check_expression(source: str) -> None:
    """Compile an expression (a gateway condition, a timer) without running it, for a deploy."""
    _compile(source, "eval")


def evaluate(
    expression: str,
    context: Mapping[str, Any],
    external: Mapping[str, Any] | None = None,
    limit_seconds: float = SCRIPT_TIME_LIMIT_SECONDS,
) -> Any:
    """Evaluate one restricted expression against task data."""
    result = _run(_compile(expression, "eval"), _scope(context, external), limit_seconds)
    _refuse_large_data("the expression's value", result)
    return result


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
    kept = {
        name: value
        for name, value in scope.items()
        if not (name in skipped or name.startswith("_") or callable(value))
    }
    _refuse_large_data("the script's data", kept)
    context.update(kept)


def _refuse_large_data(what: str, value: Any) -> None:
    """The engine stores, serializes and logs what a script leaves behind outside the sandbox:
    `[s] * 1000` of a 1 MB string is 1 GB once written out."""
    if estimate_size(value, SCRIPT_MAX_DATA_SIZE) > SCRIPT_MAX_DATA_SIZE:
        raise too_large(what)
