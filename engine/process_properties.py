"""The sithsflow extension properties of a BPMN element: one typed schema, checked at deploy.

A process owner writes them in the modeler as `spiffworkflow:property name=… value=…`.
Every property the engine reads is listed here with where it may stand, its allowed
values and the combinations it needs; an unknown or misspelled one (`four_eye`) is
refused at deploy, naming the element, and nothing defaults silently (an issuing task
without `loa` is refused, not issued at LoA2). docs/process-properties.md describes them
for process owners, in Swedish and English.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

START = "StartEvent"
USER_TASK = "UserTask"
END = "EndEvent"
TIMER_EVENTS = ("BoundaryEvent", "IntermediateCatchEvent")
ANY_ELEMENT = "*"

RULE_ID = re.compile(r"(R([1-9]|1[0-9]|2[0-3])|S[1-6])")

# Which element an action belongs to: a start event's action runs with the start form.
ACTION_ELEMENTS: dict[str, str] = {
    "first_verification": START,
    "order_loa2": START,
    "issue_at_station": START,
    "select_card_for_renewal": START,
    "issue_reserve_card": USER_TASK,
    "renew_certificate": USER_TASK,
    # R19 (engine.services.employment_end)
    "end_employment": START,
    # R16 (engine.services.ordinary_card)
    "order_ordinary_card": START,
    "mail_ordinary_card": USER_TASK,
    "activate_ordinary_card": USER_TASK,
    # R20 (engine.services.forgotten_card)
    "start_forgotten_card": START,
    "attest_forgotten_card": USER_TASK,
}
# Actions that issue or renew a certificate: they need `loa` (R1: 2 or 3, never a default).
ISSUING_ACTIONS = frozenset({"issue_reserve_card", "renew_certificate", "issue_at_station"})
LOAS = ("2", "3")  # R1: SITHS has only LoA2 and LoA3
FOUR_EYES_START = "start"
CASE_STATES = ("completed", "lapsed", "expired")


@dataclass(frozen=True)
class PropertySpec:
    """One property: where it may stand and what values it takes."""

    name: str
    elements: tuple[str, ...]
    values: tuple[str, ...] | None  # None: free, checked by `pattern` if any
    sv: str
    en: str
    pattern: re.Pattern[str] | None = None
    many: bool = False  # a space-separated list

    def allows(self, value: str) -> bool:
        items = value.split() if self.many else [value]
        if not items:
            return False
        if self.values is not None:
            return all(item in self.values for item in items)
        if self.pattern is not None:
            return all(self.pattern.fullmatch(item) for item in items)
        return True


PROPERTIES: dict[str, PropertySpec] = {
    spec.name: spec
    for spec in (
        PropertySpec(
            "action",
            (START, USER_TASK),
            tuple(ACTION_ELEMENTS),
            "Domänåtgärden som körs när formuläret skickas (kontroll av regler, kort och "
            "certifikat).",
            "The domain action run when the form is submitted (rule checks, card and certificate).",
        ),
        PropertySpec(
            "loa",
            (START, USER_TASK),
            LOAS,
            "Tillitsnivån som utfärdas eller förlängs: 2 eller 3 (R1). Krävs av "
            "issue_reserve_card och renew_certificate.",
            "The level of assurance issued or renewed: 2 or 3 (R1). Required by "
            "issue_reserve_card and renew_certificate.",
        ),
        PropertySpec(
            "assignee",
            (USER_TASK,),
            None,
            "Ett fält i ärendets data som håller ett användarnamn: bara den personen utför "
            "uppgiften (R20, varje intygsgivare i sitt eget steg).",
            "A field of the case data holding a user name: only that person works the task "
            "(R20, each attester in their own step).",
            pattern=re.compile(r"[a-z][a-z0-9_]*"),
        ),
        PropertySpec(
            "four_eyes",
            (USER_TASK,),
            (FOUR_EYES_START,),
            "Fyra ögon (R6): 'start' betyder att den som startade ärendet inte får utföra "
            "uppgiften.",
            "Four eyes (R6): 'start' means the person who started the case may not work the task.",
        ),
        PropertySpec(
            "case_state",
            (END,),
            CASE_STATES,
            "Ärendets status när slutet nås: completed, lapsed (R7) eller expired.",
            "The case state when this end is reached: completed, lapsed (R7) or expired.",
        ),
        PropertySpec(
            "continue_as_new",
            (END,),
            ("true",),
            "'true': ärendet fortsätter som en ny cykel från början (förlängningsslingan, "
            "R11), så att det sparade tillståndet inte växer.",
            "'true': the case continues as a new cycle from the start (the renewal loop, "
            "R11), so that the stored state does not grow.",
        ),
        PropertySpec(
            "rule",
            TIMER_EVENTS,
            None,
            "Regeln som en timer upprätthåller (t.ex. R7, R11); visas i avslag och rapporter.",
            "The rule a timer enforces (e.g. R7, R11); shown in refusals and reports.",
            pattern=RULE_ID,
        ),
        PropertySpec(
            "rules",
            (ANY_ELEMENT,),
            None,
            "Reglerna elementet tjänar, åtskilda med mellanslag (t.ex. 'R5 R6 R7'); "
            "dokumentation för granskare.",
            "The rules the element serves, separated by spaces (e.g. 'R5 R6 R7'); "
            "documentation for auditors.",
            pattern=RULE_ID,
            many=True,
        ),
        PropertySpec(
            "name_en",
            (ANY_ELEMENT,),
            None,
            "Elementets namn på engelska; `name` är det svenska. Visas i processkartan och "
            "på sidorna när någon valt engelska (tidsfrister, steg, slut).",
            "The element's name in English; `name` is the Swedish one. Shown in the diagram "
            "and on the pages when English is chosen (timers, steps, ends).",
        ),
        PropertySpec(
            "scope",
            (USER_TASK,),
            ("holder_organisation",),
            "Vems kö uppgiften hamnar i: 'holder_organisation' är kortanvändarens "
            "organisation (R15).",
            "Whose queue the task goes to: 'holder_organisation' is the card user's "
            "organisation (R15).",
        ),
    )
}


@dataclass(frozen=True)
class PropertyProblem:
    """What is wrong with one element's properties, in Swedish and English."""

    sv: str
    en: str

    @property
    def message(self) -> str:
        return f"{self.sv} / {self.en}"


def check_properties(kind: str, properties: Mapping[str, str]) -> list[PropertyProblem]:
    """Every problem with one element's properties: unknown, misplaced, badly valued or
    missing in combination."""
    problems: list[PropertyProblem] = []
    for name, value in properties.items():
        spec = PROPERTIES.get(name)
        if spec is None:
            problems.append(_unknown(name))
            continue
        if ANY_ELEMENT not in spec.elements and kind not in spec.elements:
            where = ", ".join(spec.elements)
            problems.append(
                PropertyProblem(
                    f"Egenskapen '{name}' hör inte hemma på {kind}; den gäller {where}.",
                    f"The property '{name}' does not belong on a {kind}; it is for {where}.",
                )
            )
            continue
        if not spec.allows(value):
            allowed = ", ".join(spec.values) if spec.values else "R1…R23, S1…S6"
            problems.append(
                PropertyProblem(
                    f"Egenskapen '{name}' har värdet '{value}'; tillåtet: {allowed}.",
                    f"The property '{name}' has the value '{value}'; allowed: {allowed}.",
                )
            )
    problems += _check_combinations(kind, properties)
    return problems


# Properties other modelers write, with what to do instead.
FOREIGN: dict[str, tuple[str, str]] = {
    "formJsonSchemaFilename": (
        "SpiffArena-formulär används inte; lägg formuläret i paketet som <process>.<uppgift>.json",
        "SpiffArena forms are not used; add the form to the bundle as <process>.<task>.json",
    ),
    "formUiSchemaFilename": (
        "SpiffArena-formulär används inte; lägg formuläret i paketet som <process>.<uppgift>.json",
        "SpiffArena forms are not used; add the form to the bundle as <process>.<task>.json",
    ),
}


def _unknown(name: str) -> PropertyProblem:
    if name in FOREIGN:
        sv, en = FOREIGN[name]
        return PropertyProblem(f"Egenskapen '{name}': {sv}.", f"The property '{name}': {en}.")
    close = difflib.get_close_matches(name, PROPERTIES, n=1)
    hint_sv = f" Menade du '{close[0]}'?" if close else ""
    hint_en = f" Did you mean '{close[0]}'?" if close else ""
    known = ", ".join(sorted(PROPERTIES))
    return PropertyProblem(
        f"Okänd egenskap '{name}'.{hint_sv} Kända: {known}.",
        f"Unknown property '{name}'.{hint_en} Known: {known}.",
    )


def _check_combinations(kind: str, properties: Mapping[str, str]) -> list[PropertyProblem]:
    problems: list[PropertyProblem] = []
    action = properties.get("action")
    if action in ACTION_ELEMENTS and ACTION_ELEMENTS[action] != kind:
        problems.append(
            PropertyProblem(
                f"Åtgärden '{action}' hör till {ACTION_ELEMENTS[action]}, inte {kind}.",
                f"The action '{action}' belongs on a {ACTION_ELEMENTS[action]}, not a {kind}.",
            )
        )
    if action in ISSUING_ACTIONS and "loa" not in properties:
        problems.append(
            PropertyProblem(
                f"Åtgärden '{action}' kräver egenskapen loa (2 eller 3); ingen nivå antas (R1).",
                f"The action '{action}' needs the property loa (2 or 3); no level is assumed (R1).",
            )
        )
    if "loa" in properties and action not in ISSUING_ACTIONS:
        problems.append(
            PropertyProblem(
                "Egenskapen loa gäller bara issue_reserve_card, renew_certificate och "
                "issue_at_station.",
                "The property loa applies only to issue_reserve_card, renew_certificate and "
                "issue_at_station.",
            )
        )
    if "continue_as_new" in properties and "case_state" in properties:
        problems.append(
            PropertyProblem(
                "Ett slut kan inte både fortsätta som nytt och sätta ärendets status.",
                "An end cannot both continue as new and set the case state.",
            )
        )
    return problems
