from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class PackagingPortal(CustomerPortal):
    """A partner's own packaging balance and movements. Whose statement it is comes from the logged-in
    user only: no route takes a partner, so nobody reads another partner's packaging."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "packaging_count" in counters:
            values["packaging_count"] = self._packaging_partner()._packaging_open_count()
        return values

    def _packaging_partner(self):
        # sudo: the ledger is internal; the statement reads only the user's own commercial partner's rows.
        return request.env.user.partner_id.commercial_partner_id.sudo()

    @http.route(["/my/packaging"], type="http", auth="user", website=True)
    def portal_my_packaging(self, **kwargs):
        values = self._prepare_portal_layout_values()
        values.update({
            "page_name": "packaging",
            # Worded for the customer reading it: "You hold (to return)", not the back office's "owes us".
            "statement": self._packaging_partner()._packaging_statement(for_partner=True),
        })
        return request.render("reverse_logistics.portal_my_packaging", values)

    @http.route(["/my/packaging/statement"], type="http", auth="user", website=True)
    def portal_my_packaging_statement(self, **kwargs):
        partner = self._packaging_partner()
        # sudo: the report action is for returns users; it renders the user's own partner only.
        pdf, _type = request.env["ir.actions.report"].sudo().with_context(
            packaging_statement_for_partner=True)._render_qweb_pdf(
            "reverse_logistics.action_report_packaging_statement", [partner.id]
        )
        return request.make_response(pdf, headers=[
            ("Content-Type", "application/pdf"),
            ("Content-Length", len(pdf)),
            ("Content-Disposition", http.content_disposition("packaging-statement.pdf")),
        ])
