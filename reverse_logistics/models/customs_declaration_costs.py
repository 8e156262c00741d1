# pylint: disable=consider-merging-classes-inherited
# customs.declaration is extended per business concept, one file each: this is what customs cost, booked.
from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# Where customs have decided what is owed: the taxes they assessed can be booked.
BILLABLE_STATES = ("accepted", "control", "released", "cleared")


class ResCompany(models.Model):
    _inherit = "res.company"

    customs_authority_partner_id = fields.Many2one(
        "res.partner", "Customs Authority", groups="base.group_user",
        help="Vendor of the bills of the duties and import VAT customs assess on returned goods.",
    )
    customs_duty_account_id = fields.Many2one(
        "account.account", groups="base.group_user",
        help="Expense account customs duties are booked to.",
    )
    customs_import_vat_account_id = fields.Many2one(
        "account.account", "Import VAT Account", groups="base.group_user",
        help="Deductible import VAT paid to customs (an input VAT account).",
    )
    customs_import_vat_tax_id = fields.Many2one(
        "account.tax", "Import VAT Tax", groups="base.group_user",
        domain="[('type_tax_use', '=', 'purchase'), ('amount_type', '=', 'percent')]",
        help="Deductible import-VAT purchase tax: with it, the customs bill books import VAT as this tax on the "
        "base customs assessed, so that it reaches the VAT return; the base itself nets to zero on the Import VAT "
        "Account. Used when its rate gives customs' amount; otherwise the VAT goes to the account as assessed.",
    )


class CustomsDeclaration(models.Model):
    _inherit = "customs.declaration"

    cost_bill_id = fields.Many2one(
        "account.move", "Customs Bill", readonly=True, copy=False, index="btree_not_null",
        help="Vendor bill of the duties and import VAT customs assessed on this declaration.",
    )

    def _cost_bill_problems(self):
        self.ensure_one()
        company = self.company_id
        problems = []
        if self.state not in BILLABLE_STATES:
            problems.append(self.env._("%s: customs have not accepted it yet: nothing is owed.", self.lrn))
        if self.cost_bill_id and self.cost_bill_id.state != "cancel":
            problems.append(self.env._("%(lrn)s is booked already on %(bill)s.", lrn=self.lrn,
                                       bill=self.cost_bill_id.display_name))
        if not self.tax_assessment_ids:
            problems.append(self.env._("%s: customs notified no tax assessment yet.", self.lrn))
        missing = [label for label, value in (
            (self.env._("Customs Authority"), company.customs_authority_partner_id),
            (self.env._("Customs Duty Account"), company.customs_duty_account_id),
            (self.env._("Import VAT Account"), company.customs_import_vat_account_id),
        ) if not value]
        if missing:
            problems.append(self.env._("Set %(fields)s in the settings of %(company)s.",
                                       fields=", ".join(missing), company=company.name))
        return problems

    def _prepare_cost_bill_values(self):
        """The vendor bill of the customs authority: one line per tax assessed, and a note per item under
        relief saying why no duty was paid; override to book to landed costs or another vendor."""
        self.ensure_one()
        company = self.company_id
        taxes = self.tax_assessment_ids
        currency = taxes.currency_id[:1] or self.currency_id
        lines = []
        for tax in taxes:
            account = (company.customs_import_vat_account_id if tax.tax_kind == "vat"
                       else company.customs_duty_account_id)
            what = dict(tax._fields["tax_kind"]._description_selection(self.env)).get(tax.tax_kind, tax.tax_type)
            vat_lines = self._prepare_import_vat_tax_lines(tax, account, currency) if tax.tax_kind == "vat" else None
            if vat_lines:
                lines += vat_lines
                continue
            lines.append(Command.create({
                "name": self.env._("%(what)s (%(type)s), item %(item)s, declaration %(lrn)s",
                                   what=what, type=tax.tax_type, item=tax.item_number or "-", lrn=self.lrn),
                "account_id": account.id,
                "quantity": 1.0,
                "price_unit": tax.currency_id._convert(tax.amount, currency, company, fields.Date.context_today(self)),
                "tax_ids": [Command.clear()],
            }))
        for index, line in enumerate(self.line_ids, start=1):
            if (line.procedure_code or "").startswith("61"):
                lines.append(Command.create({
                    "display_type": "line_note",
                    "name": self.env._(
                        "Item %(item)s (%(name)s): Returned Goods Relief claimed, %(procedure)s %(codes)s, export MRN "
                        "%(mrn)s: no duty.", item=index, name=line.name, procedure=line.procedure_code,
                        codes=line.additional_procedure_codes, mrn=line.export_mrn or "-"),
                }))
        return {
            "move_type": "in_invoice",
            "company_id": company.id,
            "partner_id": company.customs_authority_partner_id.id,
            "currency_id": currency.id,
            "invoice_date": fields.Date.context_today(self),
            "ref": self.mrn or self.lrn,
            "invoice_origin": self.lrn,
            "invoice_line_ids": lines,
        }

    def _prepare_import_vat_tax_lines(self, assessment, account, currency):
        """Import VAT as the company's import-VAT tax on customs' base, the base netted on ``account``: the VAT
        return sees base and tax. None when there is no such tax or base, or when the tax's rate does not give
        the amount customs assessed (customs' figure is the one owed)."""
        vat_tax = self.company_id.customs_import_vat_tax_id
        if not vat_tax or not assessment.base_amount:
            return None
        today = fields.Date.context_today(self)
        base = assessment.currency_id._convert(assessment.base_amount, currency, self.company_id, today)
        amount = assessment.currency_id._convert(assessment.amount, currency, self.company_id, today)
        if currency.compare_amounts(currency.round(base * vat_tax.amount / 100.0), amount):
            return None
        label = self.env._("Import VAT (%(type)s) base, item %(item)s, declaration %(lrn)s",
                           type=assessment.tax_type, item=assessment.item_number or "-", lrn=self.lrn)
        return [
            Command.create({"name": label, "account_id": account.id, "quantity": 1.0, "price_unit": base,
                            "tax_ids": [Command.set(vat_tax.ids)]}),
            Command.create({"name": self.env._("%s: the base is not owed, only its VAT", label),
                            "account_id": account.id, "quantity": 1.0, "price_unit": -base,
                            "tax_ids": [Command.clear()]}),
        ]

    def action_create_cost_bill(self):
        """Draft the customs authority's bill of what customs assessed; accountants post it.

        sudo: customs officers book what customs notified without accounting rights; the bill stays a draft
        until an accountant posts it. The declarations are locked so one bill results per declaration.
        """
        self.env.cr.execute(SQL("SELECT id FROM customs_declaration WHERE id IN %s FOR UPDATE", tuple(self.ids)),
                            log_exceptions=False)  # contention is retried by Odoo: no ERROR line
        self.invalidate_recordset(["cost_bill_id"])
        problems = [problem for declaration in self for problem in declaration._cost_bill_problems()]
        if problems:
            raise UserError("\n".join(problems))
        bills = self.env["account.move"]
        for declaration in self:
            bill = self.env["account.move"].sudo().create(declaration._prepare_cost_bill_values())
            declaration._flow_write({"cost_bill_id": bill.id})
            declaration.message_post(body=self.env._("Customs bill drafted: %s", bill.display_name),
                                     subtype_xmlid="mail.mt_note")
            bills |= bill
        return bills.with_env(self.env)._get_records_action(name=self.env._("Customs Bills"))
