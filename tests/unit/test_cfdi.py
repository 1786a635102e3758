import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from acmx_tools import cfdi, sat_catalogs

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED_SAT = Path(__file__).resolve().parents[3] / "shared" / "data" / "sat"
D = dt.date

VALUES = {
    "serie": "A",
    "folio": "101",
    "fecha": "2026-01-10T10:00:00",
    "forma": "99",
    "total": "1160.00",
    "moneda": "MXN",
    "metodo": "PPD",
    "emisor": "EKU900317SA1",
    "receptor": "ABC680524P73",
    "cp": "06600",
    "regimen": "601",
    "uso": "G03",
    "uuid": "6f2b8a1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
}


def cfdi40(**values):
    template = (DATA / "cfdi40_template.xml").read_text(encoding="utf-8")
    return template.format_map({**VALUES, **values}).encode("utf-8")


def test_parse_invoice_reads_every_field():
    data = cfdi.parse_invoice(cfdi40())
    assert data["version"] == "4.0"
    assert data["serie"] == "A" and data["folio"] == "101"
    assert data["date"] == dt.datetime(2026, 1, 10, 10, 0)
    assert data["total"] == Decimal("1160.00")
    assert data["currency"] == "MXN"
    assert data["payment_method"] == "PPD" and data["payment_form"] == "99"
    assert data["issuer_rfc"] == "EKU900317SA1" and data["issuer_regime"] == "601"
    assert data["receiver_rfc"] == "ABC680524P73" and data["receiver_regime"] == "601"
    assert data["usage"] == "G03" and data["receiver_zip"] == "06600"
    # UUIDs are normalized to upper case
    assert data["uuid"] == "6F2B8A1E-1C2D-4E5F-8A9B-0C1D2E3F4A5B"


def test_cfdi33_invoice_is_read():
    data = cfdi.parse_document((DATA / "cfdi33_invoice.xml").read_bytes())
    assert data["version"] == "3.3" and data["type"] == "I"
    assert data["uuid"] == "33333333-3333-4333-8333-333333333333"
    assert (data["serie"], data["folio"]) == ("A", "33")
    assert data["total"] == Decimal("100.00") and data["currency"] == "MXN"
    assert data["receiver_rfc"] == "ABC680524P73" and data["usage"] == "G03"
    assert data["receiver_regime"] == "" and data["receiver_zip"] == ""


CFDI33_PAYMENT = b"""<?xml version="1.0" encoding="UTF-8"?>
<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/3" xmlns:pago10="http://www.sat.gob.mx/Pagos"
  xmlns:tfd="http://www.sat.gob.mx/TimbreFiscalDigital" Version="3.3" Fecha="2022-06-01T10:00:00"
  SubTotal="0" Moneda="XXX" Total="0" TipoDeComprobante="P" LugarExpedicion="06600">
  <cfdi:Emisor Rfc="EKU900317SA1" RegimenFiscal="601"/>
  <cfdi:Receptor Rfc="ABC680524P73" UsoCFDI="P01"/>
  <cfdi:Complemento>
    <tfd:TimbreFiscalDigital Version="1.1" UUID="33333333-3333-4333-8333-3333333333AA"/>
  </cfdi:Complemento>
</cfdi:Comprobante>"""


def test_cfdi33_payment_complement_refused():
    with pytest.raises(cfdi.CfdiError) as err:
        cfdi.parse_document(CFDI33_PAYMENT)
    assert err.value.code == "version_33_payment"


def test_other_versions_refused():
    with pytest.raises(cfdi.CfdiError) as err:
        cfdi.parse_invoice(cfdi40().replace(b'Version="4.0"', b'Version="3.2"', 1))
    assert err.value.code == "version"


def test_serie_and_folio_are_optional():
    data = cfdi.parse_invoice(cfdi40().replace(b' Serie="A" Folio="101"', b""))
    assert (data["serie"], data["folio"]) == ("", "")
    assert data["uuid"] == "6F2B8A1E-1C2D-4E5F-8A9B-0C1D2E3F4A5B"
    assert data["total"] == Decimal("1160.00")


def test_malformed_rejected():
    with pytest.raises(cfdi.CfdiError) as err:
        cfdi.parse_invoice((DATA / "cfdi_malformed.xml").read_bytes())
    assert err.value.code == "malformed"


@pytest.mark.parametrize("name", ["cfdi_xxe.xml", "cfdi_billion_laughs.xml"])
def test_doctype_and_entities_rejected(name):
    with pytest.raises(cfdi.CfdiError) as err:
        cfdi.parse_invoice((DATA / name).read_bytes())
    assert err.value.code == "doctype"
    assert "root:" not in str(err.value)  # /etc/passwd was never read


def test_size_limit():
    with pytest.raises(cfdi.CfdiError) as err:
        cfdi.parse_invoice(cfdi40(), max_size=100)
    assert err.value.code == "too_large"
    with pytest.raises(cfdi.CfdiError) as err:
        cfdi.parse_invoice(b"")
    assert err.value.code == "empty"


def test_not_an_invoice():
    with pytest.raises(cfdi.CfdiError) as err:
        cfdi.parse_invoice(cfdi40().replace(b'TipoDeComprobante="I"', b'TipoDeComprobante="P"'))
    assert err.value.code == "not_invoice"
    with pytest.raises(cfdi.CfdiError) as err:
        cfdi.parse_invoice(b"<factura><total>1</total></factura>")
    assert err.value.code == "not_cfdi"


def test_unstamped_and_bad_uuid():
    stamped = cfdi40()
    start = stamped.index(b"<cfdi:Complemento>")
    end = stamped.index(b"</cfdi:Complemento>") + len(b"</cfdi:Complemento>")
    with pytest.raises(cfdi.CfdiError) as err:
        cfdi.parse_invoice(stamped[:start] + stamped[end:])
    assert err.value.code == "not_stamped"
    with pytest.raises(cfdi.CfdiError) as err:
        cfdi.parse_invoice(cfdi40(uuid="not-a-uuid"))
    assert err.value.code == "bad_uuid"


def test_bad_total():
    with pytest.raises(cfdi.CfdiError) as err:
        cfdi.parse_invoice(cfdi40(total="mil"))
    assert err.value.code == "bad_total"


def test_invoice_numbers():
    assert cfdi.invoice_numbers("A", "12") == ["A12", "A-12", "A/12", "A 12", "12"]
    assert cfdi.invoice_numbers("", "12") == ["12"]
    assert cfdi.invoice_numbers("A", "") == []


@pytest.mark.parametrize(
    "rfc,is_company,expected",
    [
        ("EKU900317SA1", True, None),
        ("eku900317sa1", None, None),
        ("EKU-900317-SA1", True, None),
        ("MOAA8001014S9", False, None),
        ("XAXX010101000", True, None),
        ("XEXX010101000", False, None),
        ("", True, "missing"),
        (False, True, "missing"),
        ("MOAA800101", False, "short"),
        ("ABC680524P7", True, "length"),
        ("ABC680524P76", True, None),  # bad check digit: a warning, not invalid
        ("ABC689924P73", True, "invalid"),  # no such date
        ("AB1680524P73", True, "invalid"),  # format
        ("MOAA8001014S9", True, "company_person"),
        ("EKU900317SA1", False, "person_company"),
    ],
)
def test_check_rfc(rfc, is_company, expected):
    assert cfdi.check_rfc(rfc, is_company) == expected


@pytest.mark.parametrize(
    "rfc,warning",
    [
        ("ABC680524P76", True),
        ("EKU900317SA1", False),
        ("MOAA8001014S9", False),
        ("XAXX010101000", False),
        ("XEXX010101000", False),
        ("ABC689924P73", False),  # invalid: an error, not a warning
        ("MOAA800101", False),
        ("", False),
    ],
)
def test_rfc_check_digit_warning(rfc, warning):
    assert cfdi.rfc_check_digit_warning(rfc) is warning


@pytest.mark.parametrize(
    "payment,due",
    [
        (D(2026, 1, 31), D(2026, 2, 5)),
        (D(2026, 2, 1), D(2026, 3, 5)),
        (D(2026, 2, 28), D(2026, 3, 5)),
        (D(2024, 2, 29), D(2024, 3, 5)),
        (D(2026, 11, 30), D(2026, 12, 5)),
        (D(2026, 12, 1), D(2027, 1, 5)),
        (D(2026, 12, 31), D(2027, 1, 5)),
    ],
)
def test_complement_due_date(payment, due):
    assert cfdi.complement_due_date(payment) == due


def test_pending_complement_oldest_first():
    dates = [D(2026, 3, 20), D(2026, 1, 31)]
    assert cfdi.pending_complement(dates, 0) == (True, D(2026, 2, 5))
    assert cfdi.pending_complement(dates, 1) == (True, D(2026, 4, 5))
    assert cfdi.pending_complement(dates, 2) == (False, None)
    assert cfdi.pending_complement([], 0) == (False, None)


def test_pue_month_end():
    assert cfdi.month_end(D(2026, 2, 10)) == D(2026, 2, 28)
    assert cfdi.month_end(D(2026, 12, 10)) == D(2026, 12, 31)
    assert not cfdi.pue_unpaid_due(D(2026, 2, 10), D(2026, 2, 27))
    assert cfdi.pue_unpaid_due(D(2026, 2, 10), D(2026, 2, 28))
    assert cfdi.pue_unpaid_due(D(2026, 12, 10), D(2027, 1, 2))


def test_invalid_uuid_tokens():
    assert cfdi.invalid_uuid_tokens("6f2b8a1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b; x1,\n") == ["x1"]


def test_split_uuids():
    text = "6f2b8a1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b, junk\n6F2B8A1E-1C2D-4E5F-8A9B-0C1D2E3F4A5B"
    assert cfdi.split_uuids(text) == ["6F2B8A1E-1C2D-4E5F-8A9B-0C1D2E3F4A5B"]


def _shared_rows(name):
    path = SHARED_SAT / name
    if not path.exists():
        pytest.skip("../shared/data/sat not beside the repository")
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_catalogs_match_sat_files():
    regimes = {
        r["code"]: (r["name_es"], r["persona_fisica"] == "1", r["persona_moral"] == "1")
        for r in _shared_rows("c_RegimenFiscal.csv")
    }
    assert sat_catalogs.TAX_REGIMES == regimes
    for name, catalog in (
        ("c_UsoCFDI.csv", sat_catalogs.USAGES),
        ("c_FormaPago.csv", sat_catalogs.PAYMENT_FORMS),
        ("c_MetodoPago.csv", sat_catalogs.PAYMENT_METHODS),
    ):
        assert catalog == {r["code"]: r["name_es"] for r in _shared_rows(name)}
    assert sat_catalogs.selection(sat_catalogs.PAYMENT_METHODS)[0] == ("PUE", "PUE - Pago en una sola exhibición")


def rep20(docs, **values):
    template = (DATA / "rep20_template.xml").read_text(encoding="utf-8")
    related = "".join(
        '<pago20:DoctoRelacionado IdDocumento="%s" MonedaDR="MXN" NumParcialidad="1" '
        'ImpSaldoAnt="1000.00" ImpPagado="400.00" ImpSaldoInsoluto="600.00" ObjetoImpDR="01"/>' % uuid
        for uuid in docs
    )
    base = {
        "folio": "1",
        "fecha": "2026-01-31T12:00:00",
        "emisor": "EKU900317SA1",
        "receptor": "ABC680524P73",
        "monto": "400.00",
        "uuid": "cccccccc-0000-4000-8000-000000000001",
        "docs": related,
    }
    return template.format_map({**base, **values}).encode("utf-8")


def test_parse_payment_complement():
    data = cfdi.parse_payment(rep20([VALUES["uuid"], VALUES["uuid"].upper()]))
    assert data["uuid"] == "CCCCCCCC-0000-4000-8000-000000000001"
    assert data["issuer_rfc"] == "EKU900317SA1"
    assert len(data["payments"]) == 1
    payment = data["payments"][0]
    assert payment["date"] == dt.datetime(2026, 1, 31, 12, 0)
    assert payment["amount"] == Decimal("400.00")
    assert payment["invoices"] == [VALUES["uuid"].upper()]
    assert cfdi.parse_document(rep20([]))["type"] == "P"
    assert cfdi.parse_document(cfdi40())["type"] == "I"
    with pytest.raises(cfdi.CfdiError) as err:
        cfdi.parse_payment(
            rep20([]).replace(b"<pago20:Pago ", b"<pago20:Otro ").replace(b"</pago20:Pago>", b"</pago20:Otro>")
        )
    assert err.value.code == "missing"
    with pytest.raises(cfdi.CfdiError) as err:
        cfdi.parse_payment(cfdi40())
    assert err.value.code == "not_invoice"
