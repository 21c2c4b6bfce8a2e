"""Admin classes that show a staff user only their schools' rows and let their roles decide.

`is_staff` opens the door; the membership role decides the rooms. No Django permission or group
has to be assigned by hand.
"""

from django.contrib import admin

from users.policy import Action, school_ids_where, user_can, user_can_anywhere
from users.selectors import scope_to_user


class SchoolScopedAdmin(admin.ModelAdmin):
    #: Path from this model to its school ("school", "invoice__school"); "pk" for School itself.
    school_path = "school"
    add_action: Action | None = None
    change_action: Action | None = None

    def get_queryset(self, request):
        return scope_to_user(super().get_queryset(request), request.user, school_field=self.school_path)

    def school_id_of(self, obj):
        if self.school_path == "pk":
            return obj.pk
        value = obj
        for part in self.school_path.split("__"):
            value = getattr(value, part)
        return value.pk

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        if obj is not None:
            return user_can(request.user, Action.VIEW, self.school_id_of(obj))
        return user_can_anywhere(request.user, Action.VIEW)

    def has_add_permission(self, request):
        return self.add_action is not None and user_can_anywhere(request.user, self.add_action)

    def has_change_permission(self, request, obj=None):
        if self.change_action is None:
            return False
        if obj is not None:
            return user_can(request.user, self.change_action, self.school_id_of(obj))
        return user_can_anywhere(request.user, self.change_action)

    def has_delete_permission(self, request, obj=None):
        # Nothing with money attached is hard-deleted; soft delete and cancel are actions.
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from schools.models import School
        from students.models import Student

        action = self.add_action or Action.VIEW
        allowed = school_ids_where(request.user, action)
        if allowed is not None:
            if db_field.related_model is School:
                kwargs["queryset"] = School.objects.filter(pk__in=allowed)
            elif db_field.related_model is Student:
                kwargs["queryset"] = Student.objects.filter(school_id__in=allowed).select_related("school")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

