"""`python -m engine.sandbox READ_FD WRITE_FD`: a sandbox child (see engine.sandbox.child)."""

from __future__ import annotations

import sys

from engine.sandbox.child import main

main(sys.argv)
