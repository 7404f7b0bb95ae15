"""`sithsflow process …`: list, deploy, versions, activate, suspend, resume, diff.

Every rule is the engine's (S1 in engine.services.deploy); these commands only translate
arguments and answers. A refused bundle's problems are printed by cli/main.py.
"""

from __future__ import annotations

from pathlib import Path

import click

from cli.invocation import Invocation
from cli.invocation import RecordId
from cli.invocation import pass_invocation
from engine.policy.timekeeping import parse_instant
from engine.policy.timekeeping import to_local
from engine.services.deploy import deploy_files
from engine.services.deploy import versions as process_versions


@click.group()
def process() -> None:
    """Deployed BPMN processes and DMN decisions."""


@process.command("list")
@pass_invocation
def process_list(inv: Invocation) -> None:
    """Every process with the version new cases get."""
    listed = [
        {"id": p.id, "version": p.active_version, "suspended": p.suspended}
        for p in process_versions.list_processes(inv.runtime)
    ]
    inv.emit(
        {"processes": listed},
        lambda: (
            "\n".join(
                f"{p['id']}  v{p['version']}{'  (pausad / suspended)' if p['suspended'] else ''}"
                for p in listed
            )
            or "(inga)"
        ),
    )


@process.command("deploy")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as", "actor", required=True, help="The process owner who deploys (S1).")
@click.option("--dry-run", is_flag=True, help="Check the bundle; store nothing.")
@click.option(
    "--effective-from",
    help="When a changed DMN table starts judging events (S6): an aware ISO-8601 time, "
    "not before the deploy. Default: the deploy's own instant.",
)
@pass_invocation
def process_deploy(
    inv: Invocation,
    files: tuple[Path, ...],
    actor: str,
    dry_run: bool,
    effective_from: str | None,
) -> None:
    """Validate and deploy a bundle (BPMN, DMN, forms, or a folder) as new versions."""
    deployed = deploy_files(
        inv.runtime,
        inv.clock,
        list(files),
        actor,
        dry_run=dry_run,
        effective_from=parse_instant(effective_from) if effective_from else None,
    )
    listed = [
        {"id": d.id, "version": d.version, "kind": d.kind, "new": d.new, "active": d.active}
        for d in deployed
    ]

    def text() -> str:
        lines = [
            f"{d['kind']} {d['id']} v{d['version']}"
            + ("" if d["new"] else " (oförändrad / unchanged)")
            + (" aktiv / active" if d["kind"] == "process" and d["active"] else "")
            for d in listed
        ]
        if dry_run:
            lines.append("Provkörning: inget sparades. / Dry run: nothing was stored.")
        return "\n".join(lines)

    inv.emit(
        {
            "processes": [d for d in listed if d["kind"] == "process"],
            "deployed": listed,
            "dry_run": dry_run,
        },
        text,
    )


@process.command("versions")
@click.argument("process_id", metavar="PROCESS")
@pass_invocation
def process_versions_command(inv: Invocation, process_id: str) -> None:
    """Every deployed version, which one is active, and its open cases."""
    found = process_versions.list_versions(inv.runtime, process_id)
    listed = [
        {
            "version": v.version,
            "deployed_at": to_local(v.deployed_at).isoformat(timespec="seconds"),
            "deployed_by": v.deployed_by,
            "active": v.active,
            "open_cases": v.open_cases,
        }
        for v in found
    ]
    inv.emit(
        {"process": process_id, "versions": listed},
        lambda: "\n".join(
            f"v{v['version']}  {v['deployed_at']}  {v['deployed_by']}  "
            f"{'AKTIV/ACTIVE' if v['active'] else '            '}  "
            f"öppna ärenden / open cases: {v['open_cases']}"
            for v in listed
        ),
    )


def _state_payload(state: process_versions.ProcessState) -> dict[str, object]:
    return {
        "process": {
            "id": state.id,
            "active_version": state.active_version,
            "suspended": state.suspended,
        }
    }


@process.command("activate")
@click.argument("process_id", metavar="PROCESS")
@click.argument("version", type=RecordId("version", "version"))
@click.option("--as", "actor", required=True, help="The process owner (S1).")
@pass_invocation
def process_activate(inv: Invocation, process_id: str, version: int, actor: str) -> None:
    """Make VERSION the one new cases get (activating an older one rolls back)."""
    state = process_versions.activate(inv.runtime, inv.clock, process_id, version, actor)
    inv.emit(
        _state_payload(state),
        lambda: f"{state.id}: version {state.active_version} är aktiv / is active.",
    )


@process.command("suspend")
@click.argument("process_id", metavar="PROCESS")
@click.option("--as", "actor", required=True, help="The process owner (S1).")
@pass_invocation
def process_suspend(inv: Invocation, process_id: str, actor: str) -> None:
    """No new cases until resumed; open cases go on."""
    state = process_versions.set_suspended(
        inv.runtime, inv.clock, process_id, actor, suspended=True
    )
    inv.emit(_state_payload(state), lambda: f"{state.id}: pausad / suspended.")


@process.command("resume")
@click.argument("process_id", metavar="PROCESS")
@click.option("--as", "actor", required=True, help="The process owner (S1).")
@pass_invocation
def process_resume(inv: Invocation, process_id: str, actor: str) -> None:
    """New cases may start again."""
    state = process_versions.set_suspended(
        inv.runtime, inv.clock, process_id, actor, suspended=False
    )
    inv.emit(_state_payload(state), lambda: f"{state.id}: återupptagen / resumed.")


@process.command("diff")
@click.argument("process_id", metavar="PROCESS")
@click.argument("from_version", metavar="A", type=RecordId("version", "version"))
@click.argument("to_version", metavar="B", type=RecordId("version", "version"))
@pass_invocation
def process_diff(inv: Invocation, process_id: str, from_version: int, to_version: int) -> None:
    """Tasks, forms, timers and rules that differ from version A to version B."""
    found = process_versions.diff(inv.runtime, process_id, from_version, to_version)
    inv.emit(
        {
            "diff": {
                "process": found.process,
                "from": found.from_version,
                "to": found.to_version,
                **found.changes.to_dict(),
            }
        },
        lambda: f"{process_id} v{from_version} -> v{to_version}\n{found.changes.describe()}",
    )
