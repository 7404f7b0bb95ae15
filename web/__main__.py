"""`python -m web`: the development server, with the worker's jobs in a thread beside it.

For development only: Werkzeug's server in one process. Production runs `sithsflow serve`
(gunicorn, no jobs in the web processes) and `sithsflow worker` apart, and `make run`
runs both (`sithsflow run`); see docs/deployment.md. The jobs here use the same clock as
the pages (`Settings.clock()`), so a simulation fires timers at the time the pages show.
"""

from __future__ import annotations

import logging
import sys

from werkzeug.serving import run_simple

from engine.schema import upgrade_schema
from engine.services.runtime import bootstrap
from engine.settings import Settings
from web import create_app
from web.dev_server import JsonErrorRequestHandler
from worker.scheduler import job_context
from worker.scheduler import start_background
from worker.scheduler import worker_name

HOST = "127.0.0.1"
DEMO_USERS = "anna bertil cecilia david sara petra maria olof"


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env()
    runtime = bootstrap(settings.database_url)
    upgrade_schema(runtime.database)
    app = create_app(settings, runtime)
    clock = app.extensions["sithsflow.clock"]
    context = job_context(runtime, settings, worker_name("web-dev"), clock=clock)
    scheduler = start_background(context)
    url = f"http://{HOST}:{settings.port}/"
    print(f"sithsflow (development server) serves {url}  (Ctrl-C stops)", file=sys.stderr)
    print(f"Demo logins: {DEMO_USERS} (password: demo)", file=sys.stderr)
    try:
        run_simple(
            HOST,
            settings.port,
            app,
            threaded=True,
            use_reloader=False,
            request_handler=JsonErrorRequestHandler,  # its own 431 under /api/ as JSON
        )
    finally:
        scheduler.shutdown(wait=False)
        runtime.database.dispose()


if __name__ == "__main__":
    main()
