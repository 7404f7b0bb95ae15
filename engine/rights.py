"""Roles (BPMN lanes) and the administrator rights that grant them (R5).

A lane in a BPMN file names a role; a person may work a task when one of their rights
grants that role on the day, for the task's organisation or one above it. LoA3 rights
count only once both training and approval are recorded (R5: LoA2 admins do not get
LoA3 rights automatically).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from engine.errors import NotPermitted
from engine.model import AdminRight
from engine.model import Organisation
from engine.model import Person

ID_ADMIN_FULL = "id_admin_full"
RESERVE_LOA3 = "reserve_loa3"
RESERVE_LOA2 = "reserve_loa2"
REMOTE_RESERVE_ADMIN = "remote_reserve_admin"
SERVICE_DESK = "service_desk"
PROCESS_OWNER = "process_owner"
MANAGER = "manager"
AUDITOR = "auditor"
SYSTEM_ADMIN = "system_admin"

RIGHTS = (
    ID_ADMIN_FULL,
    RESERVE_LOA3,
    RESERVE_LOA2,
    REMOTE_RESERVE_ADMIN,
    SERVICE_DESK,
    PROCESS_OWNER,
    MANAGER,
    AUDITOR,
    SYSTEM_ADMIN,
)

# R5: which rights grant which role (lane name).
ROLE_GRANTED_BY: dict[str, frozenset[str]] = {
    # R5, R16: ordinary cards are issued (ordered and activated) by full ID administrators.
    "full_admin": frozenset({ID_ADMIN_FULL}),
    "loa3_admin": frozenset({ID_ADMIN_FULL, RESERVE_LOA3}),
    "loa2_admin": frozenset({ID_ADMIN_FULL, RESERVE_LOA3, RESERVE_LOA2}),
    "remote_admin": frozenset({REMOTE_RESERVE_ADMIN}),
    "service_desk": frozenset({SERVICE_DESK}),
    "process_owner": frozenset({PROCESS_OWNER}),
    "manager": frozenset({MANAGER}),
    "auditor": frozenset({AUDITOR}),
    "system_admin": frozenset({SYSTEM_ADMIN}),
    # R9: who asks for a LoA3 renewal (the loa3-renewal start lane): either kind of staff.
    "loa3_renewer": frozenset({ID_ADMIN_FULL, RESERVE_LOA3, SERVICE_DESK}),
    # R20: a card user acts for themself (by their employment) and attesters by name (a
    # task's `assignee`), never through an administrator's right.
    "card_user": frozenset(),
}
RIGHTS_NEEDING_TRAINING = frozenset({ID_ADMIN_FULL, RESERVE_LOA3})

ROLE_LABELS: dict[str, tuple[str, str]] = {
    "full_admin": ("ID-administratör med full behörighet", "full ID administrator"),
    "loa3_admin": ("ID-administratör med behörighet för reservkort LoA3", "LoA3 ID administrator"),
    "loa2_admin": ("ID-administratör för reservkort LoA2", "LoA2 ID administrator"),
    "remote_admin": ("reservkortsadministratör på distans", "remote reserve-card administrator"),
    "service_desk": ("TjänsteID/Servicecenter", "service desk"),
    "process_owner": ("processägare", "process owner"),
    "manager": ("chef", "manager"),
    "auditor": ("granskare", "auditor"),
    "system_admin": ("systemadministratör", "system administrator"),
    "loa3_renewer": (
        "ID-administratör med LoA3-behörighet eller TjänsteID",
        "LoA3 ID administrator or service desk",
    ),
    "card_user": ("kortanvändare", "card user"),
}


def right_is_in_force(right: AdminRight, on: date) -> bool:
    """R5: in its validity period, and for LoA3 rights trained and approved by `on`."""
    if right.valid_from > on or (right.valid_to is not None and on > right.valid_to):
        return False
    if right.right in RIGHTS_NEEDING_TRAINING:
        return (
            right.trained_on is not None
            and right.approved_on is not None
            and right.trained_on <= on
            and right.approved_on <= on
        )
    return True


def covers(right: AdminRight, organisation: Organisation | None) -> bool:
    """A right covers its own organisation and every unit below it."""
    if organisation is None:
        return True
    return any(org.id == right.organisation_id for org in organisation.lineage())


def rights_granting(
    person: Person, role: str, on: date, organisation: Organisation | None = None
) -> list[AdminRight]:
    granted_by = ROLE_GRANTED_BY.get(role, frozenset())
    return [
        right
        for right in person.rights
        if right.right in granted_by
        and right_is_in_force(right, on)
        and covers(right, organisation)
    ]


def has_role(person: Person, role: str, on: date, organisation: Organisation | None = None) -> bool:
    return bool(rights_granting(person, role, on, organisation))


def roles_of(person: Person, on: date) -> list[str]:
    return [role for role in ROLE_GRANTED_BY if has_role(person, role, on)]


def role_label(role: str | None, lang: str = "sv") -> str:
    if role is None:
        return ""
    sv, en = ROLE_LABELS.get(role, (role, role))
    return sv if lang == "sv" else en


def people_with_role(
    people: Iterable[Person], role: str, on: date, organisation: Organisation | None
) -> list[Person]:
    return [person for person in people if has_role(person, role, on, organisation)]


def require_process_owner(person: Person, on: date) -> None:
    """S1: only a process owner on that day deploys, activates, suspends or migrates."""
    if not has_role(person, PROCESS_OWNER, on):
        raise NotPermitted(
            f"{person.username} är inte processägare och får inte ändra processer (S1). / "
            f"{person.username} is not a process owner and may not change processes (S1).",
            rule="S1",
        )


# R5 (and R9, R15): the LoA each role (lane) may issue or renew. Remote reserve-card
# admins only order (R15); the service desk issues LoA2 from an order and renews either.
ISSUE_LOAS_BY_ROLE: dict[str, frozenset[int]] = {
    "loa3_admin": frozenset({2, 3}),
    "loa2_admin": frozenset({2}),
    "service_desk": frozenset({2}),
}
RENEW_LOAS_BY_ROLE: dict[str, frozenset[int]] = {
    "loa3_admin": frozenset({2, 3}),
    "loa2_admin": frozenset({2}),
    "service_desk": frozenset({2, 3}),
}


def role_may_issue(role: str | None, loa: int, *, renewal: bool = False) -> bool:
    """R5: may a person in `role` issue (or renew) a certificate at `loa`?"""
    table = RENEW_LOAS_BY_ROLE if renewal else ISSUE_LOAS_BY_ROLE
    return loa in table.get(role or "", frozenset())
