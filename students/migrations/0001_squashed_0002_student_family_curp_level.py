"""The students app's schema in one migration: replaces 0001-0002 (squashed 2026-12; an install
upgrades to this release from the previous one, whose migrations it has applied, and nothing runs).
"""

import django.db.models.deletion
import families.validators
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [
        ('students', '0001_initial'),
        ('students', '0002_student_family_curp_level'),
    ]

    initial = True

    dependencies = [
        ('families', '0001_initial'),
        ('schools', '0001_squashed_0002_school_earliest_payment_date'),
    ]

    operations = [
        migrations.CreateModel(
            name='Student',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('first_name', models.CharField(max_length=100, verbose_name='first name')),
                ('last_name', models.CharField(max_length=100, verbose_name='last name')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email')),
                ('grade', models.CharField(blank=True, max_length=50, verbose_name='grade')),
                ('enrolled_at', models.DateField(blank=True, null=True, verbose_name='enrolled on')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('curp', models.CharField(blank=True, db_default='', default='', max_length=18, validators=[families.validators.validate_curp], verbose_name='CURP')),
                ('level', models.CharField(blank=True, choices=[('PREESCOLAR', 'Preschool'), ('PRIMARIA', 'Primary'), ('SECUNDARIA', 'Secondary'), ('PROFESIONAL_TECNICO', 'Technical professional'), ('BACHILLERATO', 'High school')], db_default='', default='', max_length=20, verbose_name='level')),
                ('family', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='students', to='families.family', verbose_name='family')),
                ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='students', to='schools.school', verbose_name='school')),
            ],
            options={
                'verbose_name': 'student',
                'verbose_name_plural': 'students',
                'ordering': ['last_name', 'first_name'],
                'indexes': [models.Index(fields=['school', 'last_name', 'first_name'], name='student_school_name_idx'), models.Index(fields=['school', 'is_active'], name='student_school_active_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('level', ''), ('level__in', ['PREESCOLAR', 'PRIMARIA', 'SECUNDARIA', 'PROFESIONAL_TECNICO', 'BACHILLERATO']), _connector='OR'), name='student_level_valid')],
            },
        ),
    ]
