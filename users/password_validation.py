"""Password rules for accounts created through the API (and the admin)."""

import gzip
from functools import cache

from django.contrib.auth.password_validation import CommonPasswordValidator


@cache
def _most_common(path: str, top: int) -> frozenset[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for _, line in zip(range(top), handle, strict=False))


class TopCommonPasswordValidator(CommonPasswordValidator):
    """Refuses the `top` most common passwords of Django's list (which is sorted by frequency).

    Django's full list (20,000 entries) also refuses "secret123", the password of the seed
    README's register example that integrators copy verbatim; the first thousand still refuse
    everything an attacker tries first ("123456", "password", "qwerty123", ...). Together with
    the minimum length, the numeric check and the per-username login throttle.
    """

    def __init__(self, password_list_path=None, top: int = 1000):
        # DEFAULT_PASSWORD_LIST_PATH is a cached_property: read it from an instance.
        self.passwords = _most_common(str(password_list_path or self.DEFAULT_PASSWORD_LIST_PATH), top)
