# pylint: disable=consider-merging-classes-inherited
# return.consolidation is extended per business concept, one file each: here, when a load leaves its hub
#: the hub's release rule and waiting limit, applied at each arrival and by a daily job.
"""A load is due to leave on the hub's next calendar departure, but never later than its oldest return's
arrival plus the hub's maximum waiting time; a threshold (weight, volume, value, count) reached at an
arrival makes it due at once.

When a load is due it is closed to arrivals and the hub's responsible gets a "Ship load" activity. Nothing
here ships a load: a load leaves when a person confirms it did (``action_ship``).
"""

import datetime
import logging
from collections import defaultdict

import pytz

from odoo import api, fields, models
from odoo.tools import format_amount, format_date, formatLang

from ..returns_lib.consolidation import release as release_lib

_logger = logging.getLogger(__name__)

WAITING_LIMIT = "max_wait"
THRESHOLDS = (release_lib.BY_WEIGHT, release_lib.BY_VOLUME, release_lib.BY_VALUE, release_lib.BY_COUNT)
RELEASE_REASONS = [
    (release_lib.CALENDAR, "Hub Calendar"),
    (WAITING_LIMIT, "Waiting Limit"),
    (release_lib.BY_WEIGHT, "Weight Reached"),
    (release_lib.BY_VOLUME, "Volume Reached"),
    (release_lib.BY_VALUE, "Value Reached"),
    (release_lib.BY_COUNT, "Returns Count Reached"),
]
ACTIVITY_TYPE = "reverse_logistics.mail_activity_consolidation_release"


class ReturnHub(models.Model):
    _inherit = "return.hub"

    user_id = fields.Many2one(
        "res.users", "Responsible", check_company=True,
        domain=lambda self: [("share", "=", False),
                             ("groups_id", "in", self.env.ref("reverse_logistics.group_returns_user").ids)],
        help="Gets the to-do to ship a load when it is due to leave. Empty: the company's first returns manager.",
    )

    def _timezone(self):
        """The hub's own day decides when a load leaves, whoever (or whichever server) looks at it."""
        self.ensure_one()
        name = self.partner_id.tz or self.company_id.partner_id.tz or "UTC"
        return pytz.timezone(name)

    def _local_date(self, moment):
        self.ensure_one()
        return pytz.utc.localize(moment).astimezone(self._timezone()).date()

    def _today(self):
        """The hub's today: a hook for tests and for hubs that count days differently."""
        return self._local_date(fields.Datetime.now())

    def _release_responsible(self, creator=None):
        """Who is told to ship a due load: the hub's responsible, else the company's first returns manager.

        A manager before the load's creator: the creator is whoever scanned the load's first parcel, not
        someone accountable for the hub; the managers configure the hub and its rule.
        """
        self.ensure_one()
        if self.user_id.active:
            return self.user_id
        managers = self.env.ref("reverse_logistics.group_returns_manager").users.filtered(
            lambda user: not user.share and user.active and self.company_id in user.company_ids)
        creator = creator or self.env["res.users"]
        return managers[:1] or creator.filtered(lambda user: not user.share and user.active)


class ReturnConsolidation(models.Model):
    _name = "return.consolidation"
    _inherit = ["return.consolidation", "mail.activity.mixin"]

    date_first_arrival = fields.Datetime(
        "First Arrival", compute="_compute_date_first_arrival", store=True,
        help="When its oldest return arrived at the hub: it may wait there the hub's maximum waiting time.",
    )
    date_departure_planned = fields.Date(
        "Planned Departure", compute="_compute_departure", store=True, index=True,
        help="The hub's next departure day after the load opened, never later than its oldest return's "
        "arrival plus the hub's maximum waiting time; the day a threshold is reached if one is.",
    )
    departure_reason = fields.Selection(
        RELEASE_REASONS, "Departure Set By", compute="_compute_departure", store=True,
        help="What sets the planned departure: the hub's calendar, its waiting limit or a threshold.",
    )
    release_trigger = fields.Selection(
        RELEASE_REASONS, "Due Because", readonly=True, copy=False,
        help="Why the load was found due to leave and its responsible told to ship it.",
    )
    date_released = fields.Datetime("Due Since", readonly=True, copy=False)
    date_reopened = fields.Datetime(
        "Reopened On", readonly=True, copy=False,
        help="A load reopened after its departure day waits for the hub's next one (within the waiting limit).",
    )

    @api.depends("return_ids.date_hub_arrival")
    def _compute_date_first_arrival(self):
        for load in self:
            arrivals = [date for date in load.return_ids.mapped("date_hub_arrival") if date]
            load.date_first_arrival = min(arrivals, default=False)

    @api.depends("state", "date_first_arrival", "create_date", "release_trigger", "date_released", "date_reopened",
                 "hub_id.release_kind", "hub_id.release_every_days", "hub_id.release_anchor",
                 "hub_id.release_weekday", "hub_id.release_week_of_month", "hub_id.max_wait_days",
                 "hub_id.partner_id.tz", "hub_id.company_id.partner_id.tz")
    def _compute_departure(self):
        # A load that left keeps the plan it left with, whatever the hub's rule becomes.
        for load in self.filtered(lambda load: load.state in ("open", "ready") and load.hub_id):
            hub = load.hub_id
            if load.release_trigger in THRESHOLDS and load.date_released:
                load.date_departure_planned = hub._local_date(load.date_released)
                load.departure_reason = load.release_trigger
                continue
            opened_at = load.date_first_arrival or load.create_date
            opened = hub._local_date(opened_at) if opened_at else hub._today()
            # Reopened by a person: the next departure day from then on, the waiting limit still from the first
            # arrival (its returns have been waiting all along).
            reopened = hub._local_date(load.date_reopened) if load.date_reopened else opened
            by_calendar = hub._release_rule().next_release(max(opened, reopened))
            by_waiting = opened + datetime.timedelta(days=hub.max_wait_days)
            if by_waiting < by_calendar:
                load.date_departure_planned, load.departure_reason = by_waiting, WAITING_LIMIT
            else:
                load.date_departure_planned, load.departure_reason = by_calendar, release_lib.CALENDAR

    # ------------------------------------------------------------------
    # Thresholds, at each arrival
    # ------------------------------------------------------------------
    def _after_arrivals(self):
        """Hook called by ``_add_returns`` on the loads that just took returns: a load reaching one of its
        hub's thresholds is due to leave now."""
        by_trigger = defaultdict(lambda: self.browse())
        for load in self.filtered(lambda load: load.state == "open"):
            trigger = load.hub_id._release_rule().threshold_reached(
                load.weight, load.volume, load.value, load.return_count)
            if trigger:
                by_trigger[trigger] |= load
        for trigger, loads in by_trigger.items():
            loads._release(trigger)
        return True

    # ------------------------------------------------------------------
    # Calendar and waiting limit, every day
    # ------------------------------------------------------------------
    @api.model
    def _get_due_domain(self):
        # A hub east of UTC may be a day ahead: the exact day is checked per hub afterwards.
        latest = fields.Date.today() + datetime.timedelta(days=1)
        return [("state", "in", ("open", "ready")), ("release_trigger", "=", False),
                ("date_departure_planned", "<=", latest)]

    @api.model
    def _cron_release_loads(self):
        """Close every load due to leave today or earlier and tell its hub's responsible to ship it.

        Loads closed by hand before their day are not closed again, but their responsible is told too.
        A load is handled once (``release_trigger``): a second run the same day does nothing. Nothing is
        shipped: a load leaves when a person confirms it did.
        """
        candidates = self.search(self._get_due_domain(), order="company_id, id")
        today = {hub: hub._today() for hub in candidates.hub_id}
        due = candidates.filtered(lambda load: load.date_departure_planned <= today[load.hub_id])
        by_company = defaultdict(lambda: self.browse())
        for load in due:
            by_company[load.company_id] |= load
        for company, loads in by_company.items():
            # Each company's loads as that company: its managers, its language in the chatter and to-dos.
            loads = loads.with_company(company).with_context(lang=company.partner_id.lang or self.env.lang)
            try:
                with self.env.cr.savepoint():
                    loads._release_by_plan()
            except Exception:  # pylint: disable=broad-except
                # One company's failure must not keep the other companies' loads waiting.
                _logger.exception("Release of the due loads of company %s failed", company.id)
        self.env["ir.cron"]._notify_progress(done=len(due), remaining=0)
        return True

    def _release_by_plan(self):
        # The hub rows first, as arrivals take them: a parcel scanned now joins the load before it closes,
        # or the next one after, never a load closing under it.
        self.env.cr.execute("SELECT id FROM return_hub WHERE id IN %s FOR UPDATE", [tuple(self.hub_id.ids)],
                            log_exceptions=False)  # contention is retried by Odoo: no ERROR line
        for reason in (release_lib.CALENDAR, WAITING_LIMIT):
            loads = self.filtered(lambda load, reason=reason: load.departure_reason == reason)
            if loads:
                loads._release(reason)

    # ------------------------------------------------------------------
    # Releasing
    # ------------------------------------------------------------------
    def _release(self, trigger):
        """Close the loads to arrivals (those still open), say why in their chatter, and schedule one
        "Ship load" to-do each for their hub's responsible."""
        to_close = self.filtered(lambda load: load.state == "open")
        if to_close:
            to_close.action_ready()
        self._flow_write({"release_trigger": trigger, "date_released": fields.Datetime.now()})
        reasons = {load.id: load._release_explanation(trigger) for load in self}
        self._message_log_batch(bodies={
            load.id: (self.env._("Closed to arrivals: %s", reasons[load.id]) if load in to_close
                      else self.env._("Due to leave: %s", reasons[load.id]))
            for load in self
        })
        self._schedule_release_activity(trigger, reasons)

    def _release_explanation(self, trigger):
        self.ensure_one()
        hub = self.hub_id
        if trigger == release_lib.CALENDAR:
            return self.env._("%(date)s is a departure day of hub %(hub)s.",
                              date=format_date(self.env, self.date_departure_planned), hub=hub.name)
        if trigger == WAITING_LIMIT:
            return self.env._(
                "its first return arrived on %(arrival)s and waits %(days)s days at most at hub %(hub)s: "
                "it leaves on %(date)s, before the hub's next departure day.",
                arrival=format_date(self.env, hub._local_date(self.date_first_arrival or self.create_date)),
                days=hub.max_wait_days, hub=hub.name, date=format_date(self.env, self.date_departure_planned))
        reached, limit = {
            release_lib.BY_WEIGHT: (
                f"{formatLang(self.env, self.weight)} kg", f"{formatLang(self.env, hub.threshold_weight)} kg"),
            release_lib.BY_VOLUME: (
                f"{formatLang(self.env, self.volume, digits=3)} m³",
                f"{formatLang(self.env, hub.threshold_volume, digits=3)} m³"),
            release_lib.BY_VALUE: (format_amount(self.env, self.value, self.currency_id),
                                   format_amount(self.env, hub.threshold_value, self.currency_id)),
            release_lib.BY_COUNT: (str(self.return_count), str(hub.threshold_count)),
        }[trigger]
        label = dict(self._fields["release_trigger"]._description_selection(self.env))[trigger]
        return self.env._("%(threshold)s: the load holds %(reached)s, hub %(hub)s lets a load leave at %(limit)s.",
                          threshold=label, reached=reached, hub=hub.name, limit=limit)

    def _release_summary(self, trigger):
        self.ensure_one()
        if trigger == release_lib.CALENDAR:
            return self.env._("Ship load %s: departure day", self.name)
        if trigger == WAITING_LIMIT:
            return self.env._("Ship load %s: waiting limit reached", self.name)
        return self.env._("Ship load %s: threshold reached", self.name)

    def _schedule_release_activity(self, trigger, reasons):
        activity_type = self.env.ref(ACTIVITY_TYPE, raise_if_not_found=False)
        model_id = self.env["ir.model"]._get_id(self._name)
        values = []
        for load in self:
            user = load.hub_id._release_responsible(creator=load.create_uid) or self.env.user
            values.append({
                "res_model_id": model_id,
                "res_id": load.id,
                "activity_type_id": activity_type.id if activity_type else False,
                "summary": load._release_summary(trigger),
                "note": reasons[load.id],
                "user_id": user.id,
                "date_deadline": load.date_departure_planned or load.hub_id._today(),
                "automated": True,
            })
        # sudo: the to-do is the hub's, not the clerk's who scanned the parcel that filled the load: it is
        # created and its assignee notified whoever triggered it (a clerk without an e-mail address of their
        # own would make the notification fail).
        self.env["mail.activity"].sudo().create(values)

    # ------------------------------------------------------------------
    # The to-do follows the load
    # ------------------------------------------------------------------
    def action_reopen(self):
        result = super().action_reopen()
        # Open again: it is due when the rule says so anew, and the old to-do is void.
        self._flow_write({"release_trigger": False, "date_released": False, "date_reopened": fields.Datetime.now()})
        self.activity_unlink([ACTIVITY_TYPE])
        return result

    def _after_ship(self):
        result = super()._after_ship()
        # sudo: marking the to-do done posts in the chatter as the shipping clerk, who may have no e-mail
        # address of their own; shipping must not fail on that.
        self.sudo().activity_feedback([ACTIVITY_TYPE], feedback=self.env._("Shipped."))
        return result
