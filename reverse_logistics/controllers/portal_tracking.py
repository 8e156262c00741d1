from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from .portal import ReturnPortal


class ReturnTrackingPortal(ReturnPortal):
    @http.route(["/my/returns/<int:return_id>/tracking"], type="http", auth="public", website=True)
    def portal_return_tracking(self, return_id, access_token=None, **kwargs):
        """Where the return is, for whoever holds the link: state and public events only."""
        try:
            # The record's own access rules for a logged-in customer, the token otherwise.
            return_sudo = self._document_check_access("return.order", return_id, access_token=access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._prepare_portal_layout_values()
        values.update({
            "return_order": return_sudo,
            "page_name": "return_tracking",
            # A link holder without an account has no "My Account" to go back to.
            "no_breadcrumbs": request.env.user._is_public(),
            "progress": return_sudo._get_portal_progress(),
            "events": return_sudo._get_public_events(),
            "return_url": return_sudo.get_portal_url(),
        })
        return request.render("reverse_logistics.portal_return_tracking", values)
