"""Problems found in a model a process owner deploys: one per element, listed together.

A deploy (or `--dry-run`) does not stop at the first fault: it collects every problem,
each naming its file and element, with a sentence in Swedish and English, and refuses the
whole bundle with `ModelRejected` when there is any (S1: all or nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import Invalid


@dataclass(frozen=True)
class Problem:
    """One thing to change in a model: where it is and what to do, in both languages."""

    file: str
    element: str | None
    message: str  # "Svenska. / English."
    # The form field the problem is on (a form file's problem), so the form editor marks it.
    field: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        found = {"file": self.file, "element": self.element, "message": self.message}
        if self.field is not None:
            found["field"] = self.field
        return found


class ModelRejected(Invalid):
    """A bundle that would not run, or would break a rule (S3), with every problem found."""

    def __init__(self, problems: list[Problem], rule: str | None = None) -> None:
        count = len(problems)
        first_sv, _, first_en = (problems[0].message if problems else "").partition(" / ")
        super().__init__(
            f"Modellen avvisades: {count} problem. Första: {first_sv} / "
            f"The model was refused: {count} problem(s). First: {first_en or first_sv}",
            rule=rule,
        )
        self.problems = list(problems)
