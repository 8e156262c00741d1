"""How loads leave a return hub: a mode, its vehicle class (for CO2e), its rate card, capacity and transit days."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..returns_lib.consolidation.emissions import MODES, default_factors
from .return_input_guard import FLOAT_LIMIT

MODE_LABELS = {"road": "Road", "rail": "Rail", "sea": "Sea", "air": "Air"}


def vehicle_class_labels(env):
    """{vehicle class of the emission intensities: its name for people}, in the user's language."""
    return {
        "van_lt_3.5t": env._("Van up to 3.5 t"),
        "rigid_7.5_12t": env._("Rigid truck 7.5-12 t"),
        "rigid_20_26t": env._("Rigid truck 20-26 t"),
        "artic_34_40t": env._("Articulated truck 34-40 t"),
        "electric_eu": env._("Electric train"),
        "diesel": env._("Diesel train"),
        "container_deep_sea": env._("Deep-sea container ship"),
        "container_short_sea": env._("Short-sea container ship"),
        "ropax_5000_9999gt": env._("Ro-ro passenger ferry 5,000-9,999 GT"),
        "ropax_10000_19999gt": env._("Ro-ro passenger ferry 10,000-19,999 GT"),
        "ropax_gt_20000gt": env._("Ro-ro passenger ferry over 20,000 GT"),
        "freighter_gt_1500km": env._("Freighter aircraft, over 1,500 km"),
        "belly_gt_1500km": env._("Passenger aircraft hold, over 1,500 km"),
        "lt_1500km": env._("Aircraft, under 1,500 km"),
    }


def vehicle_class_label(env, vehicle_class, labels=None):
    """A vehicle class's name; a class added to the data file without one shows its code, spaced out."""
    labels = labels or vehicle_class_labels(env)
    return labels.get(vehicle_class) or (vehicle_class or "").replace("_", " ")


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
        labels = vehicle_class_labels(self.env)
        return [(vehicle, vehicle_class_label(self.env, vehicle, labels)) for vehicle in classes]

    @api.depends("hub_id", "mode", "vehicle_class")
    def _compute_display_name(self):
        labels = dict(self._fields["mode"]._description_selection(self.env))
        vehicles = vehicle_class_labels(self.env)
        for record in self:
            mode = labels.get(record.mode, "")
            vehicle = vehicle_class_label(self.env, record.vehicle_class, vehicles) if record.vehicle_class else ""
            record.display_name = f"{record.hub_id.name or ''}: {mode} ({vehicle})"

    @api.constrains("mode", "vehicle_class")
    def _check_vehicle_class(self):
        known = default_factors().intensities
        vehicles = vehicle_class_labels(self.env)
        modes = dict(self._fields["mode"]._description_selection(self.env))
        for record in self:
            if (record.mode, record.vehicle_class) not in known:
                raise ValidationError(self.env._(
                    "Hub %(hub)s: %(vehicle)s is not a vehicle class of %(mode)s transport (known: %(known)s).",
                    hub=record.hub_id.name, vehicle=vehicle_class_label(self.env, record.vehicle_class, vehicles),
                    mode=modes.get(record.mode, record.mode),
                    known=", ".join(sorted(vehicle_class_label(self.env, vehicle, vehicles)
                                           for (mode, vehicle) in known if mode == record.mode)),
                ))

    @api.constrains("per_shipment", "per_kg", "per_pallet", "max_weight", "max_volume", "max_pallets", "transit_days",
                    "carrier_intensity")
    def _check_rates(self):
        for record in self:
            for name in ("per_shipment", "per_kg", "per_pallet", "max_weight", "max_volume", "max_pallets",
                         "transit_days", "carrier_intensity"):
                if not 0 <= record[name] <= FLOAT_LIMIT:
                    limit = f"{FLOAT_LIMIT:,.0f}"
                    raise ValidationError(self.env._(
                        "Hub %(hub)s, %(mode)s: %(field)s cannot be negative or above %(limit)s.",
                        hub=record.hub_id.name, mode=record.display_name,
                        field=self._fields[name]._description_string(self.env), limit=limit))

    @api.constrains("hazardous_allowed", "hub_id")
    def _check_hazardous(self):
        for record in self.filtered("hazardous_allowed"):
            if not record.hub_id.accepts_hazardous:
                raise ValidationError(self.env._(
                    "Hub %s does not take hazardous goods: none of its modes can carry them.", record.hub_id.name))
