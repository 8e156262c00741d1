# pylint: disable=consider-merging-classes-inherited
# return.order is extended per business concept: this file is how a refund reaches the invoicing.
from odoo import api, fields, models


class ReturnOrder(models.Model):
    _inherit = "return.order"

    refund_invoicing_warning = fields.Text(
        compute="_compute_refund_invoicing_warning", groups="base.group_user",
        help="Refunds that Odoo's invoicing of the sale order will not turn into a credit note by itself.",
    )

    @api.depends("line_ids.requested_outcome", "line_ids.sale_line_id", "line_ids.product_id.invoice_policy")
    def _compute_refund_invoicing_warning(self):
        """A refund lowers the sale line's delivered quantity (see the receipt moves' ``to_refund``).

        That is what the sale order invoices under the "Delivered quantities" policy, so the credit
        note follows. Under "Ordered quantities" the sale order keeps invoicing what was ordered and
        never proposes a credit note: say so on the return, before the customer waits for it.
        """
        for order in self:
            ordered = order.line_ids.filtered(
                lambda line: line.requested_outcome == "refund" and line.sale_line_id
                and line.product_id.invoice_policy == "order"
            )
            order.refund_invoicing_warning = self.env._(
                "%(products)s are invoiced on ordered quantities: the sale order will not propose a credit "
                "note for this refund: draft it from this return (Draft Credit Notes) once its policy says it is "
                "due, at the invoiced price.",
                products=", ".join(ordered.product_id.mapped("display_name")),
            ) if ordered else False
