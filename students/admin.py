from django.contrib import admin

from students.models import Student
from users.admin_scoping import SchoolScopedAdmin
from users.policy import Action


@admin.register(Student)
class StudentAdmin(SchoolScopedAdmin):
    add_action = Action.STUDENT_WRITE
    change_action = Action.STUDENT_WRITE
    list_display = ["last_name", "first_name", "school", "grade", "email", "is_active"]
    list_filter = ["is_active", "grade", "school"]
    list_select_related = ["school"]
    search_fields = ["first_name", "last_name", "email"]
    autocomplete_fields = ["school"]
    readonly_fields = ["created_at", "updated_at"]
