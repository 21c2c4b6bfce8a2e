"""The benchmark's steps that need Django: run as `python -m bench.djangoside <step>`
with a JSON document of arguments on stdin.

bench/run.py stays a plain orchestrator (database, processes, wrk); these steps run in their own
process against the benchmark database (DATABASE_URL in the environment) and print one JSON
document on stdout.

- `prepare`: create the two bench users, pick the ids the scenarios need, check which routes exist.
- `explain`: request each statement/report URL through Django's test client with the cache off,
  capture its SQL, and time every query directly in PostgreSQL with EXPLAIN (ANALYZE).
"""

import json
import os
import sys
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))


def _setup():
    import django

    django.setup()


def prepare(args: dict) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.urls import Resolver404, resolve

    from billing import rules
    from billing.models import Invoice
    from schools.models import School
    from students.models import Student
    from users.models import Membership, Role, User

    schools = list(
        School.objects.filter(is_active=True)
        .annotate(n=Count("students"))
        .order_by("-n", "name", "id")
        .values_list("id", "n")
    )
    if not schools:
        raise SystemExit("the benchmark database has no school: did the seed run?")
    target = schools[0][0]

    admin, _ = User.objects.get_or_create(
        username=args["admin_username"], defaults={"email": "bench-admin@example.com"}
    )
    admin.is_superuser = admin.is_staff = True
    admin.set_password(args["password"])
    admin.save()
    member, _ = User.objects.get_or_create(
        username=args["member_username"], defaults={"email": "bench-member@example.com"}
    )
    member.set_password(args["password"])
    member.save()
    Membership.objects.update_or_create(
        user=member, school_id=target, defaults={"role": Role.ACCOUNTANT}
    )

    school_ids = [str(pk) for pk, _ in schools]
    # Students spread over every school: cold statements never repeat a student.
    per_school = max(1, args["students_sample"] // len(schools))
    students: list[str] = []
    for pk, _ in schools:
        students += [
            str(s)
            for s in Student.objects.filter(school_id=pk).order_by("id").values_list("id", flat=True)[
                :per_school
            ]
        ]
    # Payments on distinct invoices: open, at least 1.00 pending, spread over all schools
    # (a gateway posts for the whole network), interleaved so consecutive posts hit different
    # schools.
    per_school = max(1, args["pay_distinct"] // len(schools) + 1)
    buckets = []
    for pk, _ in schools:
        buckets.append(
            [
                str(i)
                for i in Invoice.objects.filter(school_id=pk)
                .open()
                .annotate(balance=rules.balance_expression())
                .filter(balance__gte=Decimal("1.00"))
                # Walks the (school, due date) index: ordered by id, PostgreSQL walked the primary
                # key over every school's rows (1.2 s a school at xlarge, 2 ms this way).
                .order_by("due_date", "id")
                .values_list("id", flat=True)[:per_school]
            ]
        )
    pay_distinct = [b[i] for i in range(per_school) for b in buckets if i < len(b)]
    # A few invoices with the most pending, all of one school: many clients pay them at once.
    # Not the target school's: a rerun on the same database (--reuse-db) must not find hundreds
    # of small payments in the statements it measures there.
    contended_school = schools[-1][0] if len(schools) > 1 else target
    contended = [
        {"id": str(i.pk), "pending": str(i.pending)}
        for i in Invoice.objects.filter(school_id=contended_school)
        .open()
        .annotate(pending=rules.balance_expression())
        .order_by("-pending", "id")[: args["contended"]]
    ]
    family_payments = _family_payment_targets(args.get("family_payments", 0), args.get("family_invoices", 12))
    dates = Invoice.objects.filter(school_id=target).order_by("due_date").values_list(
        "due_date", flat=True
    )
    first_due, last_due = dates.first(), dates.last()

    from rest_framework_simplejwt.tokens import AccessToken

    # Used only when the login endpoint does not exist yet (run.py says so in its notes).
    tokens = {"admin": str(AccessToken.for_user(admin)), "member": str(AccessToken.for_user(member))}
    routes = {}
    for name, path in args["routes"].items():
        try:
            resolve(path)
            routes[name] = True
        except Resolver404:
            routes[name] = False
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM billing_invoice")
        (invoices,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM billing_payment")
        (payments,) = cursor.fetchone()
    return {
        "target_school": str(target),
        "target_school_students": schools[0][1],
        "target_school_invoices": Invoice.objects.filter(school_id=target).count(),
        "schools": school_ids,
        "students": students,
        "target_students": [
            str(s)
            for s in Student.objects.filter(school_id=target).order_by("id").values_list("id", flat=True)[
                : args["students_sample"]
            ]
        ],
        "pay_distinct": pay_distinct[: args["pay_distinct"]],
        "contended": contended,
        "family_payments": family_payments,
        "first_due": first_due.isoformat() if first_due else None,
        "last_due": last_due.isoformat() if last_due else None,
        "routes": routes,
        "fallback_tokens": tokens,
        "counts": {
            "schools": len(schools),
            "students": Student.objects.count(),
            "invoices": invoices,
            "payments": payments,
        },
    }


def _family_payment_targets(count: int, invoices: int) -> list[dict]:
    """Families for `POST /families/{id}/payments` spread across `invoices` invoices each (issue 14:
    12): each gets the exact sum of its `invoices` oldest open balances (due date, then number: the
    order the service allocates in), so the payment, sent without `allocations`, pays exactly those
    invoices in full. Distinct families, interleaved over the schools. A data set with no family
    that has that many open invoices (the tiny smoke run) uses the most any family has."""
    from django.db import connection

    from billing import rules

    if count <= 0:
        return []
    ranked = f"""
        SELECT s.family_id, i.school_id, {rules.balance_sql("i")} AS balance,
               row_number() OVER (PARTITION BY s.family_id ORDER BY i.due_date, i.number) AS k,
               count(*) OVER (PARTITION BY s.family_id) AS n
        FROM billing_invoice i JOIN students_student s ON s.id = i.student_id
        WHERE s.family_id IS NOT NULL AND {rules.countable_sql("i")} AND {rules.unsettled_sql("i")}
    """  # noqa: S608 - the one rule's SQL fragments (billing.rules), no input
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(n), 0) FROM ({ranked}) r")  # noqa: S608 - our own SQL
        (most,) = cursor.fetchone()
        per_payment = min(invoices, most)
        if per_payment == 0:
            return []
        cursor.execute(
            f"""
            SELECT family_id::text, sum(balance), count(*) FROM (
                SELECT family_id, school_id, balance, k,
                       dense_rank() OVER (PARTITION BY school_id ORDER BY family_id) AS turn
                FROM ({ranked}) r WHERE n >= %s AND k <= %s
            ) picked
            GROUP BY family_id, school_id, turn ORDER BY turn, school_id LIMIT %s
            """,  # noqa: S608 - our own SQL, values are parameters
            [per_payment, per_payment, count],
        )
        rows = cursor.fetchall()
    return [{"id": family, "amount": str(total), "invoices": n} for family, total, n in rows]


def _explain(sql: str, repeat: int) -> tuple[float, float, str]:
    """Best of `repeat` runs: (execution ms, planning ms, text plan of the best run)."""
    from django.db import connection

    best = None
    with connection.cursor() as cursor:
        for _ in range(repeat):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
            (doc,) = cursor.fetchone()
            doc = doc if isinstance(doc, list) else json.loads(doc)
            execution, planning = doc[0]["Execution Time"], doc[0]["Planning Time"]
            if best is None or execution < best[0]:
                best = (execution, planning)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        text = "\n".join(row[0] for row in cursor.fetchall())
    return best[0], best[1], text


def explain(args: dict) -> dict:
    """For each URL: the SQL it runs (cache off) and each query's time directly in PostgreSQL."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from rest_framework_simplejwt.tokens import AccessToken

    from users.models import User

    tokens = {}
    results = {}
    plans_dir = Path(args["plans_dir"])
    plans_dir.mkdir(parents=True, exist_ok=True)
    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with override_settings(CACHES=dummy, ALLOWED_HOSTS=["testserver", "127.0.0.1"]):
        client = Client()
        for name, spec in args["scenarios"].items():
            user = spec["user"]
            if user not in tokens:
                tokens[user] = str(AccessToken.for_user(User.objects.get(username=user)))
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(spec["path"], HTTP_AUTHORIZATION=f"Bearer {tokens[user]}")
            if response.status_code != 200:
                results[name] = {"status": response.status_code, "error": response.content[:300].decode()}
                continue
            queries = []
            texts = []
            for q in ctx.captured_queries:
                sql = q["sql"]
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                execution, planning, text = _explain(sql, args.get("repeat", 3))
                queries.append({"execution_ms": execution, "planning_ms": planning, "sql": sql[:2000]})
                texts.append(
                    f"-- {execution:.2f} ms execution, {planning:.2f} ms planning\n{sql}\n\n{text}\n"
                )
            (plans_dir / f"{name}.txt").write_text(
                f"GET {spec['path']}\n{len(ctx.captured_queries)} queries\n\n" + "\n\n".join(texts)
            )
            main = max(queries, key=lambda q: q["execution_ms"]) if queries else None
            results[name] = {
                "status": 200,
                "queries": len(ctx.captured_queries),
                "main_ms": main["execution_ms"] if main else 0.0,
                "main_planning_ms": main["planning_ms"] if main else 0.0,
                "all_ms": sum(q["execution_ms"] + q["planning_ms"] for q in queries),
                "main_sql": main["sql"][:300] if main else "",
            }
    return results


def main() -> None:
    step, args = sys.argv[1], json.load(sys.stdin)
    _setup()
    result = {"prepare": prepare, "explain": explain}[step](args)
    sys.stdout.write("BENCHJSON " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
