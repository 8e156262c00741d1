# pylint: disable=consider-merging-classes-inherited
"""The hub leg in stock: the units of a return routed through a hub really sit at the hub.

A routed return's receipt brings its parcel from the customer to the hub's receiving location; "Arrived
at Hub" validates it. The units wait there, in stock, until their load leaves: one transfer per load
takes them to the company's inter-warehouse transit location, and one more brings them into the
destination warehouse's Returns location when the load arrives.

Only that last move counts as the return's receipt (``stock.move.return_line_id``): it is what a
direct return's receipt is, units at their warehouse, so that received quantities, inspections,
traceability events, credits on receipt and the "received" state follow it as for a direct return.
The legs before it carry ``return_hub_line_id`` instead: the receipt at the hub keeps what Odoo knows
of a customer return (the delivery it returns, the sale line whose delivered quantity goes down), and
units at a hub are neither received nor counted twice as returned.
"""

from collections import defaultdict

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .return_states import RECEIVABLE_STATES

# Validating a transfer of the flow asks nothing back: quantities and lots are set, nothing is left behind.
VALIDATE_CONTEXT = {"skip_backorder": True, "cancel_backorder": True, "skip_sms": True}


class StockMove(models.Model):
    _inherit = "stock.move"

    return_hub_line_id = fields.Many2one(
        "return.order.line", "Return Line (Hub Leg)", index="btree_not_null", copy=False, readonly=True,
        help="A unit of this return line on its way through a return hub: to the hub, or from it to transit.",
    )

    def _prepare_merge_moves_distinct_fields(self):
        return [*super()._prepare_merge_moves_distinct_fields(), "return_hub_line_id"]

    def _prepare_move_split_vals(self, qty):
        vals = super()._prepare_move_split_vals(qty)
        if self.return_hub_line_id:
            vals["return_hub_line_id"] = self.return_hub_line_id.id
        return vals

    def _set_hub_leg_lines(self, units, picked=True):
        """Replace the move lines of each move by ``units[move]``: [(lot, source location, quantity in the
        product's unit)], ``picked`` for a transfer about to be validated.

        The units of a return are the ones the previous leg brought, lots included: nothing is left to
        the reservation strategy, which could pick another serial of the same product.
        """
        self.move_line_ids.unlink()
        values = []
        for move in self:
            for lot, location, quantity in units[move]:
                values.append({
                    **move._prepare_move_line_vals(quantity=quantity),
                    "lot_id": lot.id,
                    "location_id": location.id,
                })
        self.env["stock.move.line"].create(values)
        self.picked = picked


class StockPicking(models.Model):
    _inherit = "stock.picking"

    return_consolidation_id = fields.Many2one(
        "return.consolidation", "Return Load", index="btree_not_null", copy=False, readonly=True,
        check_company=True, groups="base.group_user",
        help="The load of a return hub this transfer takes to transit or into its warehouse.",
    )


class ReturnOrderLine(models.Model):
    _inherit = "return.order.line"

    hub_move_ids = fields.One2many(
        "stock.move", "return_hub_line_id", "Hub Moves", readonly=True, groups="base.group_user"
    )

    def _prepare_receipt_move_values(self):
        values = super()._prepare_receipt_move_values()
        for vals in values:
            line = self.browse(vals["return_line_id"])
            hub = line.order_id.hub_id
            if hub:
                vals.update({
                    "location_dest_id": hub.location_id.id,
                    "return_line_id": False,
                    "return_hub_line_id": line.id,
                })
        return values

    def _hub_arrival_moves(self):
        """The receipt moves that brought (or bring) the lines' units from the customer to the hub."""
        return self.hub_move_ids.filtered(lambda move: not move.picking_id.return_consolidation_id)

    def _units_at_hub(self):
        """{line: [(lot, location, quantity in the product's unit)]} of the units the receipt brought to the hub."""
        units = defaultdict(list)
        for move in self._hub_arrival_moves().filtered(lambda m: m.state == "done"):
            for move_line in move.move_line_ids:
                units[move.return_hub_line_id].append(
                    (move_line.lot_id, move_line.location_dest_id, move_line.quantity_product_uom)
                )
        return units

    def _units_for_load(self):
        """{line: [(lot, location, quantity)]} of the units that leave the hub with the line's load."""
        return self._units_at_hub()


class ReturnOrder(models.Model):
    _inherit = "return.order"

    # ------------------------------------------------------------------
    # Receipt at the hub
    # ------------------------------------------------------------------
    def _prepare_receipt_picking_values(self):
        values = super()._prepare_receipt_picking_values()
        hub = self.hub_id
        if hub:
            values["location_dest_id"] = hub.location_id.id
            # The hub's own Returns operation type where the hub is a warehouse of the company, so that
            # its team finds the parcels it expects; a partner's site has none: the warehouse's stays.
            if hub.warehouse_id.return_type_id:
                values["picking_type_id"] = hub.warehouse_id.return_type_id.id
        return values

    def _create_receipts(self):
        pickings = super()._create_receipts()
        # The announced lots, as on a direct receipt (stock.picking._assign_announced_lots reads return_line_id).
        announced = pickings.move_ids.filtered(
            lambda m: m.return_hub_line_id.lot_id and m.has_tracking != "none"
        )
        if announced:
            announced._set_hub_leg_lines({
                move: [(move.return_hub_line_id.lot_id, move.location_id, move.product_uom_qty)]
                for move in announced
            }, picked=False)
        return pickings

    def _hub_receipts(self):
        # Only a routed return has hub legs: the others (most of a batch) are not read move by move.
        # A receipt cancelled when the route planner sent the return direct is no hub leg any more.
        return self.filtered("hub_id").picking_ids.filtered(
            lambda picking: picking.state != "cancel" and picking.move_ids.return_hub_line_id)

    def _after_route_change(self):
        """The parcel goes elsewhere now: its expected receipt is replaced by one to the new destination."""
        pending = self.picking_ids.filtered(lambda picking: picking.state not in ("done", "cancel"))
        pending.action_cancel()
        self.filtered(lambda order: order.id in pending.return_order_id.ids)._create_receipts()
        return super()._after_route_change()

    def _check_hub_receipts_ready(self):
        """Every unit expected at the hub has its lot or serial: checked before anything is written."""
        pickings = self._hub_receipts().filtered(lambda p: p.state not in ("done", "cancel"))
        for move in pickings.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
            if move.has_tracking != "none" and not move.move_line_ids.lot_id and not move.move_line_ids.lot_name:
                raise UserError(self.env._(
                    "Enter the lot or serial number of %(product)s received at the hub on %(picking)s.",
                    product=move.product_id.display_name, picking=move.picking_id.name,
                ))

    def action_arrived_at_hub(self):
        """The parcels are at their hub: their receipts into the hub's location are validated too."""
        self._check_hub_receipts_ready()
        result = super().action_arrived_at_hub()
        self._validate_hub_receipts()
        return result

    def _validate_hub_receipts(self):
        """Validate the receipts into the hub as announced, as ``action_receive`` does a direct return's: they
        are hub legs, so the returns stay expected at their warehouse."""
        pickings = self._hub_receipts().filtered(lambda p: p.state not in ("done", "cancel"))
        if not pickings:
            return
        for move in pickings.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
            move.quantity = move.product_uom_qty
        pickings.move_ids.picked = True
        pickings.with_context(**VALIDATE_CONTEXT).button_validate()

    def _update_receipt_state(self):
        # Units at a hub or in transit are not at their warehouse: such a return is received when every
        # unit that reached the hub reached the warehouse too (the load's transfer into it).
        on_their_way = self.filtered(lambda order: order.hub_id and order._units_short_of_warehouse())
        return super(ReturnOrder, self - on_their_way)._update_receipt_state()

    def _units_short_of_warehouse(self):
        self.ensure_one()
        at_hub = self.line_ids._units_at_hub()
        for line in self.line_ids:
            hub_qty = sum(quantity for _lot, _location, quantity in at_hub.get(line, ()))
            if float_compare(hub_qty, line.qty_received, precision_rounding=line.product_id.uom_id.rounding) > 0:
                return True
        return False

    def action_receive(self):
        if not self:
            # A load receiving its returns asks the ones still expected: there may be none left.
            return True
        via_hub = self.filtered(lambda order: order._hub_receipts())
        if via_hub:
            raise UserError(self.env._(
                "%(returns)s travel through hub %(hubs)s: mark them as arrived at the hub; they are received "
                "at their warehouse with their load.",
                returns=", ".join(via_hub.mapped("name")), hubs=", ".join(via_hub.hub_id.mapped("name")),
            ))
        return super().action_receive()

    def action_receive_off_route(self):
        """The parcel of a return routed through a hub reached its warehouse anyway (the customer ignored the
        label): receive it where it is. Its expected receipt at the hub is cancelled, it leaves the hub's route
        (and its load, which never had its units) as its parcel direct, and the deviation is on the return's
        chatter, its events and its route."""
        self._lock_for_processing()
        self._check_state(RECEIVABLE_STATES, self.env._("Cannot receive %(returns)s off route: it is %(state)s."))
        direct = self.filtered(lambda order: not order.hub_id)
        if direct:
            raise UserError(self.env._(
                "%(returns)s does not go through a return hub: receive it as usual.",
                returns=", ".join(direct.mapped("name"))))
        at_hub = self.filtered(lambda order: order.line_ids._hub_arrival_moves().filtered(
            lambda move: move.state == "done"))
        if at_hub:
            raise UserError(self.env._(
                "%(returns)s arrived at its hub already: its units are in stock there and leave with its load.",
                returns=", ".join(at_hub.mapped("name"))))
        hubs = {order.id: order.hub_id for order in self}
        loads = {order.id: order.consolidation_id for order in self}
        self._hub_receipts().filtered(lambda picking: picking.state not in ("done", "cancel")).action_cancel()
        notes = {
            order.id: self.env._(
                "Received at warehouse %(warehouse)s off its route: routed through hub %(hub)s, its parcel came "
                "direct.", warehouse=order.warehouse_id.name, hub=hubs[order.id].name)
            for order in self
        }
        for order in self:
            # Its parcel went direct: its figures are its direct parcel's, and its reason says why.
            order._flow_write({
                "hub_id": False, "consolidation_id": False, "date_hub_arrival": False,
                "route_cost": order.baseline_cost, "route_co2e_kg": order.baseline_co2e_kg,
                "route_declarations": order.baseline_declarations,
                "route_reason": "\n".join(filter(None, [notes[order.id], order.route_reason])),
            })
        self._message_log_batch(bodies=notes)
        self.env["return.event"]._record([
            {"order_id": order.id, "event_type": "off_route", "place": order.warehouse_id.name,
             "description": notes[order.id], "res_model": "return.hub", "res_id": hubs[order.id].id}
            for order in self
        ])
        left = self.env["return.consolidation"].union(*loads.values())
        for load in left:
            load.message_post(body=self.env._(
                "%(returns)s left the load: received at the warehouse off its route.",
                returns=", ".join(order.name for order in self if loads[order.id] == load)))
        self._create_receipts()
        return self.action_receive()

    def action_cancel(self):
        at_hub = self.filtered(
            lambda order: order.consolidation_id
            or order._hub_receipts().filtered(lambda picking: picking.state == "done")
        )
        if at_hub:
            raise UserError(self.env._(
                "%s arrived at its hub: its goods are in stock there and leave with its load. Receive it at its "
                "warehouse, then decide what becomes of them.", ", ".join(at_hub.mapped("name"))))
        return super().action_cancel()


class ReturnConsolidation(models.Model):
    _inherit = "return.consolidation"

    picking_ids = fields.One2many(
        "stock.picking", "return_consolidation_id", "Transfers", readonly=True, groups="base.group_user"
    )
    picking_count = fields.Integer("Transfers Count", compute="_compute_picking_count", groups="base.group_user")

    def _compute_picking_count(self):
        counts = dict(self.env["stock.picking"]._read_group(
            [("return_consolidation_id", "in", self.ids)], ["return_consolidation_id"], ["__count"]))
        for load in self:
            load.picking_count = counts.get(load, 0)

    def action_view_transfers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.action_picking_tree_all")
        action["domain"] = [("return_consolidation_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------
    # Leaving the hub
    # ------------------------------------------------------------------
    def _transit_location(self):
        self.ensure_one()
        transit = self.company_id.internal_transit_location_id
        if not transit:
            raise UserError(self.env._(
                "Company %s has no inter-warehouse transit location: a load cannot leave its hub without one.",
                self.company_id.name))
        if not transit.active:
            # sudo: Odoo creates the company's transit location archived and unarchives it as soon as goods
            # move between its warehouses (stock.warehouse.create_resupply_routes); shipping a load is such
            # a move, whoever ships it.
            transit.sudo().active = True
        return transit

    def _ship_picking_type(self):
        """The operation type of the transfer from the hub to transit.

        Odoo's own inter-warehouse resupply delivers from the supplying warehouse to transit with that
        warehouse's delivery type: a hub run in a warehouse of the company does the same, so the load is
        in the hub's queue of goods to ship, with its delivery slip. A partner's site (a 3PL) has no
        operation types of ours: the destination warehouse's internal type records the transfer, the
        warehouse being the only one of ours concerned.
        """
        self.ensure_one()
        return self.hub_id.warehouse_id.out_type_id or self.warehouse_id.int_type_id

    def _receive_picking_type(self):
        """The destination's Returns operation type: a load is received where and as direct returns are."""
        self.ensure_one()
        picking_type = self.warehouse_id.return_type_id
        if not picking_type or not self.warehouse_id.return_location_id:
            raise UserError(self.env._(
                "Warehouse %s has no Returns location or operation type. Open the warehouse and save it to "
                "create them.", self.warehouse_id.name))
        return picking_type

    def _returns_via_hub_stock(self):
        """The returns of the loads whose receipt goes to the hub (returns routed before the hub leg was
        kept in stock go straight to their warehouse, as they did then)."""
        return self.return_ids.filtered(lambda order: order._hub_receipts())

    def _returns_not_at_hub(self, returns):
        """The ones of ``returns`` whose parcel has not been received at the hub yet."""
        return returns.filtered(
            lambda order: order._hub_receipts().filtered(lambda p: p.state not in ("done", "cancel"))
            or not order.line_ids._hub_arrival_moves().filtered(lambda m: m.state == "done")
        )

    def _check_units_at_hub(self):
        """Every unit of the loads is at its hub, in stock, as its receipt there left it."""
        returns = self._returns_via_hub_stock()
        pending = self._returns_not_at_hub(returns)
        if pending:
            raise UserError(self.env._(
                "%s has not arrived at its hub: validate its receipt there (Arrived at Hub) before the load leaves.",
                ", ".join(pending.mapped("name"))))
        units = returns.line_ids._units_for_load()
        needed = defaultdict(float)
        for line, rows in units.items():
            for lot, location, quantity in rows:
                needed[(line.product_id, location, lot)] += quantity
        quants = self.env["stock.quant"]._read_group(
            [("product_id", "in", returns.line_ids.product_id.ids),
             ("location_id", "in", [location.id for _product, location, _lot in needed])],
            ["product_id", "location_id", "lot_id"], ["quantity:sum"],
        )
        in_stock = {(product, location, lot): quantity for product, location, lot, quantity in quants}
        missing = []
        for key, quantity in needed.items():
            if float_compare(in_stock.get(key, 0.0), quantity, precision_rounding=key[0].uom_id.rounding) >= 0:
                continue
            # Formatted before the call: Odoo's term extractor cannot read an f-string inside _().
            short, lot = f"{quantity - in_stock.get(key, 0.0):g}", f" ({key[2].name})" if key[2] else ""
            missing.append(self.env._("%(quantity)s %(product)s%(lot)s in %(location)s", quantity=short,
                                      product=key[0].display_name, lot=lot, location=key[1].display_name))
        if missing:
            raise UserError(self.env._(
                "%(loads)s cannot leave: these units are no longer at the hub:\n%(units)s",
                loads=", ".join(self.mapped("name")), units="\n".join(missing)))
        return units

    def action_ship(self):
        """The load leaves the hub: its units move to transit, and the warehouse expects them."""
        self._lock()
        self._check_load_state(("open", "ready"), self.env._("Cannot ship %(loads)s: it is %(state)s."))
        units = self._check_units_at_hub()
        if units:
            for load in self:
                load._transit_location()
                load._receive_picking_type()
        result = super().action_ship()
        if units:
            self._create_hub_transfers(units)
        return result

    def _prepare_ship_picking_values(self, units):
        self.ensure_one()
        transit = self._transit_location()
        source = self.hub_id.location_id
        return {
            "picking_type_id": self._ship_picking_type().id,
            "partner_id": self.warehouse_id.partner_id.id or self.company_id.partner_id.id,
            "origin": self.name,
            "return_consolidation_id": self.id,
            "location_id": source.id,
            "location_dest_id": transit.id,
            "company_id": self.company_id.id,
            "move_ids": [
                Command.create({
                    "name": f"{self.name}: {line.order_id.name}: {line.product_id.display_name}",
                    "product_id": line.product_id.id,
                    "product_uom": line.product_id.uom_id.id,
                    "product_uom_qty": sum(quantity for _lot, _location, quantity in units[line]),
                    "location_id": source.id,
                    "location_dest_id": transit.id,
                    "company_id": self.company_id.id,
                    "return_hub_line_id": line.id,
                })
                for line in self.return_ids.line_ids if units.get(line)
            ],
        }

    def _prepare_receive_picking_values(self, ship_picking):
        self.ensure_one()
        transit, destination = ship_picking.location_dest_id, self.warehouse_id.return_location_id
        return {
            "picking_type_id": self._receive_picking_type().id,
            "partner_id": self.hub_id.partner_id.id,
            "origin": self.name,
            "return_consolidation_id": self.id,
            "location_id": transit.id,
            "location_dest_id": destination.id,
            "company_id": self.company_id.id,
            "move_ids": [
                Command.create({
                    "name": move.name,
                    "product_id": move.product_id.id,
                    "product_uom": move.product_uom.id,
                    "product_uom_qty": move.product_uom_qty,
                    "location_id": transit.id,
                    "location_dest_id": destination.id,
                    "company_id": self.company_id.id,
                    # At its warehouse, the unit is received: this move is the return line's receipt.
                    "return_line_id": move.return_hub_line_id.id,
                    "move_orig_ids": [Command.link(move.id)],
                })
                for move in ship_picking.move_ids
            ],
        }

    def _create_hub_transfers(self, units):
        """One transfer per load from the hub to transit, validated with the lots that arrived; one from
        transit into the destination, waiting for the load."""
        loads = self.filtered(lambda load: any(units.get(line) for line in load.return_ids.line_ids))
        Picking = self.env["stock.picking"]
        ship = Picking.create([load._prepare_ship_picking_values(units) for load in loads])
        ship.action_confirm()
        ship.move_ids._set_hub_leg_lines({move: units[move.return_hub_line_id] for move in ship.move_ids})
        ship.with_context(**VALIDATE_CONTEXT).button_validate()
        receive = Picking.create([picking.return_consolidation_id._prepare_receive_picking_values(picking)
                                  for picking in ship])
        receive.action_confirm()
        receive.action_assign()
        return ship | receive

    # ------------------------------------------------------------------
    # At the warehouse
    # ------------------------------------------------------------------
    def action_receive(self):
        """The load is at its warehouse: its transfer into the Returns location is validated, which
        receives its returns as their own receipts would."""
        self._lock()
        self._check_load_state(("shipped",), self.env._("Cannot receive %(loads)s: it is %(state)s."))
        self._receive_hub_transfers()
        return super().action_receive()

    def _receive_hub_transfers(self):
        returns = self._returns_via_hub_stock()
        if not returns:
            return
        # The moves into the warehouse (they follow the moves to transit); a unit graded at its hub was
        # received there, and arrives home on a hub leg rather than as a second receipt.
        moves = self.picking_ids.move_ids.filtered(
            lambda m: m.move_orig_ids and (m.return_line_id or m.return_hub_line_id) and m.state != "cancel")
        lost = returns.filtered(
            lambda order: set(order.line_ids._hub_arrival_moves().filtered(lambda m: m.state == "done")
                              .return_hub_line_id.ids) - set(moves.return_line_id.ids)
        )
        if lost:
            raise UserError(self.env._(
                "%s is not on the load's transfer into the warehouse (was it cancelled?): its units are still in "
                "transit. Bring them in with a transfer of their own before receiving the load.",
                ", ".join(lost.mapped("name"))))
        to_do = moves.filtered(lambda m: m.state != "done")
        if not to_do:
            return
        # The units the load took, lots included, whatever the reservation made of them.
        to_do._set_hub_leg_lines({
            move: [(ml.lot_id, ml.location_dest_id, ml.quantity_product_uom) for ml in move.move_orig_ids.move_line_ids]
            for move in to_do
        })
        to_do.picking_id.with_context(**VALIDATE_CONTEXT).button_validate()

