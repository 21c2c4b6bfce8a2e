from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo and benchmark data (`manage.py seed`): writes through the domain's models, owns none."""

    name = "demo"
    verbose_name = _("Demo data")
