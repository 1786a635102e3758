"""WhatsApp Business Cloud API helpers (no ORM, no network).

* phone numbers normalised to E.164; Mexican mobiles arrive both as ``52XXXXXXXXXX``
  and, from older clients and webhooks, as ``521XXXXXXXXXX``: both are the same customer;
* the JSON body of a template message;
* the ``X-Hub-Signature-256`` check of webhooks;
* the classification of a customer's reply is tools/replies.py (same for email).
"""

import hashlib
import hmac
import re

# one classifier for every channel: the reply rules live in tools/replies.py
from .replies import ACKNOWLEDGEMENTS, classify, fold, is_acknowledgement  # noqa: F401

MX = "52"


def digits(value):
    return re.sub(r"\D", "", value or "")


def normalize_phone(raw, default_country=MX):
    """E.164 without the plus sign (``525512345678``), or None when not a usable number.

    Mexican numbers: 10 national digits; ``044``/``045`` and ``01`` prefixes dropped; the
    mobile ``1`` after ``52`` dropped (``521...`` -> ``52...``).
    """
    raw = (raw or "").strip()
    number = digits(raw)
    if not number:
        return None
    if raw.startswith("+") or raw.startswith("00"):
        number = number[2:] if raw.startswith("00") else number
    elif default_country == MX:
        if len(number) == 13 and number[:3] in ("044", "045"):
            number = number[3:]
        elif len(number) == 12 and number.startswith("01"):
            number = number[2:]
        if len(number) == 10:
            number = MX + number
    elif len(number) <= 10:
        number = (default_country or "") + number
    if number.startswith("521") and len(number) == 13:
        number = MX + number[3:]
    if number.startswith(MX) and (len(number) != 12 or number[2] in "01"):
        return None  # Mexican numbers: 10 digits, never starting with 0 or 1
    if not 8 <= len(number) <= 15 or number[0] == "0":
        return None
    return number


def e164(raw, default_country=MX):
    """The recipient of a Cloud API message: E.164 with its plus sign (``+525512345678``,
    the form the API recommends for ``to``), or None when not a possible number."""
    number = normalize_phone(raw, default_country)
    return "+" + number if number else None


def same_number(a, b):
    na, nb = normalize_phone(a), normalize_phone(b)
    return bool(na) and na == nb


def template_payload(to, template_name, language, parameters):
    """JSON body of a template message (Cloud API ``POST /{version}/{phone-id}/messages``)."""
    payload = {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {"name": template_name, "language": {"code": language}},
    }
    if parameters:
        payload["template"]["components"] = [{
            "type": "body",
            "parameters": [{"type": "text", "text": str(p)} for p in parameters],
        }]
    return payload


def text_payload(to, text):
    return {"messaging_product": "whatsapp", "to": to, "type": "text",
            "text": {"preview_url": False, "body": text}}


def signature(app_secret, raw_body):
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_signature(app_secret, raw_body, header):
    """True only when ``header`` is the HMAC-SHA256 of the raw body with the app secret."""
    if not app_secret or not header:
        return False
    return hmac.compare_digest(signature(app_secret, raw_body), header.strip())


def backoff_seconds(attempt, base=60, cap=3600):
    """Exponential backoff: 60 s, 120 s, 240 s ... at most an hour."""
    return min(base * 2 ** max(attempt - 1, 0), cap)


def parse_webhook(payload):
    """Statuses and inbound messages of a webhook payload.

    :return: (statuses, messages): lists of dicts
        status: {"id": wamid, "status": sent|delivered|read|failed, "error": text}
        message: {"id": wamid, "from": number, "text": body, "name": profile name}
    """
    statuses, messages = [], []
    for entry in (payload or {}).get("entry", []) or []:
        for change in entry.get("changes", []) or []:
            value = change.get("value") or {}
            phone_id = (value.get("metadata") or {}).get("phone_number_id")
            names = {c.get("wa_id"): (c.get("profile") or {}).get("name")
                     for c in value.get("contacts", []) or []}
            for status in value.get("statuses", []) or []:
                errors = status.get("errors") or []
                statuses.append({
                    "phone_number_id": phone_id,
                    "id": status.get("id"),
                    "status": status.get("status"),
                    "error": "; ".join(
                        f"{e.get('code')}: {e.get('title') or e.get('message')}" for e in errors),
                })
            for message in value.get("messages", []) or []:
                kind = message.get("type")
                if kind == "text":
                    text = (message.get("text") or {}).get("body", "")
                elif kind == "button":
                    text = (message.get("button") or {}).get("text", "")
                elif kind == "interactive":
                    inter = message.get("interactive") or {}
                    text = (inter.get("button_reply") or inter.get("list_reply") or {}).get("title", "")
                else:
                    text = f"[{kind}]"
                messages.append({"phone_number_id": phone_id, "id": message.get("id"),
                                 "from": message.get("from"), "text": text,
                                 "name": names.get(message.get("from"))})
    return statuses, messages
