"""A sandbox for BPMN script tasks and expressions (gateway conditions, timers, DMN cells).

SpiffWorkflow's default environment is a bare `exec`: an `import os` in a script task
would run. Here every script is compiled by RestrictedPython, which refuses imports,
dunder and underscore names and attribute access to them; only plain builtins are
offered (no `open`, no `__import__`, no modules).

Scripts run in a child process (`engine.sandbox.pool`, `engine.sandbox.child`) under OS
limits: CPU seconds (ITIMER_PROF, backed by RLIMIT_CPU for a step stuck in C code) and
memory (RLIMIT_AS). So a script comparing nested shared values, or allocating a gigabyte,
ends its own child, not the web server, the CLI or the worker; and a load spike on the
machine (wall time) never fails a script that is within its CPU budget. Anything a script
raises, BaseException included (SystemExit, KeyboardInterrupt, GeneratorExit), comes back
as an exception the caller can handle: a script never ends the calling process.

The size guards stay, because the engine stores what a script leaves behind and because a
refusal up front is clearer (and cheaper) than a killed child. One C-level step that
would build a huge value is refused by estimating its result:

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

Values cross the process boundary as copies (pickled): a script's changes reach the case
through the names it leaves behind (`execute` writes them back), and an expression's
changes to its inputs are not kept.
"""

from __future__ import annotations

import ast
import pickle
from collections.abc import Mapping
from typing import Any

from engine.sandbox.limits import SCRIPT_MAX_DATA_SIZE
from engine.sandbox.limits import SCRIPT_MAX_INT_BITS
from engine.sandbox.limits import SCRIPT_MAX_POW_WORK
from engine.sandbox.limits import SCRIPT_MAX_RANGE
from engine.sandbox.limits import SCRIPT_MAX_SIZE
from engine.sandbox.limits import SCRIPT_MEMORY_BYTES
from engine.sandbox.limits import SCRIPT_TIME_LIMIT_SECONDS
from engine.sandbox.limits import SandboxViolation
from engine.sandbox.pool import current_pool
from engine.sandbox.restricted import SAFE_BUILTINS
from engine.sandbox.restricted import compile_source

__all__ = [
    "SAFE_BUILTINS",
    "SCRIPT_MAX_DATA_SIZE",
    "SCRIPT_MAX_INT_BITS",
    "SCRIPT_MAX_POW_WORK",
    "SCRIPT_MAX_RANGE",
    "SCRIPT_MAX_SIZE",
    "SCRIPT_MEMORY_BYTES",
    "SCRIPT_TIME_LIMIT_SECONDS",
    "SandboxViolation",
    "check_expression",
    "check_script",
    "evaluate",
    "execute",
    "warm_up",
]


def check_script(source: str) -> None:
    """Compile a script without running it, so a deploy refuses what a case could not run.

    RestrictedPython compiles `import` and leaves it to a runtime `__import__` guard
    (which scripts here never get), so imports are refused here explicitly.
    """
    compile_source(source, "exec")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            raise SandboxViolation(f"line {node.lineno}: import is not allowed in scripts")


def check_expression(source: str) -> None:
    """Compile an expression (a gateway condition, a timer) without running it, for a deploy."""
    compile_source(source, "eval")


def warm_up() -> None:
    """Start this process's warm sandbox children now (a server or worker at start-up)."""
    current_pool().prestart()


def _run_in_child(
    mode: str,
    source: str,
    context: Mapping[str, Any],
    external: Mapping[str, Any] | None,
    limit_seconds: float,
) -> Any:
    # Compile here first: a syntax error is answered without a round trip, and the child's
    # compile cache then only ever sees code that compiles.
    compile_source(source, mode)
    try:
        request = pickle.dumps(
            (mode, source, dict(context), dict(external or {}), limit_seconds), protocol=5
        )
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as error:
        raise SandboxViolation(
            f"the case data cannot be handed to the sandbox ({type(error).__name__})"
        ) from None
    kind, payload = current_pool().run(request, limit_seconds)
    if kind == "value":
        return payload
    if kind == "error" and isinstance(payload, Exception):
        raise payload
    raise SandboxViolation(str(payload))


def evaluate(
    expression: str,
    context: Mapping[str, Any],
    external: Mapping[str, Any] | None = None,
    limit_seconds: float = SCRIPT_TIME_LIMIT_SECONDS,
) -> Any:
    """Evaluate one restricted expression against task data, within `limit_seconds` of CPU."""
    return _run_in_child("eval", expression, context, external, limit_seconds)


def execute(
    script: str,
    context: dict[str, Any],
    external: Mapping[str, Any] | None = None,
    limit_seconds: float = SCRIPT_TIME_LIMIT_SECONDS,
) -> None:
    """Run a restricted script within `limit_seconds` of CPU; the plain values it assigns are
    written back to `context`."""
    kept = _run_in_child("exec", script, context, external, limit_seconds)
    context.update(kept)
