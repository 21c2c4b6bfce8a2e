"""The seven read-only report endpoints: `{count, next, previous, results}` or `?format=csv`.

Each view: parse the filters (400 on anything malformed) -> the selector, scoped to the
caller's schools -> a cached page of serialized rows, or the whole filtered report streamed as
CSV. Pages are cached under the per-school versions (schools.cache), so a read after any money
write is never stale; the CSV is streamed from the database and never cached.
"""

from uuid import UUID

from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from core.dates import local_today
from core.openapi import error_responses
from core.pagination import StandardPagination, page_links
from core.renderers import JSONRenderer
from reports import filters, selectors
from reports.api import serializers
from reports.api.csv import CSVRenderer, csv_response
from schools.cache import cached_for_schools
from users.access import user_school_ids

FORMATS = ("json", "csv")


class ReportContentNegotiation(DefaultContentNegotiation):
    """`?format=json|csv` decides (whatever Accept says); without it, the Accept header does.

    DRF would answer an unknown `?format=` with a 404; here it is a 400 naming the parameter.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        requested = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if requested is None:
            return super().select_renderer(request, renderers, format_suffix)
        for renderer in renderers:
            if renderer.format == requested:
                return renderer, renderer.media_type
        raise ValidationError(
            {"format": [gettext_lazy("Use one of: %(choices)s.") % {"choices": ", ".join(FORMATS)}]}
        )


class ReportListApi(generics.ListAPIView):
    """Base of the report endpoints; subclasses name the selector, filters and output."""

    renderer_classes = [JSONRenderer, CSVRenderer]
    content_negotiation_class = ReportContentNegotiation
    pagination_class = StandardPagination
    filter_backends = [DjangoFilterBackend]  # applied in list(); listed for the schema

    report_name: str = ""
    selector = None
    selector_takes_today = True

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # One "today" per request, in settings.TIME_ZONE, for the selector and the filters.
        request.report_today = local_today()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no rows
            return self.filterset_class._meta.model.objects.none()
        kwargs = {"school_ids": user_school_ids(self.request.user)}
        if self.selector_takes_today:
            kwargs["today"] = self.request.report_today
        return self.selector(**kwargs)

    def list(self, request, *args, **kwargs):
        self._refuse_unknown_parameters()
        if request.accepted_renderer.format == "csv":
            filterset = self._valid_filterset()
            filename = f"{self.report_name}-{request.report_today.isoformat()}.csv"
            queryset = filterset.filter_queryset(self.get_queryset())
            return csv_response(queryset, self.get_serializer(), filename)

        # A page is only ever cached after its parameters passed validation (compute() runs it
        # first), and the key holds the raw parameters: a cache hit skips the filter set
        # (~1.5 ms of CPU, most of a warm page's own work). Anything malformed never hits and
        # answers 400 from compute(); the scope needs only `school_id`, read here the same way.
        scope = self._cache_scope()
        params = {
            "query": sorted((k, v) for k, v in request.query_params.lists() if k != "format"),
            "scope": None if scope is None else sorted(str(s) for s in scope),
            "today": request.report_today.isoformat(),
        }

        def compute():
            # Rows as plain tuples of the serializer's flat sources, each value through its
            # field's to_representation (as the CSV export does): the same JSON as the
            # serializer's, without a model instance and a serializer pass per row, which
            # were half of a cold page's CPU (bench/README.md).
            filterset = self._valid_filterset()
            fields = list(self.get_serializer().fields.values())
            queryset = filterset.filter_queryset(self.get_queryset())
            page = self.paginate_queryset(queryset.values_list(*[f.source for f in fields]))
            django_page = self.paginator.page
            return {
                "count": django_page.paginator.count,
                "number": django_page.number,
                "has_next": django_page.has_next(),
                "results": [
                    {
                        field.field_name: None if value is None else field.to_representation(value)
                        for field, value in zip(fields, row, strict=True)
                    }
                    for row in page
                ],
            }

        data = cached_for_schools(
            namespace=f"reports:{self.report_name}", school_ids=scope, params=params, compute=compute
        )
        links = page_links(request, number=data["number"], has_next=data["has_next"],
                           param=self.paginator.page_query_param)
        return Response({"count": data["count"], **links, "results": data["results"]})

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON in the one error shape, even when CSV was asked for.
        if isinstance(response, Response) and response.exception:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def _refuse_unknown_parameters(self):
        """A parameter no filter reads is a 400 naming it (a typo would otherwise be ignored), and
        the cache key, built from the raw parameters, only ever holds ones that mean something."""
        known = set(self.filterset_class.base_filters) | {
            self.paginator.page_query_param, self.paginator.page_size_query_param, "format",
        }
        unknown = sorted(set(self.request.query_params) - known)
        if unknown:
            raise ValidationError({name: [gettext_lazy("Unknown parameter.")] for name in unknown})

    def _valid_filterset(self):
        """The filter set over the request's parameters; 400 on anything malformed."""
        filterset = self.filterset_class(
            self.request.query_params, queryset=self.filterset_class._meta.model.objects.none(),
            request=self.request,
        )
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return filterset

    def _cache_scope(self):
        """The schools the rows can come from: the version token of exactly these is checked.

        `school_id` as the filter reads it (the last value; blank: no filter). A malformed one
        is refused here, before any cache lookup, by the filter set's own validation.
        """
        visible = user_school_ids(self.request.user)
        raw = self.request.query_params.get("school_id")
        if raw in (None, ""):
            return visible
        try:
            wanted = UUID(raw)
        except ValueError:
            # Whatever the filter accepts beyond a plain UUID (surrounding blanks) it reads the
            # same way here; anything else is the filter set's 400, naming school_id.
            wanted = self._valid_filterset().form.cleaned_data.get("school_id")
            if wanted is None:
                return visible
        if visible is None or wanted in visible:
            return [wanted]
        return []

def _report_schema(summary: str, description: str, serializer):
    return extend_schema(
        summary=summary,
        description=description
        + "\n\nScoped to the caller's schools (platform admins: every school, `school_id` narrows)."
        " `?format=csv` returns every matching row (no pagination) as `text/csv` with a header row.",
        parameters=[
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=list(FORMATS),
                description="`json` (default): one page. `csv`: all matching rows, streamed.",
            ),
        ],
        responses={
            (200, "application/json"): serializer(many=True),
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR, description="The same rows and keys as CSV, header first."
            ),
            **error_responses(404, descriptions={404: "That page does not exist (`not_found`)."}),
        },
        tags=["reports"],
    )


@_report_schema(
    "Student balances",
    "Per student: invoiced, paid, pending and overdue today (cancelled invoices count nowhere), "
    "and the oldest unpaid due date. Default order: largest pending balance first.",
    serializers.StudentBalanceRow,
)
class StudentBalanceReportApi(ReportListApi):
    report_name = "students-balance"
    selector = staticmethod(selectors.student_balance_list)
    filterset_class = filters.StudentBalanceFilter
    serializer_class = serializers.StudentBalanceRow


@_report_schema(
    "School summary",
    "Per school: students (total, active), invoiced, collected, pending, overdue today and the "
    "collection rate.",
    serializers.SchoolSummaryRow,
)
class SchoolSummaryReportApi(ReportListApi):
    report_name = "schools-summary"
    selector = staticmethod(selectors.school_summary_list)
    filterset_class = filters.SchoolSummaryFilter
    serializer_class = serializers.SchoolSummaryRow


@_report_schema(
    "Invoice details",
    "Every invoice with its student and school, paid and pending amounts, the status derived as "
    "of today and days overdue. Cancelled invoices are listed, with nothing pending.",
    serializers.InvoiceDetailRow,
)
class InvoiceDetailReportApi(ReportListApi):
    report_name = "invoices-details"
    selector = staticmethod(selectors.invoice_detail_list)
    filterset_class = filters.InvoiceDetailFilter
    serializer_class = serializers.InvoiceDetailRow


@_report_schema(
    "Overdue invoices",
    "Unpaid invoices past their due date as of today (in the configured time zone, before the "
    "nightly sweep too), with days overdue and aging bucket. Default: most overdue first.",
    serializers.OverdueInvoiceRow,
)
class OverdueInvoiceReportApi(ReportListApi):
    report_name = "invoices-overdue"
    selector = staticmethod(selectors.overdue_invoice_list)
    filterset_class = filters.OverdueInvoiceFilter
    serializer_class = serializers.OverdueInvoiceRow


@_report_schema(
    "Payment history",
    "Every payment with its invoice, student and school. Default: newest first.",
    serializers.PaymentHistoryRow,
)
class PaymentHistoryReportApi(ReportListApi):
    report_name = "payments-history"
    selector = staticmethod(selectors.payment_history_list)
    selector_takes_today = False
    filterset_class = filters.PaymentHistoryFilter
    serializer_class = serializers.PaymentHistoryRow


@_report_schema(
    "Daily collections",
    "Per school and day: number and sum of the payments received. Default: newest day first.",
    serializers.DailyCollectionRow,
)
class DailyCollectionReportApi(ReportListApi):
    report_name = "collections-daily"
    selector = staticmethod(selectors.daily_collection_list)
    selector_takes_today = False
    filterset_class = filters.DailyCollectionFilter
    serializer_class = serializers.DailyCollectionRow


@_report_schema(
    "Monthly revenue",
    "Per school and month: invoiced (non-cancelled invoices due in the month), collected "
    "(payments received in the month) and their counts. Default: newest month first.",
    serializers.MonthlyRevenueRow,
)
class MonthlyRevenueReportApi(ReportListApi):
    report_name = "revenue-monthly"
    selector = staticmethod(selectors.monthly_revenue_list)
    selector_takes_today = False
    filterset_class = filters.MonthlyRevenueFilter
    serializer_class = serializers.MonthlyRevenueRow


