"""A bundle as a process owner hands it in: BPMN, DMN and form files, read without trusting them.

Every file is read as bytes and checked for size and UTF-8 before anything parses it, so a
57 MB upload or a Latin-1 file becomes a problem naming the file, never a traceback. A
folder stands for the model files in it (`*.bpmn`, `*.dmn`, `*.json`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from engine.errors import Invalid
from engine.errors import NotFound
from engine.problems import Problem

PROCESSES_DIR = Path(__file__).resolve().parents[3] / "processes"
FORMS_DIR = Path(__file__).resolve().parents[3] / "forms"
MODEL_SUFFIXES = (".bpmn", ".dmn", ".json")
MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass
class Bundle:
    """The files of one deploy, by file name; `problems` holds what made a file unreadable."""

    bpmn: dict[str, str] = field(default_factory=dict)
    dmn: dict[str, str] = field(default_factory=dict)
    # form file name -> (process id, form id, schema)
    forms: dict[str, tuple[str, str, dict[str, Any]]] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def forms_of(self, process_id: str) -> dict[str, dict[str, Any]]:
        """Form id -> schema of the bundle's forms for `process_id`."""
        return {
            form_id: schema for pid, form_id, schema in self.forms.values() if pid == process_id
        }

    def form_file(self, process_id: str, form_id: str) -> str:
        return f"{process_id}.{form_id}.json"


def read_paths(paths: list[Path]) -> Bundle:
    """Read files and folders into a bundle; an unreadable path is refused at once."""
    if not paths:
        raise Invalid(
            "Ange minst en BPMN-, DMN- eller formulärfil eller en mapp. / "
            "Give at least one BPMN, DMN or form file, or a folder."
        )
    files: dict[str, bytes] = {}
    for path in paths:
        for file in _expand(path):
            try:
                files[file.name] = file.read_bytes()
            except OSError as error:
                raise NotFound(
                    f"Filen {file} kan inte läsas: {error.strerror}. / Cannot read {file}."
                ) from error
    return read_contents(files)


def read_contents(files: dict[str, bytes]) -> Bundle:
    """A bundle from file names and their bytes (as an upload gives them)."""
    bundle = Bundle()
    if not files:
        raise Invalid("Paketet är tomt. / The bundle is empty.")
    for name, raw in files.items():
        bundle.checksums[name] = hashlib.sha256(raw).hexdigest()
        text = _decode(bundle, name, raw)
        if text is None:
            continue
        if name.endswith(".bpmn"):
            bundle.bpmn[name] = text
        elif name.endswith(".dmn"):
            bundle.dmn[name] = text
        else:
            _add_form(bundle, name, text)
    return bundle


def _expand(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix in MODEL_SUFFIXES)
    if path.suffix not in MODEL_SUFFIXES:
        raise Invalid(
            f"{path.name}: bara .bpmn, .dmn och formulär (.json) kan driftsättas. / "
            f"{path.name}: only .bpmn, .dmn and form (.json) files can be deployed."
        )
    if not path.exists():
        raise NotFound(f"Filen {path} finns inte. / No file {path}.")
    if not path.is_file():
        # A device or a pipe (or a link to one, such as /dev/zero) never ends: reading it
        # hung the command or ran out of memory (issue 10).
        raise Invalid(f"{path} är ingen vanlig fil. / {path} is not a regular file.")
    return [path]


def _decode(bundle: Bundle, name: str, raw: bytes) -> str | None:
    if not name.endswith(MODEL_SUFFIXES):
        bundle.problems.append(
            Problem(
                name,
                None,
                "Bara .bpmn, .dmn och formulär (.json) kan driftsättas. / "
                "Only .bpmn, .dmn and form (.json) files can be deployed.",
            )
        )
        return None
    if len(raw) > MAX_FILE_BYTES:
        mb = MAX_FILE_BYTES // (1024 * 1024)
        bundle.problems.append(
            Problem(
                name,
                None,
                f"Filen är {len(raw) / 1e6:.1f} MB; högst {mb} MB tillåts. Ta bort inbäddade "
                f"bilder eller dela upp modellen. / The file is {len(raw) / 1e6:.1f} MB; at most "
                f"{mb} MB is allowed. Remove embedded images or split the model.",
            )
        )
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        bundle.problems.append(
            Problem(
                name,
                None,
                f"Filen är inte UTF-8 (byte {error.start}). Spara den som UTF-8. / "
                f"The file is not UTF-8 (byte {error.start}). Save it as UTF-8.",
            )
        )
        return None


def _add_form(bundle: Bundle, name: str, text: str) -> None:
    process_id, dot, form_id = name.removesuffix(".json").rpartition(".")
    if not dot or not process_id or not form_id:
        bundle.problems.append(
            Problem(
                name,
                None,
                "Ett formulär heter <process-id>.<uppgift>.json (eller .start.json). / "
                "A form is named <process-id>.<task>.json (or .start.json).",
            )
        )
        return
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as error:
        bundle.problems.append(
            Problem(
                name,
                None,
                f"Formuläret är inte giltig JSON (rad {error.lineno}): {error.msg}. / "
                f"The form is not valid JSON (line {error.lineno}): {error.msg}.",
            )
        )
        return
    if not isinstance(schema, dict):
        bundle.problems.append(
            Problem(name, None, "Ett formulär är ett JSON-objekt. / A form is a JSON object.")
        )
        return
    bundle.forms[name] = (process_id, form_id, schema)
