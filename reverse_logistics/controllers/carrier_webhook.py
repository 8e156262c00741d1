import json
import logging

from odoo import http
from odoo.http import request

from ..returns_lib import tracking as tracking_lib

_logger = logging.getLogger(__name__)


class CarrierWebhook(http.Controller):
    @http.route(
        "/reverse_logistics/carrier/<int:carrier_id>/events",
        type="http", auth="public", methods=["POST"], csrf=False, save_session=False,
    )
    def carrier_events(self, carrier_id, **kwargs):
        """Carrier tracking events, signed with the carrier's secret. Nothing is written unless all is well."""
        body = request.httprequest.get_data(cache=False)
        # sudo: the caller is a carrier, not a user; the signature below is its credential.
        carrier = request.env["delivery.carrier"].sudo().browse(carrier_id).exists()
        secret = carrier.return_webhook_secret if carrier else None
        if not tracking_lib.verify_signature(secret, body, request.httprequest.headers.get("X-Signature")):
            _logger.warning("Carrier webhook %s: signature refused", carrier_id)
            return self._answer(403, {"error": "bad signature"})
        try:
            events = tracking_lib.parse_body(body)
        except tracking_lib.MalformedEvents as error:
            return self._answer(400, {"error": str(error)})
        # sudo: a verified carrier may add events to the returns it carries, and nothing else.
        recorded, duplicates, unknown = request.env["return.order"].sudo()._apply_carrier_events(carrier, events)
        return self._answer(200, {"recorded": len(recorded), "duplicates": duplicates, "unknown": unknown})

    def _answer(self, status, payload):
        return request.make_response(
            json.dumps(payload), headers=[("Content-Type", "application/json")], status=status
        )
