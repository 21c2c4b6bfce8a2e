"""Bank accounts, statement imports and the review queue: parse -> scope and role -> service -> serialize."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from banking import selectors, services
from banking.api.serializers import (
    BankAccountCreateInput,
    BankAccountOutput,
    BankAccountUpdateInput,
    BankLineConfirmInput,
    BankLineIgnoreInput,
    BankLineOutput,
    BankStatementOutput,
    StatementImportInput,
)
from banking.models import BankAccount, BankLine, BankStatement
from core.api import DetailApi, PagedListApi, parse
from core.filters import StrictOrderingFilter, StrictSearchFilter
from core.openapi import error_responses, uuid_path_parameter
from users.access import Action, require
from users.api.resources import ResourceListApi

ACCOUNT_ID = uuid_path_parameter("account_id", "Bank account id.")
LINE_ID = uuid_path_parameter("line_id", "Bank line id.")
TAGS = ["banking"]
ACCOUNTANT = {403: "Your role in this school does not allow it: ACCOUNTANT or ADMIN (`permission_denied`)."}


@extend_schema_view(
    get=extend_schema(
        operation_id="bank_accounts_list", tags=TAGS, responses={200: BankAccountOutput(many=True)}
    ),
    post=extend_schema(
        operation_id="bank_accounts_create",
        tags=TAGS,
        request=BankAccountCreateInput,
        responses={
            201: BankAccountOutput,
            **error_responses(
                400,
                403,
                404,
                409,
                descriptions={
                    **ACCOUNTANT,
                    400: "`validation_error`: a CLABE that fails its check (`fields.clabe`), or a bad "
                    "`csv_mapping`.",
                    404: "`school_id` is unknown or outside your schools (`not_found`).",
                    409: "`bank_account_exists` (this school has this CLABE) or `school_inactive`.",
                },
            ),
        },
        description="Register a bank account of one of your schools (ACCOUNTANT or ADMIN). Currency is MXN.",
    ),
)
class BankAccountListApi(ResourceListApi):
    """The bank accounts of your schools."""

    queryset = BankAccount.objects.none()  # for the schema; requests read through banking.selectors
    serializer_class = BankAccountOutput
    filterset_class = selectors.BankAccountFilter
    search_fields = ["name", "bank", "clabe"]
    ordering_fields = ["bank", "name", "created_at"]
    ordering = ["bank", "clabe"]
    select = staticmethod(selectors.bank_account_list)
    create_input = BankAccountCreateInput
    write_action = Action.BANK_COLLECTIONS
    creator = staticmethod(services.bank_account_create)


@extend_schema_view(
    get=extend_schema(operation_id="bank_accounts_retrieve", tags=TAGS, parameters=[ACCOUNT_ID])
)
class BankAccountDetailApi(DetailApi):
    serializer_class = BankAccountOutput
    getter = staticmethod(selectors.bank_account_get)

    @extend_schema(
        operation_id="bank_accounts_partial_update",
        tags=TAGS,
        parameters=[ACCOUNT_ID],
        request=BankAccountUpdateInput,
        responses={200: BankAccountOutput, **error_responses(403, descriptions=ACCOUNTANT)},
        description="Change the name, bank label, CSV profile or mapping, or deactivate the account.",
    )
    def patch(self, request, account_id):
        account = selectors.bank_account_get(user=request.user, account_id=account_id)
        require(request.user, Action.BANK_COLLECTIONS, account.school_id)
        data = parse(BankAccountUpdateInput, request.data)
        account = services.bank_account_update(account_id=account.pk, actor=request.user, **data)
        return Response(BankAccountOutput(account).data)


@extend_schema_view(
    get=extend_schema(operation_id="bank_statements_list", tags=TAGS, parameters=[ACCOUNT_ID],
                      responses={200: BankStatementOutput(many=True)})
)
class BankStatementListApi(PagedListApi):
    """The statements imported into one bank account, and the import itself."""

    queryset = BankStatement.objects.none()
    serializer_class = BankStatementOutput
    filterset_class = selectors.BankStatementFilter
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    ordering_fields = ["created_at", "period_end"]
    ordering = ["-created_at"]

    def get_parsers(self):
        # The import is a file upload; everything else in the API is JSON.
        if self.request is not None and self.request.method == "POST":
            return [MultiPartParser()]
        return super().get_parsers()

    def get_queryset(self):
        account = selectors.bank_account_get(user=self.request.user, account_id=self.kwargs["account_id"])
        return selectors.bank_statement_list(account=account)

    @extend_schema(
        operation_id="bank_statements_import",
        tags=TAGS,
        parameters=[ACCOUNT_ID],
        request={"multipart/form-data": StatementImportInput},
        responses={
            201: BankStatementOutput,
            **error_responses(
                400,
                403,
                409,
                415,
                descriptions={
                    **ACCOUNTANT,
                    400: "Nothing was imported. `validation_error` (no `file`), `statement_empty`, "
                    "`statement_unreadable` (not CSV/OFX/MT940, truncated, balances that do not add up), "
                    "`statement_columns_unknown` (CSV header does not match the account's mapping), "
                    "`statement_lines_invalid` (per-line errors in `fields.file`), "
                    "`statement_account_mismatch` (a file of another account), "
                    "`statement_currency_mismatch`, "
                    "`statement_too_large`.",
                    409: "`bank_account_inactive`.",
                    415: "Send `multipart/form-data` with the file in `file` (`unsupported_media_type`).",
                },
            ),
        },
        description=(
            "Import a bank statement (CSV with the account's column mapping, OFX or MT940) and match "
            "its new deposits: a valid family payment reference becomes a family payment at once; an "
            "amount equal to an open balance with a matching name is SUGGESTED; the rest is UNMATCHED. "
            "Lines already imported (same line in an earlier or overlapping statement) count as "
            "`duplicates` and add nothing; withdrawals and zero lines are `skipped`. The file imports "
            "whole or not at all. ACCOUNTANT or ADMIN."
        ),
    )
    def post(self, request, account_id):
        account = selectors.bank_account_get(user=request.user, account_id=account_id)
        require(request.user, Action.BANK_COLLECTIONS, account.school_id)
        data = parse(StatementImportInput, request.data)
        upload = data["file"]
        outcome = services.bank_statement_import(
            account_id=account.pk,
            content=upload.read(services.MAX_STATEMENT_BYTES + 1),
            file_name=upload.name or "statement",
            file_format=data["format"],
            actor=request.user,
        )
        return Response(BankStatementOutput(outcome.statement).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(operation_id="bank_lines_list", tags=TAGS, responses={200: BankLineOutput(many=True)})
)
class BankLineListApi(PagedListApi):
    """Deposits read from the statements of your schools; `?status=UNMATCHED` is the review queue."""

    queryset = BankLine.objects.none()
    serializer_class = BankLineOutput
    filterset_class = selectors.BankLineFilter
    filter_backends = [DjangoFilterBackend, StrictSearchFilter, StrictOrderingFilter]
    search_fields = ["reference", "description"]
    ordering_fields = ["date", "amount", "created_at", "line_number"]
    ordering = ["-date", "line_number"]
    select = staticmethod(selectors.bank_line_list)


@extend_schema_view(get=extend_schema(operation_id="bank_lines_retrieve", tags=TAGS, parameters=[LINE_ID]))
class BankLineDetailApi(DetailApi):
    serializer_class = BankLineOutput
    getter = staticmethod(selectors.bank_line_get)


# A decision on one deposit of the review queue, by an ACCOUNTANT or ADMIN of the line's school:
# `decide(line_id=..., actor=..., **the body)`, answering the line as it now stands.
class _BankLineDecisionApi(GenericAPIView):
    serializer_class = BankLineOutput
    filter_backends: list = []
    decision_input: type
    decide = None

    def post(self, request, line_id):
        line = selectors.bank_line_get(user=request.user, line_id=line_id)
        require(request.user, Action.BANK_COLLECTIONS, line.school_id)
        data = parse(self.decision_input, request.data)
        line = self.decide(line_id=line.pk, actor=request.user, **data)
        return Response(BankLineOutput(line).data)


@extend_schema_view(
    post=extend_schema(
        operation_id="bank_lines_confirm",
        tags=TAGS,
        parameters=[LINE_ID],
        request=BankLineConfirmInput,
        responses={
            200: BankLineOutput,
            **error_responses(
                400,
                403,
                404,
                409,
                descriptions={
                    **ACCOUNTANT,
                    400: "`bank_line_target_invalid` (both ids), `bank_line_no_suggestion` (neither, and no "
                    "suggestion), `overpayment` (more than the invoice's balance), `validation_error`.",
                    404: "The line, or the `family_id`/`invoice_id`, is unknown or not of the line's school.",
                    409: "`bank_line_already_matched` (a line becomes at most one payment: a retry or a "
                    "double click lands here), `invoice_cancelled`, `invoice_already_paid`.",
                },
            ),
        },
        description=(
            "Turn the deposit into a payment (method BANK_TRANSFER, the bank's reference): of a family "
            "(`family_id`: allocated oldest first, the rest is credit) or of one invoice (`invoice_id`). "
            "An empty body confirms the line's suggestion. Audited (who, when). ACCOUNTANT or ADMIN."
        ),
    )
)
class BankLineConfirmApi(_BankLineDecisionApi):
    decision_input = BankLineConfirmInput
    decide = staticmethod(services.bank_line_confirm)


@extend_schema_view(
    post=extend_schema(
        operation_id="bank_lines_ignore",
        tags=TAGS,
        parameters=[LINE_ID],
        request=BankLineIgnoreInput,
        responses={
            200: BankLineOutput,
            **error_responses(
                403,
                409,
                descriptions={
                    **ACCOUNTANT,
                    409: "`bank_line_already_matched` (reverse the payment instead) or "
                    "`bank_line_already_ignored`.",
                },
            ),
        },
        description="Take the deposit out of the review queue, with a reason. Audited. ACCOUNTANT or ADMIN.",
    )
)
class BankLineIgnoreApi(_BankLineDecisionApi):
    decision_input = BankLineIgnoreInput
    decide = staticmethod(services.bank_line_ignore)
