"""Email settings from one URL (`EMAIL_URL`), or from Django's usual variables when it is unset.

    console://                         print each message (the default)
    file:///var/spool/billing-mail     one .log file per message, in that folder (the demo)
    smtp://user:password@host:587?tls=true   (or ?ssl=true; smtps:// implies SSL, port 465)
    locmem://  dummy://                tests, or sending nothing

A bad URL stops startup with ImproperlyConfigured, like every other setting.
"""

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
_TRUE = {"1", "true", "yes", "on"}


def email_settings_from_url(url: str) -> dict:
    """The EMAIL_* settings an EMAIL_URL stands for."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _BACKENDS:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme must be one of {', '.join(sorted(_BACKENDS))}; got {url.split(':', 1)[0]!r}"
        )
    config = {"EMAIL_BACKEND": _BACKENDS[scheme]}
    if scheme == "file":
        path = unquote(parts.netloc + parts.path)
        if not path:
            raise ImproperlyConfigured("EMAIL_URL file:// needs a folder, e.g. file:///var/spool/billing-mail")
        config["EMAIL_FILE_PATH"] = path
    elif scheme in {"smtp", "smtps"}:
        if not parts.hostname:
            raise ImproperlyConfigured("EMAIL_URL smtp:// needs a host, e.g. smtp://user:pass@mail.example.com:587")
        query = {key: values[-1].lower() for key, values in parse_qs(parts.query).items()}
        use_ssl = scheme == "smtps" or query.get("ssl") in _TRUE
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"EMAIL_URL has a bad port: {url!r}") from None
        config.update({
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": port or (465 if use_ssl else 587),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": use_ssl,
            "EMAIL_USE_TLS": not use_ssl and query.get("tls", "true") in _TRUE,
        })
    return config
