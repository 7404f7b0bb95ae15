"""Every setting sithsflow reads from the environment, in one typed object.

As spiffworkflow-backend's config lists every variable in one place: adapters call
`Settings.from_env()` once and pass the result in. docs/deployment.md lists the same
variables for an operator; the settings of other parts (e-mail, sessions) live beside
their own code and are listed there too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from engine.clock import Clock
from engine.clock import FixedClock
from engine.clock import OffsetClock
from engine.clock import SystemClock
from engine.errors import Invalid
from engine.policy.timekeeping import parse_instant

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INSTANCE = REPO_ROOT / "instance"
DEFAULT_PORT = 5000
DEFAULT_WEB_WORKERS = 2
DEFAULT_SWEEP_SECONDS = 60
# A simulation further off than this is a typing mistake (and would overflow datetime).
MAX_CLOCK_OFFSET = timedelta(days=36_500)

_DURATION = re.compile(
    r"^(?P<sign>[+-])?P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


@dataclass(frozen=True)
class Settings:
    """SITHSFLOW_DB, SITHSFLOW_NOW, SITHSFLOW_CLOCK_OFFSET, SITHSFLOW_INSTANCE, SITHSFLOW_PORT,
    SITHSFLOW_BIND, SITHSFLOW_WORKERS, SITHSFLOW_SWEEP_SECONDS, SITHSFLOW_FORWARDED_ALLOW_IPS,
    SITHSFLOW_SECRET_KEY, SITHSFLOW_SECURE_COOKIES, SITHSFLOW_HSTS (docs/security.md)."""

    database_url: str
    now: str | None
    instance_dir: Path
    port: int
    secret_key: str | None
    secure_cookies: bool
    clock_offset: timedelta | None = None
    bind: str = f"127.0.0.1:{DEFAULT_PORT}"
    web_workers: int = DEFAULT_WEB_WORKERS
    sweep_seconds: int = DEFAULT_SWEEP_SECONDS
    forwarded_allow_ips: str = "127.0.0.1"
    # Strict-Transport-Security on every answer; only behind HTTPS (off for the http demo).
    hsts: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        instance = Path(env.get("SITHSFLOW_INSTANCE", str(DEFAULT_INSTANCE)))
        now = env.get("SITHSFLOW_NOW") or None
        offset_text = env.get("SITHSFLOW_CLOCK_OFFSET") or None
        if now is not None and offset_text is not None:
            raise Invalid(
                "Ange antingen SITHSFLOW_NOW eller SITHSFLOW_CLOCK_OFFSET, inte båda. / "
                "Set either SITHSFLOW_NOW or SITHSFLOW_CLOCK_OFFSET, not both."
            )
        if now is not None:
            parse_instant(now)  # a malformed simulation is refused at start, not per request
        port = _whole_number(env, "SITHSFLOW_PORT", DEFAULT_PORT, minimum=0)
        return cls(
            database_url=env.get("SITHSFLOW_DB") or f"sqlite:///{instance / 'sithsflow.db'}",
            now=now,
            instance_dir=instance,
            port=port,
            secret_key=env.get("SITHSFLOW_SECRET_KEY") or None,
            secure_cookies=env.get("SITHSFLOW_SECURE_COOKIES", "0") == "1",
            clock_offset=parse_offset(offset_text) if offset_text is not None else None,
            bind=env.get("SITHSFLOW_BIND") or f"127.0.0.1:{port}",
            web_workers=_whole_number(env, "SITHSFLOW_WORKERS", DEFAULT_WEB_WORKERS, minimum=1),
            sweep_seconds=_whole_number(
                env, "SITHSFLOW_SWEEP_SECONDS", DEFAULT_SWEEP_SECONDS, minimum=1
            ),
            forwarded_allow_ips=env.get("SITHSFLOW_FORWARDED_ALLOW_IPS") or "127.0.0.1",
            hsts=env.get("SITHSFLOW_HSTS", "0") == "1",
        )

    def clock(self) -> Clock:
        """This process's one clock: the fixed `SITHSFLOW_NOW`, the real time moved by
        `SITHSFLOW_CLOCK_OFFSET`, or the real time. Pages, API and worker all use it."""
        if self.now is not None:
            return FixedClock(parse_instant(self.now))
        if self.clock_offset is not None:
            return OffsetClock(self.clock_offset)
        return SystemClock()


def parse_offset(text: str) -> timedelta:
    """An ISO-8601 duration with an optional sign: `P6D`, `-P30DT2H`, `PT90S`."""
    found = _DURATION.match(text.strip())
    parts = found.groupdict() if found else {}
    numbers = {k: v for k, v in parts.items() if k != "sign" and v is not None}
    malformed = Invalid(
        f"SITHSFLOW_CLOCK_OFFSET '{text}' är ingen ISO 8601-varaktighet, t.ex. P5DT1M "
        f"eller -P30D. / SITHSFLOW_CLOCK_OFFSET '{text}' is not an ISO-8601 duration "
        f"such as P5DT1M or -P30D."
    )
    if not numbers:
        raise malformed
    try:
        offset = timedelta(
            weeks=int(numbers.get("weeks", 0)),
            days=int(numbers.get("days", 0)),
            hours=int(numbers.get("hours", 0)),
            minutes=int(numbers.get("minutes", 0)),
            seconds=float(numbers.get("seconds", 0)),
        )
    except (ValueError, OverflowError):
        raise malformed from None
    if abs(offset) > MAX_CLOCK_OFFSET:
        raise Invalid(
            f"SITHSFLOW_CLOCK_OFFSET '{text}' är mer än 100 år. / "
            f"SITHSFLOW_CLOCK_OFFSET '{text}' is more than 100 years."
        )
    return -offset if parts.get("sign") == "-" else offset


def _whole_number(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    text = env.get(name)
    if text is None or text == "":
        return default
    if not text.strip().isdigit() or int(text) < minimum:
        raise Invalid(
            f"{name} ska vara ett heltal från {minimum}, inte '{text}'. / "
            f"{name} must be a whole number from {minimum}, not '{text}'."
        )
    return int(text)
