"""The route planner: every pending return planned at once, the plan shown, then applied.

At approval each return is routed on its own, at the margin. Planned together, the returns waiting for
the same hub show whether their load pays for its truck and its declaration, when it leaves, by which mode,
and what the whole costs and emits against shipping every return direct. A returns manager reviews the
plan, unticks what must stay as it is, and applies it: returns whose route changes get the new address
(the approval e-mail again) and a note saying why.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.return_hub_mode import MODE_LABELS
from ..models.return_input_guard import flow_writes
from ..returns_lib.consolidation import planner as planner_lib
from ..returns_lib.consolidation.emissions import MODES

ROUTES = [(planner_lib.DIRECT, "Direct"), (planner_lib.VIA_HUB, "Through a Hub")]


class ReturnRoutePlanWizard(models.TransientModel):
    _name = "return.route.plan.wizard"
    _description = "Plan the Routes of Pending Returns"
    _inherit = ["return.input.guard"]
    # The plan is the planner's: a reviewer only ticks or unticks its lines. Figures typed over RPC would
    # otherwise become returns' routes and their sustainability figures.
    _flow_readonly_fields = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    line_ids = fields.One2many("return.route.plan.wizard.line", "wizard_id", "Returns")
    load_count = fields.Integer("Loads", readonly=True)
    cost = fields.Monetary("Plan: Transport and Customs", readonly=True)
    baseline_cost = fields.Monetary("All Direct: Transport and Customs", readonly=True)
    saving = fields.Monetary(compute="_compute_saving")
    declarations = fields.Integer("Plan: Declarations", readonly=True)
    baseline_declarations = fields.Integer("All Direct: Declarations", readonly=True)
    co2e_kg = fields.Float("Plan: CO2e (kg)", digits=(16, 1), readonly=True)
    baseline_co2e_kg = fields.Float("All Direct: CO2e (kg)", digits=(16, 1), readonly=True)
    change_count = fields.Integer("Routes Changed", compute="_compute_change_count")

    @api.depends("company_id")
    def _compute_display_name(self):
        # Not "return.route.plan.wizard,1" in the dialog and the breadcrumb.
        for wizard in self:
            wizard.display_name = self.env._("Route Plan of %(company)s", company=wizard.company_id.name)

    @api.depends("cost", "baseline_cost")
    def _compute_saving(self):
        for wizard in self:
            wizard.saving = wizard.baseline_cost - wizard.cost

    @api.depends("line_ids.changed", "line_ids.to_apply")
    def _compute_change_count(self):
        for wizard in self:
            wizard.change_count = len(wizard.line_ids.filtered(lambda line: line.changed and line.to_apply))

    @api.model
    def _pending_domain(self, company):
        """Approved returns the customer has not sent yet: their route can still change."""
        return [("company_id", "=", company.id), ("state", "=", "approved"), ("consolidation_id", "=", False)]

    @api.model
    def action_open(self):
        """Plan now and show the plan: made on the server, so the figures shown are the figures applied."""
        values = self._prepare_plan_values(self.env.company)
        with flow_writes():
            wizard = self.create(values)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Route Plan"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "current",
        }

    @api.model
    def _prepare_plan_values(self, company):
        orders = self.env["return.order"].search(self._pending_domain(company), order="date_approved, id")._plannable()
        if not orders:
            raise UserError(self.env._("No approved return of %s waits to be sent: there is nothing to plan.",
                                       company.name))
        # sudo: the hubs are the company's routing configuration, read as a whole to plan.
        hubs = self.env["return.hub"].sudo().search([("company_id", "=", company.id)])
        senders = orders.partner_return_address_id | orders.partner_id
        planner = hubs._get_planner(company, senders.country_id.mapped("code")) if hubs else None
        if planner is None:
            raise UserError(self.env._(
                "Planning compares hubs with parcels shipped direct: give %s's parcel rates for the three zones "
                "(Returns > Configuration > Parcel Rates) and at least one hub with an outbound mode.", company.name))
        today = fields.Date.context_today(self)
        plan = planner.plan([order._prepare_planner_return(today) for order in orders])
        hubs_by_key = {str(hub.id): hub for hub in hubs}
        loads = {load.key: load for load in plan.consolidations}
        lines = []
        templates = orders._route_reason_templates()
        for order, line in zip(orders, plan.returns, strict=True):
            route = order._route_values(line, hubs_by_key, templates)
            load = loads.get(line.consolidation)
            lines.append(fields.Command.create({
                "order_id": order.id,
                "current_hub_id": order.hub_id.id,
                "hub_id": route["hub_id"],
                "route": line.route,
                "departs": line.departs_hub,
                "mode": load.mode if load else False,
                "load_key": line.consolidation or False,
                "route_cost": route["route_cost"],
                "route_co2e_kg": route["route_co2e_kg"],
                "route_declarations": route["route_declarations"],
                "baseline_cost": route["baseline_cost"],
                "baseline_co2e_kg": route["baseline_co2e_kg"],
                "baseline_declarations": route["baseline_declarations"],
                "route_reason": route["route_reason"],
            }))
        return {
            "company_id": company.id,
            "line_ids": lines,
            "load_count": len(plan.consolidations),
            "cost": float(plan.totals.cost),
            "baseline_cost": float(plan.baseline.cost),
            "declarations": plan.totals.declarations,
            "baseline_declarations": plan.baseline.declarations,
            "co2e_kg": plan.totals.co2e_kg,
            "baseline_co2e_kg": plan.baseline.co2e_kg,
        }

    def action_apply(self):
        """Write the ticked lines' routes; returns still pending only (the plan may be minutes old)."""
        self.ensure_one()
        lines = self.line_ids.filtered("to_apply")
        orders = lines.order_id
        orders._lock_for_processing()
        still_pending = orders.filtered_domain(self._pending_domain(self.company_id))
        gone = orders - still_pending
        if gone:
            raise UserError(self.env._(
                "%s changed since the plan was made (sent, received or cancelled): plan again.",
                ", ".join(gone.mapped("name"))))
        rerouted = orders.browse()
        for line in lines:
            values = line._prepare_route_values()
            if line.order_id.hub_id.id != values["hub_id"]:
                rerouted |= line.order_id
            line.order_id._flow_write(values)
        rerouted._after_route_change()
        return {"type": "ir.actions.act_window_close"}


class ReturnRoutePlanWizardLine(models.TransientModel):
    _name = "return.route.plan.wizard.line"
    _description = "Planned Route of a Return"
    _inherit = ["return.input.guard"]
    _flow_readonly_fields = True
    _order = "route desc, hub_id, departs, id"

    wizard_id = fields.Many2one("return.route.plan.wizard", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    order_id = fields.Many2one("return.order", "Return", required=True, readonly=True)
    partner_id = fields.Many2one(related="order_id.partner_id")
    current_hub_id = fields.Many2one("return.hub", "Today's Hub", readonly=True)
    route = fields.Selection(ROUTES, readonly=True)
    hub_id = fields.Many2one("return.hub", "Planned Hub", readonly=True)
    load_key = fields.Char("Planned Load", readonly=True)
    departs = fields.Date("Leaves Hub On", readonly=True)
    mode = fields.Selection([(mode, MODE_LABELS[mode]) for mode in MODES], readonly=True)
    route_cost = fields.Monetary("Cost", readonly=True)
    baseline_cost = fields.Monetary("Cost if Direct", readonly=True)
    route_co2e_kg = fields.Float("CO2e (kg)", digits=(16, 2), readonly=True)
    baseline_co2e_kg = fields.Float("CO2e if Direct (kg)", digits=(16, 2), readonly=True)
    route_declarations = fields.Integer(readonly=True)
    baseline_declarations = fields.Integer(readonly=True)
    route_reason = fields.Text("Why", readonly=True)
    changed = fields.Boolean(compute="_compute_changed", help="The plan routes this return differently from today.")
    to_apply = fields.Boolean("Apply", default=True)

    @api.model_create_multi
    def create(self, vals_list):
        # Only the planner makes lines (the wizard's own create, in a flow): not a client adding one to a plan.
        return super(ReturnRoutePlanWizardLine, self._prepare_guarded_create(vals_list)).create(vals_list)

    @api.depends("current_hub_id", "hub_id")
    def _compute_changed(self):
        for line in self:
            line.changed = line.current_hub_id != line.hub_id

    def _prepare_route_values(self):
        self.ensure_one()
        return {
            "hub_id": self.hub_id.id,
            "route_cost": self.route_cost,
            "route_co2e_kg": self.route_co2e_kg,
            "route_declarations": self.route_declarations,
            "baseline_cost": self.baseline_cost,
            "baseline_co2e_kg": self.baseline_co2e_kg,
            "baseline_declarations": self.baseline_declarations,
            "route_reason": self.route_reason,
        }
