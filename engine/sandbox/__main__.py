"""`python -m engine.sandbox READ_FD WRITE_FD`: a sandbox child (see engine.sandbox.child).

Guarded, so that importing every engine module (tests/web/test_admin.py) starts no child.
"""

from __future__ import annotations

import sys

from engine.sandbox.child import main

if __name__ == "__main__":
    main(sys.argv)
