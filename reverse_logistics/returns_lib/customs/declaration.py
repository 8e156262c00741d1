"""A customs declaration as plain data, and every check it must pass before it leaves.

The checks list every problem at once (a declarant fixes them in one go), each with a
machine-readable code, the path of the field at fault and the values involved; the
addon translates them for the user.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from . import wco_rules as rules
from .mrn import check_mrn
from .procedure_matrix import check_combination

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
    """One problem of a declaration.

    ``code`` is stable (the caller translates it), ``field`` a stable key of the field at fault
    (``hs_code``, ``declarant.eori``, ``previous_documents``...), ``item`` the 1-based goods item or
    None for the header, ``path`` where exactly (``lines[2].packages[1].type_code``) and ``message``
    an English sentence naming the field, for logs and tests.
    """

    code: str
    path: str
    params: dict = dataclass_field(default_factory=dict)
    message: str = ""  # English, for logs and tests; users get the caller's translation of ``code``
    item: int | None = None
    field: str = ""

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
    type_code: str  # e.g. "MRN" / "830" export declaration, "380" commercial invoice, "935"
    identifier: str
    line: int | None = None


@dataclass(frozen=True)
class Package:
    """Packages of one kind on a goods item: DE 6/9 kind, DE 6/10 number, DE 6/11 shipping marks."""

    type_code: str = "PK"  # UN/ECE Recommendation 21
    count: int = 1
    marks: str = ""


@dataclass(frozen=True)
class Statement:
    """Additional information (DE 2/2): a five-character statement code and its text."""

    code: str
    text: str = ""


@dataclass(frozen=True)
class Authorisation:
    """An authorisation held for this declaration (DE 3/39): its type, holder and decision number."""

    type_code: str  # e.g. "CGU", "DPO", "OPO", "IPO"
    holder_eori: str
    reference: str = ""  # the authorisation decision number, e.g. "GBDPO1108654"


@dataclass(frozen=True)
class Guarantee:
    """The guarantee (DE 8/2 type, DE 8/3 reference) covering duties suspended or deferred."""

    type_code: str = "1"  # DE 8/2: 1 comprehensive guarantee, 0 waiver...
    grn: str = ""  # guarantee reference number (ReferenceID)
    reference: str = ""  # other guarantee reference (ID), e.g. a CCG reference or "Guaranteenotrequired"
    access_code: str = ""
    office: str = ""  # guarantee office (GuaranteeOffice/ID)
    amount: Decimal | None = None


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
    package_count: int = 1  # used when ``packages`` is empty
    package_type: str = "PK"  # used when ``packages`` is empty
    duty_rate_percent: Decimal = Decimal(0)
    vat_rate_percent: Decimal = Decimal(0)
    previous_documents: tuple[Document, ...] = ()
    packages: tuple[Package, ...] = ()
    additional_documents: tuple[Document, ...] = ()  # DE 2/3 on this item
    additional_information: tuple[Statement, ...] = ()  # DE 2/2 on this item
    payment_method: str | None = None  # DE 4/8 on the duty and VAT lines, e.g. "E" deferment

    @property
    def relief_claimed(self) -> bool:
        return (self.procedure_code or "").startswith("61")

    @property
    def all_packages(self) -> tuple[Package, ...]:
        """The packages given, or one package of ``package_type`` x ``package_count``."""
        return self.packages or (Package(self.package_type, self.package_count),)

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


def default_category(kind: str) -> str:
    """DE 1/1 for a declaration kind: EX for exports, IM otherwise."""
    return "EX" if kind == EXPORT else "IM"


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
    representative_status: str | None = None  # DE 3/21: "1" own account, "2" direct, "3" indirect
    incoterm: str | None = None
    incoterm_location: str | None = None
    border_transport_mode: str = "3"  # DE 7/4: 3 = road
    additional_declaration_type: str = "A"  # DE 1/2: A = standard frontier, D = pre-lodged...
    export_country_code: str | None = None
    destination_country_code: str | None = None
    previous_documents: tuple[Document, ...] = ()
    supporting_documents: tuple[Document, ...] = ()  # DE 2/3 at header level
    issued_at: dt.datetime | None = None
    category: str | None = None  # DE 1/1: "IM", "EX" or "CO"; None: from ``kind``
    authorisations: tuple[Authorisation, ...] = ()  # DE 3/39
    additional_information: tuple[Statement, ...] = ()  # DE 2/2 at header level
    guarantee: Guarantee | None = None  # DE 8/2, 8/3
    deferment_account: str | None = None  # DE 2/6: deferment approval number (DAN)
    deferment_type: str = "DAN"  # DE 2/6 document type: DAN, or CAN for a cash account
    supervising_office: str | None = None  # DE 5/27

    @property
    def declaration_category(self) -> str:
        return self.category or default_category(self.kind)

    @property
    def type_code(self) -> str:
        return self.declaration_category + (self.additional_declaration_type or "")

    @property
    def total_gross_mass_kg(self) -> Decimal:
        return sum((line.gross_mass_kg for line in self.lines), Decimal(0))

    @property
    def total_packages(self) -> int:
        return sum(package.count for line in self.lines for package in line.all_packages)


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


_RULE_SENTENCES = {
    "missing": "{what} is missing.",
    "too_long": "{what} has {length} characters, at most {max_length} are allowed.",
    "too_short": "{what} has {length} characters, at least {min_length} are needed.",
    "format": "{what} is not in the expected format.",
    "not_a_number": "{what} is not a number.",
    "below_minimum": "{what} cannot be below {minimum}.",
    "too_many_decimals": "{what} has more than {fraction_digits} decimals.",
    "too_large": "{what} is too large: at most {integer_digits} digits before the decimal point.",
}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Checker:
    """Collects problems with their item, field key, path and an English sentence."""

    def __init__(self):
        self.problems: list[Problem] = []

    def add(self, problem_code, field_key, message, item=None, path=None, **params):
        if item is not None:
            params.setdefault("item", item)
            message = f"Item {item}: {message[:1].lower()}{message[1:]}"
            path = path or f"lines[{item}].{field_key}"
        self.problems.append(Problem(problem_code, path or field_key, params, message, item, field_key))

    def rule(self, rule, value, field_key, what, item=None, path=None, optional=False, code_prefix=""):
        """Problems of ``value`` against a :mod:`wco_rules` rule; empty values pass when ``optional``."""
        if optional and (value is None or (isinstance(value, str) and not value.strip())):
            return False
        found = rule.problems(value)
        for code, params in found:
            sentence = _RULE_SENTENCES[code].format(what=what, **params)
            self.add(f"{code_prefix or field_key.rsplit('.', 1)[-1]}_{code}", field_key, _sentence(sentence),
                     item=item, path=path, **params)
        return bool(found)

    def code(self, value, codes, field_key, what, item=None, path=None, optional=False, code_prefix=""):
        """``value`` must be one of ``codes`` (a code list of :mod:`wco_rules`)."""
        if optional and not value:
            return False
        if value in codes:
            return False
        name = code_prefix or field_key.rsplit(".", 1)[-1]
        if not value:
            self.add(f"{name}_missing", field_key, _sentence(f"{what} is missing."), item=item, path=path)
        else:
            self.add(f"{name}_unknown", field_key, _sentence(f"{what} ({value}) is not a known code."),
                     item=item, path=path, value=value)
        return True


def _check_party(check, role, party, countries):
    """A party declared by EORI (declarant, importer, exporter of an export, representative)."""
    what = f"the {role}"
    for code, params in check_eori(party.eori):
        messages = {
            "eori_missing": f"The EORI number of {what} is missing.",
            "eori_format": f"The EORI number {party.eori} of {what} is not in the format of its country.",
            "eori_check_digits": f"The check digits of the EORI number {party.eori} of {what} are wrong.",
        }
        check.add(code, f"{role}.eori", messages[code], role=role, **params)
    for code, params in check_vat(party.vat, party.country_code):
        check.add(code, f"{role}.vat", f"The VAT number {party.vat} of {what} is not valid.", role=role, **params)
    # Name and address are written when there is no EORI, and always for an exporter.
    if party.name:
        check.rule(rules.PARTY_NAME, party.name, f"{role}.name", f"the name of {what}")
    elif not party.eori:
        check.add("party_name_missing", f"{role}.name", f"The name of {what} is missing (it has no EORI).",
                  role=role)
    check.rule(rules.ADDRESS_LINE, party.street, f"{role}.street", f"the street of {what}", optional=True)
    check.rule(rules.CITY, party.city, f"{role}.city", f"the city of {what}", optional=True)
    check.rule(rules.POSTCODE, party.zip_code, f"{role}.zip_code", f"the postcode of {what}", optional=True)
    if party.country_code and not check.rule(
        rules.COUNTRY, party.country_code, f"{role}.country_code", f"the country code of {what}"
    ):
        if countries is not None and party.country_code not in countries:
            check.add("country_unknown", f"{role}.country_code",
                      f"The country {party.country_code} of {what} is unknown.", country=party.country_code)


def _check_document(check, document, field_key, what, item=None, path=None, previous=False):
    categories = rules.PREVIOUS_DOCUMENT_CATEGORIES if previous else rules.ADDITIONAL_DOCUMENT_CATEGORIES
    if document.category_code not in categories:
        check.add("document_category_unknown", field_key,
                  f"The category {document.category_code!r} of {what} is not a known document category.",
                  item=item, path=path, category=document.category_code)
    check.rule(rules.DOCUMENT_TYPE, document.type_code, field_key, f"the type of {what}", item=item, path=path,
               code_prefix="document_type")
    id_rule = rules.DOCUMENT_ID if previous else rules.SUPPORTING_DOCUMENT_ID
    check.rule(id_rule, document.identifier, field_key, f"the reference of {what}", item=item, path=path,
               code_prefix="document_id")
    if document.line is not None:
        check.rule(rules.DOCUMENT_LINE, document.line, field_key, f"the line number of {what}", item=item,
                   path=path, code_prefix="document_line")
    if previous and document.type_code in rules.MRN_DOCUMENT_TYPES:
        for code, params in check_mrn(document.identifier):
            sentences = {
                "mrn_missing": f"The MRN of {what} is missing.",
                "mrn_length": f"The MRN {document.identifier} of {what} must have 18 characters.",
                "mrn_format": f"The MRN {document.identifier} of {what} is not in the format of an MRN.",
                "mrn_check_digit": f"The check digit of the MRN {document.identifier} of {what} is wrong.",
            }
            check.add(code, field_key, sentences[code], item=item, path=path, **params)


def _check_statement(check, statement, field_key, what, item=None, path=None):
    check.rule(rules.STATEMENT_CODE, statement.code, field_key, f"the code of {what}", item=item, path=path,
               code_prefix="statement_code")
    check.rule(rules.STATEMENT_TEXT, statement.text, field_key, f"the text of {what}", item=item, path=path,
               optional=True, code_prefix="statement_text")


def _check_office(check, value, field_key, what, optional=False, code_prefix=None):
    code_prefix = code_prefix or field_key
    if not (value or "").strip():
        if not optional:
            check.add(f"{code_prefix}_missing", field_key, _sentence(f"{what} is missing."))
        return
    if not re.fullmatch(rules.OFFICE.pattern, value):
        check.add(f"{code_prefix}_format", field_key,
                  _sentence(f"{what} {value} is not an office code: a country code and 6 letters or digits."),
                  office=value)


def _check_line(check, declaration, index, line, countries, tariff_codes):
    def rule(rule_, value, key, what, **kw):
        return check.rule(rule_, value, key, what, item=index, **kw)

    if line.sequence != index:
        check.add("sequence_mismatch", "sequence", f"The item number {line.sequence} should be {index}.",
                  item=index, sequence=line.sequence)
    if not HS_CODE_FORMAT.match(line.hs_code or ""):
        check.add("hs_format", "hs_code", f"The HS code {line.hs_code!r} must have 8 or 10 digits.", item=index,
                  hs_code=line.hs_code)
    elif tariff_codes is not None and line.hs_code not in tariff_codes and line.hs_code[:8] not in tariff_codes:
        check.add("hs_unknown", "hs_code", f"The HS code {line.hs_code} is not in the tariff.", item=index,
                  hs_code=line.hs_code)
    if not (line.description or "").strip():
        check.add("description_missing", "description", "The description of the goods is missing.", item=index)
    else:
        rule(rules.DESCRIPTION, line.description, "description", "the description of the goods")
    if not rule(rules.COUNTRY, line.origin_country_code, "origin_country_code", "the country of origin"):
        if countries is not None and line.origin_country_code not in countries:
            check.add("country_unknown", "origin_country_code",
                      f"The country of origin {line.origin_country_code} is unknown.", item=index,
                      country=line.origin_country_code)
    if line.quantity is None or line.quantity <= 0:
        check.add("quantity_not_positive", "quantity", "The quantity must be positive.", item=index)
    if line.net_mass_kg is None or line.net_mass_kg <= 0:
        check.add("mass_not_positive", "net_mass_kg", "The net mass must be positive.", item=index)
    else:
        rule(rules.MASS, line.net_mass_kg, "net_mass_kg", "the net mass")
    if line.gross_mass_kg is None or line.gross_mass_kg <= 0:
        check.add("gross_mass_not_positive", "gross_mass_kg", "The gross mass must be positive.", item=index)
    elif line.net_mass_kg is not None and line.gross_mass_kg < line.net_mass_kg:
        check.add("gross_below_net", "gross_mass_kg",
                  f"The gross mass ({line.gross_mass_kg} kg) cannot be below the net mass ({line.net_mass_kg} kg).",
                  item=index, gross=line.gross_mass_kg, net=line.net_mass_kg)
    else:
        rule(rules.MASS, line.gross_mass_kg, "gross_mass_kg", "the gross mass")
    for name, what in (("statistical_value", "the statistical value"), ("customs_value", "the customs value")):
        value = getattr(line, name)
        if value is not None and value < 0:
            check.add("value_negative", name, _sentence(f"{what} cannot be negative."), item=index)
        else:
            rule(rules.AMOUNT, value, name, what)
    if line.supplementary_units is not None:
        rule(rules.QUANTITY, line.supplementary_units, "supplementary_units", "the supplementary units")

    # Procedure (DE 1/10) and additional procedures (DE 1/11), by the correlation matrix.
    if not re.fullmatch(r"\d{4}", line.procedure_code or ""):
        check.add("procedure_format", "procedure_code",
                  f"The procedure code {line.procedure_code!r} must have 4 digits.", item=index,
                  procedure=line.procedure_code)
    else:
        sentences = {
            "procedure_not_in_matrix": "The procedure code {procedure} is not one this addon declares.",
            "additional_missing": "An additional procedure code is needed (000 when none applies).",
            "additional_duplicate": "The additional procedure codes {codes} are given more than once.",
            "additional_plain_with_other": "The additional procedure code 000 cannot stand beside another code "
                                           "({codes}).",
            "additional_not_permitted": "The additional procedure code {code} is not permitted with procedure "
                                        "{procedure} (permitted: {permitted}).",
        }
        for code, params in check_combination(line.procedure_code, line.additional_procedure_codes):
            key = "procedure_code" if code == "procedure_not_in_matrix" else "additional_procedure_codes"
            check.add(code, key, sentences[code].format(**params), item=index, **params)
    for position, code in enumerate(line.additional_procedure_codes, start=1):
        rule(rules.ADDITIONAL_PROCEDURE, code, "additional_procedure_codes", "an additional procedure code",
             path=f"lines[{index}].additional_procedure_codes[{position}]")

    is_export = declaration.kind == EXPORT  # the builder writes no duty lines nor valuation on exports
    if not is_export:
        check.code(line.preference_code, rules.PREFERENCE_CODES, "preference_code", "the preference",
                   item=index)
        check.code(line.valuation_method, rules.VALUATION_METHODS, "valuation_method", "the valuation method",
                   item=index)
        check.code(line.payment_method, rules.PAYMENT_METHODS, "payment_method", "the method of payment",
                   item=index, optional=True)
    elif line.payment_method:
        check.add("payment_method_on_export", "payment_method",
                  "An export has no duty lines: the method of payment is not declared.", item=index)

    # Packages (DE 6/9, 6/10, 6/11)
    for position, package in enumerate(line.all_packages, start=1):
        path = f"lines[{index}].packages[{position}]"
        where = f"package line {position}"
        check.code(package.type_code, rules.PACKAGE_KINDS, "packages", f"the kind of packages on {where}",
                   item=index, path=f"{path}.type_code", code_prefix="package_kind")
        # Zero is allowed: packages holding goods of several items are counted on one of them (DE 6/10).
        rule(rules.PACKAGE_COUNT, package.count, "packages", f"the number of packages on {where}",
             path=f"{path}.count", code_prefix="package_count")
        rule(rules.SHIPPING_MARKS, package.marks, "packages", f"the shipping marks on {where}",
             path=f"{path}.marks", optional=True, code_prefix="package_marks")

    for position, document in enumerate(line.additional_documents, start=1):
        _check_document(check, document, "additional_documents", f"document {position}", item=index,
                        path=f"lines[{index}].additional_documents[{position}]")
    for position, document in enumerate(line.previous_documents, start=1):
        _check_document(check, document, "previous_documents", f"previous document {position}", item=index,
                        path=f"lines[{index}].previous_documents[{position}]", previous=True)
    for position, statement in enumerate(line.additional_information, start=1):
        _check_statement(check, statement, "additional_information", f"statement {position}", item=index,
                         path=f"lines[{index}].additional_information[{position}]")

    # Returned goods relief, per item: the export declaration's MRN, on the item or at header level.
    if line.relief_claimed:
        documents = list(line.previous_documents) + list(declaration.previous_documents)
        if not any(doc.type_code in rules.MRN_DOCUMENT_TYPES for doc in documents):
            check.add("relief_export_mrn_missing", "previous_documents",
                      "Returned goods relief (procedure 61xx) quotes the export declaration's MRN as a previous "
                      "document.", item=index)
        if declaration.declaration_category == "EX":
            check.add("relief_on_export", "procedure_code",
                      f"Procedure {line.procedure_code} (returned goods relief) is an import procedure.", item=index)


def check_declaration(declaration: Declaration, countries=None, currencies=None, tariff_codes=None) -> list[Problem]:
    """Every problem of ``declaration``, or an empty list when it may be submitted.

    ``countries`` and ``currencies`` are sets of valid ISO codes and ``tariff_codes`` the
    HS/CN codes of a loaded tariff; each of these checks is skipped when its set is not given
    (formats, lengths and code lists of :mod:`wco_rules` are always checked).
    """
    check = _Checker()
    add = check.add

    if not (declaration.lrn or "").strip() or len(declaration.lrn) > LRN_MAX_LENGTH:
        add("lrn_length", "lrn", f"The LRN must have 1 to {LRN_MAX_LENGTH} characters.", lrn=declaration.lrn)
    if declaration.kind not in KINDS:
        add("kind_unknown", "kind", f"The declaration kind {declaration.kind!r} is unknown.", kind=declaration.kind)
    if not check.code(declaration.declaration_category, rules.DECLARATION_CATEGORIES, "category",
                      "the declaration category (DE 1/1)"):
        if declaration.kind == EXPORT and declaration.declaration_category != "EX":
            add("category_kind_mismatch", "category", "An export declaration has the category EX.",
                category=declaration.declaration_category)
        elif declaration.kind in (IMPORT, IMPORT_RELIEF) and declaration.declaration_category == "EX":
            add("category_kind_mismatch", "category", "An import declaration has the category IM or CO.",
                category=declaration.declaration_category)
        if not check.code(declaration.additional_declaration_type, rules.ADDITIONAL_DECLARATION_TYPES,
                          "additional_declaration_type", "the additional declaration type (DE 1/2)"):
            allowed = rules.ADDITIONAL_DECLARATION_TYPES_BY_CATEGORY[declaration.declaration_category]
            if declaration.additional_declaration_type not in allowed:
                add("additional_declaration_type_category", "additional_declaration_type",
                    f"The additional declaration type {declaration.additional_declaration_type} does not exist for "
                    f"category {declaration.declaration_category}.",
                    type=declaration.additional_declaration_type, category=declaration.declaration_category)
    _check_office(check, declaration.customs_office, "customs_office", "the customs office")
    _check_office(check, declaration.supervising_office, "supervising_office", "the supervising office",
                  optional=True)
    if not check.rule(rules.CURRENCY, declaration.currency, "currency", "the currency"):
        if currencies is not None and declaration.currency not in currencies:
            add("currency_unknown", "currency", f"The currency {declaration.currency} is unknown.",
                currency=declaration.currency)
    if declaration.invoice_amount is not None and declaration.invoice_amount < 0:
        add("amount_negative", "invoice_amount", "The invoice amount cannot be negative.")
    else:
        check.rule(rules.AMOUNT, declaration.invoice_amount, "invoice_amount", "the invoice amount")
    check.code(declaration.border_transport_mode, rules.TRANSPORT_MODES, "border_transport_mode",
               "the mode of transport at the border")
    if declaration.incoterm or declaration.incoterm_location:
        check.code(declaration.incoterm, rules.INCOTERMS, "incoterm", "the delivery terms (Incoterm)")
        check.rule(rules.INCOTERM_LOCATION, declaration.incoterm_location, "incoterm_location",
                   "the place of the delivery terms", optional=True)
    for name, what in (("export_country_code", "the country of export"),
                       ("destination_country_code", "the country of destination")):
        value = getattr(declaration, name)
        if value and not check.rule(rules.COUNTRY, value, name, what):
            if countries is not None and value not in countries:
                add("country_unknown", name, _sentence(f"{what} {value} is unknown."), country=value)

    # Parties
    parties = {"declarant": declaration.declarant, "representative": declaration.representative}
    if declaration.kind != EXPORT:
        parties["importer"] = declaration.importer
    else:
        parties["exporter"] = declaration.exporter
    for role, party in parties.items():
        if party is None:
            if role != "representative":
                add("party_missing", role, f"The {role} is missing.", role=role)
            continue
        _check_party(check, role, party, countries)
    if declaration.kind != EXPORT and declaration.exporter is not None:
        # The foreign sender of an import: written with name and address.
        _check_party_address_only(check, declaration.exporter, countries)
    status = declaration.representative_status
    if status and status not in rules.REPRESENTATIVE_STATUSES:
        add("representative_status_unknown", "representative_status",
            f"The representative status {status!r} is not 1 (own account), 2 (direct) or 3 (indirect).",
            value=status)
    elif declaration.representative and status not in ("2", "3"):
        add("representative_status", "representative_status",
            "A representative acts in direct (2) or indirect (3) representation: say which.")

    # Documents, statements, authorisations, guarantee, deferment
    for position, document in enumerate(declaration.previous_documents, start=1):
        _check_document(check, document, "previous_documents", f"previous document {position}",
                        path=f"previous_documents[{position}]", previous=True)
    for position, document in enumerate(declaration.supporting_documents, start=1):
        _check_document(check, document, "supporting_documents", f"supporting document {position}",
                        path=f"supporting_documents[{position}]")
    for position, statement in enumerate(declaration.additional_information, start=1):
        _check_statement(check, statement, "additional_information", f"statement {position}",
                         path=f"additional_information[{position}]")
    seen = set()
    for position, authorisation in enumerate(declaration.authorisations, start=1):
        path = f"authorisations[{position}]"
        check.code(authorisation.type_code, rules.AUTHORISATION_TYPES, "authorisations",
                   f"the type of authorisation {position}", path=f"{path}.type_code", code_prefix="authorisation_type")
        if (authorisation.type_code, authorisation.holder_eori) in seen:
            add("authorisation_duplicate", "authorisations",
                f"Authorisation {position} ({authorisation.type_code}) is given twice.", path=path)
        seen.add((authorisation.type_code, authorisation.holder_eori))
        for code, params in check_eori(authorisation.holder_eori):
            add(f"authorisation_holder_{code}", "authorisations",
                f"The holder of authorisation {position} ({authorisation.type_code}) needs a valid EORI number.",
                path=f"{path}.holder_eori", **params)
        check.rule(rules.AUTHORISATION_REFERENCE, authorisation.reference, "authorisations",
                   f"the reference of authorisation {position}", path=f"{path}.reference", optional=True,
                   code_prefix="authorisation_reference")
    authorisation_types = {authorisation.type_code for authorisation in declaration.authorisations}
    guarantee = declaration.guarantee
    if guarantee is not None:
        check.code(guarantee.type_code, rules.GUARANTEE_TYPES, "guarantee", "the guarantee type",
                   path="guarantee.type_code", code_prefix="guarantee_type")
        if not (guarantee.grn or guarantee.reference):
            add("guarantee_reference_missing", "guarantee",
                "The guarantee needs its reference number (GRN or other reference).", path="guarantee.reference")
        check.rule(rules.GUARANTEE_GRN, guarantee.grn, "guarantee", "the guarantee reference number (GRN)",
                   path="guarantee.grn", optional=True, code_prefix="guarantee_grn")
        check.rule(rules.GUARANTEE_REFERENCE, guarantee.reference, "guarantee", "the guarantee reference",
                   path="guarantee.reference", optional=True, code_prefix="guarantee_reference")
        check.rule(rules.GUARANTEE_ACCESS_CODE, guarantee.access_code, "guarantee", "the guarantee access code",
                   path="guarantee.access_code", optional=True, code_prefix="guarantee_access_code")
        if guarantee.office:
            _check_office(check, guarantee.office, "guarantee", "the guarantee office", code_prefix="guarantee_office")
        if guarantee.amount is not None:
            check.rule(rules.AMOUNT, guarantee.amount, "guarantee", "the guarantee amount", path="guarantee.amount",
                       code_prefix="guarantee_amount")
    if declaration.deferment_account is not None:
        check.rule(rules.DEFERMENT_ACCOUNT, declaration.deferment_account, "deferment",
                   "the deferment account (DE 2/6)", path="deferment_account", code_prefix="deferment_account")
        check.code(declaration.deferment_type, rules.DEFERMENT_TYPES, "deferment", "the deferment account type",
                   path="deferment_type", code_prefix="deferment_type")

    # Where the procedure or the payment needs them: guarantee and deferment.
    methods = {line.payment_method for line in declaration.lines if line.payment_method}
    if methods & rules.DEFERMENT_PAYMENT_METHODS and not declaration.deferment_account:
        add("deferment_missing", "deferment",
            "Deferred payment (method of payment E or F) needs the deferment account (DE 2/6).",
            methods=", ".join(sorted(methods & rules.DEFERMENT_PAYMENT_METHODS)))
    if declaration.deferment_account and not methods & rules.DEFERMENT_PAYMENT_METHODS:
        add("deferment_unused", "deferment",
            "A deferment account is given but no item is paid by deferment (method of payment E or F).")
    needs_guarantee = sorted({
        line.procedure_code for line in declaration.lines
        if (line.procedure_code or "")[:2] in rules.GUARANTEE_PROCEDURES
    })
    if needs_guarantee and guarantee is None:
        add("guarantee_missing", "guarantee",
            f"Procedure {', '.join(needs_guarantee)} suspends duties: the guarantee (DE 8/3) is needed.",
            procedures=", ".join(needs_guarantee))
    elif "CGU" in authorisation_types and guarantee is None:
        add("guarantee_missing", "guarantee",
            "A comprehensive guarantee authorisation (CGU) is declared: its guarantee (DE 8/3) is needed.")
    if methods & rules.GUARANTEE_PAYMENT_METHODS and guarantee is None:
        add("guarantee_missing", "guarantee",
            "Payment from a guarantee account needs the guarantee (DE 8/3).",
            methods=", ".join(sorted(methods & rules.GUARANTEE_PAYMENT_METHODS)))

    # Goods items
    if not declaration.lines:
        add("no_lines", "lines", "A declaration needs at least one goods item.")
    if len(declaration.lines) > MAX_ITEMS:
        add("too_many_lines", "lines", f"A declaration holds at most {MAX_ITEMS} goods items.",
            count=len(declaration.lines))
    for index, line in enumerate(declaration.lines, start=1):
        _check_line(check, declaration, index, line, countries, tariff_codes)
    if declaration.lines:
        check.rule(rules.MASS, declaration.total_gross_mass_kg, "lines", "the total gross mass",
                   path="total_gross_mass_kg", code_prefix="total_gross_mass")
        check.rule(rules.TOTAL_PACKAGES, declaration.total_packages, "lines", "the total number of packages",
                   path="total_packages", code_prefix="total_packages")
    if declaration.kind == IMPORT_RELIEF and declaration.lines and not any(
        line.relief_claimed for line in declaration.lines
    ):
        add("relief_item_missing", "lines",
            "A returned goods relief declaration needs at least one item claiming relief (procedure 61xx).")
    return check.problems


def _check_party_address_only(check, party, countries):
    """The exporter of an import (the foreign sender): name and address, EORI only where given."""
    if not (party.name or "").strip():
        check.add("party_name_missing", "exporter.name", "The name of the exporter is missing.", role="exporter")
    else:
        check.rule(rules.PARTY_NAME, party.name, "exporter.name", "the name of the exporter")
    if party.eori:
        for code, params in check_eori(party.eori):
            check.add(code, "exporter.eori", f"The EORI number {party.eori} of the exporter is not valid.",
                      role="exporter", **params)
    check.rule(rules.ADDRESS_LINE, party.street, "exporter.street", "the street of the exporter", optional=True)
    check.rule(rules.CITY, party.city, "exporter.city", "the city of the exporter", optional=True)
    check.rule(rules.POSTCODE, party.zip_code, "exporter.zip_code", "the postcode of the exporter", optional=True)
    if party.country_code and not check.rule(
        rules.COUNTRY, party.country_code, "exporter.country_code", "the country code of the exporter"
    ):
        if countries is not None and party.country_code not in countries:
            check.add("country_unknown", "exporter.country_code",
                      f"The country {party.country_code} of the exporter is unknown.", country=party.country_code)
