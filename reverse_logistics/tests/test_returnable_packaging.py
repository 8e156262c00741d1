import uuid
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import BaseCase, HttpCase, new_test_user, tagged

from odoo.addons.base.controllers.rpc import dumps as xmlrpc_dumps

from .common import ReturnsCase
from .test_return_concurrency import _deliver, let_worker_threads_in, race, transaction, without_error_log


class PackagingCase(ReturnsCase):
    """Pallets (counted) and containers (serial numbers) going out with sale orders and coming back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pallet = cls._create_packaging("EUR pallet", deposit=10.0, cost=8.0)
        cls.container = cls._create_packaging("IBC container", deposit=100.0, cost=150.0, tracking="serial")
        cls.containers = cls.env["stock.lot"].create([
            {"name": f"IBC-{i}", "product_id": cls.container.id, "company_id": cls.company.id} for i in range(2)
        ])
        cls.env["stock.quant"]._update_available_quantity(cls.pallet, cls.stock_location, 100)
        for lot in cls.containers:
            cls.env["stock.quant"]._update_available_quantity(cls.container, cls.stock_location, 1, lot_id=lot)
        cls.Ledger = cls.env["returnable.packaging.move"]
        cls.Balance = cls.env["returnable.packaging.balance"]

    @classmethod
    def _create_packaging(cls, name, deposit, cost, tracking="none"):
        return cls.env["product.product"].create({
            "name": name, "is_storable": True, "tracking": tracking, "list_price": 55.0, "standard_price": cost,
            "categ_id": cls.category.id, "returnable_packaging": True, "packaging_deposit_price": deposit,
        })

    @classmethod
    def _ship(cls, partner, lines, lots=None):
        """A confirmed sale order of ``lines`` [(product, qty)], priced as sales users price it, delivered."""
        order = cls.env["sale.order"].create({
            "partner_id": partner.id, "warehouse_id": cls.warehouse.id,
            "order_line": [Command.create({"product_id": product.id, "product_uom_qty": qty})
                           for product, qty in lines],
        })
        order.action_confirm()
        for move in order.picking_ids.move_ids:
            if move.has_tracking == "serial":
                move.move_line_ids.unlink()
                for lot in lots[: int(move.product_uom_qty)]:
                    cls.env["stock.move.line"].create({**move._prepare_move_line_vals(quantity=1), "lot_id": lot.id})
            else:
                move.quantity = move.product_uom_qty
        order.picking_ids.move_ids.picked = True
        order.picking_ids.button_validate()
        return order

    def _packaging_return(self, partner, lines):
        """A packaging return of ``lines`` [(product, qty, extra line values)]."""
        return self.env["return.order"].create({
            "partner_id": partner.id,
            "return_kind": "packaging",
            "line_ids": [Command.create({"product_id": product.id, "product_uom_qty": qty, **extra})
                         for product, qty, extra in lines],
        })

    def _balance(self, partner, product, side="customer"):
        self.env.flush_all()
        self.env.invalidate_all()
        row = self.Balance.search([("partner_id", "=", partner.id), ("product_id", "=", product.id),
                                   ("side", "=", side)])
        return row.balance_qty if row else 0.0

    def _deposit_refunds(self, partner):
        return self.env["account.move"].search([("partner_id", "=", partner.id), ("move_type", "=", "out_refund")])


class TestPackagingBalances(PackagingCase):
    def test_a_delivery_charges_the_deposit_and_puts_the_packaging_on_the_customers_balance(self):
        order = self._ship(self.customer, [(self.product, 2), (self.pallet, 5)])
        pallet_line = order.order_line.filtered(lambda line: line.product_id == self.pallet)
        self.assertEqual(pallet_line.price_unit, 10.0, "packaging is sold at its deposit, not its list price")
        entries = self.Ledger.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(entries.mapped("product_id"), self.pallet, "only packaging is on the ledger")
        self.assertEqual((entries.direction, entries.side, entries.quantity, entries.deposit_amount),
                         ("sent", "customer", 5.0, 50.0))
        self.assertEqual(entries.picking_id, order.picking_ids)
        self.assertEqual(self._balance(self.customer, self.pallet), 5.0)
        row = self.Balance.search([("partner_id", "=", self.customer.id)])
        self.assertEqual((row.qty_sent, row.deposit_charged, row.deposit_open), (5.0, 50.0, 50.0))

    def test_packaging_is_returned_on_packaging_returns_only(self):
        order = self._ship(self.customer, [(self.product, 2), (self.pallet, 4)])
        packaging = self._packaging_return(self.customer, [(self.pallet, 3, {})])
        packaging.action_submit()
        packaging.action_receive()
        self.assertEqual(len(self._deposit_refunds(self.customer)), 1, "the deposit of 3 pallets is credited")
        # Neither the sale order's wizard nor the portal offers the pallets: only the chairs.
        wizard = self.env["return.order.wizard"].browse(
            self.env["return.order.wizard"]._action_open_for_source(sale_order=order)["res_id"])
        self.assertEqual(wizard.line_ids.product_id, self.product)
        portal = self.env["return.order"]._get_portal_return_candidates(self.customer, include_exhausted=True)
        delivery = self.env["return.order.line"]._get_returnable_candidates(pickings=order.picking_ids)
        invoice = order._create_invoices()
        invoice.action_post()
        invoiced = self.env["return.order.line"]._get_returnable_candidates(invoices=invoice)
        self.assertIn(self.product, [candidate["product_id"] for candidate in invoiced])
        for candidates in (portal, delivery, invoiced):
            self.assertNotIn(self.pallet, [candidate["product_id"] for candidate in candidates])
        # Created directly (a form, XML-RPC): refused whatever the policy or a manager says, nothing written.
        for values in ({"sale_order_id": order.id}, {"picking_id": order.picking_ids.id}, {"invoice_id": invoice.id},
                       {}):
            with self.subTest(source=values), self.assertRaisesRegex(ValidationError, "EUR pallet is returnable "
                                                                     "packaging: it comes back on a packaging return"):
                self.env["return.order"].create({
                    "partner_id": self.customer.id, **values,
                    "line_ids": [Command.create({"product_id": self.pallet.id, "product_uom_qty": 4})],
                })
        # Nor added to an ordinary return afterwards.
        rma = self._return_from_sale(order, [(self.product, 1, {})])
        with self.assertRaisesRegex(ValidationError, "returnable packaging"):
            rma.write({"line_ids": [Command.create({"product_id": self.pallet.id, "product_uom_qty": 1})]})
        with self.assertRaisesRegex(ValidationError, "returnable packaging"):
            rma.line_ids.write({"product_id": self.pallet.id})
        self.assertEqual(len(self._deposit_refunds(self.customer)), 1, "the deposit is never credited twice")

    def test_a_packaging_return_needs_no_reason_comes_back_into_the_packaging_location_and_credits_once(self):
        self._ship(self.customer, [(self.pallet, 5)])
        rma = self._packaging_return(self.customer, [(self.pallet, 3, {})])
        rma.action_submit()
        self.assertEqual(rma.state, "approved", "packaging owed back is approved at once, without a reason")
        self.assertEqual(rma.picking_ids.location_dest_id, self.warehouse.packaging_location_id)
        rma.action_receive()
        self.assertEqual(rma.state, "received")
        self.assertEqual(self._balance(self.customer, self.pallet), 2.0)
        self.assertFalse(rma.inspection_ids, "reusable packaging needs no inspection")
        figures = self.env["return.sustainability.report"].search([("order_id", "=", rma.id)])
        self.assertEqual((figures.packaging_units_returned, figures.packaging_units_reused), (3.0, 3.0))
        quant = self.env["stock.quant"]._gather(self.pallet, self.warehouse.packaging_location_id)
        self.assertEqual(sum(quant.mapped("quantity")), 3.0)
        returned = self.Ledger.search([("partner_id", "=", self.customer.id), ("direction", "=", "returned")])
        self.assertEqual((returned.quantity, returned.deposit_amount, returned.return_order_id),
                         (3.0, -30.0, rma))
        refund = self._deposit_refunds(self.customer)
        self.assertEqual(len(refund), 1)
        self.assertEqual(refund.state, "draft")
        self.assertEqual(refund.amount_untaxed, 30.0)
        self.assertTrue(returned.deposit_credited)
        # Running the credit again, from the ledger or from the return's own credit notes, credits nothing more.
        self.assertFalse(self.Ledger.search([])._draft_deposit_credits())
        with self.assertRaisesRegex(UserError, "Nothing to credit"):
            returned.action_credit_deposits()
        with self.assertRaisesRegex(UserError, "Nothing to credit"):
            rma.action_draft_credit_notes()
        self.assertEqual(self._deposit_refunds(self.customer), refund)
        row = self.Balance.search([("partner_id", "=", self.customer.id)])
        self.assertEqual((row.deposit_charged, row.deposit_credited, row.deposit_open), (50.0, 30.0, 20.0))

    def test_a_cancelled_deposit_credit_note_is_drafted_again_once(self):
        self._ship(self.customer, [(self.pallet, 2)])
        rma = self._packaging_return(self.customer, [(self.pallet, 2, {})])
        rma.action_submit()
        rma.action_receive()
        refund = self._deposit_refunds(self.customer)
        refund.button_cancel()
        returned = self.Ledger.search([("partner_id", "=", self.customer.id), ("direction", "=", "returned")])
        self.assertFalse(returned.deposit_credited)
        again = returned.sudo()._draft_deposit_credits()
        self.assertEqual(again.amount_untaxed, 20.0)
        self.assertFalse(returned.sudo()._draft_deposit_credits())

    def test_returning_more_packaging_than_the_customer_holds_is_refused_and_nothing_written(self):
        self._ship(self.customer, [(self.pallet, 2)])
        self.assertRefused(ValidationError, r"Kunde GmbH.*hold 2", self._packaging_return,
                           self.customer, [(self.pallet, 3, {})])
        # Two lines of the same pallets add up.
        self.assertRefused(ValidationError, "hold 2", self._packaging_return,
                           self.customer, [(self.pallet, 1, {}), (self.pallet, 2, {})])
        # What an open return announces is not there any more for the next one.
        first = self._packaging_return(self.customer, [(self.pallet, 2, {})])
        first.action_submit()
        self.assertRefused(ValidationError, "hold 0", self._packaging_return, self.customer, [(self.pallet, 1, {})])
        # Another customer holds none.
        self.assertRefused(ValidationError, "hold 0", self._packaging_return,
                           self.other_customer, [(self.pallet, 1, {})])
        self.assertRefused(ValidationError, "must be positive", self._packaging_return,
                           self.customer, [(self.pallet, -1, {})])
        self.assertRefused(ValidationError, "not returnable packaging", self._packaging_return,
                           self.customer, [(self.product, 1, {})])

    def test_a_receipt_of_more_packaging_than_held_is_refused_with_the_balance(self):
        self._ship(self.customer, [(self.pallet, 2)])
        rma = self._packaging_return(self.customer, [(self.pallet, 2, {})])
        rma.action_submit()
        picking = rma.picking_ids
        picking.move_ids.quantity = 3
        picking.move_ids.picked = True
        count = self.Ledger.search_count([])
        with self.assertRaisesRegex(ValidationError, "hold 2"):
            picking.button_validate()
        self.assertEqual(self.Ledger.search_count([]), count)
        self.assertEqual(self._balance(self.customer, self.pallet), 2.0)

    def test_damaged_packaging_is_graded_at_once_and_goes_on_to_a_disposition(self):
        self._ship(self.customer, [(self.pallet, 3)])
        rma = self._packaging_return(self.customer, [(self.pallet, 1, {"packaging_condition": "scrap"}),
                                                      (self.pallet, 1, {"packaging_condition": "repair"})])
        rma.action_submit()
        rma.action_receive()
        self.assertEqual(rma.inspection_ids.mapped("state"), ["done", "done"])
        self.assertEqual(set(rma.inspection_ids.grade_id.mapped("code")), {"SCRAP", "D"})
        self.assertEqual(len(rma.disposition_ids), 2, "a disposition is proposed for each damaged unit")
        figures = self.env["return.sustainability.report"].search([("order_id", "=", rma.id)])
        self.assertEqual((figures.packaging_units_returned, figures.packaging_units_reused), (2.0, 0.0))
        self.assertEqual(self._balance(self.customer, self.pallet), 1.0)

    def test_containers_count_their_trips_and_only_the_holder_returns_one(self):
        first, second = self.containers
        self._ship(self.customer, [(self.container, 1)], lots=first)
        self.assertRefused(ValidationError, "does not hold IBC container IBC-1", self._packaging_return,
                           self.customer, [(self.container, 1, {"lot_id": second.id})])
        for trip in range(2):
            rma = self._packaging_return(self.customer, [(self.container, 1, {"lot_id": first.id})])
            rma.action_submit()
            rma.action_receive()
            self.assertEqual(self._balance(self.customer, self.container), 0.0)
            self.assertEqual(rma.picking_ids.move_line_ids.lot_id, first)
            if trip == 0:
                # Back in stock from the packaging location, out again to the other customer and back.
                self.env["stock.quant"]._update_available_quantity(
                    self.container, self.warehouse.packaging_location_id, -1, lot_id=first)
                self.env["stock.quant"]._update_available_quantity(self.container, self.stock_location, 1,
                                                                   lot_id=first)
                self._ship(self.customer, [(self.container, 1)], lots=first)
        figures = self.Ledger._reuse_figures([("product_id", "=", self.container.id)])
        self.assertEqual((figures.containers, figures.trips, figures.trips_per_container), (1, 2, 2.0))
        self.assertEqual(figures.returned_share, 1.0)
        template = self.container.product_tmpl_id
        self.assertEqual((template.packaging_trips_per_container, template.packaging_returned_percent), (2.0, 100.0))

    def test_supplier_packaging_is_owed_back_and_cannot_be_given_back_twice(self):
        supplier = self.env["res.partner"].create({"name": "Pallet Supplier SA"})
        supplier_location = self.env.ref("stock.stock_location_suppliers")

        def transfer(picking_type, source, destination, qty):
            picking = self.env["stock.picking"].create({
                "partner_id": supplier.id, "picking_type_id": picking_type.id,
                "location_id": source.id, "location_dest_id": destination.id,
                "move_ids": [Command.create({
                    "name": "pallets", "product_id": self.pallet.id, "product_uom_qty": qty,
                    "product_uom": self.pallet.uom_id.id, "location_id": source.id, "location_dest_id": destination.id,
                })],
            })
            picking.action_confirm()
            picking.move_ids.quantity = qty
            picking.move_ids.picked = True
            picking.button_validate()
            return picking

        transfer(self.warehouse.in_type_id, supplier_location, self.stock_location, 10)
        self.assertEqual(self._balance(supplier, self.pallet, "supplier"), 10.0)
        transfer(self.warehouse.out_type_id, self.stock_location, supplier_location, 4)
        self.assertEqual(self._balance(supplier, self.pallet, "supplier"), 6.0)
        with self.assertRaisesRegex(ValidationError, "we owe them 6"):
            transfer(self.warehouse.out_type_id, self.stock_location, supplier_location, 7)
        self.assertEqual(self._balance(supplier, self.pallet, "supplier"), 6.0)

    def test_the_ledger_is_written_by_the_flows_only(self):
        self._ship(self.customer, [(self.pallet, 1)])
        clerk = new_test_user(self.env, "packaging_clerk",
                              groups="reverse_logistics.group_returns_user,stock.group_stock_user")
        Ledger = self.Ledger.with_user(clerk)
        with self.assertRaises(AccessError):
            Ledger.create({"partner_id": self.customer.id, "product_id": self.pallet.id, "side": "customer",
                           "direction": "sent", "quantity": 100})
        entry = Ledger.search([("partner_id", "=", self.customer.id)])
        with self.assertRaises(AccessError):
            entry.write({"quantity": 100})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            self.Ledger.search([]).unlink()


class TestPackagingWriteoff(PackagingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = new_test_user(cls.env, "packaging_writeoff_clerk",
                                  groups="reverse_logistics.group_returns_user,stock.group_stock_user")
        cls.accountant = new_test_user(cls.env, "packaging_accountant",
                                       groups="account.group_account_manager,base.group_user")
        Account = cls.env["account.account"]
        cls.expense = Account.create({"name": "Lost packaging", "code": "659900", "account_type": "expense"})
        cls.output = Account.create({"name": "Goods delivered not invoiced", "code": "349900",
                                     "account_type": "asset_current"})
        cls.company.packaging_writeoff_account_id = cls.expense
        cls.category.property_stock_account_output_categ_id = cls.output
        cls._ship(cls.customer, [(cls.pallet, 4)])

    def _propose(self, qty, user=None):
        return self.env["returnable.packaging.writeoff"].with_user(user or self.clerk).create({
            "partner_id": self.customer.id, "product_id": self.pallet.id, "quantity": qty,
            "reason": "Burnt in the customer's yard",
        })

    def test_a_clerk_proposes_an_accountant_approves_and_the_loss_is_expensed(self):
        writeoff = self._propose(1)
        writeoff.action_submit()
        self.assertEqual(writeoff.state, "to_approve")
        with self.assertRaisesRegex(UserError, "Only an accounting manager"):
            writeoff.action_approve()
        self.assertEqual(self._balance(self.customer, self.pallet), 4.0, "nothing written by the refusal")
        writeoff = writeoff.with_user(self.accountant)
        writeoff.action_approve()
        self.assertEqual(writeoff.state, "approved")
        self.assertEqual(writeoff.approved_by_id, self.accountant)
        self.assertEqual(self._balance(self.customer, self.pallet), 3.0)
        move = writeoff.account_move_id
        self.assertEqual(move.state, "posted")
        debit = move.line_ids.filtered(lambda line: line.debit)
        self.assertEqual((debit.account_id, debit.debit), (self.expense, 8.0), "the pallet's cost, to the expense")
        self.assertEqual(move.line_ids.filtered("credit").account_id, self.output)
        row = self.Balance.search([("partner_id", "=", self.customer.id)])
        self.assertEqual((row.qty_written_off, row.deposit_kept, row.deposit_open), (1.0, 10.0, 30.0),
                         "the deposit of the lost pallet is kept, never credited")

    def test_write_offs_above_the_balance_or_negative_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "must be positive"):
            self._propose(-1)
        writeoff = self._propose(5)
        with self.assertRaisesRegex(ValidationError, "hold 4"):
            writeoff.action_submit()
        self.assertEqual(writeoff.state, "draft")
        # Approved against the balance of the approval: a packaging return announced meanwhile counts.
        first = self._propose(3)
        first.action_submit()
        rma = self._packaging_return(self.customer, [(self.pallet, 2, {})])
        rma.action_submit()
        with self.assertRaisesRegex(ValidationError, "hold 2"):
            first.with_user(self.accountant).action_approve()
        self.assertEqual(first.state, "to_approve")
        self.assertFalse(self.Ledger.search([("direction", "=", "written_off")]))

    def test_a_write_off_without_an_expense_account_is_refused(self):
        self.company.packaging_writeoff_account_id = False
        writeoff = self._propose(1)
        writeoff.action_submit()
        with self.assertRaisesRegex(UserError, "write-off account"):
            writeoff.with_user(self.accountant).action_approve()
        self.assertFalse(self.Ledger.search([("direction", "=", "written_off")]))


@tagged("post_install", "-at_install")
class TestPackagingRpc(HttpCase, PackagingCase):
    """What integrators call over XML-RPC answers a value XML-RPC can carry, not a fault after committing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(cls.env, "packaging_rpc_accountant",
                                       groups="account.group_account_manager,base.group_user")
        Account = cls.env["account.account"]
        cls.company.packaging_writeoff_account_id = Account.create(
            {"name": "Lost packaging", "code": "659901", "account_type": "expense"})
        cls.category.property_stock_account_output_categ_id = Account.create(
            {"name": "Goods delivered not invoiced", "code": "349901", "account_type": "asset_current"})
        cls._ship(cls.customer, [(cls.pallet, 4)])

    def _rpc(self, model, method, ids):
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, self.accountant.id, "packaging_rpc_accountant",
                                             model, method, [ids])

    def test_approving_a_write_off_over_xml_rpc_answers_true(self):
        Writeoff = self.env["returnable.packaging.writeoff"]
        approved, refused = Writeoff.create([
            {"partner_id": self.customer.id, "product_id": self.pallet.id, "quantity": qty, "reason": "Lost"}
            for qty in (1, 1)
        ])
        for writeoff in (approved, refused):
            self.assertIs(self._rpc(Writeoff._name, "action_submit", writeoff.ids), True)
        self.assertIs(self._rpc(Writeoff._name, "action_approve", approved.ids), True)
        self.assertIs(self._rpc(Writeoff._name, "action_refuse", refused.ids), True)
        self.assertEqual((approved.state, refused.state), ("approved", "refused"))
        self.assertEqual(self._balance(self.customer, self.pallet), 3.0)

    def test_every_packaging_and_credit_action_answers_a_marshallable_value(self):
        rma = self._packaging_return(self.customer, [(self.pallet, 2, {})])
        rma.action_submit()
        rma.action_receive()
        # The receipt drafted the deposit credit; cancelled, Credit Deposits drafts it again.
        self._deposit_refunds(self.customer).button_cancel()
        results = {
            "action_view_packaging_balance": self.customer.action_view_packaging_balance(),
            "action_credit_deposits": self.Ledger.search([("partner_id", "=", self.customer.id)])
            .action_credit_deposits(),
            "action_view_credit_notes": rma.action_view_credit_notes(),
            "action_open_return_credits": self.env["account.journal"].search([("type", "=", "sale")], limit=1)
            .with_context(return_credit_filter="to_credit").action_open_return_credits(),
        }
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id, "warehouse_id": self.warehouse.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 1})],
        })
        self._confirm_deliver_invoice(order)
        refund = self._return_from_sale(order, [(self.product, 1, {})])
        self._approve_and_receive(refund)
        results["action_credit_dispute"] = refund.line_ids.with_user(self.accountant).action_credit_dispute()
        wizard = self.env[results["action_credit_dispute"]["res_model"]].browse(
            results["action_credit_dispute"]["res_id"]).with_user(self.accountant)
        wizard.reason = "Parcel damaged"
        results["dispute action_apply"] = wizard.action_apply()
        results["action_credit_undispute"] = refund.line_ids.with_user(self.accountant).action_credit_undispute()
        for name, result in results.items():
            with self.subTest(method=name):
                # Odoo's own XML-RPC marshaller (None and Markup allowed, as /xmlrpc/2 answers them).
                self.assertTrue(xmlrpc_dumps((result,)))


class TestPackagingReminders(PackagingCase):
    def test_partners_holding_packaging_too_long_get_one_reminder(self):
        self._ship(self.customer, [(self.pallet, 3)])
        self._ship(self.other_customer, [(self.pallet, 1)])
        old = self.Ledger.search([("partner_id", "=", self.customer.id)])
        old.sudo().write({"date": fields.Datetime.now() - timedelta(days=90)})  # sudo: as if shipped 90 days ago
        self.company.packaging_reminder_days = 60
        ours = (self.customer | self.other_customer).ids
        activities = self.Ledger._cron_packaging_reminders().filtered(lambda a: a.res_id in ours)
        self.assertEqual(activities.mapped("res_id"), [self.customer.id], "the recent shipment is not late")
        self.assertIn("3.0 EUR pallet", activities.note)
        self.assertFalse(self.Ledger._cron_packaging_reminders(), "an open reminder is not repeated")


@tagged("post_install", "-at_install")
class TestPackagingStatement(HttpCase, PackagingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(cls.env, "packaging_portal", groups="base.group_portal",
                                        name="Packaging Portal")
        cls.portal_partner = cls.portal_user.partner_id
        cls._ship(cls.portal_partner, [(cls.pallet, 7)])
        cls._ship(cls.other_customer, [(cls.container, 1)], lots=cls.containers[:1])

    def test_the_pdf_statement_shows_balances_movements_and_deposits(self):
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "reverse_logistics.action_report_packaging_statement", self.portal_partner.ids)
        html = html.decode()
        self.assertIn("EUR pallet", html)
        self.assertIn("70.00", html, "the deposit charged")
        self.assertNotIn("IBC", html)

    def test_the_pdf_statement_is_a_company_document_with_the_partners_address_and_its_date(self):
        self.portal_partner.write({"street": "12 Pallet Lane", "city": "Crateville", "zip": "4242"})
        html = self.env["ir.actions.report"]._render_qweb_html(
            "reverse_logistics.action_report_packaging_statement", self.portal_partner.ids)[0].decode()
        self.assertIn('class="header', html, "the company's letterhead (web.external_layout)")
        self.assertIn(self.company.name, html)
        self.assertIn("12 Pallet Lane", html)
        self.assertIn("Crateville", html)
        today = fields.Date.context_today(self.portal_partner)
        self.assertIn(self.env["ir.qweb.field.date"].value_to_html(today, {}), html, "the statement's date")
        self.assertIn("Customer (owes us)", html, "printed in the back office: the back office's wording")

    def test_the_portal_speaks_to_the_customer_from_their_side(self):
        self.authenticate("packaging_portal", "packaging_portal")
        page = self.url_open("/my/packaging").text
        self.assertIn("You hold (to return)", page)
        self.assertIn("Delivered to you", page)
        self.assertNotIn("owes us", page, "the back office's wording is not the customer's")
        statement = self.portal_partner.commercial_partner_id._packaging_statement(for_partner=True)
        self.assertEqual(statement["balances"][0]["side"], "You hold (to return)")

    def test_a_portal_user_sees_their_own_packaging_only(self):
        with self.assertRaises(AccessError):
            self.Ledger.with_user(self.portal_user).search([])
        self.authenticate("packaging_portal", "packaging_portal")
        page = self.url_open("/my/packaging").text
        self.assertIn("EUR pallet", page)
        self.assertNotIn("IBC", page, "another customer's container")
        other = self.url_open(f"/my/packaging?partner_id={self.other_customer.id}").text
        self.assertNotIn("IBC", other, "no parameter chooses whose statement it is")
        pdf = self.url_open("/my/packaging/statement")
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")


class TestPackagingDemo(PackagingCase):
    def test_the_demo_loop_adds_up(self):
        pallet = self.env.ref("reverse_logistics.demo_packaging_pallet", raise_if_not_found=False)
        if not pallet:
            self.skipTest("demo data not loaded")
        crate = self.env.ref("reverse_logistics.demo_packaging_crate")
        de = self.env.ref("reverse_logistics.demo_customer_de")
        fr = self.env.ref("reverse_logistics.demo_customer_fr")
        vendor = self.env.ref("reverse_logistics.demo_vendor_kr").commercial_partner_id
        Balance = self.Balance.sudo()

        def balance(partner, product, side="customer"):
            return Balance.search([("partner_id", "=", partner.commercial_partner_id.id),
                                   ("product_id", "=", product.id), ("side", "=", side)]).balance_qty

        self.assertEqual((balance(de, pallet), balance(de, crate)), (1.0, 8.0))
        self.assertEqual((balance(fr, pallet), balance(fr, crate)), (6.0, 20.0))
        self.assertEqual(balance(vendor, pallet, "supplier"), 6.0)
        rows = Balance.search([("product_id", "in", (pallet | crate).ids)])
        for row in rows:
            self.assertEqual(row.qty_sent - row.qty_returned - row.qty_written_off, row.balance_qty)
        self.assertEqual(self.env.ref("reverse_logistics.demo_packaging_writeoff_fr").state, "to_approve")
        de_row = Balance.search([("partner_id", "=", de.commercial_partner_id.id), ("product_id", "=", pallet.id)])
        self.assertEqual((de_row.deposit_charged, de_row.deposit_credited), (48.0, 36.0))


@tagged("post_install", "-at_install")
class TestPackagingRace(BaseCase):
    """Two clerks take back or write off a customer's last pallets at the same moment, in two real
    transactions: exactly one succeeds, the other is refused with the balance left."""

    def setUp(self):
        super().setUp()
        let_worker_threads_in(self)
        tag = uuid.uuid4().hex[:8]
        with transaction() as env:
            pallet = env["product.product"].create({
                "name": f"Race pallet {tag}", "is_storable": True, "returnable_packaging": True,
                "packaging_deposit_price": 10.0,
            })
            customer = env["res.partner"].create({"name": f"Pallet racer {tag}", "is_company": True})
            _deliver(env, customer, pallet, 2)
            self.customer_id, self.pallet_id = customer.id, pallet.id

    def _request(self, env):
        return env["return.order"].create({
            "partner_id": self.customer_id, "return_kind": "packaging",
            "line_ids": [Command.create({"product_id": self.pallet_id, "product_uom_qty": 2})],
        })

    def _propose_and_submit(self, env):
        writeoff = env["returnable.packaging.writeoff"].create({
            "partner_id": self.customer_id, "product_id": self.pallet_id, "quantity": 1, "reason": "Lost",
        })
        return writeoff.action_submit()

    @without_error_log
    def test_two_packaging_returns_of_the_last_pallets(self):
        outcome = race(self._request, self._request)
        self.assertNotIsInstance(outcome["first"], Exception)
        self.assertIsInstance(outcome["second"], ValidationError)
        self.assertIn("hold 0", str(outcome["second"]))
        with transaction() as env:
            self.assertEqual(env["return.order"].search_count([("partner_id", "=", self.customer_id)]), 1)

    @without_error_log
    def test_a_write_off_racing_a_return_of_every_pallet(self):
        outcome = race(self._request, self._propose_and_submit)
        self.assertNotIsInstance(outcome["first"], Exception)
        self.assertIsInstance(outcome["second"], ValidationError)
        with transaction() as env:
            submitted = env["returnable.packaging.writeoff"].search_count(
                [("partner_id", "=", self.customer_id), ("state", "=", "to_approve")])
            self.assertEqual(submitted, 0)
