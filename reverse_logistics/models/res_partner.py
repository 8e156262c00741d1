from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    customs_eori = fields.Char("EORI Number", help="Needed on customs declarations where this partner is a party.")
