from django.urls import re_path

from banking.api import views

# `[^/]+`, not a UUID pattern: a malformed id reaches the view, which answers 401 before 404.
urlpatterns = [
    re_path(r"^bank-accounts/?$", views.BankAccountListApi.as_view(), name="bank-account-list"),
    re_path(
        r"^bank-accounts/(?P<account_id>[^/]+)/?$",
        views.BankAccountDetailApi.as_view(),
        name="bank-account-detail",
    ),
    re_path(
        r"^bank-accounts/(?P<account_id>[^/]+)/statements/?$",
        views.BankStatementListApi.as_view(),
        name="bank-account-statements",
    ),
    re_path(r"^bank-lines/?$", views.BankLineListApi.as_view(), name="bank-line-list"),
    re_path(r"^bank-lines/(?P<line_id>[^/]+)/?$", views.BankLineDetailApi.as_view(), name="bank-line-detail"),
    re_path(
        r"^bank-lines/(?P<line_id>[^/]+)/confirm/?$",
        views.BankLineConfirmApi.as_view(),
        name="bank-line-confirm",
    ),
    re_path(
        r"^bank-lines/(?P<line_id>[^/]+)/ignore/?$",
        views.BankLineIgnoreApi.as_view(),
        name="bank-line-ignore",
    ),
]
