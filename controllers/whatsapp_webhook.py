import json
import logging

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.http import request

from ..tools import whatsapp

_logger = logging.getLogger(__name__)

#: largest webhook body accepted (WhatsApp sends a few kilobytes)
MAX_BODY = 1024 * 1024


class CollectionsWhatsAppWebhook(http.Controller):
    """WhatsApp Cloud API webhook: verification (GET) and events (POST)."""

    @http.route(
        "/collections/whatsapp/webhook", type="http", auth="public", methods=["GET"], csrf=False, save_session=False
    )
    def verify(self, **params):
        token = params.get("hub.verify_token") or ""
        companies = request.env["res.company"].sudo().search([("collection_wa_verify_token", "!=", False)])
        if (
            params.get("hub.mode", "subscribe") == "subscribe"
            and token
            and any(whatsapp.same_token(c.collection_wa_verify_token, token) for c in companies)
        ):
            return request.make_response(params.get("hub.challenge") or "", headers=[("Content-Type", "text/plain")])
        return request.make_response("Forbidden", status=403)

    @http.route(
        "/collections/whatsapp/webhook",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        max_content_length=MAX_BODY + 1,
    )
    def receive(self, **_params):
        # the size first: a body over the cap is neither read whole nor hashed
        if (request.httprequest.content_length or 0) > MAX_BODY:
            return request.make_response("Payload Too Large", status=413)
        try:
            # a body sent without Content-Length (chunked) is read up to one byte past
            # the cap, never further
            raw = request.httprequest.get_data()
        except RequestEntityTooLarge:
            return request.make_response("Payload Too Large", status=413)
        if len(raw) > MAX_BODY:
            return request.make_response("Payload Too Large", status=413)
        header = request.httprequest.headers.get("X-Hub-Signature-256")
        companies = request.env["res.company"].sudo().search([("collection_wa_app_secret", "!=", False)])
        verified = companies.filtered(lambda c: whatsapp.verify_signature(c.collection_wa_app_secret, raw, header))
        if not verified:
            _logger.warning("WhatsApp webhook refused: bad or missing signature")
            return request.make_response("Forbidden", status=403)
        try:
            payload = json.loads(raw)
        except (ValueError, RecursionError):
            payload = None
        if not isinstance(payload, dict):
            return request.make_response("Bad Request", status=400)
        # each item goes to the verified company whose phone number id it names
        request.env["collection.event"].sudo()._collection_wa_webhook(payload, verified)
        return request.make_response("OK", headers=[("Content-Type", "text/plain")])
