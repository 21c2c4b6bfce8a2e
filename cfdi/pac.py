"""PAC clients: who stamps and cancels our CFDIs, chosen in settings (CFDI_PAC).

- `swsapien`: satcfdi's SW Sapien client (REST), with a base URL (CFDI_PAC_URL, for its test
  environment or a local fake) and a timeout on every request (CFDI_PAC_TIMEOUT seconds);
- `satcfdi:<module.Class>`: any other satcfdi PAC class (Finkok, Diverza, Prodigia...), built with
  the JSON keyword arguments in CFDI_PAC_OPTIONS (credentials come from the environment);
- `fake`: cfdi.fake_pac in process, for the demo and local runs (its stamps are not SAT's);
- empty: no PAC; stamping answers `pac_not_configured`.

Every client answers the same three ways: a StampResult, PacRefusal (the PAC said no, with its
code and message: the document FAILS with that reason) or PacUnavailable (timeout, connection
error, a 5xx: the job retries later).
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass

import requests
from django.conf import settings
from satcfdi import __version__ as satcfdi_version
from satcfdi.cfdi import CFDI
from satcfdi.exceptions import ResponseError
from satcfdi.pacs import CancelReason, Environment
from satcfdi.pacs.swsapien import SWSapien

from cfdi.exceptions import PacNotConfigured, PacUnavailable


@dataclass(frozen=True)
class StampResult:
    uuid: str
    xml: bytes


class PacRefusal(Exception):
    def __init__(self, code: str, message: str):
        self.code, self.message = code[:40], message
        super().__init__(f"{code}: {message}")


_CODE = re.compile(r"^\s*([A-Z]*\d{3,6})\s*[-:]?\s*")


def _refusal_from_response(response) -> PacRefusal:
    """The PAC's code and sentence from an error answer (SW: {"message": "CFDI40102 - ...", ...})."""
    try:
        body = response.json()
        message = str(body.get("message") or body.get("Message") or "")
        detail = str(body.get("messageDetail") or "")
    except ValueError:
        message, detail = response.text[:500], ""
    match = _CODE.match(message)
    code = match.group(1) if match else str(response.status_code)
    text = (message[match.end() :] if match else message) or detail or f"HTTP {response.status_code}"
    if detail and detail not in text:
        text = f"{text} ({detail})"
    return PacRefusal(code, text.strip())


class SatcfdiPac:
    """Any satcfdi PAC object behind our three answers."""

    def __init__(self, pac):
        self.pac = pac

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ResponseError as exc:
            response = exc.response
            if response is None or response.status_code >= 500:
                raise PacUnavailable() from exc
            raise _refusal_from_response(response) from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise PacUnavailable() from exc

    def stamp(self, xml: bytes) -> StampResult:
        document = self._call(self.pac.stamp, CFDI.from_string(bytes(xml)))
        stamped = document.xml if isinstance(document.xml, bytes) else str(document.xml).encode()
        return StampResult(uuid=str(document.document_id).upper(), xml=stamped)

    def cancel(self, *, xml: bytes, reason: str, replacement_uuid: str = "") -> str:
        """Ask SAT (through the PAC) to cancel a stamped CFDI; the PAC's status code on acceptance."""
        ack = self._call(
            self.pac.cancel, CFDI.from_string(bytes(xml)), CancelReason(reason), replacement_uuid or None
        )
        code = ack.code if isinstance(ack.code, str) else json.dumps(ack.code)
        # 201: request accepted; 202: it was already cancelled. Anything else is a refusal.
        if code not in ("201", "202"):
            raise PacRefusal(code, f"The PAC did not accept the cancellation ({code}).")
        return code


class SWSapienClient(SWSapien):
    """satcfdi's SW Sapien with a configurable host and a timeout on each request.

    satcfdi's own `_request` sends without a timeout, so a PAC that stops answering would hold a
    worker forever; this is the same request with `timeout=`.
    """

    def __init__(self, *, base_url: str = "", timeout: float = 20, **kwargs):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # satcfdi's user/password flow reads these before its first authentication sets them.
        self.token, self.expires_in = None, 0
        super().__init__(**kwargs)

    def _host(self, service="services"):
        return self.base_url or super()._host(service)

    def _request(
        self, path, headers=None, method="post", files=None, json=None, needs_token=True, service="services"
    ):
        response = requests.request(
            method=method,
            url=f"{self._host(service)}/{path.lstrip('/')}",
            headers={
                "Cache-Control": "no-cache",
                "Authorization": self.token_fn() if needs_token else "",
                "User-Agent": satcfdi_version.__user_agent__,
                **(headers or {}),
            },
            json=json,
            files=files,
            timeout=self.timeout,
        )
        if response.ok:
            body = response.json()
            if body.get("status") != "success":
                raise ResponseError(response)
            return body
        raise ResponseError(response)


def pac_client():
    """The PAC client named by settings.CFDI_PAC (see the module docstring)."""
    name = settings.CFDI_PAC
    environment = Environment.TEST if settings.CFDI_PAC_TEST else Environment.PRODUCTION
    if not name:
        raise PacNotConfigured()
    if name == "fake":
        from cfdi.fake_pac import InProcessFakePac

        return InProcessFakePac()
    if name == "swsapien":
        return SatcfdiPac(
            SWSapienClient(
                base_url=settings.CFDI_PAC_URL,
                timeout=settings.CFDI_PAC_TIMEOUT,
                token=settings.CFDI_PAC_TOKEN or None,
                user=settings.CFDI_PAC_USER or None,
                password=settings.CFDI_PAC_PASSWORD or None,
                environment=environment,
            )
        )
    if name.startswith("satcfdi:"):
        module_name, _, class_name = name.removeprefix("satcfdi:").rpartition(".")
        pac_class = getattr(importlib.import_module(module_name), class_name)
        return SatcfdiPac(pac_class(environment=environment, **settings.CFDI_PAC_OPTIONS))
    raise PacNotConfigured(f"Unknown CFDI_PAC {name!r}: use swsapien, satcfdi:<module.Class> or fake.")
