# pylint: disable=consider-merging-classes-inherited
# return.order is extended per business concept, one file each.
from odoo import api, fields, models
from odoo.exceptions import UserError

from .return_input_guard import flow_writes


class ReturnOrder(models.Model):
    _inherit = "return.order"

    customs_origin_territory = fields.Char(
        "From Customs Territory", compute="_compute_customs_border", store=True, groups="base.group_user"
    )
    customs_destination_territory = fields.Char(
        "To Customs Territory", compute="_compute_customs_border", store=True, groups="base.group_user"
    )
    customs_declaration_needed = fields.Boolean(
        compute="_compute_customs_border", store=True, index=True,
        help="The goods leave one customs territory for another on their way back.", groups="base.group_user")
    customs_decision_note = fields.Char(
        "Customs Decision", compute="_compute_customs_border", store=True,
        groups="base.group_user"
    )
    customs_declaration_ids = fields.One2many(
        "customs.declaration", "return_order_id", "Customs Declarations", groups="base.group_user"
    )
    customs_declaration_count = fields.Integer(compute="_compute_customs_declaration_count", groups="base.group_user")

    def _compute_customs_declaration_count(self):
        counts = dict(
            self.env["customs.declaration"]._read_group(
                [("return_order_id", "in", self.ids)], ["return_order_id"], ["__count"]
            )
        )
        for order in self:
            order.customs_declaration_count = counts.get(order, 0)

    def action_prepare_customs_declaration(self):
        """Prepare the import declaration of returns crossing a customs border, relief decided."""
        not_needed = self.filtered(lambda order: not order.customs_declaration_needed)
        if not_needed:
            raise UserError(
                self.env._("%(returns)s needs no customs declaration: %(why)s",
                           returns=", ".join(not_needed.mapped("name")),
                           why=" ".join(not_needed.mapped("customs_decision_note")))
            )
        pending = self.filtered(
            lambda order: order.customs_declaration_ids.filtered(lambda d: d.state != "cancelled")
        )
        if pending:
            raise UserError(
                self.env._("%s has a customs declaration already: open it from the return.",
                           ", ".join(pending.mapped("name")))
            )
        Declaration = self.env["customs.declaration"]
        with flow_writes():
            declarations = Declaration.create([Declaration._prepare_from_return(order) for order in self])
        return declarations._get_records_action(name=self.env._("Customs Declarations"))

    def action_view_customs_declarations(self):
        self.ensure_one()
        return self.customs_declaration_ids._get_records_action(name=self.env._("Customs Declarations"))

    @api.depends(
        "partner_return_address_id.country_id", "partner_return_address_id.state_id", "partner_return_address_id.zip",
        "warehouse_id.partner_id.country_id", "warehouse_id.partner_id.state_id", "warehouse_id.partner_id.zip",
    )
    def _compute_customs_border(self):
        Rule = self.env["customs.territory.rule"]
        # sudo: the rules are reference data every user's returns depend on.
        rules = Rule.sudo()._get_rules()
        for order in self:
            sender = order.partner_return_address_id or order.partner_id
            receiver = order.warehouse_id.partner_id or order.company_id.partner_id
            decision = Rule._border_between(sender, receiver, rules)
            if decision is None:
                order.customs_origin_territory = order.customs_destination_territory = False
                order.customs_declaration_needed = False
                order.customs_decision_note = self.env._("Country of the sender or of the warehouse unknown.")
                continue
            order.customs_origin_territory = decision.origin.territory_code
            order.customs_destination_territory = decision.destination.territory_code
            order.customs_declaration_needed = decision.declaration_needed
            order.customs_decision_note = order._describe_customs_decision(decision, sender, receiver)

    def _describe_customs_decision(self, decision, sender, receiver):
        def where(match, partner):
            if match.rule and match.rule.note:
                return self.env._(
                    "%(country)s (%(note)s: territory %(territory)s)",
                    country=partner.country_id.name, note=match.rule.note, territory=match.territory_code,
                )
            return self.env._("%(country)s (territory %(territory)s)",
                              country=partner.country_id.name, territory=match.territory_code)

        if decision.declaration_needed:
            return self.env._(
                "Declaration needed: from %(origin)s into %(destination)s.",
                origin=where(decision.origin, sender), destination=where(decision.destination, receiver),
            )
        return self.env._(
            "No declaration: %(origin)s and %(destination)s are one customs territory.",
            origin=where(decision.origin, sender), destination=where(decision.destination, receiver),
        )
