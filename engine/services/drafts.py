"""The process owner's workspace: drafts of a process's next version, checked and deployed.

A draft is the bundle a process owner is working on (the process's BPMN, its forms and the
DMN tables in force), kept per process per owner until it is deployed. Opening a process
without a saved draft gives the active version's files. Checking a draft runs the deploy
validation (engine.services.deploy.checks) without storing anything, and says what would
change against the active version; deploying it goes through `deploy_contents`, so S1 and
every check are the deploy's own and a broken draft never reaches the active version.
Only a process owner on that day opens, saves, checks or deploys a draft (S1).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Invalid
from engine.model import DecisionVersion
from engine.model import Person
from engine.model import ProcessDraft
from engine.problems import Problem
from engine.services.deploy import deploy_contents
from engine.services.deploy.bundle import MAX_FILE_BYTES
from engine.services.deploy.bundle import read_contents
from engine.services.deploy.checks import ValidatedDecision
from engine.services.deploy.checks import validate_bundle
from engine.services.deploy.service import Deployed
from engine.services.deploy.summary import CategoryChanges
from engine.services.deploy.summary import Changes
from engine.services.deploy.summary import compare
from engine.services.deploy.summary import summarise
from engine.services.deploy.versions import VersionInfo
from engine.services.deploy.versions import active_version
from engine.services.deploy.versions import definition_of
from engine.services.deploy.versions import list_processes
from engine.services.deploy.versions import list_versions
from engine.services.deploy.versions import require_owner
from engine.services.deploy.versions import summary_of
from engine.services.runtime import Runtime

MAX_DRAFT_FILES = 40
NO_CHANGES = CategoryChanges((), (), ())


@dataclass(frozen=True)
class Draft:
    """The files of a draft by name; `saved_at` None: not saved (the active version's)."""

    process_id: str
    based_on_version: int
    files: dict[str, str]
    saved_at: datetime | None


@dataclass(frozen=True)
class DraftCheck:
    """The deploy validation's problems, and what would change (None if it does not parse)."""

    problems: tuple[Problem, ...]
    changes: Changes | None
    # The decision tables the deploy would store as a new version (S6: in force from the
    # deploy): a table new to the database is added, one whose text differs is changed.
    decisions: CategoryChanges = field(default=NO_CHANGES)


@dataclass(frozen=True)
class DraftDeployed:
    deployed: tuple[Deployed, ...]
    changes: Changes | None
    decisions: CategoryChanges = field(default=NO_CHANGES)


@dataclass(frozen=True)
class ProcessOverview:
    id: str
    name: str
    active_version: int
    suspended: bool
    versions: tuple[VersionInfo, ...]
    draft_saved_at: datetime | None


def overview(runtime: Runtime, clock: Clock, username: str) -> list[ProcessOverview]:
    """S1: every process with its versions (who, when, open cases) and the owner's drafts."""
    with runtime.database.sessions() as session:
        owner = require_owner(session, clock, username)
        names = {
            state.id: active_version(session, state.id).name for state in list_processes(runtime)
        }
        drafts = dict(
            session.execute(
                select(ProcessDraft.process_id, ProcessDraft.saved_at).where(
                    ProcessDraft.owner_id == owner.id
                )
            ).all()
        )
    return [
        ProcessOverview(
            id=state.id,
            name=names.get(state.id, ""),
            active_version=state.active_version,
            suspended=state.suspended,
            versions=tuple(list_versions(runtime, state.id)),
            draft_saved_at=drafts.get(state.id),
        )
        for state in list_processes(runtime)
    ]


def open_draft(runtime: Runtime, clock: Clock, process_id: str, username: str) -> Draft:
    """S1: the owner's saved draft of `process_id`, else the active version's files."""
    with runtime.database.sessions() as session:
        owner = require_owner(session, clock, username)
        saved = _saved(session, process_id, owner)
        if saved is not None:
            return Draft(
                process_id, saved.based_on_version, json.loads(saved.files_json), saved.saved_at
            )
        return _from_active(session, process_id)


def save_draft(
    runtime: Runtime, clock: Clock, process_id: str, username: str, files: dict[str, str]
) -> Draft:
    """S1: keep `files` as the owner's draft of `process_id` (checked by name and size)."""
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        owner = require_owner(session, clock, username)
        definition = definition_of(session, process_id)
        _check_files(process_id, files)
        saved = _saved(session, process_id, owner)
        if saved is None:
            saved = ProcessDraft(
                process_id=process_id,
                owner_id=owner.id,
                based_on_version=definition.active_version,
            )
            session.add(saved)
        saved.files_json = json.dumps(files, ensure_ascii=False, sort_keys=True)
        saved.saved_at = clock.now()
        uow.commit()
        return Draft(process_id, saved.based_on_version, dict(files), saved.saved_at)


def discard_draft(runtime: Runtime, clock: Clock, process_id: str, username: str) -> None:
    """S1: forget the owner's draft; opening the process again gives the active version."""
    with runtime.unit_of_work(clock) as uow:
        owner = require_owner(uow.session, clock, username)
        _delete(uow.session, process_id, owner)
        uow.commit()


def check_draft(runtime: Runtime, clock: Clock, process_id: str, username: str) -> DraftCheck:
    """S1: the deploy validation of the saved draft, and its changes against the active
    version; nothing is stored (the session is never committed)."""
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        owner = require_owner(session, clock, username)
        draft = _saved(session, process_id, owner)
        files = (
            json.loads(draft.files_json)
            if draft is not None
            else _from_active(session, process_id).files
        )
        bundle = read_contents({name: text.encode("utf-8") for name, text in files.items()})
        validated = validate_bundle(session, bundle, clock.now())
        changes = None
        for process in validated.processes:
            if process.parsed.process_id == process_id:
                changes = compare(
                    summary_of(active_version(session, process_id)),
                    summarise(process.outline, process.forms),
                )
        decisions = _decision_changes(session, validated.decisions)
        return DraftCheck(tuple(validated.problems), changes, decisions)


def deploy_draft(runtime: Runtime, clock: Clock, process_id: str, username: str) -> DraftDeployed:
    """S1: deploy the saved draft as one bundle (all or nothing, the deploy's own checks and
    audit); the draft is removed once its version is stored."""
    found = check_draft(runtime, clock, process_id, username)
    with runtime.database.sessions() as session:
        owner = require_owner(session, clock, username)
        draft = _saved(session, process_id, owner)
        if draft is None:
            raise Invalid(
                "Det finns inget sparat utkast att driftsätta; spara först. / "
                "There is no saved draft to deploy; save first."
            )
        files = json.loads(draft.files_json)
    deployed = deploy_contents(
        runtime, clock, {name: text.encode("utf-8") for name, text in files.items()}, username
    )
    with runtime.unit_of_work(clock) as uow:
        _delete(uow.session, process_id, owner)
        uow.commit()
    return DraftDeployed(tuple(deployed), found.changes, found.decisions)


def _decision_changes(session: Session, decisions: list[ValidatedDecision]) -> CategoryChanges:
    """The draft's tables against each table's newest stored version, by the checksum the
    deploy compares (engine.services.deploy.service._store_decision)."""
    newest = (
        select(DecisionVersion.decision_id, func.max(DecisionVersion.version).label("version"))
        .group_by(DecisionVersion.decision_id)
        .subquery()
    )
    stored = dict(
        session.execute(
            select(DecisionVersion.decision_id, DecisionVersion.checksum).join(
                newest,
                (DecisionVersion.decision_id == newest.c.decision_id)
                & (DecisionVersion.version == newest.c.version),
            )
        ).all()
    )
    added, changed = [], []
    for decision in decisions:
        decision_id = decision.parsed.decision_id
        checksum = hashlib.sha256(decision.source.encode()).hexdigest()
        if decision_id not in stored:
            added.append(decision_id)
        elif stored[decision_id] != checksum:
            changed.append(decision_id)
    return CategoryChanges(tuple(sorted(added)), (), tuple(sorted(changed)))


def _saved(session: Session, process_id: str, owner: Person) -> ProcessDraft | None:
    return session.scalars(
        select(ProcessDraft).where(
            ProcessDraft.process_id == process_id, ProcessDraft.owner_id == owner.id
        )
    ).first()


def _delete(session: Session, process_id: str, owner: Person) -> None:
    session.execute(
        delete(ProcessDraft).where(
            ProcessDraft.process_id == process_id, ProcessDraft.owner_id == owner.id
        )
    )


def _from_active(session: Session, process_id: str) -> Draft:
    """The active version's BPMN and forms, with every DMN table's newest version."""
    active = active_version(session, process_id)
    files = {f"{process_id}.bpmn": active.source_xml}
    for form_id, schema in json.loads(active.forms_json or "{}").items():
        files[f"{process_id}.{form_id}.json"] = json.dumps(schema, ensure_ascii=False, indent=2)
    newest = (
        select(DecisionVersion.decision_id, func.max(DecisionVersion.version).label("version"))
        .group_by(DecisionVersion.decision_id)
        .subquery()
    )
    tables = session.scalars(
        select(DecisionVersion).join(
            newest,
            (DecisionVersion.decision_id == newest.c.decision_id)
            & (DecisionVersion.version == newest.c.version),
        )
    )
    for table in tables:
        files[f"{table.decision_id}.dmn"] = table.source_xml
    return Draft(process_id, active.version, files, None)


def _check_files(process_id: str, files: dict[str, str]) -> None:
    """A draft holds this process's BPMN, its forms and DMN tables, within the deploy's
    size limit; anything else is refused with nothing saved."""
    if f"{process_id}.bpmn" not in files:
        raise Invalid(f"Utkastet saknar {process_id}.bpmn. / The draft has no {process_id}.bpmn.")
    if len(files) > MAX_DRAFT_FILES:
        raise Invalid(
            f"Ett utkast har högst {MAX_DRAFT_FILES} filer. / "
            f"A draft holds at most {MAX_DRAFT_FILES} files."
        )
    for name, text in files.items():
        allowed = (
            name == f"{process_id}.bpmn"
            or name.endswith(".dmn")
            or (name.startswith(f"{process_id}.") and name.endswith(".json"))
        )
        if not allowed or "/" in name or "\\" in name:
            raise Invalid(
                f"Filen '{name}' hör inte till utkastet av '{process_id}'. / "
                f"The file '{name}' does not belong in the draft of '{process_id}'."
            )
        if len(text.encode("utf-8")) > MAX_FILE_BYTES:
            raise Invalid(
                f"Filen '{name}' är för stor för att driftsättas. / "
                f"The file '{name}' is too large to deploy."
            )
