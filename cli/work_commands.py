"""`case start|show|list|cancel` and `task list|complete|claim|unclaim`: working the cases."""

from __future__ import annotations

import json
from typing import Any

import click

from cli.invocation import Invocation
from cli.invocation import RecordId
from cli.invocation import pass_invocation
from engine.errors import Invalid
from engine.inputs import parse_json_object
from engine.services import cases as case_service
from engine.services import queries
from engine.services.cancel import cancel_case
from engine.services.paging import DEFAULT_PAGE_SIZE
from engine.services.queries import DEFAULT_CASE_PAGE_SIZE
from engine.services.read_scope import Reader

# `case show|list` and `card show` are the operator's (CONTRACT.md): unscoped unless `--as`.
READ_AS_HELP = "Read as this user, inside their read rights (S2)."


def reader_of(inv: Invocation, username: str | None) -> Reader | None:
    """`--as USER` as an S2 reader at the command's clock; None reads as the operator."""
    return Reader(username, inv.clock.now()) if username else None


def _fields(pairs: tuple[str, ...], data: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if data:
        fields.update(parse_json_object(data, "--data", "--data"))
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise Invalid(f"--set '{pair}' ska ha formen fält=värde. / --set must be field=value.")
        fields[key.strip()] = value
    return fields


@click.group()
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
    # A warning (a live LoA2 card) goes beside the case, never instead of it.
    inv.emit(
        {"case": summary.summary_json(), "warnings": summary.warnings_json()},
        lambda: "\n".join(
            [
                f"Ärende {summary.id} ({summary.process} v{summary.version}) är {summary.state}.",
                *(f"Varning: {w.message}" for w in summary.warnings),
            ]
        ),
    )


@case.command("show")
@click.argument("case_id", type=RecordId("ärende", "case"))
@click.option("--as", "username", help=READ_AS_HELP)
@pass_invocation
def case_show(inv: Invocation, case_id: int, username: str | None) -> None:
    shown = queries.show_case(inv.runtime, case_id, reader=reader_of(inv, username))
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
        *(_history_line(h) for h in shown["history"]),
    ]
    return "\n".join(lines)


def _history_line(entry: dict[str, Any]) -> str:
    """One audit event; a completed step also names the fields entered in it (R6: each
    administrator's own ID document)."""
    line = f"  {entry['at']}  {entry['actor']}  {entry['action']}  {entry['rule'] or ''} {entry['message']}"
    if entry.get("fields"):
        entered = ", ".join(f"{key}={value}" for key, value in entry["fields"].items())
        line = f"{line.rstrip()}  fält: {entered}"
    return line


@case.command("list")
@click.option("--state")
@click.option("--limit", type=int, default=DEFAULT_CASE_PAGE_SIZE, show_default=True)
@click.option("--cursor", help="The next_cursor of the page before.")
@click.option("--as", "username", help=READ_AS_HELP)
@pass_invocation
def case_list(
    inv: Invocation, state: str | None, limit: int, cursor: str | None, username: str | None
) -> None:
    """One page of cases by id; `next_cursor` continues the list."""
    page = queries.list_cases(
        inv.runtime, state, limit=limit, cursor=cursor, reader=reader_of(inv, username)
    )
    listed = [case.as_json() for case in page.items]
    inv.emit(
        {"cases": listed, "next_cursor": page.next_cursor},
        lambda: _with_next(
            [f"{c['id']}  {c['process']}  {c['state']}  {c['holder']}" for c in listed],
            "(inga ärenden)",
            page.next_cursor,
        ),
    )


@case.command("cancel")
@click.argument("case_id", type=RecordId("ärende", "case"))
@click.option("--as", "username", required=True)
@click.option("--reason", required=True, help="Why the case is cancelled (kept in the audit).")
@pass_invocation
def case_cancel(inv: Invocation, case_id: int, username: str, reason: str) -> None:
    """Cancel an open case (S4); issued cards stay as they are (revoke them apart, R19)."""
    summary = cancel_case(inv.runtime, inv.clock, case_id, username, reason)
    inv.emit(
        {"case": summary.__dict__},
        lambda: f"Ärende {summary.id} är {summary.state}.",
    )


def _with_next(lines: list[str], empty: str, next_cursor: str | None) -> str:
    if next_cursor:
        lines.append(f"Fler finns: --cursor {next_cursor}")
    return "\n".join(lines) or empty


@click.group()
def task() -> None:
    """User tasks."""


@task.command("list")
@click.option("--as", "username", required=True)
@click.option("--limit", type=int, default=DEFAULT_PAGE_SIZE, show_default=True)
@click.option("--cursor", help="The next_cursor of the page before.")
@pass_invocation
def task_list(inv: Invocation, username: str, limit: int, cursor: str | None) -> None:
    """One page of the tasks USER may work now, oldest first."""
    page = queries.tasks_for(inv.runtime, inv.clock, username, limit=limit, cursor=cursor)
    listed = [task.as_json() for task in page.items]
    inv.emit(
        {"tasks": listed, "next_cursor": page.next_cursor},
        lambda: _with_next(
            [
                f"{t['id']}  ärende {t['case']}  {t['name']}  {t['process']}  frist {t['due_at'] or '-'}"
                for t in listed
            ],
            "(inga uppgifter)",
            page.next_cursor,
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
