"""The sandbox's limits and its one exception."""

from __future__ import annotations

# CPU seconds one script or expression may use (not wall time: a loaded machine does not
# make a script fail, and a script blocked in C code is still stopped).
SCRIPT_TIME_LIMIT_SECONDS = 1.0
# Address space a sandbox process may add to what it holds once started (RLIMIT_AS).
SCRIPT_MEMORY_BYTES = 256 * 1024 * 1024
# The wall-clock backstop: a child that answers neither within this many seconds plus this
# many times its CPU limit (it is stopped, or starved of CPU for that long) is killed.
SCRIPT_WALL_BACKSTOP_SECONDS = 20.0
SCRIPT_WALL_BACKSTOP_FACTOR = 10.0
SCRIPT_MAX_RANGE = 100_000
# What one uninterruptible C-level step may build: items of a sequence, characters of a
# string, or the estimated size of a value as text (see `estimate_size`).
SCRIPT_MAX_SIZE = 1_000_000
# Bits of an integer: about the 4300 decimal digits Python still converts to text.
SCRIPT_MAX_INT_BITS = 14_000
# Digit operations one pow(base, exponent, modulus) may take (a fraction of a second).
SCRIPT_MAX_POW_WORK = 100_000_000
# The size of what a script leaves behind for the engine to store, in `estimate_size` units.
SCRIPT_MAX_DATA_SIZE = 10 * SCRIPT_MAX_SIZE


class SandboxViolation(Exception):
    """A script tried something the sandbox forbids, or ran out of time."""


def too_large(what: str) -> SandboxViolation:
    return SandboxViolation(f"{what} would build a value larger than the sandbox allows")


def capped_range(*args: int) -> range:
    result = range(*args)
    if len(result) > SCRIPT_MAX_RANGE:
        raise SandboxViolation(f"range() longer than {SCRIPT_MAX_RANGE} is not allowed")
    return result
