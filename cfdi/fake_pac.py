"""A fake PAC: stamps and cancels like one, for the demo, local runs and the tests. Not SAT's.

`FakePac` does what a PAC checks before stamping (well-formed XML valid against SAT's XSD, a seal
that verifies with the certificate inside the XML, a date within 72 hours), then adds a
TimbreFiscalDigital 1.1 signed with its own throw-away certificate (cfdi.devcerts). Its answers
carry SW Sapien's codes and sentences.

`InProcessFakePac` is a PAC client (cfdi.pac) that calls it directly: CFDI_PAC=fake.
`FakePacServer` serves it over HTTP on 127.0.0.1 speaking SW Sapien's REST protocol (the subset
satcfdi's SWSapien client uses), with switches for the failures a real PAC has: a refusal, a
server error, and an answer that never comes (`hold`), which the client's timeout must cut.
"""

from __future__ import annotations

import base64
import datetime
import email.parser
import email.policy
import json
import re
import threading
import uuid
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lxml import etree
from satcfdi.cfdi import CFDI
from satcfdi.create.cfd.tfd11 import TimbreFiscalDigital
from satcfdi.models import Certificate, Signer

from cfdi.devcerts import make_csd

FAKE_PAC_RFC = "SPR190613I52"
_CFDI_NS = "http://www.sat.gob.mx/cfd/4"
# The XSD allows no full stop in a Leyenda.
LEYENDA = "Timbre de prueba de un PAC simulado: sin validez fiscal"


class FakePacError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        self.code, self.message, self.status = code, message, status
        super().__init__(f"{code} - {message}")


@cache
def _pac_signer() -> Signer:
    csd = make_csd(
        rfc=FAKE_PAC_RFC,
        legal_name="PAC SIMULADO",
        password="fake-pac",
        number="30001000000500003456",
        branch=f"PAC{FAKE_PAC_RFC}",
    )
    return Signer.load(csd.certificate, csd.key, csd.password)


class FakePac:
    """The PAC's rules and its memory of what it stamped and cancelled (per instance)."""

    def __init__(self, *, refused_rfcs: frozenset[str] = frozenset()):
        self.refused_rfcs = refused_rfcs
        self.stamped: dict[str, str] = {}  # UUID -> issuer RFC
        self.cancelled: dict[str, str] = {}  # UUID -> reason

    def stamp(self, xml: bytes) -> tuple[str, bytes]:
        from cfdi.build import validate_xml
        from cfdi.exceptions import CfdiInvalid

        try:
            root = etree.fromstring(xml)
        except etree.XMLSyntaxError as exc:
            raise FakePacError("301", f"XML mal formado. {exc}") from None
        try:
            validate_xml(xml)
        except CfdiInvalid as exc:
            raise FakePacError(
                "CFDI40101", f"El XML no cumple con el esquema del SAT. {exc.detail}"
            ) from None
        cfdi = CFDI.from_xml(root)
        if cfdi.get("Complemento") and "TimbreFiscalDigital" in cfdi["Complemento"]:
            raise FakePacError("307", "El comprobante contiene un timbre previo.")
        certificate = Certificate.load_certificate(base64.b64decode(cfdi["Certificado"]))
        if certificate.certificate_number != cfdi["NoCertificado"]:
            raise FakePacError("CFDI40103", "El NoCertificado no corresponde al certificado del comprobante.")
        if str(certificate.rfc) != cfdi["Emisor"]["Rfc"]:
            raise FakePacError("CFDI40104", "El certificado no corresponde al RFC del emisor.")
        if not certificate.verify_sha256(cfdi.cadena_original().encode(), base64.b64decode(cfdi["Sello"])):
            raise FakePacError(
                "CFDI40102",
                "El resultado de la digestión debe ser igual al resultado de la desencriptación del sello.",
            )
        if abs(datetime.datetime.now() - cfdi["Fecha"]) > datetime.timedelta(hours=72):
            raise FakePacError("CFDI40101", "La fecha de emisión no está dentro de las 72 horas.")
        if cfdi["Receptor"]["Rfc"] in self.refused_rfcs:
            raise FakePacError(
                "CFDI40145",
                "El campo Rfc del receptor no se encuentra en la lista de RFC inscritos no cancelados "
                "del SAT.",
            )
        fiscal_uuid = str(uuid.uuid4()).upper()
        tfd = TimbreFiscalDigital(
            proveedor=_pac_signer(),
            uuid=fiscal_uuid,
            fecha_timbrado=datetime.datetime.now().replace(microsecond=0),
            sello_cfd=cfdi["Sello"],
            leyenda=LEYENDA,
        )
        complemento = root.find(f"{{{_CFDI_NS}}}Complemento")
        if complemento is None:
            complemento = etree.Element(f"{{{_CFDI_NS}}}Complemento")
            addenda = root.find(f"{{{_CFDI_NS}}}Addenda")
            if addenda is not None:
                addenda.addprevious(complemento)
            else:
                root.append(complemento)
        complemento.append(tfd.to_xml(include_schema_location=True))
        self.stamped[fiscal_uuid] = cfdi["Emisor"]["Rfc"]
        return fiscal_uuid, etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def cancel(self, *, rfc: str, fiscal_uuid: str, reason: str, replacement_uuid: str = "") -> str:
        fiscal_uuid = fiscal_uuid.upper()
        if self.stamped.get(fiscal_uuid) != rfc:
            raise FakePacError("205", "UUID no existe o no pertenece al emisor.")
        if reason not in ("01", "02", "03", "04"):
            raise FakePacError("CA301", "Motivo de cancelación no válido.")
        if reason == "01" and not replacement_uuid:
            raise FakePacError("CA302", "El motivo 01 requiere el folio fiscal que sustituye.")
        if fiscal_uuid in self.cancelled:
            return "202"
        self.cancelled[fiscal_uuid] = reason
        return "201"


@cache
def _shared_fake_pac() -> FakePac:
    # One per process: what it stamped is what it can cancel (a restart forgets, so cancelling a
    # demo document stamped by another process is still accepted below).
    return FakePac()


class InProcessFakePac:
    """CFDI_PAC=fake: the fake PAC called directly, answering as cfdi.pac's clients do."""

    def __init__(self, fake: FakePac | None = None):
        self.fake = fake or _shared_fake_pac()

    def stamp(self, xml: bytes):
        from cfdi.pac import PacRefusal, StampResult

        try:
            fiscal_uuid, stamped = self.fake.stamp(bytes(xml))
        except FakePacError as exc:
            raise PacRefusal(exc.code, exc.message) from None
        return StampResult(uuid=fiscal_uuid, xml=stamped)

    def cancel(self, *, xml: bytes, reason: str, replacement_uuid: str = "") -> str:
        from cfdi.pac import PacRefusal

        cfdi = CFDI.from_string(bytes(xml))
        fiscal_uuid = cfdi["Complemento"]["TimbreFiscalDigital"]["UUID"].upper()
        # A document stamped by an earlier process (the demo seed) is known by its own timbre.
        self.fake.stamped.setdefault(fiscal_uuid, cfdi["Emisor"]["Rfc"])
        try:
            return self.fake.cancel(
                rfc=cfdi["Emisor"]["Rfc"],
                fiscal_uuid=fiscal_uuid,
                reason=reason,
                replacement_uuid=replacement_uuid,
            )
        except FakePacError as exc:
            raise PacRefusal(exc.code, exc.message) from None


# --- over HTTP, as SW Sapien ---------------------------------------------------------------------

_CANCEL_PATH = re.compile(r"^/cfdi33/cancel/([^/]+)/([^/]+)/([^/]+)(?:/([^/]+))?/?$")


class _Handler(BaseHTTPRequestHandler):
    server: FakePacServer

    def log_message(self, *args):  # quiet in tests
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, exc: FakePacError) -> None:
        self._answer(
            exc.status, {"status": "error", "message": f"{exc.code} - {exc.message}", "messageDetail": ""}
        )

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append(self.path)
        mode = self.server.mode
        if mode == "hold":
            # A PAC that never answers: hold the connection until the test releases it.
            self.server.release.wait(timeout=30)
            return
        if mode == "error":
            self._answer(500, {"status": "error", "message": "Internal Server Error"})
            return
        if self.path.rstrip("/") == "/security/authenticate":
            # SW nests the token in `data`; satcfdi's client reads it at the top: both are there.
            token = {"token": "fake-token", "expires_in": 4102444800}
            self._answer(200, {"status": "success", "data": token, **token})
            return
        if self.headers.get("Authorization") != "Bearer fake-token":
            self._answer(401, {"status": "error", "message": "AU2000 - Token inválido."})
            return
        if self.path.rstrip("/") == "/v4/cfdi33/stamp/v4":
            try:
                fiscal_uuid, stamped = self.server.fake.stamp(_multipart_file(self.headers, body, "xml"))
            except FakePacError as exc:
                self._error(exc)
                return
            self._answer(200, {"status": "success", "data": {"uuid": fiscal_uuid, "cfdi": stamped.decode()}})
            return
        if match := _CANCEL_PATH.match(self.path):
            rfc, fiscal_uuid, reason, replacement = match.groups()
            try:
                code = self.server.fake.cancel(
                    rfc=rfc, fiscal_uuid=fiscal_uuid, reason=reason, replacement_uuid=replacement or ""
                )
            except FakePacError as exc:
                self._error(exc)
                return
            acuse = f'<Acuse Fecha="{datetime.datetime.now():%Y-%m-%dT%H:%M:%S}" RfcEmisor="{rfc}"/>'
            self._answer(
                200, {"status": "success", "data": {"acuse": acuse, "uuid": {fiscal_uuid.upper(): code}}}
            )
            return
        self._answer(404, {"status": "error", "message": "404 - Not found"})


def _multipart_file(headers, body: bytes, field: str) -> bytes:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + headers.get("Content-Type", "").encode() + b"\r\n\r\n" + body
    )
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == field:
            return part.get_payload(decode=True)
    raise FakePacError("301", "No se recibió el XML.")


class FakePacServer(ThreadingHTTPServer):
    """`with FakePacServer() as pac:` serves on pac.url until the block ends.

    `mode`: "ok" (default), "error" (HTTP 500 to everything), "hold" (never answer).
    `fake.refused_rfcs`: receivers the PAC refuses (CFDI40145).
    """

    daemon_threads = True

    def __init__(self, fake: FakePac | None = None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake or FakePac()
        self.mode = "ok"
        self.requests: list[str] = []
        self.release = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
