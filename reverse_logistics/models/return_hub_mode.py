"""How loads leave a return hub: a mode, its vehicle class (for CO2e), its rate card, capacity and transit days."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..returns_lib.consolidation.emissions import MODES, default_factors
from .return_input_guard import FLOAT_LIMIT

MODE_LABELS = {"road": "Road", "rail": "Rail", "sea": "Sea", "air": "Air"}


class ReturnHubMode(models.Model):
    _name = "return.hub.mode"
    _description = "Outbound Mode of a Return Hub"
    _order = "hub_id, sequence, id"
    _check_company_auto = True

    hub_id = fields.Many2one("return.hub", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(related="hub_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="hub_id.currency_id")
    mode = fields.Selection([(mode, MODE_LABELS[mode]) for mode in MODES], required=True, default="road")
    vehicle_class = fields.Selection(
        "_selection_vehicle_class", required=True, default="artic_34_40t",
        help="As in the emission intensities of the planner (GLEC classes): it decides the load's CO2e.",
    )
    per_shipment = fields.Monetary()
    per_kg = fields.Monetary("Per kg")
    per_pallet = fields.Monetary()
    max_weight = fields.Float("Capacity (kg)", help="0: no limit.")
    max_volume = fields.Float("Capacity (m³)", digits=(16, 3), help="0: no limit.")
    max_pallets = fields.Integer("Capacity (Pallets)", help="0: no limit.")
    transit_days = fields.Integer("Transit (Days)", default=2, required=True)
    hazardous_allowed = fields.Boolean("Carries Hazardous Goods")
    carrier_intensity = fields.Float(
        "Carrier's CO2e (g/t·km)", digits=(16, 2),
        help="The carrier's own well-to-wheel intensity for this service, in grams of CO2e per tonne-kilometre, "
        "as its ISO 14083 / GLEC report gives it. ISO 14083 prefers such primary data: when set, it replaces the "
        "default intensity of the vehicle class (0: the default).",
    )
    destination_warehouse_ids = fields.Many2many(
        "stock.warehouse", string="Destinations", check_company=True,
        help="The warehouses this mode delivers to; empty: every warehouse of the company.",
    )

    @api.model
    def _selection_vehicle_class(self):
        classes = sorted({vehicle for (_mode, vehicle) in default_factors().intensities})
        return [(vehicle, vehicle) for vehicle in classes]

    @api.depends("hub_id", "mode", "vehicle_class")
    def _compute_display_name(self):
        labels = dict(self._fields["mode"]._description_selection(self.env))
        for record in self:
            mode = labels.get(record.mode, "")
            record.display_name = f"{record.hub_id.name or ''}: {mode} ({record.vehicle_class or ''})"

    @api.constrains("mode", "vehicle_class")
    def _check_vehicle_class(self):
        known = default_factors().intensities
        for record in self:
            if (record.mode, record.vehicle_class) not in known:
                raise ValidationError(self.env._(
                    "Hub %(hub)s: %(vehicle)s is not a vehicle class of %(mode)s transport (known: %(known)s).",
                    hub=record.hub_id.name, vehicle=record.vehicle_class, mode=record.mode,
                    known=", ".join(sorted(vehicle for (mode, vehicle) in known if mode == record.mode)),
                ))

    @api.constrains("per_shipment", "per_kg", "per_pallet", "max_weight", "max_volume", "max_pallets", "transit_days",
                    "carrier_intensity")
    def _check_rates(self):
        for record in self:
            for name in ("per_shipment", "per_kg", "per_pallet", "max_weight", "max_volume", "max_pallets",
                         "transit_days", "carrier_intensity"):
                if not 0 <= record[name] <= FLOAT_LIMIT:
                    raise ValidationError(self.env._(
                        "Hub %(hub)s, %(mode)s: %(field)s cannot be negative or above %(limit)s.",
                        hub=record.hub_id.name, mode=record.mode,
                        field=self._fields[name]._description_string(self.env), limit=f"{FLOAT_LIMIT:,.0f}"))

    @api.constrains("hazardous_allowed", "hub_id")
    def _check_hazardous(self):
        for record in self.filtered("hazardous_allowed"):
            if not record.hub_id.accepts_hazardous:
                raise ValidationError(self.env._(
                    "Hub %s does not take hazardous goods: none of its modes can carry them.", record.hub_id.name))
