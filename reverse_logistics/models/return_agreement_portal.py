# pylint: disable=consider-merging-classes-inherited
# return.agreement is extended per business concept: this file is the customer's side, on the portal.
"""A trade customer proposes its excess stock on the portal (``/my/returns/excess``).

Portal users read nothing internal: the controller gets the customer's agreement and its figures from
here, and the proposal goes through the same check, lock and return as a clerk's, then waits for a person's
approval (unless the agreement approves checked returns).
"""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError


class ReturnAgreement(models.Model):
    _inherit = "return.agreement"

    @api.model
    def _portal_agreement(self, partner):
        """The agreement in force today for ``partner``'s company, as superuser (empty when none).

        sudo: portal users have no access to agreements; the one returned is their own company's, and
        the controller shows only its terms and figures.
        """
        today = fields.Date.context_today(self)
        return self.sudo().search([
            ("partner_id", "=", partner.commercial_partner_id.id), ("state", "=", "active"),
            ("date_start", "<=", today), ("date_end", ">=", today),
        ], limit=1)

    def _portal_propose(self, partner, pasted, comment=None):
        """Create and submit the return of a pasted list for ``partner``; (return, cut sentences).

        Called on the agreement ``_portal_agreement`` found for ``partner`` (as superuser): portal users
        have no create right on returns; what may come back is decided by the agreement's check.
        """
        self.ensure_one()
        if partner.commercial_partner_id != self.partner_id:
            raise UserError(self.env._("This agreement is not your company's."))
        proposal = self.env["return.excess.wizard"]._parse_pasted(pasted, self.company_id)
        if not proposal:
            raise UserError(self.env._("List the products to return: a reference and a quantity on each line."))
        order, decision = self._create_excess_return(
            proposal, partner=partner, customer_note=(comment or "").strip() or None, via_portal=True)
        order.action_submit()
        cuts = self._explain_cuts(decision)
        # The customer reads why on the return's page (and by e-mail): the internal note is not theirs.
        order.message_post(
            body=Markup("<p>%s</p>") % self.env._(
                "Checked against your return agreement: %(approved)s of %(count)s lines accepted.",
                approved=len(decision.approved_lines), count=len(decision.lines))
            + (Markup("<ul>%s</ul>") % Markup().join(Markup("<li>%s</li>") % cut for cut in cuts) if cuts else ""),
            message_type="comment", subtype_xmlid="mail.mt_comment")
        return order, cuts
