"""Returned Goods Relief (EU Union Customs Code art. 203-205, UK CDS alike).

Goods exported from a customs territory that come back unaltered within three years are
released free of import duty (and of import VAT when the importer is the exporter): the
declaration uses procedure ``61`` followed by the previous procedure (``6110`` after a
permanent export, ``6121``/``6122``/``6123`` after outward processing or temporary export),
the additional procedure ``F01``, and quotes the export declaration's MRN as a previous
document.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

RELIEF_PERIOD_YEARS = 3
RGR_ADDITIONAL_PROCEDURE = "F01"
PLAIN_IMPORT_PROCEDURE = "4000"  # release for free circulation and home use, no previous procedure
PLAIN_ADDITIONAL_PROCEDURE = "000"
EXPORT_PROCEDURE = "1040"  # permanent export of goods in free circulation
# Previous procedures after which goods can come back under relief.
RELIEF_PREVIOUS_PROCEDURES = frozenset({"10", "21", "22", "23", "31"})

# Reason codes, translated for users by the caller.
NO_EXPORT_RECORD = "no_export_record"
EXPORTED_FROM_OTHER_TERRITORY = "exported_from_other_territory"
PERIOD_EXCEEDED = "period_exceeded"
GOODS_ALTERED = "goods_altered"
NO_EXPORT_MRN = "no_export_mrn"
PREVIOUS_PROCEDURE_NOT_ELIGIBLE = "previous_procedure_not_eligible"
RELIEF_APPLIES = "relief_applies"


@dataclass(frozen=True)
class ExportRecord:
    """How the goods left: the export declaration the relief refers to."""

    territory_code: str
    export_date: dt.date
    mrn: str | None
    procedure_code: str = "10"  # the two-digit requested procedure of the export declaration


@dataclass(frozen=True)
class ReliefDecision:
    applies: bool
    procedure_code: str  # four digits: requested + previous procedure
    additional_procedure_codes: tuple[str, ...]
    reasons: tuple[tuple[str, dict], ...] = field(default_factory=tuple)  # (code, params), all that applied
    previous_document_mrn: str | None = None


def _add_years(date: dt.date, years: int) -> dt.date:
    try:
        return date.replace(year=date.year + years)
    except ValueError:  # 29 February
        return date.replace(year=date.year + years, day=28)


def decide_relief(
    import_territory: str,
    reimport_date: dt.date,
    export: ExportRecord | None,
    goods_unaltered: bool = True,
) -> ReliefDecision:
    """Decide whether goods coming back into ``import_territory`` qualify for relief.

    Every reason that rules relief out is listed, so the user sees all of them at once.
    """
    reasons = []
    if export is None:
        reasons.append((NO_EXPORT_RECORD, {}))
    else:
        if export.territory_code != import_territory:
            reasons.append(
                (
                    EXPORTED_FROM_OTHER_TERRITORY,
                    {"exported_from": export.territory_code, "import_into": import_territory},
                )
            )
        deadline = _add_years(export.export_date, RELIEF_PERIOD_YEARS)
        if reimport_date > deadline:
            reasons.append(
                (
                    PERIOD_EXCEEDED,
                    {"exported_on": export.export_date, "deadline": deadline, "years": RELIEF_PERIOD_YEARS},
                )
            )
        if not export.mrn:
            reasons.append((NO_EXPORT_MRN, {}))
        if export.procedure_code not in RELIEF_PREVIOUS_PROCEDURES:
            reasons.append((PREVIOUS_PROCEDURE_NOT_ELIGIBLE, {"procedure": export.procedure_code}))
    if not goods_unaltered:
        reasons.append((GOODS_ALTERED, {}))
    if reasons:
        return ReliefDecision(
            applies=False,
            procedure_code=PLAIN_IMPORT_PROCEDURE,
            additional_procedure_codes=(PLAIN_ADDITIONAL_PROCEDURE,),
            reasons=tuple(reasons),
        )
    return ReliefDecision(
        applies=True,
        procedure_code="61" + export.procedure_code,
        additional_procedure_codes=(RGR_ADDITIONAL_PROCEDURE,),
        reasons=((RELIEF_APPLIES, {"exported_on": export.export_date, "mrn": export.mrn}),),
        previous_document_mrn=export.mrn,
    )
