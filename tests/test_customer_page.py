"""The customer's own page ("Mi estado de cuenta"), as an anonymous visitor uses it (HTTP
GET / POST through Odoo's router with the CSRF token of the page) and as an attacker
would try it: wrong and reset links, another customer's invoice, another company."""

import datetime as dt
import re
from urllib.parse import urlparse

import psycopg2
from lxml import html as lxml_html

from odoo import Command, fields
from odoo.addons.account_collections_mx.tools import contact_rules, portal
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import CollectionsCommon

CLABE = "012180001234567899"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class CustomerPageCommon(CollectionsCommon):
    """A company with its CLABE on its bank journal, a customer with a contact, open
    invoices in two currencies, another customer and another company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("es_MX")
        bank = cls.env["res.partner.bank"].create(
            {
                "partner_id": cls.company.partner_id.id,
                "acc_number": "0123456789",
                "l10n_mx_edi_clabe": CLABE,
                "bank_id": cls.env["res.bank"].create({"name": "BBVA México"}).id,
            }
        )
        cls.company_data["default_journal_bank"].bank_account_id = bank
        cls.usd = cls.setup_other_currency("USD")
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Compras Esperanza",
                "parent_id": cls.customer.id,
                "type": "invoice",
                "email": "compras@esperanza.example.mx",
            }
        )
        cls.other_customer = cls.env["res.partner"].create(
            {
                "name": "Ferretería Ajena",
                "is_company": True,
                "email": "ajena@example.mx",
                "collection_first_invoice_reviewed": True,
            }
        )
        cls.other_company = cls.setup_other_company(name="Otra Empresa SA")["company"]
        cls.collector = new_test_user(
            cls.env,
            login="page_collector",
            name="Cobradora Página",
            groups="account_collections_mx.group_collection_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.customer.collection_responsible_id = cls.collector

    @classmethod
    def today(cls):
        return contact_rules.to_local(fields.Datetime.now(), "America/Mexico_City").date()

    @classmethod
    def invoice(cls, days_overdue, amount=1000.0, partner=None, currency=None, company=None):
        due = cls.today() - dt.timedelta(days=days_overdue)
        company = company or cls.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": (partner or cls.customer).id,
                    "company_id": company.id,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_date": due - dt.timedelta(days=30),
                    "invoice_date_due": due,
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create({"name": "Servicio", "quantity": 1, "price_unit": amount, "tax_ids": []})
                    ],
                }
            )
        )
        move.action_post()
        return move


@tagged("post_install", "-at_install")
class TestCustomerPageLink(CustomerPageCommon):
    """The contract: ``_collection_portal_url()`` and ``collection_spei_reference``."""

    def test_link_and_reference_per_customer_and_company(self):
        url = self.customer._collection_portal_url()
        self.assertTrue(url.startswith(self.customer.get_base_url() + "/mi-estado-de-cuenta/"))
        self.assertEqual(self.contact._collection_portal_url(), url, "the commercial entity's page")
        self.assertEqual(self.customer._collection_portal_url(self.company), url, "stable")
        token = url.rsplit("/", 1)[1]
        self.assertGreaterEqual(len(token.split("-", 1)[1]), 32)
        reference = self.customer.with_company(self.company).collection_spei_reference
        self.assertTrue(portal.is_spei_reference(reference))
        self.assertEqual(self.contact.with_company(self.company).collection_spei_reference, reference)
        # the same customer in another company: another page, another reference
        other_url = self.customer._collection_portal_url(self.other_company)
        self.assertNotEqual(other_url, url)
        other_reference = self.customer.with_company(self.other_company).collection_spei_reference
        self.assertTrue(portal.is_spei_reference(other_reference))
        self.assertNotEqual(other_reference, reference)
        # found by its reference (collectors searching a payer)
        self.assertEqual(
            self.env["res.partner"]
            .with_company(self.company)
            .search([("collection_spei_reference", "=", reference)])
            .commercial_partner_id,
            self.customer,
        )

    def test_reference_never_reused_nor_changed(self):
        self.customer._collection_portal_url()
        access = self.env["collection.portal.access"].search([("partner_id", "=", self.customer.id)])
        with self.assertRaises(UserError):
            access.sudo().write({"spei_reference": "1000002"})
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError), self.env.cr.savepoint():
            self.env["collection.portal.access"].sudo().create(
                {
                    "partner_id": self.other_customer.id,
                    "company_id": self.company.id,
                    "spei_reference": access.spei_reference,
                    "access_token": "x" * 32,
                }
            )
        # a reset changes the link, never the reference
        old = self.customer._collection_portal_url()
        self.customer.with_user(self.collector).action_collection_portal_reset()
        self.assertNotEqual(self.customer._collection_portal_url(), old)
        self.assertEqual(access.spei_reference, self.customer.with_company(self.company).collection_spei_reference)

    def test_nobody_else_reads_or_resets_links(self):
        self.customer._collection_portal_url()
        portal_user = new_test_user(self.env, login="page_portal_user", groups="base.group_portal")
        accountant_b = new_test_user(
            self.env,
            login="page_other_company",
            groups="account_collections_mx.group_collection_user",
            company_id=self.other_company.id,
            company_ids=[Command.set(self.other_company.ids)],
        )
        Access = self.env["collection.portal.access"]
        with self.assertRaises(AccessError):
            Access.with_user(portal_user).search([])
        self.assertFalse(Access.with_user(accountant_b).search([("partner_id", "=", self.customer.id)]))
        for user in (portal_user, self.env.ref("base.public_user")):
            with self.assertRaises(UserError):
                self.customer.with_user(user).action_collection_portal_reset()
            with self.assertRaises(UserError):
                self.customer.with_user(user).action_collection_portal_open()
        with self.assertRaises(AccessError):
            self.customer.with_user(portal_user).read(["collection_portal_url"])


@tagged("post_install", "-at_install")
class TestCustomerPageMessages(CustomerPageCommon):
    """Every message to the customer carries its page, the CLABE and its SPEI reference."""

    def test_reminder_email_whatsapp_and_statement(self):
        move = self.make_invoice("2026-12-10")
        self.run_at("2026-12-07 15:00:00")  # D-3, Monday 09:00 in Mexico City
        message = self.events(move, channel="email").mail_message_id
        self.assertTrue(message)
        url = self.customer._collection_portal_url(self.company)
        reference = self.customer.with_company(self.company).collection_spei_reference
        self.assertIn(url, message.body)
        self.assertIn(CLABE, message.body)
        self.assertIn(reference, message.body)
        # WhatsApp: the portal_link, spei_reference and clabe parameters
        stage = self.stage[-3]
        stage.whatsapp_template_params = "partner_name,portal_link,spei_reference,clabe"
        event = self.events(move, channel="whatsapp")
        self.assertEqual(event._collection_wa_parameters(stage, move), [self.customer.name, url, reference, CLABE])
        # the statement of account
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "account_collections_mx.action_report_statement_of_account", self.customer.ids
        )
        html = html.decode()
        self.assertIn(url, html)
        self.assertIn(reference, html)
        self.assertIn(CLABE, html)

    def test_receipt_bank_setting(self):
        info = self.company._collection_receipt_bank_info()
        self.assertEqual(info["clabe"], CLABE)
        self.assertEqual(info["bank"], "BBVA México")
        other = self.env["res.partner.bank"].create(
            {"partner_id": self.company.partner_id.id, "acc_number": "646180000000000009"}
        )
        self.company.collection_receipt_bank_id = other
        # an account number that is a valid CLABE is shown as the CLABE
        self.assertEqual(self.company._collection_receipt_bank_info()["clabe"], "646180000000000009")
        # another partner's account is refused
        with self.assertRaises(UserError):
            self.company.collection_receipt_bank_id = self.env["res.partner.bank"].create(
                {"partner_id": self.customer.id, "acc_number": "999"}
            )
        with self.assertRaises(UserError):
            self.company.collection_portal_promise_days = 0

    def test_no_whatsapp_preference_is_obeyed(self):
        move = self.make_invoice("2026-12-10")
        self.customer.mobile = "+52 55 1234 5678"
        self.customer.collection_whatsapp_opt_out = True
        self.assertTrue(self.contact.collection_whatsapp_opt_out, "synced to the contacts")
        self.run_at("2026-12-07 15:00:00")
        event = self.events(move, channel="whatsapp")
        self.assertEqual(event.state, "skipped")
        self.assertIn("WhatsApp", event.skip_reason)
        self.assertEqual(self.events(move, channel="email").state, "sent")


@tagged("post_install", "-at_install")
class TestCustomerPageHttp(CustomerPageCommon, HttpCase):
    """The page over HTTP, as an anonymous visitor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inv_old = cls.invoice(20, 1000.0)
        cls.inv_new = cls.invoice(5, 2500.0, partner=cls.contact)
        cls.inv_usd = cls.invoice(-10, 500.0, currency=cls.usd)
        cls.inv_foreign = cls.invoice(10, 777.0, partner=cls.other_customer)
        cls.inv_other_company = cls.invoice(15, 888.0, company=cls.other_company)
        cls.path = urlparse(cls.customer._collection_portal_url(cls.company)).path

    # ------------------------------------------------------------------ helpers
    def get(self, path=None, **kw):
        return self.url_open(path or self.path, **kw)

    def csrf(self, response):
        match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        self.assertTrue(match, "the page carries Odoo's CSRF token")
        return match.group(1)

    def post(self, action, data, files=None, path=None, csrf=True):
        path = path or self.path
        data = dict(data)
        if csrf:
            data["csrf_token"] = self.csrf(self.get(path))
        return self.url_open(f"{path}/{action}", data=data, files=files, allow_redirects=False)

    def listed(self, response):
        """The invoices a page lists (by id)."""
        doc = lxml_html.fromstring(response.content)
        return self.env["account.move"].browse(
            [int(i) for i in doc.xpath("//*[contains(@class, 'acmx_invoice')]/@data-move-id")]
        )

    def page_events(self, action=None, state=None):
        domain = [("channel", "=", "portal"), ("partner_id", "=", self.customer.id)]
        if action:
            domain.append(("portal_action", "=", action))
        if state:
            domain.append(("state", "=", state))
        return self.env["collection.event"].sudo().search(domain, order="id")

    # ------------------------------------------------------------------ reading
    def test_page_shows_this_customer_in_this_company_only(self):
        response = self.get()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers.get("Cache-Control"), "no-store")
        self.assertEqual(response.headers.get("Referrer-Policy"), "no-referrer")
        text = response.text
        # invoice numbers repeat across companies: the invoices are told apart by id
        self.assertEqual(self.listed(response), self.inv_old | self.inv_new | self.inv_usd)
        self.assertNotIn("Ferretería Ajena", text)
        self.assertNotIn("777.00", text)
        self.assertNotIn("888.00", text)
        self.assertNotIn("Otra Empresa SA", text)
        doc = lxml_html.fromstring(response.content)
        totals = {
            el.get("data-currency"): " ".join(el.text_content().split())
            for el in doc.xpath("//*[contains(@class, 'acmx_total')]")
        }
        self.assertEqual(set(totals), {"MXN", "USD"}, "one total per currency")
        self.assertIn("3,500.00", totals["MXN"])
        self.assertIn("500.00", totals["USD"])
        oldest = doc.xpath("//*[contains(@class, 'acmx_oldest_due')]")[0].text_content()
        self.assertTrue(oldest.strip())
        self.assertIn(CLABE, text)
        self.assertIn("BBVA México", text)
        reference = self.customer.with_company(self.company).collection_spei_reference
        self.assertEqual(doc.xpath("//*[contains(@class, 'acmx_spei_reference')]")[0].text_content(), reference)
        self.assertTrue(doc.xpath(f"//*[@data-acmx-copy='{reference}']"))
        statuses = {
            el.getparent().getparent().getparent().get("data-name"): el.text_content()
            for el in doc.xpath("//*[contains(@class, 'acmx_status')]")
        }
        self.assertIn("Overdue by 20 days", statuses[self.inv_old.name])
        self.assertIn("Not yet due", statuses[self.inv_usd.name])
        # no payment provider enabled: no "Pay online" (see test_online_payment)
        self.assertFalse(doc.xpath("//*[contains(@class, 'acmx_pay_online')]"))
        # the visit is in the contact log, once a day
        self.get()
        self.assertEqual(len(self.page_events("view")), 1)

    def test_language_of_the_customer(self):
        self.customer.lang = "es_MX"
        self.assertIn('lang="es-MX"', self.get().text)
        self.assertIn('lang="en-US"', self.get(self.path + "?lang=en_US").text)
        self.assertIn('lang="es-MX"', self.get(self.path + "?lang=xx_XX").text)

    def test_wrong_and_reset_links_answer_404(self):
        access_id, secret = self.path.rsplit("/", 1)[1].split("-", 1)
        other_secret = ("A" if secret[0] != "A" else "B") + secret[1:]
        for path in (
            f"/mi-estado-de-cuenta/{access_id}-{other_secret}",
            f"/mi-estado-de-cuenta/{int(access_id) + 999}-{secret}",
            f"/mi-estado-de-cuenta/{secret}",
            f"/mi-estado-de-cuenta/{access_id}",
            f"/mi-estado-de-cuenta/{access_id}-{secret[:10]}",
            f"{self.path}/invoice/{self.inv_old.id}/exe",
        ):
            response = self.get(path)
            self.assertEqual(response.status_code, 404, path)
            self.assertNotIn(self.customer.name, response.text)
        # reset by a collector: the old link is dead, the new one opens
        self.customer.with_user(self.collector).action_collection_portal_reset()
        self.assertEqual(self.get().status_code, 404)
        self.assertEqual(self.get(f"{self.path}/invoice/{self.inv_old.id}/pdf").status_code, 404)
        new_path = urlparse(self.customer._collection_portal_url(self.company)).path
        self.assertNotEqual(new_path, self.path)
        self.assertEqual(self.get(new_path).status_code, 200)
        self.assertTrue(self.customer.message_ids.filtered(lambda m: "reset by" in str(m.body)))

    def test_downloads_of_this_customer_only(self):
        response = self.get(f"{self.path}/invoice/{self.inv_new.id}/pdf")
        self.assertEqual(response.status_code, 200)
        self.assertIn(response.headers["Content-Type"].split(";")[0], ("application/pdf", "text/html"))
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertIn(self.inv_new.name.replace("/", "_"), response.headers["Content-Disposition"])
        # the CFDI XML when the invoice has one
        self.assertEqual(self.get(f"{self.path}/invoice/{self.inv_old.id}/xml").status_code, 404)
        xml = self.env["ir.attachment"].create(
            {
                "name": "cfdi.xml",
                "raw": b"<cfdi:Comprobante/>",
                "res_model": "account.move",
                "res_id": self.inv_old.id,
                "mimetype": "application/xml",
            }
        )
        self.inv_old.cfdi_xml_attachment_id = xml
        response = self.get(f"{self.path}/invoice/{self.inv_old.id}/xml")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"<cfdi:Comprobante/>")
        # another customer's invoice, another company's invoice: 404 through this link
        for move in (self.inv_foreign, self.inv_other_company):
            for kind in ("pdf", "xml"):
                self.assertEqual(self.get(f"{self.path}/invoice/{move.id}/{kind}").status_code, 404)

    # ------------------------------------------------------------------ forms
    def test_forms_need_the_csrf_token(self):
        response = self.post(
            "promise", {"move_ids": [self.inv_old.id], "amount": "1000", "date": str(self.today())}, csrf=False
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.env["collection.promise"].search([("partner_id", "=", self.customer.id)]))

    def test_promise_to_pay(self):
        promised = self.today() + dt.timedelta(days=10)
        response = self.post(
            "promise",
            {
                "move_ids": [self.inv_old.id, self.inv_new.id],
                "amount": "3,500.00",
                "date": promised.isoformat(),
                "comment": "Pagamos el viernes",
            },
        )
        self.assertEqual(response.status_code, 303)
        promise = self.env["collection.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertRecordValues(
            promise,
            [
                {
                    "source": "portal",
                    "state": "open",
                    "amount": 3500.0,
                    "promised_date": promised,
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertEqual(promise.move_ids, self.inv_old | self.inv_new)
        self.assertIn("Pagamos el viernes", promise.note)
        self.assertEqual(self.inv_old.collection_state, "paused", "held by the promise")
        activity = promise.activity_ids
        self.assertEqual(activity.user_id, self.collector, "a task for the collector")
        event = self.page_events("promise")
        self.assertEqual(event.state, "sent")
        self.assertEqual(event.portal_ip, "127.0.0.1")
        self.assertIn("3,500.00", event.portal_details)
        self.assertIn(self.inv_old.name, event.portal_details)
        self.assertEqual(event.activity_id, activity)
        page = self.get(response.headers["Location"])
        self.assertIn('id="acmx_done"', page.text)
        self.assertIn("Payment promised for", page.text)

    def test_promise_refused_when_too_late_or_not_mine(self):
        too_late = self.today() + dt.timedelta(days=31)
        response = self.post("promise", {"move_ids": [self.inv_old.id], "amount": "1000", "date": too_late.isoformat()})
        self.assertEqual(response.status_code, 400)
        self.assertIn("at most 30 days", response.text)
        self.assertIn('id="acmx_promise"', response.text)
        # another customer's invoice, another company's invoice, an id that does not exist
        for move_id, message in (
            (self.inv_foreign.id, "not an open invoice of this account"),
            (self.inv_other_company.id, "not an open invoice of this account"),
            (99999999, "not an open invoice of this account"),
            ("1 OR 1=1", "not valid"),
        ):
            response = self.post(
                "promise", {"move_ids": [self.inv_old.id, move_id], "amount": "100", "date": str(self.today())}
            )
            self.assertEqual(response.status_code, 400, move_id)
            self.assertIn(message, response.text)
        response = self.post("promise", {"move_ids": [self.inv_old.id], "amount": "5000", "date": str(self.today())})
        self.assertEqual(response.status_code, 400)
        self.assertIn("more than what these invoices owe", response.text)
        response = self.post(
            "promise", {"move_ids": [self.inv_old.id, self.inv_usd.id], "amount": "100", "date": str(self.today())}
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(
            self.env["collection.promise"]
            .search([])
            .filtered(lambda p: p.partner_id in (self.customer | self.other_customer))
        )
        self.assertFalse(self.inv_foreign.collection_promise_ids)
        refused = self.page_events("promise", "failed")
        self.assertEqual(len(refused), 7)
        self.assertIn("invoice id(s) not of this account", refused[1].portal_details)
        self.assertNotIn(self.inv_foreign.name, " ".join(refused.mapped("portal_details")))

    def test_report_a_problem(self):
        response = self.post(
            "dispute",
            {"move_id": self.inv_new.id, "reason": "wrong_amount", "comment": "Nos cobraron 10 piezas, recibimos 8"},
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.inv_new.collection_state, "disputed")
        self.assertIn("Wrong amount", self.inv_new.collection_dispute_note)
        self.assertIn("recibimos 8", self.inv_new.collection_dispute_note)
        note = self.inv_new.message_ids.filtered(lambda m: "recibimos 8" in str(m.body))
        self.assertEqual(note.author_id, self.customer)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(self.inv_new.activity_ids.user_id, self.collector)
        self.assertEqual(self.page_events("dispute").state, "sent")
        # a wrong amount needs a word of explanation
        response = self.post("dispute", {"move_id": self.inv_old.id, "reason": "wrong_amount"})
        self.assertEqual(response.status_code, 400)
        self.assertNotEqual(self.inv_old.collection_state, "disputed")
        # "already paid" is not a dispute: the page asks for the proof instead
        response = self.post("dispute", {"move_id": self.inv_old.id, "reason": "already_paid"})
        self.assertEqual(response.status_code, 200)
        self.assertNotEqual(self.inv_old.collection_state, "disputed")
        doc = lxml_html.fromstring(response.content)
        self.assertEqual(doc.xpath("//details[@id='acmx_proof']/@open"), ["open"])
        self.assertEqual(
            doc.xpath("//details[@id='acmx_proof']//input[@name='move_ids'][@checked]/@value"), [str(self.inv_old.id)]
        )
        # another customer's invoice
        response = self.post("dispute", {"move_id": self.inv_foreign.id, "reason": "other", "comment": "no es mía"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.inv_foreign.collection_disputed)

    def test_proof_of_payment(self):
        accountant = new_test_user(
            self.env,
            login="page_accountant",
            name="Contadora Página",
            groups="account.group_account_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        response = self.post(
            "proof",
            {"move_ids": [self.inv_old.id, self.inv_new.id], "comment": "SPEI del lunes"},
            files={"proof": ("C:\\fakepath\\comprobante.pdf", PNG, "application/pdf")},
        )
        self.assertEqual(response.status_code, 303)
        for move in (self.inv_old, self.inv_new):
            attachment = self.env["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "=", move.id), ("name", "=", "comprobante.png")]
            )
            self.assertEqual(attachment.mimetype, "image/png", "typed by its content")
            self.assertEqual(attachment.raw, PNG)
            self.assertEqual(move.collection_state, "paused")
            self.assertEqual(move.collection_pause_reason, "proof")
        until = portal.add_business_days(self.today(), 2, contact_rules.is_mx_holiday)
        self.assertEqual(self.inv_old.collection_pause_until, until)
        activity = self.inv_old.activity_ids
        self.assertEqual(len(activity), 1, "one task for the proof, on its first invoice")
        self.assertTrue(activity.user_id.has_group("account.group_account_manager"), "the task goes to an accountant")
        self.assertTrue(accountant.has_group("account.group_account_manager"))
        self.assertIn("review tray", str(activity.note))
        event = self.page_events("proof")
        self.assertIn("comprobante.png", event.portal_details)
        self.assertIn("PNG", event.portal_details)
        page = self.get(response.headers["Location"])
        self.assertIn("Proof of payment received", page.text)

    def test_proof_refused_by_content_and_size(self):
        cases = [
            (
                ("comprobante.pdf", b"MZ\x90\x00 this is an executable", "application/pdf"),
                "Send a PDF, JPG or PNG file.",
            ),
            (("vacio.pdf", b"", "application/pdf"), "The file is empty."),
            (("grande.pdf", PDF + b"0" * portal.MAX_PROOF_BYTES, "application/pdf"), "larger than 10 MB"),
        ]
        for upload, message in cases:
            response = self.post("proof", {"move_ids": [self.inv_old.id]}, files={"proof": upload})
            self.assertEqual(response.status_code, 400, upload[0])
            self.assertIn(message, response.text)
        response = self.post(
            "proof", {"move_ids": [self.inv_foreign.id]}, files={"proof": ("ok.pdf", PDF, "application/pdf")}
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "in", (self.inv_old | self.inv_foreign).ids)]
            )
        )
        self.assertFalse(self.inv_old.collection_paused)
        self.assertEqual(len(self.page_events("proof", "failed")), 4)

    def test_contact_preferences(self):
        stage = self.stage[-3]
        Event = self.env["collection.event"].sudo()
        waiting = Event.create(
            [
                {
                    "move_id": self.inv_old.id,
                    "partner_id": self.customer.id,
                    "stage_id": stage.id,
                    "channel": channel,
                    "state": "scheduled",
                }
                for channel in ("whatsapp", "email")
            ]
        )
        response = self.post("preferences", {"preference": "no_whatsapp"})
        self.assertEqual(response.status_code, 303)
        self.assertTrue(self.customer.collection_whatsapp_opt_out)
        self.assertFalse(self.customer.collection_do_not_contact)
        self.assertEqual(waiting.mapped("state"), ["skipped", "scheduled"])
        response = self.post("preferences", {"preference": "no_contact"})
        self.assertEqual(response.status_code, 303)
        self.assertTrue(self.customer.collection_do_not_contact)
        self.assertEqual(waiting.mapped("state"), ["skipped", "skipped"])
        self.assertTrue(self.customer.activity_ids.filtered(lambda a: a.user_id == self.collector))
        page = self.get()
        self.assertIn("acmx_no_contact", page.text)
        self.assertEqual(len(self.page_events("preferences")), 2)
        response = self.post("preferences", {"preference": "everything"})
        self.assertEqual(response.status_code, 400)

    def test_rate_limit_per_link(self):
        access = (
            self.env["collection.portal.access"]
            .sudo()
            .search([("partner_id", "=", self.customer.id), ("company_id", "=", self.company.id)])
        )
        for _i in range(portal.RATE_LIMIT_ACTIONS):
            access._collection_log("dispute", "earlier", state="failed", error="x")
        response = self.post("dispute", {"move_id": self.inv_old.id, "reason": "not_received"})
        self.assertEqual(response.status_code, 429)
        self.assertFalse(self.inv_old.collection_disputed)
        # another customer's link is not limited
        other_path = urlparse(self.other_customer._collection_portal_url(self.company)).path
        response = self.post("dispute", {"move_id": self.inv_foreign.id, "reason": "not_received"}, path=other_path)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(self.inv_foreign.collection_disputed)

    def test_another_company_link(self):
        """The same customer in another company: its own page, that company's invoices only;
        ids of the first company are refused there."""
        other_path = urlparse(self.customer._collection_portal_url(self.other_company)).path
        response = self.get(other_path)
        self.assertEqual(self.listed(response), self.inv_other_company)
        text = response.text
        self.assertIn("Otra Empresa SA", text)
        self.assertNotIn("3,500.00", text)
        self.assertNotIn("company_1_data", text)
        self.assertNotIn(CLABE, text)
        response = self.post("dispute", {"move_id": self.inv_old.id, "reason": "not_received"}, path=other_path)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.inv_old.collection_disputed)
        self.assertEqual(self.get(f"{other_path}/invoice/{self.inv_old.id}/pdf").status_code, 404)
        response = self.post(
            "dispute", {"move_id": self.inv_other_company.id, "reason": "not_received"}, path=other_path
        )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(self.inv_other_company.collection_disputed)
        event = (
            self.env["collection.event"].sudo().search([("channel", "=", "portal"), ("portal_action", "=", "dispute")])
        )
        self.assertEqual(event.company_id, self.other_company)

    def test_tour_in_spanish(self):
        """A customer on its phone, in Spanish: promise, report a problem, send a proof,
        stop WhatsApp (static/tests/tours/customer_page_tours.js)."""
        self.customer.lang = "es_MX"
        self.browser_size = "412x915"
        self.start_tour(self.path, "acmx_customer_page", login=None)
        promise = self.env["collection.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(promise.source, "portal")
        self.assertEqual(promise.amount, 1000.0)
        self.assertEqual(self.inv_new.collection_state, "disputed")
        self.assertIn("No recibimos", self.inv_new.collection_dispute_note)
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", self.inv_usd.id)]
        )
        self.assertEqual(attachment.mimetype, "image/png")
        self.assertTrue(self.customer.collection_whatsapp_opt_out)
        self.assertEqual(
            set(self.page_events(state="sent").mapped("portal_action")),
            {"view", "promise", "dispute", "proof", "preferences"},
        )
