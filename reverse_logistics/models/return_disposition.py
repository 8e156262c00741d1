from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..returns_lib import disposition as disposition_lib
from .return_input_guard import flow_writes

DISPOSITION_STATES = [
    ("proposed", "Proposed"),
    ("on_hold", "On Hold"),
    ("decided", "Decided"),
    ("in_progress", "In Progress"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
]

# Dispositions carried out by an internal transfer within the warehouse.
INTERNAL_DISPOSITIONS = (
    disposition_lib.RESTOCK, disposition_lib.RESELL, disposition_lib.REFURBISH, disposition_lib.RECYCLE,
)

# The event written when a disposition's last stock operation is done.
DONE_EVENTS = {
    disposition_lib.RESTOCK: "moved",
    disposition_lib.RESELL: "moved",
    disposition_lib.REFURBISH: "moved",
    disposition_lib.RECYCLE: "recycled",
    disposition_lib.RETURN_TO_VENDOR: "returned_to_vendor",
    disposition_lib.DONATE: "donated",
    disposition_lib.DESTROY: "destroyed",
}


class ReturnDisposition(models.Model):
    """What becomes of one inspected unit: the engine's ranking, the decision, and its operation."""

    _name = "return.disposition"
    _inherit = ["return.input.guard"]
    _description = "Return Disposition"
    _order = "id desc"
    _check_company_auto = True
    # Decided and carried out through the actions only (see return_input_guard.py).
    _flow_readonly_fields = True
    _transfer_max_moves = 100

    inspection_id = fields.Many2one("return.inspection", required=True, ondelete="cascade", index=True, readonly=True)
    line_id = fields.Many2one(related="inspection_id.line_id", store=True, index=True, string="Return Line")
    order_id = fields.Many2one(related="inspection_id.order_id", store=True, index=True, string="Return")
    company_id = fields.Many2one(related="inspection_id.company_id", store=True, index=True)
    product_id = fields.Many2one(related="inspection_id.product_id", store=True, index=True)
    lot_id = fields.Many2one(related="inspection_id.lot_id", store=True, index="btree_not_null")
    quantity = fields.Float(related="inspection_id.quantity")
    product_uom_id = fields.Many2one(related="inspection_id.product_uom_id")
    grade_id = fields.Many2one("return.grade", readonly=True, help="The grade the unit has now.")
    warehouse_id = fields.Many2one(related="order_id.warehouse_id")
    location_id = fields.Many2one("stock.location", "Where", readonly=True, help="Where the unit is now.")
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(DISPOSITION_STATES, default="proposed", required=True, index=True, readonly=True)
    recommended_type_id = fields.Many2one("return.disposition.type", "Recommended", readonly=True)
    recommended_value = fields.Monetary("Recommended Net Value", readonly=True)
    type_id = fields.Many2one("return.disposition.type", "Disposition", readonly=True, index=True)
    disposition_code = fields.Selection(related="type_id.code", store=True, string="Disposition Code")
    expected_value = fields.Monetary("Expected Net Value", readonly=True)
    ranking = fields.Text(readonly=True, help="Every disposition the engine weighed, best first, with its reasons.")
    option_values = fields.Json(readonly=True, help="Net value of every allowed disposition, by code.")
    allowed_type_ids = fields.Many2many(
        "return.disposition.type", string="Allowed Dispositions", readonly=True,
        help="The dispositions no hard rule forbids for this unit.",
    )
    hold_reason = fields.Text(readonly=True, help="Why the unit is held in quarantine for investigation.")
    overridden = fields.Boolean(readonly=True)
    override_reason = fields.Text(readonly=True)
    decided_by_id = fields.Many2one("res.users", readonly=True)
    date_decided = fields.Datetime(readonly=True)
    date_done = fields.Datetime(readonly=True)
    move_ids = fields.One2many("stock.move", "return_disposition_id", "Stock Moves", readonly=True)
    picking_id = fields.Many2one("stock.picking", "Transfer", readonly=True, index="btree_not_null")
    repair_id = fields.Many2one("repair.order", readonly=True, index="btree_not_null")
    scrap_id = fields.Many2one("stock.scrap", readonly=True, index="btree_not_null")
    partner_id = fields.Many2one(
        "res.partner", "Ship To", readonly=True, help="The vendor the unit goes back to, or the donation partner."
    )
    customs_declaration_id = fields.Many2one(
        "customs.declaration", "Export Declaration", readonly=True, index="btree_not_null",
        help="Export declaration of a unit returned to a vendor in another customs territory.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # Dispositions come from completed inspections (_create_from_inspections), never by hand.
        self = self._prepare_guarded_create(vals_list)
        return super().create(vals_list)

    @api.depends("order_id.name", "product_id", "lot_id", "type_id")
    def _compute_display_name(self):
        for disposition in self:
            parts = [disposition.order_id.name, disposition.product_id.display_name, disposition.lot_id.name,
                     disposition.type_id.name]
            disposition.display_name = " / ".join(part for part in parts if part)

    # ------------------------------------------------------------------
    # The engine's proposal
    # ------------------------------------------------------------------
    def _prepare_engine_unit(self, inspection, allowed_codes):
        """The unit as the pure engine sees it; override to add facts (e.g. a certified recycler)."""
        product = inspection.product_id
        category = product.categ_id
        return disposition_lib.Unit(
            grade=inspection.grade_id._engine_code(),
            hazardous=inspection.hazardous,
            expired=inspection.expired,
            allowed=allowed_codes,
            vendor_returnable=bool(product.seller_ids) and category.return_vendor_credit_percent > 0,
        )

    def _prepare_engine_economics(self, inspection, grades):
        """Money figures of one unit, in the company's currency; override for other price sources."""
        product = inspection.product_id
        category = product.categ_id
        line = inspection.line_id
        price_new = line.price_unit or product.lst_price
        seller = product.seller_ids[:1]
        handling = category.return_handling_cost
        return disposition_lib.Economics(
            resale_value_by_grade={
                grade._engine_code(): price_new * grade.resale_value_percent / 100.0 for grade in grades
            },
            new_value=price_new,
            refurbished_grade=(category.return_refurbished_grade_id or grades.filtered(lambda g: g.code == "B")[:1]
                               or grades[:1])._engine_code(),
            refurbishment_cost=category.return_refurbish_cost,
            handling_cost={
                **dict.fromkeys(disposition_lib.DISPOSITIONS, handling),
                disposition_lib.RETURN_TO_VENDOR: handling + category.return_vendor_shipping_cost,
            },
            disposal_fee={
                disposition_lib.RECYCLE: category.return_recycling_fee,
                disposition_lib.DESTROY: category.return_destruction_fee,
            },
            vendor_credit=seller.price * category.return_vendor_credit_percent / 100.0 if seller else 0.0,
            recycling_value=category.return_recycling_value,
        )

    def _describe_option(self, option, types, currency):
        labels = {
            disposition_lib.HAZARDOUS_ONLY_CERTIFIED_RECYCLING: self.env._("hazardous: certified recycling only"),
            disposition_lib.EXPIRED_NOT_RESTOCKED: self.env._("expired: never restocked nor resold"),
            disposition_lib.NOT_ALLOWED_FOR_CATEGORY: self.env._("not allowed for the product category"),
            disposition_lib.GRADE_NOT_NEW: self.env._("the grade is not as new"),
            disposition_lib.NO_VENDOR_RETURN: self.env._("the vendor takes no returns"),
            disposition_lib.NOT_REFURBISHABLE: self.env._("scrap grade"),
            disposition_lib.NO_CERTIFIED_RECYCLER: self.env._("no certified recycler"),
        }
        name = types[option.disposition].name
        if option.allowed:
            params = dict(option.reasons[0][1])
            return self.env._(
                "%(name)s: %(net)s (value %(gross)s − handling %(handling)s − fees %(fee)s)",
                name=name,
                net=currency.format(params["net"]),
                gross=currency.format(params["gross"]),
                handling=currency.format(params["handling"]),
                fee=currency.format(params["fee"]),
            )
        return self.env._(
            "%(name)s: not possible (%(why)s)",
            name=name,
            why="; ".join(labels.get(code, code) for code, _params in option.reasons),
        )

    @api.model
    def _create_from_inspections(self, inspections):
        """Rank every disposition for each inspected unit and propose the best one."""
        Type = self.env["return.disposition.type"]
        types = {t.code: t for t in Type.search([("code", "in", disposition_lib.DISPOSITIONS)])}
        grades = self.env["return.grade"].search([("active", "=", True)])
        values = []
        for inspection in inspections:
            category = inspection.product_id.categ_id
            allowed_codes = frozenset(
                category.return_allowed_disposition_ids.mapped("code") or disposition_lib.DISPOSITIONS
            )
            ranking = disposition_lib.rank_dispositions(
                self._prepare_engine_unit(inspection, allowed_codes),
                self._prepare_engine_economics(inspection, grades),
            )
            currency = inspection.company_id.currency_id
            best = ranking[0] if ranking[0].allowed else None
            # Values are per unit; a quantity of an untracked product multiplies them.
            qty = inspection.quantity
            values.append({
                "inspection_id": inspection.id,
                "grade_id": inspection.grade_id.id,
                "location_id": inspection.location_id.id,
                "recommended_type_id": types[best.disposition].id if best else False,
                "recommended_value": best.net_value * qty if best else 0.0,
                "type_id": types[best.disposition].id if best else False,
                "expected_value": best.net_value * qty if best else 0.0,
                "allowed_type_ids": [Command.set([types[o.disposition].id for o in ranking if o.allowed])],
                "option_values": {o.disposition: o.net_value * qty for o in ranking if o.allowed},
                "ranking": "\n".join(
                    f"{rank}. {self._describe_option(option, types, currency)}"
                    for rank, option in enumerate(ranking, start=1)
                ),
            })
        with flow_writes():
            return self.create(values)

    # ------------------------------------------------------------------
    # Decision
    # ------------------------------------------------------------------
    def action_accept(self):
        """Accept the engine's recommendation for every selected unit and carry it out."""
        undecidable = self.filtered(lambda d: not d.recommended_type_id)
        if undecidable:
            raise UserError(
                self.env._(
                    "No disposition is allowed for %s: choose one with a reason (Override).",
                    ", ".join(undecidable.mapped("display_name")),
                )
            )
        self._decide()
        return True

    def action_hold(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Hold for Investigation"),
            "res_model": "return.disposition.hold.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_disposition_ids": self.ids},
        }

    def _hold(self, reason):
        """Move the units to the warehouse's Quarantine until someone has investigated (fraud, hazard, a
        dispute...); nothing is decided for them meanwhile. Everything is checked before anything moves."""
        if not (reason or "").strip():
            raise UserError(self.env._("Say why the units are held: the reason is kept with them."))
        not_open = self.filtered(lambda d: d.state != "proposed")
        if not_open:
            raise UserError(self.env._(
                "Only units waiting for a decision can be held: %s", ", ".join(not_open.mapped("display_name"))
            ))
        no_quarantine = self.filtered(lambda d: not d._quarantine_location())
        if no_quarantine:
            raise UserError(self.env._(
                "Warehouse %s has no Quarantine location; update the Returns app to create it.",
                ", ".join(no_quarantine.warehouse_id.mapped("name")),
            ))
        missing_lot = self.filtered(lambda d: d.product_id.tracking != "none" and not d.lot_id)
        if missing_lot:
            raise UserError(self.env._(
                "The lot or serial number of %s is unknown.", ", ".join(missing_lot.mapped("display_name"))
            ))
        self._flow_write({"state": "on_hold", "hold_reason": reason})
        to_move = self.filtered(lambda d: d.location_id != d._quarantine_location())
        if to_move:
            pickings = to_move._create_transfers(
                lambda d: d._quarantine_location(), lambda d: d._internal_picking_type()
            )
            pickings.with_context(skip_backorder=True, cancel_backorder=True, skip_sms=True).button_validate()
        self._log("moved", lambda d: self.env._("Held for investigation: %s", reason))
        for order, dispositions in self.grouped("order_id").items():
            order.message_post(body=self.env._(
                "%(user)s held %(units)s in quarantine for investigation: %(reason)s",
                user=self.env.user.name, units=", ".join(dispositions.mapped("display_name")), reason=reason,
            ), subtype_xmlid="mail.mt_note")
        return True

    def _quarantine_location(self):
        """Where the unit waits while it is held for investigation."""
        self.ensure_one()
        return self.warehouse_id.quarantine_location_id

    def _internal_picking_type(self):
        """The operation type of the unit's moves within the place where it is."""
        self.ensure_one()
        return self.warehouse_id.int_type_id

    def action_release(self):
        """The investigation is over: the units wait for a decision again (they leave the quarantine with it)."""
        held = self.filtered(lambda d: d.state == "on_hold")
        if held != self:
            raise UserError(self.env._("Only held units can be released."))
        self._flow_write({"state": "proposed"})
        self._log("moved", lambda d: self.env._("Released from quarantine, to decide"))
        return True

    def action_override(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Choose Another Disposition"),
            "res_model": "return.disposition.override.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_disposition_ids": self.ids},
        }

    def _decide(self, disposition_type=None, reason=None):
        """Decide (the recommendation, or ``disposition_type`` with a reason) and carry it out.

        Everything is checked before anything is written: a refusal leaves every unit as it was.
        """
        held = self.filtered(lambda d: d.state == "on_hold")
        if held:
            raise UserError(self.env._(
                "%s is held for investigation: release it first.", ", ".join(held.mapped("display_name"))
            ))
        not_open = self.filtered(lambda d: d.state != "proposed")
        if not_open:
            raise UserError(
                self.env._("%s was decided already.", ", ".join(not_open.mapped("display_name")))
            )
        if disposition_type:
            if not (reason or "").strip():
                raise UserError(self.env._("Give the reason why the recommended disposition is not followed."))
            forbidden = self.filtered(lambda d: disposition_type not in d.allowed_type_ids)
            if forbidden:
                raise UserError(
                    self.env._(
                        "%(disposition)s is not possible for %(units)s:\n%(ranking)s",
                        disposition=disposition_type.name,
                        units=", ".join(forbidden.mapped("display_name")),
                        ranking=forbidden[0].ranking,
                    )
                )
        chosen = {d: disposition_type or d.recommended_type_id for d in self}
        self._check_executable(chosen)
        common = {"state": "decided", "decided_by_id": self.env.user.id, "date_decided": fields.Datetime.now()}
        followed = self.filtered(lambda d: chosen[d] == d.recommended_type_id)
        if followed:
            followed._flow_write({**common, "overridden": False, "override_reason": False})
        for (value, ), dispositions in (self - followed).grouped(
            lambda d: ((d.option_values or {}).get(chosen[d].code, 0.0),)
        ).items():
            dispositions._flow_write({
                **common, "type_id": disposition_type.id, "overridden": True, "override_reason": reason,
                "expected_value": value,
            })
        overridden = self.filtered("overridden")
        for order, dispositions in overridden.grouped("order_id").items():
            order.message_post(
                body=self.env._(
                    "%(user)s chose another disposition than recommended for %(units)s: %(reason)s",
                    user=self.env.user.name,
                    units=", ".join(dispositions.mapped("display_name")),
                    reason=reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        self._log("disposition_decided", lambda d: (
            d.type_id.name + (self.env._(" (instead of %s)", d.recommended_type_id.name) if d.overridden else "")
        ))
        self._execute()

    def _log(self, event_type, describe=None, res=None):
        """One event per unit, where it is now and with its grade; ``res`` gives the operation to link."""
        values = []
        for disposition in self:
            document = (res(disposition) if res else None) or disposition
            values.append({
                "order_id": disposition.order_id.id,
                "line_id": disposition.line_id.id,
                "product_id": disposition.product_id.id,
                "lot_id": disposition.lot_id.id,
                "event_type": event_type,
                "grade_id": disposition.grade_id.id,
                "location_id": disposition.location_id.id,
                "description": describe(disposition) if describe else False,
                "res_model": document._name,
                "res_id": document.id,
            })
        self.env["return.event"]._record(values)

    # ------------------------------------------------------------------
    # Execution: the real Odoo operations
    # ------------------------------------------------------------------
    def _destination(self, code):
        """The location a disposition moves the unit to (internal dispositions only)."""
        self.ensure_one()
        warehouse = self.warehouse_id
        return {
            disposition_lib.RESTOCK: warehouse.lot_stock_id,
            disposition_lib.RESELL: warehouse.secondary_market_location_id,
            disposition_lib.REFURBISH: warehouse.refurbish_location_id,
            disposition_lib.RECYCLE: warehouse.recycling_location_id,
        }.get(code)

    def _ship_to(self, code):
        self.ensure_one()
        if code == disposition_lib.RETURN_TO_VENDOR:
            return self.product_id.seller_ids[:1].partner_id
        if code == disposition_lib.DONATE:
            return self.company_id.return_donation_partner_id
        return self.env["res.partner"]

    def _check_executable(self, chosen):
        problems = []
        for disposition in self:
            code = chosen[disposition].code
            label = disposition.display_name
            if code in INTERNAL_DISPOSITIONS and not disposition._destination(code):
                problems.append(self.env._(
                    "%(unit)s: warehouse %(warehouse)s has no location for this disposition; "
                    "update the Returns app to create it.",
                    unit=label, warehouse=disposition.warehouse_id.name,
                ))
            if code == disposition_lib.RETURN_TO_VENDOR and not disposition._ship_to(code):
                problems.append(self.env._("%s: the product has no vendor to return it to.", label))
            if code == disposition_lib.DONATE and not disposition._ship_to(code):
                problems.append(self.env._(
                    "%s: set the donation partner of the company (Settings > Returns) first.", label
                ))
            if code == disposition_lib.REFURBISH and not disposition.warehouse_id.repair_type_id:
                problems.append(self.env._(
                    "%(unit)s: warehouse %(warehouse)s has no repair operation type.",
                    unit=label, warehouse=disposition.warehouse_id.name,
                ))
            if disposition.product_id.tracking != "none" and not disposition.lot_id:
                problems.append(self.env._("%s: the lot or serial number of the unit is unknown.", label))
        if problems:
            raise UserError(self.env._("Nothing was done:\n%s", "\n".join(problems)))

    def _execute(self):
        by_code = defaultdict(lambda: self.browse())
        by_code.update(self.grouped("disposition_code"))
        internal = self.browse()
        for code in INTERNAL_DISPOSITIONS:
            internal |= by_code[code]
        if internal:
            internal._move_internally(lambda d: d._destination(d.disposition_code))
        outgoing = by_code[disposition_lib.RETURN_TO_VENDOR] | by_code[disposition_lib.DONATE]
        if outgoing:
            outgoing._ship_out()
        if by_code[disposition_lib.DESTROY]:
            by_code[disposition_lib.DESTROY]._scrap()

    def _prepare_move_values(self, destination, picking_type):
        self.ensure_one()
        return {
            "name": self.display_name,
            "product_id": self.product_id.id,
            "product_uom": self.product_id.uom_id.id,
            "product_uom_qty": self.quantity,
            "location_id": self.location_id.id,
            "location_dest_id": destination.id,
            "company_id": self.company_id.id,
            "picking_type_id": picking_type.id,
            "return_disposition_id": self.id,
            "origin": self.order_id.name,
            # The very unit inspected moves, with its serial: picked from the start, so that
            # Odoo reserves exactly its quant instead of searching the location for one.
            "picked": True,
            "move_line_ids": [Command.create({
                "product_id": self.product_id.id,
                "product_uom_id": self.product_id.uom_id.id,
                "quantity": self.quantity,
                "lot_id": self.lot_id.id,
                "location_id": self.location_id.id,
                "location_dest_id": destination.id,
                "company_id": self.company_id.id,
            })],
        }

    def _create_transfers(self, destination_of, picking_type_of, partner_of=None):
        """Transfers per (operation type, source, destination, partner), one move per unit, lots set.

        A transfer carries at most ``_transfer_max_moves`` units: a shorter list is what a person
        checks on the floor, and validating huge transfers costs Odoo more than linear time.
        """
        groups = defaultdict(list)
        for disposition in self:
            partner = partner_of(disposition) if partner_of else self.env["res.partner"]
            key = (picking_type_of(disposition), disposition.location_id, destination_of(disposition), partner)
            groups[key].append(disposition.id)
        picking_values = []
        size = self._transfer_max_moves
        for (picking_type, source, destination, partner), ids in groups.items():
            for start in range(0, len(ids), size):
                dispositions = self.browse(ids[start:start + size])
                picking_values.append({
                    "picking_type_id": picking_type.id,
                    "location_id": source.id,
                    "location_dest_id": destination.id,
                    "partner_id": partner.id,
                    "company_id": dispositions[:1].company_id.id,
                    "origin": ", ".join(sorted(set(dispositions.order_id.mapped("name")))),
                    "move_ids": [
                        Command.create(d._prepare_move_values(destination, picking_type)) for d in dispositions
                    ],
                })
        # The move lines reserve the very quant of each unit: read the quants of these units once, as
        # Odoo does when it validates moves (``quants_cache``), instead of two searches per unit.
        quants = self.env["stock.quant"]._get_quants_by_products_locations(
            self.product_id, self.location_id,
            extra_domain=["|", ("lot_id", "in", self.lot_id.ids), ("lot_id", "=", False)],
        )
        pickings = self.env["stock.picking"].with_context(quants_cache=quants).create(picking_values)
        # Leave the cache behind: it holds these locations' quants only.
        pickings = pickings.with_env(self.env)
        # Its replenishment check asks once for the products' automatic rules (StockMove._trigger_scheduler).
        pickings.action_confirm()
        for picking in pickings:
            picking.move_ids.return_disposition_id._flow_write({"picking_id": picking.id})
        return pickings

    def _move_internally(self, destination_of):
        pickings = self._create_transfers(destination_of, lambda d: d.warehouse_id.int_type_id)
        self._flow_write({"state": "in_progress"})
        pickings.with_context(skip_backorder=True, cancel_backorder=True, skip_sms=True).button_validate()

    def _ship_out(self):
        customer_location = self.env.ref("stock.stock_location_customers")
        supplier_location = self.env.ref("stock.stock_location_suppliers")

        def destination(disposition):
            if disposition.disposition_code == disposition_lib.RETURN_TO_VENDOR:
                return disposition._ship_to(disposition.disposition_code).property_stock_supplier or supplier_location
            return disposition._ship_to(disposition.disposition_code).property_stock_customer or customer_location

        for disposition in self:
            disposition._flow_write({"partner_id": disposition._ship_to(disposition.disposition_code).id})
        pickings = self._create_transfers(destination, lambda d: d.warehouse_id.out_type_id, lambda d: d.partner_id)
        self._flow_write({"state": "in_progress"})
        vendor_returns = self.filtered(lambda d: d.disposition_code == disposition_lib.RETURN_TO_VENDOR)
        if vendor_returns:
            vendor_returns._prepare_export_declarations()
        return pickings

    def _prepare_export_declarations(self):
        """Units going back to a vendor across a customs border leave with an export declaration."""
        Rule = self.env["customs.territory.rule"]
        # sudo: territory rules are reference data, read for whoever disposes of the units.
        rules = Rule.sudo()._get_rules()
        groups = defaultdict(lambda: self.browse())
        for disposition in self:
            sender = disposition.warehouse_id.partner_id or disposition.company_id.partner_id
            decision = Rule._border_between(sender, disposition.partner_id, rules)
            if decision and decision.declaration_needed:
                groups[(disposition.picking_id, decision.origin.territory_code)] |= disposition
        if not groups:
            return self.env["customs.declaration"]
        Declaration = self.env["customs.declaration"]
        with flow_writes():
            declarations = Declaration.create([
                Declaration._prepare_export_to_vendor(dispositions, picking, territory)
                for (picking, territory), dispositions in groups.items()
            ])
        for declaration, dispositions in zip(declarations, groups.values(), strict=True):
            dispositions._flow_write({"customs_declaration_id": declaration.id})
        return declarations

    def _scrap(self):
        scraps = self.env["stock.scrap"].create([
            {
                "product_id": disposition.product_id.id,
                "product_uom_id": disposition.product_id.uom_id.id,
                "scrap_qty": disposition.quantity,
                "lot_id": disposition.lot_id.id,
                "location_id": disposition.location_id.id,
                "company_id": disposition.company_id.id,
                "origin": disposition.order_id.name,
                "return_disposition_id": disposition.id,
            }
            for disposition in self
        ])
        for disposition, scrap in zip(self, scraps, strict=True):
            disposition._flow_write({"scrap_id": scrap.id})
        self._flow_write({"state": "in_progress"})
        scraps.do_scrap()

    # ------------------------------------------------------------------
    # Completion, from the stock operations
    # ------------------------------------------------------------------
    def _on_moves_done(self, moves):
        """The dispositions' moves are done: record where the units went, and go on."""
        destination_by_disposition = {move.return_disposition_id: move.location_dest_id for move in moves}
        for destination, dispositions in self.grouped(
            lambda d: destination_by_disposition.get(d, d.location_id)
        ).items():
            dispositions._flow_write({"location_id": destination.id})
        # Units moved into quarantine wait there: nothing was decided for them.
        deciding = self.filtered(lambda d: d.state != "on_hold")
        to_repair = deciding.filtered(lambda d: d.disposition_code == disposition_lib.REFURBISH and not d.repair_id)
        finished = deciding - to_repair
        if to_repair:
            to_repair._log("moved", describe=lambda d: self.env._("To refurbishment"))
            to_repair._create_repairs()
        if finished:
            finished._finish()

    def _finish(self):
        now = fields.Datetime.now()
        self._flow_write({"state": "done", "date_done": now})
        graded = self.filtered(lambda d: d.lot_id and d.product_id.tracking == "serial")
        for grade, dispositions in graded.grouped("grade_id").items():
            dispositions.lot_id.return_grade_id = grade
        for code, dispositions in self.grouped("disposition_code").items():
            dispositions._log(
                DONE_EVENTS[code],
                describe=lambda d: d.location_id.display_name if d.location_id else False,
                res=lambda d: d.scrap_id or d.picking_id or d.repair_id,
            )

    def _create_repairs(self):
        # repair.order.create() inserts a procurement group per order, and reads the default operation type
        # (a warehouse search) even when one is given: the orders are named and their groups created here,
        # in one insert, and the operation type is given as the context default.
        names = [disposition.warehouse_id.repair_type_id.sequence_id.next_by_id() for disposition in self]
        groups = self.env["procurement.group"].create([{"name": name} for name in names])
        values = {
            disposition: {**disposition._prepare_repair_values(), "name": name, "procurement_group_id": group.id}
            for disposition, name, group in zip(self, names, groups, strict=True)
        }
        repairs = self.env["repair.order"]
        for repair_type, dispositions in self.grouped(lambda d: d.warehouse_id.repair_type_id).items():
            created = self.env["repair.order"].with_context(default_picking_type_id=repair_type.id).create(
                [values[disposition] for disposition in dispositions]
            )
            for disposition, repair in zip(dispositions, created, strict=True):
                disposition._flow_write({"repair_id": repair.id})
            repairs |= created
        repairs = repairs.with_env(self.env)
        repairs._action_repair_confirm()
        return repairs

    def _prepare_repair_values(self):
        """The repair order that refurbishes the unit; override to add parts or notes."""
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "product_qty": self.quantity,
            "product_uom": self.product_id.uom_id.id,
            "lot_id": self.lot_id.id,
            "picking_type_id": self.warehouse_id.repair_type_id.id,
            "product_location_src_id": self.location_id.id,
            "product_location_dest_id": self.warehouse_id.secondary_market_location_id.id,
            "company_id": self.company_id.id,
            "internal_notes": self.inspection_id.defects or False,
            "return_disposition_id": self.id,
        }

    def _on_repaired(self, repairs):
        """Refurbishment is over: the unit is in secondary-market stock with its new grade."""
        repair_by_disposition = {repair.return_disposition_id: repair for repair in repairs}
        for disposition in self:
            repair = repair_by_disposition[disposition]
            category = disposition.product_id.categ_id
            new_grade = category.return_refurbished_grade_id or self.env.ref(
                "reverse_logistics.grade_b", raise_if_not_found=False
            ) or disposition.grade_id
            disposition._flow_write({"grade_id": new_grade.id, "location_id": repair.product_location_dest_id.id})
        self._log("repaired", describe=lambda d: d.repair_id.name, res=lambda d: d.repair_id)
        self._finish()

    def action_view_operation(self):
        self.ensure_one()
        record = self.scrap_id or self.repair_id or self.picking_id
        return {"type": "ir.actions.act_window", "res_model": record._name, "res_id": record.id, "view_mode": "form"}

    def action_print_destruction_certificate(self):
        destroyed = self.filtered(lambda d: d.disposition_code == disposition_lib.DESTROY and d.state == "done")
        if not destroyed:
            raise UserError(self.env._("Only destroyed units have a destruction certificate."))
        # data={}: the action then carries no None, which XML-RPC cannot marshal.
        return self.env.ref("reverse_logistics.action_report_destruction_certificate").report_action(destroyed, data={})
