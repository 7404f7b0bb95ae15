"""`sithsflow report …`: a PDF and `{"path": …}` on success, exit 2 with a reason on bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text

from cli.main import main
from tests.reports.conftest import pdf_text


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """The CLI builds its own engine and never disposes it, so these tests use SQLite only;
    the reports themselves run on both backends in the other test modules."""
    target = tmp_path / "cli.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_report_writes_the_pdf_and_prints_its_path_as_json(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "register.pdf"
    code, stdout, _ = _run(
        capsys,
        "--db", sqlite_url, "--now", "2026-01-20T12:00:00+01:00", "--json",
        "report", "issuance", "--from", "2025-12-01", "--to", "2025-12-31",
        "--out", str(out), "--lang", "en",
    )  # fmt: skip
    assert code == 0
    assert json.loads(stdout) == {"path": str(out.resolve())}
    assert "No reserve card was issued" in pdf_text(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "bogus", "--from", "2025-12-01", "--to", "2025-12-31"], "Unknown report"),
        (["report", "issuance", "--from", "2025-13-01", "--to", "2025-12-31"], "Invalid date"),
        (["report", "issuance", "--from", "2025-12-31", "--to", "2025-12-01"], "reversed"),
        (["report", "issuance", "--from", "2025-12-01"], "needs a period"),
        (["report", "issuance", "--from", "2025-12-01", "--to", "2025-12-31", "--lang", "de"],
         "Unknown language"),
        (["report", "audit"], "exactly one of --case, --card and --holder"),
        (["report", "expiring", "--to", "2025-12-31", "--days", "10"], "either --to or --days"),
        (["report", "issuance", "--from", "2025-12-01", "--to", "2025-12-31", "--case", "1"],
         "audit report only"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_exit_2_and_a_reason(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.pdf"
    code, stdout, stderr = _run(capsys, "--json", *args, "--out", str(out))
    assert code == 2
    assert message in json.loads(stdout)["error"]["message"]
    assert message in stderr
    assert not out.exists()


@pytest.mark.parametrize("where", ["missing-folder/r.pdf", "."])
def test_an_unwritable_path_is_refused_with_exit_2(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, stderr = _run(
        capsys, "report", "issuance", "--from", "2025-12-01", "--to", "2025-12-31",
        "--out", str(tmp_path / where),
    )  # fmt: skip
    assert code == 2
    assert "cannot be written" in stderr or "is a folder" in stderr


def test_a_long_report_shows_progress_on_stderr_and_keeps_stdout_json(
    sqlite_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Halmstad's second LoA3 administrator, elin, starts after the period: one day blocked.
    database = create_engine(sqlite_url)
    with database.begin() as connection:
        connection.execute(
            text(
                "UPDATE admin_rights SET valid_from = '2026-02-01' "
                "WHERE person_id = (SELECT id FROM people WHERE username = 'elin')"
            )
        )
    database.dispose()
    # Every row counts as "long" here; real runs report every 10,000 rows.
    monkeypatch.setattr("reports.sources.PROGRESS_EVERY_ROWS", 1)
    monkeypatch.setattr("reports.generate.PROGRESS_EVERY_ROWS", 1)
    out = tmp_path / "staffing.pdf"
    code, stdout, stderr = _run(
        capsys,
        "--db", sqlite_url, "--now", "2026-01-20T12:00:00+01:00", "--json",
        "report", "staffing", "--from", "2025-12-29", "--to", "2026-01-09", "--out", str(out),
    )  # fmt: skip
    assert code == 0
    assert json.loads(stdout) == {"path": str(out.resolve())}
    assert "… 1 rader lästa" in stderr
    assert "Skriver PDF" in stderr
