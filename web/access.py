"""Which roles (engine.rights) open which pages. The engine still checks every action;
this only keeps people out of pages that would show them nothing they may use."""

from __future__ import annotations

# People who work tasks in the queues (BPMN lanes).
WORKERS = ("loa3_admin", "loa2_admin", "remote_admin", "service_desk")
# People who read cases, cards and people.
READERS = (*WORKERS, "process_owner", "manager", "auditor")
LOA3_STARTERS = ("loa3_admin",)
LOA2_ORDERERS = ("remote_admin",)
ADMINS = ("system_admin",)
