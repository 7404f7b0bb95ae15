"""API tokens: issue one for a user, authenticate a bearer, revoke by name.

A token is shown once, when issued; only its SHA-256 is stored, so a copy of the
database gives no way in. A token expires (`DEFAULT_TOKEN_DAYS` unless issued with other
`days`); tokens from before migration 0010_access expire that term after their creation.
Issuing and revoking are audited; so are refused authentications (an unknown, expired or
revoked token), since repeated refusals are what an auditor looks for, but through a
`FailureThrottle` per source: the first refusal in a window and the one that reaches the
limit are audited, and beyond the limit the adapter answers 429 without reading the
database, so a flood of guesses neither fills the audit trail nor loads the database.
A successful authentication only moves `last_used_at`: the use case that follows audits
itself under the token's user.

    issued = issue_token(runtime, clock, "anna", "station-tablet")
    identity = authenticate(runtime, clock, issued.token)   # identity.username == "anna"
    revoke_token(runtime, clock, "anna", "station-tablet")
    authenticate(runtime, clock, issued.token)               # NotAuthenticated

`NotAuthenticated` is a `NotPermitted`, so an adapter that does not know it still
refuses (403, exit 2); the JSON API answers it with 401.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Conflict
from engine.errors import DomainError
from engine.errors import Invalid
from engine.errors import NotFound
from engine.errors import NotPermitted
from engine.model import ApiToken
from engine.model import Person
from engine.policy.timekeeping import to_local
from engine.rights import roles_of
from engine.services.audit import AuditContext
from engine.services.audit import record
from engine.services.audit import record_refusal
from engine.services.directory import find_user
from engine.services.runtime import Runtime

TOKEN_PREFIX = "sf_"
TOKEN_RANDOM_BYTES = 32
TOKEN_NAME_MAX_CHARS = 100
UNKNOWN_ACTOR = "unknown"
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 366
# Refused authentications per source (client address) and window before 429.
FAILURE_LIMIT = 10
FAILURE_WINDOW_SECONDS = 60.0
_MAX_TRACKED_SOURCES = 10_000


class FailureThrottle:
    """Refused authentications per source in a fixed window, in this process's memory.

    Measured on a monotonic timer, not the business clock: a simulated `SITHSFLOW_NOW`
    stands still, but requests keep coming. Each web worker process keeps its own counts,
    so with N processes a source gets at most N × `limit` tries per window.
    """

    def __init__(
        self,
        limit: int = FAILURE_LIMIT,
        window_seconds: float = FAILURE_WINDOW_SECONDS,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._timer = timer
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def is_blocked(self, source: str) -> bool:
        """Has `source` reached the limit in its current window?"""
        with self._lock:
            started, count = self._current(source)
            return count >= self.limit

    def count_failure(self, source: str) -> int:
        """Count one refusal of `source`; the number in its current window."""
        with self._lock:
            started, count = self._current(source)
            if len(self._windows) >= _MAX_TRACKED_SOURCES:
                self._forget_old()
            self._windows[source] = (started, count + 1)
            return count + 1

    def should_audit(self, count: int) -> bool:
        """Audit the first refusal of a window and the one that reaches the limit."""
        return count in (1, self.limit)

    def _current(self, source: str) -> tuple[float, int]:
        now = self._timer()
        started, count = self._windows.get(source, (now, 0))
        if now - started >= self.window_seconds:
            return now, 0
        return started, count

    def _forget_old(self) -> None:
        now = self._timer()
        self._windows = {
            source: window
            for source, window in self._windows.items()
            if now - window[0] < self.window_seconds
        }


class NotAuthenticated(NotPermitted):
    """No token, an unknown one or a revoked one: the caller is nobody we know."""


@dataclass(frozen=True)
class IssuedToken:
    """The plaintext `token` exists only here; it cannot be read back later."""

    id: int
    username: str
    name: str
    token: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class ApiIdentity:
    """Who a valid token speaks for, with the roles they hold today (R5)."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    token_id: int
    token_name: str
    token_created_at: datetime
    token_last_used_at: datetime
    token_expires_at: datetime


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256, hex. A fast hash suffices for 256 random bits."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    runtime: Runtime, clock: Clock, username: str, name: str, *, days: int = DEFAULT_TOKEN_DAYS
) -> IssuedToken:
    """Create a token named `name` for `username`, valid `days`; the plaintext is returned
    once."""
    name = name.strip()
    audit = AuditContext(actor=username, details={"token_name": name})
    try:
        _check_name(name)
        _check_days(days)
        with runtime.unit_of_work(clock) as uow:
            session = uow.session
            person = find_user(session, username)
            if _active_token(session, person, name) is not None:
                raise Conflict(
                    f"{username} har redan en giltig API-nyckel som heter '{name}'; återkalla den "
                    f"först. / {username} already has an active API token named '{name}'; "
                    f"revoke it first."
                )
            token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_RANDOM_BYTES)
            now = clock.now()
            row = ApiToken(
                person_id=person.id,
                name=name,
                token_hash=hash_token(token),
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
            session.add(row)
            uow.flush()
            details = {"token_id": row.id, "days": days}
            record(session, clock, audit, "token_issued", details=details)
            uow.commit()
            return IssuedToken(row.id, username, name, token, now, now + timedelta(days=days))
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, "token_issue", error)
        raise


def authenticate(
    runtime: Runtime,
    clock: Clock,
    token: str | None,
    *,
    throttle: FailureThrottle | None = None,
    source: str = "",
) -> ApiIdentity:
    """The user a bearer token speaks for; refuses a missing, unknown, expired or revoked
    token. With a `throttle`, a refusal counts against `source` and is audited only as
    `FailureThrottle.should_audit` says."""
    if not token:
        # Not an attempt to authenticate, so not audited: every probe would fill the trail.
        raise NotAuthenticated(
            "Ingen API-nyckel angavs; skicka 'Authorization: Bearer <nyckel>'. / "
            "No API token given; send 'Authorization: Bearer <token>'."
        )
    audit = AuditContext(actor=UNKNOWN_ACTOR)
    try:
        with runtime.unit_of_work(clock) as uow:
            session = uow.session
            row = session.scalars(
                select(ApiToken).where(ApiToken.token_hash == hash_token(token))
            ).first()
            if row is None:
                raise NotAuthenticated("Okänd API-nyckel. / Unknown API token.")
            audit.actor = row.person.label
            audit.details = {"token_id": row.id, "token_name": row.name}
            if row.revoked_at is not None:
                raise NotAuthenticated(
                    f"API-nyckeln '{row.name}' är återkallad. / "
                    f"The API token '{row.name}' has been revoked."
                )
            if expiry_of(row) <= clock.now():
                raise NotAuthenticated(
                    f"API-nyckeln '{row.name}' gick ut {to_local(expiry_of(row)):%Y-%m-%d %H:%M}; "
                    f"utfärda en ny. / The API token '{row.name}' expired at "
                    f"{to_local(expiry_of(row)):%Y-%m-%d %H:%M}; issue a new one."
                )
            row.last_used_at = clock.now()
            identity = _identity(row, row.person, clock)
            uow.commit()
            return identity
    except DomainError as error:
        count = throttle.count_failure(source) if throttle is not None else 1
        if throttle is None or throttle.should_audit(count):
            audit.details = {**audit.details, "source": source, "failures_in_window": count}
            record_refusal(runtime.database, clock, audit, "authenticate", error)
        raise


def expiry_of(row: ApiToken) -> datetime:
    """When a token stops working: its own `expires_at`, or for a token from before
    migration 0010_access, `DEFAULT_TOKEN_DAYS` after its creation."""
    return row.expires_at or row.created_at + timedelta(days=DEFAULT_TOKEN_DAYS)


def revoke_token(runtime: Runtime, clock: Clock, username: str, name: str) -> None:
    """Revoke `username`'s active token named `name`; it authenticates no more."""
    name = name.strip()
    audit = AuditContext(actor=username, details={"token_name": name})
    try:
        with runtime.unit_of_work(clock) as uow:
            session = uow.session
            person = find_user(session, username)
            row = _active_token(session, person, name)
            if row is None:
                raise NotFound(
                    f"{username} har ingen giltig API-nyckel som heter '{name}'. / "
                    f"{username} has no active API token named '{name}'."
                )
            row.revoked_at = clock.now()
            record(session, clock, audit, "token_revoked", details={"token_id": row.id})
            uow.commit()
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, "token_revoke", error)
        raise


@dataclass(frozen=True)
class TokenInfo:
    """A token as an operator reviews it: never the token itself."""

    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


def list_tokens(runtime: Runtime, username: str) -> list[TokenInfo]:
    """`username`'s tokens, newest first, with their expiry and last use."""
    with runtime.database.sessions() as session:
        person = find_user(session, username, employments=False)
        rows = session.scalars(
            select(ApiToken).where(ApiToken.person_id == person.id).order_by(ApiToken.id.desc())
        )
        return [
            TokenInfo(row.name, row.created_at, expiry_of(row), row.last_used_at, row.revoked_at)
            for row in rows
        ]


def _check_name(name: str) -> None:
    if not name or len(name) > TOKEN_NAME_MAX_CHARS:
        raise Invalid(
            f"En API-nyckel behöver ett namn på 1–{TOKEN_NAME_MAX_CHARS} tecken. / "
            f"An API token needs a name of 1–{TOKEN_NAME_MAX_CHARS} characters."
        )


def _check_days(days: int) -> None:
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise Invalid(
            f"En API-nyckel gäller 1–{MAX_TOKEN_DAYS} dagar, inte {days}. / "
            f"An API token is valid for 1–{MAX_TOKEN_DAYS} days, not {days}."
        )


def _active_token(session: Session, person: Person, name: str) -> ApiToken | None:
    return session.scalars(
        select(ApiToken).where(
            ApiToken.person_id == person.id,
            ApiToken.name == name,
            ApiToken.revoked_at.is_(None),
        )
    ).first()


def _identity(row: ApiToken, person: Person, clock: Clock) -> ApiIdentity:
    now = clock.now()
    return ApiIdentity(
        username=person.label,
        display_name=person.display_name,
        roles=tuple(roles_of(person, to_local(now).date())),
        token_id=row.id,
        token_name=row.name,
        token_created_at=row.created_at,
        token_last_used_at=now,
        token_expires_at=expiry_of(row),
    )
