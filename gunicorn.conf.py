"""Gunicorn's settings; gunicorn reads this file from the working directory on every start
(`gunicorn config.wsgi:application --bind ...`: the Dockerfile, docker-compose and `make run`).

Worker type and counts are settings, chosen by measurement (bench/README.md, "server"):
- GUNICORN_WORKER_CLASS (default `gthread`): threads share a worker's memory and keep client
  connections alive between requests; `sync` serves one request at a time per process.
- GUNICORN_WORKERS (default: cores + 1) and GUNICORN_THREADS (default 4): what keeps every core
  busy while some requests wait on PostgreSQL or Redis.
- GUNICORN_ACCESS_LOG (default off): the app already writes one JSON line per request
  (`request_finished`: method, path, status, user, IP, request id); `-` adds gunicorn's own line.
Command-line options still win over these.
"""

import os

worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("GUNICORN_WORKERS", (os.cpu_count() or 1) + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
