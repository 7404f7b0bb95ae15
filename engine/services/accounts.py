"""Web login: who may sign in, the lockout after repeated failures, and the server-side
sessions that keep a browser signed in.

Five wrong passwords in a row lock the account for 15 minutes. Every sign-in, failure and
lockout is audited, in its own transaction, so that a refused login still leaves a trace
(the authority audits every login, R12). Unknown user names get the same answer as a
wrong password, after the same work (a password check against a dummy hash), so that
neither the page nor its timing tells who exists.

A sign-in opens a session: a random id the browser keeps (in Flask's signed cookie) and
whose SHA-256 is a `web_sessions` row tied to the person's id. Each request resumes it
from that row, so deleting the row signs the browser out everywhere: at logout, when an
administrator sets a new password or removes the user name (engine.services.administration),
and at deactivation. A user name given to a new person inherits nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import CursorResult
from sqlalchemy import Result
from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.identifiers import normal_username
from engine.model import ApiToken
from engine.model import Person
from engine.model import WebSession
from engine.passwords import hash_password
from engine.passwords import verify_password
from engine.policy.timekeeping import describe_local_en
from engine.policy.timekeeping import describe_local_sv
from engine.policy.timekeeping import to_local
from engine.rights import SYSTEM_ADMIN
from engine.rights import has_role
from engine.rights import roles_of
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.directory import find_user
from engine.services.forgotten_card import CARD_USER_ROLE
from engine.services.runtime import Runtime

MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15
SESSION_ID_BYTES = 32
# A session ends at the latest this long after its sign-in (judged by the clock the web
# runs on); signing in again prunes the person's sessions older than that.
SESSION_MAX_DAYS = 30

WRONG_CREDENTIALS = "Fel användarnamn eller lösenord. / Wrong user name or password."


@dataclass(frozen=True)
class Account:
    """A signed-in user as the web sees it: the roles are judged on the clock's day."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    # R3, R20: employed in some organisation that day, so a card user who may start a
    # forgotten-card case for themself and work an attest step assigned to them. No
    # administrator's right grants it (engine.rights: `card_user` is granted by none).
    card_user: bool = False

    def has_any_role(self, *roles: str) -> bool:
        """`card_user` counts as held by an employed account; the other roles by rights."""
        if self.card_user and CARD_USER_ROLE in roles:
            return True
        return any(role in self.roles for role in roles)


@dataclass(frozen=True)
class SignedIn:
    """A correct sign-in: the account and the new session's id (kept by the browser only)."""

    account: Account
    session_id: str


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash no password matches, checked for unknown names so a refusal takes as long
    as a wrong password (computed once per process)."""
    return hash_password(secrets.token_urlsafe(16))


def hash_session_id(session_id: str) -> str:
    """The stored form of a session id: SHA-256, hex (256 random bits need no slow hash)."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def authenticate(
    runtime: Runtime,
    clock: Clock,
    username: str,
    password: str,
    *,
    replaces: str | None = None,
) -> SignedIn:
    """A new session for a correct password; otherwise NotPermitted, with the failure
    counted. `replaces` is the browser's session id before, if any: a sign-in rotates it."""
    username = normal_username(username)
    now = clock.now()
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        person = session.scalars(select(Person).where(Person.username == username)).first()
        audit = AuditContext(actor=username or "?", role="login")
        if person is None or person.password_hash is None:
            # The same work as a wrong password: login time tells nothing of who exists.
            verify_password(password, _dummy_hash())
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
        if replaces:
            session.execute(_END_ONE, {"token_hash": hash_session_id(replaces)})
        session.execute(_END_OLD, {"person_id": person.id, "not_before": _not_before(now)})
        session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
        session.add(
            WebSession(token_hash=hash_session_id(session_id), person_id=person.id, created_at=now)
        )
        record(session, clock, audit, "login")
        account = _account(person, clock)
        uow.commit()
        return SignedIn(account, session_id)


# Built once so SQLAlchemy reuses their cache keys (a session is resumed on every page).
_SESSION_OF = (
    select(Person)
    .join(WebSession, WebSession.person_id == Person.id)
    .where(WebSession.token_hash == bindparam("token_hash"))
)
_RESUME = _SESSION_OF.where(WebSession.created_at > bindparam("not_before"))
_END_ONE = delete(WebSession).where(WebSession.token_hash == bindparam("token_hash"))
_END_OLD = delete(WebSession).where(
    WebSession.person_id == bindparam("person_id"),
    WebSession.created_at <= bindparam("not_before"),
)


def _not_before(now: datetime) -> datetime:
    return now - timedelta(days=SESSION_MAX_DAYS)


def resume_session(runtime: Runtime, clock: Clock, session_id: str) -> Account:
    """The account behind a browser's session id; NotFound when the session was ended
    (logout, new password, deactivation), is older than SESSION_MAX_DAYS, or the person may
    no longer sign in."""
    values = {"token_hash": hash_session_id(session_id), "not_before": _not_before(clock.now())}
    with runtime.database.sessions() as session:
        person = session.scalars(_RESUME, values).first()
        if person is None or person.password_hash is None or not person.username:
            raise NotFound("Sessionen har upphört. / The session has ended.")
        return _account(person, clock)


def end_session(runtime: Runtime, clock: Clock, session_id: str) -> None:
    """Sign out: the session's row goes, so a copy of the cookie opens nothing."""
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        person = session.scalars(_SESSION_OF, {"token_hash": hash_session_id(session_id)}).first()
        session.execute(_END_ONE, {"token_hash": hash_session_id(session_id)})
        if person is not None:
            record(session, clock, AuditContext(actor=person.label, role="login"), "logout")
        uow.commit()


def end_sessions_of(session: Session, person_id: int) -> int:
    """End every session of a person (in the caller's transaction); how many there were.
    Called when a password is set or reset, a user name changes, and at deactivation."""
    ended = session.execute(delete(WebSession).where(WebSession.person_id == person_id))
    return _rowcount(ended)


def _rowcount(result: Result[*tuple[Any, ...]]) -> int:
    """Rows an UPDATE or DELETE touched (a CursorResult's count, typed)."""
    assert isinstance(result, CursorResult)
    count: int = result.rowcount
    return count


def deactivate_account(runtime: Runtime, clock: Clock, actor: str, username: str) -> int:
    """A system administrator stops `username` from signing in: the password goes, every
    session ends and every API token is revoked; audited. Returns the sessions ended."""
    now = clock.now()
    with runtime.unit_of_work(clock) as uow:
        session = uow.session
        admin = find_user(session, actor, employments=False)
        if not has_role(admin, SYSTEM_ADMIN, to_local(now).date()):
            raise NotPermitted(
                f"{actor} är inte systemadministratör och får inte stänga av konton. / "
                f"{actor} is not a system administrator and may not deactivate accounts."
            )
        person = find_user(session, username, employments=False)
        person.password_hash = None
        ended = end_sessions_of(session, person.id)
        revoked = _rowcount(
            session.execute(
                update(ApiToken)
                .where(ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        )
        record(
            session,
            clock,
            AuditContext(actor=actor, role=SYSTEM_ADMIN),
            "person_updated",
            details={
                "person": person.id,
                "username": username,
                "deactivated": True,
                "sessions_ended": ended,
                "tokens_revoked": revoked,
            },
        )
        uow.commit()
        return ended


def _account(person: Person, clock: Clock) -> Account:
    day = to_local(clock.now()).date()
    return Account(
        username=person.username or "",
        display_name=person.display_name,
        roles=tuple(roles_of(person, day)),
        card_user=any(employment.is_active_on(day) for employment in person.employments),
    )


def _locked_message(person: Person) -> str:
    assert person.locked_until is not None
    return (
        f"Kontot är låst efter {MAX_FAILED_LOGINS} misslyckade inloggningar, till "
        f"{describe_local_sv(person.locked_until)}. / The account is locked after "
        f"{MAX_FAILED_LOGINS} failed logins, until {describe_local_en(person.locked_until)}."
    )
