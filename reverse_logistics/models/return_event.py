from odoo import api, fields, models
from odoo.exceptions import UserError

EVENT_TYPES = [
    ("requested", "Requested"),
    ("approved", "Approved"),
    ("refused", "Refused"),
    ("cancelled", "Cancelled"),
    ("label_issued", "Label Issued"),
    ("picked_up", "Picked Up"),
    ("in_transit", "In Transit"),
    ("arrived_hub", "Arrived at Hub"),
    ("off_route", "Off Route"),
    ("delivered", "Delivered to Warehouse"),
    ("carrier_exception", "Carrier Exception"),
    ("customs", "Customs"),
    ("received", "Received"),
    ("inspected", "Inspected"),
    ("disposition_decided", "Disposition Decided"),
    ("moved", "Moved"),
    ("repaired", "Repaired"),
    ("listed", "Listed"),
    ("sold", "Sold"),
    ("returned_to_vendor", "Returned to Vendor"),
    ("donated", "Donated"),
    ("recycled", "Recycled"),
    ("destroyed", "Destroyed"),
]

EVENT_SOURCES = [
    ("user", "User"),
    ("portal", "Customer"),
    ("carrier", "Carrier"),
    ("customs", "Customs Gateway"),
    ("system", "System"),
]

# What the customer may see on the tracking page: where the parcel is and what became of the
# request. What the company does with the goods afterwards (grades, dispositions, repairs,
# resale) is internal.
PUBLIC_EVENT_TYPES = frozenset({
    "requested", "approved", "refused", "cancelled", "label_issued", "picked_up", "in_transit",
    "arrived_hub", "delivered", "carrier_exception", "customs", "received", "inspected",
})


class ReturnEvent(models.Model):
    """One thing that happened to a return, a line or a serial: the traceability log.

    Events are written by the flows themselves (approval, receipt, customs notifications,
    carrier webhooks, inspection, disposition...) through :meth:`_record`, never by hand:
    users have read access only, and events cannot be changed afterwards.
    """

    _name = "return.event"
    _description = "Return Traceability Event"
    _order = "date desc, id desc"
    _rec_name = "event_type"

    order_id = fields.Many2one("return.order", "Return", required=True, ondelete="cascade", index=True, readonly=True)
    line_id = fields.Many2one("return.order.line", "Return Line", ondelete="cascade", index="btree_not_null",
                              readonly=True)
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="order_id.partner_id", string="Customer")
    product_id = fields.Many2one("product.product", readonly=True, index="btree_not_null")
    lot_id = fields.Many2one("stock.lot", "Lot/Serial Number", readonly=True, index="btree_not_null")
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True, index=True)
    event_type = fields.Selection(EVENT_TYPES, "Event", required=True, readonly=True, index=True)
    description = fields.Char(readonly=True)
    place = fields.Char(readonly=True, help="Where it happened, as the carrier or customs reported it.")
    location_id = fields.Many2one(
        "stock.location", readonly=True, help="Stock location, for events in a warehouse.", groups="base.group_user"
    )
    grade_id = fields.Many2one("return.grade", readonly=True, groups="base.group_user")
    user_id = fields.Many2one(
        "res.users", "Actor", readonly=True, default=lambda self: self.env.user, groups="base.group_user"
    )
    source = fields.Selection(EVENT_SOURCES, required=True, default="user", readonly=True, index=True)
    public = fields.Boolean(
        "Shown to Customer", readonly=True, help="Public events appear on the customer's tracking page."
    )
    carrier_id = fields.Many2one("delivery.carrier", readonly=True, index="btree_not_null")
    external_ref = fields.Char(
        "External Event ID", readonly=True, help="The carrier's own identifier of the event; a replay is ignored.",
        groups="base.group_user"
    )
    res_model = fields.Char("Document Model", readonly=True, groups="base.group_user")
    res_id = fields.Many2oneReference("Document", model_field="res_model", readonly=True, groups="base.group_user")

    _sql_constraints = [
        (
            "carrier_event_uniq",
            "unique(carrier_id, external_ref)",
            "This carrier event was recorded already.",
        ),
    ]

    @api.model
    def _record(self, vals_list):
        """Write events. The only way events come to be.

        sudo: events are the system's record of what happened, written on behalf of whoever
        triggered the flow (a portal customer, a carrier, the customs cron); users themselves
        may only read them. The public flag follows the event type unless given.
        """
        if not vals_list:
            return self.browse()
        for vals in vals_list:
            vals.setdefault("public", vals["event_type"] in PUBLIC_EVENT_TYPES)
            if "user_id" not in vals:
                # Carriers and customs act on their own: no user of ours is the actor.
                external = vals.get("source") in ("carrier", "customs")
                vals["user_id"] = False if external else self.env.user.id
        return self.sudo().with_context(_return_event_writer=True).create(vals_list).sudo(False)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("_return_event_writer"):
            raise UserError(self.env._("Traceability events are written by the flows, not by hand."))
        return super().create(vals_list)

    def write(self, vals):  # pylint: disable=method-required-super
        # Nothing may change an event, so there is nothing to hand over to the ORM.
        raise UserError(self.env._("Traceability events record what happened: they cannot be changed."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Traceability events record what happened: they cannot be deleted."))

    def action_open_document(self):
        self.ensure_one()
        if not self.res_model or not self.res_id:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
