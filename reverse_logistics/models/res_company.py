from odoo import fields, models

# Company settings a customs declaration's message is built from.
CUSTOMS_COMPANY_FIELDS = frozenset({"customs_eori", "customs_schema_folder"})


class ResCompany(models.Model):
    _inherit = "res.company"

    # Portal users read their company's public fields; how customs and returns are set up is internal.
    customs_eori = fields.Char(
        "EORI Number", help="Economic Operators Registration and Identification number, e.g. ESB12345674."
    )
    customs_office_code = fields.Char(
        "Customs Office of Import", help="8-character code of the office where returns are declared, e.g. ES004641.",
        groups="base.group_user",
    )
    customs_schema_folder = fields.Char(
        "DEC-DMS Schema Folder",
        help="Folder on the server holding the official WCO DEC-DMS schema set (WCO_DEC_2_DMS.xsd). "
        "When set, every declaration is validated against it before it is submitted.",
        groups="base.group_user",
    )
    customs_live_eori_check = fields.Boolean(
        "Check EORI Numbers Online",
        help="When checking a declaration, also ask the EU EORI validation service whether its EORI numbers exist.",
        groups="base.group_user",
    )
    customs_live_vat_check = fields.Boolean(
        "Check VAT Numbers in VIES",
        help="When checking a declaration, also ask the EU VIES service whether the EU VAT numbers are valid.",
        groups="base.group_user",
    )
    customs_eori_service_url = fields.Char(
        "EORI Service Address", help="Empty: the European Commission's EORI validation service.",
        groups="base.group_user",
    )
    customs_representative_id = fields.Many2one(
        "res.partner", help="Customs broker declaring on the company's behalf.",
        groups="base.group_user",
    )
    customs_representative_status = fields.Selection(
        [("2", "Direct representation"), ("3", "Indirect representation")], default="2",
        groups="base.group_user",
    )
    return_donation_partner_id = fields.Many2one(
        "res.partner", "Donation Partner",
        help="Charity or reuse partner that returned units decided for donation are delivered to.",
        groups="base.group_user",
    )

    def write(self, vals):
        result = super().write(vals)
        if CUSTOMS_COMPANY_FIELDS & set(vals):
            self.env["customs.declaration"]._parties_changed(companies=self)
        return result
