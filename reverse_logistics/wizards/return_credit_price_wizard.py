from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class ReturnCreditPriceWizard(models.TransientModel):
    """A returns manager prices the credit of a line that has no posted invoice to derive it from."""

    _name = "return.credit.price.wizard"
    _description = "Set the Credit Price of a Return Line"

    return_line_id = fields.Many2one("return.order.line", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="return_line_id.currency_id")
    price_unit = fields.Monetary("Credit Price", required=True, currency_field="currency_id",
                                 help="Unit price credited, before taxes; taxes follow the product and the "
                                 "customer's fiscal position.")
    justification = fields.Char(required=True, help="Why this price: logged on the return.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        line = self.env["return.order.line"].browse(values.get("return_line_id"))
        if line and "price_unit" in fields_list:
            values["price_unit"] = line.credit_price_unit or line.price_unit
        return values

    def action_apply(self):
        self.ensure_one()
        if not self.env.user.has_group("reverse_logistics.group_returns_manager"):
            raise AccessError(self.env._("Only a returns manager sets the credit price of a return line."))
        line = self.return_line_id
        line._check_input_values({"credit_price_unit": self.price_unit})
        if self.price_unit <= 0:
            raise UserError(self.env._("The credit price of %s must be above zero.", line.display_name))
        if line.requested_outcome != "refund":
            raise UserError(self.env._("%s is not refunded: it has nothing to credit.", line.display_name))
        if line.sudo()._credit_source_line():
            raise UserError(self.env._(
                "%s is credited from its invoice, at the invoiced price: a manager's price is only for lines "
                "without a posted invoice.", line.display_name))
        if line.credited_qty:
            raise UserError(self.env._("%s has a credit note already: cancel it before changing the price.",
                                       line.display_name))
        line._flow_write({"credit_price_unit": self.price_unit, "credit_price_user_id": self.env.uid})
        line.order_id.message_post(
            body=self.env._("Credit price of %(line)s set to %(price)s: %(why)s", line=line.display_name,
                            price=line.currency_id.format(self.price_unit), why=self.justification),
            subtype_xmlid="mail.mt_note")
        return {"type": "ir.actions.act_window_close"}
