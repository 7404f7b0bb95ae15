"""Which roles (engine.rights) open which pages. The engine still checks every action;
this only keeps people out of pages that would show them nothing they may use."""

from __future__ import annotations

from collections.abc import Mapping

from reports.request import AUDIT
from reports.request import LOA2_COMPLIANCE
from reports.request import REPORT_NAMES

# People who work tasks in the queues (BPMN lanes).
WORKERS = ("loa3_admin", "loa2_admin", "remote_admin", "service_desk")
# People who read cases, cards and people.
READERS = (*WORKERS, "process_owner", "manager", "auditor")
LOA3_STARTERS = ("loa3_admin",)
LOA2_ORDERERS = ("remote_admin",)
LOA2_STATION_ADMINS = ("loa2_admin",)  # loa2-onsite (R5; the engine checks the station)
LOA3_RENEWERS = ("loa3_admin", "service_desk")  # loa3-renewal (R9)
ORDINARY_CARD_ORDERERS = ("full_admin",)  # R5, R16
EMPLOYMENT_END_STARTERS = ("service_desk",)  # R19
# R3, R20: anyone employed that day (engine.services.accounts.Account.card_user) starts a
# forgotten-card case for themself and works the attest steps assigned to them by name.
# They read only their own cases and the cases they attest (S2, engine read_scope).
CARD_USERS = ("card_user",)
FORGOTTEN_CARD_STARTERS = CARD_USERS
# Who opens the queue page and a task's form: the lanes' workers and the attesters.
TASK_WORKERS = (*WORKERS, *CARD_USERS)
# Who opens the case list and a case page (the engine's S2 scope narrows every row).
CASE_READERS = (*READERS, *CARD_USERS)
ADMINS = ("system_admin",)

# The printed reports (issue 4). Managers print every report for their region's meetings.
# Auditors of the national authority check LoA2 use against the dispensation and trace
# single cases, so they get the compliance report and the audit extract only: the other
# reports are the region's own operational figures (staffing, deadlines, expiring cards),
# which the authority has not asked for, and least privilege keeps them out.
REPORTS_BY_ROLE: Mapping[str, tuple[str, ...]] = {
    "manager": REPORT_NAMES,
    "auditor": (LOA2_COMPLIANCE, AUDIT),
}
REPORT_READERS = tuple(REPORTS_BY_ROLE)


def reports_for(roles: tuple[str, ...]) -> tuple[str, ...]:
    """The reports any of `roles` may print, in the order of REPORT_NAMES."""
    allowed = {name for role in roles for name in REPORTS_BY_ROLE.get(role, ())}
    return tuple(name for name in REPORT_NAMES if name in allowed)
