"""Deploy a bundle (BPMN + DMN + forms) as new versions, all or nothing (S1).

Only a process owner on that day deploys (S1, checked here in the engine). The bundle is
validated whole (checks.py) and every problem is listed; nothing is stored unless there
are none. Each new process version becomes the active one (new cases get it, open cases
keep theirs) and carries its forms. Every deploy is audited with each file's SHA-256 and
what changed against the version that was active. Deploying files identical to the active
version changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import DomainError
from engine.errors import Invalid
from engine.model import DecisionVersion
from engine.model import ProcessDefinition
from engine.model import ProcessVersion
from engine.problems import ModelRejected
from engine.problems import Problem
from engine.rights import PROCESS_OWNER
from engine.services.audit import SYSTEM_ACTOR
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.audit import record_refusal
from engine.services.deploy.bundle import FORMS_DIR
from engine.services.deploy.bundle import PROCESSES_DIR
from engine.services.deploy.bundle import Bundle
from engine.services.deploy.bundle import read_contents
from engine.services.deploy.bundle import read_paths
from engine.services.deploy.checks import ValidatedDecision
from engine.services.deploy.checks import ValidatedProcess
from engine.services.deploy.checks import validate_bundle
from engine.services.deploy.summary import compare
from engine.services.deploy.summary import summarise
from engine.services.deploy.versions import require_owner
from engine.services.deploy.versions import summary_of
from engine.services.runtime import Runtime

DECISIONS_BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Deployed:
    id: str
    version: int
    kind: str  # "process" or "decision"
    new: bool
    active: bool = True  # a process version new cases get (always true for a decision)


def deploy_files(
    runtime: Runtime,
    clock: Clock,
    paths: list[Path],
    actor: str,
    *,
    dry_run: bool = False,
    effective_from: datetime | None = None,
) -> list[Deployed]:
    """S1: validate then deploy the files and folders in `paths` as one bundle.

    `effective_from`: when a changed DMN table starts judging events (S6); by default the
    deploy's own instant, never earlier.
    """
    return _deploy_as_owner(
        runtime, clock, actor, lambda: read_paths(paths), dry_run, effective_from
    )


def deploy_contents(
    runtime: Runtime,
    clock: Clock,
    files: dict[str, bytes],
    actor: str,
    *,
    dry_run: bool = False,
    effective_from: datetime | None = None,
) -> list[Deployed]:
    """S1: as `deploy_files`, for files uploaded by name (the API)."""
    return _deploy_as_owner(
        runtime, clock, actor, lambda: read_contents(files), dry_run, effective_from
    )


def deploy_bundled(runtime: Runtime, clock: Clock) -> list[Deployed]:
    """The processes/ and forms/ shipped with sithsflow, only for processes (and DMN tables)
    that have no version yet: a process owner's versions are never overridden."""
    paths = [
        *sorted(PROCESSES_DIR.glob("*.bpmn")),
        *sorted(PROCESSES_DIR.glob("*.dmn")),
        *sorted(FORMS_DIR.glob("*.json")),
    ]
    audit = AuditContext(actor=SYSTEM_ACTOR, role="system_admin")
    with runtime.unit_of_work(clock) as uow:
        bundle = _only_missing(uow.session, read_paths(paths))
        if not (bundle.bpmn or bundle.dmn):
            return []
        deployed = _deploy(uow.session, clock, bundle, SYSTEM_ACTOR, audit, None)
        uow.commit()
        return deployed


def _deploy_as_owner(
    runtime: Runtime,
    clock: Clock,
    actor: str,
    read: Any,
    dry_run: bool,
    effective_from: datetime | None,
) -> list[Deployed]:
    audit = AuditContext(actor=actor)
    try:
        with runtime.unit_of_work(clock) as uow:
            require_owner(uow.session, clock, actor)
            audit.role = PROCESS_OWNER  # S1: only once the role is checked
            if effective_from is not None and effective_from < clock.now():
                raise Invalid(
                    "En ändrad beslutstabell kan inte gälla före driftsättningen (S6). / "
                    "A changed decision table cannot take effect before its deploy (S6).",
                    rule="S6",
                )
            bundle: Bundle = read()
            deployed = _deploy(uow.session, clock, bundle, actor, audit, effective_from)
            if not dry_run:
                uow.commit()
            return deployed
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, "deploy", error)
        raise


def _only_missing(session: Session, bundle: Bundle) -> Bundle:
    """The part of the shipped bundle for processes and tables not deployed yet."""
    known_processes = set(session.scalars(select(ProcessDefinition.process_id)))
    known_decisions = set(session.scalars(select(DecisionVersion.decision_id)))
    missing = Bundle(problems=bundle.problems)
    for name, text in bundle.bpmn.items():
        if name.removesuffix(".bpmn") not in known_processes:
            missing.bpmn[name] = text
    for name, text in bundle.dmn.items():
        if name.removesuffix(".dmn") not in known_decisions:
            missing.dmn[name] = text
    for name, form in bundle.forms.items():
        if form[0] not in known_processes:
            missing.forms[name] = form
    missing.checksums = {
        n: c
        for n, c in bundle.checksums.items()
        if n in {*missing.bpmn, *missing.dmn, *missing.forms}
    }
    return missing


def _deploy(
    session: Session,
    clock: Clock,
    bundle: Bundle,
    actor: str,
    audit: AuditContext,
    effective_from: datetime | None,
) -> list[Deployed]:
    validated = validate_bundle(session, bundle, clock.now())
    problems = list(validated.problems)
    if not (bundle.bpmn or bundle.dmn or bundle.forms) and not problems:
        problems.append(
            Problem("-", None, "Paketet innehåller ingen modell. / The bundle holds no model.")
        )
    if problems:
        raise ModelRejected(problems)
    deployed = [
        _store_decision(session, clock, d, actor, effective_from) for d in validated.decisions
    ]
    for process in validated.processes:
        deployed.append(_store_process(session, clock, process, actor, bundle, audit))
    for item in deployed:
        if item.new and item.kind == "decision":
            record(
                session,
                clock,
                audit,
                "deploy",
                message=f"decision {item.id}@{item.version}",
                details={"files": _files_of(bundle, f"{item.id}.dmn")},
            )
    return deployed


def _files_of(bundle: Bundle, *names: str) -> dict[str, str]:
    return {name: bundle.checksums[name] for name in names if name in bundle.checksums}


def _checksum(spec_json: str, forms: dict[str, Any]) -> str:
    content = spec_json + json.dumps(forms, sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()


def _store_process(
    session: Session,
    clock: Clock,
    process: ValidatedProcess,
    actor: str,
    bundle: Bundle,
    audit: AuditContext,
) -> Deployed:
    process_id = process.parsed.process_id
    definition = session.get(ProcessDefinition, process_id)
    newest = session.scalars(
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    ).first()
    active = None
    if definition is not None:
        active = session.scalars(
            select(ProcessVersion).where(
                ProcessVersion.process_id == process_id,
                ProcessVersion.version == definition.active_version,
            )
        ).first()
    checksum = _checksum(process.parsed.spec_json, process.forms)
    if active is not None and active.checksum == checksum:
        return Deployed(process_id, active.version, "process", new=False, active=True)
    version = ProcessVersion(
        process_id=process_id,
        version=(newest.version + 1) if newest else 1,
        name=process.parsed.name,
        source_xml=process.source,
        spec_json=process.parsed.spec_json,
        checksum=checksum,
        deployed_at=clock.now(),
        deployed_by=actor,
        forms_json=json.dumps(process.forms, ensure_ascii=False),
    )
    session.add(version)
    if definition is None:
        definition = ProcessDefinition(process_id=process_id, suspended=False)
        session.add(definition)
    definition.active_version = version.version
    definition.changed_at = clock.now()
    definition.changed_by = actor
    changes = compare(
        summary_of(active) if active is not None else None,
        summarise(process.outline, process.forms),
    )
    audit.process_version = version.label
    form_files = [bundle.form_file(process_id, f) for f in bundle.forms_of(process_id)]
    record(
        session,
        clock,
        audit,
        "deploy",
        message=f"process {version.label} (active; was {active.label if active else '-'})",
        details={
            "files": _files_of(bundle, process.parsed.filename, *form_files),
            "changes": changes.to_dict(),
            "previous_active": active.version if active else None,
        },
    )
    audit.process_version = None
    return Deployed(process_id, version.version, "process", new=True, active=True)


def _store_decision(
    session: Session,
    clock: Clock,
    decision: ValidatedDecision,
    actor: str,
    effective_from: datetime | None,
) -> Deployed:
    parsed = decision.parsed
    latest = session.scalars(
        select(DecisionVersion)
        .where(DecisionVersion.decision_id == parsed.decision_id)
        .order_by(DecisionVersion.version.desc())
        .limit(1)
    ).first()
    checksum = hashlib.sha256(decision.source.encode()).hexdigest()
    if latest is not None and latest.checksum == checksum:
        return Deployed(parsed.decision_id, latest.version, "decision", new=False)
    version = DecisionVersion(
        decision_id=parsed.decision_id,
        version=(latest.version + 1) if latest else 1,
        # S6: a change takes effect from its deploy, never earlier; the first version of a
        # table judges everything before it.
        effective_from=(effective_from or clock.now()) if latest else DECISIONS_BEGINNING,
        source_xml=decision.source,
        checksum=checksum,
        deployed_at=clock.now(),
        deployed_by=actor,
    )
    session.add(version)
    return Deployed(version.decision_id, version.version, "decision", new=True)
