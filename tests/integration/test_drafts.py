"""The process owner's drafts (issue 13): open the active version, save, check, deploy.

A draft is checked by the deploy validation itself and deployed through it (S1), so a
broken draft never reaches the active version.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlalchemy import select

from engine.errors import Invalid
from engine.errors import NotPermitted
from engine.model import ProcessDraft
from engine.model import ProcessVersion
from engine.problems import ModelRejected
from engine.services import drafts
from engine.services import simulation
from engine.services.deploy import versions
from tests.support.flows import Flows
from tests.support.flows import local

LOA3 = "loa3-reserve"
LOA2 = "loa2-remote-order"
BPMN = f"{LOA3}.bpmn"
R7_TIMER = '<bpmn:timeDuration>"P5D"</bpmn:timeDuration>'


def _versions(flows: Flows) -> int:
    with flows.runtime.database.sessions() as session:
        return int(session.scalar(select(func.count(ProcessVersion.id))) or 0)


def test_s1_open_draft_gives_the_active_version_with_its_forms_and_tables(flows: Flows) -> None:
    draft = drafts.open_draft(flows.runtime, flows.clock, LOA3, "petra")
    assert draft.saved_at is None
    assert draft.based_on_version == 1
    assert R7_TIMER in draft.files[BPMN]
    assert f"{LOA3}.second_verification.json" in draft.files
    assert "validity-limits.dmn" in draft.files


def test_s1_only_a_process_owner_opens_saves_or_deploys_a_draft(flows: Flows) -> None:
    for call in (
        lambda: drafts.open_draft(flows.runtime, flows.clock, LOA3, "anna"),
        lambda: drafts.save_draft(flows.runtime, flows.clock, LOA3, "anna", {BPMN: ""}),
        lambda: drafts.deploy_draft(flows.runtime, flows.clock, LOA3, "anna"),
        lambda: drafts.overview(flows.runtime, flows.clock, "anna"),
    ):
        with pytest.raises(NotPermitted) as refused:
            call()
        assert refused.value.rule == "S1"
    with flows.runtime.database.sessions() as session:
        assert session.scalar(select(func.count(ProcessDraft.id))) == 0


def test_saved_draft_is_kept_per_owner_and_checked_like_a_deploy(flows: Flows) -> None:
    files = drafts.open_draft(flows.runtime, flows.clock, LOA3, "petra").files
    files[BPMN] = files[BPMN].replace(R7_TIMER, '<bpmn:timeDuration>"P7D"</bpmn:timeDuration>')
    saved = drafts.save_draft(flows.runtime, flows.clock, LOA3, "petra", files)
    assert saved.saved_at == flows.clock.now()
    reopened = drafts.open_draft(flows.runtime, flows.clock, LOA3, "petra")
    assert '"P7D"' in reopened.files[BPMN]

    check = drafts.check_draft(flows.runtime, flows.clock, LOA3, "petra")
    assert check.problems == ()
    assert check.changes is not None
    assert check.changes.timers.changed == ("deadline",)


def test_broken_draft_lists_its_problem_on_the_element_and_never_deploys(flows: Flows) -> None:
    files = drafts.open_draft(flows.runtime, flows.clock, LOA3, "petra").files
    files[BPMN] = files[BPMN].replace(R7_TIMER, "<bpmn:timeDuration>P5D (</bpmn:timeDuration>")
    drafts.save_draft(flows.runtime, flows.clock, LOA3, "petra", files)

    check = drafts.check_draft(flows.runtime, flows.clock, LOA3, "petra")
    assert [p.element for p in check.problems] == ["deadline"]
    before = _versions(flows)
    with pytest.raises(Invalid):
        drafts.deploy_draft(flows.runtime, flows.clock, LOA3, "petra")
    assert _versions(flows) == before
    assert drafts.open_draft(flows.runtime, flows.clock, LOA3, "petra").saved_at is not None


def test_deployed_draft_becomes_the_active_version_and_is_removed(flows: Flows) -> None:
    files = drafts.open_draft(flows.runtime, flows.clock, LOA3, "petra").files
    files[BPMN] = files[BPMN].replace(R7_TIMER, '<bpmn:timeDuration>"P7D"</bpmn:timeDuration>')
    drafts.save_draft(flows.runtime, flows.clock, LOA3, "petra", files)

    done = drafts.deploy_draft(flows.runtime, flows.clock, LOA3, "petra")
    assert [(d.id, d.version) for d in done.deployed if d.kind == "process"] == [(LOA3, 2)]
    assert done.changes is not None and done.changes.timers.changed == ("deadline",)
    assert [v.active for v in versions.list_versions(flows.runtime, LOA3)] == [False, True]
    assert drafts.open_draft(flows.runtime, flows.clock, LOA3, "petra").saved_at is None
    listed = {p.id: p for p in drafts.overview(flows.runtime, flows.clock, "petra")}
    assert listed[LOA3].active_version == 2
    assert listed[LOA3].draft_saved_at is None


@pytest.mark.parametrize(
    "name",
    ["other-process.bpmn", f"{LOA3}.txt", f"../{LOA3}.start.json", "loa2-remote-order.x.json"],
)
def test_draft_with_a_file_of_another_kind_or_process_is_refused(flows: Flows, name: str) -> None:
    files = drafts.open_draft(flows.runtime, flows.clock, LOA3, "petra").files
    files[name] = "{}"
    with pytest.raises(Invalid):
        drafts.save_draft(flows.runtime, flows.clock, LOA3, "petra", files)
    assert drafts.open_draft(flows.runtime, flows.clock, LOA3, "petra").saved_at is None


def test_r7_simulated_julafton_start_lapses_after_the_drafts_timer_if_nobody_acts(
    flows: Flows,
) -> None:
    files = drafts.open_draft(flows.runtime, flows.clock, LOA3, "petra").files
    files[BPMN] = files[BPMN].replace(R7_TIMER, '<bpmn:timeDuration>"P7D"</bpmn:timeDuration>')
    drafts.save_draft(flows.runtime, flows.clock, LOA3, "petra", files)

    run = simulation.simulate_draft(
        flows.runtime,
        flows.clock,
        LOA3,
        "petra",
        start_at=local("2026-12-24 10:00"),
        workers_act=False,
        data={"holder": "ivan"},
    )
    assert [(s.kind, s.element, s.at) for s in run.steps] == [
        ("start", "start", local("2026-12-24 10:00")),
        ("timer", "deadline", local("2026-12-31 10:00")),  # the draft's P7D, not P5D
        ("end", "lapsed", local("2026-12-31 10:00")),
    ]
    assert run.ended


def test_simulated_start_where_workers_act_issues_and_a_broken_draft_is_refused(
    flows: Flows,
) -> None:
    run = simulation.simulate_draft(
        flows.runtime,
        flows.clock,
        LOA3,
        "petra",
        start_at=local("2026-12-24 10:00"),
        workers_act=True,
    )
    assert [(s.kind, s.element) for s in run.steps] == [
        ("start", "start"),
        ("task", "second_verification"),
        ("end", "issued"),
    ]
    assert run.steps[1].form_en == "Second identity verification and issuance, LoA3 reserve card"
    files = drafts.open_draft(flows.runtime, flows.clock, LOA3, "petra").files
    files[BPMN] = files[BPMN].replace(R7_TIMER, "<bpmn:timeDuration>P5D (</bpmn:timeDuration>")
    drafts.save_draft(flows.runtime, flows.clock, LOA3, "petra", files)
    with pytest.raises(ModelRejected):
        simulation.simulate_draft(
            flows.runtime,
            flows.clock,
            LOA3,
            "petra",
            start_at=local("2026-12-24 10:00"),
            workers_act=True,
        )
    with pytest.raises(NotPermitted):
        simulation.simulate_draft(
            flows.runtime,
            flows.clock,
            LOA3,
            "anna",
            start_at=local("2026-12-24 10:00"),
            workers_act=True,
        )


def test_kept_scenario_survives_a_deploy_to_rerun_after_the_next_change(flows: Flows) -> None:
    julafton = simulation.Scenario("julafton", local("2026-12-24 10:00"), False, {"holder": "ivan"})
    simulation.keep_scenario(flows.runtime, flows.clock, LOA3, "petra", julafton)
    simulation.keep_scenario(
        flows.runtime,
        flows.clock,
        LOA3,
        "petra",
        simulation.Scenario("julafton", local("2026-12-24 11:00"), False, {"holder": "ivan"}),
    )
    files = drafts.open_draft(flows.runtime, flows.clock, LOA3, "petra").files
    files[BPMN] = files[BPMN].replace(R7_TIMER, '<bpmn:timeDuration>"P7D"</bpmn:timeDuration>')
    drafts.save_draft(flows.runtime, flows.clock, LOA3, "petra", files)
    drafts.deploy_draft(flows.runtime, flows.clock, LOA3, "petra")

    kept = simulation.kept_scenarios(flows.runtime, flows.clock, LOA3, "petra")
    assert kept == (
        simulation.Scenario("julafton", local("2026-12-24 11:00"), False, {"holder": "ivan"}),
    )
    with pytest.raises(Invalid):
        simulation.keep_scenario(
            flows.runtime,
            flows.clock,
            LOA3,
            "petra",
            simulation.Scenario(" ", julafton.start_at, False, {}),
        )
    with pytest.raises(NotPermitted):
        simulation.kept_scenarios(flows.runtime, flows.clock, LOA3, "anna")


def test_invalid_form_in_a_draft_names_each_field_at_fault_and_never_deploys(
    flows: Flows,
) -> None:
    """The form editor marks a form's problems at their fields: one problem per fault."""
    files = drafts.open_draft(flows.runtime, flows.clock, LOA3, "petra").files
    name = f"{LOA3}.second_verification.json"
    form = json.loads(files[name])
    card = form["properties"]["card_number"]
    del card["x-title-en"]
    card["type"] = "integer"
    form["required"].append("ghost")
    del form["x-rules"]
    files[name] = json.dumps(form)
    drafts.save_draft(flows.runtime, flows.clock, LOA3, "petra", files)

    check = drafts.check_draft(flows.runtime, flows.clock, LOA3, "petra")
    faults = sorted(
        (p.field or "", p.message.split(" / ")[1]) for p in check.problems if p.file == name
    )
    assert faults == [
        ("", "The form is invalid: missing 'x-rules'."),
        ("card_number", "The form is invalid: card_number: 'type' must be 'string'."),
        ("card_number", "The form is invalid: card_number: missing 'x-title-en'."),
        ("ghost", "The form is invalid: ghost: required field 'ghost' is not a property."),
    ]
    assert {p.element for p in check.problems if p.file == name} == {"second_verification"}
    assert check.problems[0].to_dict().keys() >= {"file", "element", "message"}
    before = _versions(flows)
    with pytest.raises(ModelRejected):
        drafts.deploy_draft(flows.runtime, flows.clock, LOA3, "petra")
    assert _versions(flows) == before


def test_s6_draft_check_lists_a_changed_decision_table_that_deploy_stores_anew(
    flows: Flows,
) -> None:
    files = drafts.open_draft(flows.runtime, flows.clock, LOA2, "petra").files
    drafts.save_draft(flows.runtime, flows.clock, LOA2, "petra", files)
    assert drafts.check_draft(flows.runtime, flows.clock, LOA2, "petra").decisions.to_dict() == {
        "added": [],
        "removed": [],
        "changed": [],
    }
    lead = '<outputEntry id="r1_days"><text>3</text></outputEntry>'
    assert lead in files["renewal-reminder.dmn"]
    files["renewal-reminder.dmn"] = files["renewal-reminder.dmn"].replace(
        lead, lead.replace(">3<", ">5<")
    )
    drafts.save_draft(flows.runtime, flows.clock, LOA2, "petra", files)
    check = drafts.check_draft(flows.runtime, flows.clock, LOA2, "petra")
    assert check.problems == ()
    assert check.decisions.changed == ("renewal-reminder",)

    done = drafts.deploy_draft(flows.runtime, flows.clock, LOA2, "petra")
    assert done.decisions.changed == ("renewal-reminder",)
    stored = {(d.id, d.new) for d in done.deployed if d.kind == "decision"}
    assert ("renewal-reminder", True) in stored
    assert ("validity-limits", False) in stored
