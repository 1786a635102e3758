from decimal import Decimal

import pytest
from acmx_tools import sat_status as sat
from lxml import etree

UUID = "6F2B8A1E-1C2D-4E5F-8A9B-0C1D2E3F4A5B"


def test_expression():
    assert sat.build_expression("EKU900317SA1", "ABC680524P73", Decimal("1160"), UUID) == (
        "?re=EKU900317SA1&rr=ABC680524P73&tt=1160.000000&id=" + UUID
    )


def test_envelope_is_escaped_and_well_formed():
    body = sat.build_envelope("A&C010101AB1", "ÑAB010101AB1", 1160.5, UUID)
    # the & of the query string and of the RFC are escaped, never raw
    assert b"?re=A&amp;C010101AB1&amp;rr=" in body
    assert b"&rr" not in body
    root = etree.fromstring(body)
    assert etree.QName(root).namespace == sat.NS_SOAP
    expr = root.find(".//{http://tempuri.org/}Consulta/{http://tempuri.org/}expresionImpresa")
    assert expr.text == "?re=A&C010101AB1&rr=ÑAB010101AB1&tt=1160.500000&id=" + UUID
    assert sat.headers()["SOAPAction"] == '"http://tempuri.org/IConsultaCFDIService/Consulta"'


def test_read_expression_round_trip():
    body = sat.build_envelope("EKU900317SA1", "ABC680524P73", "99.9", UUID)
    assert sat.read_expression(body) == {"re": "EKU900317SA1", "rr": "ABC680524P73", "tt": "99.900000", "id": UUID}


@pytest.mark.parametrize(
    "state,status",
    [
        ("Vigente", "valid"),
        ("Cancelado", "cancelled"),
        ("No Encontrado", "not_found"),
        ("Otro", "error"),
    ],
)
def test_parse_response_states(state, status):
    answer = sat.parse_response(sat.build_response(state, cancellation_status="Cancelado sin aceptación"))
    assert answer["status"] == status
    assert answer["state"] == state
    assert answer["cancellable"] == "Cancelable sin aceptación"
    assert answer["cancellation_status"] == "Cancelado sin aceptación"


def test_parse_real_looking_answer():
    raw = (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        b'<ConsultaResponse xmlns="http://tempuri.org/"><ConsultaResult '
        b'xmlns:a="http://schemas.datacontract.org/2004/07/Sat.Cfdi.Negocio.ConsultaCfdi.Servicio"'
        b' xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
        b"<a:CodigoEstatus>N - 602: Comprobante no encontrado.</a:CodigoEstatus>"
        b'<a:EsCancelable i:nil="true"/><a:Estado>No Encontrado</a:Estado>'
        b'<a:EstatusCancelacion i:nil="true"/></ConsultaResult></ConsultaResponse>'
        b"</s:Body></s:Envelope>"
    )
    answer = sat.parse_response(raw)
    assert answer["status"] == "not_found"
    assert answer["code"].startswith("N - 602")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"<html>Service unavailable</html>",
        b"not xml at all",
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        b"<faultcode>s:Client</faultcode><faultstring>Bad request</faultstring></s:Fault>"
        b"</s:Body></s:Envelope>",
    ],
)
def test_parse_response_errors(raw):
    with pytest.raises(sat.SatResponseError):
        sat.parse_response(raw)
