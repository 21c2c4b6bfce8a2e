from django.urls import re_path

from fees.api import views

# `[^/]+`, not a UUID pattern: a malformed id reaches the view, which answers 401 before 404.
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
        re_path(rf"^{prefix}/?$", list_view.as_view(), name=f"{prefix}-list"),
        re_path(rf"^{prefix}/(?P<pk>[^/]+)/?$", detail_view.as_view(), name=f"{prefix}-detail"),
    ]

urlpatterns += [
    re_path(r"^schools/(?P<school_id>[^/]+)/billing-runs/?$", views.BillingRunListApi.as_view(),
            name="school-billing-runs"),
    re_path(r"^schools/(?P<school_id>[^/]+)/late-fee-runs/?$", views.LateFeeRunListApi.as_view(),
            name="school-late-fee-runs"),
    re_path(r"^invoices/(?P<invoice_id>[^/]+)/waive/?$", views.InvoiceWaiveApi.as_view(),
            name="invoice-waive"),
]
