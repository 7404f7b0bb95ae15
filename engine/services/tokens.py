"""API tokens: issue one for a user, authenticate a bearer, revoke by name.

A token is shown once, when issued; only its SHA-256 is stored, so a copy of the
database gives no way in. Issuing and revoking are audited; so is every refused
authentication (an unknown or revoked token), since repeated refusals are what an
auditor looks for. A successful authentication only moves `last_used_at`: the use case
that follows audits itself under the token's user.

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
from dataclasses import dataclass
from datetime import datetime

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


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256, hex. A fast hash suffices for 256 random bits."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(runtime: Runtime, clock: Clock, username: str, name: str) -> IssuedToken:
    """Create a token named `name` for `username`; the plaintext is returned once."""
    name = name.strip()
    audit = AuditContext(actor=username, details={"token_name": name})
    try:
        _check_name(name)
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
            row = ApiToken(
                person_id=person.id, name=name, token_hash=hash_token(token), created_at=clock.now()
            )
            session.add(row)
            uow.flush()
            record(session, clock, audit, "token_issued", details={"token_id": row.id})
            uow.commit()
            return IssuedToken(row.id, username, name, token, row.created_at)
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, "token_issue", error)
        raise


def authenticate(runtime: Runtime, clock: Clock, token: str | None) -> ApiIdentity:
    """The user a bearer token speaks for; refuses a missing, unknown or revoked token."""
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
            row.last_used_at = clock.now()
            identity = _identity(row, row.person, clock)
            uow.commit()
            return identity
    except DomainError as error:
        record_refusal(runtime.database, clock, audit, "authenticate", error)
        raise


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


def _check_name(name: str) -> None:
    if not name or len(name) > TOKEN_NAME_MAX_CHARS:
        raise Invalid(
            f"En API-nyckel behöver ett namn på 1–{TOKEN_NAME_MAX_CHARS} tecken. / "
            f"An API token needs a name of 1–{TOKEN_NAME_MAX_CHARS} characters."
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
    )
