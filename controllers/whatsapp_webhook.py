import hmac
import json
import logging

from odoo import http
from odoo.http import request

from ..tools import whatsapp

_logger = logging.getLogger(__name__)


class CollectionsWhatsAppWebhook(http.Controller):
    """WhatsApp Cloud API webhook: verification (GET) and events (POST)."""

    @http.route("/collections/whatsapp/webhook", type="http", auth="public", methods=["GET"],
                csrf=False, save_session=False)
    def verify(self, **params):
        token = params.get("hub.verify_token") or ""
        companies = request.env["res.company"].sudo().search([("collection_wa_verify_token", "!=", False)])
        if params.get("hub.mode", "subscribe") == "subscribe" and token and any(
                hmac.compare_digest(c.collection_wa_verify_token, token) for c in companies):
            return request.make_response(params.get("hub.challenge") or "",
                                         headers=[("Content-Type", "text/plain")])
        return request.make_response("Forbidden", status=403)

    @http.route("/collections/whatsapp/webhook", type="http", auth="public", methods=["POST"],
                csrf=False, save_session=False)
    def receive(self, **_params):
        raw = request.httprequest.get_data()
        header = request.httprequest.headers.get("X-Hub-Signature-256")
        companies = request.env["res.company"].sudo().search([("collection_wa_app_secret", "!=", False)])
        company = next((c for c in companies
                        if whatsapp.verify_signature(c.collection_wa_app_secret, raw, header)), None)
        if not company:
            _logger.warning("WhatsApp webhook refused: bad or missing signature")
            return request.make_response("Forbidden", status=403)
        try:
            payload = json.loads(raw)
        except ValueError:
            return request.make_response("Bad Request", status=400)
        # the company whose number received it, when several share an app secret
        statuses, messages = whatsapp.parse_webhook(payload)
        phone_ids = {item.get("phone_number_id") for item in statuses + messages} - {None}
        if phone_ids:
            owner = companies.filtered(lambda c: c.collection_wa_phone_number_id in phone_ids)[:1]
            company = owner or company
        request.env["collection.event"].sudo().with_company(company)._collection_wa_webhook(
            payload, company)
        return request.make_response("OK", headers=[("Content-Type", "text/plain")])
