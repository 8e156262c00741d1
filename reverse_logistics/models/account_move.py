from odoo import api, fields, models

# Fields of a credit note that decide which return it names and what it credits by hand.
HAND_CREDIT_FIELDS = {"ref", "invoice_origin", "state", "line_ids", "invoice_line_ids"}


class AccountMove(models.Model):
    _inherit = "account.move"

    return_order_count = fields.Integer(compute="_compute_return_order_count")

    def _compute_return_order_count(self):
        counts = dict(
            self.env["return.order"]._read_group([("invoice_id", "in", self.ids)], ["invoice_id"], ["__count"])
        )
        for move in self:
            move.return_order_count = counts.get(move, 0)

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        moves._recompute_return_credits_named()
        return moves

    def write(self, vals):
        result = super().write(vals)
        if HAND_CREDIT_FIELDS & set(vals):
            self._recompute_return_credits_named()
        return result

    def _recompute_return_credits_named(self):
        """A credit note made by hand that names a return counts against its lines (see
        ``_credit_hand_quantities``): the stored status of those lines in Return Credits follows it. Nothing
        links such a note to the return, so no field dependency can say it."""
        refunds = self.filtered(lambda move: move.move_type == "out_refund")
        if not refunds:
            return
        named = self.env["return.order"].sudo()._credit_moves_naming_returns((), move_ids=refunds.ids)
        order_ids = set().union(*named.values()) if named else set()
        if not order_ids:
            return
        Line = self.env["return.order.line"].sudo()
        lines = Line.search([("order_id", "in", list(order_ids))])
        for field in self.pool.field_computed.get(Line._fields["credit_status"], []):
            self.env.add_to_compute(field, lines)

    def action_create_return_order(self):
        self.ensure_one()
        return self.env["return.order.wizard"]._action_open_for_source(invoice=self)

    def action_view_return_orders(self):
        self.ensure_one()
        return self.env["return.order"]._action_view_for_domain([("invoice_id", "=", self.id)])
