"""`sithsflow audit verify`: check the audit trail's hash chain (engine.services.audit_chain).

Exit 0 when the chain holds, printing its head (position and hash: keep it elsewhere to
catch a rewrite of the whole chain later); exit 2 naming the first broken row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from engine.services.audit_chain import require_intact_audit_chain

if TYPE_CHECKING:
    # Only for the annotations: cli.main imports this module to register it.
    from cli.invocation import Invocation


@click.group("audit")
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.pass_obj
def audit_verify(inv: Invocation) -> None:
    """Check the audit trail's hash chain; exit 2 naming the first broken row."""
    verdict = require_intact_audit_chain(inv.runtime.database)
    inv.emit(
        {
            "audit": {
                "intact": True,
                "rows": verdict.rows,
                "head": {"seq": verdict.head_seq, "hash": verdict.head_hash},
            }
        },
        lambda: (
            f"Granskningsloggen är hel: {verdict.rows} rader. / The audit trail is intact: "
            f"{verdict.rows} rows. Huvud/head: {verdict.head_seq} {verdict.head_hash}"
        ),
    )
