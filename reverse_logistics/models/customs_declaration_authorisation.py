from odoo import api, fields, models


class CustomsDeclarationAuthorisation(models.Model):
    _name = "customs.declaration.authorisation"
    _description = "Customs Declaration Authorisation"
    _inherit = ["customs.declaration.part"]
    _order = "declaration_id, id"

    type_code = fields.Char("Type", required=True,
                            help="Authorisation type (DE 3/39), e.g. CGU comprehensive guarantee, DPO deferment, "
                            "OPO outward processing, IPO inward processing.")
    reference = fields.Char(required=True, help="Reference number of the authorisation.")
    holder_eori = fields.Char("Holder EORI", required=True)

    @api.depends("type_code", "reference")
    def _compute_display_name(self):
        for authorisation in self:
            authorisation.display_name = " ".join(filter(None, (authorisation.type_code, authorisation.reference)))
