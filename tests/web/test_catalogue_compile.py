"""The catalogues compiled at start by every web process of `sithsflow serve` at once:
no process may read another's half-written file."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from babel.messages.mofile import read_mo

from web.i18n import SOURCE_DIR
from web.i18n import compile_catalogues

SECONDS = 1.5


def test_a_catalogue_is_never_seen_half_written_while_others_compile(tmp_path: Path) -> None:
    compile_catalogues(SOURCE_DIR, tmp_path)
    compiled = tmp_path / "sv" / "LC_MESSAGES" / "messages.mo"
    with compiled.open("rb") as mo_file:
        expected = len(read_mo(mo_file))
    stop = time.monotonic() + SECONDS
    failures: list[str] = []

    def compile_again() -> None:
        while time.monotonic() < stop:
            compile_catalogues(SOURCE_DIR, tmp_path)

    writers = [threading.Thread(target=compile_again) for _ in range(3)]
    for writer in writers:
        writer.start()
    reads = 0
    while time.monotonic() < stop:
        try:
            with compiled.open("rb") as mo_file:
                found = len(read_mo(mo_file))
        except Exception as error:  # a truncated file fails to parse
            failures.append(repr(error))
            continue
        reads += 1
        if found != expected:
            failures.append(f"{found} of {expected} messages")
    for writer in writers:
        writer.join()
    assert reads > 0
    assert failures == []
    assert sorted(p.name for p in compiled.parent.iterdir()) == ["messages.mo"]
