"""SAT ConsultaCFDIService (CFDI status): SOAP envelope and answer, no network here.

The only HTTP call lives in the ``collection.sat.service`` model; this module builds the
request body and reads the answer (lxml). Stdlib + lxml.
"""

from decimal import Decimal

from lxml import etree

DEFAULT_URL = "https://consultaqr.facturaelectronica.sat.gob.mx/ConsultaCFDIService.svc"
SOAP_ACTION = "http://tempuri.org/IConsultaCFDIService/Consulta"
NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_TEMPURI = "http://tempuri.org/"
NS_RESULT = "http://schemas.datacontract.org/2004/07/Sat.Cfdi.Negocio.ConsultaCfdi.Servicio"

#: SAT ``Estado`` -> cfdi_sat_status
STATES = {
    "vigente": "valid",
    "cancelado": "cancelled",
    "no encontrado": "not_found",
}

MAX_RESPONSE = 1024 * 1024


class SatResponseError(ValueError):
    """The answer is not a usable ConsultaCFDIService answer (fault, garbage...)."""


def format_total(total):
    """Total as the SAT prints it in the expression: plain decimal, 6 decimals."""
    return "%.6f" % Decimal(str(total))


def build_expression(issuer_rfc, receiver_rfc, total, uuid):
    """``?re=…&rr=…&tt=…&id=…`` (raw: XML escaping is done when building the envelope)."""
    return "?re=%s&rr=%s&tt=%s&id=%s" % (issuer_rfc, receiver_rfc, format_total(total), uuid)


def build_envelope(issuer_rfc, receiver_rfc, total, uuid):
    """SOAP 1.1 request body (bytes, UTF-8); ``&`` and any RFC character are escaped by lxml."""
    envelope = etree.Element(etree.QName(NS_SOAP, "Envelope"), nsmap={"soapenv": NS_SOAP})
    etree.SubElement(envelope, etree.QName(NS_SOAP, "Header"))
    body = etree.SubElement(envelope, etree.QName(NS_SOAP, "Body"))
    consulta = etree.SubElement(body, etree.QName(NS_TEMPURI, "Consulta"), nsmap={None: NS_TEMPURI})
    expression = etree.SubElement(consulta, etree.QName(NS_TEMPURI, "expresionImpresa"))
    expression.text = build_expression(issuer_rfc, receiver_rfc, total, uuid)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def headers():
    return {
        "Content-Type": "text/xml; charset=utf-8",
        "SOAPAction": '"%s"' % SOAP_ACTION,
        "Accept": "text/xml",
    }


def parse_response(data):
    """Read the answer: dict with ``status`` (valid / cancelled / not_found / error),
    ``code`` (CodigoEstatus), ``state`` (Estado), ``cancellable`` (EsCancelable),
    ``cancellation_status`` (EstatusCancelacion). Raises :class:`SatResponseError`."""
    if not data:
        raise SatResponseError("empty answer")
    if len(data) > MAX_RESPONSE:
        raise SatResponseError("answer too large")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise SatResponseError("malformed answer: %s" % exc) from exc
    if root.getroottree().docinfo.internalDTD is not None:
        raise SatResponseError("DTD in answer")
    fault = root.find(".//{%s}Fault" % NS_SOAP)
    if fault is not None:
        raise SatResponseError("SOAP fault: %s" % (fault.findtext("faultstring") or "").strip())
    result = root.find(".//{%s}ConsultaResult" % NS_TEMPURI)
    if result is None:
        raise SatResponseError("no ConsultaResult in answer")

    def text(name):
        return (result.findtext("{%s}%s" % (NS_RESULT, name)) or "").strip()

    state = text("Estado")
    values = {
        "code": text("CodigoEstatus"),
        "state": state,
        "cancellable": text("EsCancelable"),
        "cancellation_status": text("EstatusCancelacion"),
    }
    values["status"] = STATES.get(state.lower(), "error")
    if values["status"] == "error" and values["code"].upper().startswith("N - 602"):
        values["status"] = "not_found"
    return values


def build_response(
    state,
    code="S - Comprobante obtenido satisfactoriamente.",
    cancellable="Cancelable sin aceptación",
    cancellation_status="",
):
    """An answer as the SAT sends it (for tests and local fake servers)."""
    envelope = etree.Element(etree.QName(NS_SOAP, "Envelope"), nsmap={"s": NS_SOAP})
    body = etree.SubElement(envelope, etree.QName(NS_SOAP, "Body"))
    response = etree.SubElement(body, etree.QName(NS_TEMPURI, "ConsultaResponse"), nsmap={None: NS_TEMPURI})
    result = etree.SubElement(response, etree.QName(NS_TEMPURI, "ConsultaResult"), nsmap={"a": NS_RESULT})
    for name, value in (
        ("CodigoEstatus", code),
        ("EsCancelable", cancellable),
        ("Estado", state),
        ("EstatusCancelacion", cancellation_status),
    ):
        etree.SubElement(result, etree.QName(NS_RESULT, name)).text = value
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def read_expression(envelope):
    """The ``expresionImpresa`` of a request body, unescaped, as a dict (fake servers, tests)."""
    root = etree.fromstring(envelope, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    text = root.findtext(".//{%s}expresionImpresa" % NS_TEMPURI) or ""
    values = {}
    for part in text.lstrip("?").split("&"):
        key, _sep, value = part.partition("=")
        values[key] = value
    return values
