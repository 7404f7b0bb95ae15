"""Process ownership: deploy bundles (S1), versions, activation, suspension and diffs.

bundle.py    reading files (size, UTF-8, forms) into a Bundle
checks.py    validation collecting every Problem
service.py   deploy_files / deploy_contents (S1) and deploy_bundled (only where missing)
versions.py  active version, activate, suspend/resume, versions, diff
summary.py   what a version holds and what changed
"""

from __future__ import annotations

from engine.services.deploy.bundle import FORMS_DIR
from engine.services.deploy.bundle import PROCESSES_DIR
from engine.services.deploy.service import Deployed
from engine.services.deploy.service import deploy_bundled
from engine.services.deploy.service import deploy_contents
from engine.services.deploy.service import deploy_files

__all__ = [
    "FORMS_DIR",
    "PROCESSES_DIR",
    "Deployed",
    "deploy_bundled",
    "deploy_contents",
    "deploy_files",
]
