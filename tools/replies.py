"""Customers' replies, whatever the channel (email or WhatsApp): no ORM, no network.

* one classifier: the first editable keyword rule found in the text decides (paid,
  payment plan, dispute, do not contact), else a plain thanks is an acknowledgement and
  anything else goes to a person;
* the new text of an email reply, without the quoted reminder below it (a quoted
  reminder says "comprobante", "transferencia"... and must not classify the reply);
* automatic replies (out of office, autoresponders) recognised by their headers
  (RFC 3834 ``Auto-Submitted``, ``X-Autoreply``, ``X-Autorespond``, ``Precedence``)
  or their subject;
* business days (the reminders of an invoice the customer says it paid wait two).
"""

import datetime as dt
import re
import unicodedata


def fold(text):
    """Lower case, accents removed, spaces squeezed: 'Ya PAGUÉ!' -> 'ya pague!'."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"\s+", " ", text).strip()


ACKNOWLEDGEMENTS = {
    "ok",
    "okay",
    "oki",
    "va",
    "vale",
    "gracias",
    "muchas gracias",
    "ok gracias",
    "enterado",
    "enterada",
    "recibido",
    "de acuerdo",
    "perfecto",
    "listo",
    "si",
    "claro",
    "sale",
    "buen dia",
    "buenos dias",
    "buenas tardes",
    "thanks",
    "thank you",
    "👍",
    "🙏",
    "gracias saludos",
    "muchas gracias saludos",
    "saludos",
    "ok saludos",
    "enterado gracias",
    "recibido gracias",
    "gracias buen dia",
    "thank you regards",
}


def is_acknowledgement(text):
    folded = re.sub(r"[^\w\s👍🙏]", "", fold(text)).strip()
    folded = re.sub(r"\s+", " ", folded)
    return folded in ACKNOWLEDGEMENTS or not folded


def classify(text, rules):
    """The kind of the first rule (ordered) with a keyword found in ``text``.

    :param rules: iterable of (kind, [keywords])
    :return: the kind, ``"acknowledgement"`` for a plain thanks/ok, or ``"other"``
    """
    folded = fold(text)
    for kind, keywords in rules:
        for keyword in keywords:
            keyword = fold(keyword)
            if keyword and re.search(r"(?<!\w)" + re.escape(keyword) + r"(?!\w)", folded):
                return kind
    if is_acknowledgement(text):
        return "acknowledgement"
    return "other"


# ---------------------------------------------------------------------- email replies
#: a line where the quoted original begins (the reply is above it)
QUOTE_HEADERS = [
    r"^\s*>",  # > quoted line
    r"^\s*-{2,}\s*(original message|mensaje original|forwarded message|mensaje reenviado)",
    r"^\s*_{10,}\s*$",  # Outlook separator
    r"^\s*(on|el)\s.{0,200}(wrote|escribio)\s*:?\s*$",  # On ... wrote: / El ... escribió:
    r"^\s*(from|de|enviado el|sent)\s*:\s.+",  # Outlook header block
    r"^\s*-- ?$",  # signature
]
_QUOTE_RE = re.compile("|".join(f"(?:{p})" for p in QUOTE_HEADERS), re.IGNORECASE)


def reply_text(text):
    """The new text of an email reply: what comes before the quoted message or signature.

    Works on plain text (the HTML quotes were already removed by the caller); a
    two-line "El lun, 7 dic 2026 ... <x@y>\\nescribió:" header is recognised too.
    """
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = []
    for index, line in enumerate(lines):
        folded = fold(line)
        if _QUOTE_RE.search(folded):
            break
        nxt = fold(lines[index + 1]) if index + 1 < len(lines) else ""
        if re.match(r"^(on|el)\s", folded) and re.match(r"^.{0,80}(wrote|escribio)\s*:?\s*$", nxt):
            break
        kept.append(line)
    return "\n".join(kept).strip()


#: subjects of automatic replies (folded: lower case, no accents)
AUTO_REPLY_SUBJECTS = (
    "respuesta automatica",
    "fuera de la oficina",
    "fuera de oficina",
    "out of office",
    "out of the office",
    "automatic reply",
    "auto reply",
    "autoreply",
    "auto-reply",
    "estoy de vacaciones",
    "vacation reply",
)


def is_auto_reply(headers, subject=""):
    """Whether an email was written by a machine on behalf of its recipient.

    :param headers: mapping of header names (any case) to values
    """
    lowered = {str(k).lower(): str(v or "").strip().lower() for k, v in (headers or {}).items()}
    auto = lowered.get("auto-submitted", "")
    if auto and auto != "no":
        return True
    if "x-autoreply" in lowered or "x-autorespond" in lowered or "x-autoresponse" in lowered:
        return True
    if lowered.get("precedence") in ("auto_reply", "bulk", "junk"):
        return True
    folded = fold(subject)
    return any(re.search(r"(?<!\w)" + re.escape(s) + r"(?!\w)", folded) for s in AUTO_REPLY_SUBJECTS)


def add_business_days(day, count, is_business_day):
    """The ``count``-th business day after ``day`` (``day`` itself never counts).

    :param is_business_day: callable(date) -> bool (weekdays, holidays, company days off)
    """
    current = day
    found = 0
    for _ in range(400):
        if found >= count:
            return current
        current += dt.timedelta(days=1)
        if is_business_day(current):
            found += 1
    return current
