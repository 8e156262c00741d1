from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    return_order_count = fields.Integer(compute="_compute_return_order_count")

    def _compute_return_order_count(self):
        counts = dict(
            self.env["return.order"]._read_group([("invoice_id", "in", self.ids)], ["invoice_id"], ["__count"])
        )
        for move in self:
            move.return_order_count = counts.get(move, 0)

    def action_create_return_order(self):
        self.ensure_one()
        return self.env["return.order.wizard"]._action_open_for_source(invoice=self)

    def action_view_return_orders(self):
        self.ensure_one()
        return self.env["return.order"]._action_view_for_domain([("invoice_id", "=", self.id)])
