"""Bad input to the command line exits 2 with a sentence, never 1 with a trace (issue 10).

Run in process through `cli.main.main`, as an operator's script would run the script, on
SQLite only: the CLI builds its own engine per call, and these refusals happen before or
beside the database, whichever backend it is.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from engine.services.paging import encode_cursor

LATE_EVENING = "2026-11-23T20:00:00+01:00"  # outside office hours (R12)
TOO_LARGE_ID = str(2**64)
SITHSFLOW = Path(sys.executable).parent / "sithsflow"
PAST_POSTGRES_INTEGER = str(2**31)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "cli.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object], str]:
    code = main(["--json", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {}, captured.err


def _refused(capsys: pytest.CaptureFixture[str], *args: str, bilingual: bool = True) -> str:
    """The refusal's message, after checking exit 2 and the JSON error object.

    Our own refusals say it in Swedish and English; click's (a number out of an option's
    range) only in English.
    """
    code, payload, err = _run(capsys, *args)
    assert code == 2, err
    assert "Traceback" not in err
    error = payload["error"]
    assert isinstance(error, dict)
    message = str(error["message"])
    assert " / " in message or not bilingual, message
    return message


@pytest.mark.parametrize(
    "args",
    [
        ["case", "show", TOO_LARGE_ID],
        ["case", "show", PAST_POSTGRES_INTEGER],
        ["case", "show", "--", "-1"],
        ["case", "cancel", TOO_LARGE_ID, "--as", "sara", "--reason", "fel ärende"],
        ["process", "activate", "loa3-reserve", TOO_LARGE_ID, "--as", "petra"],
        ["process", "diff", "loa3-reserve", "1", TOO_LARGE_ID],
        ["process", "migrate", "loa3-reserve", "--to", TOO_LARGE_ID, "--as", "petra"],
        ["process", "migrate", "loa3-reserve", "--to", "1", "--case", TOO_LARGE_ID, "--as", "x"],
    ],
)
def test_an_id_beyond_the_databases_integers_is_not_found_with_exit_2(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert "Nothing was found with number" in _refused(capsys, "--db", sqlite_url, *args)


@pytest.mark.parametrize(
    "now",
    [
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59-01:00",
        "9999-12-31T23:59:59+00:00",
        "1899-12-31T23:59:59+00:00",
    ],
)
def test_a_clock_outside_the_supported_dates_is_refused(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], now: str
) -> None:
    message = _refused(capsys, "--db", sqlite_url, "--now", now, "case", "list")
    assert "outside the supported dates (1900-01-01 to 2999-12-31)" in message


@pytest.mark.parametrize(
    ("now", "says"),
    [("2026-11-23T20:00:00", "has no time zone"), ("igår", "Invalid time")],
)
def test_a_naive_or_malformed_clock_is_refused(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], now: str, says: str
) -> None:
    assert says in _refused(capsys, "--db", sqlite_url, "--now", now, "case", "list")


@pytest.mark.parametrize(
    ("first", "last"),
    [("0001-01-01", "0001-01-02"), ("0001-01-01", "9999-12-31"), ("9999-12-30", "9999-12-31")],
)
def test_report_dates_at_the_calendars_ends_are_refused(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, first: str, last: str
) -> None:
    out = str(tmp_path / "r.pdf")
    period = ["--from", first, "--to", last]
    message = _refused(capsys, "--db", sqlite_url, "report", "issuance", *period, "--out", out)
    assert "outside the supported dates" in message
    assert not Path(out).exists()


@pytest.mark.parametrize(
    "args",
    [
        ["report", "expiring", "--days", "99999999999"],
        ["report", "audit", "--case", TOO_LARGE_ID],
    ],
)
def test_report_numbers_beyond_range_are_refused(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]
) -> None:
    message = _refused(
        capsys, "--db", sqlite_url, *args, "--out", str(tmp_path / "r.pdf"), bilingual=False
    )
    assert "range" in message or "Nothing was found" in message


def test_a_form_date_at_the_calendars_start_is_refused(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--db", sqlite_url, "--now", LATE_EVENING]
    code, _, err = _run(
        capsys, *base, "case", "start", "loa2-remote-order", "--as", "david",
        "--set", "holder=erik", "--set", "reason=Glömt kortet",
    )  # fmt: skip
    assert code == 0, err
    _, listed, _ = _run(capsys, *base, "task", "list", "--as", "sara")
    tasks = listed["tasks"]
    assert isinstance(tasks, list)
    message = _refused(
        capsys, *base, "task", "complete", tasks[0]["id"], "--as", "sara",
        "--set", "card_number=RK000003", "--set", "valid_until=0001-01-01",
    )  # fmt: skip
    assert "outside the supported dates" in message


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ('{"holder": ' + "[" * 20_000 + "]" * 20_000 + "}", "nested deeper than 32 levels"),
        ('{"holder": ' + "[" * 40 + "]" * 40 + "}", "nested deeper than 32 levels"),
        ('{"holder": "a\\u0000b", "id_document": "passport"}', "cannot be stored"),
        ('{"holder": "\\ud800", "id_document": "passport"}', "cannot be stored"),
        ('{"\\u0000": 1}', "cannot be stored"),
        ('{"holder": ' + "9" * 5_000 + "}", "not valid JSON"),
        ('{"holder": NaN, "id_document": "passport"}', "not valid JSON"),
        ('{"holder": 1e999999, "id_document": "passport"}', "not valid JSON"),
    ],
)
def test_data_nested_too_deep_or_with_unstorable_text_is_refused(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], data: str, says: str
) -> None:
    message = _refused(
        capsys, "--db", sqlite_url, "--now", LATE_EVENING,
        "case", "start", "loa3-reserve", "--as", "anna", "--data", data,
    )  # fmt: skip
    assert says in message


@pytest.mark.parametrize(
    "args",
    [
        ["case", "start", "loa3\udcffreserve", "--as", "anna"],
        ["card", "show", "RK\udcff"],
        ["--now", "2026-11-23T20:00:00+01:00\udcff", "case", "list"],
    ],
)
def test_an_argument_that_is_not_utf8_is_refused(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert "is not valid UTF-8" in _refused(capsys, "--db", sqlite_url, *args)


def test_a_bpmn_file_that_is_not_utf8_is_refused_naming_the_file(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bundle = tmp_path / "latin.bpmn"
    bundle.write_bytes(
        '<?xml version="1.0" encoding="ISO-8859-1"?>'
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
        '<process id="p" isExecutable="true" name="Åsa"><startEvent id="s"/></process>'
        "</definitions>".encode("latin-1")
    )
    code, payload, _ = _run(
        capsys, "--db", sqlite_url, "process", "deploy", str(bundle), "--as", "petra"
    )
    assert code == 2
    problems = payload["problems"]
    assert isinstance(problems, list)
    assert "not UTF-8" in problems[0]["message"]


@pytest.mark.parametrize(
    "url",
    [
        "mysql://user:secret@localhost/sithsflow",
        "postgresql+psycopg2://user@localhost/sithsflow",
        "oracle+cx_oracle://user@localhost/x",
        "not a url",
    ],
)
def test_a_database_url_sithsflow_does_not_run_on_is_refused(
    capsys: pytest.CaptureFixture[str], url: str
) -> None:
    message = _refused(capsys, "--db", url, "case", "list")
    assert "postgresql+psycopg://" in message


@pytest.mark.parametrize(
    "args",
    [
        ["case", "list"],
        ["demo", "load"],
        ["process", "list"],
        ["timers", "run"],
    ],
)
def test_a_missing_sqlite_file_is_refused_and_nothing_is_created(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]
) -> None:
    mistyped = tmp_path / "instanse" / "sub" / "sithsflow.db"
    message = _refused(capsys, "--db", f"sqlite:///{mistyped}", *args)
    assert "does not exist" in message
    assert "db init" in message
    assert list(tmp_path.iterdir()) == []


def test_db_init_creates_a_missing_sqlite_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fresh = tmp_path / "new" / "sithsflow.db"
    code, payload, err = _run(capsys, "--db", f"sqlite:///{fresh}", "db", "init")
    assert code == 0, err
    assert payload["ok"] is True
    assert fresh.is_file()
    code, payload, err = _run(capsys, "--db", f"sqlite:///{fresh}", "process", "list")
    assert code == 0, err


def test_a_sqlite_path_to_a_file_that_is_not_a_database_is_refused_and_left_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("inte en databas\n" * 200, encoding="utf-8")
    message = _refused(capsys, "--db", f"sqlite:///{notes}", "case", "list")
    assert "is not a SQLite database" in message
    assert notes.read_text(encoding="utf-8") == "inte en databas\n" * 200


@pytest.mark.parametrize("kind", ["link to /dev/zero", "named pipe"])
def test_a_bpmn_path_that_is_no_regular_file_is_refused_without_reading_it(
    sqlite_url: str, tmp_path: Path, kind: str
) -> None:
    """Run as the installed script with a time limit: reading such a path never ends."""
    endless = tmp_path / "endless.bpmn"
    if kind == "named pipe":
        os.mkfifo(endless)
    else:
        endless.symlink_to("/dev/zero")
    command = [str(SITHSFLOW), "--db", sqlite_url, "--json", "process", "deploy", str(endless)]
    done = subprocess.run(
        [*command, "--as", "petra"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr
    assert "is not a regular file" in json.loads(done.stdout)["error"]["message"]


@pytest.mark.parametrize("where", ["through a file", "under /proc"])
def test_db_init_where_no_file_can_be_created_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    target = blocker / "x.db" if where == "through a file" else Path("/proc/no-such/x.db")
    message = _refused(capsys, "--db", f"sqlite:///{target}", "db", "init")
    assert "cannot be created" in message


def test_a_malformed_setting_in_the_environment_is_refused(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SITHSFLOW_PORT", "abc")
    refused = _refused(capsys, "--db", sqlite_url, "case", "list")
    assert "SITHSFLOW_PORT must be a whole number" in refused


@pytest.mark.parametrize("key", [[2**70], [2**31], ["x\u0000"]])
def test_a_forged_page_cursor_past_the_databases_integers_is_refused(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], key: list[object]
) -> None:
    forged = encode_cursor(*key)  # type: ignore[arg-type]
    message = _refused(capsys, "--db", sqlite_url, "case", "list", "--cursor", forged)
    assert "Invalid page cursor" in message
