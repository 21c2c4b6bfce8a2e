from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    """Payment reminders: policies per school, the log, and the channels (email, SMS, WhatsApp)."""

    name = "reminders"
    verbose_name = _("Reminders")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The admin modules are loaded (autodiscover runs in the admin app's ready, listed first).
        from reminders.admin import extend_family_admin

        extend_family_admin()
