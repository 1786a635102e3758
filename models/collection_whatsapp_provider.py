import logging

import requests

from odoo import _, api, models

from ..tools import whatsapp

_logger = logging.getLogger(__name__)

TIMEOUT = 15  # seconds, connect and read


class WhatsAppError(Exception):
    """A failed call to the Cloud API.

    :param retryable: a later attempt may succeed (network, 429, 5xx)
    :param retry_after: seconds the provider asked us to wait (429)
    """

    def __init__(self, message, retryable=True, retry_after=None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class WhatsAppNotConfigured(WhatsAppError):
    def __init__(self, message):
        super().__init__(message, retryable=True)


class CollectionWhatsAppProvider(models.AbstractModel):
    """The only place of the addon that calls the WhatsApp Business Cloud API."""

    _name = "collection.whatsapp.provider"
    _description = "WhatsApp Cloud API Provider (collections)"

    @api.model
    def _config(self, company=None):
        company = company or self.env.company
        config = {
            "base_url": (company.collection_wa_base_url or "https://graph.facebook.com").rstrip("/"),
            "version": company.collection_wa_api_version or "v21.0",
            "phone_number_id": company.collection_wa_phone_number_id,
            "token": company.collection_wa_access_token,
        }
        if not config["phone_number_id"] or not config["token"]:
            raise WhatsAppNotConfigured(
                _("Waiting: WhatsApp is not configured (phone number id and access token, "
                  "Invoicing settings ▸ Collections)."))
        return config

    @api.model
    def _post(self, payload, company=None):
        config = self._config(company)
        url = f"{config['base_url']}/{config['version']}/{config['phone_number_id']}/messages"
        try:
            response = requests.post(
                url, json=payload, timeout=TIMEOUT,
                headers={"Authorization": f"Bearer {config['token']}"})
        except requests.exceptions.RequestException as error:
            raise WhatsAppError(_("WhatsApp network error: %s", error)) from error
        if response.status_code == 429:
            retry_after = response.headers.get("Retry-After")
            raise WhatsAppError(
                _("WhatsApp rate limit (429)"),
                retry_after=int(retry_after) if (retry_after or "").isdigit() else None)
        if response.status_code >= 400:
            try:
                detail = response.json().get("error", {})
                text = f"{detail.get('code')}: {detail.get('message')}"
            except ValueError:
                text = response.text[:300]
            raise WhatsAppError(_("WhatsApp error %(status)s: %(text)s",
                                  status=response.status_code, text=text),
                                retryable=response.status_code >= 500)
        try:
            return response.json()["messages"][0]["id"]
        except (ValueError, KeyError, IndexError) as error:
            raise WhatsAppError(_("Unexpected WhatsApp answer: %s", response.text[:300])) from error

    @api.model
    def _send_template(self, phone, template_name, language, parameters, company=None):
        """Send an approved template message; return the provider message id (wamid)."""
        return self._post(whatsapp.template_payload(phone, template_name, language, parameters),
                          company=company)

    @api.model
    def _send_text(self, phone, text, company=None):
        """Free text, only inside the 24-hour service window opened by the customer."""
        return self._post(whatsapp.text_payload(phone, text), company=company)
