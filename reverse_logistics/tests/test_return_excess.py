"""Excess-stock returns under a customer's return agreement."""

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import ReturnsCase


class ExcessCase(ReturnsCase):
    """A distributor invoiced over the last months; an agreement letting half its purchases come back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.distributor = cls.env["res.partner"].create({"name": "Distribuciones Iberia SL", "is_company": True})
        cls.buyer = cls.env["res.partner"].create({"name": "Marta Buyer", "parent_id": cls.distributor.id})
        cls.range_category = cls.env["product.category"].create({"name": "Garden range"})
        cls.sub_category = cls.env["product.category"].create({"name": "Garden chairs",
                                                                "parent_id": cls.range_category.id})
        cls.other_category = cls.env["product.category"].create({"name": "Workshop"})
        cls.chair = cls._excess_product("Garden chair", "XS-CHAIR", cls.sub_category)
        cls.lamp = cls._excess_product("Garden lamp", "XS-LAMP", cls.range_category)
        cls.drill = cls._excess_product("Drill", "XS-DRILL", cls.other_category)
        cls.old_model = cls._excess_product("Garden bench 2024", "XS-BENCH", cls.range_category)
        cls.table = cls._excess_product("Garden table", "XS-TABLE", cls.range_category)
        # 8 months ago: out of the 6-month period.
        cls.ancient_invoice = cls._invoice([(cls.chair, 100, 9.0), (cls.table, 4, 80.0)], months_ago=8)
        cls.old_invoice = cls._invoice([(cls.chair, 10, 10.0), (cls.lamp, 5, 40.0), (cls.drill, 2, 50.0),
                                        (cls.old_model, 3, 30.0)], months_ago=5)
        cls.new_invoice = cls._invoice([(cls.chair, 10, 12.0)], months_ago=1)
        cls.old_model.sale_ok = False
        # In the period: 100 + 200 + 100 + 90 + 120 = 610 invoiced.
        cls.agreement = cls.env["return.agreement"].create({
            "name": "Iberia stock rotation", "partner_id": cls.distributor.id,
            "date_start": fields.Date.today() - relativedelta(months=1),
            "date_end": fields.Date.today() + relativedelta(months=11),
            "share_percent": 50.0, "period_months": 6, "categ_ids": [Command.link(cls.range_category.id)],
            "restocking_fee_percent": 10.0, "credit_outcome": "store_credit",
        })
        cls.agreement.action_activate()

    @classmethod
    def _excess_product(cls, name, code, category):
        return cls.env["product.product"].create({
            "name": name, "default_code": code, "is_storable": True, "categ_id": category.id, "list_price": 99.0,
        })

    @classmethod
    def _invoice(cls, lines, months_ago=0, partner=None):
        invoice = cls.env["account.move"].create({
            "move_type": "out_invoice",
            "partner_id": (partner or cls.distributor).id,
            "invoice_date": fields.Date.today() - relativedelta(months=months_ago),
            "invoice_line_ids": [
                Command.create({"product_id": product.id, "quantity": qty, "price_unit": price,
                                "tax_ids": [Command.clear()]})
                for product, qty, price in lines
            ],
        })
        invoice.action_post()
        return invoice

    def _line_of(self, invoice, product):
        return invoice.invoice_line_ids.filtered(lambda line: line.product_id == product)

    def _inspect_all(self, rma, grade="grade_a"):
        for inspection in rma.inspection_ids.filtered(lambda i: i.state == "to_inspect"):
            inspection.answer_ids.result = "pass"
            inspection.grade_id = self.env.ref(f"reverse_logistics.{grade}")
            inspection.action_done()


@tagged("post_install", "-at_install")
class TestReturnExcess(ExcessCase):
    def test_units_are_drawn_oldest_invoice_first_and_credited_at_the_prices_paid(self):
        rma, decision = self.agreement._create_excess_return([(self.chair, 15)], partner=self.buyer)
        self.assertFalse([line.cuts for line in decision.lines if line.cuts])
        self.assertEqual((rma.return_kind, rma.return_agreement_id, rma.partner_id, rma.credit_outcome),
                         ("excess", self.agreement, self.buyer, "store_credit"))
        self.assertEqual(
            [(line.invoice_line_id, line.product_uom_qty, line.price_unit) for line in rma.line_ids],
            [(self._line_of(self.old_invoice, self.chair), 10.0, 10.0),
             (self._line_of(self.new_invoice, self.chair), 5.0, 12.0)],
            "the older invoice first, then the newer one; never the one outside the period",
        )
        self.assertEqual((rma.amount_total, rma.restocking_fee_amount), (160.0, 16.0), "the agreement's 10 % fee")
        self.assertFalse(rma.line_ids.policy_id, "the agreement stands in for the return policy")

        rma.action_submit()
        self.assertEqual(rma.state, "to_approve", "a person approves unless the agreement says otherwise")
        self.assertFalse(rma.out_of_policy)
        rma.action_approve()
        rma.action_receive()
        self.assertEqual(rma.state, "received")
        self.assertEqual(rma.line_ids.mapped("qty_received"), [10.0, 5.0])
        with self.assertRaisesRegex(UserError, "not due yet"):
            rma.action_draft_credit_notes()  # the required condition is checked first
        self._inspect_all(rma)
        rma.action_draft_credit_notes()
        refunds = rma.credit_note_ids
        self.assertEqual(refunds.mapped("reversed_entry_id"), self.old_invoice | self.new_invoice,
                         "one credit note per invoice drawn on")
        goods = refunds.invoice_line_ids.filtered(lambda line: line.return_credit_kind == "goods")
        self.assertEqual(sorted((line.quantity, line.price_unit) for line in goods), [(5.0, 12.0), (10.0, 10.0)])
        fees = refunds.invoice_line_ids.filtered(lambda line: line.return_credit_kind == "restocking_fee")
        self.assertEqual(sorted(fees.mapped("price_subtotal")), [-10.0, -6.0])
        self.assertEqual(sum(refunds.mapped("amount_untaxed")), 144.0)

    def test_every_cut_line_is_explained_in_the_returns_chatter(self):
        self.agreement.share_percent = 100.0
        rma, decision = self.agreement._create_excess_return([
            (self.chair, 25), (self.lamp, 2), (self.drill, 1), (self.old_model, 3), (self.table, 1),
        ])
        self.assertEqual([line.approved for line in decision.lines], [20.0, 2.0, 0.0, 0.0, 0.0])
        self.assertEqual(rma.line_ids.product_id, self.chair | self.lamp)
        note = rma.message_ids.filtered(lambda m: "Checked against agreement" in (m.body or ""))
        self.assertEqual(len(note), 1)
        body = note.body
        self.assertIn("Garden chair: 5 Units of 25 cut, only 20 bought in the last 6 months, 0 already returned",
                      body)
        self.assertIn("Drill: 1 Units of 1 cut, not in the range of agreement Iberia stock rotation", body)
        self.assertIn("Garden bench 2024: 3 Units of 3 cut, discontinued", body)
        self.assertIn("Garden table: 1 Units of 1 cut, not bought in the last 6 months", body)
        self.assertIn("2 of 5 proposed lines accepted", body)

    def test_the_share_of_purchases_is_a_ceiling_across_returns(self):
        self.agreement.share_percent = 10.0  # 61.00 of 610 invoiced
        self.assertEqual((self.agreement.purchases_amount, self.agreement.allowance_left), (610.0, 61.0))
        rma, decision = self.agreement._create_excess_return([(self.lamp, 2)])
        self.assertEqual(rma.line_ids.product_uom_qty, 1.0)
        explanation = self.agreement._explain_cuts(decision)
        self.assertEqual(len(explanation), 1)
        self.assertRegex(explanation[0], r"Garden lamp: 1 Units of 2 cut, above the 10 % allowance: .*21\.00 left")
        self.agreement.invalidate_recordset(["used_amount", "allowance_left"])
        self.assertEqual((self.agreement.used_amount, self.agreement.allowance_left), (40.0, 21.0))
        # No lamp at 40 fits in what is left, and the chair at 10 fits twice, not three times.
        second, decision = self.agreement._create_excess_return([(self.lamp, 4), (self.chair, 3)])
        self.assertEqual([line.approved for line in decision.lines], [0.0, 2.0])
        self.assertRegex(self.agreement._explain_cuts(decision)[0],
                         r"Garden lamp: 4 Units of 4 cut, above the 10 % allowance: .*21\.00 left")
        self.assertRegex(self.agreement._explain_cuts(decision)[1],
                         r"1 Units of 3 cut, above the 10 % allowance: .*1\.00 left")
        # Nothing fits any more: refused, nothing written.
        self.assertRefused(UserError, r"(?s)Nothing of this proposal can be returned.*1\.00 left",
                           self.agreement._create_excess_return, [(self.chair, 1)])
        # A refused return gives its share back.
        second.action_refuse()
        second._refuse("Not in the agreed condition")
        third, _decision = self.agreement._create_excess_return([(self.chair, 1)])
        self.assertEqual(third.line_ids.product_uom_qty, 1.0)

    def test_what_came_back_already_is_not_returned_again(self):
        self.agreement.share_percent = 100.0
        first, _decision = self.agreement._create_excess_return([(self.lamp, 3)])
        _second, decision = self.agreement._create_excess_return([(self.lamp, 3)])
        self.assertEqual(decision.lines[0].approved, 2.0)
        self.assertIn("only 5 bought in the last 6 months, 3 already returned",
                      self.agreement._explain_cuts(decision)[0])
        self.assertEqual(first.line_ids.product_uom_qty, 3.0)
        # A credit note made outside the returns (the invoice's own Credit Note) counts too.
        invoice = self._invoice([(self.table, 4, 80.0)], months_ago=2)
        invoice._reverse_moves([{"invoice_date": fields.Date.today()}])
        self.assertRefused(UserError, "Garden table: 1 Units of 1 cut, all 4 bought in the last 6 months are "
                           "returned already", self.agreement._create_excess_return, [(self.table, 1)])

    def test_bad_proposals_are_refused_whole_with_nothing_written(self):
        for proposal, error in (
            ([], "at least one product"),
            ([(self.chair, 0)], "must be a positive number"),
            ([(self.chair, 2), (self.lamp, -1)],
             r"Line 2: the quantity of \[XS-LAMP\] Garden lamp must be a positive number"),
            ([(self.chair, float("nan"))], "must be a positive number"),
        ):
            self.assertRefused(UserError, error, self.agreement._create_excess_return, proposal)
        stranger = self.env["res.partner"].create({"name": "Someone else"})
        self.assertRefused(UserError, "is not a contact of Distribuciones Iberia SL",
                           self.agreement._create_excess_return, [(self.chair, 1)], partner=stranger)
        self.agreement.action_expire()
        self.assertRefused(UserError, "is not in force today", self.agreement._create_excess_return,
                           [(self.chair, 1)])

    def test_changes_by_hand_are_checked_again_on_submission_and_approval(self):
        chairs, _d = self.agreement._create_excess_return([(self.chair, 10)])  # 100.00
        lamps, _d = self.agreement._create_excess_return([(self.lamp, 2)])  # 80.00
        self.agreement.share_percent = 25.0  # 152.50 allowed: 52.50 left beside the chairs
        with self.assertRaisesRegex(UserError, r"above what agreement Iberia stock rotation still allows"):
            lamps.action_submit()
        self.assertEqual(lamps.state, "draft")
        lamps.line_ids.product_uom_qty = 1
        lamps.action_submit()
        self.assertEqual(lamps.state, "to_approve")
        self.agreement.share_percent = 20.0  # 122.00: the chairs' 100.00 no longer fit beside the lamp's 40.00
        with self.assertRaisesRegex(UserError, r"above what agreement Iberia stock rotation still allows"):
            chairs.action_submit()
        # A product added by hand is drawn on no invoice: refused at approval.
        self.env["return.order.line"].create({"order_id": lamps.id, "product_id": self.lamp.id,
                                              "product_uom_qty": 1})
        with self.assertRaisesRegex(UserError, "Garden lamp is not drawn on an invoice line"):
            lamps.action_approve()
        self.assertEqual(lamps.state, "to_approve")
        self.assertFalse(lamps.picking_ids)

    def test_an_excess_return_needs_its_agreement(self):
        clerk = new_test_user(self.env, "xs_clerk", groups="reverse_logistics.group_returns_user")
        rma = self.env["return.order"].with_user(clerk).create({
            "partner_id": self.distributor.id, "return_kind": "excess",
            "line_ids": [Command.create({"product_id": self.chair.id, "product_uom_qty": 1,
                                         "invoice_line_id": self._line_of(self.old_invoice, self.chair).id})],
        })
        self.assertTrue(rma.out_of_policy)
        self.assertIn("needs a return agreement in force", rma.policy_summary)
        with self.assertRaisesRegex(UserError, "excess-stock return without an agreement"):
            rma.action_submit()
        with self.assertRaisesRegex(UserError, "cannot be set by hand"):
            rma.write({"return_agreement_id": self.agreement.id})
        self.assertFalse(rma.return_agreement_id)

    def test_an_agreement_approving_checked_returns(self):
        self.agreement.auto_approve = True
        rma, _decision = self.agreement._create_excess_return([(self.lamp, 1)])
        rma.action_submit()
        self.assertEqual(rma.state, "approved")
        self.assertTrue(rma.picking_ids)

    def test_only_returns_managers_write_agreements(self):
        clerk = new_test_user(self.env, "xs_clerk", groups="reverse_logistics.group_returns_user")
        agreement = self.agreement.with_user(clerk)
        self.assertEqual(agreement.name, "Iberia stock rotation")
        with self.assertRaises(AccessError):
            agreement.share_percent = 90.0
        with self.assertRaises(UserError):
            agreement.action_expire()
        # The clerk proposes returns under it, though.
        rma, _decision = agreement._create_excess_return([(self.lamp, 1)])
        self.assertEqual(rma.create_uid, clerk)
        manager = new_test_user(self.env, "xs_manager", groups="reverse_logistics.group_returns_manager")
        with self.assertRaisesRegex(UserError, "cannot be set by hand"):
            self.agreement.with_user(manager).write({"state": "draft"})

    def test_agreements_are_sane(self):
        with self.assertRaisesRegex(ValidationError, "another active return agreement"):
            self.agreement.copy({"name": "Twin"}).action_activate()
        with self.assertRaisesRegex(ValidationError, "not with one of its contacts"):
            self.agreement.copy({"partner_id": self.buyer.id})
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError), self.env.cr.savepoint():
            self.agreement.share_percent = 150.0
            self.agreement.flush_recordset()

    def test_a_salesperson_proposes_and_the_returns_team_decides(self):
        seller = new_test_user(self.env, "excess_seller", groups="sales_team.group_sale_salesman")
        new_test_user(self.env, "excess_returns_manager", groups="reverse_logistics.group_returns_manager")
        with self.assertRaises(AccessError):
            self.env["return.order"].with_user(seller).create({"partner_id": self.distributor.id})
        wizard = self.env["return.excess.wizard"].with_user(seller).create({
            "agreement_id": self.agreement.id,
            "line_ids": [Command.create({"product_id": self.chair.id, "quantity": 4}),
                         Command.create({"product_id": self.drill.id, "quantity": 1})],
        })
        wizard.action_check()
        self.assertEqual(wizard.line_ids.mapped("approved_qty"), [4.0, 0.0])
        action = wizard.action_create_return()
        self.assertEqual(action["tag"], "display_notification")
        rma = self.env["return.order"].search([("return_agreement_id", "=", self.agreement.id)])
        self.assertEqual((rma.state, rma.return_kind, rma.user_id), ("to_approve", "excess", self.env["res.users"]))
        self.assertEqual(sum(rma.line_ids.mapped("product_uom_qty")), 4.0, "only what the agreement accepts")
        activity = rma.activity_ids
        self.assertTrue(activity.user_id.has_group("reverse_logistics.group_returns_manager"),
                        "a returns manager decides, not the salesperson")
        with self.assertRaises(AccessError):
            rma.with_user(seller).action_approve()
        self.assertEqual(rma.state, "to_approve", "the salesperson cannot approve what they proposed")

    def test_the_wizard_reads_a_pasted_list_checks_it_and_creates_the_return(self):
        self.agreement.share_percent = 100.0
        wizard = self.env["return.excess.wizard"].create({"agreement_id": self.agreement.id})
        wizard.pasted = "XS-CHAIR;3\nXS-NOPE 2\nthis is not a line"
        with self.assertRaisesRegex(UserError, "(?s)Line 2: no product has the reference or barcode XS-NOPE.*"
                                               "Line 3 \\(this is not a line\\)"):
            wizard.action_add_pasted()
        self.assertFalse(wizard.line_ids, "a list with a bad line is not half added")
        wizard.pasted = "XS-CHAIR;3\nXS-DRILL\t2\nXS-LAMP, 7\n"
        wizard.action_add_pasted()
        self.assertEqual([(line.product_id, line.quantity) for line in wizard.line_ids],
                         [(self.chair, 3.0), (self.drill, 2.0), (self.lamp, 7.0)])
        wizard.action_check()
        self.assertEqual(wizard.line_ids.mapped("approved_qty"), [3.0, 0.0, 5.0])
        self.assertIn("not in the range", wizard.line_ids[1].explanation)
        self.assertIn("only 5 bought", wizard.line_ids[2].explanation)
        self.assertFalse(self.env["return.order"].search([("return_agreement_id", "=", self.agreement.id)]),
                         "checking writes no return")
        action = wizard.action_create_return()
        rma = self.env["return.order"].browse(action["res_id"])
        self.assertEqual(sum(rma.line_ids.mapped("product_uom_qty")), 8.0)
