"""Pure policy: the rule book (R1–R23) as functions of a given instant, no I/O, no clock."""
