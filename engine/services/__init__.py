"""Use cases: one function, one unit of work. Adapters (CLI, web, scheduler) call these."""
