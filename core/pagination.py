from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param


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
            raise _bad_param("page_size", _("A whole number from 1 to 100 is required.")) from None
        if size < 1:
            raise _bad_param("page_size", _("A whole number from 1 to 100 is required."))
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        raw_page = request.query_params.get(self.page_query_param)
        if raw_page is not None and raw_page != "last" and not raw_page.isdigit():
            raise _bad_param("page", _("A page number is required."))
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise NotFound(_("That page does not exist.")) from None


def _bad_param(name: str, message: str):
    from rest_framework.exceptions import ValidationError

    return ValidationError({name: [message]})


def page_links(request, *, number: int, has_next: bool, param: str = "page") -> dict:
    """`{"next", "previous"}`: this request's absolute URL on the neighbouring pages (None at an end).

    For page-numbered lists that are not paginated by DRF (cached report pages, the school
    statement's invoices). Page 1 is the URL without the parameter, as DRF's own links say it.
    """
    url = request.build_absolute_uri()

    def link(page: int) -> str:
        return remove_query_param(url, param) if page == 1 else replace_query_param(url, param, page)

    return {
        "next": link(number + 1) if has_next else None,
        "previous": link(number - 1) if number > 1 else None,
    }
