"""Web login: who may sign in, and the lockout after repeated failures.

Five wrong passwords in a row lock the account for 15 minutes. Every sign-in, failure and
lockout is audited, in its own transaction, so that a refused login still leaves a trace
(the authority audits every login, R12). Unknown user names get the same answer as a
wrong password so that the login page does not reveal who exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from engine.clock import Clock
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.identifiers import normal_username
from engine.model import Person
from engine.passwords import verify_password
from engine.policy.timekeeping import describe_local_en
from engine.policy.timekeeping import describe_local_sv
from engine.policy.timekeeping import to_local
from engine.rights import roles_of
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.runtime import Runtime

MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15

WRONG_CREDENTIALS = "Fel användarnamn eller lösenord. / Wrong user name or password."


@dataclass(frozen=True)
class Account:
    """A signed-in user as the web sees it: the roles are judged on the clock's day."""

    username: str
    display_name: str
    roles: tuple[str, ...]

    def has_any_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


def authenticate(runtime: Runtime, clock: Clock, username: str, password: str) -> Account:
    """The account for a correct password; otherwise NotPermitted, with the failure counted."""
    username = normal_username(username)
    now = clock.now()
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        person = session.scalars(select(Person).where(Person.username == username)).first()
        audit = AuditContext(actor=username or "?", role="login")
        if person is None:
            record(session, clock, audit, "login_failed", message="unknown user")
            uow.commit()
            raise NotPermitted(WRONG_CREDENTIALS)
        if person.locked_until is not None and person.locked_until > now:
            record(session, clock, audit, "login_refused_locked")
            uow.commit()
            raise NotPermitted(_locked_message(person))
        if not verify_password(password, person.password_hash):
            person.failed_logins += 1
            if person.failed_logins >= MAX_FAILED_LOGINS:
                person.locked_until = now + timedelta(minutes=LOCKOUT_MINUTES)
                person.failed_logins = 0
                record(session, clock, audit, "locked_out", message=_locked_message(person))
                uow.commit()
                raise NotPermitted(_locked_message(person))
            record(
                session, clock, audit, "login_failed", details={"failures": person.failed_logins}
            )
            uow.commit()
            raise NotPermitted(WRONG_CREDENTIALS)
        person.failed_logins = 0
        person.locked_until = None
        record(session, clock, audit, "login")
        account = _account(person, clock)
        uow.commit()
        return account


def load_account(runtime: Runtime, clock: Clock, username: str) -> Account:
    """The account behind a session; NotFound when the user was removed meanwhile."""
    with runtime.database.sessions() as session:
        person = session.scalars(select(Person).where(Person.username == username)).first()
        if person is None or person.password_hash is None:
            raise NotFound(f"Okänd användare '{username}'. / Unknown user '{username}'.")
        return _account(person, clock)


def record_logout(runtime: Runtime, clock: Clock, username: str) -> None:
    with runtime.unit_of_work(clock) as uow:
        record(uow.session, clock, AuditContext(actor=username, role="login"), "logout")
        uow.commit()


def _account(person: Person, clock: Clock) -> Account:
    day = to_local(clock.now()).date()
    return Account(
        username=person.username or "",
        display_name=person.display_name,
        roles=tuple(roles_of(person, day)),
    )


def _locked_message(person: Person) -> str:
    assert person.locked_until is not None
    return (
        f"Kontot är låst efter {MAX_FAILED_LOGINS} misslyckade inloggningar, till "
        f"{describe_local_sv(person.locked_until)}. / The account is locked after "
        f"{MAX_FAILED_LOGINS} failed logins, until {describe_local_en(person.locked_until)}."
    )
