"""Channels: email through Django's backend (EMAIL_URL), SMS/WhatsApp through the configured class."""

import io

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from config.email import email_settings_from_url
from reminders import channels
from reminders.channels import ChannelError, ConsoleTextBackend, EmailReminder, TextMessage


def test_email_leaves_through_djangos_backend_with_its_attachment(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "Cobranza <cobranza@colegio.mx>"

    message_id = channels.send_email(EmailReminder(
        to="mama@example.com", subject="Recordatorio", body="Saldo $6,900.00",
        attachments=[("estado.pdf", b"%PDF-1.7", "application/pdf")], reply_to="caja@colegio.mx",
    ))

    [sent] = mail.outbox
    assert sent.to == ["mama@example.com"] and sent.reply_to == ["caja@colegio.mx"]
    assert sent.from_email == "Cobranza <cobranza@colegio.mx>"
    assert sent.attachments == [("estado.pdf", b"%PDF-1.7", "application/pdf")]
    assert sent.extra_headers["Message-ID"] == message_id


def test_an_email_backend_failure_is_a_channel_error(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens

    with pytest.raises(ChannelError):
        channels.send_email(EmailReminder(to="a@example.com", subject="s", body="b"))


def test_console_text_backend_prints_the_message():
    stream = io.StringIO()

    message_id = ConsoleTextBackend(stream=stream).send(
        TextMessage(to="+525512345678", body="Saldo pendiente", channel="SMS")
    )

    assert stream.getvalue() == f"--- SMS to +525512345678 ({message_id})\nSaldo pendiente\n"


def test_text_backend_is_the_class_named_in_settings(settings):
    settings.WHATSAPP_BACKEND = "reminders.channels.LocmemTextBackend"
    channels.LocmemTextBackend.outbox.clear()

    channels.send_text(TextMessage(to="+525512345678", body="Hola", channel="WHATSAPP"))

    assert channels.LocmemTextBackend.outbox == [
        TextMessage(to="+525512345678", body="Hola", channel="WHATSAPP")
    ]


def test_a_providers_own_exception_becomes_a_channel_error(settings):
    settings.SMS_BACKEND = "tests.reminders.test_channels.BrokenProvider"

    with pytest.raises(ChannelError, match="TimeoutError: provider down"):
        channels.send_text(TextMessage(to="+525512345678", body="Hola", channel="SMS"))


class BrokenProvider(channels.TextBackend):
    def send(self, message):
        raise TimeoutError("provider down")


@pytest.mark.parametrize(("url", "expected"), [
    ("console://", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
    ("file:///tmp/mail", {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                          "EMAIL_FILE_PATH": "/tmp/mail"}),
    ("smtp://user%40x.mx:p%3Ass@mail.x.mx:2525?tls=false", {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "mail.x.mx",
        "EMAIL_PORT": 2525, "EMAIL_HOST_USER": "user@x.mx", "EMAIL_HOST_PASSWORD": "p:ss",
        "EMAIL_USE_SSL": False, "EMAIL_USE_TLS": False}),
    ("smtps://u:p@mail.x.mx", {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "mail.x.mx",
        "EMAIL_PORT": 465, "EMAIL_HOST_USER": "u", "EMAIL_HOST_PASSWORD": "p",
        "EMAIL_USE_SSL": True, "EMAIL_USE_TLS": False}),
])
def test_email_url_gives_the_email_settings(url, expected):
    assert email_settings_from_url(url) == expected


@pytest.mark.parametrize("url", ["gopher://x", "smtp://", "file://", "smtp://h:notaport"])
def test_a_bad_email_url_stops_startup(url):
    with pytest.raises(ImproperlyConfigured):
        email_settings_from_url(url)
