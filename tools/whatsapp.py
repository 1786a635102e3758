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


def number_forms(number):
    """The digit forms a stored number of this customer may take, international first.

    :param number: a normalised number (``525512345678``)
    :return: (international forms, Mexican national forms): ``(["525512345678",
        "5215512345678"], ["5512345678", "0445512345678", "0455512345678", "015512345678"])``;
        no national form for a number of another country
    """
    if not number:
        return [], []
    if number.startswith(MX) and len(number) == 12:
        national = number[2:]
        return ([number, MX + "1" + national], [national, "044" + national, "045" + national, "01" + national])
    return [number], []


def template_payload(to, template_name, language, parameters):
    """JSON body of a template message (Cloud API ``POST /{version}/{phone-id}/messages``)."""
    payload = {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {"name": template_name, "language": {"code": language}},
    }
    if parameters:
        payload["template"]["components"] = [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": str(p)} for p in parameters],
            }
        ]
    return payload


def text_payload(to, text):
    return {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"preview_url": False, "body": text}}


def signature(app_secret, raw_body):
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_signature(app_secret, raw_body, header):
    """True only when ``header`` is the HMAC-SHA256 of the raw body with the app secret
    (a header that is not ASCII is simply not it)."""
    if not app_secret or not header or not header.isascii():
        return False
    return hmac.compare_digest(signature(app_secret, raw_body), header.strip())


def same_token(expected, given):
    """Constant-time comparison of two secrets of any characters (never raises)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(str(expected).encode(), str(given).encode())


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
    for entry in _objects(_get(payload, "entry")):
        for change in _objects(_get(entry, "changes")):
            value = _get(change, "value")
            phone_id = _text(_get(_get(value, "metadata"), "phone_number_id")) or None
            names = {
                _text(_get(c, "wa_id")): _text(_get(_get(c, "profile"), "name"))
                for c in _objects(_get(value, "contacts"))
            }
            for status in _objects(_get(value, "statuses")):
                statuses.append(
                    {
                        "phone_number_id": phone_id,
                        "id": _text(_get(status, "id")) or None,
                        "status": _text(_get(status, "status")) or None,
                        "error": "; ".join(
                            f"{_text(_get(e, 'code'))}: {_text(_get(e, 'title')) or _text(_get(e, 'message'))}"
                            for e in _objects(_get(status, "errors"))
                        ),
                    }
                )
            for message in _objects(_get(value, "messages")):
                kind = _text(_get(message, "type"))
                if kind == "text":
                    text = _text(_get(_get(message, "text"), "body"))
                elif kind == "button":
                    text = _text(_get(_get(message, "button"), "text"))
                elif kind == "interactive":
                    inter = _get(message, "interactive")
                    reply = _get(inter, "button_reply") or _get(inter, "list_reply")
                    text = _text(_get(reply, "title"))
                else:
                    text = f"[{kind}]"
                sender = _text(_get(message, "from")) or None
                messages.append(
                    {
                        "phone_number_id": phone_id,
                        "id": _text(_get(message, "id")) or None,
                        "from": sender,
                        "text": text,
                        "name": names.get(sender),
                    }
                )
    return statuses, messages


def _get(obj, key):
    """``obj[key]`` of a JSON object, else None (a malformed payload is read as empty)."""
    return obj.get(key) if isinstance(obj, dict) else None


def _objects(value):
    """The JSON objects of a JSON array (anything else is skipped)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value):
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
