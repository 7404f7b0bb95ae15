"""The command line as CONTRACT.md names it, run as the installed `sithsflow` script.

Every test runs the real CLI in a subprocess on its own SQLite file, copied from a template
the CLI itself prepared with `db init` and `demo load`; two tests do the same on
PostgreSQL. Refusals must exit 2, say why on stderr and in the JSON `error` object, and
change no row but the audit trail's.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engine.services.deploy import PROCESSES_DIR
from tests.support.bundles import with_r7_deadline
from tests.support.postgres_cluster import PostgresCluster

# Each command is a new process (about a second of start-up): deselect with -m "not slow".
pytestmark = pytest.mark.slow

SITHSFLOW = Path(sys.executable).parent / "sithsflow"
CLI_TIMEOUT_SECONDS = 120
DEMO_LOADED_AT = "2024-01-01T08:00:00+01:00"
MONDAY_10 = "2026-11-23T10:00:00+01:00"  # office hours (R12)
MONDAY_15_01 = "2026-11-23T15:01:00+01:00"  # just outside office hours (R12)
UNCHANGED_BY_REFUSALS_EXCEPT = {"audit_events", "audit_chain_head"}


@dataclass(frozen=True)
class Outcome:
    command: list[str]
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict[str, Any]:
        loaded = json.loads(self.stdout)
        assert isinstance(loaded, dict), self.stdout
        return loaded

    def __str__(self) -> str:
        return f"{' '.join(self.command)} -> {self.code}\n{self.stdout}\n{self.stderr}"


class Cli:
    """The `sithsflow` script on one database, with `--json` unless told otherwise."""

    def __init__(self, database_url: str | None, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.env = env or {}

    def run(self, *args: str, now: str | None = None, as_json: bool = True, **env: str) -> Outcome:
        command = [str(SITHSFLOW)]
        if self.database_url is not None:
            command += ["--db", self.database_url]
        if now is not None:
            command += ["--now", now]
        if as_json:
            command.append("--json")
        command += args
        environment = {
            k: v for k, v in os.environ.items() if k not in ("SITHSFLOW_DB", "SITHSFLOW_NOW")
        }
        environment.update(self.env)
        environment.update(env)
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=environment,
            timeout=CLI_TIMEOUT_SECONDS,
            check=False,
        )
        return Outcome(command, completed.returncode, completed.stdout, completed.stderr)

    def ok(self, *args: str, now: str | None = None) -> dict[str, Any]:
        outcome = self.run(*args, now=now)
        assert outcome.code == 0, str(outcome)
        return outcome.json

    def refused(self, *args: str, now: str | None = None, rule: str | None = None) -> Outcome:
        """Exit 2 with the reason in the JSON `error` object and, the same, on stderr."""
        outcome = self.run(*args, now=now)
        assert outcome.code == 2, str(outcome)
        error = outcome.json["error"]
        assert set(error) >= {"rule", "message"}, error
        assert error["rule"] == rule, str(outcome)
        assert error["message"].strip(), str(outcome)
        assert error["message"] in outcome.stderr, str(outcome)
        if rule is not None:
            assert rule in outcome.stderr, str(outcome)
        return outcome

    # --- the steps of the demo flows ---------------------------------------------------

    def case(self, case_id: int) -> dict[str, Any]:
        shown: dict[str, Any] = self.ok("case", "show", str(case_id))["case"]
        return shown

    def ready_task(self, case_id: int, name: str) -> str:
        ready = [t["id"] for t in self.case(case_id)["tasks"] if t["name"] == name]
        assert ready, f"no {name} in case {case_id}"
        return str(ready[-1])

    def start_loa3(self, holder: str = "frida", now: str | None = MONDAY_10) -> int:
        started = self.ok(
            "case", "start", "loa3-reserve", "--as", "anna",
            "--set", f"holder={holder}", "--set", "id_document=passport",
            now=now,
        )  # fmt: skip
        assert set(started["case"]) >= {"id", "process", "version", "state"}
        assert started["case"]["state"] == "open"
        return int(started["case"]["id"])

    @staticmethod
    def second_verification(task: str, user: str = "bertil", card: str = "RK000001") -> list[str]:
        """The arguments that complete a second verification with a valid form."""
        return [
            "task", "complete", task, "--as", user, "--set", "id_document=passport",
            "--set", f"card_number={card}", "--set", "valid_until=2027-05-20",
        ]  # fmt: skip

    def order_and_issue_loa2(self, card: str = "RK000002") -> int:
        """david orders for erik, sara issues at 15:01 until 2026-12-07 (14 days, R11)."""
        started = self.ok(
            "case", "start", "loa2-remote-order", "--as", "david",
            "--data", json.dumps({"holder": "erik", "reason": "Glömt kort på nattskift"}),
            now=MONDAY_15_01,
        )  # fmt: skip
        case_id = int(started["case"]["id"])
        issue = self.ready_task(case_id, "issue_loa2")
        self.ok(
            "task", "complete", issue, "--as", "sara",
            "--data", json.dumps({"card_number": card, "valid_until": "2026-12-07"}),
            now=MONDAY_15_01,
        )  # fmt: skip
        return case_id

    def timer_due(self, case_id: int, name: str) -> str:
        due = [t["due_at"] for t in self.case(case_id)["timers"] if t["name"] == name]
        assert due, f"no timer {name} in case {case_id}"
        return str(due[-1])


def sqlite_path(cli: Cli) -> Path:
    assert cli.database_url is not None
    return Path(cli.database_url.removeprefix("sqlite:///"))


def snapshot(cli: Cli) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the audit trail, to show that a refusal changed nothing."""
    with closing(sqlite3.connect(sqlite_path(cli))) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: sorted(db.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in tables
            if table not in UNCHANGED_BY_REFUSALS_EXCEPT
        }


def audit_rows(cli: Cli) -> int:
    with closing(sqlite3.connect(sqlite_path(cli))) as db:
        count: int = db.execute("SELECT count(*) FROM audit_events").fetchone()[0]
        return count


def last_audit_row(cli: Cli) -> tuple[Any, ...]:
    """(actor, action, rule, case) of the newest audit row."""
    with closing(sqlite3.connect(sqlite_path(cli))) as db:
        row: tuple[Any, ...] = db.execute(
            "SELECT actor, action, rule, case_id FROM audit_events ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return row


# --- fixtures: templates prepared once by the CLI itself -----------------------------------


@pytest.fixture(scope="session")
def cli_demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database the CLI initialised and loaded the demo region into."""
    path = tmp_path_factory.mktemp("cli-demo") / "demo.db"
    cli = Cli(f"sqlite:///{path}")
    cli.ok("db", "init", now=DEMO_LOADED_AT)
    cli.ok("demo", "load", now=DEMO_LOADED_AT)
    return path


@dataclass(frozen=True)
class Scenario:
    """In the scenario template: case 1 completed by anna and bertil, case 2 open."""

    completed_case: int
    completed_task: str
    open_case: int
    ready_task: str


@pytest.fixture(scope="session")
def cli_scenario_template(
    tmp_path_factory: pytest.TempPathFactory, cli_demo_template: Path
) -> tuple[Path, Scenario]:
    path = tmp_path_factory.mktemp("cli-scenario") / "scenario.db"
    shutil.copyfile(cli_demo_template, path)
    cli = Cli(f"sqlite:///{path}")
    done = cli.start_loa3("frida")
    done_task = cli.ready_task(done, "second_verification")
    cli.ok(*cli.second_verification(done_task), now=MONDAY_10)
    waiting = cli.start_loa3("erik")
    return path, Scenario(done, done_task, waiting, cli.ready_task(waiting, "second_verification"))


@pytest.fixture
def cli(tmp_path: Path, cli_demo_template: Path) -> Cli:
    """The CLI on a fresh copy of the demo database."""
    path = tmp_path / "sithsflow.db"
    shutil.copyfile(cli_demo_template, path)
    return Cli(f"sqlite:///{path}")


@pytest.fixture
def scenario(tmp_path: Path, cli_scenario_template: tuple[Path, Scenario]) -> tuple[Cli, Scenario]:
    template, ids = cli_scenario_template
    path = tmp_path / "scenario.db"
    shutil.copyfile(template, path)
    return Cli(f"sqlite:///{path}"), ids


@pytest.fixture
def pg_cli(postgres_cluster: PostgresCluster) -> Cli:
    """The CLI on a new, empty PostgreSQL database, initialised and loaded by the CLI."""
    cli = Cli(postgres_cluster.create_database(f"e2e_{uuid.uuid4().hex[:16]}"))
    assert cli.ok("db", "init", now=DEMO_LOADED_AT)["ok"] is True
    assert cli.ok("demo", "load", now=DEMO_LOADED_AT)["ok"] is True
    return cli


# --- set-up commands ---------------------------------------------------------------------


def test_cli_db_init_and_demo_load_are_idempotent(tmp_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'fresh.db'}")
    for _ in range(2):
        assert cli.ok("db", "init")["ok"] is True
    for _ in range(2):
        assert cli.ok("demo", "load")["ok"] is True
    processes = cli.ok("process", "list")["processes"]
    assert {(p["id"], p["version"]) for p in processes} >= {
        ("loa3-reserve", 1),
        ("loa2-remote-order", 1),
    }


def test_cli_s1_deploy_versions_activate_and_db_init_keep_petras_version(
    cli: Cli, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    source = (PROCESSES_DIR / "loa3-reserve.bpmn").read_text(encoding="utf-8")
    (bundle / "loa3-reserve.bpmn").write_text(with_r7_deadline(source, "P7D"), encoding="utf-8")
    cli.refused("process", "deploy", str(bundle), "--as", "anna", rule="S1")
    dry = cli.ok("process", "deploy", str(bundle), "--as", "petra", "--dry-run")
    assert dry["dry_run"] is True
    assert cli.ok("process", "versions", "loa3-reserve")["versions"][-1]["version"] == 1
    deployed = cli.ok("process", "deploy", str(bundle), "--as", "petra")
    assert deployed["processes"] == [
        {"id": "loa3-reserve", "version": 2, "kind": "process", "new": True, "active": True}
    ]
    assert cli.ok("db", "init")["ok"] is True
    listed = cli.ok("process", "versions", "loa3-reserve")["versions"]
    assert [(v["version"], v["active"], v["deployed_by"]) for v in listed] == [
        (1, False, "system"),
        (2, True, "petra"),
    ]
    assert set(listed[0]) >= {"version", "deployed_at", "deployed_by", "active", "open_cases"}
    diff = cli.ok("process", "diff", "loa3-reserve", "1", "2")["diff"]
    assert diff["timers"]["changed"] == ["deadline"]
    rolled = cli.ok("process", "activate", "loa3-reserve", "1", "--as", "petra")
    assert rolled["process"]["id"] == "loa3-reserve"
    assert rolled["process"]["active_version"] == 1


def test_cli_a_refused_bundle_lists_its_problems(cli: Cli, tmp_path: Path) -> None:
    broken = tmp_path / "loa3-reserve.bpmn"
    source = (PROCESSES_DIR / "loa3-reserve.bpmn").read_text(encoding="utf-8")
    broken.write_text(source.replace('name="loa3_admin"', 'name="clerk"'), encoding="utf-8")
    outcome = cli.refused("process", "deploy", str(broken), "--as", "petra")
    problems = outcome.json["problems"]
    assert problems and all(set(p) == {"file", "element", "message"} for p in problems)
    assert any("clerk" in p["message"] for p in problems)
    text = cli.run("process", "deploy", str(broken), "--as", "petra", as_json=False)
    assert text.code == 2
    assert "loa3-reserve.bpmn [" in text.stderr


def test_cli_help_exits_zero_and_needs_no_database(tmp_path: Path) -> None:
    database = tmp_path / "never-created.db"
    cli = Cli(f"sqlite:///{database}")
    for args in (["--help"], ["task", "complete", "--help"]):
        outcome = cli.run(*args, as_json=False)
        assert outcome.code == 0, str(outcome)
        assert "Usage:" in outcome.stdout
    assert not database.exists()


def test_cli_unreachable_database_is_an_internal_fault_with_exit_1() -> None:
    cli = Cli("postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    outcome = cli.run("process", "list")
    assert outcome.code == 1, str(outcome)
    assert outcome.json["error"]["message"]
    assert outcome.stderr.strip()


def test_cli_unknown_command_is_refused_with_exit_2(cli: Cli) -> None:
    cli.refused("teleport")
    cli.refused("case", "start")  # the process argument is missing


# --- LoA3: two administrators (R6), the deadline (R7) -----------------------------------


def test_cli_r6_first_admin_cannot_complete_second_verification(cli: Cli) -> None:
    case_id = cli.start_loa3("frida")
    bertils = cli.ok("task", "list", "--as", "bertil", now=MONDAY_10)["tasks"]
    assert [(t["case"], t["name"], t["process"]) for t in bertils] == [
        (case_id, "second_verification", "loa3-reserve")
    ]
    assert cli.ok("task", "list", "--as", "anna", now=MONDAY_10)["tasks"] == []
    task = str(bertils[0]["id"])
    before, audited = snapshot(cli), audit_rows(cli)

    cli.refused(*cli.second_verification(task, user="anna"), now=MONDAY_10, rule="R6")

    assert snapshot(cli) == before
    # The audit trail is append-only: exactly one row more, the refusal itself.
    assert audit_rows(cli) == audited + 1
    assert last_audit_row(cli) == ("anna", "refused:complete", "R6", case_id)
    assert cli.case(case_id)["state"] == "open"


def test_cli_case_and_task_lists_page_with_limit_and_cursor(cli: Cli) -> None:
    started = [cli.start_loa3(holder) for holder in ("frida", "erik")]
    first = cli.ok("case", "list", "--limit", "1")
    assert [c["id"] for c in first["cases"]] == started[:1]
    assert {"id", "process", "state"} <= set(first["cases"][0])
    rest = cli.ok("case", "list", "--limit", "1", "--cursor", first["next_cursor"])
    assert ([c["id"] for c in rest["cases"]], rest["next_cursor"]) == (started[1:], None)
    # Both tasks were created at the same --now instant, so their order is the task ids':
    # each page holds one, and the two pages hold both, once.
    tasks = cli.ok("task", "list", "--as", "bertil", "--limit", "1", now=MONDAY_10)
    assert len(tasks["tasks"]) == 1
    more = cli.ok("task", "list", "--as", "bertil", "--cursor", tasks["next_cursor"], now=MONDAY_10)
    assert more["next_cursor"] is None
    assert sorted(t["case"] for t in tasks["tasks"] + more["tasks"]) == sorted(started)
    cli.refused("case", "list", "--cursor", "garbage")


def test_cli_r6_second_admin_issues_the_card_and_completes_the_case(cli: Cli) -> None:
    case_id = cli.start_loa3("frida")
    task = cli.ready_task(case_id, "second_verification")
    done = cli.ok(*cli.second_verification(task), now="2026-11-25T10:00:00+01:00")
    assert done["case"] == {**done["case"], "id": case_id, "state": "completed"}

    card = cli.ok("card", "show", "RK000001")["card"]
    assert card["number"] == "RK000001"
    assert card["holder"] == "frida"
    assert card["loa"] == 3
    assert card["state"] == "issued"
    assert card["valid_until"].startswith("2027-05-2")

    shown = cli.case(case_id)
    assert (shown["id"], shown["process"], shown["version"]) == (case_id, "loa3-reserve", 1)
    assert shown["state"] == "completed"
    assert shown["data"]["holder"] == "frida"
    assert [(t["name"], t["state"]) for t in shown["tasks"]] == [
        ("second_verification", "completed")
    ]
    assert {"id", "name", "state"} <= set(shown["tasks"][0])
    actors = [h["actor"] for h in shown["history"]]
    assert "anna" in actors and "bertil" in actors
    for event in shown["history"]:
        assert event["at"] and event["actor"] and event["action"]
    assert shown["history"][0]["at"] == MONDAY_10

    listed = cli.ok("case", "list", "--state", "completed")["cases"]
    assert [(c["id"], c["process"], c["state"]) for c in listed] == [
        (case_id, "loa3-reserve", "completed")
    ]


def test_cli_r7_deadline_lapses_the_case_once(cli: Cli) -> None:
    case_id = cli.start_loa3("frida")
    deadline = cli.timer_due(case_id, "deadline")
    assert deadline == "2026-11-28T10:00:00+01:00"  # R7: 5 local days after the first

    assert cli.ok("timers", "run", now="2026-11-28T09:59:59+01:00")["fired"] == []
    fired = cli.ok("timers", "run", now=deadline)["fired"]
    assert [(f["case"], f["timer"]) for f in fired] == [(case_id, "deadline")]
    assert cli.ok("timers", "run", now=deadline)["fired"] == []
    assert cli.ok("timers", "run", now="2026-12-31T10:00:00+01:00")["fired"] == []

    lapsed = cli.ok("case", "list", "--state", "lapsed")["cases"]
    assert [(c["id"], c["state"]) for c in lapsed] == [(case_id, "lapsed")]
    assert cli.ok("case", "list", "--state", "open")["cases"] == []
    assert cli.ok("task", "list", "--as", "bertil", now=deadline)["tasks"] == []


# --- LoA2: remote order, office hours, reminder, renewal, expiry ---------------------------


def test_cli_r12_loa2_issued_only_outside_office_hours(cli: Cli) -> None:
    started = cli.ok(
        "case", "start", "loa2-remote-order", "--as", "david",
        "--data", json.dumps({"holder": "erik", "reason": "Glömt kort på nattskift"}),
        now=MONDAY_15_01,
    )  # fmt: skip
    case_id = started["case"]["id"]
    assert started["case"]["process"] == "loa2-remote-order"
    sara = cli.ok("task", "list", "--as", "sara", now=MONDAY_10)["tasks"]
    assert [(t["case"], t["name"]) for t in sara] == [(case_id, "issue_loa2")]
    issue = ["task", "complete", str(sara[0]["id"]), "--as", "sara"]
    before = snapshot(cli)

    cli.refused(
        *issue, "--set", "card_number=RK000002", "--set", "valid_until=2026-12-07",
        now=MONDAY_10, rule="R12",
    )  # fmt: skip
    assert snapshot(cli) == before

    issued = cli.ok(
        *issue, "--data", json.dumps({"card_number": "RK000002", "valid_until": "2026-12-07"}),
        now=MONDAY_15_01,
    )  # fmt: skip
    assert issued["case"]["state"] == "open"
    card = cli.ok("card", "show", "RK000002")["card"]
    assert (card["holder"], card["loa"]) == ("erik", 2)


def test_cli_r15_reminder_renewal_and_mail_to_the_holder(cli: Cli) -> None:
    case_id = cli.order_and_issue_loa2()
    reminder_at = cli.timer_due(case_id, "reminder")
    fired = cli.ok("timers", "run", now=reminder_at)["fired"]
    assert [(f["case"], f["timer"]) for f in fired] == [(case_id, "reminder")]
    messages = cli.ok("outbox", "list")["messages"]
    assert [m["to"] for m in messages] == ["david@region-demo.example"]
    assert messages[0]["subject"] and messages[0]["created_at"]

    renewal_time = "2026-12-04T16:00:00+01:00"
    davids = cli.ok("task", "list", "--as", "david", now=renewal_time)["tasks"]
    assert [t["name"] for t in davids] == ["request_renewal"]
    cli.ok("task", "complete", str(davids[0]["id"]), "--as", "david", now=renewal_time)
    renew = cli.ready_task(case_id, "renew_loa2")
    renewed = cli.ok(
        "task", "complete", renew, "--as", "sara", "--set", "valid_until=2026-12-18",
        now=renewal_time,
    )  # fmt: skip
    assert renewed["case"] == {**renewed["case"], "id": case_id, "state": "open"}

    recipients = [m["to"] for m in cli.ok("outbox", "list")["messages"]]
    assert recipients == ["david@region-demo.example", "erik@region-demo.example"]
    assert cli.ok("card", "show", "RK000002")["card"]["valid_until"].startswith("2026-12-18")
    # The unrenewed deadline of the first certificate no longer expires the case.
    assert cli.ok("timers", "run", now="2026-12-07T16:00:00+01:00")["fired"] == []
    assert cli.case(case_id)["state"] == "open"


def test_cli_r11_unrenewed_certificate_expires_the_case(cli: Cli) -> None:
    case_id = cli.order_and_issue_loa2()
    expiry_at = cli.timer_due(case_id, "expiry")
    assert expiry_at.startswith("2026-12-07")

    fired = cli.ok("timers", "run", now=expiry_at)["fired"]
    assert (case_id, "expiry") in [(f["case"], f["timer"]) for f in fired]
    assert cli.ok("timers", "run", now=expiry_at)["fired"] == []
    assert cli.case(case_id)["state"] == "expired"
    expired = cli.ok("case", "list", "--state", "expired")["cases"]
    assert [(c["id"], c["process"], c["state"]) for c in expired] == [
        (case_id, "loa2-remote-order", "expired")
    ]
    assert cli.ok("task", "list", "--as", "david", now=expiry_at)["tasks"] == []


# --- refusals: exit 2, a reason, nothing changed but the audit trail ------------------------

START_LOA3 = ["case", "start", "loa3-reserve", "--as", "anna"]
Args = Callable[[Scenario], list[str]]


def _second(field: str, value: str, completed: bool = False) -> Args:
    """bertil's second_verification of the open (or the completed) case, one field replaced."""

    def args(ids: Scenario) -> list[str]:
        fields = {"id_document": "passport", "card_number": "RK000002", "valid_until": "2027-05-20"}
        fields[field] = value
        sets = [part for k, v in fields.items() for part in ("--set", f"{k}={v}")]
        task = ids.completed_task if completed else ids.ready_task
        return ["task", "complete", task, "--as", "bertil", *sets]

    return args


@pytest.mark.parametrize(
    ("args", "now", "rule", "mentions"),
    [
        pytest.param(
            lambda _: [*START_LOA3, "--set", "holder=19850315-1239", "--set", "id_document=passport"],
            MONDAY_10, None, "19850315-1239", id="bad-personnummer-luhn",
        ),
        pytest.param(
            lambda _: [*START_LOA3, "--set", "holder=gustav", "--set", "id_document=passport"],
            MONDAY_10, "R3", "gustav", id="r3-gustav-not-in-directory",
        ),
        pytest.param(
            lambda _: ["case", "start", "loa3-reserve", "--as", "nobody",
                       "--set", "holder=frida", "--set", "id_document=passport"],
            MONDAY_10, None, "nobody", id="unknown-user",
        ),
        pytest.param(
            lambda _: ["case", "start", "loa9-teleport", "--as", "anna", "--set", "holder=frida"],
            MONDAY_10, None, "loa9-teleport", id="unknown-process",
        ),
        pytest.param(
            # S2: an unknown task reads like one outside the user's scope.
            lambda _: ["task", "complete", "00000000-0000-0000-0000-000000000000", "--as", "bertil"],
            MONDAY_10, "S2", "00000000-0000-0000-0000-000000000000", id="unknown-task-uuid",
        ),
        pytest.param(
            _second("card_number", "RK000003", completed=True),
            MONDAY_10, None, "completed", id="task-already-completed",
        ),
        pytest.param(
            lambda _: [*START_LOA3, "--set", "holder=frida", "--set", "id_document=passport"],
            "yesterday", None, "yesterday", id="now-not-iso",
        ),
        pytest.param(
            lambda _: [*START_LOA3, "--set", "holder=frida", "--set", "id_document=passport"],
            "2026-11-23T10:00:00", None, "2026-11-23T10:00:00", id="now-naive",
        ),
        pytest.param(
            lambda _: ["case", "list"], "2026-11-23", None, "2026-11-23", id="now-date-only-on-a-read",
        ),
        pytest.param(
            _second("valid_until", "2027-02-30"), MONDAY_10, None, "valid_until",
            id="valid-until-impossible-date",
        ),
        pytest.param(
            _second("valid_until", "20 maj 2027"), MONDAY_10, None, "valid_until",
            id="valid-until-not-iso",
        ),
        pytest.param(
            _second("valid_until", "2027-05-20T10:00:00"), MONDAY_10, None, "valid_until",
            id="valid-until-naive-time",
        ),
        pytest.param(
            _second("card_number", "RK999999"), MONDAY_10, None, "RK999999",
            id="card-not-in-stock",
        ),
        pytest.param(
            _second("card_number", "RK000001"), MONDAY_10, "R2", "RK000001",
            id="r2-card-already-issued-to-another",
        ),
        pytest.param(
            _second("id_document", "library_card"), MONDAY_10, None, "id_document",
            id="id-document-not-allowed",
        ),
        pytest.param(
            lambda _: [*START_LOA3, "--set", "holder", "--set", "id_document=passport"],
            MONDAY_10, None, "--set", id="set-without-equals",
        ),
        pytest.param(
            lambda _: [*START_LOA3, "--data", '["frida", "passport"]'],
            MONDAY_10, None, "--data", id="data-not-an-object",
        ),
        pytest.param(
            lambda _: [*START_LOA3, "--data", "{holder: frida}"],
            MONDAY_10, None, "--data", id="data-not-json",
        ),
        pytest.param(
            lambda _: ["case", "list", "--state", "finished"], None, None, "finished",
            id="unknown-case-state",
        ),
        pytest.param(
            lambda _: ["case", "show", "999"], None, None, "999", id="unknown-case",
        ),
        pytest.param(
            lambda _: ["card", "show", "RK999999"], None, None, "RK999999", id="unknown-card",
        ),
        pytest.param(
            lambda _: ["process", "deploy", "/nonexistent/sithsflow/new.bpmn", "--as", "petra"],
            None, None, "new.bpmn", id="deploy-missing-file",
        ),
    ],
)  # fmt: skip
def test_cli_refuses_bad_input_and_changes_nothing_but_the_audit_trail(
    scenario: tuple[Cli, Scenario], args: Args, now: str | None, rule: str | None, mentions: str
) -> None:
    cli, ids = scenario
    before = snapshot(cli)
    outcome = cli.refused(*args(ids), now=now, rule=rule)
    assert mentions in outcome.json["error"]["message"]
    assert snapshot(cli) == before


def test_cli_refusal_without_json_prints_only_to_stderr(scenario: tuple[Cli, Scenario]) -> None:
    cli, ids = scenario
    outcome = cli.run(
        *cli.second_verification(ids.ready_task, user="anna"), now=MONDAY_10, as_json=False
    )
    assert outcome.code == 2, str(outcome)
    assert outcome.stdout == ""
    assert "R6" in outcome.stderr


# --- the environment works like the options -------------------------------------------------


def test_cli_sithsflow_db_and_sithsflow_now_work_like_the_options(cli: Cli) -> None:
    by_env = Cli(None, env={"SITHSFLOW_DB": str(cli.database_url), "SITHSFLOW_NOW": MONDAY_10})
    assert {p["id"] for p in by_env.ok("process", "list")["processes"]} >= {"loa3-reserve"}

    case_id = by_env.start_loa3("frida", now=None)
    assert cli.case(case_id)["started_at"] == MONDAY_10
    task = cli.ready_task(case_id, "second_verification")
    assert by_env.ok("task", "list", "--as", "bertil")["tasks"][0]["id"] == task

    # The option wins over the variable.
    later = by_env.ok("case", "start", "loa3-reserve", "--as", "anna", "--set", "holder=erik",
                      "--set", "id_document=passport", now=MONDAY_15_01)  # fmt: skip
    assert cli.case(later["case"]["id"])["started_at"] == MONDAY_15_01

    # The variable is judged like the option: at 10:00 the office is open, LoA2 is refused.
    order = cli.ok(
        "case", "start", "loa2-remote-order", "--as", "david", "--set", "holder=erik",
        "--set", "reason=Glömt kort", now=MONDAY_15_01,
    )  # fmt: skip
    issue = cli.ready_task(order["case"]["id"], "issue_loa2")
    by_env.refused(
        "task", "complete", issue, "--as", "sara", "--set", "card_number=RK000002",
        "--set", "valid_until=2026-12-07", rule="R12",
    )  # fmt: skip

    outcome = Cli(None, env={"SITHSFLOW_DB": str(cli.database_url)}).run(
        "case", "list", SITHSFLOW_NOW="2026-11-23T10:00:00"
    )
    assert outcome.code == 2, str(outcome)
    assert "2026-11-23T10:00:00" in outcome.json["error"]["message"]


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.mark.postgres
def test_cli_postgres_loa3_flow_from_an_empty_database(pg_cli: Cli) -> None:
    assert pg_cli.ok("db", "init")["ok"] is True
    assert pg_cli.ok("demo", "load")["ok"] is True
    processes = {(p["id"], p["version"]) for p in pg_cli.ok("process", "list")["processes"]}
    assert processes >= {("loa3-reserve", 1), ("loa2-remote-order", 1)}
    case_id = pg_cli.start_loa3("frida")
    task = pg_cli.ready_task(case_id, "second_verification")
    pg_cli.refused(*pg_cli.second_verification(task, user="anna"), now=MONDAY_10, rule="R6")
    done = pg_cli.ok(*pg_cli.second_verification(task), now=MONDAY_10)
    assert done["case"]["state"] == "completed"
    card = pg_cli.ok("card", "show", "RK000001")["card"]
    assert (card["holder"], card["loa"], card["state"]) == ("frida", 3, "issued")


@pytest.mark.postgres
def test_cli_postgres_loa2_refused_in_office_hours_then_expires(pg_cli: Cli) -> None:
    started = pg_cli.ok(
        "case", "start", "loa2-remote-order", "--as", "david", "--set", "holder=erik",
        "--set", "reason=Glömt kort", now=MONDAY_15_01,
    )  # fmt: skip
    case_id = started["case"]["id"]
    issue = ["task", "complete", pg_cli.ready_task(case_id, "issue_loa2"), "--as", "sara",
             "--set", "card_number=RK000002", "--set", "valid_until=2026-12-07"]  # fmt: skip
    pg_cli.refused(*issue, now=MONDAY_10, rule="R12")
    pg_cli.ok(*issue, now=MONDAY_15_01)
    expiry_at = pg_cli.timer_due(case_id, "expiry")
    assert pg_cli.ok("timers", "run", now=expiry_at)["fired"]
    assert pg_cli.ok("timers", "run", now=expiry_at)["fired"] == []
    expired = pg_cli.ok("case", "list", "--state", "expired")["cases"]
    assert [c["id"] for c in expired] == [case_id]


# --- issue 11: each step's fields, the validity as typed ----------------------------------


def _loa3_passport_then_driving_licence(cli: Cli) -> int:
    case_id = cli.start_loa3("frida")
    task = cli.ready_task(case_id, "second_verification")
    cli.ok(
        "task", "complete", task, "--as", "bertil", "--set", "id_document=driving_licence",
        "--set", "card_number=RK000001", "--set", "valid_until=2027-05-01",
        now=MONDAY_10,
    )  # fmt: skip
    return case_id


def test_cli_r6_case_show_keeps_both_administrators_documents(cli: Cli) -> None:
    case_id = _loa3_passport_then_driving_licence(cli)
    shown = cli.case(case_id)
    steps = [
        (h["actor"], h["fields"].get("id_document")) for h in shown["history"] if "fields" in h
    ]
    assert steps == [("anna", "passport"), ("bertil", "driving_licence")]
    assert (shown["data"]["id_document"], shown["data"]["second_id_document"]) == (
        "passport",
        "driving_licence",
    )
    text = cli.run("case", "show", str(case_id), as_json=False)
    assert text.code == 0, str(text)
    lines = text.stdout.splitlines()
    assert any("anna" in line and "id_document=passport" in line for line in lines), text.stdout
    assert any("bertil" in line and "id_document=driving_licence" in line for line in lines)


def test_cli_r9_card_show_reads_a_typed_date_back_as_its_last_instant(cli: Cli) -> None:
    _loa3_passport_then_driving_licence(cli)
    card = cli.ok("card", "show", "RK000001")["card"]
    assert card["valid_until"] == "2027-05-01T23:59:59+02:00"
    text = cli.run("card", "show", "RK000001", as_json=False)
    assert "giltig till 2027-05-01T23:59:59+02:00" in text.stdout, str(text)


def test_cli_loa2_order_for_someone_with_a_live_loa2_card_warns_in_json_and_text(
    cli: Cli,
) -> None:
    cli.order_and_issue_loa2()
    args = ("case", "start", "loa2-remote-order", "--as", " David ", "--set", "holder=ERIK")
    started = cli.ok(*args, "--set", "reason=Nytt kort", now=MONDAY_15_01)
    assert started["case"]["state"] == "open"
    (warning,) = started["warnings"]
    assert warning["rule"] is None and "RK000002" in warning["message"]
    text = cli.run(*args, "--set", "reason=Igen", now=MONDAY_15_01, as_json=False)
    assert text.code == 0 and "Varning:" in text.stdout, str(text)
    card = cli.ok("card", "show", "rk000002")["card"]
    assert (card["number"], card["holder"]) == ("RK000002", "erik")
