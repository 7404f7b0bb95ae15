"""E-mail delivered: a real SMTP server in process, its refusals, dead letters, resends and
several workers; on SQLite and PostgreSQL.

Retries and leases run on a wall clock the tests set (`wall`), the audit on the flows'
business clock.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.clock import FixedClock
from engine.errors import Conflict
from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.model import AuditEvent
from engine.model import OutboxMessage
from engine.services.delivery import DeliveryPolicy
from engine.services.delivery import deliver_due
from engine.services.incident_actions import outbox_entries
from engine.services.incident_actions import resend_message
from engine.services.incidents import list_incidents
from engine.services.mail_transport import FileTransport
from engine.services.mail_transport import MailSettings
from engine.services.mail_transport import SmtpTransport
from engine.services.runtime import bootstrap
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows
from tests.support.flows import local
from tests.support.smtp import Mailbox
from tests.support.smtp import free_port
from tests.support.smtp import smtp_server

SENDER = "sithsflow@region-demo.example"
ROOT = Path(__file__).resolve().parents[2]
POLICY = DeliveryPolicy(max_attempts=3, backoff_s=60, lease_s=300)


@pytest.fixture
def server() -> Iterator[tuple[Mailbox, SmtpTransport]]:
    with smtp_server() as (mailbox, port):
        settings = MailSettings.from_url(f"smtp://127.0.0.1:{port}", SENDER, timeout_s=5)
        yield mailbox, SmtpTransport(settings)


@pytest.fixture
def wall() -> FixedClock:
    return FixedClock(local("2026-12-04 15:02"))


def reminder_queued(flows: Flows) -> int:
    """A remote LoA2 order issued until 2026-12-07, its R15 reminder fired and queued."""
    case = flows.at("2026-11-23 15:01").order_loa2("david", holder="erik")
    flows.complete(case.id, "issue_loa2", "sara", card_number="RK000001", valid_until="2026-12-07")
    fired = fire_due_timers(flows.runtime, flows.at("2026-12-04 15:01").clock)
    assert [(f.case, f.timer) for f in fired] == [(case.id, "reminder")]
    return case.id


def deliver(flows: Flows, transport: object, wall: FixedClock, worker: str = "w1") -> object:
    return deliver_due(
        flows.runtime,
        flows.clock,
        worker,
        transport=transport,
        sender=SENDER,
        policy=POLICY,
        wall=wall,
    )


def mail_actions(flows: Flows, case_id: int) -> list[str]:
    with flows.runtime.database.sessions() as session:
        query = select(AuditEvent.action).where(
            AuditEvent.case_id == case_id, AuditEvent.action.like("mail_%")
        )
        return list(session.scalars(query.order_by(AuditEvent.id)))


def states(flows: Flows) -> list[str]:
    return [entry.state for entry in outbox_entries(flows.runtime)]


def test_r15_loa2_renewal_reminder_arrives_in_a_real_smtp_server(
    flows: Flows, server: tuple[Mailbox, SmtpTransport], wall: FixedClock
) -> None:
    mailbox, transport = server
    case_id = reminder_queued(flows)
    assert states(flows) == ["queued"]
    run = deliver(flows, transport, wall)
    [received] = mailbox.received()
    assert received["To"] == "david@region-demo.example"
    assert received["From"] == SENDER
    assert "Påminnelse" in str(received["Subject"])
    assert f"ärende {case_id}" in received.get_payload(decode=True).decode()  # type: ignore[union-attr]
    [entry] = outbox_entries(flows.runtime)
    assert run.sent == (entry.id,)  # type: ignore[attr-defined]
    assert (entry.state, entry.attempts, entry.sent_at) == ("sent", 1, flows.clock.now())
    assert mail_actions(flows, case_id) == ["mail_sent"]
    # Sent once: a second pass finds nothing to send.
    deliver(flows, transport, wall)
    assert len(mailbox.received()) == 1


def test_a_refusing_server_gives_retries_with_backoff_then_a_dead_letter_and_an_incident(
    flows: Flows, server: tuple[Mailbox, SmtpTransport], wall: FixedClock
) -> None:
    mailbox, transport = server
    mailbox.refuse_with = "550 5.1.1 Mailbox unavailable"
    case_id = reminder_queued(flows)
    deliver(flows, transport, wall)
    [entry] = outbox_entries(flows.runtime)
    assert (entry.state, entry.attempts) == ("retrying", 1)
    assert entry.next_attempt_at == wall.now() + timedelta(seconds=60)
    assert entry.last_error is not None and "550" in entry.last_error
    [incident] = list_incidents(flows.runtime, open_only=True)
    assert (incident.case, incident.kind, incident.retries_left) == (case_id, "delivery", 2)
    # Backoff: nothing before the minute has passed, then 2 minutes after the second try.
    wall.set(wall.now() + timedelta(seconds=59))
    deliver(flows, transport, wall)
    assert outbox_entries(flows.runtime)[0].attempts == 1
    wall.set(wall.now() + timedelta(seconds=1))
    deliver(flows, transport, wall)
    assert outbox_entries(flows.runtime)[0].attempts == 2
    wall.set(wall.now() + timedelta(seconds=119))
    deliver(flows, transport, wall)
    assert outbox_entries(flows.runtime)[0].attempts == 2
    wall.set(wall.now() + timedelta(seconds=1))
    deliver(flows, transport, wall)
    [entry] = outbox_entries(flows.runtime)
    assert (entry.state, entry.attempts, entry.dead_at) == ("dead", 3, flows.clock.now())
    [incident] = list_incidents(flows.runtime, open_only=True)
    assert (incident.retries_left, incident.occurrences) == (0, 3)
    assert mail_actions(flows, case_id) == ["mail_failed", "mail_failed", "mail_dead"]
    # A dead letter stays dead, however long the workers go on.
    wall.set(wall.now() + timedelta(days=1))
    deliver(flows, transport, wall)
    assert mailbox.received() == [] and states(flows) == ["dead"]


def test_connection_refused_is_a_failed_attempt_not_a_fault(flows: Flows, wall: FixedClock) -> None:
    reminder_queued(flows)
    closed = SmtpTransport(MailSettings.from_url(f"smtp://127.0.0.1:{free_port()}", SENDER))
    run = deliver(flows, closed, wall)
    [entry] = outbox_entries(flows.runtime)
    assert run.failed == (entry.id,)  # type: ignore[attr-defined]
    assert entry.last_error is not None and "ConnectionRefusedError" in entry.last_error


def test_resend_of_a_dead_letter_delivers_it_and_resolves_its_incident(
    flows: Flows, server: tuple[Mailbox, SmtpTransport], wall: FixedClock
) -> None:
    mailbox, transport = server
    mailbox.refuse_with = "550 5.1.1 Mailbox unavailable"
    case_id = reminder_queued(flows)
    for _ in range(3):
        deliver(flows, transport, wall)
        wall.set(wall.now() + timedelta(hours=1))
    [entry] = outbox_entries(flows.runtime)
    assert entry.state == "dead"
    mailbox.refuse_with = None
    outcome = resend_message(flows.runtime, flows.clock, entry.id, "sara")
    assert (outcome.case, outcome.state) == (case_id, "queued")
    assert states(flows) == ["queued"] and list_incidents(flows.runtime, open_only=True) == []
    deliver(flows, transport, wall)
    assert len(mailbox.received()) == 1 and states(flows) == ["sent"]
    [incident] = list_incidents(flows.runtime)
    assert (incident.resolved_by, incident.resolution) == ("sara", "retried")
    with flows.runtime.database.sessions() as session:
        retried = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "incident_retried")
        ).one()
    assert (retried.case_id, retried.actor, retried.role) == (case_id, "sara", "service_desk")
    # Sent now: resending again is refused and changes nothing.
    with pytest.raises(Conflict):
        resend_message(flows.runtime, flows.clock, entry.id, "sara")


@pytest.mark.parametrize("user", ["erik", "david", "anna", "maria"])
def test_only_the_service_desk_and_process_owners_may_resend(
    flows: Flows, wall: FixedClock, user: str
) -> None:
    reminder_queued(flows)
    closed = SmtpTransport(MailSettings.from_url(f"smtp://127.0.0.1:{free_port()}", SENDER))
    for _ in range(3):
        deliver(flows, closed, wall)
        wall.set(wall.now() + timedelta(hours=1))
    [entry] = outbox_entries(flows.runtime)
    before = flows.rows_but_audit()
    with pytest.raises(NotPermitted):
        resend_message(flows.runtime, flows.clock, entry.id, user)
    assert flows.rows_but_audit() == before
    assert resend_message(flows.runtime, flows.clock, entry.id, "petra").state == "queued"


def test_a_killed_workers_claim_is_taken_over_after_its_lease(
    flows: Flows, server: tuple[Mailbox, SmtpTransport], wall: FixedClock
) -> None:
    mailbox, transport = server
    reminder_queued(flows)

    class Killed:
        description = "a worker killed while sending"

        def send(self, message: EmailMessage) -> None:
            raise SystemExit("killed")

        def close(self) -> None:
            pass

    with pytest.raises(SystemExit):
        deliver(flows, Killed(), wall, worker="dead-worker")
    with flows.runtime.database.sessions() as session:
        claimed = session.scalars(select(OutboxMessage)).one()
        assert claimed.claimed_by == "dead-worker"
    # Within the lease nobody else sends it; once it has passed, another worker does.
    wall.set(wall.now() + timedelta(seconds=299))
    deliver(flows, transport, wall, worker="w2")
    assert mailbox.received() == []
    wall.set(wall.now() + timedelta(seconds=2))
    deliver(flows, transport, wall, worker="w2")
    assert len(mailbox.received()) == 1 and states(flows) == ["sent"]


def test_two_delivery_passes_in_parallel_send_each_message_once(
    flows: Flows, database_url: str, server: tuple[Mailbox, SmtpTransport], wall: FixedClock
) -> None:
    mailbox, transport = server
    case_id = reminder_queued(flows)
    with flows.runtime.database.sessions() as session:
        for n in range(40):
            session.add(
                OutboxMessage(
                    to_address=f"user{n}@region-demo.example",
                    subject=f"message {n}",
                    body="body",
                    case_id=case_id,
                    created_at=flows.clock.now(),
                )
            )
        session.commit()
    small_batches = DeliveryPolicy(batch_size=3)

    def worker(name: str) -> tuple[int, ...]:
        runtime = bootstrap(database_url)  # its own engine and pool, as a process has
        try:
            run = deliver_due(
                runtime,
                flows.clock,
                name,
                transport=transport,
                sender=SENDER,
                policy=small_batches,
                wall=wall,
            )
            return run.sent
        finally:
            runtime.database.dispose()

    with ThreadPoolExecutor(max_workers=2) as pool:
        sent = list(pool.map(worker, ["w1", "w2"]))
    assert sorted(sent[0] + sent[1]) == [e.id for e in outbox_entries(flows.runtime)]
    received = Counter(str(m["X-Sithsflow-Outbox-Id"]) for m in mailbox.received())
    assert len(received) == 41 and set(received.values()) == {1}
    assert set(states(flows)) == {"sent"}


def test_the_file_sink_writes_one_eml_file_per_message(
    flows: Flows, tmp_path: Path, wall: FixedClock
) -> None:
    reminder_queued(flows)
    settings = MailSettings.from_env(tmp_path, {"SITHSFLOW_MAIL_FROM": SENDER})
    transport = settings.transport()
    assert isinstance(transport, FileTransport) and transport.folder == tmp_path / "mail"
    deliver(flows, transport, wall)
    [entry] = outbox_entries(flows.runtime)
    written = (tmp_path / "mail" / f"{entry.id}.eml").read_text(encoding="utf-8")
    assert "To: david@region-demo.example" in written and entry.state == "sent"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://relay.example", ("relay.example", 25, "none", None)),
        ("smtp+starttls://ops%40x@mail.example", ("mail.example", 587, "starttls", "ops@x")),
        ("smtps://ops:pw@mail.example:2465", ("mail.example", 2465, "tls", "ops")),
    ],
)
def test_smtp_settings_come_from_one_url(url: str, expected: tuple[object, ...]) -> None:
    settings = MailSettings.from_env(Path("/x"), {"SITHSFLOW_SMTP_URL": url})
    assert (settings.host, settings.port, settings.security, settings.user) == expected
    assert settings.folder is None


@pytest.mark.parametrize(
    "url", ["http://u:secret@mail.example", "smtp://", "smtp://u:secret@host:port", "file:"]
)
def test_a_malformed_smtp_url_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(Invalid) as refused:
        MailSettings.from_env(Path("/x"), {"SITHSFLOW_SMTP_URL": url})
    assert "secret" not in refused.value.message


def test_the_password_may_come_from_its_own_variable() -> None:
    env = {"SITHSFLOW_SMTP_URL": "smtps://ops@mail.example", "SITHSFLOW_SMTP_PASSWORD": "pw"}
    assert MailSettings.from_env(Path("/x"), env).password == "pw"


def test_a_fault_sending_one_message_is_a_failed_attempt_and_the_others_still_go(
    flows: Flows, server: tuple[Mailbox, SmtpTransport], wall: FixedClock
) -> None:
    mailbox, transport = server
    reminder_queued(flows)
    with flows.runtime.database.sessions() as session:
        broken = session.scalars(select(OutboxMessage)).one()
        broken.to_address = "bad\naddress@region-demo.example"  # a header cannot hold it
        session.add(
            OutboxMessage(
                to_address="erik@region-demo.example",
                subject="second",
                body="body",
                case_id=broken.case_id,
                created_at=flows.clock.now(),
            )
        )
        session.commit()
    run = deliver(flows, transport, wall)
    [first, second] = outbox_entries(flows.runtime)
    assert run.failed == (first.id,) and run.sent == (second.id,)  # type: ignore[attr-defined]
    assert first.state == "retrying" and first.last_error
    assert [m["To"] for m in mailbox.received()] == ["erik@region-demo.example"]


KILLED_WORKER = """
import sys, time
from engine.clock import SystemClock
from engine.services.delivery import DeliveryPolicy, deliver_due
from engine.services.runtime import bootstrap

class Hangs:
    description = "a server that never answers"

    def send(self, message):
        print("sending", message["X-Sithsflow-Outbox-Id"], flush=True)
        time.sleep(600)

    def close(self):
        pass

runtime = bootstrap(sys.argv[1])
deliver_due(runtime, SystemClock(), "killed", transport=Hangs(), sender="s@x.example",
            policy=DeliveryPolicy(batch_size=3, lease_s=300))
"""


def test_messages_claimed_by_a_worker_killed_with_sigkill_are_sent_once_after_the_lease(
    flows: Flows, database_url: str, server: tuple[Mailbox, SmtpTransport]
) -> None:
    mailbox, transport = server
    case_id = reminder_queued(flows)
    with flows.runtime.database.sessions() as session:
        for n in range(4):
            session.add(
                OutboxMessage(
                    to_address=f"user{n}@region-demo.example",
                    subject=f"message {n}",
                    body="body",
                    case_id=case_id,
                    created_at=flows.clock.now(),
                )
            )
        session.commit()
    with subprocess.Popen(
        [sys.executable, "-c", KILLED_WORKER, database_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().split()[0] == "sending"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(30)
    killed_at = datetime.now(UTC)  # after its claim: its lease ends before killed_at + 300 s
    with flows.runtime.database.sessions() as session:
        claimed = session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.claimed_by == "killed")
        ).all()
    assert len(claimed) == 3  # its first batch, held by the lease
    # Before the lease runs out the survivor sends only the two it may take; after, the rest.
    survivor_wall = FixedClock(killed_at + timedelta(seconds=60))
    deliver(flows, transport, survivor_wall, worker="survivor")
    assert len(mailbox.received()) == 2
    survivor_wall.set(killed_at + timedelta(seconds=301))
    deliver(flows, transport, survivor_wall, worker="survivor")
    received = Counter(str(m["X-Sithsflow-Outbox-Id"]) for m in mailbox.received())
    assert len(received) == 5 and set(received.values()) == {1}
    assert set(states(flows)) == {"sent"}


def test_one_pass_shares_one_connection_and_a_refused_recipient_does_not_stop_the_rest(
    flows: Flows, server: tuple[Mailbox, SmtpTransport], wall: FixedClock
) -> None:
    mailbox, transport = server
    case_id = reminder_queued(flows)
    with flows.runtime.database.sessions() as session:
        for to in ("gone@region-demo.example", "erik@region-demo.example"):
            session.add(
                OutboxMessage(
                    to_address=to,
                    subject="R15",
                    body="body",
                    case_id=case_id,
                    created_at=flows.clock.now(),
                )
            )
        session.commit()
    mailbox.refused_addresses = {"gone@region-demo.example"}
    run = deliver(flows, transport, wall)
    first, refused, last = outbox_entries(flows.runtime)
    assert run.sent == (first.id, last.id) and run.failed == (refused.id,)  # type: ignore[attr-defined]
    assert [m["To"] for m in mailbox.received()] == [first.to, last.to]
    # One connection up to the refusal, which drops it; a fresh one for the last message.
    assert mailbox.connections == 2


def test_a_slow_server_never_gets_a_message_whose_lease_has_run_out(
    flows: Flows, server: tuple[Mailbox, SmtpTransport], wall: FixedClock
) -> None:
    mailbox, transport = server
    case_id = reminder_queued(flows)
    with flows.runtime.database.sessions() as session:
        for n in range(3):
            session.add(
                OutboxMessage(
                    to_address=f"user{n}@region-demo.example",
                    subject="R15",
                    body="body",
                    case_id=case_id,
                    created_at=flows.clock.now(),
                )
            )
        session.commit()
    leases_at_send: list[bool] = []

    class Slow:
        """Each message takes the server 200 s (the lease is 300 s)."""

        description = "a slow server"

        def send(self, message: EmailMessage) -> None:
            with flows.runtime.database.sessions() as session:
                row = session.get(OutboxMessage, int(str(message["X-Sithsflow-Outbox-Id"])))
                assert row is not None and row.lease_until is not None
                leases_at_send.append(row.lease_until > wall.now() + timedelta(seconds=200))
            wall.set(wall.now() + timedelta(seconds=200))
            transport.send(message)

        def close(self) -> None:
            transport.close()

    run = deliver(flows, Slow(), wall)
    assert len(run.sent) == 4 and leases_at_send == [True] * 4  # type: ignore[attr-defined]
    assert len(mailbox.received()) == 4
