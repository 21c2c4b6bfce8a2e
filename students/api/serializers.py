from rest_framework import serializers

from core.api import InputSerializer
from students.models import Student

_SCHOOL_ID_IN_BODY = {
    "max_length": 64,
    "help_text": "UUID of one of your schools (404 otherwise).",
}


class StudentOutput(serializers.ModelSerializer):
    school_id = serializers.UUIDField()
    full_name = serializers.CharField()

    class Meta:
        model = Student
        fields = [
            "id", "school_id", "first_name", "last_name", "full_name", "email", "grade", "enrolled_at",
            "is_active", "created_at", "updated_at",
        ]


class StudentCreateInput(InputSerializer):
    school_id = serializers.CharField(**_SCHOOL_ID_IN_BODY)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    grade = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    enrolled_at = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="YYYY-MM-DD."
    )


class StudentUpdateInput(InputSerializer):
    """Every field optional: only the fields sent change (PUT and PATCH alike)."""

    school_id = serializers.UUIDField(
        required=False,
        help_text="Accepted only when it is the student's current school: a student never changes school.",
    )
    first_name = serializers.CharField(max_length=100, required=False)
    last_name = serializers.CharField(max_length=100, required=False)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    grade = serializers.CharField(max_length=50, required=False, allow_blank=True)
    enrolled_at = serializers.DateField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False, help_text="`true` reactivates a deleted student.")
