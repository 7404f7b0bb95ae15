"""Guarded operators, builtins and methods: each refuses a result over the size limits."""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sized
from typing import Any

from RestrictedPython.Guards import full_write_guard
from RestrictedPython.Guards import safer_getattr

from engine.sandbox.limits import SCRIPT_MAX_INT_BITS
from engine.sandbox.limits import SCRIPT_MAX_POW_WORK
from engine.sandbox.limits import SCRIPT_MAX_SIZE
from engine.sandbox.limits import SandboxViolation
from engine.sandbox.limits import too_large
from engine.sandbox.sizes import items_size
from engine.sandbox.sizes import refuse_large_format_spec
from engine.sandbox.sizes import refuse_large_printf
from engine.sandbox.sizes import refuse_large_text

_SEQUENCES = (str, bytes, list, tuple)


def _refuse_if_too_large(op: str, x: Any, y: Any) -> None:
    """One C-level operation cannot be stopped by the time limit: refuse a huge result up front
    ('a' * 10**10 fills the memory, 10**10**10 never ends)."""
    oversized = False
    if op == "*":
        for sequence, count in ((x, y), (y, x)):
            if isinstance(sequence, _SEQUENCES) and isinstance(count, int) and count > 0:
                if isinstance(sequence, str | bytes):
                    unit = len(sequence)
                else:
                    unit = items_size(sequence, SCRIPT_MAX_SIZE // count)
                oversized |= unit * count > SCRIPT_MAX_SIZE
        if isinstance(x, int) and isinstance(y, int):
            oversized |= x.bit_length() + y.bit_length() > SCRIPT_MAX_INT_BITS
    elif op == "+":
        if isinstance(x, _SEQUENCES) and isinstance(y, _SEQUENCES):
            oversized = len(x) + len(y) > SCRIPT_MAX_SIZE
    elif op == "%":
        if isinstance(x, str | bytes):
            refuse_large_printf(x, y)
    elif op == "**" and isinstance(x, int) and isinstance(y, int) and abs(x) > 1:
        oversized = y * math.log2(abs(x)) > SCRIPT_MAX_INT_BITS
    elif op == "<<" and isinstance(x, int) and isinstance(y, int) and x:
        oversized = y + x.bit_length() > SCRIPT_MAX_INT_BITS
    if oversized:
        raise too_large(op)


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "*": operator.mul,
    "+": operator.add,
    "%": operator.mod,
    "**": operator.pow,
    "<<": operator.lshift,
}


def binop(op: str, x: Any, y: Any) -> Any:
    _refuse_if_too_large(op, x, y)
    return _OPERATORS[op](x, y)


def capped_pow(base: Any, exponent: Any, modulus: Any = None) -> Any:
    if modulus is None:
        _refuse_if_too_large("**", base, exponent)
    elif isinstance(exponent, int) and isinstance(modulus, int):
        digits = modulus.bit_length() // 30 + 1
        if (abs(exponent).bit_length() + 1) * digits * digits > SCRIPT_MAX_POW_WORK:
            raise SandboxViolation("pow() with this modulus would take too long")
    return pow(base, exponent, modulus)


def inplace(op: str, x: Any, y: Any) -> Any:
    operations: dict[str, Callable[[Any, Any], Any]] = {
        "+=": lambda a, b: binop("+", a, b),
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: binop("*", a, b),
        "/=": lambda a, b: a / b,
        "//=": lambda a, b: a // b,
        "%=": lambda a, b: binop("%", a, b),
    }
    if op not in operations:
        raise SandboxViolation(f"operator {op} is not allowed")
    return operations[op](x, y)


def guarded_repr(value: Any) -> str:
    refuse_large_text("repr()", value)
    return repr(value)


class _StrType(type):
    """`str` as scripts see it: isinstance and str.method work as for str, and str(value)
    refuses a value that would print too large."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, str)

    def __subclasscheck__(cls, subclass: type) -> bool:
        return subclass is cls or issubclass(subclass, str)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        refuse_large_text("str()", args[0] if args else kwargs.get("object", ""))
        return str(*args, **kwargs)


class GuardedStr(metaclass=_StrType):
    pass


def format_value(value: Any, conversion: int, spec: Any) -> str:
    """One `{value!conversion:spec}` of an f-string."""
    refuse_large_text("an f-string", value)
    if conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("s"):
        value = str(value)
    elif conversion == ord("a"):
        value = ascii(value)
    refuse_large_format_spec(spec)
    return format(value, spec)


def join_fstring(parts: tuple[str, ...]) -> str:
    if sum(map(len, parts)) > SCRIPT_MAX_SIZE:
        raise too_large("an f-string")
    return "".join(parts)


def guarded_sum(iterable: Iterable[Any], /, start: Any = 0) -> Any:
    """sum(lists, []) adds one list at a time, in C: quadratic. Concatenate once instead."""
    if not isinstance(start, list | tuple):
        return sum(iterable, start)
    items = list(iterable)
    for item in items:
        if type(item) is not type(start):
            raise TypeError(f"can only concatenate {type(start).__name__} to it in sum()")
    if len(start) + sum(map(len, items)) > SCRIPT_MAX_SIZE:
        raise too_large("sum()")
    return type(start)(itertools.chain(start, *items))


def _text_method_size(text: str | bytes, name: str, args: tuple[Any, ...]) -> int:
    """An upper bound of the length of text.name(*args); 0 when the arguments are wrong (the
    method then raises its own TypeError)."""
    first = args[0] if args else None
    if name in ("ljust", "rjust", "center", "zfill"):
        return max(len(text), first) if isinstance(first, int) else 0
    if name == "expandtabs":
        tabsize = 8 if first is None else first
        if not isinstance(tabsize, int):
            return 0
        tabs = text.count("\t") if isinstance(text, str) else text.count(b"\t")
        return len(text) + tabs * tabsize
    if name == "replace":
        if len(args) < 2 or not all(isinstance(arg, type(text)) for arg in args[:2]):
            return 0
        old, new = args[0], args[1]
        hits = text.count(old) if old else len(text) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            hits = min(hits, args[2])
        return len(text) + hits * max(len(new) - len(old), 0)
    if name == "translate" and isinstance(text, str):
        if isinstance(first, dict):
            replacements: Iterable[Any] = first.values()
        elif isinstance(first, list | tuple | str):
            replacements = first
        else:
            return SCRIPT_MAX_SIZE + 1  # any mapping: no way to tell
        longest = max((len(r) for r in replacements if isinstance(r, str)), default=1)
        return len(text) * max(longest, 1)
    if name == "encode":
        return 10 * len(text)  # unicode_escape: \U0001f600
    return 0


_TEXT_METHODS = frozenset(
    {"ljust", "rjust", "center", "zfill", "expandtabs", "replace", "join", "translate", "encode"}
)


def _checked_text_method(method: Callable[..., Any], name: str, receiver: Any) -> Any:
    """text.name(...) (or, with no receiver, str.name(text, ...)), refused when its result
    would be larger than the limit."""
    unbound = isinstance(receiver, type)

    def call(*args: Any, **kwargs: Any) -> Any:
        if unbound:  # str.ljust(text, width)
            if not args:
                return method(*args, **kwargs)
            text, rest = args[0], args[1:]
        else:
            text, rest = receiver, args
        if isinstance(text, str | bytes):
            if name == "join" and rest:
                items = list(rest[0])
                rest = (items, *rest[1:])
                try:
                    size = sum(map(len, items)) + len(text) * max(len(items) - 1, 0)
                except TypeError:
                    size = 0  # join raises its own TypeError for an item that is no text
            else:
                size = _text_method_size(text, name, (*rest, *kwargs.values()))
            if size > SCRIPT_MAX_SIZE:
                raise too_large(f".{name}()")
        return method(text, *rest, **kwargs) if unbound else method(*rest, **kwargs)

    return call


def _checked_strftime(method: Callable[..., Any]) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        refuse_large_format_spec(kwargs.get("format", args[-1] if args else ""))
        return method(*args, **kwargs)

    return call


def _checked_extend(method: Callable[..., Any], receiver: Any) -> Any:
    unbound = isinstance(receiver, type)

    def call(*args: Any) -> Any:
        if len(args) != (2 if unbound else 1):
            return method(*args)
        target = args[0] if unbound else receiver
        items = args[-1] if isinstance(args[-1], Sized) else list(args[-1])
        if isinstance(target, list) and len(target) + len(items) > SCRIPT_MAX_SIZE:
            raise too_large(".extend()")
        return method(*args[:-1], items)

    return call


_safer_getattr: Callable[..., Any] = safer_getattr


def guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    """RestrictedPython's safer_getattr, handing out size-checked versions of the methods
    that build a large result in one step."""
    if obj is GuardedStr:
        obj = str
    value = _safer_getattr(obj, name, *default)
    if not callable(value):
        return value
    if name in _TEXT_METHODS and (isinstance(obj, str | bytes) or obj is str or obj is bytes):
        return _checked_text_method(value, name, obj)
    if name == "extend" and (isinstance(obj, list) or obj is list):
        return _checked_extend(value, obj)
    if name == "strftime":
        return _checked_strftime(value)
    return value


class _ListWriter:
    """What `items[...] = value` writes through: a slice may not grow the list past the limit."""

    __slots__ = ("_target",)

    def __init__(self, target: list[Any]) -> None:
        self._target = target

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, slice):
            value = value if isinstance(value, Sized) else list(value)
            removed = len(range(*key.indices(len(self._target))))
            if len(self._target) - removed + len(value) > SCRIPT_MAX_SIZE:
                raise too_large("slice assignment")
        self._target[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._target[key]


def write_guard(obj: Any) -> Any:
    return _ListWriter(obj) if type(obj) is list else full_write_guard(obj)


def starred(value: Any) -> Any:
    """Each `*value` in a display: `[*items, *items]` doubles, so each part is capped."""
    items = value if isinstance(value, Sized) else list(value)
    if len(items) > SCRIPT_MAX_SIZE:
        raise too_large("*unpacking")
    return items
