"""A region with known events for the report tests, walked through the services where the
services allow it and inserted directly where they (rightly) refuse.

Walked (services): three LoA3 cases (completed in 24 h, lapsed, completed in 78 h) and one
remote LoA2 order issued at 15:31. Inserted (the service would refuse or the date is in
the past): a LoA2 issue at 10:00 on a weekday after 2025-12-01 (R12), one on julafton
(allowed), one issued 2025-11-20 running past 2025-12-01 (R13), a renewal, and two LoA2
certificates running past 2026-06-30 (one where the organisation accepts it, R14).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine.model import Certificate
from engine.model import Organisation
from engine.model import Person
from engine.model import ReserveCard
from engine.services.runtime import Runtime
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows
from tests.support.flows import local


@dataclass(frozen=True)
class Scenario:
    loa3_completed: int  # case id, anna → bertil in 24 h
    loa3_lapsed: int  # bertil, lapsed (R7)
    loa3_slow: int  # anna → bertil in 78 h
    loa2_order: int  # david orders, sara issues RK000002 at 15:31


def build(flows: Flows) -> Scenario:
    first = flows.at("2025-12-01 10:00").start_loa3("anna", holder="frida")
    flows.at("2025-12-02 10:00").complete(
        first.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000001",
        valid_until="2026-05-30",
    )
    order = flows.at("2025-12-03 15:30").order_loa2("david", holder="erik")
    flows.at("2025-12-03 15:31").complete(
        order.id, "issue_loa2", "sara", card_number="RK000002", valid_until="2025-12-17"
    )
    lapsed = flows.at("2025-12-08 10:00").start_loa3("bertil", holder="ivan")
    # R7: five days later the deadline timer lapses the case.
    fire_due_timers(flows.runtime, flows.at("2025-12-14 10:00").clock)
    slow = flows.at("2025-12-15 09:00").start_loa3("anna", holder="erik")
    flows.at("2025-12-18 15:00").complete(
        slow.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000003",
        valid_until="2026-06-01",
    )
    _insert_loa2_rows(flows.runtime)
    return Scenario(first.id, lapsed.id, slow.id, order.id)


def _insert_loa2_rows(runtime: Runtime) -> None:
    with runtime.database.sessions() as session:
        people = {p.username: p for p in session.scalars(select(Person))}
        unit = session.scalars(
            select(Organisation).where(Organisation.code == "hemtjanst-demo")
        ).one()

        def certificate(
            card: str,
            holder: str,
            at: str,
            until: str,
            kind: str = "issue",
            national: bool = True,
            in_unit: bool = False,
        ) -> None:
            reserve = session.get(ReserveCard, card)
            assert reserve is not None
            reserve.state, reserve.loa, reserve.holder = "issued", 2, people[holder]
            if in_unit:
                reserve.organisation = unit
            issued_at: datetime = local(at)
            if kind == "issue":
                reserve.issued_at = issued_at
            session.add(
                Certificate(
                    card=reserve,
                    holder=people[holder],
                    loa=2,
                    kind=kind,
                    valid_from=issued_at,
                    valid_until=local(until),
                    issued_by=people["sara"],
                    valid_for_national_systems=national,
                    ceiling_rule="R11",
                    policy_version="inserted-by-test",
                )
            )
            session.flush()

        # R12: a Wednesday at 10:00 after 2025-12-01 is office hours, a violation.
        certificate("RK000010", "erik", "2025-12-10 10:00", "2025-12-24 10:00")
        # Julafton is no holiday-free weekday: 10:00 is allowed.
        certificate("RK000011", "frida", "2025-12-24 10:00", "2026-01-07 10:00")
        # R13: issued before 2025-12-01 and running past it.
        certificate("RK000012", "ivan", "2025-11-20 10:00", "2025-12-04 10:00")
        # A renewal outside office hours (Monday 16:00), within 14 days.
        certificate("RK000011", "frida", "2026-01-05 16:00", "2026-01-19 16:00", kind="renewal")
        # R14: Region Demo does not accept LoA2 after 2026-06-30 ...
        certificate("RK000013", "frida", "2026-06-25 20:00", "2026-07-09 20:00", national=False)
        # ... hemtjanst-demo does, and the certificate is marked not valid for NLL/Pascal/NPÖ.
        certificate(
            "RK000014", "erik", "2026-06-26 20:00", "2026-07-10 20:00", national=False, in_unit=True
        )
        session.commit()
