"""Compiling and running restricted code, in the process that runs it (the sandbox's child).

RestrictedPython refuses imports, dunder and underscore names and attribute access to them;
only plain builtins are offered (no `open`, no `__import__`, no modules); the guards refuse
one C-level step that would build a huge value (see the package docstring). Time and memory
are not limited here: the child process that calls this module runs under OS limits
(`engine.sandbox.child`).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from functools import lru_cache
from types import CodeType
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
from engine.sandbox.limits import SCRIPT_MAX_SIZE
from engine.sandbox.limits import SandboxViolation
from engine.sandbox.limits import capped_range
from engine.sandbox.limits import too_large
from engine.sandbox.policy import SizeGuardingPolicy
from engine.sandbox.sizes import estimate_size

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
# The file name RestrictedPython gives compiled scripts; a traceback's line in the script.
SCRIPT_FILENAME = "<string>"


@lru_cache(maxsize=2048)
def compile_source(source: str, mode: str) -> CodeType:
    compile_mode = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compile_mode(source, policy=SizeGuardingPolicy)
    if result.errors or result.code is None:
        raise SandboxViolation("; ".join(result.errors) or "script could not be compiled")
    return result.code


def _run(code: CodeType, scope: dict[str, Any]) -> Any:
    try:
        return eval(code, scope)  # noqa: S307 - code was compiled by RestrictedPython
    except SandboxViolation:
        raise
    except Exception as error:
        # The engine reports the error outside the sandbox: str(error) must stay small.
        if estimate_size(error.args) > SCRIPT_MAX_SIZE:
            raise too_large("the error's message") from None
        raise


def _scope(context: Mapping[str, Any], external: Mapping[str, Any] | None) -> dict[str, Any]:
    scope = dict(_GUARDS)
    scope.update(context)
    if external:
        scope.update(external)
    return scope


def evaluate(
    expression: str, context: Mapping[str, Any], external: Mapping[str, Any] | None
) -> Any:
    """The value of one restricted expression against task data (check it with
    `refuse_large_data` before handing it on)."""
    return _run(compile_source(expression, "eval"), _scope(context, external))


def execute(
    script: str, context: Mapping[str, Any], external: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Run a restricted script; the plain values it leaves in its scope (the data to write
    back; check them with `refuse_large_data` before handing them on)."""
    scope = _scope(context, external)
    _run(compile_source(script, "exec"), scope)
    skipped: Iterable[str] = set(_GUARDS) | set(external or {})
    return {
        name: value
        for name, value in scope.items()
        if not (name in skipped or name.startswith("_") or callable(value))
    }


def refuse_large_data(what: str, value: Any) -> None:
    """The engine stores, serializes and logs what a script leaves behind outside the sandbox:
    `[s] * 1000` of a 1 MB string is 1 GB once written out."""
    if estimate_size(value, SCRIPT_MAX_DATA_SIZE) > SCRIPT_MAX_DATA_SIZE:
        raise too_large(what)
