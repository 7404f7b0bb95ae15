"""`sithsflow [--db URL] [--now ISO-8601] [--json] COMMAND ...` as CONTRACT.md specifies.

Exit status 0 done, 2 refused (a rule, a right, bad input: nothing changed, the reason on
stderr and in the JSON `error` object), 1 an internal fault.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import ArgumentError

from cli.report_command import report
from cli.token_command import token
from engine.clock import Clock
from engine.clock import FixedClock
from engine.clock import SystemClock
from engine.errors import DomainError
from engine.errors import Invalid
from engine.policy.timekeeping import parse_instant
from engine.schema import upgrade_schema
from engine.services import cases as case_service
from engine.services import queries
from engine.services.demo import load_demo
from engine.services.deploy import deploy_bundled
from engine.services.deploy import deploy_files
from engine.services.runtime import Runtime
from engine.services.runtime import bootstrap
from engine.services.timers import fire_due_timers
from engine.settings import Settings

EXIT_REFUSED = 2
EXIT_FAULT = 1


@dataclass
class Invocation:
    """What the global options decided, built lazily so `--help` needs no database."""

    database_url: str
    now: str | None
    as_json: bool
    _runtime: Runtime | None = None

    @property
    def clock(self) -> Clock:
        if self.now is None:
            return SystemClock()
        return FixedClock(parse_instant(self.now))

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            try:
                self._runtime = bootstrap(self.database_url)
            except ArgumentError as error:
                raise Invalid(
                    f"Ogiltig databas-URL '{self.database_url}': {error}. / "
                    f"Invalid database URL '{self.database_url}'."
                ) from error
            upgrade_schema(self._runtime.database)
        return self._runtime

    def emit(self, payload: dict[str, Any], text: Callable[[], str]) -> None:
        if self.as_json:
            click.echo(json.dumps(payload, ensure_ascii=False, default=str))
        else:
            click.echo(text())


pass_invocation = click.make_pass_decorator(Invocation)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "database_url", envvar="SITHSFLOW_DB", help="SQLAlchemy URL.")
@click.option("--now", envvar="SITHSFLOW_NOW", help="The clock, an aware ISO-8601 time.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, now: str | None, as_json: bool) -> None:
    """sithsflow: SITHS reserve-card issuance as BPMN processes."""
    settings = Settings.from_env()
    if now is not None:
        # Refuse a malformed clock (exit 2) even for commands that never read it.
        parse_instant(now)
    ctx.obj = Invocation(database_url or settings.database_url, now, as_json)


# --- db, demo, processes --------------------------------------------------------------


@cli.group()
def db() -> None:
    """The database schema."""


@db.command("init")
@pass_invocation
def db_init(inv: Invocation) -> None:
    """Create or upgrade the schema and deploy the bundled processes (idempotent)."""
    deployed = deploy_bundled(inv.runtime, inv.clock)
    inv.emit(
        {"ok": True, "processes": [d.__dict__ for d in deployed]}, lambda: "Databasen är klar."
    )


@cli.group()
def demo() -> None:
    """The demo region."""


@demo.command("load")
@pass_invocation
def demo_load(inv: Invocation) -> None:
    """Load Region Demo with its stations, users, card users and stock (idempotent)."""
    created = load_demo(inv.runtime, inv.clock)
    inv.emit(
        {"ok": True, "created": created},
        lambda: "Demoregionen är laddad." if created else "Demoregionen fanns redan.",
    )


@cli.group()
def process() -> None:
    """Deployed BPMN processes and DMN decisions."""


@process.command("list")
@pass_invocation
def process_list(inv: Invocation) -> None:
    processes = queries.list_processes(inv.runtime)
    inv.emit(
        {"processes": processes},
        lambda: "\n".join(f"{p['id']}  v{p['version']}" for p in processes) or "(inga)",
    )


@process.command("deploy")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as", "actor", default="operator", help="Who deploys (for the audit trail).")
@pass_invocation
def process_deploy(inv: Invocation, files: tuple[Path, ...], actor: str) -> None:
    """Validate and deploy BPMN/DMN files as new versions."""
    deployed = deploy_files(inv.runtime, inv.clock, list(files), actor=actor)
    listed = [{"id": d.id, "version": d.version, "kind": d.kind, "new": d.new} for d in deployed]
    inv.emit(
        {"processes": [d for d in listed if d["kind"] == "process"], "deployed": listed},
        lambda: "\n".join(
            f"{d['kind']} {d['id']} v{d['version']}{'' if d['new'] else ' (oförändrad)'}"
            for d in listed
        ),
    )


# --- cases and tasks ------------------------------------------------------------------


def _fields(pairs: tuple[str, ...], data: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if data:
        try:
            loaded = json.loads(data)
        except json.JSONDecodeError as error:
            raise Invalid(
                f"--data är inte giltig JSON: {error}. / --data is not valid JSON."
            ) from error
        if not isinstance(loaded, dict):
            raise Invalid("--data måste vara ett JSON-objekt. / --data must be a JSON object.")
        fields.update(loaded)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise Invalid(f"--set '{pair}' ska ha formen fält=värde. / --set must be field=value.")
        fields[key.strip()] = value
    return fields


@cli.group()
def case() -> None:
    """Cases (process instances)."""


@case.command("start")
@click.argument("process_id")
@click.option("--as", "username", required=True)
@click.option("--set", "pairs", multiple=True, help="A start-form field, k=v.")
@click.option("--data", help="Start-form fields as a JSON object.")
@pass_invocation
def case_start(
    inv: Invocation, process_id: str, username: str, pairs: tuple[str, ...], data: str | None
) -> None:
    summary = case_service.start_case(
        inv.runtime, inv.clock, process_id, username, _fields(pairs, data)
    )
    inv.emit(
        {"case": summary.__dict__},
        lambda: f"Ärende {summary.id} ({summary.process} v{summary.version}) är {summary.state}.",
    )


@case.command("show")
@click.argument("case_id", type=int)
@pass_invocation
def case_show(inv: Invocation, case_id: int) -> None:
    shown = queries.show_case(inv.runtime, case_id)
    inv.emit({"case": shown}, lambda: _case_text(shown))


def _case_text(shown: dict[str, Any]) -> str:
    lines = [
        f"Ärende {shown['id']}  {shown['process']} v{shown['version']}  {shown['state']}",
        f"Innehavare: {shown['holder']}  Startat: {shown['started_at']} av {shown['started_by']}",
        "Data: " + json.dumps(shown["data"], ensure_ascii=False),
        "Uppgifter:",
        *(
            f"  {t['id']}  {t['name']}  {t['state']}  frist {t['due_at'] or '-'}"
            for t in shown["tasks"]
        ),
        "Timers:",
        *(f"  {t['name']}  {t['due_at']}  {t['status']}" for t in shown["timers"]),
        "Historik:",
        *(
            f"  {h['at']}  {h['actor']}  {h['action']}  {h['rule'] or ''} {h['message']}"
            for h in shown["history"]
        ),
    ]
    return "\n".join(lines)


@case.command("list")
@click.option("--state")
@pass_invocation
def case_list(inv: Invocation, state: str | None) -> None:
    listed = queries.list_cases(inv.runtime, state)
    inv.emit(
        {"cases": listed},
        lambda: (
            "\n".join(f"{c['id']}  {c['process']}  {c['state']}  {c['holder']}" for c in listed)
            or "(inga ärenden)"
        ),
    )


@cli.group()
def task() -> None:
    """User tasks."""


@task.command("list")
@click.option("--as", "username", required=True)
@pass_invocation
def task_list(inv: Invocation, username: str) -> None:
    listed = queries.tasks_for(inv.runtime, inv.clock, username)
    inv.emit(
        {"tasks": listed},
        lambda: (
            "\n".join(
                f"{t['id']}  ärende {t['case']}  {t['name']}  {t['process']}  frist {t['due_at'] or '-'}"
                for t in listed
            )
            or "(inga uppgifter)"
        ),
    )


@task.command("complete")
@click.argument("task_id")
@click.option("--as", "username", required=True)
@click.option("--set", "pairs", multiple=True, help="A form field, k=v.")
@click.option("--data", help="Form fields as a JSON object.")
@pass_invocation
def task_complete(
    inv: Invocation, task_id: str, username: str, pairs: tuple[str, ...], data: str | None
) -> None:
    summary = case_service.complete_task(
        inv.runtime, inv.clock, task_id, username, _fields(pairs, data)
    )
    inv.emit(
        {"case": {"id": summary.id, "state": summary.state, "process": summary.process}},
        lambda: f"Klart. Ärende {summary.id} är {summary.state}.",
    )


@task.command("claim")
@click.argument("task_id")
@click.option("--as", "username", required=True)
@pass_invocation
def task_claim(inv: Invocation, task_id: str, username: str) -> None:
    case_service.claim_task(inv.runtime, inv.clock, task_id, username)
    inv.emit({"ok": True}, lambda: f"{username} har tagit uppgiften.")


@task.command("unclaim")
@click.argument("task_id")
@click.option("--as", "username", required=True)
@pass_invocation
def task_unclaim(inv: Invocation, task_id: str, username: str) -> None:
    case_service.unclaim_task(inv.runtime, inv.clock, task_id, username)
    inv.emit({"ok": True}, lambda: "Uppgiften är tillbaka i kön.")


# --- timers, cards, outbox --------------------------------------------------------------


@cli.group()
def timers() -> None:
    """Timer events (deadlines, reminders, expiry)."""


@timers.command("run")
@pass_invocation
def timers_run(inv: Invocation) -> None:
    """Fire every timer due at --now, once."""
    fired = fire_due_timers(inv.runtime, inv.clock, worker="cli")
    inv.emit(
        {"fired": [f.__dict__ for f in fired]},
        lambda: (
            "\n".join(f"ärende {f.case}: {f.timer} ({f.rule or '-'})" for f in fired)
            or "Inga timers förfallna."
        ),
    )


@cli.group()
def card() -> None:
    """Reserve cards."""


@card.command("show")
@click.argument("number")
@pass_invocation
def card_show(inv: Invocation, number: str) -> None:
    shown = queries.show_card(inv.runtime, number)
    inv.emit(
        {"card": shown},
        lambda: (
            f"{shown['number']}  {shown['state']}  LoA{shown['loa'] or '-'}  "
            f"innehavare {shown['holder'] or '-'}  giltig till {shown['valid_until'] or '-'}"
        ),
    )


@cli.group()
def outbox() -> None:
    """E-mails queued or sent."""


@outbox.command("list")
@pass_invocation
def outbox_list(inv: Invocation) -> None:
    messages = queries.list_outbox(inv.runtime)
    inv.emit(
        {"messages": messages},
        lambda: (
            "\n".join(f"{m['created_at']}  {m['to']}  {m['subject']}" for m in messages) or "(tom)"
        ),
    )


cli.add_command(token)


cli.add_command(report)


# --- entry point ------------------------------------------------------------------------


def _fail(as_json: bool, rule: str | None, message: str, code: int) -> int:
    if as_json:
        click.echo(json.dumps({"error": {"rule": rule, "message": message}}, ensure_ascii=False))
    if code == EXIT_REFUSED:
        prefix = f"Nekat ({rule}): " if rule else "Nekat: "
    else:
        prefix = "Fel: "
    click.echo(prefix + message, err=True)
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and map refusals to exit 2 and faults to exit 1."""
    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    try:
        cli.main(args=args, prog_name="sithsflow", standalone_mode=False)
    except DomainError as error:
        return _fail(as_json, error.rule, error.message, EXIT_REFUSED)
    except click.exceptions.Abort:
        return _fail(as_json, None, "Avbrutet. / Aborted.", EXIT_FAULT)
    except click.ClickException as error:
        return _fail(as_json, None, error.format_message(), EXIT_REFUSED)
    except Exception as error:  # noqa: BLE001 - the last line of defence prints and exits 1
        traceback.print_exc(file=sys.stderr)
        return _fail(as_json, None, f"Internt fel: {error} / Internal fault.", EXIT_FAULT)
    return 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
