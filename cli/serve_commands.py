"""`sithsflow serve`, `sithsflow worker` and `sithsflow run`: the processes of a deployment.

- `serve`: the web app under gunicorn, `--workers N` processes on `--bind HOST:PORT`
  (SITHSFLOW_WORKERS, SITHSFLOW_BIND). No job runs in a web process.
- `worker`: the background jobs (worker.jobs: timer sweep with heartbeat, daily checks,
  outbox delivery) in the foreground until SIGTERM or SIGINT. Any number may run on one
  PostgreSQL database.
- `run`: `serve` and one `worker` as two child processes, for the demo (`make run`);
  Ctrl-C stops both, and when either ends the other is stopped too.

All three use the clock of the global options and the environment (`--now`,
SITHSFLOW_NOW, SITHSFLOW_CLOCK_OFFSET), so pages, API and worker show and judge the
same time. docs/deployment.md describes a production set-up.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import TYPE_CHECKING
from typing import Any

import click

from cli.invocation import check_database_url
from engine.services.runtime import bootstrap
from engine.settings import Settings
from worker.scheduler import job_context
from worker.scheduler import require_current_schema
from worker.scheduler import run_blocking
from worker.scheduler import worker_name

if TYPE_CHECKING:
    # Only for the annotations: cli.main imports this module to register it.
    from flask import Flask

    from cli.invocation import Invocation

# How long `run` waits for its children after asking them to stop.
STOP_GRACE_SECONDS = 15
# Gunicorn's default line without the query string and the referrer: a search for a
# personnummer (`/search?q=…`) must not land in the access log.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms pid=%(p)s'
QUIET_LOGGERS = ("apscheduler", "spiff")
LOG_FORMAT = "%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"


def _settings(inv: Invocation) -> Settings:
    """The environment's settings with the global options (`--db`, `--now`) applied; a
    `--db` the other commands would refuse (a missing SQLite file, another dialect) is
    refused here too, before any process starts."""
    check_database_url(inv.database_url, may_create=False)
    settings = Settings.from_env()
    changed: dict[str, Any] = {"database_url": inv.database_url}
    if inv.now is not None:
        changed.update(now=inv.now, clock_offset=None)
    return dataclasses.replace(settings, **changed)


@click.command("serve")
@click.option("--workers", type=click.IntRange(min=1), help="Web processes (SITHSFLOW_WORKERS).")
@click.option("--bind", help="HOST:PORT or unix:PATH to listen on (SITHSFLOW_BIND).")
@click.pass_obj
def serve(inv: Invocation, workers: int | None, bind: str | None) -> None:
    """Serve the web app and the API with gunicorn; run `sithsflow worker` beside it."""
    from gunicorn.app.base import BaseApplication

    from web import _instance_secret_key

    settings = _settings(inv)
    if settings.secret_key is None:
        # Read or create the key once, here, so that the web processes forked below all
        # sign sessions with the same key instead of racing to create the file.
        secret = _instance_secret_key(settings.instance_dir.resolve())
        settings = dataclasses.replace(settings, secret_key=secret)
    options: dict[str, object] = {
        "bind": [bind or settings.bind],
        "workers": workers or settings.web_workers,
        "worker_class": "sync",
        "timeout": 60,
        "graceful_timeout": 20,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "proc_name": "sithsflow-web",
        # Gunicorn's control socket has one default path per user: two servers on one
        # machine would fight over it, and nothing here uses it.
        "control_socket_disable": True,
        # Headers up to gunicorn's hard maximum reach the app, which answers over-long ones
        # itself (JSON under /api/, web/request_guards.py) instead of gunicorn's HTML page.
        "limit_request_field_size": 65536,
        "limit_request_fields": 32768,
    }

    class WebServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            # In each web process after the fork: its own database connections.
            from web import create_app

            return create_app(settings)

    WebServer().run()


@click.command("worker")
@click.option(
    "--sweep-seconds",
    type=click.IntRange(min=1),
    help="Seconds between timer sweeps (SITHSFLOW_SWEEP_SECONDS, default 60).",
)
@click.pass_obj
def worker(inv: Invocation, sweep_seconds: int | None) -> None:
    """Run the background jobs: timer sweep and heartbeat, daily checks, e-mail."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stderr)
    for chatty in QUIET_LOGGERS:  # a line per job run and per task state is noise here
        logging.getLogger(chatty).setLevel(logging.WARNING)
    settings = _settings(inv)
    runtime = bootstrap(settings.database_url)
    try:
        require_current_schema(runtime)
        context = job_context(runtime, settings, worker_name(), sweep_seconds=sweep_seconds)
        run_blocking(context)
    finally:
        runtime.database.dispose()


@click.command("run")
@click.option("--workers", type=click.IntRange(min=1), help="Web processes (SITHSFLOW_WORKERS).")
@click.option("--bind", help="HOST:PORT to listen on (SITHSFLOW_BIND).")
@click.pass_obj
def run_both(inv: Invocation, workers: int | None, bind: str | None) -> None:
    """Serve the web app and run one worker beside it until Ctrl-C (the demo)."""
    env = dict(os.environ, SITHSFLOW_DB=inv.database_url)
    if inv.now is not None:
        env["SITHSFLOW_NOW"] = inv.now
        env.pop("SITHSFLOW_CLOCK_OFFSET", None)
    base = [sys.executable, "-m", "cli.main"]
    web = base + ["serve"]
    if workers is not None:
        web += ["--workers", str(workers)]
    if bind is not None:
        web += ["--bind", bind]
    children = [
        subprocess.Popen(web, env=env),
        subprocess.Popen(base + ["worker"], env=env),
    ]
    sys.exit(supervise(children))


def supervise(children: list[subprocess.Popen[bytes]]) -> int:
    """Wait until a child ends or a signal comes, then stop every child; the exit status
    is the first child's that ended by itself, else 0."""
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        status = 0
        while not stopping:
            ended = [child for child in children if child.poll() is not None]
            if ended:
                status = ended[0].returncode or 0
                click.echo(f"{_command(ended[0])} ended ({status}); stopping the rest.", err=True)
                break
            time.sleep(0.2)
        _stop_all(children)
        return status
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _command(child: subprocess.Popen[bytes]) -> str:
    args = child.args
    return " ".join(str(a) for a in args) if isinstance(args, list) else str(args)


def _stop_all(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
