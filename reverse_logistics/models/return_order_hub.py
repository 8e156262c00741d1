# pylint: disable=consider-merging-classes-inherited
# return.order is extended per business concept, one file each: here, routing through return hubs.
from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import UserError

from .return_hub import GENERAL_CLASS
from .return_states import RECEIVABLE_STATES


class ReturnOrder(models.Model):
    _inherit = "return.order"

    hub_id = fields.Many2one(
        "return.hub", "Return Hub", readonly=True, copy=False, index="btree_not_null", check_company=True,
        groups="base.group_user",
        help="Decided at approval: the hub that serves the customer's address, delivers to the receiving "
        "warehouse and takes the goods. The customer's label shows its address.",
    )
    consolidation_id = fields.Many2one(
        "return.consolidation", readonly=True, copy=False, index="btree_not_null",
        check_company=True, groups="base.group_user",
    )
    date_hub_arrival = fields.Datetime("Arrived at Hub On", readonly=True, copy=False, groups="base.group_user")
    # The route's figures, next to the baseline "shipped direct as a parcel": estimated by the planner when
    # the route is decided, replaced by the load's real shares when it leaves the hub. The sustainability
    # report sums them; nobody types them.
    route_cost = fields.Monetary(
        "Transport Cost", readonly=True, copy=False, groups="base.group_user",
        help="Its parcel (to the hub or direct), the hub's handling, its share of the load's freight and of "
        "the load's customs declaration, or its own declaration when it crosses a border alone.",
    )
    route_co2e_kg = fields.Float("CO2e (kg)", digits=(16, 3), readonly=True, copy=False, groups="base.group_user")
    route_declarations = fields.Integer(
        "Own Declarations", readonly=True, copy=False, groups="base.group_user",
        help="Customs declarations made for this return alone (a load's one declaration is the load's).",
    )
    baseline_cost = fields.Monetary(
        "Cost if Direct", readonly=True, copy=False, groups="base.group_user",
        help="Shipped alone as a parcel to its warehouse, declaration included.",
    )
    baseline_co2e_kg = fields.Float(
        "CO2e if Direct (kg)", digits=(16, 3), readonly=True, copy=False, groups="base.group_user"
    )
    baseline_declarations = fields.Integer(
        "Declarations if Direct", readonly=True, copy=False, groups="base.group_user",
        help="1 when its parcel alone would cross a customs border.",
    )
    route_reason = fields.Text("Why This Route", readonly=True, copy=False, groups="base.group_user")

    def _get_flow_fields(self):
        return super()._get_flow_fields() | {
            "hub_id", "consolidation_id", "date_hub_arrival", "route_cost", "route_co2e_kg", "route_declarations",
            "baseline_cost", "baseline_co2e_kg", "baseline_declarations", "route_reason",
        }

    # ------------------------------------------------------------------
    # Routing
    # ------------------------------------------------------------------
    def _approve(self):
        # Before the approval e-mail is rendered: it tells the customer where to send the parcel.
        self._assign_hubs()
        return super()._approve()

    def _is_hazardous(self):
        self.ensure_one()
        # sudo: the hazard flags are product data any flow may read (the approver may be a portal
        # customer whose request the policy approves at once).
        products = self.line_ids.product_id.sudo()
        return any(product.return_hazardous or product.categ_id.return_hazardous for product in products)

    def _hub_product_class(self):
        """Hazardous goods travel only with goods of the same category; the rest is one class."""
        self.ensure_one()
        hazardous = self.line_ids.product_id.sudo().filtered(
            lambda product: product.return_hazardous or product.categ_id.return_hazardous
        )
        return hazardous[:1].categ_id.complete_name or GENERAL_CLASS

    def _find_hub(self, hubs, rules, destinations):
        """The hub serving the return's address most precisely (smallest postal area, country, territory).

        It must deliver to the return's warehouse, and take hazardous goods when the return holds some.
        ``destinations``: {hub: the warehouses it delivers to}, read once for all the returns.
        """
        self.ensure_one()
        sender = self.partner_return_address_id or self.partner_id
        if not sender.country_id:
            return hubs.browse()
        territory = self.env["customs.territory.rule"]._territory_of_partner(sender, rules)
        hazardous = self._is_hazardous()
        best, best_score = hubs.browse(), 0
        for hub in hubs.filtered(lambda h: h.company_id == self.company_id):
            if self.warehouse_id not in destinations[hub]:
                continue
            if hazardous and not hub._serves_hazardous_to(self.warehouse_id):
                continue
            score = max(
                (area._match(sender.country_id.code, sender.zip, territory) for area in hub.area_ids), default=0
            )
            if score > best_score:  # hubs come in their order: the first of equal precision wins
                best, best_score = hub, score
        return best

    def _assign_hubs(self):
        """Route each return: through a hub when the planner finds it cheaper and on time at the margin
        (the company has a parcel card to compare with), else through the hub serving its address.
        Returnable packaging is only priced, as its direct shipment, when the company has a parcel card."""
        # sudo: the hubs are the company's routing configuration, applied whoever approves (a
        # portal customer's request may be approved by the policy at submission).
        hubs = self.env["return.hub"].sudo().search([("company_id", "in", self.company_id.ids)])
        # Even without a hub, a company with a parcel card prices each return's parcel direct: the
        # sustainability figures count every return, not only those a hub could have taken.
        routed = {order.id: values for order, values in self._route_alone(hubs).items()}
        for order_id, values in routed.items():
            self.browse(order_id)._flow_write(values)
        if hubs:
            unrouted = self.browse([order.id for order in self if order.id not in routed])
            # Returnable packaging never goes through a hub, card or no card. sudo: as the planner reads them.
            unrouted.browse(unrouted.sudo()._plannable().ids)._assign_serving_hubs(hubs)

    def _price_unpriced_routes(self):
        """Price as direct parcels the returns among these that went direct without figures (approved before
        the company had its parcel card, returnable packaging included), as of their approval; returns routed
        through a hub keep theirs."""
        unpriced = self.filtered(lambda order: order.date_approved and not order.hub_id
                                 and not order.route_cost and not order.baseline_cost)
        routed = unpriced._route_alone(
            self.env["return.hub"], ready_dates={order.id: order.date_approved.date() for order in unpriced})
        for order, values in routed.items():
            self.browse(order.id)._flow_write(values)  # as the caller, not as the planner's sudo
        return True

    def _assign_serving_hubs(self, hubs):
        """Without a parcel card there is nothing to compare: the hub serving the address most precisely."""
        if not self:
            return
        rules = self.env["customs.territory.rule"].sudo()._get_rules()
        destinations = {hub: hub._destination_warehouses() for hub in hubs}
        by_hub = defaultdict(lambda: self.browse())
        for order in self:
            hub = order._find_hub(hubs, rules, destinations)
            if hub != order.hub_id:
                by_hub[hub.id] |= order
        for hub_id, orders in by_hub.items():
            orders._flow_write({"hub_id": hub_id})

    def _after_route_change(self):
        """The customer sends the parcel elsewhere now: a note, and the approval e-mail again with the address."""
        if not self:
            return True
        self._message_log_batch(bodies={
            order.id: self.env._("Route changed by the route planner: %(route)s.\n%(why)s",
                                 route=order.hub_id.name or self.env._("direct to the warehouse"),
                                 why=order.route_reason or "")
            for order in self
        })
        self._send_customer_email("reverse_logistics.mail_template_return_approved")
        return True

    # ------------------------------------------------------------------
    # At the hub
    # ------------------------------------------------------------------
    def _consolidation_key(self):
        """What a load has in common: hub, destination, customs regime, hazard and product class."""
        self.ensure_one()
        return (
            self.hub_id.id,
            self.warehouse_id.id,
            self.customs_origin_territory or "",
            self._is_hazardous(),
            self._hub_product_class(),
        )

    def action_arrived_at_hub(self):
        """The parcels are at their hub: each joins the open load of its key, or opens one."""
        self._lock_for_processing()
        not_routed = self.filtered(lambda order: not order.hub_id)
        if not_routed:
            raise UserError(self.env._(
                "%s does not go through a return hub: receive it at its warehouse.",
                ", ".join(not_routed.mapped("name"))))
        self._check_state(
            RECEIVABLE_STATES, self.env._("Cannot mark %(returns)s as arrived at the hub: it is %(state)s."))
        arrived = self.filtered("consolidation_id")
        if arrived:
            raise UserError(self.env._(
                "%(returns)s arrived at the hub already (load %(load)s).",
                returns=", ".join(arrived.mapped("name")), load=", ".join(arrived.consolidation_id.mapped("name"))))
        self.env["return.consolidation"]._add_returns(self)
        return True
