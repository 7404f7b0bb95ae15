"""The domain actions of the card-life processes (R16, R19, R20), beside engine.services.actions.

They build on its ActionContext and ActionResult, so they live in their own modules and are
looked up here, after the issuing actions, by engine.services.cases.
"""

from __future__ import annotations

from engine.services.actions import Action
from engine.services.employment_end import end_employment
from engine.services.forgotten_card import attest_forgotten_card
from engine.services.forgotten_card import start_forgotten_card
from engine.services.ordinary_card import activate_ordinary_card
from engine.services.ordinary_card import mail_ordinary_card
from engine.services.ordinary_card import order_ordinary_card

LIFECYCLE_ACTIONS: dict[str, Action] = {
    "end_employment": end_employment,
    "order_ordinary_card": order_ordinary_card,
    "mail_ordinary_card": mail_ordinary_card,
    "activate_ordinary_card": activate_ordinary_card,
    "start_forgotten_card": start_forgotten_card,
    "attest_forgotten_card": attest_forgotten_card,
}
