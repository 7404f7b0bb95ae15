"""The rules a simulated step is judged by: rule ID, inputs and outcome, for each decision.

A process owner simulating a draft asks not only "where does the case go?" but "which rule
lets it, or stops it, there?". At each simulated start and task this module takes the
decisions the engine's domain actions take (engine.services.actions, station_actions) on
what a simulation knows: the instant on the Swedish calendar with its closing days, the
step's LoA, lane and model, and the decision tables — the draft's own tables from the
moment a deploy could make them judge (S6: never earlier than the deploy), the tables in
force before that. Judged here: R1/R4 (the step's LoA against the case's), R5 (the role of
the step's lane), R6/R7 (two LoA3 administrators, a deadline timer), R9 (the service desk's
hours), R12 (office hours), R15 (a remote order), the validity ceiling (the
validity-limits table capped by R9/R11, R13, R14) and the renewal reminder's lead time
(the renewal-reminder table). What needs real people and cards (rights in force, R3
employment, age and identity, R2 stock) is judged on a real case only: the simulated
workers hold the rights their lanes name. R14 reads the setting of the organisation the
scenario names (`"organisation": code`), else the rule's default (LoA2 not accepted).

A refusal is a decision too (`passed=False`); the simulation stops at its step, as a real
case would wait there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import DomainError
from engine.errors import Invalid
from engine.invariants import CERTIFICATE_ACTIONS
from engine.invariants import RENEW_ACTION
from engine.invariants import SERVICE_DESK_ROLE
from engine.invariants import certificate_loa
from engine.invariants import require_case_loa
from engine.model import Organisation
from engine.policy.calendar import SwedishCalendar
from engine.policy.office_hours import LOA2_OFFICE_HOURS_RULE_FROM
from engine.policy.office_hours import check_loa2_issue_time
from engine.policy.service_hours import check_service_desk_hours
from engine.policy.service_hours import next_service_desk_opening
from engine.policy.timekeeping import add_local_days
from engine.policy.timekeeping import format_local
from engine.policy.timekeeping import to_local
from engine.policy.validity import is_valid_for_national_systems
from engine.rights import ROLE_GRANTED_BY
from engine.rights import role_may_issue
from engine.runner.definitions import deadline_days
from engine.runner.definitions import has_deadline_timer
from engine.services.deploy.smoke import _action_data
from engine.services.policy import RENEWAL_REMINDER
from engine.services.policy import VALIDITY_LIMITS
from engine.services.policy import PolicyReader
from engine.services.registers.organisation_settings import setting_in_force
from engine.services.rule_decisions import RuleDecision
from engine.services.rule_decisions import Step
from engine.services.rule_decisions import checked
from engine.services.rule_decisions import failed
from engine.services.rule_decisions import passed
from engine.services.rule_decisions import refused
from engine.services.simulated_validity import ceiling_of
from engine.services.simulated_validity import reminder_of
from engine.services.simulated_validity import validity_limit

ISSUE_AT_STATION = "issue_at_station"
FIRST_VERIFICATION = "first_verification"
ORDER_LOA2 = "order_loa2"
SELECT_FOR_RENEWAL = "select_card_for_renewal"
LOA2_SETTING = "accepts_loa2_after_national_end"


@dataclass(frozen=True)
class Judged:
    """What a simulated step adds to the case data, and the decisions taken on the way."""

    data: dict[str, Any]
    decisions: tuple[RuleDecision, ...]

    @property
    def refused(self) -> bool:
        return any(not d.passed for d in self.decisions)


class RuleBook:
    """The calendar, the tables and the organisation a simulation judges by, read once."""

    def __init__(
        self,
        session: Session,
        *,
        spec_json: str,
        draft_files: Mapping[str, str],
        deploy_from: datetime,
        organisation: str | None,
    ) -> None:
        self._session = session
        self._reader = PolicyReader(session)
        self._spec_json = spec_json
        self._draft = draft_files
        self._deploy_from = deploy_from
        self._organisation = _organisation(session, organisation)
        self._organisation_code = organisation

    @property
    def calendar(self) -> SwedishCalendar:
        return self._reader.calendar

    def table(self, decision_id: str, at: datetime) -> tuple[str, str]:
        """(DMN text, label): the draft's table once a deploy could bring it in (S6), else
        the version in force at `at`."""
        draft = self._draft.get(f"{decision_id}.dmn")
        if draft is not None and at >= self._deploy_from:
            return draft, f"{decision_id} (utkast) / {decision_id} (draft)"
        version = self._reader.decision_in_force(decision_id, at)
        return version.source_xml, version.label

    def accepts_loa2(self, at: datetime) -> tuple[bool, str]:
        """R14: the scenario organisation's setting in force that day (S6), and how to show it."""
        if self._organisation is None:
            return False, "ingen, standard: nej / none, default: no"
        day = to_local(at).date()
        accepts = any(
            setting_in_force(self._session, org, LOA2_SETTING, day)
            for org in self._organisation.lineage()
        )
        code = self._organisation_code
        shown = f"{code}: ja / {code}: yes" if accepts else f"{code}: nej / {code}: no"
        return accepts, shown

    def judge(self, action: str | None, step: Step, case_data: Mapping[str, Any]) -> Judged:
        """The decisions of `step`'s domain action and the data it adds to the case."""
        base = _action_data(action, dict(step.properties), step.at)
        if action in CERTIFICATE_ACTIONS or action == ISSUE_AT_STATION:
            return self._certificate(action, step, case_data, base)
        if action == FIRST_VERIFICATION:
            decisions = [
                self._role(step, 3, renewal=False, verify=True),
                passed(
                    step,
                    "R6",
                    {"verification": "first"},
                    "Första identitetskontrollen; en annan LoA3-administratör utfärdar",
                    "First identity verification; another LoA3 administrator issues",
                ),
            ]
            return Judged(base, tuple(decisions))
        if action == ORDER_LOA2:
            ordered = passed(
                step,
                "R15",
                {"lane": step.lane or "—"},
                "Beställd med formulär; TjänsteID utfärdar",
                "Ordered by form; the service desk issues",
            )
            return Judged(base, (ordered,))
        if action == SELECT_FOR_RENEWAL:
            return self._service_desk_opening(step, base)
        return Judged(base, ())

    def _certificate(
        self, action: str, step: Step, case_data: Mapping[str, Any], base: dict[str, Any]
    ) -> Judged:
        decisions: list[RuleDecision] = []
        renewal = action == RENEW_ACTION
        try:
            loa = certificate_loa(dict(step.properties), action)
        except DomainError as error:
            return Judged(base, (refused(step, error, {"loa": step.properties.get("loa", "—")}),))
        checks: list[RuleDecision] = [
            checked(
                step,
                "R1",
                {"case_loa": str(case_data.get("loa", "—")), "step_loa": str(loa)},
                lambda: require_case_loa(dict(case_data), loa),
                f"Steget ger samma nivå som ärendet (LoA{loa})",
                f"The step gives the case's own level (LoA{loa})",
            ),
            self._role(step, loa, renewal=renewal),
        ]
        if loa == 3 and not renewal:
            checks += [self._deadline(step), self._second_admin(step, case_data)]
        if loa == 3 and renewal and step.lane == SERVICE_DESK_ROLE:
            checks.append(self._service_desk_hours(step))
        if loa == 2:
            checks.append(self._office_hours(step))
        decisions += checks
        if any(not d.passed for d in decisions):
            return Judged(base, tuple(decisions))
        limit, table_decision = validity_limit(step, loa, self.table(VALIDITY_LIMITS, step.at))
        decisions.append(table_decision)
        if limit is None:
            return Judged(base, tuple(decisions))
        valid_until, more = ceiling_of(step, loa, limit, self.accepts_loa2(step.at))
        decisions += more
        if valid_until is None:
            return Judged(base, tuple(decisions))
        lead, reminder = reminder_of(step, loa, valid_until, self.table(RENEWAL_REMINDER, step.at))
        decisions.append(reminder)
        data = {
            **base,
            "loa": loa,
            "valid_until": to_local(valid_until).isoformat(),
            "certificate_valid_until": valid_until.isoformat(),
            "reminder_at": add_local_days(valid_until, -lead).isoformat(),
            "valid_for_national_systems": is_valid_for_national_systems(loa, valid_until),
        }
        return Judged(data, tuple(decisions))

    def _role(self, step: Step, loa: int, *, renewal: bool, verify: bool = False) -> RuleDecision:
        """R5 for the simulated worker: a person of the step's lane, judged by the rights
        that grant the lane (a lane such as `loa3_renewer` is granted by several)."""
        inputs = {"lane": step.lane or "—", "loa": str(loa)}
        what_sv = "förnya" if renewal else ("styrka identitet för" if verify else "utfärda")
        what_en = "renew" if renewal else ("verify identity for" if verify else "issue")
        lane_rights = ROLE_GRANTED_BY.get(step.lane or "", frozenset())
        allowed = frozenset().union(
            *(
                rights
                for role, rights in ROLE_GRANTED_BY.items()
                if role_may_issue(role, loa, renewal=renewal)
            )
        )
        if lane_rights and lane_rights <= allowed:
            return passed(
                step,
                "R5",
                inputs,
                f"Lanens roll får {what_sv} LoA{loa}",
                f"The lane's role may {what_en} LoA{loa}",
            )
        return failed(
            step,
            "R5",
            inputs,
            f"Alla i lanens roll får inte {what_sv} LoA{loa}; motorn nekar dem som saknar "
            "behörigheten (S3)",
            f"Not everyone in the lane's role may {what_en} LoA{loa}; the engine refuses those "
            "without the right (S3)",
        )

    def _deadline(self, step: Step) -> RuleDecision:
        days = deadline_days(self._spec_json, "R7")
        inputs = {"deadline_timer": f"{days} d" if days is not None else "—"}
        if has_deadline_timer(self._spec_json, "R7"):
            return passed(
                step,
                "R7",
                inputs,
                "Andra verifieringen har en tidsfrist",
                "The second verification has a deadline",
            )
        return failed(
            step,
            "R7",
            inputs,
            "Versionen ger andra verifieringen ingen tidsfrist; LoA3 utfärdas inte",
            "The version gives the second verification no deadline; LoA3 is not issued",
        )

    def _second_admin(self, step: Step, case_data: Mapping[str, Any]) -> RuleDecision:
        first = case_data.get("first_admin")
        inputs = {"first_verification": "ja / yes" if first else "nej / no"}
        if first:
            return passed(
                step,
                "R6",
                inputs,
                "En andra LoA3-administratör, inte den första, utfärdar",
                "A second LoA3 administrator, not the first, issues",
            )
        return failed(
            step,
            "R6",
            inputs,
            "Ingen första identitetskontroll; LoA3 utfärdas bara av två administratörer",
            "No first identity verification; LoA3 is issued only by two administrators",
        )

    def _office_hours(self, step: Step) -> RuleDecision:
        local = to_local(step.at)
        closed = self.calendar.closed_reason(local.date())
        inputs = {
            "local_time": local.strftime("%Y-%m-%d %H:%M"),
            "holiday_free_weekday": f"nej ({closed}) / no ({closed})" if closed else "ja / yes",
        }
        if local.date() < LOA2_OFFICE_HOURS_RULE_FROM:
            sv, en = "Före 2025-12-01: LoA2 när som helst", "Before 2025-12-01: LoA2 at any time"
        else:
            sv, en = "Utanför kontorstid", "Outside office hours"
        return checked(
            step, "R12", inputs, lambda: check_loa2_issue_time(step.at, self.calendar), sv, en
        )

    def _service_desk_hours(self, step: Step) -> RuleDecision:
        local = to_local(step.at)
        return checked(
            step,
            "R9",
            {"local_time": local.strftime("%Y-%m-%d %H:%M")},
            lambda: check_service_desk_hours(step.at, self.calendar),
            "TjänsteID har öppet",
            "The service desk is open",
        )

    def _service_desk_opening(self, step: Step, base: dict[str, Any]) -> Judged:
        opens = next_service_desk_opening(step.at, self.calendar)
        data = {**base, "in_service_hours": opens == step.at, "service_opens_at": opens.isoformat()}
        decision = passed(
            step,
            "R9",
            {"local_time": format_local(step.at)},
            f"TjänsteID förlänger från {format_local(opens)}",
            f"The service desk renews from {format_local(opens)}",
        )
        return Judged(data, (self._role(step, 3, renewal=True), decision))


def _organisation(session: Session, code: str | None) -> Organisation | None:
    if code is None:
        return None
    found = session.scalars(select(Organisation).where(Organisation.code == code)).first()
    if found is None:
        raise Invalid(
            f"Scenariots organisation '{code}' finns inte. / "
            f"The scenario's organisation '{code}' does not exist."
        )
    return found
