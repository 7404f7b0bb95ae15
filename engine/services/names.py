"""What pages call organisations, card stations and processes: their names, not codes.

Cases, rights and queues refer to an organisation, a station or a process by its code
(`region-demo`, `halmstad`, `loa3-reserve`); a reader wants the name the register or the
model gives it ("Region Demo", "Kortstation Halmstad", "Reservkort LoA3 …"). One read per
page gives all of them; the process names come from each process's active version and
are parsed once per version (versions never change once deployed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from engine.bpmn_names import ElementName
from engine.bpmn_names import process_name
from engine.model import CardStation
from engine.model import Organisation
from engine.model import ProcessDefinition
from engine.model import ProcessVersion
from engine.services.runtime import Runtime

# (process id, checksum of its source) -> its names; a deployed version never changes.
_PARSED: dict[tuple[str, str], ElementName] = {}


@dataclass(frozen=True)
class DisplayNames:
    """Code -> name of every organisation and card station, and process id -> names."""

    organisations: Mapping[str, str]
    stations: Mapping[str, str]
    processes: Mapping[str, ElementName]


def display_names(runtime: Runtime) -> DisplayNames:
    """The names of all organisations, stations and processes (their active versions)."""
    with runtime.database.sessions() as session:
        organisations = dict(session.execute(select(Organisation.code, Organisation.name)).all())
        stations = dict(session.execute(select(CardStation.code, CardStation.name)).all())
        active = session.execute(
            select(
                ProcessVersion.id,
                ProcessVersion.process_id,
                ProcessVersion.name,
                ProcessVersion.checksum,
            ).join(
                ProcessDefinition,
                (ProcessDefinition.process_id == ProcessVersion.process_id)
                & (ProcessDefinition.active_version == ProcessVersion.version),
            )
        ).all()
        missing = [row.id for row in active if row.id not in _PARSED]
        if missing:
            sources = session.execute(
                select(
                    ProcessVersion.id, ProcessVersion.process_id, ProcessVersion.source_xml
                ).where(ProcessVersion.id.in_(missing))
            ).all()
            for row in sources:
                found = process_name(row.source_xml, row.process_id)
                _PARSED[row.id] = found if found is not None and found.sv else ElementName("")
        processes = {
            row.process_id: _PARSED[row.id] if _PARSED[row.id].sv else ElementName(row.name)
            for row in active
            if _PARSED[row.id].sv or row.name
        }
        return DisplayNames(organisations, stations, processes)
