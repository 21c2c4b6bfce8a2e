from django.contrib import admin

from schools.models import School
from users.admin_scoping import SchoolScopedAdmin
from users.policy import Action


@admin.register(School)
class SchoolAdmin(SchoolScopedAdmin):
    school_path = "pk"
    change_action = Action.SCHOOL_EDIT
    list_display = ["name", "email", "phone", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "email"]
    readonly_fields = ["created_at", "updated_at"]

    def has_add_permission(self, request):
        return request.user.is_superuser
