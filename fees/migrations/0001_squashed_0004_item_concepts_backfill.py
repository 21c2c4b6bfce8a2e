"""The fees app's schema in one migration: replaces 0001-0004 (squashed 2026-12; an install
upgrades to this release from the previous one, whose migrations it has applied, and nothing runs).

Not carried over: 0004's backfill (plan items made before concepts existed got their school's
default concept), which only mattered for rows older than the concept column.
"""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [
        ('fees', '0001_initial'),
        ('fees', '0002_discount_family'),
        ('fees', '0003_runs_and_item_concepts'),
        ('fees', '0004_item_concepts_backfill'),
    ]

    initial = True

    dependencies = [
        ('billing', '0001_squashed_0010_run_indexes'),
        ('families', '0001_initial'),
        ('schools', '0001_squashed_0002_school_earliest_payment_date'),
        ('students', '0001_squashed_0002_student_family_curp_level'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='LateFeeRun',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('as_of', models.DateField(verbose_name='as of')),
                ('surcharges_created', models.PositiveIntegerField(default=0, verbose_name='recargos charged')),
                ('total_amount', models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='total')),
                ('duration_ms', models.PositiveIntegerField(default=0)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='run by')),
                ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='schools.school', verbose_name='school')),
            ],
            options={
                'verbose_name': 'late-fee run',
                'verbose_name_plural': 'late-fee runs',
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='SchoolYear',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('name', models.CharField(max_length=50, verbose_name='name')),
                ('starts_on', models.DateField(verbose_name='starts on')),
                ('ends_on', models.DateField(verbose_name='ends on')),
                ('discount_stacking', models.CharField(choices=[('SUM_CAPPED', 'Add up, with a cap'), ('BEST', 'Best one wins')], default='SUM_CAPPED', max_length=10, verbose_name='discount stacking')),
                ('discount_cap_percent', models.PositiveSmallIntegerField(default=100, help_text='With SUM_CAPPED: the most all discounts together may take off, in percent.', verbose_name='discount cap (%)')),
                ('scholarship_excludes_early_payment', models.BooleanField(default=True, verbose_name='a beca excludes pronto pago')),
                ('holidays', models.JSONField(blank=True, default=list, verbose_name='holidays')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='school_years', to='schools.school', verbose_name='school')),
            ],
            options={
                'verbose_name': 'school year',
                'verbose_name_plural': 'school years',
                'ordering': ['-starts_on', 'name'],
                'constraints': [models.UniqueConstraint(fields=('school', 'name'), name='schoolyear_unique_name'), models.CheckConstraint(condition=models.Q(('ends_on__gt', models.F('starts_on'))), name='schoolyear_span'), models.CheckConstraint(condition=models.Q(('discount_cap_percent__gte', 0), ('discount_cap_percent__lte', 100)), name='schoolyear_cap_percent'), models.CheckConstraint(condition=models.Q(('discount_stacking__in', ['SUM_CAPPED', 'BEST'])), name='schoolyear_stacking_valid')],
            },
        ),
        migrations.CreateModel(
            name='FeePlan',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('grades', models.JSONField(blank=True, default=list, verbose_name='grades')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('school', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='fee_plans', to='schools.school')),
                ('school_year', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='plans', to='fees.schoolyear', verbose_name='school year')),
            ],
            options={
                'verbose_name': 'fee plan',
                'verbose_name_plural': 'fee plans',
                'ordering': ['name'],
                'constraints': [models.UniqueConstraint(fields=('school_year', 'name'), name='feeplan_unique_name')],
            },
        ),
        migrations.CreateModel(
            name='Enrollment',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('starts_on', models.DateField(verbose_name='starts on')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('school', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='schools.school')),
                ('student', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enrollments', to='students.student', verbose_name='student')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enrollments', to='fees.feeplan', verbose_name='plan')),
                ('school_year', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='fees.schoolyear')),
            ],
            options={
                'verbose_name': 'enrollment',
                'verbose_name_plural': 'enrollments',
                'ordering': ['-starts_on'],
                'indexes': [models.Index(fields=['school_year', 'is_active'], name='enrollment_year_active_idx')],
                'constraints': [models.UniqueConstraint(fields=('student', 'school_year'), name='enrollment_one_per_year')],
            },
        ),
        migrations.CreateModel(
            name='BillingRun',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('period', models.CharField(max_length=7, verbose_name='period')),
                ('students', models.PositiveIntegerField(default=0, verbose_name='students billed')),
                ('invoices_created', models.PositiveIntegerField(default=0, verbose_name='invoices issued')),
                ('lines_created', models.PositiveIntegerField(default=0, verbose_name='lines')),
                ('already_issued', models.PositiveIntegerField(default=0, verbose_name='already issued')),
                ('total_amount', models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='total')),
                ('credit_applied', models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='paid from family credit')),
                ('duration_ms', models.PositiveIntegerField(default=0)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='run by')),
                ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='schools.school', verbose_name='school')),
            ],
            options={
                'verbose_name': 'billing run',
                'verbose_name_plural': 'billing runs',
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['school', 'period'], name='billingrun_school_period_idx')],
            },
        ),
        migrations.CreateModel(
            name='Discount',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('kind', models.CharField(choices=[('SCHOLARSHIP', 'Scholarship (beca)'), ('SIBLING', 'Sibling'), ('EARLY_PAYMENT', 'Early payment (pronto pago)'), ('OTHER', 'Other')], max_length=15, verbose_name='kind')),
                ('percent', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='percent')),
                ('amount', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='amount')),
                ('concept_kinds', models.JSONField(default=list, verbose_name='concept kinds')),
                ('valid_from', models.DateField(verbose_name='valid from')),
                ('valid_to', models.DateField(blank=True, null=True, verbose_name='valid to')),
                ('reason', models.CharField(max_length=255, verbose_name='reason')),
                ('early_payment_day', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='early payment day')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by')),
                ('family', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='discounts', to='families.family', verbose_name='family')),
                ('school', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='schools.school')),
                ('student', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='discounts', to='students.student', verbose_name='student')),
            ],
            options={
                'verbose_name': 'discount',
                'verbose_name_plural': 'discounts',
                'ordering': ['-valid_from'],
                'indexes': [models.Index(fields=['student', 'is_active'], name='discount_student_active_idx'), models.Index(fields=['family', 'is_active'], name='discount_family_active_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('amount__isnull', True), ('percent__gte', 1), ('percent__isnull', False), ('percent__lte', 100)), models.Q(('amount__gt', 0), ('amount__isnull', False), ('percent__isnull', True)), _connector='OR'), name='discount_percent_or_amount'), models.CheckConstraint(condition=models.Q(('valid_to__isnull', True), ('valid_to__gte', models.F('valid_from')), _connector='OR'), name='discount_validity_span'), models.CheckConstraint(condition=models.Q(models.Q(('early_payment_day__gte', 1), ('early_payment_day__lte', 31), ('kind', 'EARLY_PAYMENT')), models.Q(models.Q(('kind', 'EARLY_PAYMENT'), _negated=True), ('early_payment_day__isnull', True)), _connector='OR'), name='discount_early_payment_day'), models.CheckConstraint(condition=models.Q(('kind__in', ['SCHOLARSHIP', 'SIBLING', 'EARLY_PAYMENT', 'OTHER'])), name='discount_kind_valid'), models.CheckConstraint(condition=models.Q(models.Q(('family__isnull', True), ('student__isnull', False)), models.Q(('family__isnull', False), ('student__isnull', True)), _connector='OR'), name='discount_student_or_family')],
            },
        ),
        migrations.CreateModel(
            name='FeePlanItem',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('concept_kind', models.CharField(max_length=12, verbose_name='concept kind')),
                ('description', models.CharField(blank=True, max_length=100, verbose_name='description')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount')),
                ('schedule', models.CharField(choices=[('ONCE', 'Once'), ('MONTHLY', 'Monthly')], max_length=10, verbose_name='schedule')),
                ('due_date', models.DateField(blank=True, null=True, verbose_name='due date')),
                ('months', models.JSONField(blank=True, default=list, verbose_name='months')),
                ('due_day', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='due day')),
                ('position', models.PositiveSmallIntegerField(default=0, editable=False)),
                ('concept', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='billing.feeconcept', verbose_name='concept')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='fees.feeplan', verbose_name='plan')),
            ],
            options={
                'verbose_name': 'fee plan item',
                'verbose_name_plural': 'fee plan items',
                'ordering': ['plan', 'position'],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='feeplanitem_amount_positive'), models.CheckConstraint(condition=models.Q(models.Q(('due_date__isnull', False), ('due_day__isnull', True), ('schedule', 'ONCE')), models.Q(('due_date__isnull', True), ('due_day__gte', 1), ('due_day__lte', 31), ('schedule', 'MONTHLY')), _connector='OR'), name='feeplanitem_schedule_fields')],
            },
        ),
        migrations.CreateModel(
            name='LateFeePolicy',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('grace_days', models.PositiveSmallIntegerField(default=0, verbose_name='grace days')),
                ('tiers', models.JSONField(default=list, verbose_name='tiers')),
                ('cap', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='cap per invoice')),
                ('concept_kinds', models.JSONField(default=list, verbose_name='concept kinds')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='schools.school', verbose_name='school')),
            ],
            options={
                'verbose_name': 'late-fee policy',
                'verbose_name_plural': 'late-fee policies',
                'ordering': ['-created_at'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('is_active', True)), fields=('school',), name='latefeepolicy_one_active_per_school'), models.CheckConstraint(condition=models.Q(('cap__isnull', True), ('cap__gt', 0), _connector='OR'), name='latefeepolicy_cap_positive')],
            },
        ),
    ]
