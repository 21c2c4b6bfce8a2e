from rest_framework import serializers

from core.api import InputSerializer
from schools.models import School


class SchoolOutput(serializers.ModelSerializer):
    class Meta:
        model = School
        fields = [
            "id", "name", "address", "phone", "email", "is_active", "earliest_payment_date",
            "created_at", "updated_at",
        ]


class SchoolCreateInput(InputSerializer):
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")


class SchoolUpdateInput(InputSerializer):
    """Every field optional: only the fields sent change (PUT and PATCH alike)."""

    name = serializers.CharField(max_length=200, required=False)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, help_text="`true` reactivates a deleted school.")
    earliest_payment_date = serializers.DateField(
        required=False, allow_null=True,
        help_text="Payments dated before this day are refused (400); null: 1 January of last year.",
    )
