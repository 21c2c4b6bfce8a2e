"""A family payment spread across 12 invoices, measured in-process on a bench database (issue 14):
`python -m bench.family_payment [-n 100] [--invoices 12]`.

Each round pays a distinct family's 12 oldest open invoices in full with one deposit, sent without
`allocations` (the service allocates oldest due date first), and commits: it is the real write
(family lock, 12 invoice locks in id order, receipt number, payment, 12 allocations, 12 invoice
updates with their audit history, the cache-version bump). Two ways, interleaved so the machine's
load hits both alike:

- `api`: `POST /api/v1/families/{id}/payments` through Django's test client (JWT, DRF, the
  Idempotency-Key record, the service, the answer), as a platform admin;
- `service`: `billing.credit.family_payment_record` called directly.

Prints, per way, median and p90 of wall ms and of the process's CPU ms (which other load on the
shared machine barely moves), SQL statements and SQL wall ms, with the load average before and
after. The families are used up (each is paid once); the bench database has ~1,800 at SIZE=large.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_large SECRET_KEY=x LOG_LEVEL=WARNING \\
        .venv/bin/python -m bench.family_payment -n 100
"""

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _summary(rows: list[dict]) -> dict:
    out = {"n": len(rows)}
    for key in ("wall_ms", "cpu_ms", "sql_ms"):
        values = [r[key] for r in rows]
        out[key] = {"median": round(statistics.median(values), 1), "p90": round(_p(values, 0.9), 1)}
    out["queries"] = max(r["queries"] for r in rows)
    out["invoices"] = sorted({r["invoices"] for r in rows})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100, help="payments per way (2n families are used)")
    parser.add_argument("--invoices", type=int, default=12)
    parser.add_argument("--json", help="also write the figures here")
    opts = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from rest_framework_simplejwt.tokens import AccessToken

    from bench.djangoside import _family_payment_targets
    from billing.credit import family_payment_record
    from billing.models import Allocation
    from users.models import User

    targets = _family_payment_targets(2 * opts.n + 1, opts.invoices)
    if len(targets) < 2 * opts.n + 1:
        raise SystemExit(f"only {len(targets)} families with {opts.invoices} open invoices left")
    user = User.objects.filter(is_superuser=True).first()
    if user is None:
        raise SystemExit("no superuser: run bench/run.py once on this database (it creates bench_admin)")
    token = str(AccessToken.for_user(user))
    load_before = os.getloadavg()
    results: dict[str, list[dict]] = {"api": [], "service": []}
    caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=caches, ALLOWED_HOSTS=["testserver"]):
        client = Client()

        def api(family: dict):
            response = client.post(
                f"/api/v1/families/{family['id']}/payments",
                json.dumps({"amount": family["amount"], "method": "BANK_TRANSFER", "reference": "bench"}),
                content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}",
                HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
            )
            if response.status_code != 201:
                raise SystemExit(f"POST answered {response.status_code}: {response.content[:300]!r}")
            return response.json()["id"]

        def service(family: dict):
            return family_payment_record(family_id=family["id"], amount=Decimal(family["amount"]),
                                         method="BANK_TRANSFER", reference="bench", actor=user).pk

        api(targets.pop())  # warm-up: imports, connection, first compile of each query
        ways = {"api": api, "service": service}
        for round_ in range(opts.n):
            for name in ("api", "service") if round_ % 2 == 0 else ("service", "api"):
                family = targets.pop()
                with CaptureQueriesContext(connection) as ctx:
                    w0, c0 = time.perf_counter(), time.process_time()
                    payment_id = ways[name](family)
                    wall, cpu = (time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000
                spread = Allocation.objects.filter(payment_id=payment_id).count()
                if spread != family["invoices"]:
                    raise SystemExit(f"payment {payment_id}: {spread} invoices, not {family['invoices']}")
                results[name].append({
                    "wall_ms": wall, "cpu_ms": cpu, "queries": len(ctx.captured_queries),
                    "sql_ms": sum(float(q["time"]) for q in ctx.captured_queries) * 1000,
                    "invoices": spread,
                })
    load_after = os.getloadavg()
    report = {
        "invoices_per_payment": opts.invoices,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        **{name: _summary(rows) for name, rows in results.items()},
    }
    print(f"family payment across {opts.invoices} invoices, {opts.n} per way, "
          f"load average {report['load_before']} -> {report['load_after']}")
    for name in ("api", "service"):
        s = report[name]
        print(f"  {name:8} wall median {s['wall_ms']['median']} ms, p90 {s['wall_ms']['p90']} ms; "
              f"CPU median {s['cpu_ms']['median']} ms, p90 {s['cpu_ms']['p90']} ms; "
              f"SQL {s['queries']} statements, median {s['sql_ms']['median']} ms")
    if opts.json:
        Path(opts.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
