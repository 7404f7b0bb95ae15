"""Estimating the size of a value, a format spec or a printf result before it is built."""

from __future__ import annotations

import re
from typing import Any

from engine.sandbox.limits import SCRIPT_MAX_SIZE
from engine.sandbox.limits import SandboxViolation
from engine.sandbox.limits import too_large

_CONTAINERS = (list, tuple, set, frozenset, dict)


class _OverBudget(Exception):
    pass


def estimate_size(value: Any, limit: int = SCRIPT_MAX_SIZE) -> int:
    """Roughly how many characters `value` takes as text (str, repr, %s, an f-string, JSON).

    Characters of strings and bytes, digits of integers, one for any other object, plus one
    per container; a container met twice counts twice, as it prints twice. Sizes of shared
    containers are remembered, so the walk costs the distinct objects, and it stops as soon
    as the estimate passes `limit` (returning something larger than `limit`)."""
    memo: dict[int, int] = {}

    def walk(item: Any) -> int:
        if isinstance(item, str | bytes | bytearray):
            return len(item) or 1
        if isinstance(item, int):
            return item.bit_length() // 3 + 1
        if not isinstance(item, _CONTAINERS):
            return 1
        known = memo.get(id(item))
        if known is not None:
            return known
        memo[id(item)] = 1  # a container inside itself prints as [...]
        total = 1
        parts = (item.keys(), item.values()) if isinstance(item, dict) else (item,)
        for part in parts:
            for element in part:
                total += walk(element)
                if total > limit:
                    raise _OverBudget
        memo[id(item)] = total
        return total

    try:
        return walk(value)
    except _OverBudget:
        return limit + 1
    except RecursionError:
        raise SandboxViolation("a value nested too deeply for the sandbox") from None


def refuse_large_text(what: str, value: Any) -> None:
    if estimate_size(value) > SCRIPT_MAX_SIZE:
        raise too_large(what)


def _number(digits: str) -> int:
    return SCRIPT_MAX_SIZE + 1 if len(digits) > 9 else int(digits)


_DIGITS = re.compile(r"\d+")


def refuse_large_format_spec(spec: Any) -> None:
    """A format spec (or strftime format) expands each character a little, and a width or
    precision to that many characters."""
    if isinstance(spec, str):
        widths = sum(_number(digits) for digits in _DIGITS.findall(spec))
        if 32 * len(spec) + widths > SCRIPT_MAX_SIZE:
            raise too_large("a format spec")


# %[(key)][flags][width][.precision][length]type
_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?[hlL]?(.?)", re.DOTALL)


def refuse_large_printf(template: str | bytes, args: Any) -> None:
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    conversions = widths = 0
    for match in _PRINTF.finditer(text):
        width, precision = match.group(1), match.group(2) or ""
        if "*" in (width, precision):
            raise SandboxViolation("a '*' width or precision in % formatting is not allowed")
        widths += sum(_number(digits) for digits in (width, precision) if digits)
        conversions += 1
    # A mapping may be referred to by every conversion (%(name)s%(name)s...).
    values = estimate_size(args) * (conversions if isinstance(args, dict) else 1)
    if len(text) + widths + values > SCRIPT_MAX_SIZE:
        raise too_large("% formatting")


def items_size(sequence: list[Any] | tuple[Any, ...], limit: int) -> int:
    return sum(estimate_size(item, limit) for item in sequence) if sequence else 0
