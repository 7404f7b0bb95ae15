"""`sithsflow worker`: the background jobs in a process of their own.

`worker.jobs` lists the jobs (`JOBS`) and what each runs; `worker.scheduler` runs them on
APScheduler, blocking in `sithsflow worker` or in a background thread beside the
development server (`python -m web`). The web processes under gunicorn run no jobs.
"""
