"""gunicorn settings for production:

    .venv/bin/gunicorn -c config/gunicorn.conf.py 'eventhub:create_app()'

Options given on the command line (or in GUNICORN_CMD_ARGS) win over these. Workers share
nothing but the database, so more workers, or more machines behind a proxy, add capacity
for reads and writes alike.
"""

import os

bind = "127.0.0.1:8000"
# Two per core keeps the cores busy while some requests wait on PostgreSQL;
# WEB_CONCURRENCY is the usual way for a platform to say otherwise.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
worker_class = "gthread"
threads = 4
# Importing an archived edition with thousands of registrations (one request, all or
# nothing) takes tens of seconds; gunicorn's default of 30 s would kill the worker midway.
timeout = 120
graceful_timeout = 30
keepalive = 5
# Each worker builds its own application and connection pool after the fork: a pool
# created before it would be shared by processes that must not share connections.
preload_app = False
# Replace workers now and then, so that a slow leak never grows for weeks.
max_requests = 5000
max_requests_jitter = 500
# The application logs every request itself (with its request id, JSON on request);
# gunicorn's access log would say it twice.
accesslog = None
errorlog = "-"
