"""What billing's migration puts in the schema beyond the models' state."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="INCLUDE and these indexes are PostgreSQL's")
def test_postgresql_has_the_covering_and_the_report_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'billing_%%'")
        indexes = dict(cursor.fetchall())
    for name in ("invoice_student_due_idx", "invoice_school_due_idx"):
        assert indexes[name].endswith("INCLUDE (amount, paid_amount, status)"), indexes[name]
    assert indexes["payment_school_date_idx"].endswith("(school_id, payment_date) INCLUDE (amount)")
    assert indexes["report_invoice_due_idx"].endswith("(due_date)")
    assert indexes["report_invoice_open_due_idx"].endswith(
        "(due_date) INCLUDE (school_id, amount, paid_amount) "
        "WHERE (((status)::text <> 'CANCELLED'::text) AND (paid_amount < amount))"
    )
