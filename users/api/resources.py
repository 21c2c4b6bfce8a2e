"""Endpoints of a school's own rows (students, families, fee setup...): a paged list and create, and
one row's read, update and soft delete. Every write checks the caller's role in the row's school
(users.access.require) after the row, or its parent, was found among the caller's schools.

A subclass names its output (`serializer_class`), inputs, scoped selectors, services and
`write_action`; the schema of each method goes on the subclass (`extend_schema_view`).
(Comments, not docstrings, on the classes: the schema would read a docstring as the description
of every operation that has none.)
"""

from uuid import UUID

from rest_framework import status
from rest_framework.response import Response

from core.api import DetailApi, PagedListApi, parse
from schools.cache import cached_page
from users.access import Action, require, user_school_ids
from users.selectors import school_get


def cached_list_response(request, *, namespace: str, compute) -> Response:
    """A page of a list of the caller's schools' rows, served from the cache while none of those
    schools was written to (schools.cache.cached_page); `compute()` answers the page's data."""
    return Response(
        cached_page(request, namespace=namespace, school_ids=user_school_ids(request.user), compute=compute)
    )


# Before a PagedListApi: its pages come from cached_list_response, under `page_namespace`. Only for
# rows whose every write bumps their school's cache version.
class CachedPages:
    page_namespace: str

    def get(self, request, *args, **kwargs):
        page = super().get
        return cached_list_response(
            request, namespace=self.page_namespace, compute=lambda: page(request, *args, **kwargs).data
        )


# The list of `select(user=...)` and POST: parse, find the new row's school (`resolve`), check the
# role there, then `creator(actor=..., **data)`; 201 with the row.
class ResourceListApi(PagedListApi):
    write_action: Action
    create_input: type
    creator = None

    def resolve(self, user, data) -> UUID:
        """The school of the new row: by default the body's `school_id`, one of the caller's."""
        school = school_get(user=user, school_id=data.pop("school_id"))
        data["school_id"] = school.pk
        return school.pk

    def create(self, data, user):
        return self.creator(actor=user, **data)

    def reread(self, row):
        return row

    def post(self, request):
        data = dict(parse(self.create_input, request.data))
        school_id = self.resolve(request.user, data)
        require(request.user, self.write_action, school_id)
        row = self.create(data, request.user)
        return Response(self.serializer_class(self.reread(row)).data, status=status.HTTP_201_CREATED)


# One row (`getter`), PUT/PATCH (only the fields sent change: `updater`) and DELETE (soft:
# `deactivator`). The services take the row's id as `id_name`.
class ResourceDetailApi(DetailApi):
    write_action: Action
    update_input: type
    id_name: str
    updater = None
    deactivator = None

    def update(self, row, data, user):
        return self.updater(actor=user, **{self.id_name: row.pk}, **data)

    def deactivate(self, row, user):
        self.deactivator(actor=user, **{self.id_name: row.pk})

    def reread(self, row):
        return row

    def put(self, request, **kwargs):
        row = self.get_object()
        require(request.user, self.write_action, row.school_id)
        data = dict(parse(self.update_input, request.data))
        row = self.update(row, data, request.user)
        return Response(self.serializer_class(self.reread(row)).data)

    def patch(self, request, **kwargs):
        return self.put(request, **kwargs)

    def delete(self, request, **kwargs):
        row = self.get_object()
        require(request.user, self.write_action, row.school_id)
        self.deactivate(row, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
