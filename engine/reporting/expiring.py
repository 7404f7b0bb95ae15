"""Expiring certificates: the newest certificate of each issued card that runs out in a window.

For each one the report says where its renewal stands and who must act next: the remote
administrator who requests a LoA2 renewal, the service desk that renews (R15), the
service desk's renewal forms for LoA3 (R9), or a new LoA3 card where R14 ends LoA2 for
the holder's organisation on 2026-06-30.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from sqlalchemy import and_
from sqlalchemy import exists
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from engine.model import Case
from engine.model import CaseTask
from engine.model import Certificate
from engine.model import Person
from engine.model import ReserveCard
from engine.model.cards import CARD_ISSUED
from engine.model.cases import CASE_OPEN
from engine.model.cases import TASK_READY
from engine.policy.timekeeping import end_of_local_day
from engine.policy.timekeeping import to_local
from engine.policy.validity import LOA2_NATIONAL_END
from engine.reporting.common import StaffIndex
from engine.reporting.common import person_label
from engine.reporting.common import stream
from engine.services.read_scope import ReadScope
from engine.services.read_scope import certificates_in_scope

# Renewal states.
AWAITING_REQUEST = "awaiting_request"  # request_renewal is ready (remote admin)
AWAITING_RENEWAL = "awaiting_renewal"  # renew_loa2 is ready (service desk)
LOA3_RENEWAL_FORM = "loa3_renewal_form"  # R9: the service desk renews from a form
NEW_LOA3_CARD = "new_loa3_card"  # R14: LoA2 cannot go on past 2026-06-30 here
NO_OPEN_CASE = "no_open_case"  # LoA2 without a running renewal loop

REMOTE_ADMIN = "remote_admin"
SERVICE_DESK = "service_desk"
LOA3_ADMIN = "loa3_admin"


@dataclass(frozen=True)
class ExpiringRow:
    valid_until: datetime  # local
    days_left: float
    card_number: str
    loa: int
    holder: str
    organisation: str
    case_id: int | None
    state: str
    actor_role: str
    actors: tuple[str, ...]


@dataclass
class ExpiringSummary:
    total: int = 0
    by_state: Counter[str] = field(default_factory=Counter)
    by_loa: Counter[int] = field(default_factory=Counter)

    def add(self, row: ExpiringRow) -> None:
        self.total += 1
        self.by_state[row.state] += 1
        self.by_loa[row.loa] += 1


class ExpiringCertificates:
    """Streams certificates expiring in [start, end); `now` measures the days left."""

    def __init__(
        self,
        session: Session,
        staff: StaffIndex,
        start: datetime,
        end: datetime,
        now: datetime,
        *,
        scope: ReadScope | None = None,
    ) -> None:
        self._session = session
        self._scope = scope
        self._staff = staff
        self._start = start
        self._end = end
        self._now = now
        self.summary = ExpiringSummary()

    def rows(self) -> Iterator[ExpiringRow]:
        later = aliased(Certificate)
        holder = aliased(Person)
        task = aliased(CaseTask)
        ready_task = (
            select(task.name)
            .where(task.case_id == Certificate.case_id, task.state == TASK_READY)
            .order_by(task.created_at.desc())
            .limit(1)
            .scalar_subquery()
        )
        claimed_by = (
            select(Person.username)
            .join(task, task.claimed_by_id == Person.id)
            .where(task.case_id == Certificate.case_id, task.state == TASK_READY)
            .limit(1)
            .scalar_subquery()
        )
        query = (
            select(
                Certificate,
                ReserveCard.organisation_id,
                Case.organisation_id,
                Case.state,
                holder.username,
                holder.identity_number,
                holder.display_name,
                ready_task,
                claimed_by,
            )
            .join(ReserveCard, ReserveCard.number == Certificate.card_number)
            .join(holder, holder.id == Certificate.holder_id)
            .outerjoin(Case, Case.id == Certificate.case_id)
            .where(
                Certificate.valid_until >= self._start,
                Certificate.valid_until < self._end,
                ReserveCard.state == CARD_ISSUED,
                # Only the newest certificate of a card: a renewed one has been replaced.
                ~exists().where(
                    and_(
                        later.card_number == Certificate.card_number,
                        later.valid_from > Certificate.valid_from,
                    )
                ),
            )
            .order_by(Certificate.valid_until, Certificate.id)
        )
        if self._scope is not None:
            query = certificates_in_scope(query, self._scope)  # S2
        for record in stream(self._session, query):
            row = self._row(*record)
            self.summary.add(row)
            yield row

    def _row(
        self,
        cert: Certificate,
        card_org: int,
        case_org: int | None,
        case_state: str | None,
        h_user: str | None,
        h_number: str | None,
        h_name: str | None,
        ready_task: str | None,
        claimed_by: str | None,
    ) -> ExpiringRow:
        organisation_id = case_org if case_org is not None else card_org
        day = to_local(self._now).date()
        if cert.loa == 3:
            state, role = LOA3_RENEWAL_FORM, SERVICE_DESK
        elif cert.valid_until >= end_of_local_day(
            LOA2_NATIONAL_END
        ) and not self._staff.accepts_loa2_after_national_end(organisation_id):
            # R14 (and R4): no renewal past 2026-06-30; the holder needs a LoA3 card.
            state, role = NEW_LOA3_CARD, LOA3_ADMIN
        elif case_state == CASE_OPEN and ready_task == "request_renewal":
            state, role = AWAITING_REQUEST, REMOTE_ADMIN
        elif case_state == CASE_OPEN and ready_task == "renew_loa2":
            state, role = AWAITING_RENEWAL, SERVICE_DESK
        else:
            state, role = NO_OPEN_CASE, REMOTE_ADMIN
        if claimed_by:
            actors: tuple[str, ...] = (claimed_by,)
        else:
            scope = organisation_id if role == REMOTE_ADMIN else None
            actors = tuple(
                person.username or person.display_name
                for person in self._staff.people_with_role(role, scope, day)
            )
        return ExpiringRow(
            valid_until=to_local(cert.valid_until),
            days_left=(cert.valid_until - self._now).total_seconds() / 86400,
            card_number=cert.card_number,
            loa=cert.loa,
            holder=person_label(h_user, h_number, h_name),
            organisation=self._staff.organisation_name(organisation_id),
            case_id=cert.case_id,
            state=state,
            actor_role=role,
            actors=actors,
        )
