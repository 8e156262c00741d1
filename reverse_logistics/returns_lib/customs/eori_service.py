"""Live EORI checks against the EU EORI validation SOAP service (``validateEORI``), cached.

The service (``http://eori.ws.eos.dds.s/``) takes at most 10 numbers per call and answers, per number,
status 0 (valid) or 1 (not valid), with the holder's name and address when the holder agreed to
publish them. Answers are cached for the whole process (every client shares :data:`DEFAULT_CACHE`
unless given its own), so that checking a declaration again does not call the service again: a
"valid" answer for a day by default, a "not valid" one for 10 minutes only, so that a number
registered since, or a service that answered wrongly, does not keep blocking declarations (while
the service is down, the live check then reports it unavailable and the offline check stands).
When the service cannot answer, :class:`EoriServiceUnavailable` carries a message a user can read;
the offline check (format and check digits) still stands.

The answer is read defensively: every field but the number may be missing, as it is when the
service's own WSDL (``...?wsdl``) describes an answer without it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import requests
from lxml import etree

EORI_WSDL = Path(__file__).parent / "wsdl" / "eori_validation.wsdl"
EORI_ENDPOINT = "https://ec.europa.eu/taxation_customs/dds2/eos/validation/services/validation"
NAMESPACE = "http://eori.ws.eos.dds.s/"
BINDING = f"{{{NAMESPACE}}}EORIValidationImplPortBinding"
BATCH = 10  # numbers per call, the service's limit
DEFAULT_TTL = 24 * 3600.0  # seconds a "valid" answer is kept
DEFAULT_INVALID_TTL = 600.0  # seconds a "not valid" answer is kept


@dataclass(frozen=True)
class EoriResult:
    eori: str
    valid: bool
    status_text: str = ""
    name: str = ""
    address: str = ""
    status: int | None = None  # the service's code: 0 valid, 1 not valid
    request_date: str = ""  # as the service wrote it: the date of the consultation


class EoriServiceUnavailable(Exception):
    def __init__(self, detail):
        self.detail = detail
        super().__init__(
            f"The EU EORI validation service could not check the numbers ({detail}): they were checked offline "
            f"only (format and check digits). Try the live check again later."
        )


class EoriCache:
    """Answers of the service, at most ``max_entries`` of them (oldest dropped first).

    A valid answer is kept ``ttl`` seconds, a "not valid" one ``invalid_ttl`` seconds, and never longer than
    a valid one. ``clock`` gives the time in seconds (tests pass a fake one).
    """

    def __init__(self, ttl=DEFAULT_TTL, clock=time.monotonic, max_entries=10000, invalid_ttl=DEFAULT_INVALID_TTL):
        self.ttl = ttl
        self.invalid_ttl = invalid_ttl
        self.clock = clock
        self.max_entries = max_entries
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, result = entry
            if expires <= self.clock():
                del self._entries[key]
                return None
            return result

    def ttl_for(self, result) -> float:
        """Seconds ``result`` is kept: ``ttl`` when valid, else ``invalid_ttl`` (at most ``ttl``)."""
        if getattr(result, "valid", False):
            return self.ttl
        return min(self.invalid_ttl, self.ttl)

    def put(self, key, result):
        with self._lock:
            self._entries[key] = (self.clock() + self.ttl_for(result), result)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self):
        with self._lock:
            self._entries.clear()

    def __len__(self):
        return len(self._entries)


DEFAULT_CACHE = EoriCache()


def normalize(number: str) -> str:
    return "".join(number.split()).upper()


def _is_wsdl(location: str) -> bool:
    lowered = location.lower()
    if lowered.endswith(("?wsdl", ".wsdl")):
        return True
    return not lowered.startswith(("http://", "https://")) and Path(location).is_file()


class EoriValidationClient:
    """``validate(numbers)`` against the service at ``wsdl_or_endpoint``.

    ``wsdl_or_endpoint`` is either the service's address (the WSDL shipped here describes it) or a WSDL:
    a URL ending in ``?wsdl`` or ``.wsdl``, or a file.
    """

    def __init__(self, wsdl_or_endpoint=EORI_ENDPOINT, timeout=10.0, cache: EoriCache | None = None):
        location = wsdl_or_endpoint or EORI_ENDPOINT
        if _is_wsdl(location):
            self.wsdl, self.endpoint = location, None
        else:
            self.wsdl, self.endpoint = str(EORI_WSDL), location
        self.timeout = timeout
        self.cache = DEFAULT_CACHE if cache is None else cache
        self.calls = 0
        self._service = None
        self._last_status = None

    def validate(self, numbers) -> dict[str, EoriResult]:
        """Result per (normalized: no spaces, upper case) number; answers still in the cache are not asked again.

        Raises :class:`EoriServiceUnavailable` when the service cannot answer them all.
        """
        wanted = [number for number in dict.fromkeys(normalize(n) for n in numbers if n) if number]
        source = self.endpoint or self.wsdl
        results, missing = {}, []
        for number in wanted:
            cached = self.cache.get((source, number))
            if cached is not None:
                results[number] = cached
            else:
                missing.append(number)
        for start in range(0, len(missing), BATCH):
            batch = missing[start:start + BATCH]
            answered = {result.eori: result for result in self._call(batch)}
            unanswered = [number for number in batch if number not in answered]
            if unanswered:
                raise EoriServiceUnavailable(f"no answer for {', '.join(unanswered)}")
            for number in batch:
                self.cache.put((source, number), answered[number])
                results[number] = answered[number]
        return results

    def _get_service(self):
        if self._service is None:
            from zeep import Client, Settings
            from zeep.transports import Transport

            settings = Settings(strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True,
                                xml_huge_tree=False)
            owner = self

            class StatusTransport(Transport):
                def post(self, address, message, headers):
                    response = super().post(address, message, headers)
                    owner._last_status = response.status_code
                    return response

            client = Client(self.wsdl, settings=settings,
                            transport=StatusTransport(timeout=self.timeout, operation_timeout=self.timeout))
            self._service = client.create_service(BINDING, self.endpoint) if self.endpoint else client.service
        return self._service

    def _call(self, batch):
        from zeep import exceptions as zeep_exceptions

        self.calls += 1
        self._last_status = None
        try:
            response = self._get_service().validateEORI(eori=batch)
        except requests.Timeout as error:
            raise EoriServiceUnavailable(f"no answer within {self.timeout:g} s") from error
        except requests.RequestException as error:
            raise EoriServiceUnavailable("it cannot be reached") from error
        except zeep_exceptions.Fault as error:
            if error.code is None and self._last_status != 200:  # no soap:Fault: an error page that is XML
                raise EoriServiceUnavailable(f"it answered HTTP {self._last_status}") from error
            raise EoriServiceUnavailable(f"it answered with an error: {error.message}") from error
        except zeep_exceptions.TransportError as error:
            detail = f"it answered HTTP {error.status_code}" if (error.status_code or 200) != 200 else \
                "its answer is not XML"
            raise EoriServiceUnavailable(detail) from error
        except (zeep_exceptions.Error, etree.LxmlError, OSError) as error:
            raise EoriServiceUnavailable(f"its answer cannot be read: {type(error).__name__}") from error
        if response is None:
            raise EoriServiceUnavailable("it answered nothing")
        request_date = _field(response, "requestDate")
        results = []
        for item in _items(getattr(response, "result", None)):
            eori = _field(item, "eori")
            if not eori:
                continue
            address = _field(item, "address") or ", ".join(filter(None, (
                _field(item, "street"),
                " ".join(filter(None, (_field(item, "postalCode"), _field(item, "city")))),
                _field(item, "country"),
            )))
            status_text = _field(item, "statusDescr")
            error_reason = _field(item, "errorReason")
            if error_reason:
                status_text = f"{status_text} ({error_reason})" if status_text else error_reason
            status = _status(getattr(item, "status", None))
            results.append(EoriResult(normalize(eori), status == 0, status_text, _field(item, "name"), address,
                                      status, request_date))
        error_description = _field(response, "errorDescription")
        if not results and error_description:
            raise EoriServiceUnavailable(f"it answered: {error_description}")
        return results


def _field(value, name) -> str:
    """The text of the optional field ``name`` of a zeep answer, ``""`` when the answer's type lacks it or it is
    empty (a WSDL of the service may describe fewer fields than the one shipped here)."""
    found = getattr(value, name, None)
    return str(found).strip() if found is not None else ""


def _items(value):
    if value is None:
        return []
    return [item for item in (value if isinstance(value, list) else [value]) if item is not None]


def _status(value) -> int | None:
    """The service's status code; ``None`` when it is missing or not a number (then not valid)."""
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
