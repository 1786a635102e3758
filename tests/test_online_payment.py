"""*Pay online* from the customer's page, through Odoo's own payment flow (``payment`` and
``account_payment``, installed with Invoicing in Community): the page links each invoice's
portal page, the customer pays there, Odoo reconciles the payment and the cadence stops.

The provider is Odoo's test provider (code ``none``), set up as Odoo's own
``account_payment`` tests do: the flow is the real one up to the provider's answer."""

from unittest.mock import patch

from lxml import html as lxml_html

from odoo import Command
from odoo.tests import HttpCase, tagged

from .test_customer_page import CustomerPageCommon


@tagged("post_install", "-at_install")
class TestPayOnline(CustomerPageCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice_due = cls.invoice(12, 1160.0)
        cls.other_due = cls.invoice(3, 400.0)
        cls.page = cls.customer._collection_portal_url(cls.company)

    @classmethod
    def enable_provider(cls):
        """An enabled provider of the company, paid into its bank journal."""
        unknown = cls.env.ref("payment.payment_method_unknown").with_context(active_test=False)
        provider = cls.env["payment.provider"].create(
            {
                "name": "Pasarela de prueba",
                "code": "none",
                "state": "test",
                "is_published": True,
                "company_id": cls.company.id,
                "payment_method_ids": [Command.set(unknown.ids)],
            }
        )
        unknown.active = True
        Method = cls.env["account.payment.method"]
        information = Method._get_payment_method_information()

        def with_test_provider(*_args, **_kwargs):
            return {**information, "none": {"mode": "electronic", "type": ("bank",)}}

        with patch.object(type(Method), "_get_payment_method_information", with_test_provider):
            Method.sudo().create({"name": "Pasarela de prueba", "code": "none", "payment_type": "inbound"})
            provider.journal_id = cls.company_data["default_journal_bank"]
        return provider

    def pay_links(self):
        doc = lxml_html.fromstring(self.url_open(self.page).content)
        return {
            el.xpath("ancestor::*[@data-move-id][1]/@data-move-id")[0]: el.get("href")
            for el in doc.xpath("//a[contains(@class, 'acmx_pay_online')]")
        }

    def test_without_provider_no_pay_online(self):
        self.assertFalse(self.pay_links())

    def test_customer_pays_one_invoice_online_and_the_cadence_stops(self):
        provider = self.enable_provider()
        links = self.pay_links()
        self.assertEqual(set(links), {str(self.invoice_due.id), str(self.other_due.id)})
        # the link opens the invoice's portal page with its token, without an account
        response = self.url_open(links[str(self.invoice_due.id)])
        self.assertEqual(response.status_code, 200)
        form = lxml_html.fromstring(response.content).xpath("//form[@id='o_payment_form']")
        self.assertTrue(form, "Odoo's payment form is on the invoice's page")
        data = {key[5:].replace("-", "_"): value for key, value in form[0].items() if key.startswith("data-")}
        self.assertEqual(float(data["amount"]), 1160.0)
        # the customer chooses the provider and pays (Odoo's own transaction route)
        processing = self.make_jsonrpc_request(
            data["transaction_route"],
            {
                "provider_id": provider.id,
                "payment_method_id": provider.payment_method_ids.id,
                "token_id": None,
                "amount": float(data["amount"]),
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": data["landing_route"],
                "access_token": data["access_token"],
            },
        )
        tx = self.env["payment.transaction"].sudo().search([("reference", "=", processing["reference"])])
        self.assertEqual(tx.invoice_ids, self.invoice_due)
        tx._set_done()  # the provider's answer
        # the status page the customer lands on polls Odoo, which posts the payment
        self.make_jsonrpc_request("/payment/status/poll", {})
        self.assertTrue(tx.payment_id)
        self.assertIn(self.invoice_due.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.invoice_due.collection_state, "done")
        # the page no longer asks for it; the other invoice stays
        self.assertEqual(set(self.pay_links()), {str(self.other_due.id)})
        # no reminder for the paid invoice any more; the other one goes on
        self.env["account.move"]._collection_run()
        self.assertFalse(self.env["collection.event"].sudo().search([("move_id", "=", self.invoice_due.id)]))
        self.assertTrue(self.env["collection.event"].sudo().search([("move_id", "=", self.other_due.id)]))
