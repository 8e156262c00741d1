# pylint: disable=consider-merging-classes-inherited
# Returnable packaging types are products: what marks them, what they cost to lose, what a customer pays for them.
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..returns_lib import packaging as packaging_lib


class ProductTemplate(models.Model):
    _inherit = "product.template"

    returnable_packaging = fields.Boolean(
        groups="base.group_user",
        help="Pallets, crates, containers: every unit sent to a partner is owed back and counted on the partner's "
        "packaging balance; units received from a supplier are owed back to them. Track containers by serial number "
        "to count their trips.",
    )
    packaging_deposit_price = fields.Monetary(
        "Deposit", currency_field="currency_id", groups="base.group_user",
        help="Charged per unit on the sale order when the packaging leaves, credited when it comes back.",
    )
    packaging_returned_percent = fields.Float(
        "Packaging Returned (%)", compute="_compute_packaging_reuse", digits=(16, 1), groups="base.group_user",
        help="Share of the units sent to customers that came back.",
    )
    packaging_trips_per_container = fields.Float(
        "Trips per Container", compute="_compute_packaging_reuse", digits=(16, 2), groups="base.group_user",
        help="Serial-tracked packaging: how many times each container sent out came back, on average.",
    )

    def _compute_packaging_reuse(self):
        # sudo: reuse figures are sums over every customer's ledger, shown to whoever reads the product.
        Ledger = self.env["returnable.packaging.move"].sudo()
        template_ids = [template._origin.id for template in self if template.returnable_packaging and template._origin]
        entries = Ledger.search([("product_id.product_tmpl_id", "in", template_ids), ("side", "=", "customer")]) \
            if template_ids else Ledger
        by_template = entries.grouped(lambda e: e.product_id.product_tmpl_id.id)
        for template in self:
            figures = packaging_lib.reuse_figures(by_template.get(template._origin.id, Ledger)._ledger_entries())
            template.packaging_returned_percent = figures.returned_share * 100.0
            template.packaging_trips_per_container = figures.trips_per_container

    @api.constrains("packaging_deposit_price", "returnable_packaging", "type")
    def _check_packaging_deposit_price(self):
        for template in self:
            if not 0 <= template.packaging_deposit_price < 1e9:  # written so that NaN fails too
                raise ValidationError(self.env._("The deposit of %s must be a positive amount.", template.name))
            if template.returnable_packaging and template.type != "consu":
                raise ValidationError(
                    self.env._("%s is returnable packaging: it must be goods, not a service or a combo.",
                               template.name))


class ProductCategory(models.Model):
    _inherit = "product.category"

    packaging_writeoff_account_id = fields.Many2one(
        "account.account", "Packaging Write-off Account", company_dependent=True, groups="base.group_user",
        help="Expense account lost returnable packaging of this category is written off to. Empty: the company's.",
    )


class ResCompany(models.Model):
    _inherit = "res.company"

    packaging_writeoff_account_id = fields.Many2one(
        "account.account", "Packaging Write-off Account", groups="base.group_user",
        check_company=True,
        help="Expense account lost returnable packaging is written off to, unless its product category names one.",
    )
    packaging_reminder_days = fields.Integer(
        "Packaging Reminder After (days)", default=60, groups="base.group_user",
        help="Partners holding packaging sent longer ago than this are reminded (one activity per partner). "
        "0: no reminders.",
    )

    @api.constrains("packaging_reminder_days")
    def _check_packaging_reminder_days(self):
        for company in self:
            if not 0 <= company.packaging_reminder_days <= 3650:
                raise ValidationError(self.env._("Packaging reminders are sent after 0 to 3650 days."))


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _get_display_price(self):
        # Returnable packaging is charged at its deposit, whatever the pricelist says: the same amount is
        # credited when it comes back.
        self.ensure_one()
        template = self.product_id.product_tmpl_id.sudo()
        if template.returnable_packaging and template.packaging_deposit_price:
            return template.currency_id._convert(
                template.packaging_deposit_price, self.currency_id or self.order_id.currency_id,
                self.order_id.company_id or self.env.company, self.order_id.date_order or fields.Date.today(),
            )
        return super()._get_display_price()
