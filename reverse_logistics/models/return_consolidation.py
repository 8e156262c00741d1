"""A load of returns gathered at a return hub, leaving together for one warehouse.

Returns join a load when they arrive at their hub (``return.order.action_arrived_at_hub``): the open
load of the same hub, destination, customs regime, hazard and product class, or a new one.
Hazardous goods never share a load with others. The load changes state through its actions only.
"""

import base64
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..returns_lib.consolidation import manifest as manifest_lib
from .return_hub import product_class_label
from .return_input_guard import flow_writes
from .return_states import RECEIVABLE_STATES

CONSOLIDATION_STATES = [
    ("open", "Open"),
    ("ready", "Ready to Leave"),
    ("shipped", "Shipped"),
    ("received", "Received"),
]


class ReturnConsolidation(models.Model):
    _name = "return.consolidation"
    _description = "Return Consolidation"
    _inherit = ["mail.thread", "return.input.guard"]
    _order = "id desc"
    _check_company_auto = True
    # Nobody edits a load field by field: it is made by arrivals at the hub and moved by its actions.
    _flow_readonly_fields = True

    name = fields.Char("Reference", required=True, readonly=True, copy=False, default="/")
    hub_id = fields.Many2one("return.hub", required=True, readonly=True, index=True, check_company=True)
    company_id = fields.Many2one(related="hub_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    warehouse_id = fields.Many2one(
        "stock.warehouse", "Destination", required=True, readonly=True, index=True, check_company=True
    )
    customs_regime = fields.Char(
        readonly=True, help="The customs territory its returns come from: goods of different status travel apart."
    )
    customs_regime_name = fields.Char("Customs Territory", compute="_compute_names")
    hazardous = fields.Boolean(readonly=True)
    product_class = fields.Char(readonly=True, default="general")
    product_class_name = fields.Char("Goods", compute="_compute_names")
    state = fields.Selection(CONSOLIDATION_STATES, default="open", required=True, readonly=True, tracking=True,
                             index=True, copy=False)
    return_ids = fields.One2many("return.order", "consolidation_id", "Returns", readonly=True)
    return_count = fields.Integer("Returns Count", compute="_compute_load", store=True)
    weight = fields.Float("Weight (kg)", compute="_compute_load", store=True, digits="Stock Weight")
    volume = fields.Float("Volume (m³)", compute="_compute_load", store=True, digits=(16, 3))
    value = fields.Monetary(compute="_compute_load", store=True)
    mode_id = fields.Many2one(
        "return.hub.mode", "Outbound Mode", readonly=True, check_company=True,
        help="Chosen when the load leaves: the cheapest active mode of the hub that takes it to its destination.",
    )
    freight_cost = fields.Monetary(readonly=True, copy=False, help="The outbound mode's rate card for this load.")
    declaration_cost = fields.Monetary(readonly=True, copy=False,
                                       help="The hub's cost of one declaration, when the load crosses a border.")
    declarations = fields.Integer(readonly=True, copy=False, help="Customs declarations made for the whole load.")
    co2e_kg = fields.Float("Outbound CO2e (kg)", digits=(16, 3), readonly=True, copy=False)
    date_shipped = fields.Datetime("Shipped On", readonly=True, copy=False)
    date_received = fields.Datetime("Received On", readonly=True, copy=False)

    @api.depends("return_ids.line_ids.product_uom_qty", "return_ids.line_ids.product_id",
                 "return_ids.line_ids.price_subtotal", "return_ids.line_ids.disposition_ids.via_load")
    def _compute_load(self):
        for load in self:
            # What travels: every unit of its returns, or at a hub grading them only those going home.
            carried = [(line, line._load_quantity()) for line in load.return_ids.line_ids]
            load.return_count = len(load.return_ids)
            load.weight = sum(line.product_id.weight * quantity for line, quantity in carried)
            load.volume = sum(line.product_id.volume * quantity for line, quantity in carried)
            load.value = sum(
                line.price_subtotal * quantity / line.product_uom_qty for line, quantity in carried
                if line.product_uom_qty
            )

    @api.depends("customs_regime", "product_class")
    @api.depends_context("lang")
    def _compute_names(self):
        """The load's customs territory and product class as people say them (its key keeps the codes)."""
        codes = set(self.mapped("customs_regime")) - {False}
        found = self.env["res.country"].search([("code", "in", list(codes))])
        countries = {country.code: country.name for country in found}
        territories = {"EU": self.env._("European Union")}
        for load in self:
            code = load.customs_regime
            load.customs_regime_name = code and (territories.get(code) or countries.get(code) or code)
            load.product_class_name = product_class_label(self.env, load.product_class)

    @api.model_create_multi
    def create(self, vals_list):
        if not self._in_flow():
            raise UserError(self.env._("Consolidations are opened by returns arriving at their hub, not by hand."))
        vals_list = [dict(vals) for vals in vals_list]  # the caller's values stay as they were
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("return.consolidation") or "/"
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Arrivals
    # ------------------------------------------------------------------
    def _key(self):
        self.ensure_one()
        return (self.hub_id.id, self.warehouse_id.id, self.customs_regime or "", self.hazardous,
                self.product_class or "")

    @api.model
    def _prepare_values(self, key):
        hub_id, warehouse_id, regime, hazardous, product_class = key
        return {"hub_id": hub_id, "warehouse_id": warehouse_id, "customs_regime": regime or False,
                "hazardous": hazardous, "product_class": product_class}

    @api.model
    def _add_returns(self, orders):
        """Put ``orders`` (arrived at their hub) in the open load of their key, opening loads as needed."""
        # Two clerks scanning parcels of one hub at once must not open two loads for one key:
        # the hub rows are the lock (held to the end of the transaction).
        # A serialisation failure here is expected contention, retried by Odoo: no ERROR line in the log.
        self.env.cr.execute("SELECT id FROM return_hub WHERE id IN %s FOR UPDATE", [tuple(orders.hub_id.ids)],
                            log_exceptions=False)
        groups = defaultdict(lambda: self.env["return.order"])
        for order in orders:
            groups[order._consolidation_key()] |= order
        open_loads = self.search([("hub_id", "in", orders.hub_id.ids), ("state", "=", "open")])
        by_key = {load._key(): load for load in open_loads}
        now = fields.Datetime.now()
        loads = self.browse()
        for key, members in groups.items():
            load = by_key.get(key)
            if not load:
                with flow_writes():
                    load = by_key[key] = self.create(self._prepare_values(key))
            members._flow_write({"consolidation_id": load.id, "date_hub_arrival": now})
            members._log_event("arrived_hub", place=load.hub_id.name,
                               location_id=load.hub_id.location_id.id, res_model=self._name, res_id=load.id)
            loads |= load
        loads._after_arrivals()
        return loads

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def _check_load_state(self, allowed, refusal):
        """Refuse loads not in ``allowed`` with ``refusal``, a whole translated sentence naming %(loads)s
        and %(state)s (one per action, so each language words it in its own order)."""
        wrong = self.filtered(lambda load: load.state not in allowed)
        if wrong:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(refusal % {
                "loads": ", ".join(wrong.mapped("name")),
                "state": ", ".join(sorted({labels[state] for state in wrong.mapped("state")})),
            })

    def _lock(self):
        self.env.cr.execute("SELECT id FROM return_consolidation WHERE id IN %s FOR UPDATE", [tuple(self.ids)],
                            log_exceptions=False)  # contention is retried by Odoo: no ERROR line
        self.invalidate_recordset(["state"])

    def action_ready(self):
        """Close the load to new arrivals: the next parcels of its key open a new one."""
        self._lock()
        self._check_load_state(("open",), self.env._("Cannot close %(loads)s: it is %(state)s."))
        self._flow_write({"state": "ready"})
        return True

    def action_reopen(self):
        self._lock()
        self._check_load_state(("ready",), self.env._("Cannot reopen %(loads)s: it is %(state)s."))
        others = self.search([("state", "=", "open"), ("hub_id", "in", self.hub_id.ids)])
        taken = {load._key() for load in others}
        clash = self.filtered(lambda load: load._key() in taken)
        if clash:
            raise UserError(self.env._(
                "%s cannot be reopened: another open load of the same hub, destination and goods takes the "
                "new arrivals.", ", ".join(clash.mapped("name"))))
        self._flow_write({"state": "open"})
        return True

    def action_ship(self):
        """The load leaves the hub: every return in it is on its way to the warehouse."""
        self._lock()
        self._check_load_state(("open", "ready"), self.env._("Cannot ship %(loads)s: it is %(state)s."))
        empty = self.filtered(lambda load: not load.return_ids)
        if empty:
            raise UserError(self.env._(
                "%s holds no returns: there is nothing to ship.", ", ".join(empty.mapped("name"))))
        self._flow_write({"state": "shipped", "date_shipped": fields.Datetime.now()})
        returns = self.return_ids
        returns.filtered(lambda order: order.state == "approved")._flow_write({"state": "in_transit"})
        self.env["return.event"]._record([
            {"order_id": order.id, "event_type": "in_transit", "place": load.hub_id.name,
             "description": self.env._("Left hub %(hub)s in load %(load)s.", hub=load.hub_id.name, load=load.name),
             "res_model": self._name, "res_id": load.id}
            for load in self for order in load.return_ids
        ])
        self._settle_route_figures()
        self._log_shipment()
        self._after_ship()
        return True

    def _log_shipment(self):
        """The load's chatter says who shipped it, by which mode, at what freight and CO2e."""
        for load in self:
            freight = f"{load.freight_cost:.2f}"
            load.message_post(body=self.env._(
                "Shipped by %(user)s with %(count)s returns (%(weight)s kg) to %(warehouse)s: %(mode)s, freight "
                "%(freight)s %(currency)s, %(declarations)s declaration(s), %(co2e)s kg CO2e.",
                user=self.env.user.name, count=load.return_count, weight=round(load.weight, 1),
                warehouse=load.warehouse_id.name, mode=load.mode_id.display_name or self.env._("mode not known"),
                freight=freight, currency=load.currency_id.name or "",
                declarations=load.declarations, co2e=round(load.co2e_kg, 1) + 0.0))
        return True

    def _settle_route_figures(self):
        """Hook: the load's real mode, cost and CO2e once it leaves (the route planning fills it)."""
        return True

    def _after_ship(self):
        """Hook: documents the load needs once it leaves (a customs declaration where it crosses a border)."""
        return True

    def action_receive(self):
        """The load arrived at its warehouse: its returns are received."""
        self._lock()
        self._check_load_state(("shipped",), self.env._("Cannot receive %(loads)s: it is %(state)s."))
        self._flow_write({"state": "received", "date_received": fields.Datetime.now()})
        # Every return of the load is at its warehouse: its receipt is done with the announced lots.
        self.return_ids.filtered(lambda order: order.state in RECEIVABLE_STATES).action_receive()
        return True

    def action_view_returns(self):
        self.ensure_one()
        return self.return_ids._get_records_action(name=self.env._("Returns in %s", self.name))

    # ------------------------------------------------------------------
    # Manifest
    # ------------------------------------------------------------------
    def _prepare_manifest_rows(self):
        self.ensure_one()
        rows = []
        for order in self.return_ids.sorted("name"):
            for line in order.line_ids:
                quantity = line._load_quantity()
                if not quantity:
                    continue  # all of it stayed at the hub that graded it
                grades = line.inspection_ids.grade_id
                rows.append(manifest_lib.ManifestRow(
                    shipment=self.name,
                    return_ref=order.name,
                    reason=line.reason_id.code or line.reason_id.name or "",
                    sku=line.product_id.default_code or line.product_id.barcode or str(line.product_id.id),
                    quantity=quantity,
                    description=line.product_id.display_name + (f" ({line.lot_id.name})" if line.lot_id else ""),
                    condition=grades[:1].name or self.env._("not inspected"),
                    currency=order.currency_id.name,
                    unit_value=line.price_unit,
                ))
        return rows

    def action_export_manifest(self):
        self.ensure_one()
        content = manifest_lib.build_manifest(self._prepare_manifest_rows())
        stamp = fields.Date.context_today(self).isoformat()
        attachment = self.env["ir.attachment"].create({
            "name": f"manifest-{self.name.replace('/', '-')}-{stamp}.csv",
            "datas": base64.b64encode(content.encode("utf-8-sig")),
            "mimetype": "text/csv",
            "res_model": self._name,
            "res_id": self.id,
        })
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}
