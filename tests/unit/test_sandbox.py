"""The script sandbox refuses known escapes and runaway scripts, and still runs plain Python.

BPMN script tasks, gateway conditions, timer expressions and DMN cells are data a process
owner deploys; engine/sandbox.py must keep them away from the interpreter, the file
system and the clock of the process, and must stop them in time.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import pytest

from engine import runner
from engine import sandbox
from engine.clock import FixedClock
from engine.policy.timekeeping import STOCKHOLM
from engine.sandbox import SandboxViolation

SHORT_LIMIT_SECONDS = 0.2
# Generous for a loaded CI machine, far below "never".
STOP_WITHIN_SECONDS = 3.0

# Anything an escape attempt may raise; what matters is that it raises and yields nothing.
REFUSALS: tuple[type[BaseException], ...] = (
    SandboxViolation,
    NameError,
    ImportError,
    AttributeError,
    TypeError,
    NotImplementedError,
    SyntaxError,
)


def evaluate(expression: str, **context: Any) -> Any:
    return sandbox.evaluate(expression, context, limit_seconds=SHORT_LIMIT_SECONDS)


def execute(script: str, **context: Any) -> dict[str, Any]:
    scope = dict(context)
    sandbox.execute(script, scope, limit_seconds=SHORT_LIMIT_SECONDS)
    return scope


# --- escapes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os')",
        "__import__('os').system('true')",
        "().__class__.__bases__[0].__subclasses__()",
        "''.__class__.__mro__[-1].__subclasses__()",
        "(lambda: 0).__globals__",
        "(i for i in ()).gi_frame.f_globals",
        "open('/etc/passwd')",
        "open('/etc/passwd').read()",
        "getattr(1, '__class__')",
        "getattr(1, '_' + '_class__')",
        "'{0.__class__}'.format(1)",
        "'{0.__class__.__base__}'.format(1)",
        "'{x.__class__}'.format_map({'x': 1})",
        "str.format('{0.__class__}', 1)",
        "eval('1 + 1')",
        "exec('x = 1')",
        "compile('1', '<s>', 'eval')",
        "globals()",
        "vars()",
        "locals()",
        "dir()",
        "type(1)",
        "__builtins__",
        "_getattr_",
        "datetime",
        "datetime.now()",
        "sys",
        "os",
    ],
)
def test_sandbox_refuses_escape_expression(expression: str) -> None:
    with pytest.raises(REFUSALS):
        evaluate(expression)


@pytest.mark.parametrize(
    "script",
    [
        "import os",
        "import os\nos.system('true')",
        "from os import path",
        "from subprocess import run",
        "import datetime\nnow = datetime.datetime.now()",
        "x = ().__class__",
        "f = open('/etc/passwd')",
        "class Escape:\n    def __init__(self):\n        pass",
    ],
)
def test_sandbox_refuses_escape_script(script: str) -> None:
    with pytest.raises(REFUSALS):
        execute(script)


def test_sandbox_offers_no_module_through_allowed_builtins() -> None:
    for name in ("min", "sorted", "map", "range", "dict"):
        with pytest.raises(REFUSALS):
            evaluate(f"{name}.__module__")
        with pytest.raises(REFUSALS):
            evaluate(f"{name}.__self__")
    assert "__import__" not in sandbox.SAFE_BUILTINS
    for name in ("open", "eval", "exec", "compile", "globals", "vars", "getattr", "type"):
        assert name not in sandbox.SAFE_BUILTINS, name


def test_sandbox_reaches_a_module_only_when_the_caller_gives_it() -> None:
    with pytest.raises(NameError):
        evaluate("datetime(2026, 1, 1).year")
    assert sandbox.evaluate("datetime(2026, 1, 1).year", {}, {"datetime": datetime}) == 2026


# --- runaway scripts -------------------------------------------------------------------


@pytest.mark.parametrize(
    "script",
    [
        "while True: pass",
        "while 1: pass",
        "while True:\n    pass",
        "n = 0\nwhile True:\n    n += 1",
        "items = [1]\nfor item in items:\n    items.append(item)",
        "def spin():\n    while True:\n        pass\nspin()",
    ],
)
def test_sandbox_stops_an_endless_loop_within_the_time_limit(script: str) -> None:
    started = time.monotonic()
    with pytest.raises(SandboxViolation, match="longer than"):
        execute(script)
    assert time.monotonic() - started < STOP_WITHIN_SECONDS


def test_sandbox_stops_a_long_comprehension_within_the_time_limit() -> None:
    started = time.monotonic()
    with pytest.raises(SandboxViolation):
        evaluate("[x * y for x in range(100000) for y in range(100000)]")
    assert time.monotonic() - started < STOP_WITHIN_SECONDS


@pytest.mark.parametrize(
    "expression",
    ["range(10**9)", "list(range(10**9))", "sum(range(0, 10**12, 1))", "range(-(10**9), 0)"],
)
def test_sandbox_refuses_a_huge_range(expression: str) -> None:
    with pytest.raises(SandboxViolation, match="range"):
        evaluate(expression)


@pytest.mark.parametrize(
    "expression",
    [
        "'a' * 10**10",
        "10**10 * 'a'",
        "[0] * 10**10",
        "(0,) * 10**10",
        "10**10**10",
        "2 ** (10**9)",
        "1 << 10**10",
        "pow(10, 10**10)",
    ],
)
def test_sandbox_refuses_an_operation_that_would_outgrow_memory_or_time(expression: str) -> None:
    # One C-level operation cannot be interrupted by the time limit, so it is refused up front.
    started = time.monotonic()
    with pytest.raises(SandboxViolation):
        evaluate(expression)
    assert time.monotonic() - started < STOP_WITHIN_SECONDS


def test_sandbox_refuses_growing_a_sequence_in_place_past_the_limit() -> None:
    with pytest.raises(SandboxViolation):
        execute("s = 'a'\ns *= 10**10")


# One C-level step (a method, a format, a copy) cannot be interrupted by the time limit, so
# each of these must be refused before it starts: well under a second, not after gigabytes.
REFUSE_WITHIN_SECONDS = 1.0


def _assert_refused_quickly(run: Any) -> None:
    started = time.monotonic()
    with pytest.raises(SandboxViolation, match="larger than|not allowed|too long"):
        run()
    assert time.monotonic() - started < REFUSE_WITHIN_SECONDS


@pytest.mark.parametrize(
    "expression",
    [
        # padding to a huge width
        "'a'.ljust(10**10)",
        "'a'.rjust(10**10)",
        "'a'.center(10**10)",
        "'a'.zfill(10**10)",
        "str.ljust('a', 10**10)",
        "b'a'.ljust(10**10)",
        "'\\t'.expandtabs(10**9)",
        "('\\t' * 1000).expandtabs(10**6)",
        # replacing, joining, translating, encoding into a huge result
        "('a' * 10**6).replace('', 'a' * 10**6)",
        "('a' * 10**6).replace('a', 'aa')",
        "('x' * 10**6).join(['a'] * 100000)",
        "str.join('x' * 10**6, ['a'] * 100000)",
        "('a' * 10**6).translate({97: 'a' * 10**6})",
        "('a' * 10**6).encode('unicode_escape')",
        # printf formatting
        "'%*d' % (10**10, 1)",
        "'%.*f' % (10**9, 1.0)",
        "'%10000000000d' % 1",
        "'%.1000000000f' % 1.0",
        "'%(a)s' * 10 % {'a': 'a' * 10**6}",
        # f-strings: a huge width or precision, constant or computed
        "f'{1:>10000000000}'",
        "f'{1:>{10**10}}'",
        "f'{1.0:.1000000000f}'",
        "f'{1:>{\"1\" * 10}}'",
        'f\'{"a" * 10**6}{"a" * 10**6}\'',
        # printing a structure of shared references: small in memory, huge as text
        "str(['a' * 10**6] * 100000)",
        "repr(['a' * 10**6] * 100000)",
        "'%s' % ([('a' * 10**6)] * 100000,)",
        "f\"{['a' * 10**6] * 100000}\"",
        "str([[[0] * 1000] * 1000] * 1000)",
        "[[[0] * 1000] * 1000] * 1000 == [[[0] * 1000] * 1000] * 1000",
        # concatenation
        "('a' * 10**6) + ('a' * 10**6)",
        "sum([[0] * 10] * 200000, [])",
        "list.extend([0] * 10**6, [0] * 10**6)",
        # integers past what Python prints, and modular powers that never end
        "2 ** 20000",
        "1 << 20000",
        "pow(3, 1 << 13000, (1 << 13000) + 1)",
        "pow(3, 10**4000, 10**4000 + 1)",
        # strftime padding a field to a huge width
        "deadline.strftime('%1000000000Y')",
        "f'{deadline:%1000000000Y}'",
    ],
)
def test_sandbox_refuses_a_step_that_would_build_a_huge_value(expression: str) -> None:
    deadline = datetime(2026, 11, 28, 10, 0)
    _assert_refused_quickly(lambda: evaluate(expression, deadline=deadline))


@pytest.mark.parametrize(
    "growth",
    [
        "s = s + s",
        "s += s",
        "s = '%s%s' % (s, s)",
        "s = f'{s}{s}'",
        "s = ''.join([s, s])",
        "s = s.replace('a', 'aa')",
        "s = repr(s + '\\\\')",
        "s = s.encode('unicode_escape').decode('latin-1') + '\\\\'",
        "items.extend(items)",
        "items.extend(map(abs, items))",
        "list.extend(items, items)",
        "items[:0] = items",
        "items = [*items, *items]",
        "items = items + items",
    ],
)
def test_sandbox_refuses_doubling_a_value_in_a_loop(growth: str) -> None:
    # Each step is fast and few trace events apart: without a size check, forty doublings of
    # a megabyte would be a terabyte long before the time limit is looked at.
    script = f"s = 'a' * 10**6\nitems = [0] * 10**6\nfor i in range(40):\n    {growth}"
    _assert_refused_quickly(lambda: execute(script))


@pytest.mark.parametrize(
    "script",
    [
        "s = 'a' * 10**6\nbig = [s for i in range(100000)]",
        "a = [0 for i in range(1000)]\nb = [a for i in range(1000)]\nc = [b for i in range(1000)]",
        "s = 'a' * 10**6\nraise ValueError([s for i in range(100000)])",
    ],
)
def test_sandbox_refuses_leaving_behind_what_the_engine_could_not_store(script: str) -> None:
    # The engine serializes the case data and reports errors outside the sandbox.
    scope: dict[str, Any] = {}
    _assert_refused_quickly(lambda: sandbox.execute(script, scope, limit_seconds=1.0))
    assert "big" not in scope and "c" not in scope


def test_sandbox_refuses_an_expression_value_the_engine_could_not_store() -> None:
    _assert_refused_quickly(lambda: evaluate("[s for i in range(100000)]", s="a" * 10**6))


# --- what must keep working --------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "context", "expected"),
    [
        ("1 + 2 * 3", {}, 7),
        ("2 ** 10", {}, 1024),
        ("pow(2, 10) + pow(3, 2, 5)", {}, 1028),
        ("'ab' * 3", {}, "ababab"),
        ("[0] * 3", {}, [0, 0, 0]),
        ("loa == 2 and holder != ''", {"loa": 2, "holder": "erik"}, True),
        ("dmninputexpr < 5", {"dmninputexpr": 3}, True),
        ("dmninputexpr in (2, 3)", {"dmninputexpr": 4}, False),
        ("[x * x for x in range(5) if x % 2]", {}, [1, 9]),
        ("{k: v for k, v in pairs}", {"pairs": [("a", 1)]}, {"a": 1}),
        ("sum(x for x in values)", {"values": [1, 2, 3]}, 6),
        ("max(values) - min(values)", {"values": [4, 9, 1]}, 8),
        ("sorted(names)[0]", {"names": ["sara", "anna"]}, "anna"),
        ("data['holder'].upper()", {"data": {"holder": "erik"}}, "ERIK"),
        ("'RK%06d' % number", {"number": 1}, "RK000001"),
        ("'%s-%s' % (a, b)", {"a": "x", "b": "y"}, "x-y"),
        ("'%(a)s %d%%' % {'a': 1} if False else '%d%%' % 5", {}, "5%"),
        ("'Order 12345678901: %s' % state", {"state": "ok"}, "Order 12345678901: ok"),
        ("'x'.join(names)", {"names": ["anna", "sara"]}, "annaxsara"),
        ("', '.join(n.upper() for n in names)", {"names": ["anna", "sara"]}, "ANNA, SARA"),
        ("str.join(',', names)", {"names": ["a", "b"]}, "a,b"),
        ("s.replace('a', 'o')", {"s": "banana"}, "bonono"),
        ("s.center(10, '*') + '5'.zfill(3)", {"s": "banana"}, "**banana**005"),
        ("'a\\tb'.expandtabs(4)", {}, "a   b"),
        ("'abc'.translate(str.maketrans('a', 'b'))", {}, "bbc"),
        ("'ab'.encode().decode()", {}, "ab"),
        ("f'{name}: {amount:.2f} {name!r:>6}'", {"name": "x", "amount": 3.14159}, "x: 3.14    'x'"),
        ("f'{n:>{width}}|{n:05d}|{n + 1=}'", {"n": 7, "width": 3}, "  7|00007|n + 1=8"),
        (
            "f'{d:%Y-%m-%d}' + d.strftime(' %d.%m.%Y')",
            {"d": datetime(2026, 11, 28)},
            "2026-11-28 28.11.2026",
        ),
        ("isinstance(s, str) and isinstance(1, (str, int)) and str(5) == '5'", {"s": "x"}, True),
        ("str.upper(s) + repr(s)", {"s": "x"}, "X'x'"),
        ("'a' + 'b' + str(1 + 2)", {}, "ab3"),
        ("[*items, *'ab']", {"items": [1]}, [1, "a", "b"]),
        ("sum([[1], [2, 3]], []) + [sum([0.5, 1], 1)]", {}, [1, 2, 3, 2.5]),
        ("pow(3, 65537, 2**2048 - 159) > 0", {}, True),
        ("len(str(10**4000)) + len(str(2**10000))", {}, 4001 + 3011),
        ("len(range(100000))", {}, 100000),
        (
            "deadline.isoformat()",
            {"deadline": datetime(2026, 11, 28, 10, 0)},
            "2026-11-28T10:00:00",
        ),
    ],
)
def test_sandbox_evaluates_ordinary_expressions(
    expression: str, context: dict[str, Any], expected: Any
) -> None:
    assert evaluate(expression, **context) == expected


def test_sandbox_script_writes_plain_values_back_and_keeps_functions_out() -> None:
    scope = execute(
        "total = 0\nfor n in numbers:\n    total += n\n"
        "def double(x):\n    return 2 * x\n"
        "doubled = [double(n) for n in numbers]\nfirst, *rest = numbers",
        numbers=[1, 2, 3],
    )
    assert scope["total"] == 6
    assert scope["doubled"] == [2, 4, 6]
    assert (scope["first"], scope["rest"]) == (1, [2, 3])
    assert "double" not in scope


def test_sandbox_script_may_still_grow_lists_within_the_limits() -> None:
    scope = execute(
        "items[1:2] = [5, 6]\nitems[0] = 9\ndel items[-1]\nitems.extend([7])\n"
        "list.extend(items, range(2))\nlog = {}\nlog['k'] = 'a' * 10\n"
        "text = 'a'\ntext += 'b'\ntext %= ()\nbig = [0] * 10**6",
        items=[1, 2, 3],
    )
    assert scope["items"] == [9, 5, 6, 7, 0, 1]
    assert scope["log"] == {"k": "aaaaaaaaaa"}
    assert scope["text"] == "ab"
    assert len(scope["big"]) == 10**6


def test_sandbox_str_is_still_the_str_type_to_scripts() -> None:
    with pytest.raises(NotImplementedError):
        evaluate("str.format('{0.__class__}', 1)")
    assert evaluate("[str(n) for n in numbers]", numbers=[1, 2]) == ["1", "2"]
    assert evaluate("list(map(str, numbers))", numbers=[1, 2]) == ["1", "2"]


def test_sandbox_restores_the_previous_trace_function() -> None:
    import sys

    before = sys.gettrace()
    evaluate("1 + 1")
    with pytest.raises(SandboxViolation):
        execute("while True: pass")
    assert sys.gettrace() is before


# --- the runner: a deployed script task cannot escape ------------------------------------


def _script_process(script: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  id="escape-definitions" targetNamespace="https://sithsflow.example/tests">
  <bpmn:process id="escape" name="Escape attempt" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to_script</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="to_script" sourceRef="start" targetRef="script" />
    <bpmn:scriptTask id="script" name="Script">
      <bpmn:incoming>to_script</bpmn:incoming>
      <bpmn:outgoing>to_end</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="to_end" sourceRef="script" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>to_end</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 15, 1, tzinfo=STOCKHOLM))


def _start(script: str, clock: FixedClock) -> runner.CaseRunner:
    (parsed,) = runner.parse_processes({"escape.bpmn": _script_process(script)}, {})
    return runner.CaseRunner.start(parsed.spec_json, {}, clock)


@pytest.mark.parametrize(
    "script",
    [
        "import os",
        "import os\nos.system('touch /tmp/sithsflow-escaped')",
        "x = __import__('os')",
        "x = open('/etc/passwd').read()",
        "x = ().__class__.__bases__[0].__subclasses__()",
        "while True: pass",
    ],
)
def test_runner_refuses_a_script_task_that_tries_to_escape(script: str, clock: FixedClock) -> None:
    with pytest.raises((runner.ScriptRefused, runner.ProcessDefinitionError)):
        _start(script, clock)


def test_runner_runs_a_harmless_script_task(clock: FixedClock) -> None:
    case = _start("answer = sum([20, 22])", clock)
    assert case.is_completed()
    assert case.data()["answer"] == 42
