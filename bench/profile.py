"""Where a request's time goes, measured in-process: `python -m bench.profile [options] PATH...`.

Runs each PATH through Django's test client against the database in DATABASE_URL (a bench
database: `--db bench_large`), as a platform admin (or `--user NAME`), `-n` times, and prints
per request: wall ms, Python CPU ms (process time, which other load on the machine barely
moves), SQL count and SQL wall ms. `--cold` turns the cache off; `--pyinstrument` (sampling) or
`--cprofile` (deterministic, CPU clock) show where the time goes. For finding the cause of a
missed target, not for the table.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_large SECRET_KEY=x \\
        .venv/bin/python -m bench.profile --cold -n 20 '/api/v1/invoices?status=OVERDUE'
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--user", help="username (default: any superuser)")
    parser.add_argument("--cold", action="store_true", help="cache off (DummyCache)")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default=None, help="JSON body for POST")
    parser.add_argument("--cprofile", action="store_true", help="deterministic, inflates call-heavy code")
    parser.add_argument("--pyinstrument", action="store_true", help="sampling profiler (CPU time)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime)")
    parser.add_argument("--explain", action="store_true",
                        help="print each query of the last request with EXPLAIN (ANALYZE, BUFFERS)")
    opts = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from rest_framework_simplejwt.tokens import AccessToken

    from users.models import User

    users = User.objects.filter(username=opts.user) if opts.user else User.objects.filter(is_superuser=True)
    user = users.first()
    token = str(AccessToken.for_user(user))
    caches = (
        {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
        if opts.cold
        else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    )
    with override_settings(CACHES=caches, ALLOWED_HOSTS=["testserver"]):
        client = Client()

        def call(path):
            if opts.method == "GET":
                return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
            return client.generic(opts.method, path, opts.body or "", content_type="application/json",
                                  HTTP_AUTHORIZATION=f"Bearer {token}")

        for path in opts.paths:
            response = call(path)  # warm-up: imports, connection, caches
            print(f"{opts.method} {path} -> {response.status_code}, {len(response.content)} bytes")
            walls, cpus, sqls, counts = [], [], [], []
            # CPU time, not wall time: on a loaded machine, waiting for a core is not our cost.
            profiler = cProfile.Profile(time.process_time) if opts.cprofile else None
            sampler = None
            if opts.pyinstrument:
                from pyinstrument import Profiler

                sampler = Profiler(interval=0.0005, async_mode="disabled")
                sampler.start()
            for _ in range(opts.n):
                reset_queries()
                with CaptureQueriesContext(connection) as ctx:
                    w0, c0 = time.perf_counter(), time.process_time()
                    if profiler:
                        profiler.enable()
                    call(path)
                    if profiler:
                        profiler.disable()
                    walls.append((time.perf_counter() - w0) * 1000)
                    cpus.append((time.process_time() - c0) * 1000)
                counts.append(len(ctx.captured_queries))
                sqls.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
            if sampler:
                sampler.stop()
            walls.sort()
            cpus.sort()
            mid = len(walls) // 2
            print(f"  wall p50 {walls[mid]:.1f} ms, python cpu p50 {cpus[mid]:.1f} ms, "
                  f"sql {sorted(sqls)[mid]:.1f} ms in {max(counts)} queries")
            if opts.explain:
                with connection.cursor() as cursor:
                    for q in ctx.captured_queries:
                        print(f"\n-- {float(q['time']) * 1000:.1f} ms\n{q['sql']}")
                        if q["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
                            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                            print("\n".join(row[0] for row in cursor.fetchall()))
            if sampler:
                print(sampler.output_text(unicode=False, color=False, show_all=False))
            if profiler:
                pstats.Stats(profiler).sort_stats(opts.sort).print_stats(opts.top)


if __name__ == "__main__":
    main()
