from django.contrib import admin

from schools import services
from schools.models import School
from users.access import Action
from users.admin_scoping import SchoolScopedAdmin


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

    def get_readonly_fields(self, request, obj=None):
        # A school's ADMIN edits its details; opening or closing a school is the platform's call.
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if request.user.is_superuser else [*readonly, "is_active"]

    def save_model(self, request, obj, form, change):
        # Through the services, like the API: a rename bumps the cache version (statements show it).
        if change:
            changes = {field: form.cleaned_data[field] for field in form.changed_data}
            saved = services.school_update(school_id=obj.pk, actor=request.user, **changes)
        else:
            data = {f: form.cleaned_data.get(f, "") for f in ("name", "address", "phone", "email")}
            saved = services.school_create(actor=request.user, **data)
        self.saved_by_service(obj, saved)
