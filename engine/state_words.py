"""Case and task states as words in the engine's bilingual messages.

A refusal or an audit note is "Svenska mening. / English sentence." (STYLE.md); a state
code inside it ("Ärendet är lapsed") reads as a raw id in the Swedish half. These are the
words both halves use; the pages label the codes themselves through web/labels.py.
"""

from __future__ import annotations

# code -> (svenska, English), as the predicate of "Ärendet är …" / "The case is …".
CASE_STATE_WORDS: dict[str, tuple[str, str]] = {
    "open": ("öppet", "open"),
    "completed": ("avslutat", "completed"),
    "lapsed": ("förfallet (R7)", "lapsed (R7)"),
    "expired": ("utgånget", "expired"),
    "cancelled": ("avbrutet", "cancelled"),
}
# code -> (svenska, English), as the predicate of "Uppgiften är …" / "The task is …".
TASK_STATE_WORDS: dict[str, tuple[str, str]] = {
    "ready": ("redo", "ready"),
    "completed": ("slutförd", "completed"),
    "cancelled": ("avbruten", "cancelled"),
}
# code -> (svenska, English) for a card: "Kortet är …" / "The card is …".
CARD_STATE_WORDS: dict[str, tuple[str, str]] = {
    "in_stock": ("i lager", "in stock"),
    "issued": ("utlämnat", "issued"),
    "revoked": ("spärrat", "revoked"),
    "scrapped": ("kasserat", "scrapped"),
    "mailed": ("skickat, ej aktiverat", "mailed, not activated"),
}


def case_state_words(state: str) -> tuple[str, str]:
    return CASE_STATE_WORDS.get(state, (state, state))


def task_state_words(state: str) -> tuple[str, str]:
    return TASK_STATE_WORDS.get(state, (state, state))


def card_state_words(state: str) -> tuple[str, str]:
    return CARD_STATE_WORDS.get(state, (state, state))
