"""The words of the workspace's task forms editor (web/frontend/form_editor.js).

The editor builds its controls in the browser; every label, button and message it shows
comes from here, through the catalogues, in the session's language.
"""

from __future__ import annotations

from flask_babel import gettext


def form_editor_strings() -> dict[str, str]:
    """Every sentence the form editor shows, in the session's language."""
    return {
        "fields": gettext("Fields of the form"),
        "fieldCount": gettext("Fields: %(count)s", count="{count}"),
        "problemCount": gettext("Problems: %(count)s", count="{count}"),
        "noTasks": gettext("The diagram has no user task or start event."),
        "noFields": gettext("This form has no fields: the task takes no input."),
        "notJson": gettext("The form is not valid JSON."),
        "formTitleSv": gettext("Form title (Swedish)"),
        "formTitleEn": gettext("Form title (English)"),
        "fieldLegend": gettext("Field %(number)s: %(label)s", number="{number}", label="{label}"),
        "fieldName": gettext("Field name (a-z, 0-9, _)"),
        "labelSv": gettext("Label (Swedish)"),
        "labelEn": gettext("Label (English)"),
        "helpSv": gettext("Help (Swedish)"),
        "helpEn": gettext("Help (English)"),
        "fieldType": gettext("Type"),
        "type_text": gettext("Text"),
        "type_longtext": gettext("Long text"),
        "type_date": gettext("Date"),
        "type_choice": gettext("Choice"),
        "choices": gettext("Choices"),
        "choicesHelp": gettext(
            "One choice a line: value; Swedish label; English label (e.g. passport; Pass; Passport)."
        ),
        "patternKept": gettext("Pattern kept"),
        "required": gettext("Required"),
        "addField": gettext("Add field"),
        "moveUp": gettext("Move up"),
        "moveDown": gettext("Move down"),
        "remove": gettext("Remove"),
        "newFieldSv": "Nytt fält",
        "newFieldEn": "New field",
        "fieldAdded": gettext("Field %(name)s added.", name="{name}"),
        "fieldRemoved": gettext("Field %(name)s removed.", name="{name}"),
        "movedUp": gettext("Field %(name)s moved up.", name="{name}"),
        "movedDown": gettext("Field %(name)s moved down.", name="{name}"),
        "badFieldName": gettext(
            "'%(name)s' cannot be a field name: use a-z, 0-9 and _, starting with a letter, "
            "once per form.",
            name="{name}",
        ),
        "openForm": gettext("Open the form"),
        "insertWhere": gettext(
            "Select a task, event or gateway with at most one outgoing flow first: the new "
            "user task goes on that flow."
        ),
        "taskInserted": gettext(
            "User task %(name)s inserted, with an empty form to fill in.", name="{name}"
        ),
    }
