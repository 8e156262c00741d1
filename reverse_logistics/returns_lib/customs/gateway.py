"""SOAP customs gateway client (zeep), speaking the addon's gateway contract.

The contract (``wsdl/customs_gateway.wsdl``) makes the LRN the idempotency key: a retry of a
submission that timed out cannot register the declaration twice. Every call is archived as
an :class:`Exchange` (request and response bytes with their SHA-256), also when it fails:
the exception carries it.

Errors map to a few exceptions the caller acts on: retry later (:class:`GatewayTimeout`,
:class:`GatewayUnavailable`, :class:`GatewayProtocolError`) or fix something
(:class:`GatewayFault`, :class:`GatewayAuthenticationError`).

Other gateways (national systems) plug in by implementing :class:`GatewayAdapter`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import requests
from lxml import etree

CONTRACT_WSDL = Path(__file__).parent / "wsdl" / "customs_gateway.wsdl"
NAMESPACE = "urn:reverse-logistics:customs-gateway:1"
BINDING = f"{{{NAMESPACE}}}CustomsGatewayBinding"

NOTIFICATION_KINDS = {
    "01": "accepted",
    "02": "received",
    "03": "rejected",
    "05": "control",
    "06": "documents_required",
    "07": "amended",
    "08": "released",
    "09": "cleared",
    "10": "invalidated",
    "11": "information_requested",
    "13": "tax_calculation",
    "14": "insufficient_payment",
    "15": "payment_reminder",
    "16": "exited",
    "18": "general_error",
}


@dataclass(frozen=True)
class GatewayConfig:
    wsdl: str = str(CONTRACT_WSDL)  # a URL or a file path
    endpoint: str | None = None  # overrides the WSDL's address
    service: str | None = None  # WSDL service and port to use, when the WSDL has several
    port: str | None = None
    timeout: float = 30.0  # seconds, connection and each read
    username: str | None = None
    password: str | None = None  # WS-Security UsernameToken with password digest
    certificate_file: str | None = None  # X.509 signature (PEM), with key_file
    key_file: str | None = None
    verify_tls: bool = True


@dataclass
class Exchange:
    operation: str
    request: bytes = b""
    response: bytes = b""
    http_status: int | None = None
    duration: float = 0.0
    error: str | None = None

    @property
    def request_sha256(self) -> str:
        return hashlib.sha256(self.request).hexdigest()

    @property
    def response_sha256(self) -> str:
        return hashlib.sha256(self.response).hexdigest() if self.response else ""


class GatewayError(Exception):
    retryable = False

    def __init__(self, message, exchange: Exchange | None = None):
        super().__init__(message)
        self.exchange = exchange


class GatewayTimeout(GatewayError):
    retryable = True


class GatewayUnavailable(GatewayError):
    """Connection refused, DNS failure, HTTP 5xx without a SOAP fault."""

    retryable = True


class GatewayProtocolError(GatewayError):
    """The answer is not the SOAP message the contract promises (malformed XML, entities...)."""

    retryable = True


class GatewayFault(GatewayError):
    """The gateway refused the request with a SOAP fault: retrying the same request will not help."""

    def __init__(self, message, code=None, exchange=None):
        super().__init__(message, exchange)
        self.code = code


class GatewayAuthenticationError(GatewayFault):
    pass


@dataclass(frozen=True)
class Acknowledgement:
    lrn: str
    status: str  # received | duplicate
    received_at: dt.datetime
    conversation_id: str


@dataclass(frozen=True)
class NotificationError:
    code: str
    description: str = ""
    pointer: str = ""


@dataclass(frozen=True)
class Notification:
    sequence: int
    function_code: str
    issued_at: dt.datetime
    mrn: str | None = None
    tax_amount: Decimal | None = None
    currency: str | None = None
    errors: tuple[NotificationError, ...] = ()
    message: bytes | None = None

    @property
    def kind(self) -> str:
        return NOTIFICATION_KINDS.get(self.function_code, "unknown")


@dataclass(frozen=True)
class CallResult:
    value: object
    exchange: Exchange
    extra: dict = field(default_factory=dict)


def backoff_delay(attempt: int, base: float = 60.0, cap: float = 6 * 3600.0, rng=random.random) -> float:
    """Seconds to wait before retry ``attempt`` (1, 2, ...): exponential, capped, with jitter."""
    delay = min(cap, base * (2 ** max(attempt - 1, 0)))
    return delay * (0.5 + rng() / 2)


class GatewayAdapter:
    """What the addon needs of a customs gateway; national gateways implement it."""

    def submit(self, lrn: str, payload: bytes) -> CallResult:
        raise NotImplementedError

    def notifications(self, lrn: str, after_sequence: int = 0) -> CallResult:
        raise NotImplementedError

    def cancel(self, lrn: str, reason: str) -> CallResult:
        raise NotImplementedError


class _Recorder:
    """The bytes that went out (WS-Security header included) and came back, per call."""

    def __init__(self):
        self.request = b""
        self.response = b""
        self.http_status = None


class _RecordingTransport:
    """Factory of a zeep Transport that keeps the raw response (zeep parses it afterwards)."""

    @staticmethod
    def build(config: GatewayConfig, recorder):
        from zeep.transports import Transport

        class RecordingTransport(Transport):
            def post(self, address, message, headers):
                recorder.request = message if isinstance(message, bytes) else message.encode()
                response = super().post(address, message, headers)
                recorder.response = response.content
                recorder.http_status = response.status_code
                return response

        session = requests.Session()
        session.verify = config.verify_tls
        return RecordingTransport(session=session, timeout=config.timeout, operation_timeout=config.timeout)


class SoapGatewayClient(GatewayAdapter):
    """The addon's own contract over SOAP 1.1, with zeep."""

    def __init__(self, config: GatewayConfig):
        from zeep import Client, Settings

        self.config = config
        self._recorder = _Recorder()
        # Hardened parsing of everything that comes back: no DTD, no entities, no network.
        settings = Settings(strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True,
                            xml_huge_tree=False)
        wsse = None
        if config.certificate_file and config.key_file:
            from zeep.wsse.signature import Signature

            wsse = Signature(config.key_file, config.certificate_file)
        elif config.username:
            from zeep.wsse.username import UsernameToken

            wsse = UsernameToken(config.username, config.password or "", use_digest=True)
        transport = _RecordingTransport.build(config, self._recorder)
        self._client = Client(config.wsdl, settings=settings, transport=transport, wsse=wsse)
        if config.endpoint:
            self._service = self._client.create_service(BINDING, config.endpoint)
        elif config.service or config.port:
            self._service = self._client.bind(config.service, config.port)
        else:
            self._service = self._client.service

    # ------------------------------------------------------------------
    def _call(self, operation, **kwargs):
        from zeep.exceptions import Fault, TransportError, XMLParseError, XMLSyntaxError

        self._recorder.request = self._recorder.response = b""
        self._recorder.http_status = None
        exchange = Exchange(operation)
        started = time.monotonic()
        try:
            value = getattr(self._service, operation)(**kwargs)
        except requests.Timeout as error:
            raise self._fail(GatewayTimeout, f"The customs gateway did not answer within {self.config.timeout:g} s.",
                             exchange, started, error) from error
        except requests.ConnectionError as error:
            raise self._fail(GatewayUnavailable, "The customs gateway cannot be reached.", exchange, started,
                             error) from error
        except Fault as fault:
            code = fault.code if isinstance(fault.code, str) else str(fault.code or "")
            cls = GatewayAuthenticationError if "auth" in (code + (fault.message or "")).lower() else GatewayFault
            error = self._fail(cls, f"The customs gateway refused the request: {fault.message}", exchange, started,
                               fault)
            error.code = code
            raise error from fault
        except TransportError as error:
            if (error.status_code or 0) >= 500:
                raise self._fail(GatewayUnavailable, f"The customs gateway answered HTTP {error.status_code}.",
                                 exchange, started, error) from error
            # zeep reports an unparseable answer as a transport error of its HTTP status.
            raise self._fail(GatewayProtocolError, f"The customs gateway's answer is not valid: {error.message}",
                             exchange, started, error) from error
        except (XMLSyntaxError, XMLParseError, etree.XMLSyntaxError, ValueError) as error:
            raise self._fail(GatewayProtocolError, f"The customs gateway's answer is not valid: {error}",
                             exchange, started, error) from error
        except Exception as error:  # zeep raises DTDForbidden/EntitiesForbidden from defusedxml-like checks
            if type(error).__name__ in ("DTDForbidden", "EntitiesForbidden", "ExternalReferenceForbidden"):
                raise self._fail(GatewayProtocolError, "The customs gateway's answer declares XML entities: refused.",
                                 exchange, started, error) from error
            raise
        self._complete(exchange, started)
        return value, exchange

    def _complete(self, exchange, started, error=None):
        exchange.request = self._recorder.request
        exchange.response = self._recorder.response
        exchange.http_status = self._recorder.http_status
        exchange.duration = time.monotonic() - started
        exchange.error = str(error) if error else None

    def _fail(self, cls, message, exchange, started, error):
        self._complete(exchange, started, error)
        return cls(message, exchange=exchange)

    # ------------------------------------------------------------------
    def submit(self, lrn, payload):
        value, exchange = self._call(
            "SubmitDeclaration", lrn=lrn, payload=payload, payloadSha256=hashlib.sha256(payload).hexdigest()
        )
        return CallResult(
            Acknowledgement(value.lrn, value.status, value.receivedAt, value.conversationId), exchange
        )

    def notifications(self, lrn, after_sequence=0):
        value, exchange = self._call("GetNotifications", lrn=lrn, afterSequence=after_sequence)
        items = value or []
        if not isinstance(items, list):
            items = getattr(items, "notification", None) or []
        notifications = tuple(
            Notification(
                sequence=item.sequence,
                function_code=item.functionCode,
                issued_at=item.issuedAt,
                mrn=item.mrn,
                tax_amount=item.taxAmount,
                currency=item.currency,
                errors=tuple(NotificationError(e.code, e.description or "", e.pointer or "") for e in item.error or []),
                message=item.message,
            )
            for item in items
        )
        return CallResult(tuple(self._complete_from_message(n) for n in notifications), exchange)

    @staticmethod
    def _complete_from_message(notification):
        """Fill what the gateway left out from the RES-DMS message it passed along."""
        if not notification.message or (notification.errors and notification.mrn):
            return notification
        from dataclasses import replace

        from .dms_notification import parse_dms_notification

        parsed, _lrn = parse_dms_notification(notification.message, notification.sequence)
        return replace(
            notification,
            mrn=notification.mrn or parsed.mrn,
            errors=notification.errors or parsed.errors,
            tax_amount=notification.tax_amount if notification.tax_amount is not None else parsed.tax_amount,
            currency=notification.currency or parsed.currency,
        )

    def cancel(self, lrn, reason):
        value, exchange = self._call("CancelDeclaration", lrn=lrn, reason=reason)
        return CallResult(value.status, exchange)


def encode_payload(xml: bytes) -> str:
    return base64.b64encode(xml).decode()
