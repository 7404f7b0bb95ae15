"""Count the SQL a piece of code sends: the tests pin statements per page and per step with
it, and the benches print them (a page must cost the same statements at any volume)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from engine.services.runtime import Runtime


@contextmanager
def counting_statements(runtime: Runtime) -> Iterator[list[str]]:
    """Every SQL statement sent while inside, as SQLAlchemy hands it to the driver."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(runtime.database.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(runtime.database.engine, "before_cursor_execute", note)
