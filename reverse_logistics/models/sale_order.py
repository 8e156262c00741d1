from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    return_order_ids = fields.One2many("return.order", "sale_order_id", "Returns")
    return_order_count = fields.Integer(compute="_compute_return_order_count")

    def _compute_return_order_count(self):
        counts = dict(
            self.env["return.order"]._read_group([("sale_order_id", "in", self.ids)], ["sale_order_id"], ["__count"])
        )
        for order in self:
            order.return_order_count = counts.get(order, 0)

    def action_create_return_order(self):
        self.ensure_one()
        return self.env["return.order.wizard"]._action_open_for_source(sale_order=self)

    def action_view_return_orders(self):
        self.ensure_one()
        return self.env["return.order"]._action_view_for_domain([("sale_order_id", "=", self.id)])
