"""R18: the holder is e-mailed 30 days before a certificate expires, once, through the
outbox; how it relates to the 14-day LoA2 loop (R11, R15)."""

from __future__ import annotations

from typing import Any

from engine.services import queries
from engine.services.expiry_reminders import send_expiry_reminders
from engine.services.timers import fire_due_timers
from tests.support.flows import Flows


def loa3_card(flows: Flows, until: str = "2027-05-01") -> int:
    case = flows.at("2026-11-23 10:00").start_loa3("anna", holder="frida")
    flows.at("2026-11-23 10:05").complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="passport",
        card_number="RK000020",
        valid_until=until,
    )
    return case.id


def mails_to(flows: Flows, user: str) -> list[dict[str, Any]]:
    address = f"{user}@region-demo.example"
    return [m for m in queries.list_outbox(flows.runtime) if m["to"] == address]


def test_r18_the_holder_is_mailed_once_30_days_before_a_loa3_certificate_expires(
    flows: Flows,
) -> None:
    case_id = loa3_card(flows)  # valid through 2027-05-01 23:59:59
    assert send_expiry_reminders(flows.runtime, flows.at("2027-04-01 23:59").clock) == []
    sent = send_expiry_reminders(flows.runtime, flows.at("2027-04-02 00:00").clock)
    assert [(r.card_number, r.to, r.case_id) for r in sent] == [
        ("RK000020", "frida@region-demo.example", case_id)
    ]
    [mail] = mails_to(flows, "frida")
    assert "2027-05-01" in mail["subject"]
    assert send_expiry_reminders(flows.runtime, flows.at("2027-04-10 12:00").clock) == []
    assert len(mails_to(flows, "frida")) == 1
    history = flows.case(case_id)["history"]
    assert [h["rule"] for h in history if h["action"] == "expiry_reminder"] == ["R18"]


def test_r18_a_renewed_certificate_is_not_warned_about_its_successor_is(flows: Flows) -> None:
    loa3_card(flows, until="2027-01-15")
    renewal = flows.at("2027-01-04 10:00").start("loa3-renewal", "sara", card_number="RK000020")
    flows.complete(renewal.id, "renew_loa3", "sara", valid_until="2027-07-01")
    assert send_expiry_reminders(flows.runtime, flows.at("2027-01-10 12:00").clock) == []
    assert not [m for m in mails_to(flows, "frida") if "går ut" in m["subject"]]
    sent = send_expiry_reminders(flows.runtime, flows.at("2027-06-02 00:00").clock)
    assert [r.valid_until.date().isoformat() for r in sent] == ["2027-07-01"]


def test_r18_r15_a_14_day_loa2_certificate_gets_no_r18_mail_its_renewal_loop_reminds(
    flows: Flows,
) -> None:
    """A LoA2 certificate lives 14 days (R11), all of it inside R18's 30 days: the R18 mail
    would come at issue. The loop's reminder to the administrators comes instead (R15)."""
    flows.at("2026-11-26 15:30").start(
        "loa2-onsite",
        "cecilia",
        holder="erik",
        id_document="passport",
        card_number="RK000010",
        valid_until="2026-12-08",
    )
    for at in ("2026-11-26 15:31", "2026-12-06 12:00", "2026-12-08 20:00"):
        assert send_expiry_reminders(flows.runtime, flows.at(at).clock) == []
    fire_due_timers(flows.runtime, flows.at("2026-12-06 00:00").clock)
    assert mails_to(flows, "erik") == []
    assert len(mails_to(flows, "cecilia")) == 1  # the renewal reminder (R11, R15)
