"""A sandbox for BPMN script tasks and expressions (gateway conditions, timers, DMN cells).

SpiffWorkflow's default environment is a bare `exec`: an `import os` in a script task
would run. Here every script is compiled by RestrictedPython, which refuses imports,
dunder and underscore names and attribute access to them; only plain builtins are
offered (no `open`, no `__import__`, no modules), and a trace budget stops scripts that
run too long. C-level loops are bounded by giving scripts a capped `range`, and the
operators that can build a huge value in one uninterruptible step (`*`, `**`, `<<`, `pow`)
refuse results beyond a size limit.
"""

from __future__ import annotations

import ast
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
from RestrictedPython.transformer import RestrictingNodeTransformer

SCRIPT_TIME_LIMIT_SECONDS = 1.0
SCRIPT_MAX_RANGE = 100_000
# Items of a repeated sequence, or bits of an integer, that one `*`, `**` or `<<` may build.
SCRIPT_MAX_SIZE = 1_000_000
_TRACE_CHECK_EVERY_EVENTS = 256


class SandboxViolation(Exception):
    """A script tried something the sandbox forbids, or ran out of time."""


def _capped_range(*args: int) -> range:
    result = range(*args)
    if len(result) > SCRIPT_MAX_RANGE:
        raise SandboxViolation(f"range() longer than {SCRIPT_MAX_RANGE} is not allowed")
    return result


def _refuse_if_too_large(op: str, x: Any, y: Any) -> None:
    """One C-level operation cannot be stopped by the time limit: refuse a huge result up front
    ('a' * 10**10 fills the memory, 10**10**10 never ends)."""
    too_large = False
    if op == "*":
        for sequence, count in ((x, y), (y, x)):
            if isinstance(sequence, str | bytes | list | tuple) and isinstance(count, int):
                too_large |= len(sequence) * count > SCRIPT_MAX_SIZE
        if isinstance(x, int) and isinstance(y, int):
            too_large |= x.bit_length() + y.bit_length() > SCRIPT_MAX_SIZE
    elif op == "**" and isinstance(x, int) and isinstance(y, int) and abs(x) > 1:
        too_large = y * x.bit_length() > SCRIPT_MAX_SIZE
    elif op == "<<" and isinstance(x, int) and isinstance(y, int):
        too_large = y + x.bit_length() > SCRIPT_MAX_SIZE
    if too_large:
        raise SandboxViolation(f"{op} would build a value larger than the sandbox allows")


def _binop(op: str, x: Any, y: Any) -> Any:
    _refuse_if_too_large(op, x, y)
    if op == "*":
        return x * y
    if op == "**":
        return x**y
    return x << y


def _capped_pow(base: Any, exponent: Any, modulus: Any = None) -> Any:
    if modulus is None:
        _refuse_if_too_large("**", base, exponent)
    return pow(base, exponent, modulus)


class _SizeGuardingPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, with `a * b`, `a ** b` and `a << b` becoming `_binop_(op, a, b)`."""

    _GUARDED = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        op = self._GUARDED.get(type(node.op))
        if op is None:
            return node
        call = ast.Call(
            func=ast.Name("_binop_", ast.Load()),
            args=[ast.Constant(op), node.left, node.right],
            keywords=[],
        )
        return ast.fix_missing_locations(ast.copy_location(call, node))


def _inplace(op: str, x: Any, y: Any) -> Any:
    operations: dict[str, Callable[[Any, Any], Any]] = {
        "+=": lambda a, b: a + b,
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: _binop("*", a, b),
        "/=": lambda a, b: a / b,
        "//=": lambda a, b: a // b,
        "%=": lambda a, b: a % b,
    }
    if op not in operations:
        raise SandboxViolation(f"operator {op} is not allowed")
    return operations[op](x, y)


_EXTRA_BUILTINS: dict[str, Any] = {
    "range": _capped_range,
    "pow": _capped_pow,
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
    "_binop_": _binop,
}


@lru_cache(maxsize=2048)
def _compile(source: str, mode: str) -> CodeType:
    compile_mode = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compile_mode(source, policy=_SizeGuardingPolicy)
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
            if events % _TRACE_CHECK_EVERY_EVENTS == 0 and time.monotonic() > deadline:
                raise SandboxViolation(f"script ran longer than {limit_seconds} s")
        return local_trace

    def global_trace(frame: FrameType, event: str, arg: Any) -> Any:
        # `while True: pass` on one line jumps to itself and never emits a "line" event, so
        # count opcodes too, or such a loop would run forever.
        frame.f_trace_opcodes = True
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


def check_script(source: str) -> None:
    """Compile a script without running it, so a deploy refuses what a case could not run.

    RestrictedPython compiles `import` and leaves it to a runtime `__import__` guard
    (which scripts here never get), so imports are refused here explicitly.
    """
    _compile(source, "exec")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            raise SandboxViolation(f"line {node.lineno}: import is not allowed in scripts")


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
