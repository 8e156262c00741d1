# pylint: disable=consider-merging-classes-inherited
"""Inspect and grade at the hub: the hub's service level "Inspect and Grade".

A return routed to such a hub is received there: its receipt into the hub's location is its receipt
(received quantities, inspections, credits on receipt follow it as at a warehouse), and the hub's team
inspects and grades its units. What becomes of each unit is decided at the hub:

- resold locally, recycled or destroyed: carried out at the hub, into its own resale and recycling
  locations or its scrap. Those units never cross the border: no load, no declaration, no freight.
- restocked, refurbished, returned to the vendor or donated: the unit travels home. It joins the hub's
  open load (the return joins it the first time one of its units does), leaves with it, and its
  disposition is carried out when the load is received at the warehouse, from the Returns location.

The load, its manifest and its customs declaration count only the units travelling in it
(``return.order.line._load_quantity``).
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..returns_lib import disposition as disposition_lib

# Carried out at the hub, where the unit is: these never cross the border.
HUB_LOCAL_DISPOSITIONS = (disposition_lib.RESELL, disposition_lib.RECYCLE, disposition_lib.DESTROY)
HUB_GRADING = "inspect"


class ReturnHub(models.Model):
    _inherit = "return.hub"

    resale_location_id = fields.Many2one(
        "stock.location", "Local Resale Location", compute="_compute_grading_locations", store=True, readonly=False,
        precompute=True, check_company=True, domain="[('usage', '=', 'internal')]",
        help="Inspect and Grade: where units resold locally wait for their buyer, at the hub.",
    )
    recycling_location_id = fields.Many2one(
        "stock.location", "Local Recycling Location", compute="_compute_grading_locations", store=True,
        readonly=False, precompute=True, check_company=True, domain="[('usage', '=', 'internal')]",
        help="Inspect and Grade: where units to recycle wait for the local recycler, at the hub.",
    )

    def _grading_locations(self):
        """Where a unit graded at the hub may be while it is there."""
        self.ensure_one()
        return self.location_id | self.resale_location_id | self.recycling_location_id

    @api.depends("warehouse_id")
    def _compute_grading_locations(self):
        for hub in self.filtered("warehouse_id"):
            hub.resale_location_id = hub.warehouse_id.secondary_market_location_id
            hub.recycling_location_id = hub.warehouse_id.recycling_location_id

    @api.constrains("service_level", "resale_location_id", "recycling_location_id")
    def _check_grading_locations(self):
        for hub in self.filtered(lambda h: h.service_level == HUB_GRADING):
            if not (hub.resale_location_id and hub.recycling_location_id):
                raise ValidationError(self.env._(
                    "Hub %s inspects and grades: give it a local resale location and a local recycling location "
                    "(the units resold or recycled there never leave the hub).", hub.name))


class ReturnOrder(models.Model):
    _inherit = "return.order"

    graded_at_hub = fields.Boolean(
        "Graded at Hub", compute="_compute_graded_at_hub", store=True, groups="base.group_user",
        help="Its hub inspects and grades: the return is received there, and only the units whose disposition "
        "is at home (restock, refurbish, vendor, donation) travel in a load.",
    )

    # Only the routing decides: a hub changing its service level later does not change returns on their way.
    @api.depends("hub_id")
    def _compute_graded_at_hub(self):
        for order in self:
            order.graded_at_hub = order.hub_id.service_level == HUB_GRADING

    def _hub_receipts(self):
        # A graded return's receipt is no hub leg: it is the receipt itself, into the hub.
        return super(ReturnOrder, self.filtered(lambda order: not order.graded_at_hub))._hub_receipts()

    def action_arrived_at_hub(self):
        graded = self.filtered("graded_at_hub")
        if graded:
            graded._arrive_for_grading()
        rest = self - graded
        if rest:
            return super(ReturnOrder, rest).action_arrived_at_hub()
        return True

    def _arrive_for_grading(self):
        """Received at the hub: inspections wait there; the return joins a load when a unit must travel."""
        self._lock_for_processing()
        arrived = self.filtered("date_hub_arrival")
        if arrived:
            raise UserError(self.env._(
                "%s arrived at its hub already.", ", ".join(arrived.mapped("name"))))
        self.with_context(return_hub_grading_arrival=True).action_receive()
        self._flow_write({"date_hub_arrival": fields.Datetime.now()})
        for hub, orders in self.grouped("hub_id").items():
            orders._log_event("arrived_hub", place=hub.name, location_id=hub.location_id.id,
                              description=self.env._("Received at hub %s to be inspected and graded there.", hub.name))
        return True

    def action_receive(self):
        if not self.env.context.get("return_hub_grading_arrival"):
            graded = self.filtered(lambda order: order.graded_at_hub and not order.date_hub_arrival)
            if graded:
                raise UserError(self.env._(
                    "%(returns)s is received at hub %(hubs)s, which inspects and grades it: mark it as arrived at "
                    "the hub.", returns=", ".join(graded.mapped("name")), hubs=", ".join(graded.hub_id.mapped("name"))))
        return super().action_receive()


class ReturnOrderLine(models.Model):
    _inherit = "return.order.line"

    def _prepare_receipt_move_values(self):
        values = super()._prepare_receipt_move_values()
        # Received at the hub: the move into the hub is the line's receipt, not a leg on the way to it.
        for vals in values:
            line = self.browse(vals.get("return_hub_line_id"))
            if line and line.order_id.graded_at_hub:
                vals.update({"return_line_id": line.id, "return_hub_line_id": False})
        return values

    def _load_quantity(self):
        """The quantity of the line a load carries: all of it, or at a grading hub its travelling units."""
        self.ensure_one()
        if not self.order_id.graded_at_hub:
            return self.product_uom_qty
        return sum(self.disposition_ids.filtered("via_load").mapped("quantity"))

    def _units_for_load(self):
        graded = self.filtered(lambda line: line.order_id.graded_at_hub)
        units = super(ReturnOrderLine, self - graded)._units_for_load()
        hub_locations = graded.order_id.hub_id.location_id
        for disposition in graded.disposition_ids.filtered(
            lambda d: d.via_load and d.state == "in_progress" and d.location_id in hub_locations
        ):
            units[disposition.line_id].append((disposition.lot_id, disposition.location_id, disposition.quantity))
        return units


class ReturnDisposition(models.Model):
    _inherit = "return.disposition"

    via_load = fields.Boolean(
        "Travels with a Load", readonly=True, copy=False,
        help="Decided at a grading hub for a disposition done at home: the unit crossed with the hub's load, and "
        "its disposition was carried out once the load was received.",
    )

    def _at_grading_hub(self):
        self.ensure_one()
        order = self.order_id
        return order.graded_at_hub and self.location_id in order.hub_id._grading_locations()

    def _quarantine_location(self):
        if self._at_grading_hub():
            # Held where it is: a unit travels home from the hub's receiving location only, and a partner's
            # site has no quarantine of ours; the hold itself (state and reason) keeps anyone from deciding.
            return self.location_id
        return super()._quarantine_location()

    def _internal_picking_type(self):
        if self._at_grading_hub():
            # At a partner's site there is no operation type of ours: the destination warehouse's internal
            # type records the moves, as it does the load's departure.
            return self.order_id.hub_id.warehouse_id.int_type_id or super()._internal_picking_type()
        return super()._internal_picking_type()

    def _destination(self, code):
        if self._at_grading_hub() and code in HUB_LOCAL_DISPOSITIONS:
            hub = self.order_id.hub_id
            return {
                disposition_lib.RESELL: hub.resale_location_id,
                disposition_lib.RECYCLE: hub.recycling_location_id,
            }.get(code)
        return super()._destination(code)

    def _check_executable(self, chosen):
        late = self.filtered(
            lambda d: d._at_grading_hub() and chosen[d].code not in HUB_LOCAL_DISPOSITIONS
            and d.order_id.consolidation_id.state in ("shipped", "received")
        )
        if late:
            raise UserError(self.env._(
                "%(units)s: the load %(loads)s of its return has left the hub already, so it cannot travel home "
                "any more. Resell, recycle or destroy it at the hub, or hold it.",
                units=", ".join(late.mapped("display_name")),
                loads=", ".join(late.order_id.consolidation_id.mapped("name"))))
        return super()._check_executable(chosen)

    def _execute(self):
        at_hub = self.filtered(lambda d: d._at_grading_hub())
        travelling = at_hub.filtered(lambda d: d.disposition_code not in HUB_LOCAL_DISPOSITIONS)
        if travelling:
            travelling._flow_write({"state": "in_progress", "via_load": True})
            joining = travelling.order_id.filtered(lambda order: not order.consolidation_id)
            if joining:
                self.env["return.consolidation"]._add_returns(joining)
        local = at_hub - travelling
        if local:
            local._move_or_scrap_at_hub()
        return super(ReturnDisposition, self - at_hub)._execute()

    def _move_or_scrap_at_hub(self):
        destroy = self.filtered(lambda d: d.disposition_code == disposition_lib.DESTROY)
        if destroy:
            destroy._scrap()
        moved = self - destroy
        if moved:
            pickings = moved._create_transfers(
                lambda d: d._destination(d.disposition_code), lambda d: d._internal_picking_type()
            )
            moved._flow_write({"state": "in_progress"})
            pickings.with_context(skip_backorder=True, cancel_backorder=True, skip_sms=True).button_validate()

    def _after_load_received(self, loads):
        """The units of ``loads`` are in their warehouse's Returns location: their dispositions go on there."""
        waiting = self.filtered(
            lambda d: d.via_load and d.state == "in_progress" and d.order_id.consolidation_id in loads)
        by_location = defaultdict(lambda: self.browse())
        for disposition in waiting:
            by_location[disposition.warehouse_id.return_location_id] |= disposition
        for location, dispositions in by_location.items():
            dispositions._flow_write({"location_id": location.id, "state": "decided"})
        if waiting:
            waiting._log("moved", describe=lambda d: self.env._(
                "Crossed with load %(load)s to %(place)s", load=d.order_id.consolidation_id.name,
                place=d.location_id.display_name))
            waiting._execute()
        return waiting


class ReturnConsolidation(models.Model):
    _inherit = "return.consolidation"

    def _returns_via_hub_stock(self):
        return super()._returns_via_hub_stock() | self.return_ids.filtered("graded_at_hub")

    def _returns_not_at_hub(self, returns):
        # A graded return is at the hub once received there: its travelling units are what the load takes.
        return super()._returns_not_at_hub(returns.filtered(lambda order: not order.graded_at_hub))

    def _prepare_receive_picking_values(self, ship_picking):
        values = super()._prepare_receive_picking_values(ship_picking)
        # A graded unit was received at the hub: arriving home is one more leg of it, not a second receipt.
        for command in values["move_ids"]:
            move_values = command[2]
            line = self.env["return.order.line"].browse(move_values.get("return_line_id"))
            if line and line.order_id.graded_at_hub:
                move_values.update({"return_line_id": False, "return_hub_line_id": line.id})
        return values

    def _receive_hub_transfers(self):
        result = super()._receive_hub_transfers()
        self.return_ids.filtered("graded_at_hub").disposition_ids._after_load_received(self)
        return result
