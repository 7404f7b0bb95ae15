"""A script raising SystemExit (or another BaseException) is a JSON refusal from the API,
not a dropped connection (issue 10)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.services.deploy import deploy_files
from tests.api.conftest import Api
from tests.support.exiting_scripts import BASE_EXCEPTIONS
from tests.support.exiting_scripts import write_bundle


@pytest.mark.parametrize("mode", BASE_EXCEPTIONS)
def test_sandbox_api_answers_a_script_raising_a_base_exception_with_a_json_refusal(
    api: Api, tmp_path: Path, mode: str
) -> None:
    process_id, files = write_bundle(tmp_path, timer=False)
    deploy_files(api.runtime, api.clock, files, actor="petra")
    response = api.start("sara", process_id, mode=mode)
    assert response.status_code == 403, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert body["rule"] == "SANDBOX"
    assert mode in body["message"]
    assert api.start("sara", process_id, mode="ok").status_code == 201
