from odoo import api, fields, models

from ..returns_lib.customs import relief as relief_lib

# What a goods item's relief is decided from: the item's own export facts and the user's answers.
RELIEF_INPUT_FIELDS = (
    "export_mrn", "export_date", "export_procedure_code", "export_territory", "exporter_eori",
    "goods_unaltered", "repaired", "agricultural", "special_circumstances", "processed_after_inward_processing",
    "duty_under_article_86_3",
)


class CustomsDeclarationLine(models.Model):
    _name = "customs.declaration.line"
    _description = "Customs Declaration Goods Item"
    _inherit = ["customs.declaration.part"]
    _order = "declaration_id, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=1)
    return_line_id = fields.Many2one("return.order.line", check_company=True)
    product_id = fields.Many2one("product.product", check_company=True)
    hs_code = fields.Char("HS Code", required=True)
    name = fields.Char("Description", required=True)
    origin_country_id = fields.Many2one("res.country", "Country of Origin")
    quantity = fields.Float(digits="Product Unit of Measure", default=1.0)
    supplementary_units = fields.Float()
    net_mass = fields.Float("Net Mass (kg)", digits="Stock Weight")
    gross_mass = fields.Float("Gross Mass (kg)", digits="Stock Weight", help="Net mass plus packing.")
    currency_id = fields.Many2one(related="declaration_id.currency_id")
    statistical_value = fields.Monetary()
    customs_value = fields.Monetary()
    # Decided from the item's relief facts below; a broker may choose another code the matrix permits,
    # and Check refuses a relief claim the facts do not support.
    procedure_code = fields.Char(
        compute="_compute_relief", store=True, readonly=False, precompute=True, copy=True,
        help="Requested and previous procedure (DE 1/10), e.g. 6110 for relief after a permanent export.",
    )
    additional_procedure_codes = fields.Char(
        compute="_compute_relief", store=True, readonly=False, precompute=True, copy=True,
        help="Additional procedure codes (DE 1/11), comma-separated, e.g. F01 or F05; 000 only alone.",
    )
    relief_note = fields.Text("Relief Decision", compute="_compute_relief", store=True, precompute=True)
    preference_code = fields.Char(default="100")
    duty_rate = fields.Float("Duty (%)", digits=(5, 2))
    vat_rate = fields.Float("Import VAT (%)", digits=(5, 2))
    duty_estimate = fields.Monetary(compute="_compute_estimates", store=True)
    vat_estimate = fields.Monetary(compute="_compute_estimates", store=True)

    # How these goods left: their own export, item by item (one order can leave in several parts).
    export_picking_id = fields.Many2one("stock.picking", "Delivered With", check_company=True)
    export_mrn = fields.Char("Export MRN", help="MRN of the export declaration these goods left with.")
    export_item_number = fields.Integer(
        "Export Item", help="Goods item number of these goods on the export declaration (quoted with its MRN)."
    )
    export_date = fields.Date("Exported On")
    export_procedure_code = fields.Char(
        "Export Procedure", help="Requested procedure the goods left under: 10, 21, 22, 23 or 31."
    )
    export_territory = fields.Char("Exported From", help="Customs territory the goods left from, e.g. EU, GB, XI.")
    exporter_eori = fields.Char("Exporter EORI", help="Who exported the goods: relief of import VAT (F05) needs "
                                "the same person to re-import them.")
    goods_unaltered = fields.Boolean("Unaltered", default=True,
                                     help="The goods come back in the state they left in.")
    repaired = fields.Boolean(help="Repaired or restored abroad (special circumstances, F03).")
    agricultural = fields.Boolean(help="Goods of agricultural activity (special circumstances, F02).")
    special_circumstances = fields.Boolean(
        help="Special circumstances let the three-year period be exceeded (F03): say which in the statements."
    )
    processed_after_inward_processing = fields.Boolean(
        "Processed under IP", help="Processed products re-exported after inward processing (F04/F07)."
    )

    duty_under_article_86_3 = fields.Boolean(
        "Duty per Art. 86(3) UCC", help="Processed products: the declarant applies for the import duty to be "
        "determined under Art. 86(3) UCC (F07 instead of F04).",
    )

    package_ids = fields.One2many("customs.declaration.package", "line_id", "Packages", copy=True)
    document_ids = fields.One2many("customs.declaration.document", "line_id", "Item Documents", copy=True)
    statement_ids = fields.One2many("customs.declaration.statement", "line_id", "Item Statements", copy=True)

    def _additional_codes(self):
        return [code.strip().upper() for code in (self.additional_procedure_codes or "").split(",") if code.strip()]

    def _relief_item(self, reimport_date=None):
        """The relief facts of this goods item, as the pure rules take them."""
        self.ensure_one()
        declaration = self.declaration_id
        export = None
        if self.export_date:
            export = relief_lib.ExportRecord(
                territory_code=(self.export_territory or "").strip().upper(),
                export_date=self.export_date,
                mrn=(self.export_mrn or "").strip().upper() or None,
                procedure_code=(self.export_procedure_code or relief_lib.PERMANENT_EXPORT).strip(),
                exporter=(self.exporter_eori or "").strip().upper() or None,
                item_number=self.export_item_number or None,
            )
        return relief_lib.ReturnedItem(
            import_territory=declaration.territory_code or "",
            reimport_date=reimport_date or fields.Date.context_today(self),
            export=export,
            importer=(declaration._company_party_eori() or "").strip().upper() or None,
            unaltered=self.goods_unaltered,
            repaired=self.repaired,
            agricultural=self.agricultural,
            special_circumstances=self.special_circumstances,
            processed_after_inward_processing=self.processed_after_inward_processing,
            duty_under_article_86_3=self.duty_under_article_86_3,
        )

    def _decide_relief(self, reimport_date=None):
        return relief_lib.decide_item(self._relief_item(reimport_date))

    # Not on the declaration's kind: the kind follows the items (import or import with relief), and an
    # export's items are given their export procedure when created.
    @api.depends(*RELIEF_INPUT_FIELDS, "declaration_id.territory_code", "declaration_id.company_eori")
    def _compute_relief(self):
        for line in self:
            if line.declaration_id.kind == "export":
                line.procedure_code = line.procedure_code or relief_lib.EXPORT_PROCEDURE
                line.additional_procedure_codes = (line.additional_procedure_codes
                                                   or relief_lib.PLAIN_ADDITIONAL_PROCEDURE)
                line.relief_note = False
                continue
            decision = line._decide_relief()
            line.procedure_code = decision.procedure_code
            line.additional_procedure_codes = ",".join(decision.additional_procedure_codes)
            line.relief_note = line.declaration_id._describe_relief(decision)

    @api.depends("customs_value", "duty_rate", "vat_rate", "procedure_code", "additional_procedure_codes")
    def _compute_estimates(self):
        for line in self:
            relief = (line.procedure_code or "").startswith("61")
            vat_relief = relief and relief_lib.RGR_DUTY_AND_VAT in line._additional_codes()
            duty = 0.0 if relief else line.customs_value * line.duty_rate / 100
            line.duty_estimate = duty
            line.vat_estimate = 0.0 if vat_relief else (line.customs_value + duty) * line.vat_rate / 100
