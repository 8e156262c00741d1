"""A customs declaration as plain data, and every check it must pass before it leaves.

The checks list every problem at once (a declarant fixes them in one go), each with a
machine-readable code, the path of the field at fault and the values involved; the
addon translates them for the user.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from dataclasses import dataclass, field
from decimal import Decimal

IMPORT_RELIEF = "import_relief"
IMPORT = "import"
EXPORT = "export"
KINDS = (IMPORT_RELIEF, IMPORT, EXPORT)

MAX_ITEMS = 999  # WCO DEC-DMS: GovernmentAgencyGoodsItem maxOccurs
LRN_MAX_LENGTH = 22  # EU UCC and UK CDS limit the LRN (DE 2/5) to 22 characters

# Where the national part of an EORI is a tax number that carries check digits, the
# python-stdnum module that validates it and the slice of the national part it covers.
# Countries not listed here get a format check only: DE EORI numbers are customs numbers
# without check digits, and GB/XI numbers are VAT-based only for VAT-registered traders.
EORI_NATIONAL_CHECKS = {
    "ES": ("stdnum.es.nif", slice(None)),
    "FR": ("stdnum.fr.siren", slice(0, 9)),
    "PT": ("stdnum.pt.nif", slice(None)),
    "BE": ("stdnum.be.vat", slice(None)),
    "PL": ("stdnum.pl.nip", slice(0, 10)),
}
# National parts of a fixed shape.
EORI_NATIONAL_FORMATS = {
    "GB": re.compile(r"^\d{12}$"),
    "XI": re.compile(r"^\d{12}$"),
}
_EORI_FORMAT = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,15}$")
HS_CODE_FORMAT = re.compile(r"^(\d{8}|\d{10})$")


@dataclass(frozen=True)
class Problem:
    code: str
    path: str
    params: dict = field(default_factory=dict)
    message: str = ""  # English, for logs and tests; users get the caller's translation of ``code``

    def __str__(self):
        return f"{self.path}: {self.message or self.code}"


@dataclass(frozen=True)
class Party:
    name: str
    eori: str | None = None
    street: str | None = None
    city: str | None = None
    zip_code: str | None = None
    country_code: str | None = None
    vat: str | None = None


@dataclass(frozen=True)
class Document:
    """A previous or supporting document (DE 2/1, DE 2/3)."""

    category_code: str  # e.g. "Z" previous document, "N" supporting document, "C" authorisation
    type_code: str  # e.g. "MRN" / "830" export declaration, "380" commercial invoice, "N935"
    identifier: str
    line: int | None = None


@dataclass(frozen=True)
class DeclarationLine:
    sequence: int
    hs_code: str
    description: str
    origin_country_code: str
    quantity: Decimal
    net_mass_kg: Decimal
    gross_mass_kg: Decimal
    statistical_value: Decimal
    customs_value: Decimal
    procedure_code: str  # four digits, e.g. "6110", "4000", "1040"
    additional_procedure_codes: tuple[str, ...] = ("000",)
    supplementary_units: Decimal | None = None
    preference_code: str = "100"  # DE 4/17: 100 = erga omnes third-country duty
    valuation_method: str = "1"  # DE 4/16: transaction value
    package_count: int = 1
    package_type: str = "PK"
    duty_rate_percent: Decimal = Decimal(0)
    vat_rate_percent: Decimal = Decimal(0)
    previous_documents: tuple[Document, ...] = ()

    @property
    def relief_claimed(self) -> bool:
        return self.procedure_code.startswith("61")

    @property
    def duty_estimate(self) -> Decimal:
        if self.relief_claimed:
            return Decimal(0)
        return (self.customs_value * self.duty_rate_percent / 100).quantize(Decimal("0.01"))

    @property
    def vat_estimate(self) -> Decimal:
        if self.relief_claimed:
            return Decimal(0)
        return ((self.customs_value + self.duty_estimate) * self.vat_rate_percent / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Declaration:
    lrn: str
    kind: str
    declarant: Party
    importer: Party | None
    exporter: Party | None
    customs_office: str  # DE 5/12 or 5/13, e.g. "ES004641"
    currency: str
    invoice_amount: Decimal
    lines: tuple[DeclarationLine, ...]
    representative: Party | None = None
    representative_status: str | None = None  # DE 3/21: "2" direct, "3" indirect
    incoterm: str | None = None
    incoterm_location: str | None = None
    border_transport_mode: str = "3"  # DE 7/4: 3 = road
    additional_declaration_type: str = "A"  # DE 1/2: A = standard
    export_country_code: str | None = None
    destination_country_code: str | None = None
    previous_documents: tuple[Document, ...] = ()
    supporting_documents: tuple[Document, ...] = ()
    issued_at: dt.datetime | None = None

    @property
    def type_code(self) -> str:
        return ("EX" if self.kind == EXPORT else "IM") + self.additional_declaration_type

    @property
    def total_gross_mass_kg(self) -> Decimal:
        return sum((line.gross_mass_kg for line in self.lines), Decimal(0))

    @property
    def total_packages(self) -> int:
        return sum(line.package_count for line in self.lines)


def check_eori(number: str | None) -> list[tuple[str, dict]]:
    """Problems of an EORI number: its format, and the check digits of its national part where known."""
    if not number:
        return [("eori_missing", {})]
    compact = re.sub(r"[\s.-]", "", number).upper()
    if not _EORI_FORMAT.match(compact):
        return [("eori_format", {"eori": number})]
    country, national = compact[:2], compact[2:]
    national_format = EORI_NATIONAL_FORMATS.get(country)
    if national_format and not national_format.match(national):
        return [("eori_format", {"eori": number})]
    check = EORI_NATIONAL_CHECKS.get(country)
    if check:
        module_name, part = check
        module = importlib.import_module(module_name)
        if not module.is_valid(national[part]):
            return [("eori_check_digits", {"eori": number, "country": country})]
    return []


def check_vat(number: str | None, country_code: str | None) -> list[tuple[str, dict]]:
    if not number:
        return []
    from stdnum import get_cc_module

    module = get_cc_module((country_code or number[:2]).lower(), "vat")
    if module is None:
        return []
    if not module.is_valid(number):
        return [("vat_invalid", {"vat": number, "country": country_code})]
    return []


def check_declaration(declaration: Declaration, countries=None, currencies=None, tariff_codes=None) -> list[Problem]:
    """Every problem of ``declaration``, or an empty list when it may be submitted.

    ``countries`` and ``currencies`` are sets of valid ISO codes and ``tariff_codes`` the
    HS/CN codes of a loaded tariff; each check is skipped when its set is not given.
    """
    problems: list[Problem] = []

    def add(code, path, message, **params):
        problems.append(Problem(code, path, params, message))

    if not declaration.lrn or len(declaration.lrn) > LRN_MAX_LENGTH:
        add("lrn_length", "lrn", f"The LRN must have 1 to {LRN_MAX_LENGTH} characters.", lrn=declaration.lrn)
    if declaration.kind not in KINDS:
        add("kind_unknown", "kind", "Unknown declaration kind.", kind=declaration.kind)
    if not re.match(r"^[A-Z]{2}[A-Z0-9]{6}$", declaration.customs_office or ""):
        add(
            "customs_office_format", "customs_office",
            "The customs office code has 8 characters: a country code and 6 more.",
            office=declaration.customs_office,
        )
    if currencies is not None and declaration.currency not in currencies:
        add("currency_unknown", "currency", "Unknown currency.", currency=declaration.currency)
    if declaration.invoice_amount < 0:
        add("amount_negative", "invoice_amount", "The invoice amount cannot be negative.")

    parties = {"declarant": declaration.declarant, "representative": declaration.representative}
    parties["importer" if declaration.kind != EXPORT else "exporter"] = (
        declaration.importer if declaration.kind != EXPORT else declaration.exporter
    )
    for role, party in parties.items():
        if party is None:
            if role != "representative":
                add("party_missing", role, f"The {role} is missing.", role=role)
            continue
        for code, params in check_eori(party.eori):
            add(code, f"{role}.eori", f"EORI of the {role}: {code}.", role=role, **params)
        for code, params in check_vat(party.vat, party.country_code):
            add(code, f"{role}.vat", f"VAT number of the {role} is not valid.", role=role, **params)
        if countries is not None and party.country_code and party.country_code not in countries:
            add("country_unknown", f"{role}.country_code", "Unknown country.", country=party.country_code)
    if declaration.representative and declaration.representative_status not in ("2", "3"):
        add(
            "representative_status", "representative_status",
            "A representative acts in direct (2) or indirect (3) representation.",
        )

    if not declaration.lines:
        add("no_lines", "lines", "A declaration needs at least one goods item.")
    if len(declaration.lines) > MAX_ITEMS:
        add("too_many_lines", "lines", f"A declaration holds at most {MAX_ITEMS} goods items.",
            count=len(declaration.lines))
    for index, line in enumerate(declaration.lines, start=1):
        path = f"lines[{index}]"
        if not HS_CODE_FORMAT.match(line.hs_code or ""):
            add("hs_format", f"{path}.hs_code", "An HS code has 8 or 10 digits.", hs_code=line.hs_code, item=index)
        elif tariff_codes is not None and line.hs_code not in tariff_codes and line.hs_code[:8] not in tariff_codes:
            add("hs_unknown", f"{path}.hs_code", "The HS code is not in the tariff.", hs_code=line.hs_code, item=index)
        if not (line.description or "").strip():
            add("description_missing", f"{path}.description", "Describe the goods.", item=index)
        if countries is not None and line.origin_country_code not in countries:
            add("country_unknown", f"{path}.origin_country_code", "Unknown country of origin.",
                country=line.origin_country_code, item=index)
        if line.quantity <= 0:
            add("quantity_not_positive", f"{path}.quantity", "The quantity must be positive.", item=index)
        if line.net_mass_kg <= 0:
            add("mass_not_positive", f"{path}.net_mass_kg", "The net mass must be positive.", item=index)
        if line.gross_mass_kg < line.net_mass_kg:
            add("gross_below_net", f"{path}.gross_mass_kg", "The gross mass cannot be below the net mass.",
                item=index, gross=line.gross_mass_kg, net=line.net_mass_kg)
        for name in ("statistical_value", "customs_value"):
            if getattr(line, name) < 0:
                add("value_negative", f"{path}.{name}", "Values cannot be negative.", item=index)
        if not re.match(r"^\d{4}$", line.procedure_code or ""):
            add("procedure_format", f"{path}.procedure_code", "The procedure code has 4 digits.", item=index)
        if declaration.kind == IMPORT_RELIEF:
            if not line.relief_claimed:
                add("relief_procedure", f"{path}.procedure_code", "Returned goods relief uses procedure 61xx.",
                    item=index)
            if "F01" not in line.additional_procedure_codes:
                add("relief_additional_procedure", f"{path}.additional_procedure_codes",
                    "Returned goods relief needs the additional procedure F01.", item=index)
    if declaration.kind == IMPORT_RELIEF:
        documents = list(declaration.previous_documents)
        documents += [doc for line in declaration.lines for doc in line.previous_documents]
        mrns = [doc for doc in documents if doc.type_code in ("MRN", "830")]
        if not mrns:
            add("relief_export_mrn_missing", "previous_documents",
                "Returned goods relief quotes the export declaration's MRN as a previous document.")
    return problems
