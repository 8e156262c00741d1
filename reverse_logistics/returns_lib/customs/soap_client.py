"""The addon's own customs gateway contract over SOAP 1.1, with zeep: :class:`SoapGatewayClient`.

The contract is ``wsdl/customs_gateway.wsdl`` with its messages in ``wsdl/customs_gateway.xsd``. The client
implements :class:`~.gateway.GatewayAdapter` and maps every failure (transport, HTTP, SOAP fault, unsafe or
malformed XML, configuration) to the :class:`~.gateway.GatewayError` subclasses described in
:mod:`.gateway`, each carrying the archived :class:`~.gateway.Exchange`. Notifications take what the gateway
filled in (MRN, errors, taxes per type) and complete it from the RES-DMS message customs sent, read by
:mod:`.dms_notification`.

This module imports ``gateway`` and ``dms_notification``; neither imports it. The names of the contract it
uses (``GatewayConfig``, ``CONTRACT_WSDL``, the errors...) are importable from here too, so that code that
builds a client needs this module only.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from dataclasses import replace

import requests
from lxml import etree

from ..safe_xml import UnsafeXmlError
from .dms_notification import parse_dms_notification
from .gateway import (
    BINDING,
    CONTRACT_DIR,
    CONTRACT_WSDL,
    CONTRACT_XSD,
    ENVIRONMENTS,
    NAMESPACE,
    NOTIFICATION_KINDS,
    Acknowledgement,
    CallResult,
    Exchange,
    GatewayAdapter,
    GatewayAuthenticationError,
    GatewayConfig,
    GatewayConfigurationError,
    GatewayError,
    GatewayFault,
    GatewayProtocolError,
    GatewayTimeout,
    GatewayUnavailable,
    Notification,
    NotificationError,
    TaxAssessment,
    backoff_delay,
    tax_total,
)

__all__ = [
    "BINDING", "CONTRACT_DIR", "CONTRACT_WSDL", "CONTRACT_XSD", "ENVIRONMENTS", "NAMESPACE", "NOTIFICATION_KINDS",
    "Acknowledgement", "CallResult", "Exchange", "GatewayAdapter", "GatewayAuthenticationError", "GatewayConfig",
    "GatewayConfigurationError", "GatewayError", "GatewayFault", "GatewayProtocolError", "GatewayTimeout",
    "GatewayUnavailable", "Notification", "NotificationError", "SoapGatewayClient", "TaxAssessment",
    "backoff_delay", "encode_payload",
]


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
            currency = getattr(item, "currency", None)
            notification = Notification(
                sequence=item.sequence,
                function_code=item.functionCode,
                issued_at=item.issuedAt,
                mrn=getattr(item, "mrn", None),
                tax_amount=getattr(item, "taxAmount", None),
                currency=currency,
                errors=tuple(
                    NotificationError(e.code, getattr(e, "description", None) or "", getattr(e, "pointer", None) or "")
                    for e in getattr(item, "error", None) or []
                ),
                message=getattr(item, "message", None),
                # A gateway whose WSDL predates the "tax" element has no such attribute.
                taxes=tuple(
                    TaxAssessment(t.typeCode, t.amount, getattr(t, "currency", None) or currency,
                                  getattr(t, "item", None))
                    for t in getattr(item, "tax", None) or []
                ),
            )
            try:
                notifications.append(self._complete_from_message(notification))
            except (UnsafeXmlError, etree.XMLSyntaxError, ValueError, ArithmeticError) as error:
                exchange.error = f"{type(error).__name__}: {error}"
                raise GatewayProtocolError(
                    f"Notification {notification.sequence} of {lrn} carries a customs message that cannot be read "
                    f"safely: {error}", exchange=exchange,
                ) from error
        return CallResult(tuple(notifications), exchange)

    @staticmethod
    def _complete_from_message(notification):
        """Fill what the gateway left out from the RES-DMS message it passed along (parsed safely).

        Taxes the gateway listed are kept as it gave them, their currency and tax base completed from the
        message's entry of the same type and goods item; without any, the message's taxes are taken.
        The total is the gateway's, else the sum of the taxes, else the message's.
        """
        parsed = None
        if notification.message:
            parsed, _lrn = parse_dms_notification(notification.message, notification.sequence)
        taxes = notification.taxes
        if parsed is not None:
            if not taxes:
                taxes = parsed.taxes
            else:
                taxes = tuple(_complete_tax(tax, parsed.taxes) for tax in taxes)
        tax_amount, currency = notification.tax_amount, notification.currency
        if tax_amount is None:
            tax_amount, total_currency = tax_total(taxes)
            if tax_amount is None and parsed is not None:
                tax_amount, total_currency = parsed.tax_amount, parsed.currency
            currency = currency or total_currency
        if parsed is None:
            return replace(notification, taxes=taxes, tax_amount=tax_amount, currency=currency)
        return replace(
            notification,
            issued_at=notification.issued_at or parsed.issued_at,
            mrn=notification.mrn or parsed.mrn,
            errors=notification.errors or parsed.errors,
            tax_amount=tax_amount,
            currency=currency or parsed.currency,
            taxes=taxes,
        )

    def cancel(self, lrn, reason):
        value, exchange = self._call("CancelDeclaration", lrn=lrn, reason=reason)
        return CallResult(value.status, exchange)


def _complete_tax(tax: TaxAssessment, parsed: tuple[TaxAssessment, ...]) -> TaxAssessment:
    """``tax`` with its missing currency and tax base taken from the one parsed entry of its type and item."""
    if tax.currency and tax.base_amount is not None:
        return tax
    same = [p for p in parsed if (p.type_code, p.item) == (tax.type_code, tax.item)]
    if len(same) != 1:
        return tax
    return replace(tax, currency=tax.currency or same[0].currency,
                   base_amount=tax.base_amount if tax.base_amount is not None else same[0].base_amount)


def encode_payload(xml: bytes) -> str:
    return base64.b64encode(xml).decode()
