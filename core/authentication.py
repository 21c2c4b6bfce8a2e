"""Bearer-token authentication: simplejwt's, with the user read in one prepared statement.

Every authenticated request reads its user from the database (so a deactivated or deleted user is
refused at once, not when the token expires). simplejwt does it with `User.objects.get(pk=...)`,
and building and compiling that ORM query costs more CPU than the query itself on every request
(bench/README.md, "where each millisecond goes"). The same SELECT, written once per process, and
`Model.from_db` give the same user instance for a fraction of it. Errors are simplejwt's own.
"""

from django.contrib.auth import get_user_model
from django.db import connections
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

# Authentication reads the primary: a user just deactivated there is refused everywhere.
DATABASE = "default"
_statements: dict[str, tuple[str, list[str], list]] = {}


def _statement(connection) -> tuple[str, list[str], list]:
    """(SELECT by id, the field names, the value converters the backend needs), once per vendor."""
    if connection.vendor not in _statements:
        model = get_user_model()
        concrete = model._meta.concrete_fields
        quote = connection.ops.quote_name
        lookup = model._meta.get_field(api_settings.USER_ID_FIELD)
        columns = ", ".join(quote(f.column) for f in concrete)
        # The model's own table and columns; the id is a parameter.
        sql = f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {quote(lookup.column)} = %s"  # noqa: S608
        converters = []
        for index, field in enumerate(concrete):
            column = field.get_col(model._meta.db_table)
            functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if functions:
                converters.append((index, functions, column))
        _statements[connection.vendor] = (sql, [f.attname for f in concrete], converters)
    return _statements[connection.vendor]


def user_by_id(user_id):
    """The user whose USER_ID_FIELD is `user_id`, or None (a malformed id: None too)."""
    model = get_user_model()
    connection = connections[DATABASE]
    field = model._meta.get_field(api_settings.USER_ID_FIELD)
    try:
        value = field.get_db_prep_value(field.to_python(user_id), connection)
    except Exception:  # noqa: BLE001 - a token with an id that is not one of ours: no such user
        return None
    sql, fields, converters = _statement(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, functions, column in converters:
        for convert in functions:
            values[index] = convert(values[index], column, connection)
    return model.from_db(DATABASE, fields, values)


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as e:
            raise InvalidToken(_("Token contained no recognizable user identification")) from e
        user = user_by_id(user_id)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        return user
