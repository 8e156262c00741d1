"""Return hubs: where scattered returns of a region gather before leaving together.

A hub is configured by a returns manager: where it is (its address and the stock location that
receives the parcels), which origins it serves (countries, postal areas, customs territories),
when a load leaves (a calendar and thresholds, as ``returns_lib.consolidation.release``), what the
hub does with the parcels, what it costs, and its outbound modes (``return.hub.mode``).
"""

import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..returns_lib.consolidation import release as release_lib
from .return_input_guard import FLOAT_LIMIT

RELEASE_KINDS = [
    (release_lib.EVERY_N_DAYS, "Every N Days"),
    (release_lib.WEEKLY, "Weekly"),
    (release_lib.MONTHLY, "Monthly"),
]
WEEKDAYS = [
    ("0", "Monday"), ("1", "Tuesday"), ("2", "Wednesday"), ("3", "Thursday"), ("4", "Friday"),
    ("5", "Saturday"), ("6", "Sunday"),
]
WEEKS_OF_MONTH = [("1", "First"), ("2", "Second"), ("3", "Third"), ("4", "Fourth"), ("-1", "Last")]
SERVICE_LEVELS = [
    ("forward", "Forward Unopened"),
    ("record", "Open and Record"),
    ("inspect", "Inspect and Grade"),
]
# The product class of every load without hazardous goods (hazardous ones take their category's name).
GENERAL_CLASS = "general"


def product_class_label(env, product_class):
    """A load's product class for people: hazardous classes are product categories, the rest general goods."""
    return env._("General goods") if not product_class or product_class == GENERAL_CLASS else product_class


# Postal codes are compared without spaces, in capitals: a prefix is letters and digits only.
POSTAL_PREFIX = re.compile(r"^[A-Z0-9]{1,10}$")
TERRITORY_CODE = re.compile(r"^[A-Z0-9]{2,10}$")


class ReturnHub(models.Model):
    _name = "return.hub"
    _description = "Return Hub"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10, help="Where two hubs serve an address as precisely, the first one wins.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    warehouse_id = fields.Many2one(
        "stock.warehouse", check_company=True, tracking=True,
        help="The company's own warehouse running the hub; leave empty for a partner's site (a 3PL).",
    )
    partner_id = fields.Many2one(
        "res.partner", "Hub Address", compute="_compute_partner_id", store=True, readonly=False, required=True,
        precompute=True, check_company=True,
        help="The address customers send their parcels to: it is printed on their labels.",
    )
    location_id = fields.Many2one(
        "stock.location", "Receiving Location", compute="_compute_location_id", store=True, readonly=False,
        required=True, precompute=True, check_company=True, domain="[('usage', 'in', ('internal', 'transit'))]",
        tracking=True,
        help="Where the parcels arriving at the hub are kept until their load leaves.",
    )
    area_ids = fields.One2many("return.hub.area", "hub_id", "Served Origins", copy=True)
    release_kind = fields.Selection(RELEASE_KINDS, "Release", required=True, default=release_lib.WEEKLY)
    release_every_days = fields.Integer("Every (Days)", default=7)
    release_anchor = fields.Date(
        "First Departure", default=fields.Date.context_today,
        help="Every N days: a day a load leaves; the next ones follow every N days.",
    )
    release_weekday = fields.Selection(WEEKDAYS, "Weekday", default="0")
    release_week_of_month = fields.Selection(WEEKS_OF_MONTH, "Week of the Month", default="1")
    threshold_weight = fields.Float("Leave at (kg)", help="A load leaves as soon as it weighs this much (0: no limit).")
    threshold_volume = fields.Float(
        "Leave at (m³)", digits=(16, 3), help="A load leaves as soon as it takes this volume (0: no limit)."
    )
    threshold_value = fields.Monetary("Leave at Value", help="A load leaves as soon as it is worth this (0: no limit).")
    threshold_count = fields.Integer(
        "Leave at Returns", help="A load leaves as soon as it holds so many returns (0: no limit)."
    )
    service_level = fields.Selection(
        SERVICE_LEVELS, required=True, default="forward", tracking=True,
        help="What the hub's team does with a parcel: forwards it unopened, or opens it and records its contents "
        "(lots and serials are entered at the hub either way), or inspects and grades it: then the return is "
        "received at the hub, units resold locally, recycled or destroyed stay there and never cross the border, "
        "and only units restocked, refurbished, returned to a vendor or donated travel home in a load.",
    )
    max_wait_days = fields.Integer("Max Waiting (Days)", default=14, required=True, tracking=True,
                                   help="No return stays at the hub longer than this.")
    handling_cost = fields.Monetary("Handling per Return", tracking=True)
    declaration_cost = fields.Monetary(
        help="One customs declaration for a load crossing a customs border."
    )
    accepts_hazardous = fields.Boolean("Takes Hazardous Goods")
    mode_ids = fields.One2many("return.hub.mode", "hub_id", "Outbound Modes", copy=True)
    note = fields.Text()
    consolidation_count = fields.Integer("Loads", compute="_compute_counts")
    return_count = fields.Integer("Returns", compute="_compute_counts")

    def _compute_counts(self):
        # One grouped count per model for every hub shown, not a search per hub.
        loads = dict(self.env["return.consolidation"]._read_group(
            [("hub_id", "in", self.ids)], ["hub_id"], ["__count"]))
        returns = dict(self.env["return.order"]._read_group(
            [("hub_id", "in", self.ids)], ["hub_id"], ["__count"]))
        for hub in self:
            hub.consolidation_count = loads.get(hub, 0)
            hub.return_count = returns.get(hub, 0)

    def action_view_consolidations(self):
        """The hub's loads, whatever their state."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("reverse_logistics.action_return_consolidation")
        action.update(domain=[("hub_id", "=", self.id)], context={"default_hub_id": self.id},
                      name=self.env._("Loads of %(hub)s", hub=self.name))
        return action

    def action_view_returns(self):
        """The returns routed through the hub."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("reverse_logistics.action_return_order")
        action.update(domain=[("hub_id", "=", self.id)], context={},
                      name=self.env._("Returns through %(hub)s", hub=self.name))
        return action

    @api.model_create_multi
    def create(self, vals_list):
        # A partner's site has no warehouse to take its address and location from: refuse it here, with the
        # field's name, rather than let the database's NOT NULL refuse it with a generic message.
        self._check_place_given(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_place_given([vals], written=True)
        return super().write(vals)

    def _check_place_given(self, vals_list, written=False):
        """Refuse a hub left without its address or receiving location (a warehouse gives both)."""
        for name in ("location_id", "partner_id"):
            for vals in vals_list:
                given = vals.get(name) or (not written and vals.get("warehouse_id"))
                if (name in vals or not written) and not given:
                    raise ValidationError(self.env._(
                        "Hub %(hub)s: give its %(field)s (or the warehouse of ours that runs it).",
                        hub=vals.get("name") or ", ".join(self.mapped("name")) or self.env._("(new)"),
                        field=self._fields[name]._description_string(self.env)))

    @api.depends("warehouse_id")
    def _compute_partner_id(self):
        for hub in self.filtered("warehouse_id"):
            hub.partner_id = hub.warehouse_id.partner_id or hub.company_id.partner_id

    @api.depends("warehouse_id")
    def _compute_location_id(self):
        for hub in self.filtered("warehouse_id"):
            hub.location_id = hub.warehouse_id.return_location_id or hub.warehouse_id.lot_stock_id

    @api.constrains("release_kind", "release_every_days", "release_anchor", "release_weekday", "release_week_of_month")
    def _check_release(self):
        for hub in self:
            if hub.release_kind == release_lib.EVERY_N_DAYS:
                if hub.release_every_days < 1:
                    raise ValidationError(self.env._(
                        "Hub %(hub)s: a load leaves every 1 day at least (%(days)s given).",
                        hub=hub.name, days=hub.release_every_days))
                if not hub.release_anchor:
                    raise ValidationError(self.env._("Hub %s: give the day of a first departure.", hub.name))
            elif not hub.release_weekday:
                raise ValidationError(self.env._("Hub %s: give the weekday loads leave on.", hub.name))
            elif hub.release_kind == release_lib.MONTHLY and not hub.release_week_of_month:
                raise ValidationError(self.env._("Hub %s: give the week of the month loads leave in.", hub.name))

    @api.constrains("threshold_weight", "threshold_volume", "threshold_value", "threshold_count",
                    "max_wait_days", "handling_cost", "declaration_cost")
    def _check_amounts(self):
        for hub in self:
            for name in ("threshold_weight", "threshold_volume", "threshold_value", "threshold_count",
                         "max_wait_days", "handling_cost", "declaration_cost"):
                # Not negative, and not so large that the planner's cent arithmetic overflows at every approval.
                if not 0 <= hub[name] <= FLOAT_LIMIT:
                    limit = f"{FLOAT_LIMIT:,.0f}"
                    raise ValidationError(self.env._(
                        "Hub %(hub)s: %(field)s cannot be negative or above %(limit)s.",
                        hub=hub.name, field=self._fields[name]._description_string(self.env), limit=limit))

    @api.constrains("location_id", "partner_id", "warehouse_id")
    def _check_place(self):
        for hub in self:
            if not hub.partner_id.country_id:
                raise ValidationError(self.env._(
                    "Hub %s: its address needs a country (customers' labels and customs depend on it).", hub.name))
            if hub.location_id.usage not in ("internal", "transit"):
                raise ValidationError(self.env._(
                    "Hub %(hub)s: the receiving location %(location)s is not a stock location of the company.",
                    hub=hub.name, location=hub.location_id.display_name))

    @api.constrains("accepts_hazardous")
    def _check_hazardous(self):
        for hub in self.filtered(lambda h: not h.accepts_hazardous):
            if hub.mode_ids.filtered("hazardous_allowed"):
                raise ValidationError(self.env._(
                    "Hub %s does not take hazardous goods: none of its modes can carry them.", hub.name))

    def _release_rule(self):
        """The hub's release rule as the planner reads it."""
        self.ensure_one()
        return release_lib.ReleaseRule(
            kind=self.release_kind,
            every_days=self.release_every_days or 1,
            anchor=self.release_anchor or fields.Date.context_today(self),
            weekday=int(self.release_weekday or 0),
            week_of_month=int(self.release_week_of_month or 1),
            weight_kg=self.threshold_weight or None,
            volume_m3=self.threshold_volume or None,
            value=self.threshold_value or None,
            count=self.threshold_count or None,
        )

    def _destination_warehouses(self):
        """The warehouses the hub's modes deliver to: a mode without any delivers to every warehouse."""
        self.ensure_one()
        modes = self.mode_ids.filtered("active")
        if any(not mode.destination_warehouse_ids for mode in modes):
            return self.env["stock.warehouse"].search([("company_id", "=", self.company_id.id)])
        return modes.destination_warehouse_ids

    def _serves_hazardous_to(self, warehouse):
        self.ensure_one()
        return self.accepts_hazardous and any(
            mode.hazardous_allowed
            and (not mode.destination_warehouse_ids or warehouse in mode.destination_warehouse_ids)
            for mode in self.mode_ids.filtered("active")
        )


class ReturnHubArea(models.Model):
    """An origin a hub serves: a country, a postal area (country and postal code prefix) or a customs territory."""

    _name = "return.hub.area"
    _description = "Origin Served by a Return Hub"
    _order = "hub_id, country_id, zip_prefix, territory_code, id"

    hub_id = fields.Many2one("return.hub", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="hub_id.company_id", store=True, index=True)
    country_id = fields.Many2one("res.country")
    zip_prefix = fields.Char("Postcodes Starting With", help="e.g. 75 for Paris; empty: the whole country.")
    territory_code = fields.Char(
        "Customs Territory",
        help="Every address of this customs territory (e.g. EU), as the customs territory rules say.",
    )

    @api.constrains("country_id", "zip_prefix", "territory_code")
    def _check_area(self):
        for area in self:
            if bool(area.country_id) == bool(area.territory_code):
                raise ValidationError(self.env._(
                    "Hub %s: each served origin is either a country (with or without a postcode prefix) "
                    "or a customs territory.", area.hub_id.name))
            if area.zip_prefix and not POSTAL_PREFIX.match(area.zip_prefix):
                raise ValidationError(self.env._(
                    "Hub %(hub)s: the postcode prefix %(prefix)r is letters and digits only, without spaces "
                    "(at most 10).", hub=area.hub_id.name, prefix=area.zip_prefix))
            if area.territory_code and not TERRITORY_CODE.match(area.territory_code):
                raise ValidationError(self.env._(
                    "Hub %(hub)s: %(code)r is not a customs territory code (e.g. EU, GB, CH).",
                    hub=area.hub_id.name, code=area.territory_code))

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._normalise(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._normalise(vals))

    @staticmethod
    def _normalise(vals):
        vals = dict(vals)
        for name in ("zip_prefix", "territory_code"):
            if isinstance(vals.get(name), str):
                vals[name] = vals[name].replace(" ", "").upper() or False
        return vals

    def _match(self, country_code, zip_code, territory):
        """How precisely this area serves an address: 0 not at all, 1 its customs territory, 2 its country,
        10 + the prefix length for its postal area (a longer prefix is a smaller area)."""
        self.ensure_one()
        if self.territory_code:
            return 1 if territory and territory == self.territory_code else 0
        if self.country_id.code != country_code:
            return 0
        if not self.zip_prefix:
            return 2
        code = (zip_code or "").replace(" ", "").upper()
        return 10 + len(self.zip_prefix) if code.startswith(self.zip_prefix) else 0

    @api.depends("hub_id.name", "country_id.name", "zip_prefix", "territory_code")
    def _compute_display_name(self):
        for area in self:
            origin = area.territory_code or " ".join(filter(None, (area.country_id.name, area.zip_prefix)))
            area.display_name = ": ".join(filter(None, (area.hub_id.name, origin)))
