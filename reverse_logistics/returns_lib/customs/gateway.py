"""The customs gateway contract as plain data: what the addon needs of a gateway, and what it gets back.

Three modules share the work, and import in one direction only (``gateway`` imports neither of the others):

- ``gateway`` (this module): the interface national gateways implement (:class:`GatewayAdapter`), the
  configuration, the archived :class:`Exchange`, the results (:class:`Acknowledgement`,
  :class:`Notification` with its :class:`NotificationError` and :class:`TaxAssessment` entries,
  :class:`CallResult`), the errors, :func:`backoff_delay` and :data:`NOTIFICATION_KINDS`.
- ``dms_notification``: the WCO RES-DMS messages customs send, read into :class:`Notification`.
- ``soap_client``: :class:`~.soap_client.SoapGatewayClient`, the addon's own contract
  (``wsdl/customs_gateway.wsdl``) over SOAP with zeep.

The contract makes the LRN the idempotency key: a retry of a submission that timed out cannot register the
declaration twice, so the caller retries under the same LRN, never a new one. Every call is archived as an
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
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

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
class TaxAssessment:
    """One duty, tax or fee customs assessed (DMSTAX, function code 13).

    ``type_code`` is the WCO/EU tax type (D.E. 4/3), e.g. ``A00`` customs duty, ``B00`` import VAT;
    ``item`` the goods item it was assessed on (its sequence number), ``None`` for the declaration;
    ``base_amount`` the ad valorem tax base when customs gave it.
    """

    type_code: str
    amount: Decimal
    currency: str | None
    item: int | None = None
    base_amount: Decimal | None = None


def tax_total(taxes: Iterable[TaxAssessment]) -> tuple[Decimal | None, str | None]:
    """(total amount, currency) of ``taxes``; ``(None, None)`` when there are none or their currencies
    differ (a sum over currencies means nothing)."""
    taxes = tuple(taxes)
    currencies = {tax.currency for tax in taxes}
    if not taxes or len(currencies) != 1:
        return None, None
    return sum((tax.amount for tax in taxes), Decimal(0)), currencies.pop()


@dataclass(frozen=True)
class Notification:
    """One DMS notification. ``taxes`` holds the assessed duties and taxes per type (and goods item);
    ``tax_amount`` and ``currency`` their total, kept for the callers that need only that."""

    sequence: int
    function_code: str
    issued_at: dt.datetime | None
    mrn: str | None = None
    tax_amount: Decimal | None = None
    currency: str | None = None
    errors: tuple[NotificationError, ...] = ()
    message: bytes | None = None
    taxes: tuple[TaxAssessment, ...] = ()

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
        """The :class:`Notification` tuple issued for ``lrn`` after ``after_sequence``.

        A tax calculation (function code 13) lists its duties and taxes in ``taxes``, one
        :class:`TaxAssessment` per type and goods item, and their total in ``tax_amount``/``currency``;
        :func:`~.dms_notification.parse_dms_notification` reads them from a RES-DMS message.
        """
        raise NotImplementedError

    def cancel(self, lrn: str, reason: str) -> CallResult:
        """``"requested"`` or ``"refused"``; customs' decision follows as a notification."""
        raise NotImplementedError
