"""Plan items made before concepts existed point at their school's default concept of their kind."""

from django.db import migrations

_DEFAULTS = {
    "TUITION": ("COLEGIATURA", "Colegiatura"),
    "ENROLLMENT": ("INSCRIPCION", "Inscripción"),
    "MATERIALS": ("MATERIALES", "Materiales"),
    "SERVICE": ("SERVICIOS", "Servicios"),
    "OTHER": ("OTROS", "Otros cargos"),
}


def forwards(apps, schema_editor):
    FeePlanItem = apps.get_model("fees", "FeePlanItem")
    FeeConcept = apps.get_model("billing", "FeeConcept")
    for item in FeePlanItem.objects.filter(concept__isnull=True).select_related("plan"):
        code, name = _DEFAULTS.get(item.concept_kind, _DEFAULTS["OTHER"])
        concept, _ = FeeConcept.objects.get_or_create(
            school_id=item.plan.school_id, code=code,
            defaults={"name": name, "kind": item.concept_kind, "deductible": item.concept_kind == "TUITION"},
        )
        item.concept = concept
        item.save(update_fields=["concept"])


class Migration(migrations.Migration):
    dependencies = [("fees", "0003_runs_and_item_concepts"), ("billing", "0009_invoice_lines_backfill")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
