from datetime import date, datetime

import lxml.html

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.base.models import ir_actions_report

from ..models.return_input_guard import flow_writes
from ..returns_lib.customs import mrn as mrn_lib
from . import test_report_pdfs
from .common import ReturnsCase

MARCH = datetime(2019, 3, 10, 9, 0)
JANUARY = datetime(2019, 1, 15, 9, 0)


@tagged("post_install", "-at_install")
class TestSustainabilityReport(HttpCase, ReturnsCase):
    """Known returns, routed and disposed of through the real flows, with the route figures the planner would
    give: the report's groups and the printed summary show the hand-computed savings and shares.

    In March 2019 (approved then):
    - Hub Frankfurt, by road, one load of 3 (A, B, C) that left and arrived: each costs 20 instead of 30,
      2 kg CO2e instead of 5; A's 2 chairs are restocked, B's resold (sold for 70), C's destroyed;
    - Hub Frankfurt, G arrived nowhere yet (its load has not left): 20 instead of 30, 2 kg instead of 5;
    - Hub London, by sea, one load of 2 (D, E) crossing into the EU with one declaration: each costs 40
      instead of 70 (with its own declaration), 3 kg instead of 9;
    - F, direct (Lyon is served by no hub): 25 and 4 kg either way; its chair is recycled.
    In January 2019: H, direct, 10 and 1 kg either way.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_customs_parties()
        cls.category.write({"return_handling_cost": 2.0, "return_recycling_fee": 1.0, "return_destruction_fee": 3.0})
        cls.types = {t.code: t for t in cls.env["return.disposition.type"].search([])}
        location = cls.env["stock.location"].create({
            "name": "Hubs", "usage": "internal", "location_id": cls.warehouse.view_location_id.id,
        })
        cls.frankfurt = cls._create_hub(
            "Hub Frankfurt", "de", "60549", "Frankfurt", location=location,
            modes=[{"mode": "road", "vehicle_class": "artic_34_40t", "per_shipment": 300,
                    "destination_warehouse_ids": [Command.link(cls.warehouse.id)]}])
        cls.london = cls._create_hub("Hub London", "uk", "E16 2QU", "London", location=location,
                                     modes=[{"mode": "sea", "vehicle_class": "container_short_sea"}])
        # A (2 chairs), B, C, G: Germany, through Frankfurt.
        cls.ret_a = cls._approved(cls._partner("de", "10115"), qty=2)
        cls.ret_b, cls.ret_c, cls.ret_g = (cls._approved(cls._partner("de", "8033" + str(i))) for i in range(3))
        # D, E: Great Britain, through London, with the export declarations of their sales.
        mrn_e = "24ES004641100001A"
        cls.ret_d = cls._approved(cls._partner("uk", "SW1A 1AA"), mrn="24ES004641100000A2")
        cls.ret_e = cls._approved(cls._partner("uk", "SW1A 2AA"), mrn=mrn_e + mrn_lib.check_digit(mrn_e))
        cls.ret_f = cls._approved(cls._partner("fr", "69001"))
        cls.ret_h = cls._approved(cls._partner("fr", "69002"))
        cls.returns = cls.ret_a | cls.ret_b | cls.ret_c | cls.ret_g | cls.ret_d | cls.ret_e | cls.ret_f | cls.ret_h

        (cls.ret_a | cls.ret_b | cls.ret_c | cls.ret_d | cls.ret_e).action_arrived_at_hub()
        cls.road_load, cls.sea_load = cls.ret_a.consolidation_id, cls.ret_d.consolidation_id
        (cls.road_load | cls.sea_load).action_ship()
        # The load's mode and declarations, and the returns' route figures, as the planner sets them when
        # the loads leave.
        cls.road_load._flow_write({"mode_id": cls.frankfurt.mode_ids.id, "declarations": 0})
        cls.sea_load._flow_write({"mode_id": cls.london.mode_ids.id, "declarations": 1})
        figures = {
            cls.ret_a | cls.ret_b | cls.ret_c | cls.ret_g: (20, 30, 2.0, 5.0, 0, 0),
            cls.ret_d | cls.ret_e: (40, 70, 3.0, 9.0, 0, 1),
            cls.ret_f: (25, 25, 4.0, 4.0, 0, 0),
            cls.ret_h: (10, 10, 1.0, 1.0, 0, 0),
        }
        with flow_writes():
            for orders, (cost, baseline, co2e, baseline_co2e, declarations, baseline_declarations) in figures.items():
                orders._flow_write({
                    "route_cost": cost, "baseline_cost": baseline, "route_co2e_kg": co2e,
                    "baseline_co2e_kg": baseline_co2e, "route_declarations": declarations,
                    "baseline_declarations": baseline_declarations, "date_approved": MARCH,
                })
            cls.ret_h._flow_write({"date_approved": JANUARY})

        # What became of the units.
        cls.road_load.action_receive()
        cls.ret_f.action_receive()
        grade_a = cls.env.ref("reverse_logistics.grade_a")
        for order, code in ((cls.ret_a, "restock"), (cls.ret_b, "resell_as_is"), (cls.ret_c, "destroy"),
                            (cls.ret_f, "recycle")):
            order.inspection_ids.grade_id = grade_a
            order.inspection_ids.action_done()
            order.disposition_ids._decide(cls.types[code], "As the test needs")
        cls.listing = cls.ret_b.disposition_ids.resale_listing_id
        cls.listing._flow_write({"state": "sold", "quantity_sold": 1.0, "sold_amount": 70.0})

    @classmethod
    def _partner(cls, country, zip_code):
        return cls.env["res.partner"].create({
            "name": f"Customer {country} {zip_code}", "country_id": cls.env.ref(f"base.{country}").id,
            "zip": zip_code, "street": "1 Street", "city": "Town", "email": "c@example.com",
        })

    @classmethod
    def _approved(cls, partner, qty=1, mrn=None):
        order = cls._deliver_sale(partner, [(cls.product, qty)])
        if mrn:
            order.picking_ids.export_mrn = mrn
        return cls._approve(cls._return_from_sale(order, [(cls.product, qty, {})]))

    def setUp(self):
        super().setUp()
        # wkhtmltopdf fetches the report's styles from this test server.
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())

    def _groups(self, groupby, aggregates, domain=()):
        Report = self.env["return.sustainability.report"]
        rows = Report._read_group([("order_id", "in", self.returns.ids), *domain], [groupby], aggregates)
        return {key: values for key, *values in rows}

    # ------------------------------------------------------------------
    def test_rows_per_return_with_their_hub_country_mode_and_month(self):
        rows = self.env["return.sustainability.report"].search([("order_id", "in", self.returns.ids)])
        self.assertEqual(len(rows), 8, "one row per approved return")
        by_order = {row.order_id: row for row in rows}
        no_hub = self.env["return.hub"]
        self.assertEqual(
            {order: (row.mode, row.hub_id, row.country_id.code) for order, row in by_order.items()},
            {self.ret_a: ("road", self.frankfurt, "DE"), self.ret_b: ("road", self.frankfurt, "DE"),
             self.ret_c: ("road", self.frankfurt, "DE"), self.ret_g: ("pending", self.frankfurt, "DE"),
             self.ret_d: ("sea", self.london, "GB"), self.ret_e: ("sea", self.london, "GB"),
             self.ret_f: ("parcel", no_hub, "FR"), self.ret_h: ("parcel", no_hub, "FR")},
        )
        months = self._groups("date:month", ["return_count:sum", "saving:sum"])
        self.assertEqual(months, {date(2019, 1, 1): [1, 0.0], date(2019, 3, 1): [7, 100.0]})
        # A return cancelled after its approval moved nothing: it leaves the report.
        self.ret_g.action_cancel()
        self.assertEqual(self._groups("date:month", ["return_count:sum"])[date(2019, 3, 1)], [6])

    def test_parcels_declarations_cost_and_co2e_avoided_by_mode_and_hub(self):
        aggregates = ["return_count:sum", "parcels_avoided:sum", "declarations_avoided:sum", "route_cost:sum",
                      "baseline_cost:sum", "saving:sum", "route_co2e_kg:sum", "baseline_co2e_kg:sum",
                      "co2e_avoided_kg:sum"]
        by_mode = self._groups("mode", aggregates)
        expected = {
            # A load of 3 avoids 2 long-haul parcels; no border inside the EU.
            "road": [3, 2.0, 0.0, 60.0, 90.0, 30.0, 6.0, 15.0, 9.0],
            # G's load has not left: its avoided parcels are not known yet, its figures are estimates.
            "pending": [1, 0.0, 0.0, 20.0, 30.0, 10.0, 2.0, 5.0, 3.0],
            # A load of 2 crossing with one declaration instead of two avoids 1 parcel and 1 declaration.
            "sea": [2, 1.0, 1.0, 80.0, 140.0, 60.0, 6.0, 18.0, 12.0],
            "parcel": [2, 0.0, 0.0, 35.0, 35.0, 0.0, 5.0, 5.0, 0.0],
        }
        self.assertEqual(set(by_mode), set(expected))
        for mode, values in expected.items():
            for got, want, name in zip(by_mode[mode], values, aggregates, strict=True):
                self.assertAlmostEqual(got, want, places=6, msg=f"{mode}: {name}")
        by_hub = self._groups("hub_id", ["parcels_avoided:sum", "declarations_avoided:sum", "saving:sum"])
        self.assertAlmostEqual(by_hub[self.frankfurt][0], 2.0)
        self.assertEqual(by_hub[self.london][1:], [1.0, 60.0])
        # Grouped by the sender's country, a load's shares still add up to what the load avoided.
        by_country = self._groups("country_id", ["parcels_avoided:sum"])
        self.assertAlmostEqual(by_country[self.env.ref("base.de")][0], 2.0)
        self.assertAlmostEqual(by_country[self.env.ref("base.uk")][0], 1.0)

    def test_outcome_shares_diversion_and_recovered_value(self):
        restock = self.ret_a.disposition_ids
        self.assertEqual((restock.type_id.code, restock.quantity), ("restock", 2.0))
        self.assertAlmostEqual(restock.expected_value, 196.0, msg="2 chairs of 100 new, less 2 handling each")
        aggregates = ["units_restocked:sum", "units_resold:sum", "units_destroyed:sum", "units_recycled:sum",
                      "units_disposed:sum", "units_diverted:sum", "diversion_rate:avg", "restocked_percent:avg",
                      "destroyed_percent:avg", "recovered_value:sum"]
        by_mode = self._groups("mode", aggregates)
        # Road: 2 restocked + 1 resold + 1 destroyed: 3 of 4 units diverted, a weighted 75 % (the rows'
        # own rates, 100, 100 and 0, would average 66.7).
        self.assertEqual(by_mode["road"], [2.0, 1.0, 1.0, 0.0, 4.0, 3.0, 75.0, 50.0, 25.0, 196.0 + 70.0])
        self.assertEqual(by_mode["parcel"], [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 100.0, 0.0, 0.0, 0.0])
        self.assertEqual(by_mode["sea"][4:6], [0.0, 0.0])
        self.assertIs(by_mode["sea"][6], False, "nothing disposed of: no rate, not 0 %")
        total = self.env["return.sustainability.report"]._read_group(
            [("order_id", "in", self.returns.ids)], [], ["diversion_rate:avg", "resold_percent:avg",
                                                        "recycled_percent:avg"])
        self.assertEqual(total, [(80.0, 20.0, 20.0)])

    def test_summary_prints_the_period_figures(self):
        wizard = self.env["return.sustainability.summary.wizard"].create({
            "date_from": "2019-03-01", "date_to": "2019-03-31", "company_id": self.company.id,
        })
        summary = wizard._summary()
        total = summary["total"]
        self.assertEqual(
            [total[name] for name in ("return_count", "parcels_avoided", "declarations_avoided", "saving",
                                      "co2e_avoided_kg", "units_disposed", "diversion_rate", "recovered_value")],
            [7, 3.0, 1.0, 100.0, 24.0, 5.0, 80.0, 266.0],
            "H, approved in January, is not in March's summary",
        )
        self.assertEqual([row["label"] for row in summary["by_hub"]],
                         ["Hub Frankfurt", "Hub London", "Direct (no hub)"])
        self.assertEqual([row["saving"] for row in summary["by_hub"]], [40.0, 60.0, 0.0])
        self.assertEqual([row["label"] for row in summary["by_mode"]],
                         ["Parcel (direct)", "Road", "Sea", "At the Hub (not left yet)"])
        self.assertEqual([row["co2e_avoided_kg"] for row in summary["by_mode"]], [0.0, 9.0, 12.0, 3.0])
        # never "-0.0": a nil difference left by float arithmetic prints as 0.0
        rounded = wizard._rounded({"co2e_avoided_kg": -1e-9, "saving": -0.001, "parcels_avoided": -0.0})
        self.assertEqual([str(value) for value in rounded.values()], ["0.0", "0.0", "0.0"])
        wizard.hub_id = self.london
        self.assertEqual(wizard._summary()["total"]["return_count"], 2)
        wizard.hub_id = False

        self.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        action = wizard.action_print()
        self.assertEqual(action["report_name"], "reverse_logistics.report_return_sustainability_summary")
        report = "reverse_logistics.action_report_return_sustainability_summary"
        expected = ["HubFrankfurt", "HubLondon", "Direct(nohub)", "100.00", "24.0", "266.00", "80.0%", "ISO14083"]
        if ir_actions_report.wkhtmltopdf_state == "ok":
            test_report_pdfs.assert_real_pdf(self, report, wizard, expected)
        else:
            html = self.env["ir.actions.report"]._render_qweb_html(report, wizard.ids)[0].decode()
            printed = "".join(html.split())
            for string in expected:
                self.assertIn(string, printed)

    def test_a_hub_leg_emitting_more_than_the_parcel_shows_a_negative_co2e_avoided_beside_its_saving(self):
        # In May 2019, alone: a small truck after a detour, cheaper than the parcel (12 instead of 30) but
        # emitting more (7.5 kg instead of 5).
        order = self._approved(self._partner("de", "80331"))
        self.assertEqual(order.hub_id, self.frankfurt)
        order.action_arrived_at_hub()
        order.consolidation_id.action_ship()
        with flow_writes():
            order.consolidation_id._flow_write({"mode_id": self.frankfurt.mode_ids.id, "declarations": 0})
            order._flow_write({"route_cost": 12, "baseline_cost": 30, "route_co2e_kg": 7.5, "baseline_co2e_kg": 5.0,
                               "route_declarations": 0, "baseline_declarations": 0,
                               "date_approved": datetime(2019, 5, 6, 9, 0)})
        row = self.env["return.sustainability.report"].search([("order_id", "=", order.id)])
        self.assertEqual((row.mode, row.saving, row.co2e_avoided_kg), ("road", 18.0, -2.5), "signed, not clipped")
        wizard = self.env["return.sustainability.summary.wizard"].create({
            "date_from": "2019-05-01", "date_to": "2019-05-31", "company_id": self.company.id,
        })
        summary = wizard._summary()
        self.assertEqual((summary["total"]["saving"], summary["total"]["co2e_avoided_kg"]), (18.0, -2.5))
        self.assertEqual([(row["label"], row["saving"], row["co2e_avoided_kg"]) for row in summary["by_hub"]],
                         [("Hub Frankfurt", 18.0, -2.5)])
        # printed: the saving's cell, and right beside it the CO2e avoided with its sign
        self.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        html = self.env["ir.actions.report"]._render_qweb_html(
            "reverse_logistics.action_report_return_sustainability_summary", wizard.ids)[0]
        # (Odoo's number format ties a minus sign to its digits with a zero-width no-break space.)
        rows = [[" ".join(cell.text_content().replace("\ufeff", "").split()) for cell in tr.xpath("./td")]
                for tr in lxml.html.fromstring(html).xpath("//tr[td]")]
        frankfurt = [cells for cells in rows if cells and cells[0] == "Hub Frankfurt"]
        self.assertTrue(frankfurt, rows)
        saving_at = next(i for i, cell in enumerate(frankfurt[0]) if "18.00" in cell)
        self.assertEqual(frankfurt[0][saving_at + 1], "-2.5")

    def test_other_company_and_portal_see_nothing(self):
        other = self.env["res.company"].create({"name": "Other Returns Ltd"})
        outsider = new_test_user(self.env, "sustainability_outsider", groups="reverse_logistics.group_returns_user",
                                 company_id=other.id, company_ids=[Command.set(other.ids)])
        insider = new_test_user(self.env, "sustainability_insider", groups="reverse_logistics.group_returns_user")
        Report = self.env["return.sustainability.report"]
        domain = [("order_id", "in", self.returns.ids)]
        self.assertEqual(Report.with_user(insider).search_count(domain), 8)
        self.assertEqual(Report.with_user(outsider).search_count(domain), 0)
        self.assertFalse(Report.with_user(outsider)._read_group(domain, [], ["saving:sum"])[0][0])
        portal = new_test_user(self.env, "sustainability_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            Report.with_user(portal).search(domain)
        with self.assertRaises(AccessError):
            self.env["return.sustainability.summary.wizard"].with_user(portal).create(
                {"date_from": "2019-03-01", "date_to": "2019-03-31"})

