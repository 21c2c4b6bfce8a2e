"""Reads of fiscal profiles and CFDI documents, always limited to the caller's schools."""

from uuid import UUID

import django_filters
from django.db.models import QuerySet

from cfdi.models import Document, DocumentKind, DocumentStatus, FiscalProfile
from core.exceptions import NotFound
from schools.models import School
from users.access import get_visible_or_404, scope_to_user
from users.models import User


class DocumentFilter(django_filters.FilterSet):
    school_id = django_filters.UUIDFilter(field_name="school_id")
    invoice_id = django_filters.UUIDFilter(field_name="invoice_id")
    payment_id = django_filters.UUIDFilter(field_name="payment_id")
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices)
    status = django_filters.ChoiceFilter(choices=DocumentStatus.choices)
    uuid = django_filters.CharFilter(field_name="uuid", lookup_expr="iexact")

    class Meta:
        model = Document
        fields = ["school_id", "invoice_id", "payment_id", "kind", "status", "uuid"]


def fiscal_profile_get(*, school: School) -> FiscalProfile:
    profile = FiscalProfile.objects.filter(school=school).first()
    if profile is None:
        raise NotFound("This school has no fiscal profile yet.")
    return profile


def document_list(*, user: User) -> QuerySet[Document]:
    return scope_to_user(Document.objects.defer("xml"), user)


def document_get(*, user: User, document_id: UUID | str, with_xml: bool = False) -> Document:
    queryset = Document.objects.all() if with_xml else Document.objects.defer("xml")
    return get_visible_or_404(queryset, user, document_id)
