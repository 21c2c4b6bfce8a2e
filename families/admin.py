from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from families.models import Family
from families.services import family_create, family_update
from students.models import Student
from users.access import Action
from users.admin_scoping import SchoolScopedAdmin, ScopedSchoolFilter


class ChildrenInline(admin.TabularInline):
    """The family's students, read-only here: a student joins a family from the student's page."""

    model = Student
    fields = ["student_link", "grade", "level", "curp", "is_active"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name = _("child")
    verbose_name_plural = _("children")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # the family page is already scoped to the user's schools

    @admin.display(description=_("student"))
    def student_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:students_student_change", args=[obj.pk]), obj.full_name
        )


@admin.register(Family)
class FamilyAdmin(SchoolScopedAdmin):
    add_action = Action.FAMILY_WRITE
    change_action = Action.FAMILY_WRITE
    list_display = ["name", "reference", "rfc", "school", "children", "email", "is_active"]
    list_filter = ["is_active", ("school", ScopedSchoolFilter)]
    list_select_related = ["school"]
    list_per_page = 50
    search_fields = ["name", "email", "reference", "rfc"]
    search_help_text = _("Search by name, email, payment reference or RFC.")
    autocomplete_fields = ["school"]
    readonly_fields = ["reference", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["school", "name", "email", "phone", "reference", "is_active"]}),
        (_("Fiscal data (CFDI)"), {"fields": ["rfc", "legal_name", "tax_regime", "tax_zip", "cfdi_use"]}),
        (_("Reminders"), {"fields": ["reminders_opt_out"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [ChildrenInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            children_count=Count("students", filter=Q(students__is_active=True))
        )

    @admin.display(description=_("Children"), ordering="children_count")
    def children(self, obj):
        return obj.children_count

    def get_readonly_fields(self, request, obj=None):
        # A family never changes school; its reference is assigned once.
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "school"] if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        # Through the services, like the API: the reference is assigned there.
        fields = [
            "name", "email", "phone", "rfc", "legal_name", "tax_regime", "tax_zip", "cfdi_use",
            "reminders_opt_out",
        ]
        if change:
            changes = {field: form.cleaned_data[field] for field in form.changed_data if field != "school"}
            saved = family_update(family_id=obj.pk, actor=request.user, **changes)
        else:
            data = form.cleaned_data
            saved = family_create(
                school_id=data["school"].pk, actor=request.user,
                **{field: data[field] for field in fields if field in data},
            )
            if data.get("is_active") is False:
                saved = family_update(family_id=saved.pk, actor=request.user, is_active=False)
        self.saved_by_service(obj, saved)

    def get_inlines(self, request, obj):
        # A family being registered has no children yet.
        return self.inlines if obj is not None else []
