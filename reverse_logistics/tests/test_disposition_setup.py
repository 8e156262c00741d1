from odoo.tests import TransactionCase, tagged

from ..models.stock_warehouse import DISPOSITION_LOCATIONS

FIELDS = [field_name for field_name, *_rest in DISPOSITION_LOCATIONS]


@tagged("post_install", "-at_install")
class TestDispositionSetup(TransactionCase):
    def test_every_warehouse_has_its_disposition_locations(self):
        for warehouse in self.env["stock.warehouse"].search([]):
            for field_name in FIELDS:
                location = warehouse[field_name]
                self.assertEqual(location.usage, "internal", f"{warehouse.name}: {field_name}")
                self.assertEqual(location.location_id, warehouse.view_location_id)
        new_warehouse = self.env["stock.warehouse"].create({"name": "Hub Porto", "code": "OPO"})
        self.assertEqual(
            new_warehouse.mapped(lambda w: [w[f].name for f in FIELDS])[0],
            ["Quarantine", "Refurbishment", "Secondary-market Stock", "Recycling"],
        )
        self.assertEqual(new_warehouse.quarantine_location_id.barcode, "OPOQUAR")

    def test_install_hook_adds_missing_disposition_locations(self):
        warehouse = self.env["stock.warehouse"].create({"name": "Old plant", "code": "OLP"})
        old = warehouse.recycling_location_id
        warehouse.recycling_location_id = False
        old.active = False
        warehouse._create_returns_locations_and_types()
        self.assertTrue(warehouse.recycling_location_id.active)
        self.assertEqual(warehouse.recycling_location_id.usage, "internal")

    def test_default_grade_scale(self):
        grades = self.env["return.grade"].search([])
        self.assertEqual(grades[:5].mapped("code"), ["A", "B", "C", "D", "SCRAP"])
        self.assertTrue(self.env.ref("reverse_logistics.grade_a").sellable_as_new)
        self.assertTrue(self.env.ref("reverse_logistics.grade_scrap").scrap)
