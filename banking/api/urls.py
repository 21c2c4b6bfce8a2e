from banking.api import views
from core.api import route

urlpatterns = [
    route("bank-accounts", views.BankAccountListApi, "bank-account-list"),
    route("bank-accounts/<account_id>", views.BankAccountDetailApi, "bank-account-detail"),
    route("bank-accounts/<account_id>/statements", views.BankStatementListApi, "bank-account-statements"),
    route("bank-lines", views.BankLineListApi, "bank-line-list"),
    route("bank-lines/<line_id>", views.BankLineDetailApi, "bank-line-detail"),
    route("bank-lines/<line_id>/confirm", views.BankLineConfirmApi, "bank-line-confirm"),
    route("bank-lines/<line_id>/ignore", views.BankLineIgnoreApi, "bank-line-ignore"),
]
