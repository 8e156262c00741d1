from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import ReturnsCase


@tagged("post_install", "-at_install")
class TestReturnHub(ReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.write({"country_id": cls.env.ref("base.es").id, "zip": "50001", "city": "Zaragoza"})
        cls.hub_address = cls.env["res.partner"].create({
            "name": "Hub Frankfurt", "street": "Cargo City Süd 1", "zip": "60549", "city": "Frankfurt",
            "country_id": cls.env.ref("base.de").id, "company_id": cls.company.id,
        })
        cls.hub_location = cls.env["stock.location"].create({
            "name": "Hub Frankfurt", "usage": "internal", "location_id": cls.warehouse.view_location_id.id,
        })
        cls.hub = cls.env["return.hub"].create({
            "name": "Hub Frankfurt",
            "partner_id": cls.hub_address.id,
            "location_id": cls.hub_location.id,
            "area_ids": [Command.create({"country_id": cls.env.ref("base.de").id}),
                         Command.create({"country_id": cls.env.ref("base.fr").id, "zip_prefix": "75"})],
            "release_kind": "weekly", "release_weekday": "4",
            "mode_ids": [Command.create({"mode": "road", "vehicle_class": "artic_34_40t", "per_shipment": 300,
                                         "per_kg": 0.05, "transit_days": 3,
                                         "destination_warehouse_ids": [Command.link(cls.warehouse.id)]})],
        })
        cls.manager = new_test_user(cls.env, "hub_manager", groups="reverse_logistics.group_returns_manager")
        cls.clerk = new_test_user(cls.env, "hub_clerk", groups="reverse_logistics.group_returns_user")

    def _refused(self, regex, values):
        # The ORM's constraints refuse within the transaction, which the request then rolls back.
        with self.assertRaises(ValidationError) as caught:
            self.env["return.hub"].with_user(self.manager).create({
                "name": "Bad hub", "partner_id": self.hub_address.id, "location_id": self.hub_location.id, **values})
        self.assertRegex(str(caught.exception), regex)

    # ------------------------------------------------------------------ configuration
    def test_manager_configures_clerk_reads(self):
        hub = self.env["return.hub"].with_user(self.manager).create({
            "name": "Hub Lyon", "warehouse_id": self.warehouse.id,
            "area_ids": [Command.create({"territory_code": " eu "})],
        })
        self.assertEqual(hub.location_id, self.warehouse.return_location_id, "the warehouse's returns location")
        self.assertEqual(hub.partner_id, self.warehouse.partner_id)
        self.assertEqual(hub.area_ids.territory_code, "EU", "codes are kept without spaces, in capitals")
        self.assertEqual(self.hub.with_user(self.clerk).read(["name"])[0]["name"], "Hub Frankfurt")
        with self.assertRaises(AccessError):
            self.hub.with_user(self.clerk).write({"max_wait_days": 3})
        with self.assertRaises(AccessError):
            self.env["return.hub"].with_user(self.clerk).create({"name": "Rogue", "warehouse_id": self.warehouse.id})

    def test_bad_configurations_are_refused(self):
        self._refused("every 1 day at least", {"release_kind": "every_n_days", "release_every_days": 0})
        self._refused("cannot be negative", {"max_wait_days": -1})
        self._refused("cannot be negative", {"handling_cost": -2.0})
        self._refused("either a country .* or a customs territory",
                      {"area_ids": [Command.create({"zip_prefix": "75"})]})
        self._refused("either a country .* or a customs territory", {"area_ids": [Command.create(
            {"country_id": self.env.ref("base.fr").id, "territory_code": "EU"})]})
        self._refused("letters and digits only", {"area_ids": [Command.create(
            {"country_id": self.env.ref("base.fr").id, "zip_prefix": "7-5"})]})
        self._refused("not a vehicle class of air", {"mode_ids": [Command.create(
            {"mode": "air", "vehicle_class": "artic_34_40t"})]})
        self._refused("cannot be negative", {"mode_ids": [Command.create(
            {"mode": "road", "vehicle_class": "artic_34_40t", "per_kg": -0.1})]})
        self._refused("does not take hazardous goods", {"mode_ids": [Command.create(
            {"mode": "road", "vehicle_class": "artic_34_40t", "hazardous_allowed": True})]})
        no_country = self.env["res.partner"].create({"name": "Somewhere", "company_id": self.company.id})
        self._refused("needs a country", {"partner_id": no_country.id})

    def test_hub_cannot_use_another_companys_warehouse(self):
        other = self.env["res.company"].create({"name": "Other hub company"})
        other_warehouse = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        with self.assertRaises(Exception):  # noqa: B017 - check_company raises UserError
            self.env["return.hub"].create({"name": "Crossed", "warehouse_id": other_warehouse.id})

    def test_release_rule_as_the_planner_reads_it(self):
        rule = self.hub._release_rule()
        self.assertEqual((rule.kind, rule.weekday, rule.weight_kg), ("weekly", 4, None))
