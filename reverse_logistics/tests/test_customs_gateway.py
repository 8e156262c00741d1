"""Customs declarations through a real SOAP gateway on 127.0.0.1, and the scheduled job.

The gateway is the contract server of the project's pytest suite (tests/soap_gateway_server.py
at the repository root), started in a thread: real HTTP, real SOAP, real zeep.
"""

import sys
import uuid
from datetime import timedelta
from pathlib import Path
from unittest import SkipTest

from odoo import Command, api, fields
from odoo.exceptions import AccessError, UserError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged

from . import test_customs_declaration

ROOT_TESTS = Path(__file__).resolve().parents[2] / "tests"


def gateway_server_class():
    if str(ROOT_TESTS) not in sys.path:
        sys.path.insert(0, str(ROOT_TESTS))
    try:
        from soap_gateway_server import GatewayServer  # pylint: disable=import-outside-toplevel
    except ImportError as error:
        raise SkipTest(f"the test gateway server is not beside the addon ({ROOT_TESTS})") from error
    return GatewayServer


@tagged("post_install", "-at_install")
class TestCustomsGateway(test_customs_declaration.TestCustomsDeclaration):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = gateway_server_class()(username="broker", password="s3cret")
        cls.server.__enter__()
        cls.addClassCleanup(cls.server.__exit__, None, None, None)
        cls.gateway = cls.env["customs.gateway"].create({
            "name": "Test gateway", "endpoint": cls.server.url, "timeout": 1.0, "username": "broker",
            "password": "s3cret", "max_attempts": 3,
        })

    def _checked_declaration(self, scenario):
        declaration = self._prepare(self._approved_return(1))
        declaration.gateway_id = self.gateway
        declaration.action_check()
        self.assertEqual(declaration.state, "checked", declaration.check_result)
        self.server.state.scenarios[declaration.lrn] = scenario
        return declaration

    def test_submitted_accepted_released_cleared(self):
        declaration = self._checked_declaration("ACCEPT")
        declaration.action_submit()
        self.assertEqual(declaration.state, "submitted")
        self.assertFalse(declaration.submission_pending)
        self.assertEqual(self.server.state.received[declaration.lrn], declaration._payload())
        exchange = declaration.exchange_ids
        self.assertEqual((exchange.operation, exchange.http_status), ("SubmitDeclaration", 200))
        self.assertEqual(len(exchange.request_sha256), 64)

        self.env["customs.declaration"]._cron_process()

        self.assertEqual(declaration.state, "cleared")
        self.assertTrue(declaration.mrn.startswith("26ES"))
        self.assertEqual(declaration.notification_ids.mapped("kind"),
                         ["received", "accepted", "tax_calculation", "released", "cleared"])
        taxes = declaration.tax_assessment_ids
        self.assertEqual(sorted((t.tax_type, t.tax_kind, t.item_number, t.amount, t.currency_id.name) for t in taxes),
                         [("A00", "duty", 1, 12.4, "EUR"), ("B00", "vat", 1, 86.6, "EUR")],
                         "the assessed duty and VAT are kept per tax type, for the accounts")
        self.assertEqual((declaration.duty_assessed, declaration.vat_assessed), (12.4, 86.6))
        self.assertEqual(taxes.notification_id.kind, "tax_calculation")

        # Booked: the customs authority's bill of what customs assessed, relief recorded for the auditor.
        with self.assertRaisesRegex(UserError, "Set Customs Authority, Customs Duty Account, Import VAT Account"):
            declaration.action_create_cost_bill()
        Account = self.env["account.account"]
        self.company.write({
            "customs_authority_partner_id": self.env["res.partner"].create({"name": "Agencia Tributaria"}).id,
            "customs_duty_account_id": Account.create({"name": "Customs duties", "code": "631900",
                                                       "account_type": "expense"}).id,
            "customs_import_vat_account_id": Account.create({"name": "Import VAT", "code": "472900",
                                                             "account_type": "asset_current"}).id,
        })
        declaration.action_create_cost_bill()
        bill = declaration.cost_bill_id
        self.assertEqual((bill.move_type, bill.state, bill.ref), ("in_invoice", "draft", declaration.mrn))
        booked = {line.account_id: line.price_subtotal for line in bill.invoice_line_ids.filtered("account_id")}
        self.assertEqual(booked, {self.company.customs_duty_account_id: 12.4,
                                  self.company.customs_import_vat_account_id: 86.6})
        self.assertEqual(bill.amount_total, 99.0)
        notes = bill.invoice_line_ids.filtered(lambda line: line.display_type == "line_note")
        self.assertIn("Returned Goods Relief claimed, 6110 F05", notes.name)
        with self.assertRaisesRegex(UserError, "booked already"):
            declaration.action_create_cost_bill()
        self.assertIn("Customs: cleared", "\n".join(declaration.return_order_id.message_ids.mapped("body")))
        customs_events = declaration.return_order_id.event_ids.filtered(lambda e: e.event_type == "customs")
        self.assertEqual(len(customs_events), 5, "each notification is a traceability event of the return")
        self.assertEqual(set(customs_events.mapped("source")), {"customs"})
        self.assertTrue(all(customs_events.mapped("public")), "the customer sees where the parcel is in customs")
        self.assertIn("MRN " + declaration.mrn, " ".join(customs_events.mapped("description")))
        self.env["customs.declaration"]._cron_process()
        self.assertEqual(len(declaration.notification_ids), 5, "notifications are recorded once")
        self.assertEqual(len(declaration.return_order_id.event_ids.filtered(lambda e: e.event_type == "customs")), 5)

    def test_a_brokers_bill_books_the_customs_costs_of_its_declarations(self):
        declaration = self._checked_declaration("ACCEPT")
        declaration.action_submit()
        self.env["customs.declaration"]._cron_process()
        broker = self.env["res.partner"].create({"name": "Aduanas Broker SL"})
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": broker.id, "invoice_date": fields.Date.today(),
            "currency_id": declaration.tax_assessment_ids.currency_id.id,
            "invoice_line_ids": [Command.create({"name": "Duties, VAT and fee", "price_unit": 129.0,
                                                 "tax_ids": [Command.clear()]})],
        })
        clerk = self.env["res.users"].create({
            "name": "Customs clerk", "login": f"rl_broker_clerk_{uuid.uuid4().hex[:6]}", "email": "clerk@example.com",
            "groups_id": [Command.set([self.env.ref("reverse_logistics.group_customs_officer").id])],
        })
        with self.assertRaises(AccessError):
            self.env["customs.bill.match.wizard"].with_user(clerk).create(
                {"bill_id": bill.id, "declaration_ids": [Command.set(declaration.ids)]}).action_match()
        accountant = self.env["res.users"].create({
            "name": "Accountant", "login": f"rl_broker_accountant_{uuid.uuid4().hex[:6]}", "email": "acc@example.com",
            "groups_id": [Command.set([self.env.ref("account.group_account_invoice").id])],
        })
        wizard = self.env["customs.bill.match.wizard"].with_user(accountant).create(
            {"bill_id": bill.id, "declaration_ids": [Command.set(declaration.ids)]})
        self.assertEqual(wizard.assessed_amount, 99.0, "12.40 duty and 86.60 import VAT assessed")
        wizard.action_match()
        self.assertEqual(declaration.cost_bill_id, bill)
        self.assertIn("99.00", bill.message_ids[0].body)
        self.assertIn("129.00", bill.message_ids[0].body)
        other_bill = bill.copy({"invoice_date": fields.Date.today()})
        with self.assertRaisesRegex(UserError, "booked already"):
            self.env["customs.bill.match.wizard"].with_user(accountant).create(
                {"bill_id": other_bill.id, "declaration_ids": [Command.set(declaration.ids)]}).action_match()
        with self.assertRaisesRegex(UserError, "booked already"):
            declaration.action_create_cost_bill()

    def test_import_vat_is_booked_as_the_deductible_tax_on_customs_base(self):
        declaration = self._checked_declaration("ACCEPT")
        declaration._flow_write({"state": "accepted"})
        Account = self.env["account.account"]
        vat_account = Account.create({"name": "Import VAT base", "code": "472902", "account_type": "asset_current"})
        vat_tax = self.env["account.tax"].create({
            "name": "IVA importación 21%", "amount": 21.0, "type_tax_use": "purchase", "company_id": self.company.id,
        })
        self.company.write({
            "customs_authority_partner_id": self.env["res.partner"].create({"name": "Agencia Tributaria"}).id,
            "customs_duty_account_id": Account.create({"name": "Duties", "code": "631902",
                                                       "account_type": "expense"}).id,
            "customs_import_vat_account_id": vat_account.id,
            "customs_import_vat_tax_id": vat_tax.id,
        })
        currency = self.company.currency_id
        Tax = self.env["customs.declaration.tax"]
        Tax.create({"declaration_id": declaration.id, "tax_type": "B00", "item_number": 1, "amount": 42.0,
                    "base_amount": 200.0, "currency_id": currency.id})
        declaration.action_create_cost_bill()
        bill = declaration.cost_bill_id
        self.assertEqual((bill.amount_untaxed, bill.amount_tax, bill.amount_total), (0.0, 42.0, 42.0),
                         "only the VAT is owed; its base nets to zero")
        taxed = bill.invoice_line_ids.filtered("tax_ids")
        self.assertEqual((taxed.price_subtotal, taxed.tax_ids, taxed.account_id), (200.0, vat_tax, vat_account))
        bill.invoice_date = fields.Date.today()
        bill.action_post()
        tax_line = bill.line_ids.filtered(lambda line: line.tax_line_id == vat_tax)
        self.assertEqual(tax_line.balance, 42.0, "on the VAT return, as deductible import VAT")

        # A base whose VAT at the tax's rate is not customs' amount: booked as assessed, to the account.
        other = self._checked_declaration("ACCEPT")
        other._flow_write({"state": "accepted"})
        Tax.create({"declaration_id": other.id, "tax_type": "B00", "item_number": 1, "amount": 40.0,
                    "base_amount": 200.0, "currency_id": currency.id})
        other.action_create_cost_bill()
        self.assertEqual((other.cost_bill_id.amount_tax, other.cost_bill_id.amount_total), (0.0, 40.0))

    def test_a_rejected_declaration_is_corrected_under_a_new_lrn_and_reaches_customs(self):
        declaration = self._checked_declaration("REJECT")
        lrn = declaration.lrn
        declaration.action_submit()
        self.env["customs.declaration"]._cron_process()
        self.assertEqual(declaration.state, "rejected")
        self.assertIn("CDS12056", declaration.check_result)
        self.assertIn("42A/67A/68A/1", declaration.check_result)
        with self.assertRaisesRegex(UserError, "cannot change any more"):
            declaration.write({"customs_office_code": "ES004642"})

        action = declaration.action_resubmit()
        correction = self.env["customs.declaration"].browse(action["res_id"])
        self.assertNotEqual(correction.lrn, lrn, "customs hold the rejected LRN as used")
        self.assertEqual((correction.replaces_declaration_id, declaration.superseded_by_id), (declaration, correction))
        self.assertEqual(declaration.state, "rejected", "the rejected declaration is kept as customs answered it")
        self.assertTrue(declaration.notification_ids and declaration.exchange_ids, "with its history")
        self.assertEqual(correction.state, "checked", correction.check_result)
        self.assertEqual(correction.line_ids.mapped("procedure_code"), declaration.line_ids.mapped("procedure_code"))
        with self.assertRaisesRegex(UserError, "corrected already"):
            declaration.action_resubmit()

        correction.write({"customs_office_code": "ES004642"})  # the fix: back to draft, checked again
        correction.action_check()
        self.server.state.scenarios[correction.lrn] = "ACCEPT"
        correction.action_submit()
        self.assertEqual(correction.state, "submitted")
        self.assertEqual(self.server.state.submissions.count(lrn), 1, "the rejected LRN is never sent again")
        self.env["customs.declaration"]._cron_process()
        self.assertEqual(correction.state, "cleared")
        self.assertNotEqual(correction.xml_sha256, declaration.xml_sha256)
        self.assertIn(correction.lrn, "\n".join(declaration.return_order_id.message_ids.mapped("body")))

    def test_timeout_retries_later_under_the_same_lrn(self):
        # Odoo's test mode stretches HTTP timeouts to 10 s: hang longer than that.
        self.server.state.hang_seconds = 11
        declaration = self._checked_declaration("HANG")
        declaration.action_submit()
        self.assertEqual(declaration.state, "checked")
        self.assertTrue(declaration.submission_pending)
        self.assertEqual(declaration.submission_attempts, 1)
        self.assertGreater(declaration.next_attempt_at, fields.Datetime.now())
        self.assertIn("did not answer", declaration.message_ids[0].body)
        self.assertIn("timed out", declaration.exchange_ids.error)
        self.assertTrue(declaration.exchange_ids.request, "what was sent is archived even without an answer")

        self.env["customs.declaration"]._cron_process()
        self.assertEqual(declaration.submission_attempts, 1, "not due yet")
        # The gateway may hold the first message: under this LRN nothing else may ever be sent.
        sent = declaration.xml_sha256
        with self.assertRaisesRegex(UserError, "sent to the customs gateway already"):
            declaration.line_ids.write({"customs_value": 1.0})
        with self.assertRaisesRegex(UserError, "sent to the customs gateway already"):
            declaration.write({"customs_office_code": "ES004642"})
        self.customer.write({"street": "2 Main Street"})  # a party changes: the sent message stands
        self.assertEqual((declaration.state, declaration.xml_sha256), ("checked", sent))

        # The gateway is back, and had in fact received the first attempt.
        self.server.state.scenarios[declaration.lrn] = "ACCEPT"
        self.server.state.received[declaration.lrn] = declaration._payload()
        declaration.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        self.env["customs.declaration"]._cron_process()
        self.assertEqual(declaration.state, "cleared")
        self.assertIn(declaration.lrn, self.server.state.submissions, "retried under the same LRN")
        self.assertEqual(list(self.server.state.received).count(declaration.lrn), 1, "registered once")
        submitted = declaration.message_ids.filtered(lambda m: "Submitted to" in (m.body or ""))
        self.assertIn("duplicate", submitted.body, "the gateway recognised the retry")
        self.assertEqual(declaration.xml_sha256, sent, "the retry sent the very same message")

    def test_wrong_credentials_stop_and_ask_a_person(self):
        self.gateway.password = "wrong"
        declaration = self._checked_declaration("ACCEPT")
        declaration.action_submit()
        self.assertFalse(declaration.submission_pending, "not retried: a person must fix the credentials")
        self.assertIn("Submission stopped", declaration.message_ids[0].body)
        self.assertTrue(declaration.activity_ids)
        # The administrator fixes the password; Submit sends the same message under the same LRN.
        sent = declaration.xml_sha256
        self.gateway.password = "s3cret"
        declaration.action_submit()
        self.assertEqual((declaration.state, declaration.xml_sha256), ("submitted", sent))
        self.assertEqual(self.server.state.received[declaration.lrn], declaration._payload())

    def test_cancel_asks_customs(self):
        declaration = self._checked_declaration("ACCEPT")
        declaration.action_submit()
        declaration.action_cancel()
        self.assertIn(declaration.lrn, self.server.state.cancelled)

    def test_gateway_credentials_are_for_administrators_only(self):
        officer = self.env["res.users"].create({
            "name": "Officer", "login": "customs_officer_gw",
            "groups_id": [Command.set([self.env.ref("reverse_logistics.group_customs_officer").id])],
        })
        self.assertNotIn("password", self.env["customs.gateway"].with_user(officer).fields_get())


@tagged("post_install", "-at_install")
class TestCustomsCronLocking(BaseCase):
    """Two workers never submit the same declaration: a row one holds is skipped by the other."""

    def test_locked_declaration_is_skipped(self):
        registry = Registry(get_db_name())
        tag = uuid.uuid4().hex[:8]
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": f"Declarant {tag}"})
            declaration = env["customs.declaration"].create({
                "kind": "import", "customs_office_code": "ES004641", "declarant_id": partner.id,
                "submission_pending": True, "next_attempt_at": fields.Datetime.now() - timedelta(minutes=1),
            })
            declaration_id = declaration.id
        due = [("id", "=", declaration_id), ("submission_pending", "=", True)]
        with registry.cursor() as first, registry.cursor() as second:
            held = api.Environment(first, api.SUPERUSER_ID, {})["customs.declaration"]._lock_due(due, 1)
            self.assertEqual(held.ids, [declaration_id])
            other = api.Environment(second, api.SUPERUSER_ID, {})["customs.declaration"]._lock_due(due, 1)
            self.assertFalse(other, "the second worker skips the row instead of waiting or submitting it too")
            first.rollback()
            again = api.Environment(second, api.SUPERUSER_ID, {})["customs.declaration"]._lock_due(due, 1)
            self.assertEqual(again.ids, [declaration_id], "free again once the first worker is done")
            second.rollback()
        with registry.cursor() as cr:
            api.Environment(cr, api.SUPERUSER_ID, {})["customs.declaration"].browse(declaration_id).unlink()
