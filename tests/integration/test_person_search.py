"""Person and card search: exact on user name and personal number, a number's or card's
prefix, a part of a name; paged; and on PostgreSQL answered by the indexes of 0005."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine.model import Person
from engine.services.lookup import SearchResults
from engine.services.lookup import search
from engine.services.runtime import Runtime


def _labels(found: SearchResults) -> list[str]:
    return [hit.label for hit in found.hits]


@pytest.mark.parametrize(
    "typed",
    ["19850315-1238", "198503151238", "19850315", "frida", "Fors", "rida f"],
)
def test_frida_is_found_by_number_user_name_or_part_of_her_name(
    runtime: Runtime, typed: str
) -> None:
    assert _labels(search(runtime, typed)) == ["Frida Fors"]


def test_cards_are_found_by_a_prefix_of_their_number(runtime: Runtime) -> None:
    found = search(runtime, "rk00001")
    assert _labels(found) == [f"RK0000{n}" for n in range(10, 20)]
    assert {hit.kind for hit in found.hits} == {"card"}


def test_like_wildcards_are_searched_for_literally(runtime: Runtime) -> None:
    assert search(runtime, "%").hits == ()
    assert search(runtime, "_").hits == ()


def test_search_pages_through_people_by_name_each_once(runtime: Runtime) -> None:
    with runtime.database.sessions() as session:
        session.add_all(Person(display_name=f"Testperson {n:03d}") for n in range(60))
        session.commit()
    first = search(runtime, "testperson")
    assert len(first.hits) == 50 and first.next_cursor is not None
    second = search(runtime, "testperson", cursor=first.next_cursor)
    assert second.next_cursor is None
    names = _labels(first) + _labels(second)
    assert names == [f"Testperson {n:03d}" for n in range(60)]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_on_postgresql_a_name_part_is_found_through_the_trigram_index(
    runtime: Runtime,
) -> None:
    with runtime.database.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            connection.execute(
                text(
                    "EXPLAIN SELECT id FROM people "
                    "WHERE lower(display_name) LIKE '%fors%' ORDER BY display_name, id"
                )
            ).scalars()
        )
    assert "ix_people_display_name_trgm" in plan
