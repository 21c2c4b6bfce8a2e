from core.exceptions import Conflict


class NothingToCollect(Conflict):
    code = "nothing_to_collect"
    default_detail = "This student has no pending invoice to collect."
