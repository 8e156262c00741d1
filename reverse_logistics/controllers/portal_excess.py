"""Excess-stock returns proposed by a trade customer on the portal: ``/my/returns/excess``."""

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class ExcessReturnPortal(CustomerPortal):
    def _prepare_excess_values(self, agreement, error=None, posted=None):
        values = self._prepare_portal_layout_values()
        values.update({"agreement": agreement, "figures": agreement._allowance_figures() if agreement else {},
                       "page_name": "excess_return", "error": error, "posted": posted or {}})
        return values

    @http.route(["/my/returns/excess"], type="http", auth="user", website=True, methods=["GET"])
    def portal_excess_return(self, **kwargs):
        agreement = request.env["return.agreement"]._portal_agreement(request.env.user.partner_id)
        return request.render("reverse_logistics.portal_excess_return", self._prepare_excess_values(agreement))

    @http.route(["/my/returns/excess"], type="http", auth="user", website=True, methods=["POST"])
    def portal_excess_return_submit(self, **form):
        partner = request.env.user.partner_id
        agreement = request.env["return.agreement"]._portal_agreement(partner)
        if not agreement:
            return request.render("reverse_logistics.portal_excess_return", self._prepare_excess_values(agreement),
                                  status=404)
        try:
            # Savepoint: a refused proposal leaves nothing behind.
            with request.env.cr.savepoint():
                order, cuts = agreement._portal_propose(partner, form.get("lines") or "", form.get("comment"))
        except UserError as error:
            values = self._prepare_excess_values(agreement, error=error.args[0], posted=form)
            return request.render("reverse_logistics.portal_excess_return", values, status=400)
        message = "excess_cut" if cuts else "requested"
        return request.redirect(order.get_portal_url(query_string=f"&message={message}"))
