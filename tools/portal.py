"""The customer's own page ("Mi estado de cuenta"): SPEI references, proof files, form input.

Pure standard library.

* **SPEI reference**: the number a customer types as the *referencia numérica* of a
  SPEI transfer (up to 7 digits).  A customer's reference is a 6-digit number taken
  from a sequence (100000-999999: never a leading zero, which banks drop from a
  numeric field) followed by a Damm check digit.  The Damm algorithm catches every
  single-digit error and every swap of two adjacent digits, the two mistakes people
  make when copying a number; a number found in a bank line whose check digit is wrong
  is not a reference.
* **Proof of payment**: a PDF, JPEG or PNG of at most 10 MB, recognised by its first
  bytes (its *magic number*), never by its name or the type the browser claims.
* **Form input**: amounts typed the Mexican way (``1,234.50``) or the European way
  (``1.234,50``), invoice ids from checkboxes.
"""

import datetime as dt
import re

#: the SPEI *referencia numérica* holds up to 7 digits
SPEI_REFERENCE_DIGITS = 7
#: customer numbers of the sequence: 6 digits, never a leading zero
SPEI_FIRST_NUMBER = 100000
SPEI_LAST_NUMBER = 999999

#: largest proof of payment accepted (bytes)
MAX_PROOF_BYTES = 10 * 1024 * 1024
#: actions a customer may post from its page per rolling window (per link)
RATE_LIMIT_ACTIONS = 20
RATE_LIMIT_WINDOW_SECONDS = 3600
#: reminders of the invoices a proof of payment names are held this many business days
PROOF_HOLD_BUSINESS_DAYS = 2

#: type -> (mimetype, extension)
PROOF_TYPES = {
    "pdf": ("application/pdf", "pdf"),
    "jpeg": ("image/jpeg", "jpg"),
    "png": ("image/png", "png"),
}

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
_SEVEN_DIGITS_RE = re.compile(r"(?<!\d)\d{7}(?!\d)")


# --------------------------------------------------------------------------- SPEI
def damm_check_digit(digits):
    """Damm check digit of a string of digits."""
    if not digits or not str(digits).isdigit():
        raise ValueError("a check digit is computed on digits only")
    interim = 0
    for char in str(digits):
        interim = _DAMM[interim][int(char)]
    return str(interim)


def spei_reference(number):
    """The 7-digit reference of the ``number``-th customer (100000-999999)."""
    number = int(number)
    if not SPEI_FIRST_NUMBER <= number <= SPEI_LAST_NUMBER:
        raise ValueError(f"SPEI reference numbers go from {SPEI_FIRST_NUMBER} to {SPEI_LAST_NUMBER}: {number}")
    base = str(number)
    return base + damm_check_digit(base)


def is_spei_reference(text):
    """7 digits, no leading zero, whose last one is the right check digit."""
    text = (text or "").strip()
    return (
        len(text) == SPEI_REFERENCE_DIGITS
        and text.isdigit()
        and text[0] != "0"
        and damm_check_digit(text[:-1]) == text[-1]
    )


def find_spei_references(*texts):
    """Valid SPEI references written in texts (a 7-digit number standing alone)."""
    found = []
    for text in texts:
        for number in _SEVEN_DIGITS_RE.findall(text or ""):
            if is_spei_reference(number) and number not in found:
                found.append(number)
    return found


# --------------------------------------------------------------------------- files
def sniff_file_type(head):
    """``pdf``, ``jpeg``, ``png`` from the first bytes of a file, else None."""
    head = bytes(head or b"")
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def proof_file_error(content, size=None):
    """Why a proof of payment is refused (``empty``, ``too_large``, ``type``), else None.

    :param size: the full size when ``content`` holds only the beginning of the file
    """
    size = len(content or b"") if size is None else size
    if not size:
        return "empty"
    if size > MAX_PROOF_BYTES:
        return "too_large"
    if not sniff_file_type(content[:16]):
        return "type"
    return None


def proof_file_name(original, kind, today):
    """A safe name for the stored proof: the customer's file name without its folder, its
    odd characters and its extension, followed by the extension of the real type."""
    base = re.split(r"[\\/]", original or "")[-1]
    base = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", base)
    base = re.sub(r"[^\w .()-]+", "", base, flags=re.UNICODE).strip(" .")[:80]
    return f"{base or 'comprobante-' + today.isoformat()}.{PROOF_TYPES[kind][1]}"


# --------------------------------------------------------------------------- dates
def add_business_days(day, count, is_holiday=None, extra_days=()):
    """The ``count``-th business day after ``day`` (Monday-Friday, not a holiday)."""
    extra_days = set(extra_days or ())
    current = day
    left = count
    while left > 0:
        current += dt.timedelta(days=1)
        if current.weekday() >= 5 or current in extra_days or (is_holiday and is_holiday(current)):
            continue
        left -= 1
    return current


def promise_date_error(promised, today, max_days):
    """Why a promised payment date is refused (``past``, ``too_late``), else None."""
    if promised < today:
        return "past"
    if (promised - today).days > max_days:
        return "too_late"
    return None


# --------------------------------------------------------------------------- input
def parse_amount(text):
    """A positive or zero amount typed by a person, else None.

    ``1234.5``, ``1,234.50``, ``$ 1 234,50``, ``1.234,50``: the last ``.`` or ``,``
    followed by one or two digits is the decimal separator; the other ones group
    thousands.
    """
    text = re.sub(r"[\s$]|MXN|USD|EUR", "", str(text or ""), flags=re.IGNORECASE)
    if not text or not re.fullmatch(r"[0-9.,]+", text):
        return None
    match = re.search(r"[.,](\d{1,2})$", text)
    if match:
        whole, decimals = text[: match.start()], match.group(1)
    else:
        whole, decimals = text, "0"
    whole = whole.replace(",", "").replace(".", "")
    if not whole.isdigit() and whole != "":
        return None
    try:
        return round(float(f"{whole or '0'}.{decimals}"), 2)
    except ValueError:
        return None


def parse_ids(values):
    """Integer ids from form values (a list or one value); None when one is not an id."""
    if values is None:
        return []
    if isinstance(values, (str, int)):
        values = [values]
    ids = []
    for value in values:
        value = str(value).strip()
        if not value.isdigit() or len(value) > 12:
            return None
        if int(value) not in ids:
            ids.append(int(value))
    return ids
