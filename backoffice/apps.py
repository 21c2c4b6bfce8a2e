from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class BackofficeAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with our site (dashboard on the index, back-office pages) as admin.site."""

    default = False
    default_site = "backoffice.sites.BackofficeAdminSite"


class BackofficeConfig(AppConfig):
    """Back-office pages for school staff: dashboard charts, printable statements and receipts."""

    name = "backoffice"
    verbose_name = _("Back office")
