"""`python -m web`: serve the app on 127.0.0.1:$SITHSFLOW_PORT with the timer sweep beside it.

Werkzeug's threaded server is enough for a card station's handful of users; behind a
reverse proxy a WSGI server can import `web:create_app` instead.
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
from web.scheduler import start_scheduler

HOST = "127.0.0.1"
DEMO_USERS = "anna bertil cecilia david sara petra maria olof"


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env()
    runtime = bootstrap(settings.database_url)
    upgrade_schema(runtime.database)
    app = create_app(settings, runtime)
    scheduler = start_scheduler(runtime)
    url = f"http://{HOST}:{settings.port}/"
    print(f"sithsflow serves {url}  (Ctrl-C stops)", file=sys.stderr)
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
