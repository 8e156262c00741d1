import base64
import hashlib
import os
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SCHEMAS, CustomsCase


@contextmanager
def patch_vies_unreachable():
    """Route HTTPS through a dead proxy: VIES is then as unreachable as on a machine without network."""
    dead = "http://127.0.0.1:9"
    with patch.dict(os.environ, {"HTTPS_PROXY": dead, "https_proxy": dead, "HTTP_PROXY": dead, "http_proxy": dead}):
        yield


@tagged("post_install", "-at_install")
class TestCustomsDeclaration(CustomsCase):
    def test_returned_goods_relief_claimed_with_the_export_mrn(self):
        rma = self._approved_return(2)
        self.assertTrue(rma.customs_declaration_needed)
        declaration = self._prepare(rma)
        self.assertEqual(declaration.kind, "import_relief")
        self.assertEqual(declaration.export_mrn, "24ES004641100000A2")
        self.assertIn("6110 F05: exported on", declaration.relief_decision)
        line = declaration.line_ids
        self.assertEqual((line.procedure_code, line.additional_procedure_codes), ("6110", "F05"),
                         "re-imported unaltered by the company that exported it: duty and VAT relief")
        self.assertEqual((line.hs_code, line.origin_country_id.code, line.quantity), ("8471300000", "CN", 2))
        self.assertAlmostEqual(line.net_mass, 3.0)
        self.assertEqual(line.customs_value, 200.0)
        self.assertEqual((declaration.duty_estimate, declaration.vat_estimate), (0.0, 0.0), "no duty under relief")
        self.assertTrue(declaration.lrn and len(declaration.lrn) <= 22)

        declaration.action_check()
        self.assertFalse(declaration.check_result)
        self.assertEqual(declaration.state, "checked")
        declaration.action_generate_xml()
        xml = base64.b64decode(declaration.xml_attachment_id.datas)
        self.assertEqual(declaration.xml_sha256, hashlib.sha256(xml).hexdigest())
        self.assertIn(b"<FunctionalReferenceID>%s</FunctionalReferenceID>" % declaration.lrn.encode(), xml)
        self.assertIn(b"24ES004641100000A2", xml)

    def test_without_export_mrn_a_plain_import_with_duty_estimated_from_the_tariff(self):
        self.delivery.export_mrn = False
        self.env["customs.tariff.code"].search([("code", "=like", "8471%")]).unlink()
        self._tariff("84713000", name="Portable computers", duty_rate=2.0, vat_rate=21.0)
        declaration = self._prepare(self._approved_return(1))
        self.assertEqual(declaration.kind, "import")
        self.assertIn("MRN of the export declaration is not known", declaration.relief_decision)
        self.assertEqual(declaration.line_ids.procedure_code, "4000")
        self.assertAlmostEqual(declaration.duty_estimate, 2.0)
        self.assertAlmostEqual(declaration.vat_estimate, 21.42)

    def test_relief_ends_three_years_after_export(self):
        long_ago = fields.Datetime.now() - timedelta(days=3 * 365 + 30)
        self.delivery.date_done = long_ago
        self.policy.window_days = 5000
        declaration = self._prepare(self._approved_return(1))
        self.assertEqual(declaration.kind, "import")
        self.assertIn("relief ended on", declaration.relief_decision)

    def test_check_lists_every_problem_and_submits_nothing(self):
        declaration = self._prepare(self._approved_return(1))
        self.company.customs_eori = "ESB12345670"
        declaration.write({
            "customs_office_code": "ES46",
            "line_ids": [Command.update(declaration.line_ids.id, {"hs_code": "8471", "gross_mass": 0.5})],
        })
        self._tariff("85171300", name="Smartphones")
        declaration.action_check()
        self.assertEqual(declaration.state, "draft")
        problems = declaration.check_result
        for expected in ("Customs Office: ES46 is not an office code", "Declarant EORI: the check digits of EORI "
                         "ESB12345670", "HS Code: HS code 8471 must have 8", "Gross Mass (kg): the gross mass (0.5 kg) "
                         "cannot be below",
                         # The company's EORI changed: the company no longer re-imports what it exported.
                         "F05 relieves import VAT only for goods re-imported in the same state by whoever"):
            self.assertIn(expected, problems)
        self.assertFalse(declaration.xml_attachment_id)
        with self.assertRaisesRegex(UserError, "Check declaration .* first"):
            declaration.action_generate_xml()

    def test_customs_documents_render_from_the_declaration(self):
        declaration = self._prepare(self._approved_return(2))
        Report = self.env["ir.actions.report"]
        for report, expected in (
            ("reverse_logistics.action_report_customs_proforma", "No payment is due"),
            ("reverse_logistics.action_report_customs_inf3", "24ES004641100000A2"),
            ("reverse_logistics.action_report_customs_commercial_invoice", "Goods returned to the vendor"),
        ):
            html = Report._render_qweb_html(report, declaration.ids)[0].decode()
            self.assertIn(expected, html)
            self.assertIn("8471300000", html)
            self.assertIn(declaration.lrn, html)

    def test_online_eori_check_down_is_noted_not_blocking(self):
        self.company.write({"customs_live_eori_check": True,
                            "customs_eori_service_url": "http://127.0.0.1:9/validation"})
        declaration = self._prepare(self._approved_return(1))
        declaration.action_check()
        self.assertEqual(declaration.state, "checked", "the offline checks passed")
        self.assertIn("checked offline only", declaration.message_ids[0].body)

    def test_online_vat_check_unreachable_is_noted_not_blocking(self):
        # VIES is not reachable from the test machine: the check notes it and goes on.
        self.company.partner_id.vat = "ESB12345674"
        self.company.customs_live_vat_check = True
        declaration = self._prepare(self._approved_return(1))
        with patch_vies_unreachable():
            declaration.action_check()
        self.assertEqual(declaration.state, "checked")
        self.assertIn("VIES could not be reached", declaration.message_ids[0].body)

    def test_documents_can_be_printed_from_the_return(self):
        rma = self._approved_return(1)
        declaration = self._prepare(rma)
        # A company that never chose its document layout is first sent to the layout configurator.
        self.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        action = rma.customs_declaration_ids.action_print_inf3()
        self.assertEqual(action["report_name"], "reverse_logistics.report_customs_inf3")
        self.assertEqual(action["context"]["active_ids"], declaration.ids)
        views = self.env["return.order"].get_views([(False, "form")])
        self.assertIn("action_print_proforma", views["views"]["form"]["arch"])

    def test_no_declaration_inside_one_customs_territory(self):
        self.customer.write({"country_id": self.env.ref("base.fr").id, "zip": "75001"})
        rma = self._approved_return(1)
        with self.assertRaisesRegex(UserError, "needs no customs declaration"):
            rma.action_prepare_customs_declaration()
        self.assertFalse(self.env["customs.declaration"].search([("return_order_id", "=", rma.id)]))

    def test_one_open_declaration_per_return(self):
        rma = self._approved_return(1)
        self._prepare(rma)
        with self.assertRaisesRegex(UserError, "has a customs declaration already"):
            rma.action_prepare_customs_declaration()

    def test_checked_declaration_validates_against_the_configured_schema_set(self):
        if not SCHEMAS.is_dir():
            self.skipTest(f"WCO schema set not found at {SCHEMAS} (set RL_SHARED_DIR)")
        self.company.customs_schema_folder = str(SCHEMAS)
        declaration = self._prepare(self._approved_return(1))
        declaration.action_check()
        self.assertEqual(declaration.state, "checked", declaration.check_result)
        self.company.customs_schema_folder = "/nonexistent"
        declaration.state = "draft"
        declaration.action_check()
        self.assertIn("No WCO DEC-DMS schema set", declaration.check_result)
