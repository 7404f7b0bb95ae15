"""Store a changed process or decision version directly, bypassing deploy validation.

S3 says the engine refuses at run time whatever slipped through a deploy. These helpers
put a changed copy of a bundled file into the database as the next version, as an old
deploy (or a hand-edited database) would have, so a test can show the run-time refusal.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select

from engine.model import DecisionVersion
from engine.model import ProcessDefinition
from engine.model import ProcessVersion
from engine.runner import parse_processes
from engine.services.deploy import PROCESSES_DIR
from tests.support.flows import Flows


def bundled(filename: str) -> str:
    return (PROCESSES_DIR / filename).read_text(encoding="utf-8")


def changed(filename: str, *edits: tuple[str, str]) -> str:
    """The bundled file with each (old, new) replaced; every `old` must be there."""
    source = bundled(filename)
    for old, new in edits:
        assert old in source, f"{old!r} is not in {filename}"
        source = source.replace(old, new)
    return source


def store_process(flows: Flows, source: str) -> int:
    """Store `source` as the next, active version of its process, unchecked, with the forms
    of the version that was active (none for a new process); returns the version."""
    [parsed] = parse_processes({"changed.bpmn": source}, {})
    with flows.runtime.database.sessions() as session:
        newest = session.scalar(
            select(func.max(ProcessVersion.version)).where(
                ProcessVersion.process_id == parsed.process_id
            )
        )
        version = (newest or 0) + 1
        definition = session.get(ProcessDefinition, parsed.process_id)
        forms_json = "{}"  # a process new to the database: no forms (no fields asked)
        if definition is None:
            definition = ProcessDefinition(
                process_id=parsed.process_id,
                active_version=version,
                changed_at=flows.clock.now(),
                changed_by="petra",
            )
            session.add(definition)
        else:
            forms_json = session.scalars(
                select(ProcessVersion.forms_json).where(
                    ProcessVersion.process_id == parsed.process_id,
                    ProcessVersion.version == definition.active_version,
                )
            ).one()
        definition.active_version = version
        session.add(
            ProcessVersion(
                process_id=parsed.process_id,
                version=version,
                name=parsed.name,
                source_xml=source,
                spec_json=parsed.spec_json,
                checksum=hashlib.sha256(parsed.spec_json.encode()).hexdigest(),
                deployed_at=flows.clock.now(),
                deployed_by="petra",
                forms_json=forms_json,
            )
        )
        session.commit()
    return version


def store_decision(flows: Flows, decision_id: str, source: str, effective_from: datetime) -> int:
    """Store `source` as the next version of a decision table, unchecked."""
    with flows.runtime.database.sessions() as session:
        newest = session.scalar(
            select(func.max(DecisionVersion.version)).where(
                DecisionVersion.decision_id == decision_id
            )
        )
        version = (newest or 0) + 1
        session.add(
            DecisionVersion(
                decision_id=decision_id,
                version=version,
                source_xml=source,
                checksum=hashlib.sha256(source.encode()).hexdigest(),
                deployed_at=flows.clock.now(),
                deployed_by="petra",
                effective_from=effective_from,
            )
        )
        session.commit()
    return version
