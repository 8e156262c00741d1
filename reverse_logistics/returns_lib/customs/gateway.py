"""SOAP customs gateway client (zeep), speaking the addon's gateway contract.

The contract (``wsdl/customs_gateway.wsdl`` and the messages in ``wsdl/customs_gateway.xsd``) makes the
LRN the idempotency key: a retry of a submission that timed out cannot register the declaration twice,
so the caller retries under the same LRN, never a new one. Every call is archived as an
:class:`Exchange` (the request and response bytes as they went over the wire, WS-Security header
included, with their SHA-256), also when it fails: the exception carries it.

Errors map to a few exceptions; ``error.retryable`` tells the caller what to do:

======================================  =========  ===================================================
exception                               retryable  when
======================================  =========  ===================================================
:class:`GatewayTimeout`                 yes        no answer within the timeout (outcome unknown)
:class:`GatewayUnavailable`             yes        connection refused/reset, DNS, TLS, HTTP 5xx/408/429
                                                   without a SOAP fault, WSDL not reachable
:class:`GatewayProtocolError`           yes        the answer is not the contract's SOAP message: malformed
                                                   or truncated XML, a DTD or entities, a notification
                                                   message that cannot be read (outcome unknown: asking
                                                   again under the same LRN is safe, and attempts are capped)
:class:`GatewayFault`                   by code    SOAP fault: ``Server``/``Receiver`` codes yes, ``Client``/
                                                   ``Sender`` codes no (the same request fails again)
:class:`GatewayAuthenticationError`     no         WS-Security refused (``Client.Authentication``, the
                                                   ``wsse:Failed*``/``wsse:Invalid*`` codes), HTTP 401/403
:class:`GatewayConfigurationError`      no         unusable WSDL, service/port, key or certificate, HTTP
                                                   404, plain HTTP or no TLS check in production
======================================  =========  ===================================================

Other gateways (national systems) plug in by implementing :class:`GatewayAdapter`.
"""

from __future__ import annotations

import base64
import hashlib
import random
import threading
import time
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import requests
from lxml import etree

from ..safe_xml import UnsafeXmlError

if TYPE_CHECKING:
    import datetime as dt

CONTRACT_DIR = Path(__file__).parent / "wsdl"
CONTRACT_WSDL = CONTRACT_DIR / "customs_gateway.wsdl"
CONTRACT_XSD = CONTRACT_DIR / "customs_gateway.xsd"
NAMESPACE = "urn:reverse-logistics:customs-gateway:1"
BINDING = f"{{{NAMESPACE}}}CustomsGatewayBinding"
ENVIRONMENTS = ("test", "production")

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
    environment: str = "test"  # "production" insists on HTTPS with certificate checks
    timeout: float = 30.0  # seconds to wait for each read of an answer (and to load the WSDL)
    connect_timeout: float | None = None  # seconds to connect; default: ``timeout``
    username: str | None = None  # WS-Security UsernameToken with password digest
    password: str | None = None
    certificate_file: str | None = None  # WS-Security X.509 signature: certificate (PEM or DER)...
    key_file: str | None = None  # ... and its RSA private key (PEM)
    key_password: str | None = None
    verify_tls: bool = True


@dataclass
class Exchange:
    """One call as it went over the wire."""

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
    """No answer in time: the gateway may or may not have the request. Retry under the same LRN."""

    retryable = True


class GatewayUnavailable(GatewayError):
    """Connection refused, DNS or TLS failure, HTTP 5xx (or 408/429) without a SOAP fault."""

    retryable = True


class GatewayProtocolError(GatewayError):
    """The answer is not the SOAP message the contract promises (malformed XML, a DTD, entities...)."""

    retryable = True


class GatewayConfigurationError(GatewayError):
    """The gateway cannot be used as configured: a person must fix the configuration."""


class GatewayFault(GatewayError):
    """The gateway answered with a SOAP fault. ``Server`` faults are worth retrying, ``Client`` ones not."""

    def __init__(self, message, code=None, exchange=None, retryable=False):
        super().__init__(message, exchange)
        self.code = code
        self.retryable = retryable


class GatewayAuthenticationError(GatewayFault):
    """The gateway refused the credentials or the signature."""


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
    issued_at: dt.datetime | None
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
    """Seconds to wait before retry ``attempt`` (1, 2, ...): exponential from ``base``, capped at ``cap``,
    with jitter: a random part of the upper half, so that many declarations failing together do not
    come back together. ``rng`` returns a float in [0, 1); tests pass a fixed one."""
    delay = min(cap, base * (2 ** min(max(attempt - 1, 0), 60)))
    return delay * (0.5 + rng() / 2)


class GatewayAdapter:
    """What the addon needs of a customs gateway; national gateways implement it.

    Each method returns a :class:`CallResult` whose ``exchange`` is archived with the declaration, and
    raises :class:`GatewayError` subclasses (carrying the exchange) for anything but success.
    ``submit`` must be idempotent by LRN.
    """

    def submit(self, lrn: str, payload: bytes) -> CallResult:
        """Acknowledgement of the declaration ``payload`` (WCO DEC-DMS XML) under ``lrn``."""
        raise NotImplementedError

    def notifications(self, lrn: str, after_sequence: int = 0) -> CallResult:
        """The :class:`Notification` tuple issued for ``lrn`` after ``after_sequence``."""
        raise NotImplementedError

    def cancel(self, lrn: str, reason: str) -> CallResult:
        """``"requested"`` or ``"refused"``; customs' decision follows as a notification."""
        raise NotImplementedError


class _Recorder(threading.local):
    """The bytes that went out (WS-Security header included) and came back, per thread."""

    request = b""
    response = b""
    http_status = None

    def reset(self):
        self.request = self.response = b""
        self.http_status = None


def _transport(config: GatewayConfig, recorder: _Recorder):
    from zeep.cache import InMemoryCache
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
    # A WSDL fetched over HTTP(S) is kept for an hour by every client of the process.
    cache = InMemoryCache(timeout=3600) if config.wsdl.startswith(("http://", "https://")) else None
    # A (connect, read) pair only when asked for: a plain number is what most wrappers of requests expect
    # (Odoo's test mode compares it with 10).
    timeouts = (config.connect_timeout, config.timeout) if config.connect_timeout else config.timeout
    return RecordingTransport(session=session, cache=cache, timeout=config.timeout, operation_timeout=timeouts)


def _fault_kind(code: str, message: str):
    """(exception class, retryable) for a SOAP fault code such as ``soap:Server`` or ``wsse:FailedCheck``."""
    local = code.rsplit(":", 1)[-1]
    head = local.split(".", 1)[0]
    wsse_failure = local in ("FailedAuthentication", "InvalidSecurityToken", "FailedCheck", "InvalidSecurity",
                             "UnsupportedSecurityToken", "SecurityTokenUnavailable", "MessageExpired")
    if wsse_failure or local.startswith("Client.Authentication") or (
        head in ("Client", "Sender", "") and "authenticat" in message.lower()
    ):
        return GatewayAuthenticationError, False
    return GatewayFault, head in ("Server", "Receiver")


class SoapGatewayClient(GatewayAdapter):
    """The addon's own contract over SOAP 1.1, with zeep.

    The WSDL is read at the first call, so that building the client never fails: every problem,
    configuration included, comes out of the calls as a :class:`GatewayError`.
    """

    def __init__(self, config: GatewayConfig):
        self.config = config
        self._recorder = _Recorder()
        self._service = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------
    def _wsse(self):
        config = self.config
        plugins = []
        if config.username:
            from zeep.wsse.username import UsernameToken

            plugins.append(UsernameToken(config.username, config.password or "", use_digest=True))
        if config.certificate_file or config.key_file:
            from .wsse import WsseConfigurationError, X509Signature

            if not (config.certificate_file and config.key_file):
                raise GatewayConfigurationError("An X.509 signature needs both the certificate and the private key.")
            try:
                plugins.append(X509Signature(config.key_file, config.certificate_file, config.key_password))
            except WsseConfigurationError as error:
                raise GatewayConfigurationError(str(error)) from error
        if not plugins:
            return None
        if len(plugins) == 1:
            return plugins[0]
        from .wsse import WsseChain

        return WsseChain(*plugins)

    def _build_service(self):
        from zeep import Client, Settings

        config = self.config
        if config.environment not in ENVIRONMENTS:
            raise GatewayConfigurationError(f"Unknown gateway environment {config.environment!r}.")
        # Hardened parsing of everything that comes back: no DTD, no entities, no network, no huge trees.
        settings = Settings(strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True,
                            xml_huge_tree=False)
        client = Client(config.wsdl, settings=settings, transport=_transport(config, self._recorder),
                        wsse=self._wsse())
        if config.endpoint:
            service = client.create_service(self._binding_name(client), config.endpoint)
        elif config.service or config.port:
            service = client.bind(config.service, config.port)
        else:
            service = client.service
        address = service._binding_options.get("address") or ""
        if config.environment == "production":
            if not address.startswith("https://"):
                raise GatewayConfigurationError(
                    f"A production gateway must be reached over HTTPS, not at {address or 'no address'}."
                )
            if not config.verify_tls:
                raise GatewayConfigurationError("A production gateway's TLS certificate must be checked.")
        return service

    def _binding_name(self, client):
        """The binding to call at the endpoint override: the chosen port's, else the contract's, else the first."""
        wsdl = client.wsdl
        if self.config.service or self.config.port:
            service = wsdl.services[self.config.service] if self.config.service else next(iter(wsdl.services.values()))
            port = service.ports[self.config.port] if self.config.port else next(iter(service.ports.values()))
            return port.binding.name
        return BINDING if BINDING in wsdl.bindings else next(iter(wsdl.bindings))

    def _ensure_service(self, exchange, started):
        if self._service is not None:
            return self._service
        from zeep.exceptions import Error as ZeepError

        with self._lock:
            if self._service is None:
                try:
                    self._service = self._build_service()
                except GatewayError as error:
                    self._complete(exchange, started, error)
                    error.exchange = exchange
                    raise
                except requests.Timeout as error:
                    raise self._fail(GatewayTimeout, "The customs gateway's WSDL did not load in time.", exchange,
                                     started, error) from error
                except requests.RequestException as error:
                    raise self._fail(GatewayUnavailable, f"The customs gateway's WSDL cannot be loaded: {error}",
                                     exchange, started, error) from error
                except (ZeepError, etree.LxmlError, OSError, ValueError, LookupError) as error:
                    raise self._fail(GatewayConfigurationError,
                                     f"The customs gateway's WSDL, service or port cannot be used: {error}",
                                     exchange, started, error) from error
        return self._service

    def _call(self, operation, **kwargs):
        from zeep import exceptions as zeep_exceptions

        self._recorder.reset()
        exchange = Exchange(operation)
        started = time.monotonic()
        service = self._ensure_service(exchange, started)
        timeout = self.config.timeout
        try:
            value = getattr(service, operation)(**kwargs)
        except requests.Timeout as error:
            raise self._fail(GatewayTimeout, f"The customs gateway did not answer within {timeout:g} s.",
                             exchange, started, error) from error
        except requests.exceptions.SSLError as error:
            raise self._fail(GatewayUnavailable, f"The TLS connection to the customs gateway failed: {error}",
                             exchange, started, error) from error
        except requests.ConnectionError as error:
            raise self._fail(GatewayUnavailable, "The customs gateway cannot be reached.", exchange, started,
                             error) from error
        except requests.RequestException as error:
            raise self._fail(GatewayConfigurationError, f"The customs gateway's address is not usable: {error}",
                             exchange, started, error) from error
        except zeep_exceptions.Fault as fault:
            if fault.code is None and self._recorder.http_status != 200:
                # No soap:Fault in the answer: an error page that happens to be XML. Judge it by its HTTP status.
                error = zeep_exceptions.TransportError(fault.message, status_code=self._recorder.http_status or 0)
                raise self._http_error(error, exchange, started) from fault
            code = fault.code if isinstance(fault.code, str) else str(fault.code or "")
            cls, retryable = _fault_kind(code, fault.message or "")
            error = cls(f"The customs gateway refused the request: {fault.message}", code=code, retryable=retryable)
            self._complete(exchange, started, fault)
            error.exchange = exchange
            raise error from fault
        except zeep_exceptions.TransportError as error:
            raise self._http_error(error, exchange, started) from error
        except (zeep_exceptions.DTDForbidden, zeep_exceptions.EntitiesForbidden) as error:
            raise self._fail(GatewayProtocolError,
                             "The customs gateway's answer declares a DTD or XML entities: refused, not parsed.",
                             exchange, started, error) from error
        except (zeep_exceptions.XMLSyntaxError, zeep_exceptions.XMLParseError, etree.XMLSyntaxError) as error:
            raise self._fail(GatewayProtocolError, f"The customs gateway's answer is not valid: {error}",
                             exchange, started, error) from error
        except zeep_exceptions.ValidationError as error:
            raise self._fail(GatewayConfigurationError, f"The request does not fit the gateway's WSDL: {error}",
                             exchange, started, error) from error
        self._complete(exchange, started)
        return value, exchange

    def _http_error(self, error, exchange, started):
        status = error.status_code or 0
        if status >= 500 or status in (408, 429):
            return self._fail(GatewayUnavailable, f"The customs gateway answered HTTP {status}.", exchange, started,
                              error)
        if status in (401, 403):
            failure = GatewayAuthenticationError(f"The customs gateway refused the credentials (HTTP {status}).",
                                                 code=f"HTTP {status}")
            self._complete(exchange, started, error)
            failure.exchange = exchange
            return failure
        if status in (404, 405):
            return self._fail(GatewayConfigurationError,
                              f"The customs gateway has no service at this address (HTTP {status}): check the "
                              "endpoint.", exchange, started, error)
        if 400 <= status < 500:
            failure = GatewayFault(f"The customs gateway refused the request (HTTP {status}).", code=f"HTTP {status}")
            self._complete(exchange, started, error)
            failure.exchange = exchange
            return failure
        # zeep reports an unparseable answer as a transport error of its HTTP status.
        return self._fail(GatewayProtocolError, f"The customs gateway's answer is not valid: {error.message}",
                          exchange, started, error)

    def _complete(self, exchange, started, error=None):
        exchange.request = self._recorder.request
        exchange.response = self._recorder.response
        exchange.http_status = self._recorder.http_status
        exchange.duration = time.monotonic() - started
        exchange.error = f"{type(error).__name__}: {error}" if error else None

    def _fail(self, cls, message, exchange, started, error):
        self._complete(exchange, started, error)
        return cls(message, exchange=exchange)

    # ------------------------------------------------------------------
    def submit(self, lrn, payload):
        value, exchange = self._call(
            "SubmitDeclaration", lrn=lrn, payload=payload, payloadSha256=hashlib.sha256(payload).hexdigest()
        )
        return CallResult(Acknowledgement(value.lrn, value.status, value.receivedAt, value.conversationId), exchange)

    def notifications(self, lrn, after_sequence=0):
        value, exchange = self._call("GetNotifications", lrn=lrn, afterSequence=after_sequence)
        items = value or []
        if not isinstance(items, list):
            items = getattr(items, "notification", None) or []
        notifications = []
        for item in items:
            notification = Notification(
                sequence=item.sequence,
                function_code=item.functionCode,
                issued_at=item.issuedAt,
                mrn=item.mrn,
                tax_amount=item.taxAmount,
                currency=item.currency,
                errors=tuple(NotificationError(e.code, e.description or "", e.pointer or "") for e in item.error or []),
                message=item.message,
            )
            try:
                notifications.append(self._complete_from_message(notification))
            except (UnsafeXmlError, etree.XMLSyntaxError, ValueError) as error:
                exchange.error = f"{type(error).__name__}: {error}"
                raise GatewayProtocolError(
                    f"Notification {notification.sequence} of {lrn} carries a customs message that cannot be read "
                    f"safely: {error}", exchange=exchange,
                ) from error
        return CallResult(tuple(notifications), exchange)

    @staticmethod
    def _complete_from_message(notification):
        """Fill what the gateway left out from the RES-DMS message it passed along (parsed safely)."""
        if not notification.message:
            return notification
        from .dms_notification import parse_dms_notification

        parsed, _lrn = parse_dms_notification(notification.message, notification.sequence)
        return replace(
            notification,
            issued_at=notification.issued_at or parsed.issued_at,
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
