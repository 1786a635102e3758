import logging

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from odoo import _, api, models

from ..tools import whatsapp

_logger = logging.getLogger(__name__)

#: seconds to connect, then to wait for the answer (requests applies it to each); a
#: connect timeout means nothing left, a read timeout that the message may be on its way
TIMEOUT = 15


class WhatsAppError(Exception):
    """A failed call to the Cloud API.

    :param retryable: the message surely did not reach WhatsApp (connection refused,
        connect timeout, 429 rate limit) and a later attempt may succeed
    :param retry_after: seconds the provider asked us to wait (429)
    :param unknown: the request was sent but no usable answer came back (read timeout,
        5xx, connection broken after sending): the message may have been delivered; it
        must never be sent again by itself
    """

    def __init__(self, message, retryable=True, retry_after=None, unknown=False):
        super().__init__(message)
        self.retryable = retryable and not unknown
        self.retry_after = retry_after
        self.unknown = unknown


class WhatsAppNotConfigured(WhatsAppError):
    def __init__(self, message):
        super().__init__(message, retryable=True)


def surely_not_sent(error):
    """True when a requests exception proves the request never left: the connection
    could not be opened (refused, unknown host, connect timeout) or the request could not
    even be built.  Anything else (read timeout, connection reset after sending...) may
    have been delivered."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(
        error,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidHeader,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ),
    ):
        return True
    if isinstance(error, requests.exceptions.ConnectionError) and not isinstance(error, requests.exceptions.SSLError):
        reason = error.args[0] if error.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        return isinstance(reason, (NewConnectionError, ConnectTimeoutError))
    return False


def retry_after_seconds(value):
    """Seconds of a ``Retry-After`` header given in seconds (an HTTP date: None)."""
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


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
                _(
                    "Waiting: WhatsApp is not configured (phone number id and access token, "
                    "Invoicing settings ▸ Collections)."
                )
            )
        return config

    @api.model
    def _post(self, payload, company=None):
        """POST one message; return its id (wamid) or raise :class:`WhatsAppError` saying
        whether it surely did not leave (``retryable``) or may have (``unknown``)."""
        config = self._config(company)
        url = f"{config['base_url']}/{config['version']}/{config['phone_number_id']}/messages"
        try:
            response = requests.post(
                url, json=payload, timeout=TIMEOUT, headers={"Authorization": f"Bearer {config['token']}"}
            )
        except requests.exceptions.RequestException as error:
            if surely_not_sent(error):
                raise WhatsAppError(_("WhatsApp unreachable, the message did not leave: %s", error)) from error
            raise WhatsAppError(
                _("Delivery unknown: the message was sent to WhatsApp but no answer came back (%s).", error),
                unknown=True,
            ) from error
        if response.status_code == 429:
            raise WhatsAppError(
                _("WhatsApp rate limit (429)"), retry_after=retry_after_seconds(response.headers.get("Retry-After"))
            )
        if response.status_code >= 400:
            try:
                detail = response.json().get("error", {})
                text = f"{detail.get('code')}: {detail.get('message')}"
            except (ValueError, AttributeError):
                text = response.text[:300]
            if response.status_code >= 500:
                raise WhatsAppError(
                    _(
                        "Delivery unknown: WhatsApp answered error %(status)s after receiving the message (%(text)s).",
                        status=response.status_code,
                        text=text,
                    ),
                    unknown=True,
                )
            raise WhatsAppError(
                _("WhatsApp error %(status)s: %(text)s", status=response.status_code, text=text), retryable=False
            )
        try:
            return response.json()["messages"][0]["id"]
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise WhatsAppError(
                _("Delivery unknown: unexpected WhatsApp answer: %s", response.text[:300]), unknown=True
            ) from error

    @api.model
    def _recipient(self, phone):
        """The ``to`` of a message: the number in E.164 (``+525512345678``); Mexican
        numbers in any usual form (``+52 1 55...``, ``521...``, ``(55) 1234-5678``) give
        the same recipient.  An impossible number is refused before any call."""
        to = whatsapp.e164(phone)
        if not to:
            raise WhatsAppError(
                _(
                    "“%s” is not a valid mobile number for WhatsApp (expected a Mexican number "
                    "of 10 digits, or an international number with its country code).",
                    phone or "",
                ),
                retryable=False,
            )
        return to

    @api.model
    def _send_template(self, phone, template_name, language, parameters, company=None):
        """Send an approved template message; return the provider message id (wamid)."""
        return self._post(
            whatsapp.template_payload(self._recipient(phone), template_name, language, parameters), company=company
        )

    @api.model
    def _send_text(self, phone, text, company=None):
        """Free text, only inside the 24-hour service window opened by the customer."""
        return self._post(whatsapp.text_payload(self._recipient(phone), text), company=company)
