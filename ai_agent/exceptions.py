from django.utils.translation import gettext_lazy

from core.exceptions import Conflict


class NothingToCollect(Conflict):
    code = "nothing_to_collect"
    default_detail = gettext_lazy("This student has no pending invoice to collect.")
