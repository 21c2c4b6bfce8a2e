"""Every invoice has lines: each invoice issued before lines existed gets one line of its amount.

Concept: the school's COLEGIATURA (TUITION, deductible) for an invoice described as a colegiatura,
else its OTROS (OTHER) concept, both created here when missing. Set-based (one INSERT ... SELECT),
so a database of hundreds of thousands of invoices migrates in seconds.
"""

from django.db import migrations

_INSERT = """
INSERT INTO billing_invoiceline
    (id, created_at, updated_at, invoice_id, student_id, concept_id, description, amount, period, source,
     source_id, position)
SELECT {uuid}, {now}, {now}, i.id, i.student_id, c.id,
       COALESCE(NULLIF(i.description, ''), c.name), i.amount, NULL, 'MANUAL', NULL, 0
FROM billing_invoice i
JOIN billing_feeconcept c
  ON c.school_id = i.school_id
 AND c.code = CASE WHEN LOWER(i.description) LIKE 'colegiatura%%' THEN 'COLEGIATURA' ELSE 'OTROS' END
WHERE NOT EXISTS (SELECT 1 FROM billing_invoiceline l WHERE l.invoice_id = i.id)
"""
_VENDOR = {
    "postgresql": {"uuid": "gen_random_uuid()", "now": "now()"},
    "sqlite": {"uuid": "lower(hex(randomblob(16)))", "now": "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now')"},
}


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in _VENDOR:
        raise RuntimeError(f"no invoice-line backfill for {vendor}")
    Invoice = apps.get_model("billing", "Invoice")
    FeeConcept = apps.get_model("billing", "FeeConcept")
    school_ids = Invoice.objects.values_list("school_id", flat=True).distinct()
    for school_id in school_ids:
        FeeConcept.objects.get_or_create(
            school_id=school_id, code="COLEGIATURA",
            defaults={"name": "Colegiatura", "kind": "TUITION", "deductible": True},
        )
        FeeConcept.objects.get_or_create(
            school_id=school_id, code="OTROS", defaults={"name": "Otros cargos", "kind": "OTHER"}
        )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_INSERT.format(**_VENDOR[vendor]))


class Migration(migrations.Migration):
    dependencies = [("billing", "0008_fee_concepts_and_lines")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
