"""The deployment's processes as an operator starts them (issue 10): `sithsflow serve`
(gunicorn), `sithsflow worker` and `sithsflow run`, each a real child process.

"Once" is read from the audit trail: one `timer_fired` row per case.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy import text

from engine.clock import FixedClock
from engine.model import AuditEvent
from engine.model import Case
from engine.model import Timer
from engine.services.runtime import Runtime
from engine.services.runtime import bootstrap
from engine.services.tokens import issue_token
from tests.conftest import TEMPLATE_DATABASE
from tests.support.flows import Flows
from tests.support.flows import local
from tests.support.postgres_cluster import PostgresCluster
from tests.support.smtp import smtp_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SITHSFLOW = [sys.executable, "-m", "cli.main"]
AFTER_DEADLINES = "2026-11-30T10:00:00+01:00"
START_SECONDS = 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, done: Callable[[], bool], seconds: float = START_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.05)


def http(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
    except (urllib.error.URLError, ConnectionError):
        return 0, None


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield child
    finally:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def environment(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITHSFLOW_")}
    env.update(
        SITHSFLOW_DB=database_url,
        SITHSFLOW_INSTANCE=str(tmp_path / "instance"),
        SITHSFLOW_SECRET_KEY="serving-test",
        **extra,
    )
    return env


def fires_per_case(runtime: Runtime) -> Counter[int]:
    with runtime.database.sessions() as session:
        query = select(AuditEvent.case_id).where(AuditEvent.action == "timer_fired")
        return Counter(case_id for case_id in session.scalars(query) if case_id is not None)


def started_cases(runtime: Runtime, count: int) -> list[int]:
    flows = Flows(runtime, FixedClock(local("2026-11-23 10:00")))
    return [flows.start_loa3("anna", holder=("frida", "erik")[n % 2]).id for n in range(count)]


# --- one worker, a simulated clock ------------------------------------------------------


def test_r7_a_worker_under_a_clock_offset_lapses_a_case_by_itself(
    runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    case = Flows(runtime, FixedClock(datetime.now(UTC))).start_loa3("anna").id
    # Five local days and a little more ahead of the real time: the deadline has passed.
    env = environment(database_url, tmp_path, SITHSFLOW_CLOCK_OFFSET="P5DT2H")
    with process([*SITHSFLOW, "worker", "--sweep-seconds", "1"], env, tmp_path / "w.log"):
        wait_for(
            "the case lapsed",
            lambda: Flows(runtime, FixedClock(datetime.now(UTC))).case(case)["state"] == "lapsed",
        )
    assert fires_per_case(runtime) == Counter([case])


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_serve_and_worker_refuse_a_missing_sqlite_file_and_create_nothing(
    tmp_path: Path, command: str
) -> None:
    missing = tmp_path / "typo" / "sithsflow.db"
    env = environment(f"sqlite:///{missing}", tmp_path)
    done = subprocess.run([*SITHSFLOW, command], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert "db init" in done.stderr
    assert not (tmp_path / "typo").exists()


def test_a_worker_refuses_a_database_without_the_current_schema(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # a database, but no tables
    env = environment(f"sqlite:///{empty}", tmp_path)
    done = subprocess.run([*SITHSFLOW, "worker"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert "sithsflow db init" in done.stderr


# --- serve + two workers on PostgreSQL ---------------------------------------------------


def claim_held(runtime: Runtime) -> bool:
    """Whether some other session holds the `FOR UPDATE` claim of a sweep right now."""
    with runtime.database.engine.connect() as connection:
        return bool(
            connection.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE relation = 'timers'::regclass "
                    "AND mode = 'RowShareLock' AND pid <> pg_backend_pid()"
                )
            )
        )


@pytest.mark.postgres
def test_serve_with_four_web_processes_and_two_workers_runs_loa3_and_fires_each_timer_once(
    postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = postgres_cluster.create_database(f"t_{uuid.uuid4().hex[:16]}", template=TEMPLATE_DATABASE)
    runtime = bootstrap(url)
    try:
        waiting = started_cases(runtime, 60)
        env = environment(url, tmp_path, SITHSFLOW_NOW=AFTER_DEADLINES)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        serve = [*SITHSFLOW, "serve", "--workers", "4", "--bind", f"127.0.0.1:{port}"]
        with process(serve, env, tmp_path / "serve.log") as web:
            wait_for("/healthz answers", lambda: http("GET", f"{base}/healthz")[0] == 200)
            assert len(children_of(web.pid)) == 4
            status, body = http("GET", f"{base}/readyz")
            assert status == 503 and [r["check"] for r in body["reasons"]] == ["worker"]
            assert http("GET", f"{base}/healthz?q=19121212-1212")[0] == 200
            # An over-long header reaches the app past gunicorn: a JSON 431 under /api/.
            long_header = urllib.request.Request(f"{base}/api/me", headers={"X-Long": "a" * 9000})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(long_header, timeout=10)
            assert refused.value.code == 431
            assert "too large" in json.loads(refused.value.read())["message"]

            # LoA3 through the API, served by whichever web processes answer (R6: two admins).
            clock = FixedClock(datetime.fromisoformat(AFTER_DEADLINES))
            anna = issue_token(runtime, clock, "anna", "serving").token
            bertil = issue_token(runtime, clock, "bertil", "serving").token
            fields = {"holder": "frida", "id_document": "passport"}
            status, body = http(
                "POST", f"{base}/api/cases", {"process": "loa3-reserve", "fields": fields}, anna
            )
            assert status == 201, body
            case = body["case"]["id"]
            task = ready_task(base, case, bertil)
            done = {
                "id_document": "passport",
                "card_number": "RK000001",
                "valid_until": "2027-05-25",
            }
            status, body = http(
                "POST", f"{base}/api/tasks/{task}/complete", {"fields": done}, bertil
            )
            assert (status, body["case"]["state"]) == (200, "completed"), body
            # No job runs in a web process: every deadline still waits.
            assert fires_per_case(runtime) == Counter()

            worker = [*SITHSFLOW, "worker", "--sweep-seconds", "1"]
            with process(worker, env, tmp_path / "killed.log") as killed:
                wait_for("a sweep holds its claim", lambda: claim_held(runtime), seconds=30)
                killed.send_signal(signal.SIGKILL)
                killed.wait(10)
            with (
                process(worker, env, tmp_path / "w1.log"),
                process(worker, env, tmp_path / "w2.log"),
            ):
                wait_for(
                    "every deadline fired",
                    lambda: sum(fires_per_case(runtime).values()) >= len(waiting),
                )
                wait_for("/readyz is ready", lambda: http("GET", f"{base}/readyz")[0] == 200)
                time.sleep(1.5)  # another sweep of each: nothing more fires
            assert fires_per_case(runtime) == Counter(waiting)
            with runtime.database.sessions() as session:
                states = session.execute(
                    select(Timer.status, Case.state)
                    .join(Case, Case.id == Timer.case_id)
                    .where(Case.id.in_(waiting))
                ).all()
            assert set(states) == {("fired", "lapsed")}
        access_log = (tmp_path / "serve.log").read_text()
        assert "GET /healthz HTTP/1.1" in access_log
        assert "19121212" not in access_log  # no query strings (personnummer) in the log
    finally:
        runtime.database.dispose()


@pytest.mark.postgres
def test_r15_loa2_ordered_through_serve_and_its_reminder_sent_once_by_two_workers_over_smtp(
    postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = postgres_cluster.create_database(f"t_{uuid.uuid4().hex[:16]}", template=TEMPLATE_DATABASE)
    runtime = bootstrap(url)
    ordered_at = "2026-11-23T15:01:00+01:00"  # outside office hours (R12)
    try:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        serve = [*SITHSFLOW, "serve", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
        env = environment(url, tmp_path, SITHSFLOW_NOW=ordered_at)
        with process(serve, env, tmp_path / "serve.log"):
            wait_for("/healthz answers", lambda: http("GET", f"{base}/healthz")[0] == 200)
            clock = FixedClock(datetime.fromisoformat(ordered_at))
            david = issue_token(runtime, clock, "david", "serving").token
            sara = issue_token(runtime, clock, "sara", "serving").token
            fields = {"holder": "erik", "reason": "Glömt kort, nattskift"}
            status, body = http(
                "POST",
                f"{base}/api/cases",
                {"process": "loa2-remote-order", "fields": fields},
                david,
            )
            assert status == 201, body
            case = body["case"]["id"]
            issued = {"card_number": "RK000002", "valid_until": "2026-12-07"}
            task = ready_task(base, case, sara)
            status, body = http(
                "POST", f"{base}/api/tasks/{task}/complete", {"fields": issued}, sara
            )
            assert (status, body["case"]["state"]) == (200, "open"), body

        # Days later two workers share the sweep and the outbox: one reminder, once (R15).
        with smtp_server() as (mailbox, smtp_port):
            later = environment(
                url,
                tmp_path,
                SITHSFLOW_NOW="2026-12-04T15:01:00+01:00",
                SITHSFLOW_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
            )
            worker = [*SITHSFLOW, "worker", "--sweep-seconds", "1"]
            with (
                process(worker, later, tmp_path / "w1.log"),
                process(worker, later, tmp_path / "w2.log"),
            ):
                wait_for("the reminder arrives", lambda: bool(mailbox.received()), seconds=60)
                time.sleep(3)  # more sweeps and delivery passes of both: nothing more is sent
            [mail] = mailbox.received()
        assert mail["To"] == "david@region-demo.example"
        assert "Påminnelse" in str(mail["Subject"])
    finally:
        runtime.database.dispose()


def ready_task(base: str, case: int, token: str) -> str:
    status, body = http("GET", f"{base}/api/cases/{case}", token=token)
    assert status == 200, body
    [task] = [t["id"] for t in body["case"]["tasks"] if t["state"] == "ready"]
    return str(task)


def children_of(pid: int) -> list[int]:
    """The live child processes of `pid`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


# --- make run ------------------------------------------------------------------------------


def test_run_serves_and_works_together_and_ctrl_c_stops_both(
    sqlite_template: Path, tmp_path: Path
) -> None:
    database = tmp_path / "run.db"
    database.write_bytes(sqlite_template.read_bytes())
    port = free_port()
    env = environment(f"sqlite:///{database}", tmp_path, SITHSFLOW_SWEEP_SECONDS="1")
    args = [*SITHSFLOW, "run", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
    with process(args, env, tmp_path / "run.log") as supervisor:
        wait_for(
            "/readyz: web and worker up",
            lambda: http("GET", f"http://127.0.0.1:{port}/readyz")[0] == 200,
        )
        children = children_of(supervisor.pid)
        assert len(children) == 2
        supervisor.send_signal(signal.SIGINT)
        assert supervisor.wait(30) == 0
    wait_for("both children ended", lambda: not any(alive(c) for c in children), seconds=10)


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# --- the CLI on the same clock -------------------------------------------------------------


def test_the_cli_judges_at_the_clock_offset_of_the_deployment(
    sqlite_template: Path, tmp_path: Path
) -> None:
    database = tmp_path / "cli.db"
    database.write_bytes(sqlite_template.read_bytes())
    env = environment(f"sqlite:///{database}", tmp_path, SITHSFLOW_CLOCK_OFFSET="-P400D")
    start = [*SITHSFLOW, "--json", "case", "start", "loa3-reserve", "--as", "anna"]
    fields = ["--set", "holder=frida", "--set", "id_document=passport"]
    done = subprocess.run([*start, *fields], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    case = json.loads(done.stdout)["case"]["id"]
    runtime = bootstrap(f"sqlite:///{database}")
    try:
        with runtime.database.sessions() as session:
            started = session.scalar(select(Case.started_at).where(Case.id == case))
    finally:
        runtime.database.dispose()
    assert started is not None
    expected = datetime.now(UTC) - timedelta(days=400)
    assert abs((started - expected).total_seconds()) < 60


def test_two_simulated_clocks_at_once_are_refused_with_exit_2(tmp_path: Path) -> None:
    env = environment(
        f"sqlite:///{tmp_path / 'x.db'}",
        tmp_path,
        SITHSFLOW_NOW="2026-11-30T10:00:00+01:00",
        SITHSFLOW_CLOCK_OFFSET="P1D",
    )
    done = subprocess.run(
        [*SITHSFLOW, "case", "list"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "SITHSFLOW_CLOCK_OFFSET" in done.stderr
