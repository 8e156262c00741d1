# pylint: disable=consider-merging-classes-inherited
# A partner's packaging statement (PDF and portal) and the reminders of packaging out for too long.
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models

from ..returns_lib import packaging as packaging_lib


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _packaging_statement_labels(self, for_partner):
        """({side: label}, {(side, direction): label}): the back office reads the ledger from the company's side
        ("Customer (owes us)"); the partner reads their statement from their own ("You hold (to return)")."""
        Ledger = self.env["returnable.packaging.move"]
        sides = dict(Ledger._fields["side"]._description_selection(self.env))
        directions = dict(Ledger._fields["direction"]._description_selection(self.env))
        movements = {(side, direction): label for side in sides for direction, label in directions.items()}
        if not for_partner:
            return sides, movements
        sides = {"customer": self.env._("You hold (to return)"), "supplier": self.env._("We hold for you")}
        movements.update({
            ("customer", packaging_lib.SENT): self.env._("Delivered to you"),
            ("customer", packaging_lib.RETURNED): self.env._("Returned by you"),
            ("customer", packaging_lib.WRITTEN_OFF): self.env._("Written off (not returned)"),
            ("supplier", packaging_lib.SENT): self.env._("Received from you"),
            ("supplier", packaging_lib.RETURNED): self.env._("Returned to you"),
            ("supplier", packaging_lib.WRITTEN_OFF): self.env._("Written off (not returned)"),
        })
        return sides, movements

    def _packaging_statement(self, limit=200, for_partner=None):
        """What a partner's packaging statement shows, as plain values: balances by type and side, the latest
        movements, deposits charged, credited and kept. Only what the partner may read: no cost, no account,
        no internal user. ``for_partner`` (else the context's ``packaging_statement_for_partner``): worded for
        the partner reading it (the portal), not for the back office.

        sudo: read by the PDF report and the portal page for ``self``'s commercial partner only; callers
        decide whose statement it is (the portal from the logged-in user, never from a parameter).
        """
        self.ensure_one()
        partner = self.commercial_partner_id
        Balance = self.env["returnable.packaging.balance"].sudo()
        balances = Balance.search([("partner_id", "=", partner.id)])
        moves = self.env["returnable.packaging.move"].sudo().search([("partner_id", "=", partner.id)], limit=limit)
        if for_partner is None:
            for_partner = bool(self.env.context.get("packaging_statement_for_partner"))
        sides, directions = self._packaging_statement_labels(for_partner)
        company = balances[:1].company_id or self.env.company
        return {
            "partner": partner,
            "for_partner": for_partner,
            "company": company,
            "date": fields.Date.context_today(self),
            "currency": company.currency_id,
            "balances": [{
                "product": balance.product_id.display_name,
                "side": sides.get(balance.side),
                "sent": balance.qty_sent,
                "returned": balance.qty_returned,
                "written_off": balance.qty_written_off,
                "balance": balance.balance_qty,
                "deposit_charged": balance.deposit_charged,
                "deposit_credited": balance.deposit_credited,
                "deposit_open": balance.deposit_open,
            } for balance in balances],
            "movements": [{
                "date": fields.Date.to_date(move.date),
                "origin": move.origin,
                "product": move.product_id.display_name,
                "lot": move.lot_id.name or "",
                "direction": directions.get((move.side, move.direction)),
                "side": sides.get(move.side),
                "quantity": move.quantity,
                "deposit": move.deposit_amount,
            } for move in moves],
            "deposit_charged": sum(balances.mapped("deposit_charged")),
            "deposit_credited": sum(balances.mapped("deposit_credited")),
            "deposit_open": sum(balances.mapped("deposit_open")),
        }

    def _packaging_open_count(self):
        """Packaging types the partner holds or is owed (sudo: see _packaging_statement)."""
        self.ensure_one()
        return self.env["returnable.packaging.balance"].sudo().search_count(
            [("partner_id", "=", self.commercial_partner_id.id), ("balance_qty", "!=", 0)])

    def action_view_packaging_balance(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("reverse_logistics.action_returnable_packaging_balance")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action


class ReturnablePackagingMove(models.Model):
    _inherit = "returnable.packaging.move"

    @api.model
    def _cron_packaging_reminders(self):
        """One reminder activity per partner holding packaging sent longer ago than the company's setting.

        Partners with a reminder still open are left alone; balances are read in one query per company,
        the movements of the partners holding packaging in one more.
        """
        activity_type = self.env.ref("reverse_logistics.mail_activity_packaging_reminder", raise_if_not_found=False)
        today = fields.Date.context_today(self)
        values = []
        for company in self.env["res.company"].search([("packaging_reminder_days", ">", 0)]):
            holding = self._read_group(
                [("company_id", "=", company.id), ("side", "=", "customer")], ["partner_id"], ["balance_qty:sum"],
                having=[("balance_qty:sum", ">", 0)],
            )
            partners = self.env["res.partner"].browse([partner.id for partner, _qty in holding])
            if not partners:
                continue
            open_reminders = self.env["mail.activity"].search([
                ("res_model", "=", "res.partner"), ("res_id", "in", partners.ids),
                ("activity_type_id", "=", activity_type.id if activity_type else False),
            ])
            partners -= partners.browse(open_reminders.mapped("res_id"))
            entries = self.search([("company_id", "=", company.id), ("side", "=", "customer"),
                                   ("partner_id", "in", partners.ids)], order="date, id")
            late = packaging_lib.overdue(entries._ledger_entries(), today, company.packaging_reminder_days)
            by_partner = defaultdict(list)
            for (partner_id, product_id, _side), (qty, since) in late.items():
                by_partner[partner_id].append((self.env["product.product"].browse(product_id), qty, since))
            for partner_id, items in by_partner.items():
                partner = partners.browse(partner_id)
                values.append(self._prepare_reminder_activity(partner, items, activity_type, company))
        # sudo: the cron's to-dos go to the partners' salespeople, whoever runs it.
        return self.env["mail.activity"].sudo().create(values)

    @api.model
    def _prepare_reminder_activity(self, partner, items, activity_type, company):
        lines = Markup("<br/>").join(
            self.env._("%(qty)s %(product)s out since %(date)s", qty=qty, product=product.display_name, date=since)
            for product, qty, since in items
        )
        # The partner's salesperson, else the company's first returns manager: someone who can call the partner.
        managers = self.env.ref("reverse_logistics.group_returns_manager").users.filtered(
            lambda u: not u.share and company in u.company_ids)
        user = partner.user_id if partner.user_id and not partner.user_id.share else managers[:1] or self.env.user
        return {
            "res_model_id": self.env["ir.model"]._get_id("res.partner"),
            "res_id": partner.id,
            "activity_type_id": activity_type.id if activity_type else False,
            "summary": self.env._("Packaging out for more than %s days", company.packaging_reminder_days),
            "note": lines,
            "user_id": user.id,
            "date_deadline": fields.Date.context_today(self),
            "automated": True,
        }
