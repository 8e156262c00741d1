"""Relief is decided item by item, from where and when each part of the goods left."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CustomsCase

RECENT_MRN = "26ES005001100007A9"
OLD_MRN = "22ES005001100001A7"


@tagged("post_install", "-at_install")
class TestReliefPerItem(CustomsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.window_days = 5000  # returns years after delivery are still accepted by the policy
        GB = cls.env.ref("base.uk")
        cls.gb_partner = cls.env["res.partner"].create({
            "name": "Liverpool returns centre", "country_id": GB.id, "zip": "L3 1AA", "city": "Liverpool",
            "street": "1 Dock Road", "parent_id": cls.company.partner_id.id, "type": "delivery",
        })
        cls.gb_warehouse = cls.env["stock.warehouse"].create({
            "name": "Liverpool", "code": "LPL", "company_id": cls.company.id, "partner_id": cls.gb_partner.id,
            "customs_office_code": "GB000074", "customs_eori": "GB123456789000",
        })

    def _deliver_in_two_parts(self, old_days, recent_days):
        """One order of two units, delivered in two parts: ``old_days`` and ``recent_days`` ago."""
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id, "warehouse_id": self.warehouse.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 2,
                                           "price_unit": 100.0})],
        })
        order.action_confirm()
        first = order.picking_ids
        first.move_ids.quantity = 1
        first.move_ids.picked = True
        first._action_done()
        backorder = order.picking_ids - first
        self.assertEqual(len(backorder), 1, "the second unit waits in a backorder")
        backorder.move_ids.quantity = 1
        backorder.move_ids.picked = True
        backorder.button_validate()
        for picking, days, mrn in ((first, old_days, OLD_MRN), (backorder, recent_days, RECENT_MRN)):
            when = fields.Datetime.now() - timedelta(days=days)
            picking.move_ids.write({"date": when})
            picking.write({"date_done": when, "export_mrn": mrn})
        return order, first, backorder

    def test_an_order_delivered_in_two_parts_gets_a_decision_per_part(self):
        order, first, backorder = self._deliver_in_two_parts(old_days=4 * 365, recent_days=30)
        declaration = self._prepare(self._approved_return(2, order=order))
        self.assertEqual(len(declaration.line_ids), 2, "one goods item per delivery the units left with")
        recent = declaration.line_ids.filtered(lambda line: line.export_picking_id == backorder)
        old = declaration.line_ids.filtered(lambda line: line.export_picking_id == first)
        self.assertEqual((recent.procedure_code, recent.additional_procedure_codes, recent.export_mrn),
                         ("6110", "F05", RECENT_MRN),
                         "exported last month by the company that re-imports it: duty and VAT relief")
        self.assertEqual((old.procedure_code, old.additional_procedure_codes), ("4000", "000"))
        self.assertIn("relief ended on", old.relief_note)
        self.assertEqual(declaration.kind, "import_relief")
        self.assertFalse(declaration.export_mrn, "two MRNs: none stands for the whole declaration")
        self.assertEqual(recent.export_item_number, 1)

        declaration.action_check()
        self.assertEqual(declaration.state, "checked", declaration.check_result)
        declaration.action_generate_xml()
        xml = declaration.xml_attachment_id.raw.decode()
        self.assertIn(RECENT_MRN, xml, "the relief item quotes its own export")
        self.assertNotIn(OLD_MRN, xml, "the plain import item claims nothing and quotes no export")
        self.assertEqual(xml.count("<LineNumeric>1</LineNumeric>"), 1, "the export MRN with its item number")

    def test_goods_exported_from_another_territory_get_no_relief(self):
        """Delivered from the Spanish warehouse (EU) with a Spanish MRN, returned to Liverpool (GB)."""
        rma = self._return_from_sale(self.order, [(self.product, 1, {})], warehouse_id=self.gb_warehouse.id)
        self._approve(rma)
        self.assertEqual(rma.customs_destination_territory, "GB")
        declaration = self._prepare(rma)
        line = declaration.line_ids
        self.assertEqual(line.export_territory, "EU")
        self.assertEqual((line.procedure_code, line.additional_procedure_codes), ("4000", "000"))
        self.assertIn("left from EU, not from GB", line.relief_note)
        self.assertEqual(declaration.kind, "import")
        self.assertEqual(
            (declaration.customs_office_code, declaration.company_eori), ("GB000074", "GB123456789000"),
            "declared at the Liverpool warehouse's office with its GB EORI, not the company's Spanish ones",
        )
        # Claiming relief by hand is refused by Check, with the reason.
        line.write({"procedure_code": "6110", "additional_procedure_codes": "F01"})
        declaration.action_check()
        self.assertEqual(declaration.state, "draft")
        self.assertIn("relief is claimed but not due", declaration.check_result)
        self.assertIn("not from GB", declaration.check_result)

    def test_the_items_own_relief_facts_decide(self):
        declaration = self._prepare(self._approved_return(1))
        line = declaration.line_ids
        self.assertEqual(line.procedure_code, "6110")
        declaration.goods_unaltered = False
        self.assertEqual((line.procedure_code, line.additional_procedure_codes), ("4000", "000"))
        self.assertIn("do not come back unaltered", declaration.relief_decision)
        self.assertNotIn("6110", declaration.relief_decision)
        line.goods_unaltered = True
        self.assertEqual(line.procedure_code, "6110")
        line.export_date = fields.Date.today() - timedelta(days=5 * 365)
        self.assertEqual(line.procedure_code, "4000")
        self.assertIn("relief ended on", declaration.relief_decision)
        # Forcing the old codes back is refused by Check: the facts do not support them.
        line.write({"procedure_code": "6110", "additional_procedure_codes": "F01"})
        declaration.action_check()
        self.assertEqual(declaration.state, "draft")
        self.assertIn("relief is claimed but not due", declaration.check_result)

    def test_repaired_goods_claim_special_circumstances(self):
        declaration = self._prepare(self._approved_return(1))
        line = declaration.line_ids
        line.write({"goods_unaltered": False, "repaired": True})
        self.assertEqual(line.procedure_code, "6110")
        self.assertEqual(line.additional_procedure_codes, "F03")
        declaration.action_check()
        self.assertEqual(declaration.state, "checked", declaration.check_result)

    def test_relief_claimed_by_another_than_the_exporter_is_duty_only(self):
        declaration = self._prepare(self._approved_return(1))
        line = declaration.line_ids
        line.exporter_eori = "ESA28015865"  # someone else exported them
        self.assertEqual((line.procedure_code, line.additional_procedure_codes), ("6110", "F01"))
        self._tariff("84713000", duty_rate=2.0, vat_rate=21.0)
        line.write({"duty_rate": 2.0, "vat_rate": 21.0})
        self.assertEqual(line.duty_estimate, 0.0, "relief from duty")
        self.assertGreater(line.vat_estimate, 0.0, "F01 relieves duty only: import VAT is due")

    def test_a_code_the_matrix_does_not_permit_is_refused_and_one_it_permits_is_accepted(self):
        declaration = self._prepare(self._approved_return(1))
        line = declaration.line_ids
        line.write({"procedure_code": "4000", "additional_procedure_codes": "000,F01"})
        declaration.action_check()
        self.assertIn("000 means no other code applies", declaration.check_result)
        line.write({"procedure_code": "4000", "additional_procedure_codes": "000"})
        declaration.action_check()
        self.assertEqual(declaration.state, "checked", declaration.check_result)

    def test_where_relief_is_due_every_code_the_matrix_permits_is_accepted(self):
        declaration = self._prepare(self._approved_return(1))
        line = declaration.line_ids
        for codes in ("F01", "F02", "F03", "F05", "F02,F03"):
            line.write({"procedure_code": "6110", "additional_procedure_codes": codes})
            declaration.action_check()
            self.assertEqual(declaration.state, "checked", f"{codes}: {declaration.check_result}")
        line.write({"procedure_code": "6110", "additional_procedure_codes": "F04"})
        declaration.action_check()
        self.assertIn("does not permit additional code F04", declaration.check_result)
        line.write({"procedure_code": "6123", "additional_procedure_codes": "F01"})
        declaration.action_check()
        self.assertIn("declare 6110, not 6123", declaration.check_result)
        # Someone else exported them: duty relief only, VAT relief refused.
        line.write({"exporter_eori": "ESA28015865"})
        line.write({"procedure_code": "6110", "additional_procedure_codes": "F05"})
        declaration.action_check()
        self.assertIn("F05 relieves import VAT only", declaration.check_result)

    def test_mistyped_mrns_are_refused(self):
        for value in ("123", "X" * 40, "24ES004641100000A", "24ES004641100000A3"):
            with self.assertRaises(ValidationError, msg=value):
                self.delivery.export_mrn = value
        self.delivery.export_mrn = "24ES004641100000A2"
        declaration = self._prepare(self._approved_return(1))
        line = declaration.line_ids
        for value in ("123", "X" * 40, "24ES004641100000A"):
            line.export_mrn = value
            self.assertEqual(line.procedure_code, "4000", f"no relief on MRN {value}")
            line.write({"procedure_code": "6110", "additional_procedure_codes": "F05"})
            declaration.action_check()
            self.assertEqual(declaration.state, "draft", value)
            self.assertIn("MRN", declaration.check_result)

    def test_processed_products_re_exported_after_inward_processing(self):
        """Art. 205 UCC: re-export (31) of processed products, F04, or F07 when duty follows Art. 86(3)."""
        self.delivery.export_procedure_code = "31"
        declaration = self._prepare(self._approved_return(1))
        line = declaration.line_ids
        self.assertEqual(line.procedure_code, "4000", "a re-export gives relief to processed products only")
        line.processed_after_inward_processing = True
        self.assertEqual((line.procedure_code, line.additional_procedure_codes), ("6131", "F04"))
        line.duty_under_article_86_3 = True
        self.assertEqual((line.procedure_code, line.additional_procedure_codes), ("6131", "F07"))
        declaration.action_check()
        self.assertEqual(declaration.state, "checked", declaration.check_result)
