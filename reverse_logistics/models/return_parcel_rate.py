# pylint: disable=consider-merging-classes-inherited
"""The parcel carrier's card a return hub is compared with.

A return shipped alone travels as a parcel: to its warehouse (the baseline "direct") or to the hub that
gathers the returns of its region. What that parcel costs depends on the zone it crosses: within a
country, to another country of the same customs territory, or across a customs border, where each parcel
also needs its own customs declaration. The planner (``returns_lib.consolidation.planner.ParcelRates``)
reads one row per zone; without the three rows the company has no card and a served return simply goes
through its hub, as before costs were compared.
"""

from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..returns_lib.consolidation import planner as planner_lib
from .return_input_guard import FLOAT_LIMIT

ZONES = [
    (planner_lib.ZONE_DOMESTIC, "Within a Country"),
    (planner_lib.ZONE_TERRITORY, "Same Customs Territory"),
    (planner_lib.ZONE_INTERNATIONAL, "Across a Customs Border"),
]


class ReturnParcelRate(models.Model):
    _name = "return.parcel.rate"
    _description = "Parcel Rate for Returns"
    _order = "company_id, zone"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    zone = fields.Selection(ZONES, required=True)
    per_parcel = fields.Monetary(required=True)
    per_kg = fields.Monetary("Per kg")
    transit_days = fields.Integer("Transit (Days)", required=True, default=3)
    declaration_cost = fields.Monetary(
        "Declaration per Parcel",
        help="What one customs declaration costs a parcel crossing a customs border (broker, duties paperwork).",
    )

    _sql_constraints = [
        ("zone_company_unique", "unique(company_id, zone)", "A company has one parcel rate per zone."),
    ]

    @api.constrains("per_parcel", "per_kg", "transit_days", "declaration_cost")
    def _check_amounts(self):
        for rate in self:
            values = (rate.per_parcel, rate.per_kg, rate.transit_days, rate.declaration_cost)
            # Not negative, and not so large that the planner's cent arithmetic overflows at every approval.
            if not all(0 <= value <= FLOAT_LIMIT for value in values):
                limit = f"{FLOAT_LIMIT:,.0f}"
                raise ValidationError(self.env._(
                    "Parcel rate %(zone)s: amounts and transit days cannot be negative or above %(limit)s.",
                    zone=dict(self._fields["zone"]._description_selection(self.env))[rate.zone],
                    limit=limit))

    @api.model
    def _get_card(self, company):
        """The company's card as the planner reads it, or None while one of its three zones is missing."""
        rates = {rate.zone: rate for rate in self.search([("company_id", "=", company.id)])}
        if len(rates) < len(ZONES):
            return None

        def rate(zone):
            return planner_lib.ParcelRate(_money(rates[zone].per_parcel), _money(rates[zone].per_kg),
                                          rates[zone].transit_days)

        return planner_lib.ParcelRates(
            domestic=rate(planner_lib.ZONE_DOMESTIC),
            territory=rate(planner_lib.ZONE_TERRITORY),
            international=rate(planner_lib.ZONE_INTERNATIONAL),
            declaration_cost=_money(rates[planner_lib.ZONE_INTERNATIONAL].declaration_cost),
        )

    @api.depends("zone", "company_id.name")
    def _compute_display_name(self):
        zones = dict(self._fields["zone"]._description_selection(self.env))
        for rate in self:
            rate.display_name = self.env._("Parcel rate %(zone)s", zone=zones.get(rate.zone, ""))


def _money(value):
    # Monetary floats are rounded to the currency already: their repr is the amount in cents.
    return Decimal(repr(value))


class ResCompany(models.Model):
    _inherit = "res.company"

    return_route_max_days = fields.Integer(
        "Returns Arrive Within (Days)", default=21, groups="base.group_user",
        help="The service level of a return's trip: from its approval to its arrival at the warehouse. A route "
        "through a hub that would take longer is not used.",
    )

    _sql_constraints = [
        ("return_route_max_days_positive", "CHECK(return_route_max_days >= 0)",
         "The days within which returns arrive cannot be negative."),
    ]
