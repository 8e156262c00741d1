from odoo import Command, models


class CustomsDeclaration(models.Model):
    _inherit = "customs.declaration"

    def _prepare_cost_bill_values(self):
        """Duty lines on the company's landed-cost product, so that posting the bill capitalises them."""
        values = super()._prepare_cost_bill_values()
        product = self.company_id.customs_duty_landed_cost_product_id
        if not product:
            return values
        duty_account = self.company_id.customs_duty_account_id
        for command in values.get("invoice_line_ids", []):
            line = command[2] if len(command) > 2 and isinstance(command[2], dict) else None
            if line and line.get("account_id") == duty_account.id and not line.get("display_type"):
                line.update({"product_id": product.id, "is_landed_costs_line": True})
        return values

    def _returned_receipts(self):
        """The receipts of the returned goods this declaration cleared, done."""
        self.ensure_one()
        return self.return_order_id.picking_ids.filtered(
            lambda picking: picking.state == "done" and picking.picking_type_code == "incoming")

    def _prepare_duty_landed_cost_values(self, bill, duty_lines, receipts):
        """The landed cost of the duty on the returned units; its cost lines credit the very account the bill
        debited, so that the duty moves from that account into the value of the goods."""
        return {
            "vendor_bill_id": bill.id,
            "date": bill.invoice_date or bill.date,
            "picking_ids": [Command.set(receipts.ids)],
            "cost_lines": [Command.create({
                "product_id": line.product_id.id,
                "name": line.name,
                "account_id": line.account_id.id,
                "price_unit": line.currency_id._convert(line.price_subtotal, line.company_currency_id,
                                                        line.company_id, bill.invoice_date or bill.date),
                "split_method": line.product_id.split_method_landed_cost or "by_current_cost_price",
            }) for line in duty_lines],
        }

    def _book_duty_as_landed_cost(self):
        """Once its customs bill is posted, add the duty to the cost of the returned units (validated when they
        are valued FIFO or average; otherwise left in draft with a note, as standard costs do not move)."""
        self.ensure_one()
        bill = self.cost_bill_id
        duty_lines = bill.invoice_line_ids.filtered("is_landed_costs_line")
        if not duty_lines or bill.landed_costs_ids.filtered(lambda cost: cost.state != "cancel"):
            return
        receipts = self._returned_receipts()
        if not receipts:
            self.message_post(body=self.env._(
                "The duty of %s was not added to the goods' cost: their receipt is not done. Create the landed "
                "cost from the bill once they are received.", bill.display_name), subtype_xmlid="mail.mt_note")
            return
        landed_cost = self.env["stock.landed.cost"].with_company(self.company_id).create(
            self._prepare_duty_landed_cost_values(bill, duty_lines, receipts))
        products = receipts.move_ids.product_id
        if all(product.cost_method in ("fifo", "average") for product in products):
            landed_cost.button_validate()
            body = self.env._("Duty added to the cost of the returned units: %s.", landed_cost.display_name)
        else:
            body = self.env._(
                "Landed cost %s drafted: products at standard cost keep their cost; validate it once reviewed.",
                landed_cost.display_name)
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
