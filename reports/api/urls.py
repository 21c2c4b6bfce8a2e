from core.api import route
from reports.api import views as v

urlpatterns = [
    route("students/balance", v.StudentBalanceReportApi, "report-students-balance"),
    route("schools/summary", v.SchoolSummaryReportApi, "report-schools-summary"),
    route("invoices/details", v.InvoiceDetailReportApi, "report-invoices-details"),
    route("invoices/overdue", v.OverdueInvoiceReportApi, "report-invoices-overdue"),
    route("payments/history", v.PaymentHistoryReportApi, "report-payments-history"),
    route("collections/daily", v.DailyCollectionReportApi, "report-collections-daily"),
    route("revenue/monthly", v.MonthlyRevenueReportApi, "report-revenue-monthly"),
]
