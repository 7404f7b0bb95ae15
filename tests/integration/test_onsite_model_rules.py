"""S3 for the on-site start: no model lets the service desk issue at a station (R5) or
one administrator issue LoA3 at the start (R6); the engine refuses the same at run time."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import NotPermitted
from engine.model import Organisation
from engine.model import Person
from engine.problems import ModelRejected
from engine.services.actions import ActionContext
from engine.services.deploy import deploy_files
from engine.services.policy import PolicyReader
from engine.services.station_actions import issue_at_station
from tests.support.bundles import bundled_source
from tests.support.bundles import write
from tests.support.flows import Flows

LOA2 = '<spiffworkflow:property name="loa" value="2" />'


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ('name="loa2_admin"', 'name="service_desk"', "R5"),
        (LOA2, LOA2.replace('"2"', '"3"'), "R6"),
    ],
)
def test_s3_an_onsite_model_that_switches_off_r5_or_r6_is_refused_at_deploy(
    flows: Flows, tmp_path: Path, old: str, new: str, said: str
) -> None:
    source = bundled_source("loa2-onsite.bpmn")
    assert old in source
    changed = source.replace(old, new, 1)
    before = flows.rows_but_audit()
    with pytest.raises(ModelRejected) as refused:
        deploy_files(
            flows.runtime, flows.clock, [write(tmp_path, "loa2-onsite.bpmn", changed)], "petra"
        )
    assert flows.rows_but_audit() == before
    assert any(p.element == "start" and said in p.message for p in refused.value.problems), (
        refused.value.problems
    )


@pytest.mark.parametrize(("user", "loa", "rule"), [("anna", "3", "R6"), ("sara", "2", "R5")])
def test_s3_the_engine_refuses_what_a_slipped_through_onsite_model_would_allow(
    flows: Flows, user: str, loa: str, rule: str
) -> None:
    """Run the start action as such a model would: LoA3 at the start, or the service desk."""
    with flows.runtime.unit_of_work(flows.at("2026-11-26 15:30").clock) as uow:
        session = uow.session
        actor = session.query(Person).filter_by(username=user).one()
        region = session.query(Organisation).filter_by(code="region-demo").one()
        ctx = ActionContext(
            session,
            flows.clock,
            PolicyReader(session),
            actor,
            region,
            None,
            {},
            {"holder": "erik", "id_document": "passport", "card_number": "RK000010",
             "valid_until": "2026-12-08"},
            {"action": "issue_at_station", "loa": loa},
        )  # fmt: skip
        with pytest.raises(NotPermitted) as refused:
            issue_at_station(ctx)
        assert refused.value.rule == rule
