"""`sithsflow [--db URL] [--now ISO-8601] [--json] COMMAND ...` as CONTRACT.md specifies.

Exit status 0 done, 2 refused (a rule, a right, bad input: nothing changed, the reason on
stderr and in the JSON `error` object), 1 an internal fault.
"""

from __future__ import annotations

import json
import sys
import traceback

import click

from cli.account_command import account
from cli.audit_command import audit
from cli.employment_commands import employment
from cli.invocation import Invocation
from cli.invocation import pass_invocation
from cli.invocation import refuse_undecodable
from cli.mail_commands import incident
from cli.mail_commands import outbox
from cli.migrate_command import process_migrate
from cli.process_commands import process
from cli.register_commands import closing_day
from cli.register_commands import organisation
from cli.register_commands import roster
from cli.report_command import report
from cli.revoke_command import card_revoke
from cli.serve_commands import run_both
from cli.serve_commands import serve
from cli.serve_commands import worker
from cli.station_commands import stations
from cli.stock_commands import stock
from cli.timer_command import timers
from cli.token_command import token
from cli.work_commands import READ_AS_HELP
from cli.work_commands import case
from cli.work_commands import reader_of
from cli.work_commands import task
from engine.errors import DomainError
from engine.errors import Invalid
from engine.policy.timekeeping import parse_instant
from engine.problems import ModelRejected
from engine.problems import Problem
from engine.services import queries
from engine.services.demo import load_demo
from engine.services.deploy import deploy_bundled
from engine.settings import Settings

EXIT_REFUSED = 2
EXIT_FAULT = 1


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "database_url", envvar="SITHSFLOW_DB", help="SQLAlchemy URL.")
@click.option("--now", envvar="SITHSFLOW_NOW", help="The clock, an aware ISO-8601 time.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, now: str | None, as_json: bool) -> None:
    """sithsflow: SITHS reserve-card issuance as BPMN processes."""
    try:
        settings = Settings.from_env()
    except ValueError as error:
        # e.g. SITHSFLOW_PORT=abc: every command read it and failed with exit 1.
        raise Invalid(
            f"Ogiltig inställning i miljön (SITHSFLOW_…): {error}. / "
            f"Invalid setting in the environment (SITHSFLOW_…): {error}."
        ) from error
    if now is not None:
        # Refuse a malformed clock (exit 2) even for commands that never read it.
        parse_instant(now)
    ctx.obj = Invocation(
        database_url or settings.database_url, now, as_json, clock_offset=settings.clock_offset
    )


# --- db, demo, processes --------------------------------------------------------------


@cli.group()
def db() -> None:
    """The database schema."""


@db.command("init")
@pass_invocation
def db_init(inv: Invocation) -> None:
    """Create or upgrade the schema; deploy the bundled processes not deployed yet."""
    deployed = deploy_bundled(inv.open_runtime(may_create=True), inv.clock)
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


# --- cards ---------------------------------------------------------------------------


@cli.group()
def card() -> None:
    """Reserve cards."""


@card.command("show")
@click.argument("number")
@click.option("--as", "username", help=READ_AS_HELP)
@pass_invocation
def card_show(inv: Invocation, number: str, username: str | None) -> None:
    shown = queries.show_card(inv.runtime, number, reader=reader_of(inv, username))
    inv.emit(
        {"card": shown},
        lambda: (
            f"{shown['number']}  {shown['state']}  LoA{shown['loa'] or '-'}  "
            f"innehavare {shown['holder'] or '-'}  giltig till {shown['valid_until'] or '-'}"
        ),
    )


process.add_command(process_migrate, "migrate")
card.add_command(card_revoke)
cli.add_command(process)
cli.add_command(case)
cli.add_command(task)
cli.add_command(token)
cli.add_command(account)
cli.add_command(timers)
cli.add_command(outbox)
cli.add_command(incident)


cli.add_command(report)
cli.add_command(serve)
cli.add_command(worker)
cli.add_command(run_both)
cli.add_command(audit)
# Operator registers and R8 station booking (issue 12, registers).
for _register in (stock, employment, closing_day, organisation, roster, stations):
    cli.add_command(_register)


# --- entry point ------------------------------------------------------------------------


def _fail(
    as_json: bool,
    rule: str | None,
    message: str,
    code: int,
    problems: list[Problem] | None = None,
) -> int:
    if as_json:
        payload: dict[str, object] = {"error": {"rule": rule, "message": message}}
        if problems is not None:
            # A refused bundle lists every problem beside the error (CONTRACT.md).
            payload["problems"] = [p.to_dict() for p in problems]
        click.echo(json.dumps(payload, ensure_ascii=False))
    if code == EXIT_REFUSED:
        prefix = f"Nekat ({rule}): " if rule else "Nekat: "
    else:
        prefix = "Fel: "
    click.echo(prefix + message, err=True)
    for problem in problems or ():
        click.echo(f"  {problem.file} [{problem.element or '-'}]: {problem.message}", err=True)
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and map refusals to exit 2 and faults to exit 1."""
    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    try:
        refuse_undecodable(args)
        cli.main(args=args, prog_name="sithsflow", standalone_mode=False)
    except ModelRejected as error:
        return _fail(as_json, error.rule, error.message, EXIT_REFUSED, error.problems)
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
