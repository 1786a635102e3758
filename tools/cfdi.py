"""CFDI 4.0: safe XML parsing, RFC checks and payment-complement (REP) deadlines.

Stdlib + lxml + python-stdnum; no ORM. Errors are reported as :class:`CfdiError` whose
``code`` the models turn into a translated message (``args`` carry the details).
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from lxml import etree

from .sat_catalogs import GENERIC_RFCS

NS_CFDI = "http://www.sat.gob.mx/cfd/4"
NS_CFDI_33 = "http://www.sat.gob.mx/cfd/3"
NS_TFD = "http://www.sat.gob.mx/TimbreFiscalDigital"
NS_PAGOS = "http://www.sat.gob.mx/Pagos20"
NS = {"cfdi": NS_CFDI, "tfd": NS_TFD, "pago20": NS_PAGOS}
#: CFDI 3.3 (mandatory until 2022, valid until March 2023): invoices still open are read
NS_33 = {"cfdi": NS_CFDI_33, "tfd": NS_TFD}

#: largest XML accepted (bytes); a CFDI invoice is rarely above a few hundred KB
MAX_SIZE = 5 * 1024 * 1024


_DTD_RE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)

UUID_RE = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")


class CfdiError(ValueError):
    """A file that cannot be used; ``code`` says why (see the models for the messages).

    codes: ``too_large``, ``empty``, ``malformed``, ``doctype``, ``not_cfdi``,
    ``version_33_payment`` (a CFDI 3.3 payment complement, Pagos 1.0), ``version``,
    ``not_invoice``, ``not_stamped``, ``missing``, ``bad_uuid``, ``bad_total``.
    """

    def __init__(self, code, *args):
        super().__init__(code, *args)
        self.code = code
        self.args_detail = args


def _parser():
    # no entity expansion, no DTD loading, no network, bounded tree
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data, max_size=MAX_SIZE):
    """Parse ``data`` (bytes) safely; a DOCTYPE (entities, XXE) is refused outright."""
    if not data:
        raise CfdiError("empty")
    if len(data) > max_size:
        raise CfdiError("too_large", len(data), max_size)
    if _DTD_RE.search(data):  # DTDs and entities (XXE, billion laughs): never in a CFDI
        raise CfdiError("doctype")
    try:
        root = etree.fromstring(data, parser=_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise CfdiError("malformed", str(exc)) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise CfdiError("doctype")
    return root


def normalize_uuid(value):
    value = (value or "").strip().upper()
    return value if UUID_RE.match(value) else None


def normalize_rfc(value):
    return re.sub(r"[\s\-.]", "", value or "").upper()


def _decimal(value, field):
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise CfdiError("bad_total", field, value) from exc


def parse_payment(data, max_size=MAX_SIZE):
    """Read a stamped CFDI 4.0 payment complement (REP: TipoDeComprobante P, Pagos 2.0).

    Returns a dict: uuid, issuer_rfc, receiver_rfc, serie, folio, payments (list of dicts
    with date, amount, currency, invoices: list of related invoice UUIDs).
    """
    return _payment_values(parse_xml(data, max_size=max_size))


def _payment_values(root):
    if _version(root) == "3.3":
        raise CfdiError("version_33_payment")
    issuer, receiver, _stamp, uuid = _stamped_parts(root, "P")
    payments = []
    for pago in root.iterfind("cfdi:Complemento/pago20:Pagos/pago20:Pago", NS):
        related = []
        for doc in pago.iterfind("pago20:DoctoRelacionado", NS):
            doc_uuid = normalize_uuid(doc.get("IdDocumento"))
            if doc_uuid and doc_uuid not in related:
                related.append(doc_uuid)
        payments.append(
            {
                "date": _datetime(pago.get("FechaPago")),
                "amount": _decimal(pago.get("Monto"), "Monto"),
                "currency": pago.get("MonedaP") or "",
                "invoices": related,
            }
        )
    if not payments:
        raise CfdiError("missing", "pago20:Pagos")
    return {
        "type": "P",
        "uuid": uuid,
        "serie": (root.get("Serie") or "").strip(),
        "folio": (root.get("Folio") or "").strip(),
        "issuer_rfc": normalize_rfc(issuer.get("Rfc")),
        "receiver_rfc": normalize_rfc(receiver.get("Rfc")),
        "payments": payments,
    }


def parse_document(data, max_size=MAX_SIZE):
    """An invoice (I) or a payment complement (P), parsed once: the dict of
    :func:`parse_invoice` or :func:`parse_payment` (``type`` says which)."""
    root = parse_xml(data, max_size=max_size)
    if root.get("TipoDeComprobante") == "P":
        return _payment_values(root)
    return _invoice_values(root)


def _version(root):
    """``"4.0"`` or ``"3.3"``: the CFDI version of ``root``, else :class:`CfdiError`."""
    qname = etree.QName(root)
    if qname.localname != "Comprobante" or qname.namespace not in (NS_CFDI, NS_CFDI_33):
        raise CfdiError("not_cfdi")
    version = root.get("Version") or ""
    if (qname.namespace, version) not in ((NS_CFDI, "4.0"), (NS_CFDI_33, "3.3")):
        raise CfdiError("version", version)
    return version


def _stamped_parts(root, kind):
    """Emisor, Receptor, TimbreFiscalDigital and UUID of a CFDI of type ``kind``."""
    ns = NS_33 if _version(root) == "3.3" else NS
    if root.get("TipoDeComprobante") != kind:
        raise CfdiError("not_invoice", root.get("TipoDeComprobante") or "")
    issuer = root.find("cfdi:Emisor", ns)
    receiver = root.find("cfdi:Receptor", ns)
    if issuer is None or receiver is None:
        raise CfdiError("missing", "Emisor/Receptor")
    stamp = root.find("cfdi:Complemento/tfd:TimbreFiscalDigital", ns)
    if stamp is None:
        raise CfdiError("not_stamped")
    uuid = normalize_uuid(stamp.get("UUID"))
    if not uuid:
        raise CfdiError("bad_uuid", stamp.get("UUID") or "")
    if not normalize_rfc(issuer.get("Rfc")):
        raise CfdiError("missing", "issuer_rfc")
    return issuer, receiver, stamp, uuid


def parse_invoice(data, max_size=MAX_SIZE):
    """Read a stamped CFDI 4.0 (or 3.3) invoice (TipoDeComprobante I) and return its data.

    Returns a dict: version, type, serie, folio, date (datetime), total (Decimal), currency,
    payment_method, payment_form, issuer_rfc, issuer_name, issuer_regime, receiver_rfc,
    receiver_name, receiver_regime, usage, receiver_zip, uuid, stamped_at. Serie and Folio
    are optional in a CFDI (empty strings when absent); a CFDI 3.3 has no receiver regime
    nor fiscal postal code (empty strings).
    """
    return _invoice_values(parse_xml(data, max_size=max_size))


def _invoice_values(root):
    issuer, receiver, stamp, uuid = _stamped_parts(root, "I")
    values = {
        "version": _version(root),
        "type": "I",
        "serie": (root.get("Serie") or "").strip(),
        "folio": (root.get("Folio") or "").strip(),
        "date": _datetime(root.get("Fecha")),
        "total": _decimal(root.get("Total"), "Total"),
        "total_text": root.get("Total"),
        "currency": (root.get("Moneda") or "").strip(),
        "payment_method": (root.get("MetodoPago") or "").strip(),
        "payment_form": (root.get("FormaPago") or "").strip(),
        "issuer_rfc": normalize_rfc(issuer.get("Rfc")),
        "issuer_name": issuer.get("Nombre") or "",
        "issuer_regime": issuer.get("RegimenFiscal") or "",
        "receiver_rfc": normalize_rfc(receiver.get("Rfc")),
        "receiver_name": receiver.get("Nombre") or "",
        "receiver_regime": receiver.get("RegimenFiscalReceptor") or "",
        "usage": receiver.get("UsoCFDI") or "",
        "receiver_zip": receiver.get("DomicilioFiscalReceptor") or "",
        "uuid": uuid,
        "stamped_at": _datetime(stamp.get("FechaTimbrado")),
    }
    for key in ("issuer_rfc", "receiver_rfc", "currency"):
        if not values[key]:
            raise CfdiError("missing", key)
    return values


def _datetime(value):
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def invoice_numbers(serie, folio):
    """Invoice numbers that may stand for this Serie/Folio in Odoo (``A123``, ``A-123``...)."""
    serie, folio = (serie or "").strip(), (folio or "").strip()
    if not folio:
        return []
    numbers = [folio]
    if serie:
        numbers = [serie + folio, f"{serie}-{folio}", f"{serie}/{folio}", f"{serie} {folio}", *numbers]
    return numbers


# ---------------------------------------------------------------------------- RFC
def check_rfc(value, is_company=None):
    """``None`` when ``value`` is an RFC usable in a CFDI, else an error code.

    codes: ``missing``, ``short`` (10-character RFC without homoclave), ``length``,
    ``invalid`` (format or date), ``company_person`` (13-character RFC on a company),
    ``person_company`` (12-character RFC on a person).

    The check digit is not part of validity (python-stdnum's default too): the SAT has
    issued real RFCs whose digit does not verify. See :func:`rfc_check_digit_warning`.
    """
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.mx import rfc as stdnum_rfc

    rfc = normalize_rfc(value)
    if not rfc:
        return "missing"
    if rfc in GENERIC_RFCS:
        return None
    if len(rfc) == 10:
        return "short"
    if len(rfc) not in (12, 13):
        return "length"
    try:
        stdnum_rfc.validate(rfc)
    except StdnumError:
        return "invalid"
    if is_company is True and len(rfc) == 13:
        return "company_person"
    if is_company is False and len(rfc) == 12:
        return "person_company"
    return None


def rfc_check_digit_warning(value):
    """True when ``value`` is a valid RFC (see :func:`check_rfc`) whose homoclave or check
    digit does not verify: worth a look at the Constancia de Situación Fiscal, not an error.
    The generic RFCs of the SAT never get the warning."""
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.mx import rfc as stdnum_rfc

    rfc = normalize_rfc(value)
    if rfc in GENERIC_RFCS or len(rfc) not in (12, 13) or check_rfc(rfc) is not None:
        return False
    try:
        stdnum_rfc.validate(rfc, validate_check_digits=True)
    except StdnumError:
        return True
    return False


def rfc_is_company(value):
    """True for a 12-character (persona moral) RFC, False for 13, None otherwise/generic."""
    rfc = normalize_rfc(value)
    if rfc in GENERIC_RFCS:
        return None
    return {12: True, 13: False}.get(len(rfc))


# ---------------------------------------------------------------------------- REP
def complement_due_date(payment_date):
    """Deadline of the payment complement (REP) of a payment: 5th day of the next month."""
    if payment_date.month == 12:
        return dt.date(payment_date.year + 1, 1, 5)
    return dt.date(payment_date.year, payment_date.month + 1, 5)


def pending_complement(payment_dates, registered):
    """Payments of a PPD invoice vs the number of REPs registered for it.

    ``payment_dates``: one date per payment (any order); the REPs are taken to cover the
    oldest payments first. Returns ``(required, due_date)`` of the oldest uncovered payment.
    """
    dates = sorted(payment_dates)
    if registered >= len(dates):
        return False, None
    return True, complement_due_date(dates[registered])


def month_end(day):
    """Last day of the month of ``day``."""
    first_next = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return first_next - dt.timedelta(days=1)


def pue_unpaid_due(invoice_date, today):
    """A PUE invoice still unpaid is flagged from the last day of its month on."""
    return bool(invoice_date) and today >= month_end(invoice_date)


def _uuid_tokens(text):
    return [token for token in re.split(r"[\s,;]+", text or "") if token]


def invalid_uuid_tokens(text):
    """Words of a free text that are not UUIDs."""
    return [token for token in _uuid_tokens(text) if not normalize_uuid(token)]


def split_uuids(text):
    """UUIDs in a free text (one per line, commas...), normalized, in order, no duplicates."""
    found = []
    for token in _uuid_tokens(text):
        uuid = normalize_uuid(token)
        if uuid and uuid not in found:
            found.append(uuid)
    return found
