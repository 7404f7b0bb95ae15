"""The registers' part of /api/openapi.json (web/api/register_routes.py): paths and shapes.

Kept beside, not inside, openapi.py and schemas.py so that each file stays one screen of
one subject; openapi.py merges these in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.services.paging import DEFAULT_PAGE_SIZE
from engine.services.registers.organisation_settings import SETTINGS
from engine.services.registers.stock import STOCK_STATES
from web.api.schemas import INTEGER
from web.api.schemas import OPTIONAL_TEXT
from web.api.schemas import ROW_NUMBER
from web.api.schemas import TEXT
from web.api.schemas import TIME
from web.api.schemas import Schema
from web.api.schemas import ref

# The longest free text a register keeps (a closing day's reason, a scrap reason).
MAX_TEXT = 200
DAY: Schema = {"type": "string", "format": "date"}
OPTIONAL_DAY: Schema = {"type": ["string", "null"], "format": "date"}
# What a register keeps as text: not empty, and no longer than its column.
SHORT_TEXT: Schema = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}
WRITES = ("403", "404", "409", "422")


def _request(properties: dict[str, Schema], required: list[str]) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _answer(properties: dict[str, Schema]) -> Schema:
    return {"type": "object", "properties": properties, "required": sorted(properties)}


def register_schemas() -> dict[str, Schema]:
    """The shapes of the registers, as `sithsflow stock|employment|… --json` prints them."""
    dated = _answer({"value": {"type": "boolean"}, "effective_from": DAY, "set_by": TEXT})
    setting = _answer(
        {
            "name": TEXT,
            "rule": TEXT,
            "label_sv": TEXT,
            "label_en": TEXT,
            "value_today": {"type": "boolean"},
            "history": {"type": "array", "items": dated},
        }
    )
    return {
        "StockCard": _answer(
            {
                "number": TEXT,
                "organisation": TEXT,
                "state": TEXT,
                "produced_on": DAY,
                "end_of_life": DAY,
            }
        ),
        "StockReceipt": _answer(
            {
                "organisation": TEXT,
                "first": TEXT,
                "last": TEXT,
                "count": INTEGER,
                "produced_on": DAY,
            }
        ),
        "Employment": _answer(
            {
                "id": INTEGER,
                "holder": TEXT,
                "name": TEXT,
                "organisation": TEXT,
                "start_date": DAY,
                "end_date": OPTIONAL_DAY,
            }
        ),
        "EmploymentImport": _answer(
            {
                "changes": {
                    "type": "array",
                    "items": _answer(
                        {
                            "line": INTEGER,
                            "action": {"enum": ["add", "change_end", "new_person"]},
                            "holder": TEXT,
                            "name": TEXT,
                            "organisation": TEXT,
                            "start_date": DAY,
                            "end_date": OPTIONAL_DAY,
                        }
                    ),
                },
                "unchanged": INTEGER,
                "applied": {"type": "boolean"},
                "end_cases": {
                    "type": "array",
                    "description": "R19: the employment-end case each end date starts, moves "
                    "or cancels (`case_id` null for one a dry run would start).",
                    "items": _answer(
                        {
                            "line": INTEGER,
                            "step": {"enum": ["start", "move", "cancel"]},
                            "holder": TEXT,
                            "organisation": TEXT,
                            "ends_on": OPTIONAL_DAY,
                            "case_id": {"type": ["integer", "null"]},
                        }
                    ),
                },
            }
        ),
        "ClosingDay": _answer(
            {
                "id": INTEGER,
                "day": DAY,
                "reason": TEXT,
                "station": OPTIONAL_TEXT,
                "organisation": OPTIONAL_TEXT,
            }
        ),
        "OrganisationSettings": _answer(
            {"code": TEXT, "name": TEXT, "settings": {"type": "array", "items": setting}}
        ),
        "Shift": _answer(
            {"id": INTEGER, "admin": TEXT, "station": TEXT, "starts_at": TIME, "ends_at": TIME}
        ),
        "ReceiveStockRequest": _request(
            {
                "first": SHORT_TEXT,
                "last": SHORT_TEXT,
                "organisation": SHORT_TEXT,
                "produced_on": DAY,
            },
            ["first", "last", "organisation", "produced_on"],
        ),
        "ScrapCardRequest": _request({"reason": SHORT_TEXT}, ["reason"]),
        "AddEmploymentRequest": _request(
            {
                "holder": SHORT_TEXT,
                "organisation": SHORT_TEXT,
                "start_date": DAY,
                "end_date": OPTIONAL_DAY,
                "title": {"type": ["string", "null"], "maxLength": MAX_TEXT},
            },
            ["holder", "organisation", "start_date"],
        ),
        "EndEmploymentRequest": _request({"ends_on": DAY}, ["ends_on"]),
        "ImportEmploymentsRequest": {
            **_request(
                {"csv": {"type": "string", "minLength": 1}, "dry_run": {"type": "boolean"}}, ["csv"]
            ),
            "description": "`csv`: one employment a line, `personnummer,name,organisation "
            "code,from,to` (`to` empty while it runs; a header line is allowed).",
        },
        "AddClosingDayRequest": _request(
            {
                "day": DAY,
                "reason": SHORT_TEXT,
                "station": {"type": ["string", "null"], "maxLength": MAX_TEXT},
                "organisation": {"type": ["string", "null"], "maxLength": MAX_TEXT},
            },
            ["day", "reason"],
        ),
        "SetOrganisationSettingRequest": _request(
            {
                "setting": {"enum": sorted(SETTINGS)},
                "value": {"type": "boolean"},
                "effective_from": OPTIONAL_DAY,
            },
            ["setting", "value"],
        ),
        "AddShiftRequest": _request(
            {
                "admin": SHORT_TEXT,
                "station": SHORT_TEXT,
                "starts_at": {"type": "string", "format": "date-time"},
                "ends_at": {"type": "string", "format": "date-time"},
            },
            ["admin", "station", "starts_at", "ends_at"],
        ),
    }


Operation = Callable[..., dict[str, Any]]


def register_paths(
    operation: Operation,
    json: Callable[[Schema, str], dict[str, Any]],
    page_of: Callable[[str, str], Schema],
    keyed: Callable[[str, Schema], Schema],
    page_params: Callable[[int], list[dict[str, Any]]],
    path_param: Callable[[str, Schema, str], dict[str, Any]],
) -> dict[str, Any]:
    """The registers' paths, built with openapi.py's own helpers (passed in, so that this
    module does not import the one that imports it)."""
    text_path: Schema = {"type": "string", "minLength": 1}
    number = path_param("number", text_path, "A card number, e.g. RK000051.")
    code = path_param("code", text_path, "An organisation's code, e.g. region-demo.")

    def query(name: str, schema: Schema, description: str, *, required: bool) -> dict[str, Any]:
        return {
            "name": name,
            "in": "query",
            "required": required,
            "schema": schema,
            "description": description,
        }

    period = [
        query("from", DAY, "The first day.", required=True),
        query("to", DAY, "The last day (at most ten years after `from`).", required=True),
    ]
    shift_period = [
        query(
            "from", DAY, "Period start: a day (its local midnight) or an aware time.", required=True
        ),
        query("to", DAY, "Period end (at most a year after `from`).", required=True),
    ]
    return {
        "/stock": {
            "get": operation(
                "listStock",
                "The card stock of the organisations the caller keeps (service desk, system "
                "administrator), by number, one page at a time.",
                {"200": json(page_of("cards", "StockCard"), "One page of cards.")},
                errors=("403", "404", "422"),
                parameters=[
                    query(
                        "state",
                        {"enum": ["", *STOCK_STATES]},
                        "Only cards in this state.",
                        required=False,
                    ),
                    *page_params(DEFAULT_PAGE_SIZE),
                ],
            )
        },
        "/stock/receive": {
            "post": operation(
                "receiveStock",
                "Receive blank cards `first`..`last` into an organisation's stock; each "
                "carries its production day and end of life (R2: ten years).",
                {"201": json(keyed("received", ref("StockReceipt")), "The cards received.")},
                errors=WRITES,
                body="ReceiveStockRequest",
            )
        },
        "/stock/{number}/scrap": {
            "post": operation(
                "scrapCard",
                "Scrap a card in stock with a reason; a scrapped card is never issued (R2).",
                {"200": json(keyed("card", ref("StockCard")), "The scrapped card.")},
                errors=WRITES,
                body="ScrapCardRequest",
                parameters=[number],
            )
        },
        "/employments": {
            "get": operation(
                "listEmployments",
                "Employments in the organisations the caller keeps (R3), one page at a time.",
                {"200": json(page_of("employments", "Employment"), "One page of employments.")},
                errors=("403", "404", "422"),
                parameters=[
                    query(
                        "organisation",
                        {"type": "string"},
                        "Only this organisation's code.",
                        required=False,
                    ),
                    *page_params(DEFAULT_PAGE_SIZE),
                ],
            ),
            "post": operation(
                "addEmployment",
                "Record an employment of a person in the directory (R3).",
                {"201": json(keyed("employment", ref("Employment")), "The employment.")},
                errors=WRITES,
                body="AddEmploymentRequest",
            ),
        },
        "/employments/{employment_id}/end": {
            "post": operation(
                "endEmployment",
                "Set the last day of an employment (R3); it starts or moves the "
                "employment's employment-end case (R19).",
                {"200": json(keyed("employment", ref("Employment")), "The employment.")},
                errors=WRITES,
                body="EndEmploymentRequest",
                parameters=[path_param("employment_id", ROW_NUMBER, "An employment's id.")],
            )
        },
        "/employments/import": {
            "post": operation(
                "importEmployments",
                "Import a directory export, all or nothing (R3); end dates start, move "
                "or cancel employment-end cases (R19). `dry_run` changes nothing.",
                {"200": json(ref("EmploymentImport"), "What changed, or would.")},
                errors=WRITES,
                body="ImportEmploymentsRequest",
            )
        },
        "/closing-days": {
            "get": operation(
                "listClosingDays",
                "Local closing days in a period, by day, one page at a time.",
                {"200": json(page_of("closing_days", "ClosingDay"), "One page of days.")},
                errors=("404", "422"),
                parameters=[*period, *page_params(DEFAULT_PAGE_SIZE)],
            ),
            "post": operation(
                "addClosingDay",
                "Close a day for everyone (R9, R12), a card station or an organisation's "
                "stations (R8); process owners and system administrators.",
                {"201": json(keyed("closing_day", ref("ClosingDay")), "The closing day.")},
                errors=WRITES,
                body="AddClosingDayRequest",
            ),
        },
        "/closing-days/{closing_day_id}/remove": {
            "post": operation(
                "removeClosingDay",
                "Remove a closing day.",
                {"200": json(keyed("closing_day", ref("ClosingDay")), "The removed day.")},
                errors=WRITES,
                parameters=[path_param("closing_day_id", ROW_NUMBER, "A closing day's id.")],
            )
        },
        "/organisations/{code}/settings": {
            "get": operation(
                "showOrganisationSettings",
                "An organisation's R14, R20 and R22 settings today and their dated changes.",
                {"200": json(keyed("organisation", ref("OrganisationSettings")), "Settings.")},
                errors=("404", "422"),
                parameters=[code],
            ),
            "post": operation(
                "setOrganisationSetting",
                "Set one setting from a date, never before today (S6); process owners and "
                "system administrators.",
                {"200": json(keyed("organisation", ref("OrganisationSettings")), "Settings.")},
                errors=WRITES,
                body="SetOrganisationSettingRequest",
                parameters=[code],
            ),
        },
        "/rosters": {
            "get": operation(
                "listShifts",
                "ID administrators' shifts at card stations overlapping a period (R8), by "
                "start, one page at a time.",
                {"200": json(page_of("shifts", "Shift"), "One page of shifts.")},
                errors=("404", "422"),
                parameters=[
                    *shift_period,
                    query("station", {"type": "string"}, "Only this card station.", required=False),
                    *page_params(DEFAULT_PAGE_SIZE),
                ],
            ),
            "post": operation(
                "addShift",
                "Roster an ID administrator at a card station (R8); managers and system "
                "administrators.",
                {"201": json(keyed("shift", ref("Shift")), "The shift.")},
                errors=WRITES,
                body="AddShiftRequest",
            ),
        },
        "/rosters/{shift_id}/remove": {
            "post": operation(
                "removeShift",
                "Remove a shift.",
                {"200": json(keyed("shift", ref("Shift")), "The removed shift.")},
                errors=WRITES,
                parameters=[path_param("shift_id", ROW_NUMBER, "A shift's id.")],
            )
        },
    }
