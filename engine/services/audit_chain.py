"""The audit trail as a hash chain: each row carries a hash over its content and the hash of
the row before it, so a changed, deleted or inserted row shows (`verify_audit_chain`).

One chain for the whole trail, not one per organisation: an audit row has no organisation
column (timer, system and refused rows often have no case at all), and one chain also
proves that no row is missing anywhere. Its order is `chain_seq` (1, 2, 3, ...), the order
in which transactions committed their rows, not the id: on PostgreSQL a transaction that
took id 10 may commit after the one that took id 11.

The chain head (`audit_chain_head`, one row: the last position and its hash) is the lock
that keeps the chain linear under concurrent writers: a committing transaction moves it
with `UPDATE ... RETURNING`, which waits for the row lock of any other transaction
chaining at that moment and then reads the hash that transaction committed. The rows are
chained in the commit hook, after the ORM's changes went out, so the head is the last lock
a transaction takes (no deadlock with case or card locks) and is held only for the chain's
own statements and the commit (docs/benchmarks.md has the cost per write).

Rows a read sent out early in their transaction are inserted unchained and get their chain
values by one UPDATE at commit: the append-only triggers (migration 0011_sandbox) allow exactly
that, filling the two chain columns of an unchained row once. sithsflow uses no
savepoints; a rolled-back savepoint's early rows would leave a gap that verify reports.

What the chain proves and what not: any change to a row's content, a deleted row (a gap,
or a head past the last row) and a row inserted outside sithsflow (no position, or a hash
that does not follow) are found. Someone who can write the database could recompute every
hash after a change, as the algorithm is public: keep the head that `sithsflow audit
verify` prints somewhere else (a daily mail, a log) to catch that too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Table
from sqlalchemy import bindparam
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from engine.database import Database
from engine.errors import Conflict
from engine.model import AuditChainHead
from engine.model import AuditEvent

AUDIT_RULE = "AUDIT"
GENESIS_HASH = "0" * 64
HEAD_ID = 1
# The columns a row's hash covers, in this order (everything but id and the chain itself).
HASHED_COLUMNS = (
    "at_utc",
    "at_local",
    "actor",
    "role",
    "action",
    "case_id",
    "task_name",
    "card_number",
    "holder",
    "rule",
    "message",
    "process_version",
    "policy_version",
    "calendar_version",
    "clock_source",
    "dispensation",
    "details_json",
)

_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
_HEAD: Table = AuditChainHead.__table__  # type: ignore[assignment]
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(seq=_HEAD.c.seq + bindparam("count"))
    .returning(_HEAD.c.seq, _HEAD.c.hash)
)
_SET_HEAD_HASH = update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(hash=bindparam("head_hash"))
_INSERT = insert(_EVENTS)
# PostgreSQL: the head's new hash rides on the INSERT (a data-modifying CTE), saving a round
# trip while the head is locked; built once so that its compiled form is cached.
_INSERT_SETTING_HEAD = insert(_EVENTS).add_cte(_SET_HEAD_HASH.cte("new_head"))
_CHAIN_EARLY_ROWS = (
    update(_EVENTS)
    .where(_EVENTS.c.id == bindparam("row_id"))
    # Not "seq"/"hash": with the head's CTE, those names would also set the head's columns.
    .values(chain_seq=bindparam("row_seq"), chain_hash=bindparam("row_hash"))
)
_CHAIN_EARLY_ROWS_SETTING_HEAD = _CHAIN_EARLY_ROWS.add_cte(_SET_HEAD_HASH.cte("new_head"))


_AFTER_AT_UTC = HASHED_COLUMNS[1:]


def _utc_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def row_hash(previous_hash: str, seq: int, row: Mapping[Any, Any]) -> str:
    """SHA-256 over the previous hash, the position and the row's hashed columns as JSON.

    Stable forever: migration 0011_sandbox back-filled existing rows with it, and every verify
    recomputes it. Instants are hashed as UTC ISO-8601 with microseconds (both databases
    give them back so)."""
    get = row.get
    content = [previous_hash, seq, _utc_text(get("at_utc")), *map(get, _AFTER_AT_UTC)]
    encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def chain(
    connection: Connection,
    early: Sequence[tuple[int, dict[str, Any]]],
    pending: list[dict[str, Any]],
) -> None:
    """Give this transaction's audit rows their places in the chain, write those not written
    yet, and move the head; the head stays locked until the commit.

    `early`: rows already inserted in this transaction (id, values), not yet chained;
    `pending`: rows not inserted yet. Two statements on PostgreSQL (moving the head, then
    the INSERT or the early rows' UPDATE, a pipelined executemany whose CTE sets the head's
    new hash with each row; both when there are both kinds), three or four on SQLite."""
    count = len(early) + len(pending)
    last_seq, previous = connection.execute(_MOVE_HEAD, {"count": count}).one()
    seq = last_seq - count
    updates: list[dict[str, Any]] = []
    for row_id, row in early:
        seq += 1
        previous = row_hash(previous, seq, row)
        updates.append({"row_id": row_id, "row_seq": seq, "row_hash": previous})
    for row in pending:
        seq += 1
        previous = row_hash(previous, seq, row)
        row["chain_seq"], row["chain_hash"] = seq, previous
    if connection.dialect.name != "postgresql":
        if updates:
            connection.execute(_CHAIN_EARLY_ROWS, updates)
        if pending:
            connection.execute(_INSERT, pending)
        connection.execute(_SET_HEAD_HASH, {"head_hash": previous})
        return
    # PostgreSQL: the last statement also sets the head's hash (computed above, final).
    if updates and pending:
        connection.execute(_CHAIN_EARLY_ROWS, updates)
    if pending:
        connection.execute(_INSERT_SETTING_HEAD, [{**r, "head_hash": previous} for r in pending])
    else:
        connection.execute(
            _CHAIN_EARLY_ROWS_SETTING_HEAD, [{**u, "head_hash": previous} for u in updates]
        )


@dataclass(frozen=True)
class ChainVerdict:
    """What `verify_audit_chain` found: the first broken row (by chain order) or none."""

    intact: bool
    rows: int
    head_seq: int
    head_hash: str
    broken_row_id: int | None = None
    problem: str = ""
    problem_sv: str = ""


def broken_chain_refusal(verdict: ChainVerdict) -> Conflict:
    """The refusal naming the first broken row (a Conflict: the stored trail is not the one
    sithsflow wrote)."""
    row = verdict.broken_row_id
    return Conflict(
        f"Granskningsloggen är bruten vid rad {row}: {verdict.problem_sv}. / "
        f"The audit trail is broken at row {row}: {verdict.problem}.",
        rule=AUDIT_RULE,
    )


_BATCH_ROWS = 5_000
_CHANGED = ("raden har ändrats", "the row was changed")
_PAST_HEAD = (
    "raden ligger efter kedjans huvud (skriven utanför sithsflow)",
    "the row lies past the chain head (written outside sithsflow)",
)
_NOT_THE_HEAD = (
    "den sista raden stämmer inte med kedjans huvud",
    "the last row does not match the chain head",
)


def verify_audit_chain(database: Database) -> ChainVerdict:
    """Recompute the chain from the first row to the head; stop at the first broken row."""
    columns = [_EVENTS.c.id, _EVENTS.c.chain_seq, _EVENTS.c.chain_hash]
    columns += [_EVENTS.c[name] for name in HASHED_COLUMNS]
    with database.engine.connect() as connection:
        head = connection.execute(
            select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == HEAD_ID)
        ).one_or_none()
        head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)

        def broken(row_id: int | None, problem: tuple[str, str], rows: int) -> ChainVerdict:
            sv, en = problem
            return ChainVerdict(False, rows, head_seq, head_hash, row_id, en, sv)

        previous, expected, last_id = GENESIS_HASH, 1, None
        result = connection.execution_options(yield_per=_BATCH_ROWS).execute(
            select(*columns).where(_EVENTS.c.chain_seq.is_not(None)).order_by(_EVENTS.c.chain_seq)
        )
        with result:  # closes the server-side cursor when the walk stops early
            for row in result.mappings():
                if row["chain_seq"] != expected:
                    return broken(row["id"], _missing(expected, row["chain_seq"]), expected - 1)
                if expected > head_seq:
                    return broken(row["id"], _PAST_HEAD, expected - 1)
                previous = row_hash(previous, expected, row)
                if previous != row["chain_hash"]:
                    return broken(row["id"], _CHANGED, expected - 1)
                last_id, expected = row["id"], expected + 1
        rows = expected - 1
        if rows < head_seq:
            missing = (
                f"rader efter plats {rows} saknas",
                f"rows after position {rows} are missing",
            )
            return broken(last_id, missing, rows)
        if previous != head_hash:
            return broken(last_id, _NOT_THE_HEAD, rows)
        outside = connection.execute(
            select(_EVENTS.c.id).where(_EVENTS.c.chain_seq.is_(None)).order_by(_EVENTS.c.id)
        ).first()
        if outside is not None:
            outside_chain = (
                "raden ingår inte i kedjan (skriven utanför sithsflow)",
                "the row is not in the chain (written outside sithsflow)",
            )
            return broken(outside.id, outside_chain, rows)
    return ChainVerdict(True, rows, head_seq, head_hash)


def _missing(expected: int, found: int) -> tuple[str, str]:
    if found < expected:
        return (f"en andra rad på plats {found}", f"a second row at position {found}")
    return (
        f"plats {expected} före den saknas (en raderad rad)",
        f"position {expected} before it is missing (a deleted row)",
    )


def require_intact_audit_chain(database: Database) -> ChainVerdict:
    """The verdict of an intact chain; a Conflict (rule AUDIT) naming the first broken row."""
    verdict = verify_audit_chain(database)
    if not verdict.intact:
        raise broken_chain_refusal(verdict)
    return verdict
