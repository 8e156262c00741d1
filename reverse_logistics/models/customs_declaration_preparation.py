# pylint: disable=consider-merging-classes-inherited
# customs.declaration is extended per business concept, one file each.
from odoo import api, fields, models

from ..returns_lib.customs import declaration as declaration_lib
from ..returns_lib.customs import relief as relief_lib


class CustomsDeclaration(models.Model):
    _inherit = "customs.declaration"

    # ------------------------------------------------------------------
    # Shared by imports of returns and exports to vendors
    # ------------------------------------------------------------------
    @api.model
    def _prepare_declarant_values(self, company, warehouse, territory_code):
        """Who declares, where and with which EORI: the warehouse's customs settings, else the company's."""
        settings = warehouse._customs_settings(company)
        representative = settings["representative"]
        return {
            "company_id": company.id,
            "warehouse_id": warehouse.id,
            "territory_code": territory_code,
            "customs_office_code": settings["office"],
            "supervising_office_code": settings["supervising_office"],
            "company_eori": settings["own_eori"],
            "declarant_id": (representative or company.partner_id).id,
            "representative_id": representative.id,
            "representative_status": representative and settings["representative_status"],
        }

    @api.model
    def _prepare_goods_item(self, sequence, product, quantity, value, return_line=None, name=None, **values):
        """A goods item of ``quantity`` units of ``product`` worth ``value``; ``values`` add or override."""
        gross_weight = product.weight or 0.0
        net_weight = product.customs_net_weight or gross_weight
        return {
            "sequence": sequence,
            "return_line_id": return_line.id if return_line else False,
            "product_id": product.id,
            "hs_code": (product.hs_code or "").replace(" ", "").replace(".", ""),
            "name": name or product.display_name,
            "origin_country_id": product.country_of_origin.id,
            "quantity": quantity,
            "net_mass": net_weight * quantity,
            "gross_mass": max(gross_weight, net_weight) * quantity,
            "customs_value": value,
            "statistical_value": value,
            **values,
        }

    # ------------------------------------------------------------------
    # From a return: one goods item per return line and delivery
    # ------------------------------------------------------------------
    @api.model
    def _deliveries_of(self, return_line):
        """Done deliveries to the customer the line's goods may have left with, newest first."""
        if return_line.origin_move_id:
            moves = return_line.origin_move_id
        else:
            sale_lines = return_line.sale_line_id | return_line.invoice_line_id.sale_line_ids
            moves = sale_lines.move_ids
            if return_line.lot_id:
                moves = moves.filtered(lambda m, lot=return_line.lot_id: lot in m.move_line_ids.lot_id) or moves
        moves = moves.filtered(lambda m: m.state == "done" and m.location_dest_id.usage == "customer")
        return moves.sorted(lambda m: (m.date or fields.Datetime.now(), m.id), reverse=True)

    @api.model
    def _allocate_to_deliveries(self, return_line, quantity=None):
        """[(move or None, quantity)]: the returned quantity spread over its deliveries, newest first.

        A line linked to one delivery (or to a serial) is exact. A line linked to a sale line delivered
        in several parts is allocated to the most recent deliveries first: a return comes back soon after
        it was delivered. Each part is a goods item of its own with its own relief decision.
        """
        remaining = return_line.product_uom_qty if quantity is None else quantity
        parts = []
        for move in self._deliveries_of(return_line):
            if remaining <= 0:
                break
            quantity = min(remaining, move.quantity or move.product_uom_qty)
            if quantity > 0:
                parts.append((move, quantity))
                remaining -= quantity
        if remaining > 0 or not parts:
            if parts:
                parts[-1] = (parts[-1][0], parts[-1][1] + remaining)
            else:
                parts.append((None, remaining))
        return parts

    @api.model
    def _prepare_export_facts(self, move, rules=None):
        """Relief facts of goods that left with ``move``: the delivery's export MRN, date, territory, exporter.

        ``rules``: the territory rules, read once by the caller for all its moves."""
        if not move:
            return {}
        picking = move.picking_id
        warehouse = picking.picking_type_id.warehouse_id or move.location_id.warehouse_id
        sender = warehouse.partner_id or move.company_id.partner_id
        Rule = self.env["customs.territory.rule"]
        territory = Rule._territory_of_partner(sender, rules)
        settings = warehouse._customs_settings(move.company_id)
        ordered = picking.move_ids.sorted(lambda m: (m.sequence, m.id))
        return {
            "export_picking_id": picking.id,
            "export_mrn": (picking.export_mrn or "").strip().upper() or False,
            "export_date": fields.Date.to_date(picking.date_done or move.date),
            "export_procedure_code": picking.export_procedure_code or relief_lib.PERMANENT_EXPORT,
            "export_territory": territory,
            "export_item_number": (list(ordered).index(move) + 1) if move in ordered else False,
            "exporter_eori": settings["eori"] or False,
        }

    @api.model
    def _prepare_return_goods_items(self, lines, territory, rules, quantities=None):
        """Goods items of returned ``lines``, one per delivery they came from, at the customs rates of
        ``territory``; relief is decided per item from its export facts. ``quantities``: {line: quantity}
        where less than the line crosses (a hub resold or recycled the rest)."""
        tariffs = self.env["customs.tariff.code"]._find_rates(lines.product_id.mapped("hs_code"), territory)
        items = []
        for line in lines:
            tariff = tariffs.get(line.product_id.hs_code)
            unit_value = line.price_subtotal / line.product_uom_qty if line.product_uom_qty else 0.0
            crossing = quantities.get(line, line.product_uom_qty) if quantities is not None else None
            for move, quantity in self._allocate_to_deliveries(line, crossing):
                items.append(self._prepare_goods_item(
                    len(items) + 1, line.product_id, quantity, unit_value * quantity, return_line=line,
                    duty_rate=tariff.duty_rate if tariff else 0.0,
                    vat_rate=tariff.vat_rate if tariff else 0.0,
                    **self._prepare_export_facts(move, rules),
                ))
        return items

    @api.model
    def _prepare_from_return(self, order):
        """Values of the declaration importing ``order``'s goods, relief decided item by item; override to add
        national fields."""
        company = order.company_id
        warehouse = order.warehouse_id
        Rule = self.env["customs.territory.rule"]
        # sudo: the rules are reference data every user's declarations depend on; read once for all items.
        rules = Rule.sudo()._get_rules()
        territory = order.customs_destination_territory or Rule._territory_of_partner(
            warehouse.partner_id or company.partner_id, rules)
        items = self._prepare_return_goods_items(order.line_ids, territory, rules)
        return {
            **self._prepare_declarant_values(company, warehouse, territory),
            "return_order_id": order.id,
            # No kind: an import is one with relief when one of its items claims it (computed).
            "category": "IM",
            "importer_id": company.partner_id.id,
            "exporter_id": (order.partner_return_address_id or order.partner_id).id,
            "currency_id": order.currency_id.id,
            "export_country_id": (order.partner_return_address_id or order.partner_id).country_id.id,
            "destination_country_id": (warehouse.partner_id.country_id or company.country_id).id,
            "line_ids": [fields.Command.create(item) for item in items],
        }

    # ------------------------------------------------------------------
    # To a vendor
    # ------------------------------------------------------------------
    @api.model
    def _prepare_export_to_vendor(self, dispositions, picking, origin_territory):
        """Values of the export declaration of units going back to a foreign vendor.

        The units were released for free circulation when they came back (relief or plain
        import), hence a permanent export of goods in free circulation. Values are the
        vendor's prices: that is what the vendor credits.
        """
        first = dispositions[:1]
        company = first.company_id
        vendor = first.partner_id
        items = []
        for disposition in dispositions:
            product = disposition.product_id
            seller = product.seller_ids.filtered(lambda s, v=vendor: s.partner_id == v)[:1]
            value = (seller.price if seller else disposition.line_id.price_unit) * disposition.quantity
            items.append(self._prepare_goods_item(
                len(items) + 1, product, disposition.quantity, value, return_line=disposition.line_id,
                name=" ".join(filter(None, [product.display_name, disposition.lot_id.name])),
                procedure_code=relief_lib.EXPORT_PROCEDURE,
                additional_procedure_codes=relief_lib.PLAIN_ADDITIONAL_PROCEDURE,
            ))
        warehouse = first.warehouse_id
        warehouse_partner = warehouse.partner_id or company.partner_id
        return {
            **self._prepare_declarant_values(company, warehouse, origin_territory),
            "return_order_id": first.order_id.id if len(dispositions.order_id) == 1 else False,
            "kind": declaration_lib.EXPORT,
            "category": "EX",
            "exporter_id": company.partner_id.id,
            "importer_id": vendor.id,
            "currency_id": company.currency_id.id,
            "export_country_id": warehouse_partner.country_id.id,
            "destination_country_id": vendor.country_id.id,
            "line_ids": [fields.Command.create(item) for item in items],
        }
