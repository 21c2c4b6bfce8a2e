"""Admin classes that show a staff user only their schools' rows and let their roles decide.

`is_staff` opens the door; the membership role decides the rooms. No Django permission or group
has to be assigned by hand. Scoping covers every way a row can reach the screen: the list and its
search (get_queryset), the school filter's choices (ScopedSchoolFilter), autocomplete answers
(get_search_results, narrowed further to the schools where the calling form may write), form
selects (formfield_for_foreignkey) and the actions offered (get_actions, by role).
"""

import functools

from django.apps import apps
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path

from core.exceptions import DomainError
from core.search import BoundedAdminSearchMixin
from users.access import Action, school_ids_where, scope_to_user, user_can, user_can_anywhere, user_school_ids


def required_action(action: Action):
    """Mark an admin action with the role-rule it needs; actions the user may not run are hidden."""

    def mark(func):
        func.required_action = action
        return func

    return mark


def row_view(view):
    """An admin page of one row (listed in `extra_views`): the view gets the row, as the user may
    see it, instead of its id; an unknown or foreign id goes back with Django's "does not exist"."""

    @functools.wraps(view)
    def with_row(model_admin, request, object_id):
        obj = model_admin.get_object(request, object_id)
        if obj is None:
            return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)
        return view(model_admin, request, obj)

    return with_row


class ScopedSchoolFilter(admin.RelatedFieldListFilter):
    """The school filter, offering only the schools the user belongs to (all for a platform admin)."""

    def field_choices(self, field, request, model_admin):
        schools = field.related_model._default_manager.only("pk", "name").order_by("name")
        school_ids = user_school_ids(request.user)
        if school_ids is not None:
            schools = schools.filter(pk__in=school_ids)
        return [(school.pk, str(school)) for school in schools]


class SchoolScopedAdmin(BoundedAdminSearchMixin, admin.ModelAdmin):
    class Media:
        css = {"all": ["backoffice/backoffice.css"]}

    #: Path from this model to its school ("school", "invoice__school"); "pk" for School itself.
    school_path = "school"
    add_action: Action | None = None
    change_action: Action | None = None
    #: Fields chosen when the row is created and read-only afterwards (a student's school: its
    #: invoices were issued by that one).
    create_only_fields: list[str] = []
    #: The admin's own pages next to Django's, as (route, name of the view method, URL name); a
    #: route under "<path:object_id>/" is a page of one row. Each goes through admin_view (login,
    #: staff, CSRF); the view checks the row and the role itself.
    extra_views: list[tuple[str, str, str]] = []

    def get_queryset(self, request):
        return scope_to_user(super().get_queryset(request), request.user, school_field=self.school_path)

    def school_id_of(self, obj):
        """The school id of a row, read from the foreign key column (no query for the school)."""
        if self.school_path == "pk":
            return obj.pk
        *parents, last = self.school_path.split("__")
        value = obj
        for part in parents:
            value = getattr(value, part)
        return getattr(value, f"{last}_id")

    def user_has_several_schools(self, request) -> bool:
        school_ids = user_school_ids(request.user)
        return school_ids is None or len(school_ids) > 1

    # --- permissions: the role decides ------------------------------------------------------

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

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, *self.create_only_fields] if obj is not None else readonly

    def get_urls(self):
        wrap = self.admin_site.admin_view
        own = [path(route, wrap(getattr(self, view)), name=name) for route, view, name in self.extra_views]
        return [*own, *super().get_urls()]

    def page(self, request, template: str, *, title: str, **context) -> TemplateResponse:
        """One of the admin's own pages in the admin's frame: the site's context (menus, user), this
        model's `opts` (breadcrumbs) and the title."""
        return TemplateResponse(request, template, {
            **self.admin_site.each_context(request), "opts": self.opts, "title": title, **context,
        })

    def saved_by_service(self, obj, saved) -> None:
        """In save_model, after a service wrote the row: the form's object takes the saved state
        (number, status, timestamps), so the admin logs and redirects to what was really written."""
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def _changeform_view(self, request, object_id, form_url, extra_context):
        # A service refusing the save (e.g. an amount below what was paid, a closed school) is
        # told to the user in their language; nothing was written.
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        except DomainError as refusal:
            self.message_user(request, str(refusal.detail), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def get_actions(self, request):
        actions = super().get_actions(request)
        return {
            name: spec
            for name, spec in actions.items()
            if user_can_anywhere(request.user, getattr(spec[0], "required_action", Action.VIEW))
        }

    # --- choices: only the user's schools ---------------------------------------------------

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if not self.user_has_several_schools(request):
            # One school: a filter with a single choice is noise.
            filters = [f for f in filters if not _is_school_filter(f)]
        return filters

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if not self.user_has_several_schools(request):
            columns = [c for c in columns if c != "school"]
        return columns

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A select of schools, or of rows that belong to a school (students, ...), offers only the
        # schools where the form's action is allowed.
        action = self.add_action or Action.VIEW
        allowed = school_ids_where(request.user, action)
        related = db_field.related_model
        if allowed is not None:
            if related._meta.label == "schools.School":
                kwargs["queryset"] = related._default_manager.filter(pk__in=allowed)
            elif any(field.name == "school" for field in related._meta.get_fields()):
                kwargs["queryset"] = (
                    related._default_manager.filter(school_id__in=allowed).select_related("school")
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        action = self._autocomplete_form_action(request)
        if action is not None:
            allowed = school_ids_where(request.user, action)
            if allowed is not None:
                queryset = queryset.filter(**{f"{self.school_path}__in": allowed})
        return queryset, may_have_duplicates

    def _autocomplete_form_action(self, request) -> Action | None:
        """For an autocomplete request, the action of the form asking (e.g. issuing an invoice).

        A VIEWER in one school and ACCOUNTANT in another must only be offered the second school's
        students when issuing an invoice: the form would refuse the others anyway.
        """
        match = getattr(request, "resolver_match", None)
        if match is None or match.url_name != "autocomplete":
            return None
        try:
            model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        except (KeyError, LookupError):
            return None
        source_admin = self.admin_site._registry.get(model)
        return getattr(source_admin, "add_action", None) or Action.VIEW


def _is_school_filter(list_filter) -> bool:
    name = list_filter[0] if isinstance(list_filter, (tuple, list)) else list_filter
    return name == "school" or (isinstance(name, str) and name.endswith("__school"))
