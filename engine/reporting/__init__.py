"""Rows for the printed reports, gathered and judged through the engine.

Each module streams the rows of one report (`yield_per`, a server-side cursor on
PostgreSQL) and judges every event by the rules in force at its own time, using the same
policy functions the use cases use. Rendering lives in `reports/`; nothing here imports
WeasyPrint or knows about HTML.
"""
