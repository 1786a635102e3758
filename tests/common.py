import datetime as dt

from freezegun import freeze_time

from odoo import fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class CollectionsCommon(AccountTestInvoicingCommon):
    """A Mexican company with the default cadences and a reviewed customer."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("mx")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write(
            {
                "email": "cobranza@example.mx",
                "collection_min_gap_days": 2,
            }
        )
        cls.company.partner_id.tz = "America/Mexico_City"
        cls.Policy = cls.env["collection.policy"]
        cls.Event = cls.env["collection.event"]
        cls.policy = cls.Policy.search([("company_id", "=", cls.company.id), ("code", "=", "standard")])
        cls.stage = {s.offset_days: s for s in cls.policy.stage_ids}
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Abarrotes La Esperanza",
                "email": "pagos@esperanza.example.mx",
                "is_company": True,
                "tz": "America/Mexico_City",
                "lang": "en_US",
                "collection_first_invoice_reviewed": True,
            }
        )

    # ------------------------------------------------------------------ helpers
    @classmethod
    def make_customer(cls, name, company, email):
        """A reviewed customer of ``company`` in Mexico City's time zone."""
        return cls.env["res.partner"].create(
            {
                "name": name,
                "email": email,
                "is_company": True,
                "tz": "America/Mexico_City",
                "company_id": company.id,
                "collection_first_invoice_reviewed": True,
            }
        )

    @classmethod
    def make_invoice(cls, due, amount=1000.0, partner=None, invoice_date=None, post=True, currency=None, company=None):
        due = fields.Date.to_date(due)
        invoice_date = invoice_date or (due - dt.timedelta(days=30))
        values = {
            "move_type": "out_invoice",
            "partner_id": (partner or cls.customer).id,
            "invoice_date": invoice_date,
            "invoice_date_due": due,
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
        Move = cls.env["account.move"]
        if company:
            Move = Move.with_company(company)
            values["company_id"] = company.id
        if currency:
            values["currency_id"] = currency.id
        move = Move.create(values)
        if post:
            move.action_post()
        return move

    def run_at(self, when, mail_queue=True):
        """One collections run at ``when`` (naive UTC datetime or string), followed by
        Odoo's mail queue at the same moment (the run wakes it up): the emails it wrote
        leave then, under the contact rules checked at that time."""
        when = fields.Datetime.to_datetime(when)
        with freeze_time(when):
            result = self.env["account.move"]._collection_run(now=when)
        if mail_queue:
            self.send_mail_queue(when)
        return result

    def send_mail_queue(self, when):
        """Odoo's outgoing mail queue (its cron) runs at ``when``."""
        with freeze_time(fields.Datetime.to_datetime(when)):
            self.env["mail.mail"].sudo().process_email_queue()

    def events(self, move, **domain):
        dom = [("move_id", "=", move.id)] + [(k, "=", v) for k, v in domain.items()]
        return self.Event.search(dom, order="id")

    def pay(self, move, amount=None):
        return (
            self.env["account.payment.register"]
            .with_context(
                active_model="account.move",
                active_ids=move.ids,
            )
            .create({"amount": amount or move.amount_residual, "payment_date": fields.Date.context_today(move)})
            ._create_payments()
        )
