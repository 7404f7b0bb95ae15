"""What a process version consists of, and what changed between two versions.

A deploy audits the changes against the active version, and `process diff` shows them:
tasks (name, lane and properties), forms (by content), timers (expression and task) and
rules (the `rule`/`rules` properties an element cites). Read from the stored spec and
forms, so a diff of any two versions works long after their files are gone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from engine.runner.outline import ProcessOutline

TASK_KINDS = ("UserTask", "StartEvent", "ScriptTask", "ServiceTask", "ManualTask")
CATEGORIES = ("tasks", "forms", "timers", "rules")


@dataclass(frozen=True)
class VersionSummary:
    """Each category maps an element (or form) id to a comparable description."""

    tasks: dict[str, str]
    forms: dict[str, str]
    timers: dict[str, str]
    rules: dict[str, str]

    def category(self, name: str) -> dict[str, str]:
        found: dict[str, str] = getattr(self, name)
        return found


@dataclass(frozen=True)
class CategoryChanges:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": list(self.changed),
        }

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class Changes:
    """What differs from one version to another, per category."""

    tasks: CategoryChanges
    forms: CategoryChanges
    timers: CategoryChanges
    rules: CategoryChanges

    def to_dict(self) -> dict[str, dict[str, list[str]]]:
        return {name: getattr(self, name).to_dict() for name in CATEGORIES}

    def describe(self) -> str:
        """One line per changed category, e.g. `timers: changed deadline`."""
        lines = []
        for name in CATEGORIES:
            changes: CategoryChanges = getattr(self, name)
            parts = [
                f"{label} {', '.join(ids)}"
                for label, ids in (
                    ("added", changes.added),
                    ("removed", changes.removed),
                    ("changed", changes.changed),
                )
                if ids
            ]
            if parts:
                lines.append(f"{name}: {'; '.join(parts)}")
        return "\n".join(lines) or "no changes"


def summarise(outline: ProcessOutline, forms: dict[str, Any]) -> VersionSummary:
    tasks = {
        e.id: f"{e.kind} '{e.name}' lane={e.lane} "
        + " ".join(f"{k}={v}" for k, v in e.properties if k not in ("rule", "rules"))
        for e in outline.of_kind(*TASK_KINDS)
    }
    timers = {
        e.id: f"{e.timer} on {e.attached_to or '-'}"
        + ("" if e.interrupting else " (non-interrupting)")
        for e in outline.elements
        if e.timer is not None
    }
    rules = {
        e.id: " ".join(v for k, v in e.properties if k in ("rule", "rules"))
        for e in outline.elements
        if any(k in ("rule", "rules") for k, _ in e.properties)
    }
    form_digests = {
        form_id: hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()[:12]
        for form_id, schema in forms.items()
    }
    return VersionSummary(tasks, form_digests, timers, rules)


def compare(old: VersionSummary | None, new: VersionSummary) -> Changes:
    """`old` None: everything in `new` is added (a process's first version)."""
    empty = VersionSummary({}, {}, {}, {})
    before = old or empty
    return Changes(*(_compare(before.category(n), new.category(n)) for n in CATEGORIES))


def _compare(old: dict[str, str], new: dict[str, str]) -> CategoryChanges:
    return CategoryChanges(
        added=tuple(sorted(set(new) - set(old))),
        removed=tuple(sorted(set(old) - set(new))),
        changed=tuple(sorted(k for k in set(old) & set(new) if old[k] != new[k])),
    )
