from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        bills = posted.filtered(lambda move: move.move_type == "in_invoice")
        if bills:
            # sudo: the accountant posting a customs bill capitalises its duty without customs or inventory rights;
            # what is written follows from the posted bill alone.
            declarations = self.env["customs.declaration"].sudo().search([("cost_bill_id", "in", bills.ids)])
            for declaration in declarations:
                declaration._book_duty_as_landed_cost()
        return posted

