import datetime

from odoo import Command, fields
from odoo.tests import freeze_time, new_test_user, tagged

from ..models.return_input_guard import flow_writes
from .common import ReturnsCase

# Monday 6 May 2024; the hub's weekly departure is on Friday 10 May.
MONDAY = "2024-05-06 10:00:00"
RELEASE_TYPE = "reverse_logistics.mail_activity_consolidation_release"


@tagged("post_install", "-at_install")
class TestConsolidationRelease(ReturnsCase):
    """A load leaves its hub on the hub's calendar, at a threshold or at the waiting limit, whichever comes first:
    it is closed to arrivals then and the hub's responsible is told to ship it; nobody but a person ships it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.write({"country_id": cls.env.ref("base.es").id, "zip": "50001", "city": "Zaragoza"})
        cls.product.weight = 10.0
        cls.responsible = new_test_user(cls.env, "hub_responsible", groups="reverse_logistics.group_returns_user")
        cls.clerk = new_test_user(cls.env, "hub_scanning_clerk", groups="reverse_logistics.group_returns_user")
        cls.hub = cls._create_hub(
            "Hub Frankfurt", "de", "60549", "Frankfurt",
            address={"street": "Cargo City Süd 1", "tz": "Europe/Berlin"},
            modes=[{"mode": "road", "vehicle_class": "artic_34_40t", "per_shipment": 300,
                    "destination_warehouse_ids": [Command.link(cls.warehouse.id)]}],
            user_id=cls.responsible.id, release_kind="weekly", release_weekday="4", max_wait_days=14,
        )

    # ------------------------------------------------------------------ helpers
    def _approved_return(self):
        order = self._deliver_sale(self.customer, [(self.product, 2)])
        return self._approve(self._return_from_sale(order, [(self.product, 1, {})]))

    def _arrive(self, when, rma):
        with freeze_time(when):
            rma.with_user(self.clerk).action_arrived_at_hub()
        return rma.consolidation_id

    def _run_cron(self, when):
        with freeze_time(when):
            self.env["return.consolidation"]._cron_release_loads()

    def _activities(self, load):
        return self.env["mail.activity"].search([
            ("res_model", "=", load._name), ("res_id", "=", load.id),
            ("activity_type_id", "=", self.env.ref(RELEASE_TYPE).id),
        ])

    def _notes(self, load, text):
        return load.message_ids.filtered(lambda message: text in str(message.body))

    def _assert_due(self, load, day, reason):
        self.assertEqual((load.date_departure_planned, load.departure_reason),
                         (fields.Date.to_date(day), reason))

    # ------------------------------------------------------------------ calendar
    def test_weekly_rule_closes_on_the_weekday_not_before(self):
        rma = self._approved_return()
        load = self._arrive(MONDAY, rma)
        self._assert_due(load, "2024-05-10", "calendar")
        self._run_cron("2024-05-09 12:00:00")
        self.assertEqual(load.state, "open", "Thursday: the load still takes arrivals")
        self.assertFalse(self._activities(load))
        self._run_cron("2024-05-10 05:00:00")
        self.assertEqual(load.state, "ready", "Friday: closed to arrivals")
        self.assertEqual(rma.state, "approved", "the job never ships: a person confirms the truck left")
        activity = self._activities(load)
        self.assertEqual(activity.summary, f"Ship load {load.name}: departure day")
        self.assertEqual((activity.user_id, activity.date_deadline),
                         (self.responsible, datetime.date(2024, 5, 10)))
        self.assertTrue(self._notes(load, "Closed to arrivals"), "the chatter says why the load was closed")
        self.assertEqual(load.release_trigger, "calendar")
        # Shipping by hand marks the to-do done.
        load.with_user(self.clerk).action_ship()
        self.assertFalse(self._activities(load))

    def test_the_hubs_own_day_counts(self):
        # Friday 22:30 UTC is Saturday in Frankfurt: that Friday's departure is gone.
        load = self._arrive("2024-05-10 22:30:00", self._approved_return())
        self._assert_due(load, "2024-05-17", "calendar")

    def test_every_n_days(self):
        self.hub.write({"release_kind": "every_n_days", "release_every_days": 10, "release_anchor": "2024-05-02"})
        load = self._arrive(MONDAY, self._approved_return())
        self._assert_due(load, "2024-05-12", "calendar")
        self._run_cron("2024-05-11 12:00:00")
        self.assertEqual(load.state, "open")
        self._run_cron("2024-05-12 12:00:00")
        self.assertEqual(load.state, "ready")

    def test_monthly_on_the_last_friday(self):
        self.hub.write({"release_kind": "monthly", "release_weekday": "4", "release_week_of_month": "-1",
                        "max_wait_days": 30})
        load = self._arrive(MONDAY, self._approved_return())
        self._assert_due(load, "2024-05-31", "calendar")
        self._run_cron("2024-05-24 12:00:00")
        self.assertEqual(load.state, "open", "the fourth Friday is not the last one of May")
        self._run_cron("2024-05-31 12:00:00")
        self.assertEqual(load.state, "ready")
        june = self._arrive("2024-06-01 10:00:00", self._approved_return())
        self.assertNotEqual(june, load)
        self._assert_due(june, "2024-06-28", "calendar")

    # ------------------------------------------------------------------ thresholds and waiting limit
    def test_weight_threshold_closes_at_the_arrival_reaching_it(self):
        self.hub.threshold_weight = 25.0
        first, second, third = self._approved_return(), self._approved_return(), self._approved_return()
        load = self._arrive(MONDAY, first)
        self._arrive("2024-05-06 11:00:00", second)
        self.assertEqual((load.state, load.weight), ("open", 20.0), "20 kg of 25: it still takes arrivals")
        self.assertFalse(self._activities(load))
        self._arrive("2024-05-07 09:00:00", third)
        self.assertEqual((load.state, load.weight), ("ready", 30.0), "closed by the arrival reaching 25 kg")
        self._assert_due(load, "2024-05-07", "weight")
        activity = self._activities(load)
        self.assertEqual(activity.summary, f"Ship load {load.name}: threshold reached")
        self.assertEqual(activity.user_id, self.responsible)
        self.assertIn("30.00 kg", activity.note)
        self.assertTrue(self._notes(load, "Weight Reached"))
        self.assertEqual(first.state, "approved", "nothing is shipped by the threshold either")
        late = self._arrive("2024-05-07 10:00:00", self._approved_return())
        self.assertNotEqual(late, load, "the next parcel opens a new load")
        self.assertEqual(late.state, "open")
        self._run_cron("2024-05-10 12:00:00")
        self.assertEqual(len(self._activities(load)), 1, "the day's job does not tell twice")

    def test_waiting_limit_closes_a_load_earlier_than_the_calendar(self):
        self.hub.max_wait_days = 2
        load = self._arrive(MONDAY, self._approved_return())
        self._assert_due(load, "2024-05-08", "max_wait")
        self._run_cron("2024-05-07 12:00:00")
        self.assertEqual(load.state, "open")
        self._run_cron("2024-05-08 12:00:00")
        self.assertEqual((load.state, load.release_trigger), ("ready", "max_wait"))
        self.assertEqual(self._activities(load).summary, f"Ship load {load.name}: waiting limit reached")
        self.assertTrue(self._notes(load, "waits 2 days at most"))

    def test_running_the_job_twice_schedules_one_activity(self):
        load = self._arrive(MONDAY, self._approved_return())
        self._run_cron("2024-05-10 05:00:00")
        self._run_cron("2024-05-10 18:00:00")
        self._run_cron("2024-05-11 05:00:00")
        self.assertEqual(len(self._activities(load)), 1)
        self.assertEqual(len(self._notes(load, "Closed to arrivals")), 1)
        # Reopened on Saturday, it waits for the next Friday: the old to-do goes, that Friday brings one.
        with freeze_time("2024-05-11 05:30:00"):
            load.action_reopen()
        self.assertFalse(self._activities(load))
        self._assert_due(load, "2024-05-17", "calendar")
        self._run_cron("2024-05-11 06:00:00")
        self.assertEqual(load.state, "open", "its first departure day has passed, but it was reopened after it")
        self._run_cron("2024-05-17 06:00:00")
        self.assertEqual((load.state, len(self._activities(load))), ("ready", 1))

    def test_a_load_closed_by_hand_is_still_told_to_leave(self):
        load = self._arrive(MONDAY, self._approved_return())
        load.with_user(self.clerk).action_ready()
        self._run_cron("2024-05-10 12:00:00")
        self.assertEqual(load.state, "ready")
        self.assertEqual(len(self._activities(load)), 1)
        self.assertTrue(self._notes(load, "Due to leave"))

    # ------------------------------------------------------------------ companies
    def test_a_load_of_another_company_is_handled_with_its_own_company(self):
        company_b = self.env["res.company"].create({"name": "Retours SARL", "country_id": self.env.ref("base.fr").id})
        warehouse_b = self.env["stock.warehouse"].search([("company_id", "=", company_b.id)], limit=1)
        manager_a = new_test_user(self.env, "release_manager_a", name="AAA Manager of A",
                                  groups="reverse_logistics.group_returns_manager")
        manager_b = new_test_user(self.env, "release_manager_b", name="AAB Manager of B",
                                  groups="reverse_logistics.group_returns_manager",
                                  company_id=company_b.id, company_ids=[Command.set(company_b.ids)])
        hub_b = self.env["return.hub"].with_company(company_b).create({
            "name": "Hub Lille", "company_id": company_b.id, "warehouse_id": warehouse_b.id,
            "release_kind": "every_n_days", "release_every_days": 1,
        })
        with flow_writes():
            load_b = self.env["return.consolidation"].create({"hub_id": hub_b.id, "warehouse_id": warehouse_b.id})
        load_a = self._arrive(fields.Datetime.now(), self._approved_return())
        # In a week both are due: hub Frankfurt's Friday and hub Lille's every day.
        self._run_cron(fields.Datetime.now() + datetime.timedelta(days=7))
        self.assertEqual((load_a.state, load_b.state), ("ready", "ready"))
        self.assertEqual(self._activities(load_a).user_id, self.responsible)
        self.assertEqual(self._activities(load_b).user_id, manager_b,
                         "hub Lille has no responsible: the first returns manager of its own company")
        self.assertNotEqual(self._activities(load_b).user_id, manager_a)
