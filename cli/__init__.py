"""The `sithsflow` command line: a thin adapter over engine.services (CONTRACT.md)."""
