"""The one narrow door to SpiffWorkflow: parse, run, serialize, decide.

Nothing else in sithsflow imports SpiffWorkflow. This package papers over its sharp edges
(refusals, scripting, serialization, parsing, decisions, case_runner):

- `task.run()` runs any task; `complete_user_task` runs only a READY user task.
- Timers read SpiffWorkflow's own wall clock; here they never fire by themselves. The
  timer table is the only timer source, and `fire_timer` fires one explicitly, so a
  simulated clock (and several workers) see one truth.
- Timer values must be aware ISO-8601 instants (naive ones would get a fixed offset).
- Scripts and expressions run in `engine.sandbox`, service tasks become `Effect`s the
  case service carries out in its own transaction.
- The spec is stored once per process version; a case stores only its task state.
- A case moves to another version of its spec only through `migrate_runner` (S5).
"""

from __future__ import annotations

from engine.runner.case_runner import CaseRunner
from engine.runner.case_runner import EndReached
from engine.runner.case_runner import RuleTaskDone
from engine.runner.case_runner import TimerView
from engine.runner.case_runner import UserTaskView
from engine.runner.decisions import decide
from engine.runner.migration import MigrationOutcome
from engine.runner.migration import migrate_runner
from engine.runner.parsing import ParsedDecision
from engine.runner.parsing import ParsedProcess
from engine.runner.parsing import parse_decision
from engine.runner.parsing import parse_processes
from engine.runner.refusals import SANDBOX_RULE
from engine.runner.refusals import ProcessDefinitionError
from engine.runner.refusals import ScriptRefused
from engine.runner.scripting import ClockedTimerEventDefinition
from engine.runner.scripting import Effect
from engine.runner.serialization import SERIALIZER_VERSION

__all__ = [
    "SANDBOX_RULE",
    "SERIALIZER_VERSION",
    "CaseRunner",
    "ClockedTimerEventDefinition",
    "Effect",
    "EndReached",
    "MigrationOutcome",
    "ParsedDecision",
    "ParsedProcess",
    "ProcessDefinitionError",
    "RuleTaskDone",
    "ScriptRefused",
    "TimerView",
    "UserTaskView",
    "decide",
    "migrate_runner",
    "parse_decision",
    "parse_processes",
]
