from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from core.search import BoundedAdminSearchMixin
from users.models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["school"]


@admin.register(User)
class UserAdmin(BoundedAdminSearchMixin, DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "is_staff", "is_superuser", "is_active"]

    # Users and memberships are managed by platform admins; school ADMINs use the members API.
    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
