import base64
import re
from pathlib import Path

from odoo import fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon

DATA = Path(__file__).resolve().parent / "data"
COMPANY_RFC = "EKU900317SA1"
CUSTOMER_RFC = "ABC680524P73"

CFDI_VALUES = {
    "serie": "A",
    "folio": "101",
    "fecha": "2026-01-10T10:00:00",
    "forma": "99",
    "total": "1000.00",
    "moneda": "MXN",
    "metodo": "PPD",
    "emisor": COMPANY_RFC,
    "receptor": CUSTOMER_RFC,
    "cp": "06600",
    "regimen": "601",
    "uso": "G03",
    "uuid": "6F2B8A1E-1C2D-4E5F-8A9B-0C1D2E3F4A5B",
}


def cfdi_xml(**values):
    """A synthetic stamped CFDI 4.0 invoice (tests/data/cfdi40_template.xml)."""
    template = (DATA / "cfdi40_template.xml").read_text(encoding="utf-8")
    return template.format_map({**CFDI_VALUES, **values}).encode("utf-8")


def without_serie_folio(data):
    """The same CFDI without its optional Serie and Folio attributes (as many PACs stamp)."""
    return re.sub(rb' (Serie|Folio)="[^"]*"', b"", data, count=2)


def rep_xml(invoice_uuids, **values):
    """A synthetic stamped payment complement (Pagos 2.0) paying these invoices."""
    template = (DATA / "rep20_template.xml").read_text(encoding="utf-8")
    related = "".join(
        '<pago20:DoctoRelacionado IdDocumento="%s" MonedaDR="MXN" NumParcialidad="1" '
        'ImpSaldoAnt="1000.00" ImpPagado="400.00" ImpSaldoInsoluto="600.00" ObjetoImpDR="01"/>' % uuid
        for uuid in invoice_uuids
    )
    base = {
        "folio": "1",
        "fecha": "2026-01-31T12:00:00",
        "emisor": COMPANY_RFC,
        "receptor": CUSTOMER_RFC,
        "monto": "400.00",
        "uuid": "CCCCCCCC-0000-4000-8000-0000000000AA",
        "docs": related,
    }
    return template.format_map({**base, **values}).encode("utf-8")


class CfdiCommon(AccountTestInvoicingCommon):
    """A Mexican company with an RFC and a customer whose CFDI data is complete."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("mx")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write({"vat": COMPANY_RFC, "zip": "06600"})
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Abarrotes La Esperanza SA de CV",
                "is_company": True,
                "vat": CUSTOMER_RFC,
                "cfdi_tax_regime": "601",
                "zip": "06600",
                "email": "pagos@esperanza.example.mx",
                "mobile": "+52 55 1234 5678",
                "country_id": cls.env.ref("base.mx").id,
                "collection_first_invoice_reviewed": True,
            }
        )

    @classmethod
    def make_invoice(cls, amount=1000.0, invoice_date="2026-01-10", due=None, partner=None, name=None, post=True):
        invoice_date = fields.Date.to_date(invoice_date)
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or cls.customer).id,
                "invoice_date": invoice_date,
                "invoice_date_due": fields.Date.to_date(due) if due else invoice_date,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Servicio",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [(6, 0, [])],
                        },
                    )
                ],
            }
        )
        if name:
            move.name = name
        if post:
            move.action_post()
        return move

    def pay(self, move, amount, date):
        return (
            self.env["account.payment.register"]
            .with_context(
                active_model="account.move",
                active_ids=move.ids,
            )
            .create({"amount": amount, "payment_date": date})
            ._create_payments()
        )

    def attachment(self, data, name="cfdi.xml", user=None):
        env = self.env(user=user) if user else self.env
        return env["ir.attachment"].create(
            {
                "name": name,
                "datas": base64.b64encode(data),
                "res_model": "collection.cfdi.import",
            }
        )

    def import_files(self, *files):
        wizard = self.env["collection.cfdi.import"].create(
            {
                "company_id": self.company.id,
                "attachment_ids": [(6, 0, [self.attachment(data, name).id for name, data in files])],
            }
        )
        wizard.action_import()
        return {line.filename: line for line in wizard.line_ids}
