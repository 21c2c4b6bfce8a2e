"""The schools app's schema in one migration: replaces 0001-0002 (squashed 2026-12; an install
upgrades to this release from the previous one, whose migrations it has applied, and nothing runs).
"""

import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [
        ('schools', '0001_initial'),
        ('schools', '0002_school_earliest_payment_date'),
    ]

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='School',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('address', models.CharField(blank=True, max_length=300, verbose_name='address')),
                ('phone', models.CharField(blank=True, max_length=40, verbose_name='phone')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('earliest_payment_date', models.DateField(blank=True, help_text='Payments dated before this day are refused. Empty: 1 January of last year.', null=True, verbose_name='earliest payment date')),
                ('cache_version', models.PositiveBigIntegerField(default=1, editable=False)),
            ],
            options={
                'verbose_name': 'school',
                'verbose_name_plural': 'schools',
                'ordering': ['name'],
                'indexes': [models.Index(fields=['name'], name='school_name_idx')],
            },
        ),
    ]
