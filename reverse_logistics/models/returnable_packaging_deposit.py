# pylint: disable=consider-merging-classes-inherited
# Deposits of returnable packaging: charged on the sale order when it leaves, credited once when it comes back.
from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..returns_lib import packaging as packaging_lib
from .return_order_line_returnable import lock_sources

CREDIT_LOCK_MODEL = "packaging-credit:returnable.packaging.move"


class ReturnablePackagingMove(models.Model):
    _inherit = "returnable.packaging.move"

    def _to_credit(self):
        return self.filtered(lambda e: e.side == "customer" and e.direction == packaging_lib.RETURNED
                             and e.deposit_amount < 0 and not e.deposit_credited)

    def action_credit_deposits(self):
        """Draft the credit notes of the deposits of returned packaging not credited yet."""
        credit_notes = self._draft_deposit_credits()
        if not credit_notes:
            raise UserError(self.env._("Nothing to credit: the deposits of this packaging are credited already, or "
                                       "none was charged."))
        return credit_notes.with_env(self.env)._get_records_action(name=self.env._("Deposit Credit Notes"))

    def _draft_deposit_credits(self):
        """One draft credit note per partner for the deposits of these returns, never twice for one entry.

        Decided under a lock of the entries (see ``_lock_sources``): a second run, concurrent or later,
        finds them linked to their credit note and credits nothing. sudo: the credit note is drafted by the
        flow (a clerk validating a receipt); it stays a draft until an accountant posts it.
        """
        candidates = self.sudo()._to_credit()
        if not candidates:
            return self.env["account.move"]
        lock_sources(self.env.cr, [(CREDIT_LOCK_MODEL, entry_id) for entry_id in candidates.ids])
        candidates.invalidate_recordset(["deposit_credit_line_id", "deposit_credited"])
        candidates = candidates._to_credit()
        Move = self.env["account.move"].sudo()
        credit_notes = Move
        for (company, partner), entries in candidates.grouped(lambda e: (e.company_id, e.partner_id)).items():
            entries = entries.sorted("id")
            credit_note = Move.create(self._prepare_deposit_credit_note_values(company, partner, entries))
            lines = credit_note.invoice_line_ids.sorted("id")
            for entry, line in zip(entries, lines, strict=True):
                entry._flow_write({"deposit_credit_line_id": line.id})
            credit_notes |= credit_note
        return credit_notes

    @api.model
    def _prepare_deposit_credit_note_values(self, company, partner, entries):
        """Values of the credit note of ``entries``' deposits; override to add your own."""
        journal = self.env["account.journal"].sudo().search(
            [*self.env["account.journal"]._check_company_domain(company), ("type", "=", "sale")], limit=1)
        if not journal:
            raise UserError(self.env._("Company %s has no sales journal to credit packaging deposits in.",
                                       company.name))
        return {
            "move_type": "out_refund",
            "company_id": company.id,
            "journal_id": journal.id,
            "partner_id": partner.id,
            "currency_id": company.currency_id.id,
            "invoice_date": fields.Date.context_today(self),
            "ref": self.env._("Returned packaging deposit: %s", ", ".join(sorted(set(entries.mapped("origin"))))),
            "invoice_origin": ", ".join(sorted(set(entries.mapped("origin")))),
            "fiscal_position_id": self.env["account.fiscal.position"].with_company(company)._get_fiscal_position(
                partner).id,
            "invoice_line_ids": [Command.create(self._prepare_deposit_credit_line_values(entry)) for entry in entries],
        }

    @api.model
    def _prepare_deposit_credit_line_values(self, entry):
        return {
            "product_id": entry.product_id.id,
            "name": self.env._("Deposit of %(qty)s %(product)s returned (%(origin)s)", qty=entry.quantity,
                               product=entry.product_id.display_name, origin=entry.origin),
            "quantity": entry.quantity,
            "product_uom_id": entry.product_id.uom_id.id,
            "price_unit": -entry.deposit_amount / entry.quantity,
        }
