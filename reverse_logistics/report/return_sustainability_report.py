"""What the return hubs save, and what becomes of the returned units: an SQL view, one row per return.

One row per return, not per line: the route figures (cost, CO2e, declarations, with their baseline "shipped
direct as a parcel") belong to the return as a whole, and splitting them over its lines would need an
allocation key nobody could check. The units disposed of are summed per return in a sub-query, so "returns
handled" stays a plain count of rows and every money or CO2e measure adds up without double counting.

The date is the day the return was approved (UTC). The route, and with it the figures, is decided at
approval: every return of the report has one from then on, a return still on its way counts in the month
it was authorised, and a month's figures do not move when a load arrives weeks later. Only returns that
were approved and not abandoned are shown (refused or cancelled returns moved no goods).

Figures and how they are computed:

- Returns handled: 1 per return.
- Parcels avoided: without hubs every return travels to its warehouse as its own long-haul parcel. A load
  of n returns that left its hub as one shipment replaces n such parcels by one: it avoids n - 1. Each
  return of the load carries its share, (n - 1) / n, so that the sum over the whole load is n - 1 however
  the rows are grouped. A return shipped direct avoids nothing, and neither does a return whose load has
  not left its hub yet (n is not known before).
- Declarations avoided: the declarations the return would need shipped direct (``baseline_declarations``),
  less those made for it alone (``route_declarations``), less its share of the load's declarations
  (the load's ``declarations`` / n). A load of n returns crossing a border with one declaration avoids
  n - 1. Counted, like parcels, once the load has left; a direct return avoids nothing (both figures
  are equal).
- Transport cost and CO2e: the return's route figures and their baseline, as the planner gives them
  (its estimate at approval, the load's real shares once the load has left). Saving = baseline - route;
  CO2e avoided = baseline - route (ISO 14083, with the planner's emission intensities), rounded to the
  gram in numeric so that a nil difference never shows as -0. Both are signed and never clipped: routes
  are chosen on cost, and a hub leg by a small truck after a detour may cost less and emit more than the
  parcel direct (a negative CO2e avoided), which is what the report must show next to the saving. A
  return shipped direct carries its parcel's cost and CO2e on both sides (priced at approval as soon as
  the company has its parcel card, with or without hubs).
- Units by outcome: the quantities of the return's units (their inspections) whose disposition is
  decided, under way or done, by disposition code:

  ==================  ==========================  =====================
  disposition code    column                      diverted from landfill
  ==================  ==========================  =====================
  restock             units_restocked             yes
  resell_as_is        units_resold                yes
  refurbish           units_refurbished           yes
  recycle             units_recycled              yes
  donate              units_donated               yes
  return_to_vendor    units_returned_to_vendor    yes (the vendor reuses or repairs it)
  destroy             units_destroyed             no
  ==================  ==========================  =====================

  Proposed, held and cancelled dispositions are not outcomes yet and count nowhere.
- Landfill diversion rate: units diverted / units disposed of. Shares and the rate are ratios: grouped,
  they are sums over sums (``_read_group_select``), never an average of the rows' ratios.
- Recovered value: what the returned units brought back, in the company's currency. A restocked unit
  is worth its disposition's expected net value (the price of a new unit less handling, as the
  disposition engine valued it when it was decided); a resold or refurbished unit its share of its
  listing's realised revenue (the listing's untaxed sold amount times the unit's quantity over the
  listing's quantity: a listing may gather the units of several returns); nothing until it is sold.
  Other outcomes recover nothing here (vendor credits are booked with the vendor's bills).
"""

from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.return_hub_mode import MODE_LABELS
from ..models.return_states import LABEL_STATES
from ..returns_lib import disposition as disposition_lib
from ..returns_lib.consolidation.emissions import MODES

# Disposition code -> the units column it fills, and its share column (see the module's table).
OUTCOME_COLUMNS = {
    disposition_lib.RESTOCK: ("units_restocked", "restocked_percent"),
    disposition_lib.RESELL: ("units_resold", "resold_percent"),
    disposition_lib.REFURBISH: ("units_refurbished", "refurbished_percent"),
    disposition_lib.RECYCLE: ("units_recycled", "recycled_percent"),
    disposition_lib.DONATE: ("units_donated", "donated_percent"),
    disposition_lib.RETURN_TO_VENDOR: ("units_returned_to_vendor", "returned_to_vendor_percent"),
    disposition_lib.DESTROY: ("units_destroyed", "destroyed_percent"),
}
UNIT_COLUMNS = tuple(units for units, _percent in OUTCOME_COLUMNS.values())
# Outcomes that end in landfill or incineration: every other one diverts the unit.
NOT_DIVERTED = (disposition_lib.DESTROY,)
# Dispositions whose outcome is decided (carried out or being carried out).
DECIDED_STATES = ("decided", "in_progress", "done")
# Loads whose returns travelled together: their shipment exists.
LEFT_STATES = ("shipped", "received")
# Percent field -> (numerator, denominator) of units: grouped, the percent is SUM / SUM.
RATIOS = {
    "diversion_rate": ("units_diverted", "units_disposed"),
    **{percent: (units, "units_disposed") for units, percent in OUTCOME_COLUMNS.values()},
}
MODE_SELECTION = [
    ("parcel", "Parcel (direct)"),
    *((mode, MODE_LABELS[mode]) for mode in MODES),
    ("pending", "At the Hub (not left yet)"),
]


class ReturnSustainabilityReport(models.Model):
    _name = "return.sustainability.report"
    _description = "Returns Sustainability Analysis"
    _auto = False
    _rec_name = "order_id"
    _order = "date desc, id desc"
    # What the view reads: pending ORM writes to these are flushed before it is queried.
    _depends = {
        "return.order": [
            "company_id", "date_approved", "state", "hub_id", "consolidation_id", "partner_id",
            "partner_return_address_id", "route_cost", "baseline_cost", "route_co2e_kg", "baseline_co2e_kg",
            "route_declarations", "baseline_declarations",
        ],
        "res.company": ["currency_id"],
        "res.partner": ["country_id"],
        "return.consolidation": ["state", "return_count", "declarations", "mode_id"],
        "return.hub.mode": ["mode"],
        "return.disposition": [
            "order_id", "inspection_id", "state", "disposition_code", "expected_value", "resale_listing_id",
        ],
        "return.inspection": ["quantity"],
        "resale.listing": ["quantity", "sold_amount"],
        "return.order.line": ["order_id", "qty_received", "packaging_condition"],
    }

    order_id = fields.Many2one("return.order", "Return", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    date = fields.Date("Approved On", readonly=True)
    hub_id = fields.Many2one("return.hub", readonly=True)
    consolidation_id = fields.Many2one("return.consolidation", "Load", readonly=True)
    country_id = fields.Many2one("res.country", "Sender Country", readonly=True)
    mode = fields.Selection(MODE_SELECTION, readonly=True,
                            help="How the return travelled to its warehouse: as a parcel, or in its load's mode.")
    return_count = fields.Integer("Returns Handled", readonly=True)
    parcels_avoided = fields.Float(
        digits=(16, 2), readonly=True,
        help="A load of n returns leaving its hub as one shipment avoids n - 1 long-haul parcels; each return "
        "carries (n - 1) / n of it.")
    declarations_avoided = fields.Float(
        digits=(16, 2), readonly=True,
        help="Declarations if shipped direct, less its own, less its share of its load's declarations.")
    route_cost = fields.Monetary("Transport Cost", readonly=True)
    baseline_cost = fields.Monetary("Cost if Direct", readonly=True)
    saving = fields.Monetary(readonly=True, help="Cost if direct less the transport cost.")
    route_co2e_kg = fields.Float("CO2e (kg)", digits=(16, 3), readonly=True)
    baseline_co2e_kg = fields.Float("CO2e if Direct (kg)", digits=(16, 3), readonly=True)
    co2e_avoided_kg = fields.Float("CO2e Avoided (kg)", digits=(16, 3), readonly=True)
    units_restocked = fields.Float(readonly=True)
    units_resold = fields.Float(readonly=True)
    units_refurbished = fields.Float(readonly=True)
    units_recycled = fields.Float(readonly=True)
    units_donated = fields.Float(readonly=True)
    units_returned_to_vendor = fields.Float(readonly=True)
    units_destroyed = fields.Float(readonly=True)
    units_disposed = fields.Float("Units Disposed Of", readonly=True,
                                  help="Units whose disposition is decided, under way or done.")
    units_diverted = fields.Float(readonly=True, help="Units disposed of and not destroyed.")
    diversion_rate = fields.Float(
        "Landfill Diversion (%)", digits=(5, 1), readonly=True, aggregator="avg",
        help="Units diverted over units disposed of (grouped: the sums' ratio).")
    restocked_percent = fields.Float("Restocked (%)", digits=(5, 1), readonly=True, aggregator="avg")
    resold_percent = fields.Float("Resold (%)", digits=(5, 1), readonly=True, aggregator="avg")
    refurbished_percent = fields.Float("Refurbished (%)", digits=(5, 1), readonly=True, aggregator="avg")
    recycled_percent = fields.Float("Recycled (%)", digits=(5, 1), readonly=True, aggregator="avg")
    donated_percent = fields.Float("Donated (%)", digits=(5, 1), readonly=True, aggregator="avg")
    returned_to_vendor_percent = fields.Float("Returned to Vendor (%)", digits=(5, 1), readonly=True,
                                              aggregator="avg")
    destroyed_percent = fields.Float("Destroyed (%)", digits=(5, 1), readonly=True, aggregator="avg")
    recovered_value = fields.Monetary(
        readonly=True,
        help="Restocked units at their disposition's expected net value, resold and refurbished units at their "
        "share of their listing's revenue once sold.")
    # Returnable packaging (returns of kind packaging): units back from customers, and those fit for another trip.
    packaging_units_returned = fields.Float(readonly=True, help="Returnable packaging received on this return.")
    packaging_units_reused = fields.Float(
        readonly=True, help="Returnable packaging received reusable: back into the packaging stock for another trip.")

    # ------------------------------------------------------------------
    # The view
    # ------------------------------------------------------------------
    def _outcome_query(self):
        """Per return: units by outcome, units disposed of and diverted, and the value recovered."""
        units = [
            SQL("COALESCE(SUM(insp.quantity) FILTER (WHERE disp.disposition_code = %s), 0) AS %s",
                code, SQL.identifier(column))
            for code, (column, _percent) in OUTCOME_COLUMNS.items()
        ]
        return SQL(
            """
            SELECT disp.order_id,
                   %(units)s,
                   SUM(insp.quantity) AS units_disposed,
                   COALESCE(SUM(insp.quantity) FILTER (WHERE disp.disposition_code NOT IN %(not_diverted)s), 0)
                       AS units_diverted,
                   SUM(CASE WHEN disp.disposition_code = %(restock)s THEN COALESCE(disp.expected_value, 0)
                            WHEN listing.quantity > 0
                                THEN COALESCE(listing.sold_amount, 0) * insp.quantity / listing.quantity
                            ELSE 0 END) AS recovered_value
              FROM return_disposition disp
              JOIN return_inspection insp ON insp.id = disp.inspection_id
         LEFT JOIN resale_listing listing ON listing.id = disp.resale_listing_id
             WHERE disp.state IN %(decided)s AND disp.disposition_code IS NOT NULL
          GROUP BY disp.order_id
            """,
            units=SQL(", ").join(units),
            not_diverted=NOT_DIVERTED,
            restock=disposition_lib.RESTOCK,
            decided=DECIDED_STATES,
        )

    def _query(self):
        left = SQL("load.state IN %s", LEFT_STATES)
        percents = [
            SQL("CASE WHEN outcome.units_disposed > 0 THEN outcome.%s * 100.0 / outcome.units_disposed END AS %s",
                SQL.identifier(numerator), SQL.identifier(percent))
            for percent, (numerator, _denominator) in RATIOS.items()
        ]
        units = [
            SQL("COALESCE(outcome.%s, 0) AS %s", SQL.identifier(column), SQL.identifier(column))
            for column in (*UNIT_COLUMNS, "units_disposed", "units_diverted")
        ]
        return SQL(
            """
            WITH outcome AS (%(outcome)s),
                 packaging AS (
                     SELECT line.order_id, SUM(line.qty_received) AS returned,
                            COALESCE(SUM(line.qty_received) FILTER (WHERE line.packaging_condition = 'reusable'), 0)
                                AS reused
                       FROM return_order_line line
                       JOIN return_order pro ON pro.id = line.order_id AND pro.return_kind = 'packaging'
                   GROUP BY line.order_id
                 )
            SELECT ro.id AS id,
                   ro.id AS order_id,
                   ro.company_id,
                   company.currency_id,
                   ro.date_approved::date AS date,
                   ro.hub_id,
                   ro.consolidation_id,
                   COALESCE(sender.country_id, customer.country_id) AS country_id,
                   CASE WHEN ro.hub_id IS NULL THEN 'parcel'
                        WHEN %(left)s AND hub_mode.mode IS NOT NULL THEN hub_mode.mode
                        ELSE 'pending' END AS mode,
                   1 AS return_count,
                   CASE WHEN %(left)s AND load.return_count > 0
                        THEN (load.return_count - 1)::numeric / load.return_count
                        ELSE 0 END AS parcels_avoided,
                   CASE WHEN ro.hub_id IS NOT NULL AND NOT COALESCE(%(left)s, FALSE) THEN 0
                        ELSE COALESCE(ro.baseline_declarations, 0) - COALESCE(ro.route_declarations, 0)
                             - CASE WHEN %(left)s AND load.return_count > 0
                                    THEN COALESCE(load.declarations, 0)::numeric / load.return_count
                                    ELSE 0 END
                        END AS declarations_avoided,
                   COALESCE(ro.route_cost, 0) AS route_cost,
                   COALESCE(ro.baseline_cost, 0) AS baseline_cost,
                   COALESCE(ro.baseline_cost, 0) - COALESCE(ro.route_cost, 0) AS saving,
                   COALESCE(ro.route_co2e_kg, 0) AS route_co2e_kg,
                   COALESCE(ro.baseline_co2e_kg, 0) AS baseline_co2e_kg,
                   ROUND((COALESCE(ro.baseline_co2e_kg, 0) - COALESCE(ro.route_co2e_kg, 0))::numeric, 3)
                       AS co2e_avoided_kg,
                   %(units)s,
                   %(percents)s,
                   COALESCE(outcome.recovered_value, 0) AS recovered_value,
                   COALESCE(packaging.returned, 0) AS packaging_units_returned,
                   COALESCE(packaging.reused, 0) AS packaging_units_reused
              FROM return_order ro
              JOIN res_company company ON company.id = ro.company_id
              JOIN res_partner customer ON customer.id = ro.partner_id
         LEFT JOIN res_partner sender ON sender.id = ro.partner_return_address_id
         LEFT JOIN return_consolidation load ON load.id = ro.consolidation_id
         LEFT JOIN return_hub_mode hub_mode ON hub_mode.id = load.mode_id
         LEFT JOIN outcome ON outcome.order_id = ro.id
         LEFT JOIN packaging ON packaging.order_id = ro.id
             WHERE ro.date_approved IS NOT NULL AND ro.state IN %(states)s
            """,
            outcome=self._outcome_query(),
            left=left,
            units=SQL(", ").join(units),
            percents=SQL(", ").join(percents),
            states=LABEL_STATES,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))

    # ------------------------------------------------------------------
    # Grouping
    # ------------------------------------------------------------------
    def _read_group_select(self, aggregate_spec, query):
        # A share of a group is its units over its units disposed of, whatever number of returns made it.
        fname, _sep, func = aggregate_spec.partition(":")
        if func != "avg" or fname not in RATIOS:
            return super()._read_group_select(aggregate_spec, query)
        numerator, denominator = RATIOS[fname]
        return SQL(
            "CASE WHEN SUM(%(den)s) > 0 THEN SUM(%(num)s) * 100.0 / SUM(%(den)s) END",
            num=self._field_to_sql(self._table, numerator, query),
            den=self._field_to_sql(self._table, denominator, query),
        )
