"""Rewrite the sv and en catalogues from the extracted template and the Swedish table below.

    .venv/bin/pybabel extract -F web/babel.cfg -k lazy_gettext -o /tmp/messages.pot web
    .venv/bin/python -m web.translations.update /tmp/messages.pot

The English catalogue repeats the English source text, so that both languages are
explicit; a string missing from SWEDISH fails loudly rather than shipping in English.
Messages with a context (`lazy_pgettext("case state", "Open")`, see web/babel.cfg) take
their Swedish from SWEDISH_IN_CONTEXT, keyed by (context, English).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.catalog import Message
from babel.messages.pofile import read_po
from babel.messages.pofile import write_po

from web.translations.swedish import SWEDISH
from web.translations.swedish import SWEDISH_IN_CONTEXT

HERE = Path(__file__).resolve().parent


def main(template: str) -> None:
    with open(template, "rb") as source:
        pot = read_po(source)
    missing = [_describe(m) for m in pot if m.id and _swedish(m) is None]
    if missing:
        raise SystemExit("Swedish missing for:\n" + "\n".join(map(str, missing)))
    for lang in ("sv", "en"):
        catalog = Catalog(locale=lang, project="sithsflow", fuzzy=False)
        for message in pot:
            if not message.id:
                continue
            text: str | tuple[str, ...] | list[str] = message.id
            if lang == "sv":
                found = _swedish(message)
                assert found is not None
                text = found
            catalog.add(message.id, text, locations=(), context=message.context)
        path = HERE / lang / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as target:
            write_po(target, catalog, width=100, omit_header=False, sort_output=True)


def _swedish(message: Message) -> str | tuple[str, str] | None:
    if message.context:
        return SWEDISH_IN_CONTEXT.get((message.context, _key(message.id)))
    return SWEDISH.get(_key(message.id))


def _describe(message: Message) -> str:
    text = _key(message.id)
    return f"{message.context}: {text}" if message.context else text


def _key(msgid: str | tuple[str, ...] | list[str]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


if __name__ == "__main__":
    main(sys.argv[1])
