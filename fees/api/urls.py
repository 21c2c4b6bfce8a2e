from core.api import route
from fees.api import views

_RESOURCES = [
    ("school-years", views.SchoolYearListApi, views.SchoolYearDetailApi),
    ("fee-plans", views.FeePlanListApi, views.FeePlanDetailApi),
    ("enrollments", views.EnrollmentListApi, views.EnrollmentDetailApi),
    ("discounts", views.DiscountListApi, views.DiscountDetailApi),
    ("late-fee-policies", views.LateFeePolicyListApi, views.LateFeePolicyDetailApi),
    ("fee-concepts", views.FeeConceptListApi, views.FeeConceptDetailApi),
]

urlpatterns = []
for prefix, list_view, detail_view in _RESOURCES:
    urlpatterns += [
        route(prefix, list_view, f"{prefix}-list"),
        route(f"{prefix}/<pk>", detail_view, f"{prefix}-detail"),
    ]

urlpatterns += [
    route("schools/<school_id>/billing-runs", views.BillingRunListApi, "school-billing-runs"),
    route("schools/<school_id>/late-fee-runs", views.LateFeeRunListApi, "school-late-fee-runs"),
    route("invoices/<invoice_id>/waive", views.InvoiceWaiveApi, "invoice-waive"),
]
