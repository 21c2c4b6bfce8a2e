from django.urls import re_path

from reports.api import views as v

# Each path answers with and without a trailing slash.
urlpatterns = [
    re_path(r"^students/balance/?$", v.StudentBalanceReportApi.as_view(), name="report-students-balance"),
    re_path(r"^schools/summary/?$", v.SchoolSummaryReportApi.as_view(), name="report-schools-summary"),
    re_path(r"^invoices/details/?$", v.InvoiceDetailReportApi.as_view(), name="report-invoices-details"),
    re_path(r"^invoices/overdue/?$", v.OverdueInvoiceReportApi.as_view(), name="report-invoices-overdue"),
    re_path(r"^payments/history/?$", v.PaymentHistoryReportApi.as_view(), name="report-payments-history"),
    re_path(r"^collections/daily/?$", v.DailyCollectionReportApi.as_view(), name="report-collections-daily"),
    re_path(r"^revenue/monthly/?$", v.MonthlyRevenueReportApi.as_view(), name="report-revenue-monthly"),
]
