"""Benchmark aid: count the SQL queries each request runs, in an `X-DB-Queries` header.

Installed only by bench/settings.py (the settings of the gunicorn bench/run.py starts), so
production never pays for it. Counts every statement sent on the default connection while the
request is handled, authentication and cache-version lookups included.
"""

from django.db import connection


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counting(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            response = self.get_response(request)
        response["X-DB-Queries"] = str(count)
        return response
