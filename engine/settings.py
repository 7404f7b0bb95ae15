"""Every setting sithsflow reads from the environment, in one typed object.

As spiffworkflow-backend's config lists every variable in one place: adapters call
`Settings.from_env()` once and pass the result in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INSTANCE = REPO_ROOT / "instance"


@dataclass(frozen=True)
class Settings:
    """SITHSFLOW_DB, SITHSFLOW_NOW, SITHSFLOW_INSTANCE, SITHSFLOW_PORT, SITHSFLOW_SECRET_KEY,
    SITHSFLOW_SECURE_COOKIES, SITHSFLOW_HSTS (docs/security.md)."""

    database_url: str
    now: str | None
    instance_dir: Path
    port: int
    secret_key: str | None
    secure_cookies: bool
    # Strict-Transport-Security on every answer; only behind HTTPS (off for the http demo).
    hsts: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        instance = Path(env.get("SITHSFLOW_INSTANCE", str(DEFAULT_INSTANCE)))
        return cls(
            database_url=env.get("SITHSFLOW_DB") or f"sqlite:///{instance / 'sithsflow.db'}",
            now=env.get("SITHSFLOW_NOW") or None,
            instance_dir=instance,
            port=int(env.get("SITHSFLOW_PORT", "5000")),
            secret_key=env.get("SITHSFLOW_SECRET_KEY") or None,
            secure_cookies=env.get("SITHSFLOW_SECURE_COOKIES", "0") == "1",
            hsts=env.get("SITHSFLOW_HSTS", "0") == "1",
        )
