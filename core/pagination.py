from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """`{count, next, previous, results}` with `page` and `page_size` (at most 100)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise _bad_param("page_size", "A whole number from 1 to 100 is required.") from None
        if size < 1:
            raise _bad_param("page_size", "A whole number from 1 to 100 is required.")
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        raw_page = request.query_params.get(self.page_query_param)
        if raw_page is not None and raw_page != "last" and not raw_page.isdigit():
            raise _bad_param("page", "A page number is required.")
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise NotFound(_("That page does not exist.")) from None


def _bad_param(name: str, message: str):
    from rest_framework.exceptions import ValidationError

    return ValidationError({name: [message]})
