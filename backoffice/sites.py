"""The admin site school staff work in: the collections dashboard on its index, the overdue sweep page.

`is_staff` opens the door (Django's admin login); the membership role decides what each page
shows (users.access). A staff user without memberships sees an empty index and no dashboard.
"""

from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

from backoffice import dashboard_view, sweep_view


class BackofficeAdminSite(admin.AdminSite):
    site_header = _("School billing")
    site_title = _("School billing")
    index_title = _("Collections dashboard")
    index_template = "admin/backoffice/index.html"

    def index(self, request, extra_context=None):
        context = dashboard_view.dashboard_context(request)
        return super().index(request, {**context, **(extra_context or {})})

    def get_urls(self):
        return [
            path("overdue-sweep/", self.admin_view(self.overdue_sweep_view), name="overdue_sweep"),
            *super().get_urls(),
        ]

    def overdue_sweep_view(self, request):
        return sweep_view.overdue_sweep(request, site=self)
