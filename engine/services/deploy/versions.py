"""Which version new cases get, and the process owner's levers: activate (roll back),
suspend, resume, list versions and diff two of them.

S1: activating, suspending and resuming are for a process owner on that day, checked here
in the engine; every change is audited. A deploy never moves a running case (S5): cases
keep the version they started on, whatever becomes active.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import DomainError
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.forms import FormRegistry
from engine.identifiers import normal_username
from engine.model import Case
from engine.model import Person
from engine.model import ProcessDefinition
from engine.model import ProcessVersion
from engine.model.cases import CASE_OPEN
from engine.policy.timekeeping import to_local
from engine.rights import PROCESS_OWNER
from engine.rights import require_process_owner
from engine.runner.outline import outline_of
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.audit import record_refusal
from engine.services.deploy.summary import Changes
from engine.services.deploy.summary import VersionSummary
from engine.services.deploy.summary import compare
from engine.services.deploy.summary import summarise
from engine.services.runtime import Runtime


@dataclass(frozen=True)
class VersionInfo:
    version: int
    deployed_at: datetime
    deployed_by: str
    active: bool
    open_cases: int


@dataclass(frozen=True)
class ProcessState:
    id: str
    active_version: int
    suspended: bool


@dataclass(frozen=True)
class VersionDiff:
    process: str
    from_version: int
    to_version: int
    changes: Changes


def require_owner(session: Session, clock: Clock, username: str) -> Person:
    """S1: the actor exists and holds the process-owner role on the clock's local day."""
    username = normal_username(username)
    person = session.scalars(select(Person).where(Person.username == username)).first()
    if person is None:
        raise NotPermitted(
            f"Okänd användare '{username}' får inte ändra processer (S1). / "
            f"Unknown user '{username}' may not change processes (S1).",
            rule="S1",
        )
    require_process_owner(person, to_local(clock.now()).date())
    return person


def definition_of(session: Session, process_id: str) -> ProcessDefinition:
    definition = session.get(ProcessDefinition, process_id)
    if definition is None:
        raise NotFound(f"Okänd process '{process_id}'. / Unknown process '{process_id}'.")
    return definition


def version_of(
    session: Session, process_id: str, version: int, rule: str | None = None
) -> ProcessVersion:
    """One deployed version; NotFound (citing `rule`, if given) when there is none."""
    found = session.scalars(
        select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.version == version
        )
    ).first()
    if found is None:
        raise NotFound(
            f"Processen '{process_id}' har ingen version {version}. / "
            f"Process '{process_id}' has no version {version}.",
            rule=rule,
        )
    return found


def active_version(session: Session, process_id: str) -> ProcessVersion:
    """The version new cases get (not the newest: a rollback activates an older one)."""
    definition = definition_of(session, process_id)
    return version_of(session, process_id, definition.active_version)


def startable_version(session: Session, process_id: str) -> ProcessVersion:
    """The active version, refused while the process owner has suspended the process."""
    definition = definition_of(session, process_id)
    if definition.suspended:
        raise Conflict(
            f"Processen '{process_id}' är pausad av processägaren; nya ärenden kan inte startas "
            f"förrän den återupptas. Pågående ärenden fortsätter. / The process '{process_id}' is "
            f"suspended by its process owner; no new cases can start until it is resumed. Open "
            f"cases go on.",
            rule="S1",
        )
    return version_of(session, process_id, definition.active_version)


def summary_of(version: ProcessVersion) -> VersionSummary:
    return summarise(outline_of(version.spec_json), json.loads(version.forms_json or "{}"))


def list_versions(runtime: Runtime, process_id: str) -> list[VersionInfo]:
    """Every deployed version with its open cases, oldest first."""
    with runtime.database.sessions() as session:
        definition = definition_of(session, process_id)
        open_cases = dict(
            session.execute(
                select(ProcessVersion.version, func.count(Case.id))
                .join(Case, Case.process_version_id == ProcessVersion.id)
                .where(ProcessVersion.process_id == process_id, Case.state == CASE_OPEN)
                .group_by(ProcessVersion.version)
            ).all()
        )
        versions = session.scalars(
            select(ProcessVersion)
            .where(ProcessVersion.process_id == process_id)
            .order_by(ProcessVersion.version)
        )
        return [
            VersionInfo(
                v.version,
                v.deployed_at,
                v.deployed_by,
                v.version == definition.active_version,
                int(open_cases.get(v.version, 0)),
            )
            for v in versions
        ]


def list_processes(runtime: Runtime) -> list[ProcessState]:
    with runtime.database.sessions() as session:
        return [
            ProcessState(d.process_id, d.active_version, d.suspended)
            for d in session.scalars(
                select(ProcessDefinition).order_by(ProcessDefinition.process_id)
            )
        ]


def activate(
    runtime: Runtime, clock: Clock, process_id: str, version: int, username: str
) -> ProcessState:
    """S1: make `version` the one new cases get; activating an older one is a rollback."""
    audit = AuditContext(actor=username)
    try:
        with runtime.unit_of_work(clock) as uow:
            session = uow.session
            require_owner(session, clock, username)
            audit.role = PROCESS_OWNER  # S1: only once the role is checked
            definition = definition_of(session, process_id)
            target = version_of(session, process_id, version)
            previous = version_of(session, process_id, definition.active_version)
            changes = compare(summary_of(previous), summary_of(target))
            definition.active_version = version
            definition.changed_at = clock.now()
            definition.changed_by = username
            audit.process_version = target.label
            record(
                session,
                clock,
                audit,
                "activate",
                message=f"{process_id}: v{previous.version} -> v{version}",
                details={"from": previous.version, "to": version, "changes": changes.to_dict()},
            )
            uow.commit()
            return ProcessState(process_id, version, definition.suspended)
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, "activate", error)
        raise


def set_suspended(
    runtime: Runtime, clock: Clock, process_id: str, username: str, *, suspended: bool
) -> ProcessState:
    """S1: suspend (no new cases; open cases go on) or resume a process."""
    action = "suspend" if suspended else "resume"
    audit = AuditContext(actor=username)
    try:
        with runtime.unit_of_work(clock) as uow:
            session = uow.session
            require_owner(session, clock, username)
            audit.role = PROCESS_OWNER  # S1: only once the role is checked
            definition = definition_of(session, process_id)
            definition.suspended = suspended
            definition.changed_at = clock.now()
            definition.changed_by = username
            audit.process_version = f"{process_id}@{definition.active_version}"
            record(session, clock, audit, action, message=process_id)
            uow.commit()
            return ProcessState(process_id, definition.active_version, suspended)
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, action, error)
        raise


def diff(runtime: Runtime, process_id: str, from_version: int, to_version: int) -> VersionDiff:
    """Tasks, forms, timers and rules that differ from one version to another."""
    with runtime.database.sessions() as session:
        old = version_of(session, process_id, from_version)
        new = version_of(session, process_id, to_version)
        return VersionDiff(
            process_id, from_version, to_version, compare(summary_of(old), summary_of(new))
        )


def version_forms(runtime: Runtime, process_id: str, version: int | None = None) -> FormRegistry:
    """The forms of one version of a process (the active one when `version` is None)."""
    with runtime.database.sessions() as session:
        found = (
            active_version(session, process_id)
            if version is None
            else version_of(session, process_id, version)
        )
        return runtime.forms.of_version(found)


def active_forms(runtime: Runtime) -> FormRegistry:
    """The forms of every process's active version, together (for the API's description)."""
    with runtime.database.sessions() as session:
        forms = {}
        for definition in session.scalars(select(ProcessDefinition)):
            version = version_of(session, definition.process_id, definition.active_version)
            registry = runtime.forms.of_version(version)
            forms.update({(form.process_id, form.form_id): form for form in registry})
        return FormRegistry(forms)
