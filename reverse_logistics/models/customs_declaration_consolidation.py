# pylint: disable=consider-merging-classes-inherited
# customs.declaration is extended per business concept, one file each: here, one declaration per load
# crossing a customs border between a return hub and its destination warehouse.
from odoo import api, fields, models

from .return_input_guard import flow_writes

MAX_ITEMS = 999  # goods items per declaration (UCC Annex B, DE 1/5 "Number of items": n..3)


class CustomsDeclaration(models.Model):
    _inherit = "customs.declaration"

    consolidation_id = fields.Many2one(
        "return.consolidation", readonly=True, index="btree_not_null", check_company=True, ondelete="restrict",
        help="The load of a return hub this declaration brings across the border.",
    )

    @api.model
    def _consolidation_item_key(self, item, line):
        return (item["hs_code"], item["origin_country_id"], line.procedure_code or "",
                line.additional_procedure_codes or "")

    @api.model
    def _prefetch_return_goods_sources(self, lines):
        """Read the deliveries of a whole load's ``lines`` at once: its goods items are made line by line,
        from each line's own deliveries, which would cost queries per line (four, for a load of 999 lines)."""
        sale_lines = lines.sale_line_id | lines.invoice_line_id.sale_line_ids
        moves = lines.origin_move_id | sale_lines.move_ids
        moves.fetch(["state", "location_id", "location_dest_id", "date", "quantity", "product_uom_qty",
                     "picking_id", "company_id", "move_line_ids"])
        pickings = moves.picking_id
        pickings.fetch(["picking_type_id", "export_mrn", "export_procedure_code", "date_done", "move_ids"])
        pickings.move_ids.fetch(["sequence"])

    @api.model
    def _prepare_from_consolidation(self, consolidation, max_items=MAX_ITEMS):
        """Values of the declarations importing a load: one per ``max_items`` goods items.

        The items are those of its returns (as ``_prepare_from_return`` makes them, relief decided per
        return line and delivery), merged where HS code, origin, procedure and additional procedures
        match; a merged item quotes the previous documents (export declarations) of every item in it.
        """
        hub, warehouse, company = consolidation.hub_id, consolidation.warehouse_id, consolidation.company_id
        Rule = self.env["customs.territory.rule"]
        # sudo: the rules are reference data every user's declarations depend on; read once for all items.
        rules = Rule.sudo()._get_rules()
        territory = Rule._territory_of_partner(warehouse.partner_id or company.partner_id, rules)
        # Oldest return first, whatever order the load's returns were read in: a merged item quotes the
        # first one's export declaration, and the items keep the same sequence on every preparation.
        # Only what travels: a hub that grades returns resells or recycles some units where they are.
        quantities = {line: line._load_quantity() for line in consolidation.return_ids.sorted("id").line_ids}
        lines = consolidation.return_ids.sorted("id").line_ids.filtered(lambda line: quantities[line])
        self._prefetch_return_goods_sources(lines)
        items = self._prepare_return_goods_items(lines, territory, rules, quantities)
        header = {
            **self._prepare_declarant_values(company, warehouse, territory),
            "consolidation_id": consolidation.id,
            "category": "IM",
            "importer_id": company.partner_id.id,
            "exporter_id": hub.partner_id.id,
            "currency_id": company.currency_id.id,
            "export_country_id": hub.partner_id.country_id.id,
            "destination_country_id": (warehouse.partner_id.country_id or company.country_id).id,
        }
        # Each item's procedure as its line would decide it, on draft records: nothing is written.
        draft = self.new({**header, "line_ids": [fields.Command.create(item) for item in items]})
        merged = {}
        for item, draft_line in zip(items, draft.line_ids, strict=True):
            key = self._consolidation_item_key(item, draft_line)
            documents = draft._line_previous_documents(draft_line)
            if key not in merged:
                merged[key] = {
                    **item,
                    "procedure_code": draft_line.procedure_code,
                    "additional_procedure_codes": draft_line.additional_procedure_codes,
                    "own_documents": set(documents),
                    "more_documents": [],
                }
                continue
            kept = merged[key]
            for name in ("quantity", "net_mass", "gross_mass", "customs_value", "statistical_value"):
                kept[name] += item[name]
            # The merged item stands for several return lines: none of them alone.
            kept["return_line_id"] = False
            kept["more_documents"] += [doc for doc in documents
                                       if doc not in kept["own_documents"] and doc not in kept["more_documents"]]
        goods = []
        for item in merged.values():
            more = item.pop("more_documents")
            item.pop("own_documents")
            item["document_ids"] = [
                fields.Command.create({"category_code": doc.category_code, "type_code": doc.type_code,
                                       "reference": doc.identifier, "line_number": doc.line or False})
                for doc in more
            ]
            goods.append(item)
        declarations = []
        for start in range(0, len(goods), max_items):
            chunk = goods[start:start + max_items]
            declarations.append({
                **header,
                "line_ids": [fields.Command.create({**item, "sequence": index})
                             for index, item in enumerate(chunk, start=1)],
            })
        return declarations


class ReturnConsolidation(models.Model):
    _inherit = "return.consolidation"

    customs_declaration_ids = fields.One2many(
        "customs.declaration", "consolidation_id", "Customs Declarations", readonly=True
    )
    customs_declaration_count = fields.Integer(compute="_compute_customs_declaration_count")
    crosses_border = fields.Boolean(
        compute="_compute_crosses_border", help="From the hub to the warehouse the load crosses a customs border."
    )

    def _compute_customs_declaration_count(self):
        for load in self:
            load.customs_declaration_count = len(load.customs_declaration_ids)

    @api.depends("hub_id.partner_id", "warehouse_id.partner_id")
    def _compute_crosses_border(self):
        Rule = self.env["customs.territory.rule"]
        # sudo: the rules are reference data every user's loads depend on.
        rules = Rule.sudo()._get_rules()
        for load in self:
            receiver = load.warehouse_id.partner_id or load.company_id.partner_id
            decision = Rule._border_between(load.hub_id.partner_id, receiver, rules)
            load.crosses_border = bool(decision and decision.declaration_needed)

    def _after_ship(self):
        result = super()._after_ship()
        crossing = self.filtered("crosses_border")
        if crossing:
            # sudo: a load crossing a border leaves with its declaration, prepared as a draft for the
            # customs officer to complete and lodge; the clerk at the hub shipping it may not edit declarations.
            Declaration = self.env["customs.declaration"].sudo()
            with flow_writes():
                Declaration.create([
                    values for load in crossing.sudo() for values in Declaration._prepare_from_consolidation(load)
                ])
        return result

    def action_view_customs_declarations(self):
        self.ensure_one()
        return self.customs_declaration_ids._get_records_action(name=self.env._("Customs Declarations"))
