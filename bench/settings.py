"""Settings of the servers `bench/run.py` starts: production settings, plus an X-DB-Queries header
with each request's SQL count (bench/query_count.py). Never used outside the benchmark."""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

MIDDLEWARE = ["bench.query_count.QueryCountMiddleware", *MIDDLEWARE]
