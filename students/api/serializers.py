from rest_framework import serializers

from core.api import InputSerializer, UUIDInBodyField
from students.models import Student, StudentLevel

_CURP_HELP = "CURP (18 characters, validated with its birth date, state and check digit)."
_FAMILY_HELP = "UUID of a family of the student's school (404 when unknown or outside your schools)."
_LEVEL_HELP = "Education level (SEP)."

# Malformed: a 400 naming the field; well-formed but unknown or not one of yours: 404.
_SCHOOL_ID_IN_BODY = {"help_text": "UUID of one of your schools (404 otherwise)."}


class StudentOutput(serializers.ModelSerializer):
    school_id = serializers.UUIDField()
    full_name = serializers.CharField()
    family_id = serializers.UUIDField(allow_null=True)

    class Meta:
        model = Student
        fields = [
            "id", "school_id", "first_name", "last_name", "full_name", "email", "grade", "enrolled_at",
            "is_active", "family_id", "curp", "level", "created_at", "updated_at",
        ]


class StudentCreateInput(InputSerializer):
    school_id = UUIDInBodyField(**_SCHOOL_ID_IN_BODY)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    grade = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    enrolled_at = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="YYYY-MM-DD."
    )
    family_id = serializers.UUIDField(required=False, allow_null=True, default=None, help_text=_FAMILY_HELP)
    curp = serializers.CharField(
        max_length=24, required=False, allow_blank=True, default="", help_text=_CURP_HELP
    )
    level = serializers.ChoiceField(
        choices=StudentLevel.choices, required=False, allow_blank=True, default="", help_text=_LEVEL_HELP
    )


class StudentUpdateInput(InputSerializer):
    """Every field optional: only the fields sent change (PUT and PATCH alike)."""

    school_id = UUIDInBodyField(
        required=False,
        help_text="Accepted only when it is the student's current school: a student never changes school.",
    )
    first_name = serializers.CharField(max_length=100, required=False)
    last_name = serializers.CharField(max_length=100, required=False)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    grade = serializers.CharField(max_length=50, required=False, allow_blank=True)
    enrolled_at = serializers.DateField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False, help_text="`true` reactivates a deleted student.")
    family_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=_FAMILY_HELP + " `null` takes the student out of their family.",
    )
    curp = serializers.CharField(max_length=24, required=False, allow_blank=True, help_text=_CURP_HELP)
    level = serializers.ChoiceField(
        choices=StudentLevel.choices, required=False, allow_blank=True, help_text=_LEVEL_HELP
    )
