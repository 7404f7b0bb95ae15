"""Deploy BPMN and DMN files as new versions; running cases keep the version they started on.

A deploy is validated whole before anything is stored: every file parses, timers are
supported, lanes name known roles, actions and service calls exist. Deploying files
identical to the newest version changes nothing (idempotent, as `db init` relies on).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import DomainError
from engine.errors import Invalid
from engine.errors import NotFound
from engine.model import DecisionVersion
from engine.model import ProcessVersion
from engine.rights import ROLE_GRANTED_BY
from engine.runner import ParsedProcess
from engine.runner import parse_decision
from engine.runner import parse_processes
from engine.services.actions import ACTIONS
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.audit import record_refusal
from engine.services.mail import SERVICE_OPERATIONS
from engine.services.mail import check_email_params
from engine.services.progress import latest_version
from engine.services.runtime import Runtime

PROCESSES_DIR = Path(__file__).resolve().parents[2] / "processes"
SYSTEM_LANE = "system"
DECISIONS_BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Deployed:
    id: str
    version: int
    kind: str  # "process" or "decision"
    new: bool


def deploy_files(
    runtime: Runtime,
    clock: Clock,
    paths: list[Path],
    actor: str = "operator",
    *,
    effective_from: datetime | None = None,
) -> list[Deployed]:
    """Validate then deploy every BPMN and DMN file in `paths` in one transaction.

    `effective_from`: when a changed DMN table starts judging events (S6); default the
    deploy's own instant, never earlier.
    """
    audit = AuditContext(actor=actor, role="process_owner")
    try:
        if effective_from is not None and effective_from < clock.now():
            raise Invalid(
                "En ändrad beslutstabell kan inte gälla före driftsättningen (S6). / "
                "A changed decision table cannot take effect before its deploy (S6).",
                rule="S6",
            )
        sources = _read(paths)
        bpmn = {name: text for name, text in sources.items() if name.endswith(".bpmn")}
        dmn = {name: text for name, text in sources.items() if name.endswith(".dmn")}
        processes = parse_processes(bpmn, dmn) if bpmn else []
        for process in processes:
            _check_known_parts(process)
        with runtime.unit_of_work(clock) as uow:
            deployed = [
                _store_decision(uow.session, clock, text, name, actor, effective_from)
                for name, text in dmn.items()
            ]
            deployed += [
                _store_process(uow.session, clock, process, bpmn[process.filename], actor)
                for process in processes
            ]
            for item in deployed:
                if item.new:
                    record(
                        uow.session,
                        clock,
                        audit,
                        "deploy",
                        message=f"{item.kind} {item.id}@{item.version}",
                    )
            uow.commit()
            return deployed
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, "deploy", error)
        raise


def deploy_bundled(runtime: Runtime, clock: Clock) -> list[Deployed]:
    """Deploy the processes/ folder shipped with sithsflow (idempotent)."""
    paths = sorted(PROCESSES_DIR.glob("*.bpmn")) + sorted(PROCESSES_DIR.glob("*.dmn"))
    return deploy_files(runtime, clock, paths, actor="system")


def _read(paths: list[Path]) -> dict[str, str]:
    if not paths:
        raise Invalid("Ange minst en BPMN- eller DMN-fil. / Give at least one BPMN or DMN file.")
    sources: dict[str, str] = {}
    for path in paths:
        if path.suffix not in (".bpmn", ".dmn"):
            raise Invalid(
                f"{path.name}: bara .bpmn och .dmn kan driftsättas. / "
                f"{path.name}: only .bpmn and .dmn files can be deployed."
            )
        try:
            sources[path.name] = path.read_text(encoding="utf-8")
        except OSError as error:
            raise NotFound(
                f"Filen {path} kan inte läsas: {error.strerror}. / Cannot read {path}."
            ) from error
    return sources


def _check_known_parts(process: ParsedProcess) -> None:
    unknown_lanes = process.lanes - set(ROLE_GRANTED_BY) - {SYSTEM_LANE}
    if unknown_lanes:
        raise Invalid(
            f"{process.process_id}: okända roller (lanes) {sorted(unknown_lanes)}; kända är "
            f"{sorted(ROLE_GRANTED_BY)}. / unknown roles (lanes) {sorted(unknown_lanes)}."
        )
    unknown_actions = process.actions - set(ACTIONS)
    if unknown_actions:
        raise Invalid(
            f"{process.process_id}: okända åtgärder {sorted(unknown_actions)}. / "
            f"unknown actions {sorted(unknown_actions)}."
        )
    for operation, params in process.service_calls:
        if operation not in SERVICE_OPERATIONS:
            raise Invalid(
                f"{process.process_id}: okänd tjänst '{operation}'. / unknown service '{operation}'."
            )
        check_email_params(params)


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _store_process(
    session: Session, clock: Clock, process: ParsedProcess, source: str, actor: str
) -> Deployed:
    latest = latest_version(session, process.process_id)
    checksum = _checksum(process.spec_json)
    if latest is not None and latest.checksum == checksum:
        return Deployed(process.process_id, latest.version, "process", new=False)
    version = ProcessVersion(
        process_id=process.process_id,
        version=(latest.version + 1) if latest else 1,
        name=process.name,
        source_xml=source,
        spec_json=process.spec_json,
        checksum=checksum,
        deployed_at=clock.now(),
        deployed_by=actor,
    )
    session.add(version)
    return Deployed(version.process_id, version.version, "process", new=True)


def _store_decision(
    session: Session,
    clock: Clock,
    text: str,
    filename: str,
    actor: str,
    effective_from: datetime | None,
) -> Deployed:
    parsed = parse_decision(text, filename)
    latest = session.scalars(
        select(DecisionVersion)
        .where(DecisionVersion.decision_id == parsed.decision_id)
        .order_by(DecisionVersion.version.desc())
        .limit(1)
    ).first()
    checksum = _checksum(text)
    if latest is not None and latest.checksum == checksum:
        return Deployed(parsed.decision_id, latest.version, "decision", new=False)
    version = DecisionVersion(
        decision_id=parsed.decision_id,
        version=(latest.version + 1) if latest else 1,
        # S6: a change takes effect from its deploy, never earlier; the first version of a
        # table judges everything before it.
        effective_from=(effective_from or clock.now()) if latest else DECISIONS_BEGINNING,
        source_xml=text,
        checksum=checksum,
        deployed_at=clock.now(),
        deployed_by=actor,
    )
    session.add(version)
    return Deployed(version.decision_id, version.version, "decision", new=True)
