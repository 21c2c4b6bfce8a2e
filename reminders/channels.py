"""The channels a reminder leaves by: email through Django's email backend, SMS and WhatsApp through
a text backend named in settings (SMS_BACKEND, WHATSAPP_BACKEND).

A real provider (Twilio, Vonage, Meta's WhatsApp Cloud API, a Mexican aggregator) plugs in as a
class with this interface, named in settings by its dotted path:

    class MyProviderBackend(TextBackend):
        def __init__(self, **options): ...              # read its keys from settings / environment
        def send(self, message: TextMessage) -> str:   # the provider's message id
            ...                                         # raise ChannelError on a refusal or outage

`send` is called outside any database transaction, once per message; raising ChannelError marks
the reminder FAILED with the error's text, and the next run tries it again. The backend must not
retry by itself beyond a quick reconnect (the next run is the retry), and must not log the text
of the message (it carries a family's balance).
"""

from __future__ import annotations

import sys
import threading
import uuid
from dataclasses import dataclass, field
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME
from django.utils.module_loading import import_string


class ChannelError(Exception):
    """The channel refused or failed to take the message (recorded on the reminder, retried later)."""


@dataclass(frozen=True)
class TextMessage:
    to: str  # E.164, e.g. +525512345678
    body: str
    channel: str  # "SMS" or "WHATSAPP"


@dataclass(frozen=True)
class EmailReminder:
    to: str
    subject: str
    body: str
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)  # (filename, content, type)
    reply_to: str = ""  # the school's address: a family's answer reaches its office


class TextBackend:
    """Base of the SMS/WhatsApp backends: `send` one message, answer the provider's id."""

    def __init__(self, **options):
        self.options = options

    def send(self, message: TextMessage) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleTextBackend(TextBackend):
    """Prints each message (the local default), like Django's console email backend."""

    _lock = threading.Lock()

    def __init__(self, stream=None, **options):
        super().__init__(**options)
        self.stream = stream

    def send(self, message: TextMessage) -> str:
        message_id = f"console-{uuid.uuid4().hex[:12]}"
        stream = self.stream or sys.stdout
        with self._lock:
            stream.write(f"--- {message.channel} to {message.to} ({message_id})\n{message.body}\n")
            stream.flush()
        return message_id


class LocmemTextBackend(TextBackend):
    """Keeps the messages in `LocmemTextBackend.outbox` (tests), like Django's locmem email backend."""

    outbox: list[TextMessage] = []

    def send(self, message: TextMessage) -> str:
        type(self).outbox.append(message)
        return f"locmem-{len(type(self).outbox)}"


_backends: dict[str, TextBackend] = {}


def text_backend(channel: str) -> TextBackend:
    """The configured backend for SMS or WHATSAPP (one instance per dotted path and process)."""
    path = settings.WHATSAPP_BACKEND if channel == "WHATSAPP" else settings.SMS_BACKEND
    if path not in _backends:
        _backends[path] = import_string(path)()
    return _backends[path]


def send_text(message: TextMessage) -> str:
    try:
        return text_backend(message.channel).send(message)
    except ChannelError:
        raise
    except Exception as exc:  # a provider's own exception: recorded as the reminder's failure
        raise ChannelError(f"{type(exc).__name__}: {exc}") from exc


def send_email(message: EmailReminder, *, connection=None) -> str:
    """Send one email through Django's backend; its Message-ID, or ChannelError."""
    message_id = make_msgid(domain=DNS_NAME)
    email = EmailMessage(
        subject=message.subject, body=message.body, to=[message.to],
        from_email=settings.DEFAULT_FROM_EMAIL, connection=connection or get_connection(),
        reply_to=[message.reply_to] if message.reply_to else None, headers={"Message-ID": message_id},
    )
    for filename, content, mime_type in message.attachments:
        email.attach(filename, content, mime_type)
    try:
        sent = email.send(fail_silently=False)
    except Exception as exc:  # SMTP refusals and outages alike: the next run retries
        raise ChannelError(f"{type(exc).__name__}: {exc}") from exc
    if not sent:
        raise ChannelError("the email backend sent nothing")
    return message_id
