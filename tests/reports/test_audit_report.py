"""The audit extract (issue 11): both LoA3 administrators' identity documents, labels
rather than codes, and one language per report."""

from __future__ import annotations

import pytest

from tests.reports.conftest import Render
from tests.support.flows import Flows


@pytest.fixture
def case_id(flows: Flows) -> int:
    """R6: anna checks a passport, bertil a driving licence, then issues RK000001."""
    case = flows.at("2025-12-01 10:00").start_loa3("anna", holder="frida", id_document="passport")
    flows.at("2025-12-02 10:00").complete(
        case.id,
        "second_verification",
        "bertil",
        id_document="driving_licence",
        card_number="RK000001",
        valid_until="2026-05-30",
    )
    return case.id


def test_r6_the_audit_extract_shows_both_administrators_documents_in_swedish(
    case_id: int, render: Render
) -> None:
    text = render("audit", case_id=case_id)
    assert "anna ID-administratör med behörighet för reservkort LoA3 Ärendet startat" in text
    assert "ID-handling: Pass" in text
    assert "ID-handling: Körkort" in text
    assert "Kortnummer: RK000001" in text and "Giltigt till: 2026-05-30" in text
    assert "Andra verifieringen senast 2025-12-06 10:00" in text
    assert "Second verification by" not in text  # one language, not both in one cell
    for code in ("loa3_admin", "policy_decision", "second_verification", "driving_licence"):
        assert code not in text, code


def test_r6_the_audit_extract_in_english_has_english_labels_and_messages_only(
    case_id: int, render: Render
) -> None:
    text = render("audit", case_id=case_id, lang="en")
    assert "anna LoA3 ID administrator Case started" in text
    assert "bertil LoA3 ID administrator Task completed" in text
    assert "Identity document: Passport" in text
    assert "Identity document: Driving licence" in text
    assert "R7 Second verification by 2025-12-06 10:00" in text
    assert "State Completed" in text
    for swedish in ("Andra verifieringen", "ID-handling", "Ärendet startat", "Körkort"):
        assert swedish not in text, swedish


def test_every_audit_action_and_role_the_pages_label_has_a_label_in_the_audit_pdf() -> None:
    # The PDF keeps its own (Swedish, English) pairs because the CLI prints it without
    # Flask; a code added for the pages only would print raw in the PDF.
    from engine.rights import ROLE_LABELS
    from reports import audit_labels
    from web import labels

    assert set(labels.ACTIONS) <= set(audit_labels.ACTIONS)
    assert set(labels.ATTEMPTS) <= set(audit_labels.ATTEMPTS)
    assert set(labels.ROLES) | set(ROLE_LABELS) <= set(audit_labels.ROLES) | set(ROLE_LABELS)
    assert set(labels.CASE_STATES) <= set(audit_labels.CASE_STATES)
    assert set(labels.CARD_STATES) <= set(audit_labels.CARD_STATES)
