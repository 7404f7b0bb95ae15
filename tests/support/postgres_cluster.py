"""A throwaway PostgreSQL cluster on loopback, started from the installed server binaries.

initdb refuses to run as root, so when the tests run as root (as CI does) the server runs
as the `postgres` system user that Debian's package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg


def find_server_bindir() -> Path | None:
    """SITHSFLOW_PG_BINDIR, then `pg_config --bindir`, then Debian's /usr/lib/postgresql."""
    explicit = os.environ.get("SITHSFLOW_PG_BINDIR")
    candidates = [Path(explicit)] if explicit else []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(out.stdout.strip()))
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_major, reverse=True)
    candidates.extend(Path(v) for v in versions)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    return None


def _major(path: str) -> int:
    part = Path(path).parent.name
    return int(part) if part.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresCluster:
    bindir: Path
    root: Path
    port: int
    user: str | None

    @property
    def admin_url(self) -> str:
        return f"postgresql://sithsflow@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://sithsflow@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            user=self.user,
            cwd=self.root,
        )

    @classmethod
    def start(cls) -> PostgresCluster:
        bindir = find_server_bindir()
        if bindir is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) found")
        root = Path(tempfile.mkdtemp(prefix="sithsflow-pg-"))
        user = None
        if os.geteuid() == 0:
            user = "postgres"
            entry = pwd.getpwnam(user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        cluster = cls(bindir, root, _free_port(), user)
        data = str(root / "data")
        cluster._run("initdb", "-D", data, "-U", "sithsflow", "-A", "trust", "-E", "UTF8")
        options = f"-h 127.0.0.1 -p {cluster.port} -k {root} -F -c fsync=off"
        cluster._run("pg_ctl", "-D", data, "-o", options, "-l", str(root / "log"), "-w", "start")
        cluster._wait()
        return cluster

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.admin_url, connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def create_database(self, name: str, template: str | None = None) -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            suffix = f" TEMPLATE {template}" if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
