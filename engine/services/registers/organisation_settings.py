"""Organisation settings of R14, R20 and R22, dated (S6: a setting takes effect from the
date it names, never earlier than the day it is set, and an event is judged by the value
in force on its own day).

Each change is a dated row in `organisation_settings`; the Organisation column keeps the
value in force today (so readers that look only at the column see today's value) and
`setting_in_force` answers for any day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Invalid
from engine.model import Organisation
from engine.model import OrganisationSetting
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.registers.common import SETTING_OWNERS
from engine.services.registers.common import organisation_by_code
from engine.services.registers.common import owner
from engine.services.registers.common import today
from engine.services.runtime import Runtime

# setting name: (rule, Swedish, English)
SETTINGS: dict[str, tuple[str, str, str]] = {
    "accepts_loa2_after_national_end": (
        "R14",
        "godtar LoA2 i egna system efter 2026-06-30",
        "accepts LoA2 for its own systems after 2026-06-30",
    ),
    "allows_forgotten_card": (
        "R20",
        "tillåter tillfälligt reservkort vid glömt kort",
        "allows temporary reserve cards for a forgotten card",
    ),
    "photo_reuse_for_door_access": (
        "R22",
        "återanvänder kortfoto för passersystem (användarna informerade)",
        "reuses card photos for door access (users told)",
    ),
}


@dataclass(frozen=True)
class DatedValue:
    value: bool
    effective_from: date
    set_by: str


@dataclass(frozen=True)
class SettingState:
    name: str
    rule: str
    label_sv: str
    label_en: str
    value_today: bool
    history: tuple[DatedValue, ...]


@dataclass(frozen=True)
class OrganisationSettings:
    code: str
    name: str
    settings: tuple[SettingState, ...]


def show_settings(runtime: Runtime, clock: Clock, organisation: str) -> OrganisationSettings:
    day = today(clock)
    with runtime.database.sessions() as session:
        org = organisation_by_code(session, organisation)
        return _state(session, org, day)


def set_setting(
    runtime: Runtime,
    clock: Clock,
    actor: str,
    organisation: str,
    setting: str,
    value: bool,
    effective_from: date | None = None,
) -> OrganisationSettings:
    """Record `setting` = `value` from `effective_from` (default today); S6."""
    if setting not in SETTINGS:
        raise Invalid(
            f"Okänd inställning '{setting}'; välj {', '.join(SETTINGS)}. / "
            f"Unknown setting '{setting}'; choose {', '.join(SETTINGS)}."
        )
    rule = SETTINGS[setting][0]
    day = today(clock)
    starts = effective_from or day
    if starts < day:
        raise Invalid(
            f"En inställning gäller från ett datum som inte passerat, inte {starts} (S6). / "
            f"A setting takes effect from a date not yet past, not {starts} (S6).",
            rule="S6",
        )
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        org = organisation_by_code(session, organisation)
        person, role = owner(session, actor, SETTING_OWNERS, day, org)
        session.add(
            OrganisationSetting(
                organisation=org,
                setting=setting,
                value=value,
                effective_from=starts,
                set_by=person.label,
                set_at=clock.now(),
            )
        )
        uow.flush()
        setattr(org, setting, setting_in_force(session, org, setting, day))
        record(
            session,
            clock,
            AuditContext(actor=person.label, role=role),
            "organisation_setting_changed",
            rule=rule,
            details={
                "organisation": org.code,
                "setting": setting,
                "value": value,
                "effective_from": starts.isoformat(),
            },
        )
        uow.commit()
        return _state(session, org, day)


def setting_in_force(session: Session, organisation: Organisation, setting: str, on: date) -> bool:
    """S6: the value of `setting` for `organisation` on `on`: the latest dated row from on
    or before `on` (the newest recorded wins a tie), else the organisation's column."""
    row = session.scalars(
        select(OrganisationSetting)
        .where(
            OrganisationSetting.organisation_id == organisation.id,
            OrganisationSetting.setting == setting,
            OrganisationSetting.effective_from <= on,
        )
        .order_by(OrganisationSetting.effective_from.desc(), OrganisationSetting.id.desc())
        .limit(1)
    ).first()
    if row is not None:
        return row.value
    return bool(getattr(organisation, setting))


def _state(session: Session, org: Organisation, day: date) -> OrganisationSettings:
    rows = session.scalars(
        select(OrganisationSetting)
        .where(OrganisationSetting.organisation_id == org.id)
        .order_by(OrganisationSetting.effective_from, OrganisationSetting.id)
    ).all()
    states = []
    for name, (rule, sv, en) in SETTINGS.items():
        history = tuple(
            DatedValue(r.value, r.effective_from, r.set_by) for r in rows if r.setting == name
        )
        states.append(
            SettingState(name, rule, sv, en, setting_in_force(session, org, name, day), history)
        )
    return OrganisationSettings(org.code, org.name, tuple(states))
