"""Live EORI checks against the EU EORI validation SOAP service (validateEORI), cached.

The service takes at most 10 numbers per call; answers are cached for a day so that checking
a declaration again does not call it again. When the service is down, the caller gets a
message it can show, and the offline check (format and check digits) still stands.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import requests

EORI_WSDL = Path(__file__).parent / "wsdl" / "eori_validation.wsdl"
EORI_ENDPOINT = "https://ec.europa.eu/taxation_customs/dds2/eos/validation/services/validation"
BINDING = "{http://eori.ws.eos.dds.s/}EORIValidationImplPortBinding"
BATCH = 10


@dataclass(frozen=True)
class EoriResult:
    eori: str
    valid: bool
    status_text: str = ""
    name: str = ""
    address: str = ""


class EoriServiceUnavailable(Exception):
    def __init__(self, detail):
        super().__init__(
            f"The EU EORI validation service is not answering ({detail}): the number was checked offline only "
            f"(format and check digits). Try the live check again later."
        )


class EoriValidationClient:
    def __init__(self, endpoint=EORI_ENDPOINT, timeout=10.0, cache_ttl=24 * 3600, clock=time.monotonic):
        from zeep import Client, Settings
        from zeep.transports import Transport

        settings = Settings(strict=False, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        client = Client(str(EORI_WSDL), settings=settings, transport=Transport(timeout=timeout,
                                                                                operation_timeout=timeout))
        self._service = client.create_service(BINDING, endpoint)
        self._cache: dict[str, tuple[float, EoriResult]] = {}
        self._ttl = cache_ttl
        self._clock = clock
        self.calls = 0

    def validate(self, numbers) -> dict[str, EoriResult]:
        """Result per number; numbers answered less than ``cache_ttl`` seconds ago are not asked again."""
        numbers = [n.replace(" ", "").upper() for n in numbers]
        now = self._clock()
        results = {}
        missing = []
        for number in dict.fromkeys(numbers):
            cached = self._cache.get(number)
            if cached and cached[0] > now:
                results[number] = cached[1]
            else:
                missing.append(number)
        for start in range(0, len(missing), BATCH):
            for result in self._call(missing[start:start + BATCH]):
                self._cache[result.eori] = (now + self._ttl, result)
                results[result.eori] = result
        return results

    def _call(self, batch):
        from zeep.exceptions import Error as ZeepError

        self.calls += 1
        try:
            response = self._service.validateEORI(eori=batch)
        except (requests.RequestException, ZeepError) as error:
            raise EoriServiceUnavailable(type(error).__name__) from error
        results = []
        for item in (response.result if response is not None else None) or []:
            address = ", ".join(filter(None, (item.street, item.postalCode, item.city, item.country)))
            results.append(EoriResult(item.eori, item.status == 0, item.statusDescr or "", item.name or "",
                                      item.address or address))
        return results
