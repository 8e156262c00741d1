import logging

from odoo import http
from odoo.http import request

from ..returns_lib import tracking as tracking_lib

_logger = logging.getLogger(__name__)

# Ids are PostgreSQL integers: a bigger number in the address is no carrier, not a database error.
MAX_RECORD_ID = 2**31 - 1


class CarrierWebhook(http.Controller):
    @http.route(
        "/reverse_logistics/carrier/<int:carrier_id>/events",
        type="http", auth="public", methods=["POST"], csrf=False, save_session=False,
    )
    def carrier_events(self, carrier_id, **kwargs):
        """Carrier tracking events, signed with the carrier's secret. Nothing is written unless all is well.

        Every answer is JSON, refusals included: a carrier's integration logs what we answer.
        """
        httprequest = request.httprequest
        if not (httprequest.mimetype == "application/json" or httprequest.mimetype.endswith("+json")):
            # A form body would have been parsed (and consumed) by Odoo already: the signature
            # could only fail, with a misleading message.
            return self._answer(415, {"error": "the body must be JSON, sent with Content-Type: application/json"})
        if httprequest.content_length is None:
            # Without a length (chunked), the body could only be read without a bound.
            return self._answer(411, {"error": "a Content-Length header is required"})
        if httprequest.content_length > tracking_lib.MAX_BODY_BYTES:
            # Refused unread: split the batch.
            return self._answer(413, {"error": f"the body is larger than {tracking_lib.MAX_BODY_BYTES} bytes"})
        # Cached: when two deliveries update the same return, Odoo replays the request after the
        # serialization failure, and the replay must verify the same body.
        body = httprequest.get_data()
        carrier = request.env["delivery.carrier"]
        if 0 < carrier_id <= MAX_RECORD_ID:
            # sudo: the caller is a carrier, not a user; the signature below is its credential.
            carrier = carrier.sudo().browse(carrier_id).exists()
        secret = carrier.return_webhook_secret if carrier else None
        if not tracking_lib.verify_signature(secret, body, httprequest.headers.get("X-Signature")):
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
        return request.make_json_response(payload, status=status)
