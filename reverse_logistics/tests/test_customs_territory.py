from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestCustomsTerritory(ReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse.partner_id.write(
            {"country_id": cls.env.ref("base.es").id, "zip": "50001", "state_id": cls.env.ref("base.state_es_z").id}
        )
        cls.order = cls._deliver_sale(cls.customer, [(cls.product, 5)])

    def _return_from(self, country_xmlid, zip_code=None, state_xmlid=None):
        self.customer.write(
            {
                "country_id": self.env.ref(country_xmlid).id,
                "zip": zip_code,
                "state_id": state_xmlid and self.env.ref(state_xmlid).id,
            }
        )
        return self._return_from_sale(self.order, [(self.product, 1, {})])

    def test_within_the_eu_customs_union_no_declaration(self):
        rma = self._return_from("base.de", "10115")
        self.assertFalse(rma.customs_declaration_needed)
        self.assertEqual((rma.customs_origin_territory, rma.customs_destination_territory), ("EU", "EU"))
        self.assertIn("one customs territory", rma.customs_decision_note)

    def test_from_outside_the_union_a_declaration_is_needed(self):
        rma = self._return_from("base.us", "78701")
        self.assertTrue(rma.customs_declaration_needed)
        self.assertIn("Declaration needed", rma.customs_decision_note)

    def test_canary_islands_and_ceuta_are_outside_although_in_spain(self):
        self.assertTrue(self._return_from("base.es", "35001").customs_declaration_needed)
        self.assertTrue(self._return_from("base.es", "38001", "base.state_es_tf").customs_declaration_needed)
        ceuta = self._return_from("base.es", "51001")
        self.assertTrue(ceuta.customs_declaration_needed)
        self.assertIn("Ceuta", ceuta.customs_decision_note, "the user sees which rule applied")
        self.assertFalse(self._return_from("base.es", "28001").customs_declaration_needed)

    def test_northern_ireland_follows_eu_rules_for_goods(self):
        self.assertFalse(self._return_from("base.uk", "BT1 1AA").customs_declaration_needed)
        self.assertTrue(self._return_from("base.uk", "SW1A 1AA").customs_declaration_needed)

    def test_rules_are_data_that_open_returns_follow(self):
        rma = self._return_from("base.ch", "8001")
        self.assertTrue(rma.customs_declaration_needed)
        self.env["customs.territory.rule"].create(
            {"country_id": self.env.ref("base.ch").id, "territory_code": "EU", "note": "Hypothetical customs union"}
        )
        self.env.flush_all()
        self.assertFalse(rma.customs_declaration_needed)

    def test_invalid_postcode_pattern_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "not valid"):
            self.env["customs.territory.rule"].create(
                {"country_id": self.env.ref("base.es").id, "territory_code": "EU", "zip_pattern": "3[5"}
            )
