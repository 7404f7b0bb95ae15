"""One use case, one transaction: the unit of work.

As in cosmicpython's `unit_of_work.py`: leaving the block without `commit()` rolls back,
so a refusal raised anywhere in a use case changes nothing. A stale row (optimistic
locking) becomes a `Conflict` the user can act on.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.clock import Clock
from engine.database import Database
from engine.errors import Conflict

CONCURRENT_CHANGE_MESSAGE = (
    "Någon annan hann före: ärendet ändrades medan du arbetade. Ladda om och försök igen. / "
    "Someone else got there first: the case changed while you worked. Reload and try again."
)


class UnitOfWork:
    """A session with commit-or-rollback semantics and the clock of this use case."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its with-block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self.database.sessions()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None
        # An autoflush (a query after a change, e.g. in advance_case) meets a concurrent
        # update before commit() does: the same race, so the same Conflict, not a fault.
        if isinstance(exc, StaleDataError) or (
            isinstance(exc, IntegrityError) and _is_unique_violation(exc)
        ):
            raise Conflict(CONCURRENT_CHANGE_MESSAGE) from exc

    def commit(self) -> None:
        """Commit; a concurrent update of the same case or card becomes a Conflict."""
        self._guarded(self.session.commit)

    def flush(self) -> None:
        self._guarded(self.session.flush)

    def _guarded(self, step: Callable[[], None]) -> None:
        try:
            step()
        except StaleDataError as error:
            self.session.rollback()
            raise Conflict(CONCURRENT_CHANGE_MESSAGE) from error
        except IntegrityError as error:
            self.session.rollback()
            if _is_unique_violation(error):
                raise Conflict(CONCURRENT_CHANGE_MESSAGE) from error
            raise


def _is_unique_violation(error: IntegrityError) -> bool:
    """Two writers inserting the same key; any other integrity error is a bug, not a race."""
    original = error.orig
    return getattr(original, "sqlstate", None) == "23505" or "UNIQUE constraint" in str(original)
