"""Credit notes of returns are exact on real invoices: taxes included and excluded, discount,
fiscal position, foreign currency, cash rounding, analytic, partial credits; posted, reconciled and paid.

Every expected amount is worked out by hand from the invoice, in the test, never read back from the code
under test.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestReturnCreditAmounts(ReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.credit_moment = "receipt"
        Tax = cls.env["account.tax"]
        cls.tax_excluded = Tax.create({"name": "RL VAT 15% excl.", "amount": 15.0, "type_tax_use": "sale",
                                       "company_id": cls.company.id, "price_include_override": "tax_excluded"})
        cls.tax_included = Tax.create({"name": "RL VAT 15% incl.", "amount": 15.0, "type_tax_use": "sale",
                                       "company_id": cls.company.id, "price_include_override": "tax_included"})
        cls.today = fields.Date.context_today(cls.env["res.partner"])

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _invoiced_sale(self, lines, fiscal_position=None, pricelist=None, invoice_date=None, cash_rounding=None):
        """Sell, deliver and invoice ``lines`` [(product, qty, price, discount, taxes or None for the
        product's own, extra sale line values)], then post the invoice."""
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id, "warehouse_id": self.warehouse.id,
            "fiscal_position_id": fiscal_position.id if fiscal_position else False,
            **({"pricelist_id": pricelist.id} if pricelist else {}),
            "order_line": [
                Command.create({
                    "product_id": product.id, "product_uom_qty": qty, "price_unit": price, "discount": discount,
                    **({"tax_id": [Command.set(taxes.ids)]} if taxes is not None else {}),
                    **extra,
                })
                for product, qty, price, discount, taxes, extra in lines
            ],
        })
        invoice_values = {"invoice_date": invoice_date} if invoice_date else {}
        if cash_rounding:
            invoice_values["invoice_cash_rounding_id"] = cash_rounding.id
        return order, self._confirm_deliver_invoice(order, **invoice_values)

    def _credit(self, order, lines):
        """Return ``lines`` [(product, qty, extra return line values)] of ``order``, receive them and draft
        their credit note."""
        rma = self._return_from_sale(order, lines)
        self._approve_and_receive(rma)
        rma.action_draft_credit_notes()
        return rma, rma.credit_note_ids

    @staticmethod
    def _reconcile(*moves):
        receivable = moves[0].browse([m.id for m in moves]).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled)
        receivable.reconcile()

    def _pay(self, invoice):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids).create({})._create_payments()

    def _foreign_currency(self, rate_on_invoice, rate_today, invoice_date):
        """A currency other than the company's, at ``rate_on_invoice`` units per company unit from the
        invoice date on and ``rate_today`` today; the company currency stays at 1."""
        currency = self.env.ref("base.EUR")
        if currency == self.company.currency_id:
            currency = self.env.ref("base.USD")
        currency.active = True
        Rate = self.env["res.currency.rate"]
        for day, rate in ((invoice_date, rate_on_invoice), (self.today, rate_today)):
            Rate.create({"currency_id": currency.id, "name": day, "rate": rate, "company_id": self.company.id})
            Rate.create({"currency_id": self.company.currency_id.id, "name": day, "rate": 1.0,
                         "company_id": self.company.id})
        pricelist = self.env["product.pricelist"].create({"name": f"RL {currency.name}",
                                                          "currency_id": currency.id})
        return currency, pricelist

    def _account(self, code, name, account_type, **values):
        return self.env["account.account"].create({"code": code, "name": name, "account_type": account_type,
                                                   **values})

    def _product_line(self, move, product):
        return move.invoice_line_ids.filtered(lambda line: line.product_id == product)

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------
    def test_taxes_included_and_excluded_credit_the_invoiced_share_and_reconcile(self):
        order, invoice = self._invoiced_sale([
            (self.product, 3, 115.0, 0.0, self.tax_included, {}),
            (self.product_b, 2, 40.0, 0.0, self.tax_excluded, {}),
        ])
        # 3 x 115 incl. = 345 (300 + 45); 2 x 40 excl. = 80 + 12.
        self.assertEqual((invoice.amount_untaxed, invoice.amount_tax, invoice.amount_total), (380.0, 57.0, 437.0))
        _rma, refund = self._credit(order, [(self.product, 2, {}), (self.product_b, 1, {})])
        # 2/3 of the chairs: 230 (200 + 30); 1/2 of the lamps: 46 (40 + 6).
        self.assertEqual((refund.amount_untaxed, refund.amount_tax, refund.amount_total), (240.0, 36.0, 276.0))
        chairs = self._product_line(refund, self.product)
        self.assertEqual((chairs.price_unit, chairs.tax_ids, chairs.price_total, chairs.price_subtotal),
                         (115.0, self.tax_included, 230.0, 200.0), "the price as invoiced, tax included")
        self.assertEqual(refund.reversed_entry_id, invoice)

        refund.action_post()
        self._reconcile(invoice, refund)
        self.assertEqual((invoice.amount_residual, invoice.payment_state), (161.0, "partial"), "437 - 276")
        self.assertEqual((refund.amount_residual, refund.payment_state), (0.0, "paid"))
        self._pay(invoice)
        self.assertEqual((invoice.amount_residual, invoice.payment_state), (0.0, "paid"),
                         "the customer pays what was not credited, and the invoice is settled")

    def test_foreign_currency_credit_uses_the_rate_odoos_own_reversal_uses(self):
        invoice_date = self.today - timedelta(days=10)
        currency, pricelist = self._foreign_currency(2.0, 1.25, invoice_date)
        order, invoice = self._invoiced_sale([(self.product, 3, 100.0, 10.0, self.tax_excluded, {})],
                                             pricelist=pricelist, invoice_date=invoice_date)
        self.assertEqual(invoice.currency_id, currency)
        # 3 x 90 = 270 + 40.5 = 310.5, booked at 2.0: 155.25 in company currency.
        self.assertEqual((invoice.amount_total, invoice.amount_total_signed), (310.5, 155.25))
        _rma, refund = self._credit(order, [(self.product, 2, {})])
        chairs = self._product_line(refund, self.product)
        self.assertEqual((refund.currency_id, refund.reversed_entry_id, chairs.price_unit, chairs.discount),
                         (currency, invoice, 100.0, 10.0), "the invoice's currency and price in it")
        # 2 x 90 = 180 + 27 = 207, credited today at 1.25: 144 + 21.6 = 165.6 in company currency.
        self.assertEqual((refund.amount_untaxed, refund.amount_tax, refund.amount_total), (180.0, 27.0, 207.0))
        self.assertEqual((refund.amount_untaxed_signed, refund.amount_total_signed), (-144.0, -165.6))

        # Odoo's own Credit Note button on the same invoice, for the same quantity.
        wizard = self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=invoice.ids).create({"journal_id": invoice.journal_id.id})
        wizard.reverse_moves()
        reversal = wizard.new_move_ids
        self._product_line(reversal, self.product).quantity = 2
        self.assertEqual((refund.date, refund.invoice_date), (reversal.date, reversal.invoice_date))
        self.assertEqual(
            sorted(refund.line_ids.mapped(lambda line: (line.display_type, line.amount_currency, line.balance))),
            sorted(reversal.line_ids.mapped(lambda line: (line.display_type, line.amount_currency, line.balance))),
            "the same journal items as Odoo's own reversal of 2 chairs",
        )
        reversal.button_cancel()

        refund.action_post()
        self._reconcile(invoice, refund)
        self.assertEqual(invoice.amount_residual, 103.5, "310.5 - 207 in the invoice's currency")
        self._pay(invoice)
        self.assertEqual(invoice.payment_state, "paid")

    def test_foreign_currency_restocking_fee_is_the_policys_share_in_the_invoice_currency(self):
        invoice_date = self.today - timedelta(days=10)
        currency, pricelist = self._foreign_currency(2.0, 1.25, invoice_date)
        self.policy.restocking_fee_percent = 10.0
        order, _invoice = self._invoiced_sale([(self.product, 3, 100.0, 10.0, self.tax_excluded, {})],
                                              pricelist=pricelist, invoice_date=invoice_date)
        rma, refund = self._credit(order, [(self.product, 2, {"reason_id": self.reason_changed.id})])
        # The return is valued in the company's currency: 90 sold today at 1.25 is 72, the fee 10 % of 144.
        self.assertEqual((rma.line_ids.price_unit, rma.restocking_fee_amount), (72.0, 14.4))
        fee = refund.invoice_line_ids.filtered(lambda line: line.name.startswith("Restocking fee"))
        self.assertEqual(refund.currency_id, currency)
        # 10 % of the 180 credited (in the invoice's currency): 18, taxed as the goods.
        self.assertEqual((fee.price_subtotal, fee.tax_ids), (-18.0, self.tax_excluded))
        self.assertEqual((refund.amount_untaxed, refund.amount_tax, refund.amount_total), (162.0, 24.3, 186.3))
        self.assertEqual(refund.amount_total_signed, -149.04, "186.3 at today's 1.25")
        refund.action_post()
        self.assertEqual(refund.state, "posted")

    def test_restocking_fee_on_a_price_with_taxes_included(self):
        self.policy.restocking_fee_percent = 10.0
        order, _invoice = self._invoiced_sale([(self.product, 3, 115.0, 10.0, self.tax_included, {})])
        _rma, refund = self._credit(order, [(self.product, 2, {"reason_id": self.reason_changed.id})])
        fee = refund.invoice_line_ids.filtered(lambda line: line.name.startswith("Restocking fee"))
        # 2 x 115 - 10 % = 207 incl. (180 + 27); the fee is 10 % of it: 20.7 incl. (18 + 2.7).
        self.assertEqual((fee.price_total, fee.price_subtotal, fee.tax_ids), (-20.7, -18.0, self.tax_included))
        self.assertEqual((refund.amount_untaxed, refund.amount_tax, refund.amount_total), (162.0, 24.3, 186.3))

    def _test_cash_rounding(self, strategy):
        rounding = self.env["account.cash.rounding"].create({
            "name": f"RL 0.05 {strategy}", "rounding": 0.05, "strategy": strategy, "rounding_method": "HALF-UP",
            "profit_account_id": self._account("RL7701", "RL rounding gains", "income_other").id,
            "loss_account_id": self._account("RL6601", "RL rounding losses", "expense").id,
        })
        order, invoice = self._invoiced_sale([(self.product, 3, 10.01, 0.0, self.tax_excluded, {})],
                                             cash_rounding=rounding)
        # 30.03 + 4.50 = 34.53, rounded to 34.55.
        self.assertEqual(invoice.amount_total, 34.55)
        _rma, refund = self._credit(order, [(self.product, 2, {})])
        self.assertEqual(refund.invoice_cash_rounding_id, rounding)
        # 20.02 + 3.00 = 23.02, rounded to 23.00.
        self.assertEqual(refund.amount_total, 23.0)
        refund.action_post()
        self.assertEqual((refund.state, refund.amount_total), ("posted", 23.0))
        self._reconcile(invoice, refund)
        self.assertEqual(invoice.amount_residual, 11.55, "34.55 - 23.00")
        return refund

    def test_cash_rounding_on_a_line_of_its_own(self):
        refund = self._test_cash_rounding("add_invoice_line")
        rounding_line = refund.line_ids.filtered(lambda line: line.display_type == "rounding")
        self.assertEqual((rounding_line.amount_currency, refund.amount_tax), (-0.02, 3.0),
                         "0.02 less credited (credited back to revenue), on the rounding line")

    def test_cash_rounding_on_the_biggest_tax(self):
        refund = self._test_cash_rounding("biggest_tax")
        self.assertEqual(refund.amount_tax, 2.98, "0.02 less credited, taken off the tax")

    def test_fiscal_position_accounts_analytic_and_real_time_valuation(self):
        """The credit line is on the invoice's (mapped) sales account with its analytic distribution, never on
        a stock interim account, even where the goods are valued in real time (anglo-saxon)."""
        sales = self._account("RL4001", "RL domestic sales", "income")
        export_sales = self._account("RL4002", "RL export sales", "income")
        interim_out = self._account("RL1402", "RL stock interim (delivered)", "asset_current", reconcile=True)
        category = self.env["product.category"].create({
            "name": "RL real-time goods", "property_cost_method": "standard", "property_valuation": "real_time",
            "property_account_income_categ_id": sales.id,
            "property_account_expense_categ_id": self._account("RL5001", "RL COGS", "expense_direct_cost").id,
            "property_stock_account_input_categ_id": self._account(
                "RL1401", "RL stock interim (received)", "asset_current", reconcile=True).id,
            "property_stock_account_output_categ_id": interim_out.id,
            "property_stock_valuation_account_id": self._account("RL1301", "RL stock", "asset_current").id,
            "property_stock_journal": self.env["account.journal"].search(
                [("type", "=", "general"), ("company_id", "=", self.company.id)], limit=1).id,
        })
        self.policy.category_ids = [Command.link(category.id)]
        self.company.anglo_saxon_accounting = True
        tax_7 = self.env["account.tax"].create({"name": "RL VAT 7%", "amount": 7.0, "type_tax_use": "sale",
                                                "company_id": self.company.id})
        product = self.env["product.product"].create({
            "name": "RL valued sofa", "is_storable": True, "categ_id": category.id, "standard_price": 60.0,
            "list_price": 100.0, "taxes_id": [Command.set(self.tax_excluded.ids)],
        })
        self.env["stock.quant"]._update_available_quantity(product, self.stock_location, 10)
        fiscal_position = self.env["account.fiscal.position"].create({
            "name": "RL export", "company_id": self.company.id,
            "tax_ids": [Command.create({"tax_src_id": self.tax_excluded.id, "tax_dest_id": tax_7.id})],
            "account_ids": [Command.create({"account_src_id": sales.id, "account_dest_id": export_sales.id})],
        })
        plan = self.env["account.analytic.plan"].create({"name": "RL projects"})
        project = self.env["account.analytic.account"].create({"name": "RL project", "plan_id": plan.id})
        distribution = {str(project.id): 100.0}
        order, invoice = self._invoiced_sale([(product, 3, 100.0, 0.0, None,
                                               {"analytic_distribution": distribution})],
                                             fiscal_position=fiscal_position)
        invoiced = self._product_line(invoice, product)
        self.assertEqual((invoiced.account_id, invoiced.tax_ids, invoiced.analytic_distribution),
                         (export_sales, tax_7, distribution), "the invoice as the fiscal position maps it")
        _rma, refund = self._credit(order, [(product, 2, {})])
        credited = self._product_line(refund, product)
        self.assertEqual((credited.account_id, credited.tax_ids, credited.analytic_distribution),
                         (export_sales, tax_7, distribution))
        self.assertEqual(refund.fiscal_position_id, fiscal_position)
        self.assertEqual((refund.amount_untaxed, refund.amount_tax, refund.amount_total), (200.0, 14.0, 214.0))

        refund.action_post()
        self.assertEqual(credited.balance, 200.0, "the export sales account is debited what was credited")
        self.assertEqual(sum(refund.line_ids.filtered(lambda line: line.account_id == interim_out).mapped("balance")),
                         120.0, "the cost of 2 sofas back to the interim account, on the cost lines only")
        self.assertFalse(refund.invoice_line_ids.filtered(lambda line: line.account_id == interim_out))
        analytic = self.env["account.analytic.line"].search([("move_line_id", "=", credited.id)])
        self.assertEqual((analytic[plan._column_name()], analytic.amount), (project, -200.0),
                         "the project gives its revenue back")

    def test_grade_deduction_is_the_grades_share_of_the_invoiced_net_amount(self):
        self.policy.write({"credit_moment": "inspection", "inspection_required": True})
        grade_b, grade_c = self.env.ref("reverse_logistics.grade_b"), self.env.ref("reverse_logistics.grade_c")
        grade_b.credit_percent = 90.0
        grade_c.credit_percent = 70.0
        order, _invoice = self._invoiced_sale([
            (self.product, 3, 115.0, 10.0, self.tax_included, {}),
            (self.product_b, 2, 40.0, 0.0, self.tax_excluded, {}),
        ])
        rma = self._return_from_sale(order, [(self.product, 2, {}), (self.product_b, 1, {})])
        self._approve_and_receive(rma)
        for inspection in rma.inspection_ids:
            inspection.answer_ids.result = "pass"
            inspection.grade_id = grade_c if inspection.product_id == self.product else grade_b
            inspection.action_done()
        rma.action_draft_credit_notes()
        refund = rma.credit_note_ids
        # Chairs: 2 x 115 - 10 % = 207 incl. (180 + 27), 70 % of it: 144.9 (126 + 18.9).
        # Lamp: 40 + 6 = 46, 90 % of it: 41.4 (36 + 5.4).
        self.assertEqual((refund.amount_untaxed, refund.amount_tax, refund.amount_total), (162.0, 24.3, 186.3))
        conditions = refund.invoice_line_ids.filtered(lambda line: line.name.startswith("Condition on return"))
        chairs = conditions.filtered(lambda line: line.return_line_id.product_id == self.product)
        self.assertEqual((chairs.price_total, chairs.price_subtotal, chairs.tax_ids),
                         (-62.1, -54.0, self.tax_included), "30 % of 207 withheld, tax included as invoiced")
        refund.action_post()
        self.assertEqual(refund.state, "posted")

    def test_two_partial_credits_reverse_the_invoice_to_the_cent(self):
        order, invoice = self._invoiced_sale([(self.product, 3, 19.99, 15.0, self.tax_excluded, {})])
        # 3 x 16.9915 = 50.97 + 7.65 = 58.62.
        self.assertEqual(invoice.amount_total, 58.62)
        first_rma, first = self._credit(order, [(self.product, 1, {})])
        first.action_post()
        self._reconcile(invoice, first)
        second_rma, second = self._credit(order, [(self.product, 2, {})])
        self.assertNotEqual(first, second)
        invoiced = self._product_line(invoice, self.product)
        credit_lines = self.env["account.move.line"].search([("return_credited_line_id", "=", invoiced.id)])
        self.assertEqual(sum(credit_lines.mapped("quantity")), 3.0, "all three, never more")
        self.assertEqual((first.amount_total, second.amount_total), (19.54, 39.08))
        second.action_post()
        self._reconcile(invoice, second)
        self.assertEqual((invoice.amount_residual, invoice.payment_state), (0.0, "reversed"),
                         "fully credited, to the cent")
        self.assertEqual((first_rma | second_rma).line_ids.mapped("credited_qty"), [1.0, 2.0])
