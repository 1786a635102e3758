"""The WhatsApp webhook as an attacker and as Meta call it, over HTTP: which company an
event belongs to, who wrote, malformed and oversized requests, and replies that stay
internal (never emailed to the customer)."""

import json
from unittest.mock import patch

from odoo.addons.account_collections_mx.controllers.whatsapp_webhook import MAX_BODY
from odoo.addons.account_collections_mx.tools import whatsapp
from odoo.addons.mail.tests.common import MockEmail
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_whatsapp import WhatsAppCommon

URL = "/collections/whatsapp/webhook"


@tagged("post_install", "-at_install")
class TestWhatsAppWebhookSafety(WhatsAppCommon, MockEmail, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.company_id = cls.company
        cls.company_b = cls.setup_other_company(name="Empresa Beta SA")["company"]
        cls.company_b.write(
            {
                "collection_wa_phone_number_id": "654321",
                "collection_wa_access_token": "token-b",
                "collection_wa_app_secret": "app-secret",  # the same Meta app as company A
                "collection_wa_verify_token": "verify-b",
            }
        )
        cls.customer_b = cls.env["res.partner"].create(
            {
                "name": "Cliente Beta",
                "is_company": True,
                "company_id": cls.company_b.id,
                "email": "beta@example.mx",
                "mobile": "+52 55 1234 5678",
                "collection_first_invoice_reviewed": True,
            }
        )

    # ------------------------------------------------------------------ helpers
    def post_raw(self, raw, secret="app-secret", headers=None):
        headers = dict(headers or {})
        if secret:
            headers.setdefault("X-Hub-Signature-256", whatsapp.signature(secret, raw))
        headers.setdefault("Content-Type", "application/json")
        with mute_logger(
            "odoo.addons.account_collections_mx.controllers.whatsapp_webhook",
            "odoo.addons.account_collections_mx.models.collection_event_whatsapp",
        ):
            return self.opener.post(self.base_url() + URL, data=raw, headers=headers, timeout=30)

    def inbound(self, wamid, text, number="5215512345678", phone_id="123456", secret="app-secret"):
        payload = {
            "entry": [
                {
                    "changes": [
                        {
                            "value": {
                                "metadata": {"phone_number_id": phone_id},
                                "contacts": [{"wa_id": number, "profile": {"name": "Cliente"}}],
                                "messages": [{"id": wamid, "from": number, "type": "text", "text": {"body": text}}],
                            }
                        }
                    ]
                }
            ]
        }
        return self.post_raw(json.dumps(payload).encode(), secret=secret)

    def received(self, wamid):
        return self.env["collection.whatsapp.message"].search([("wamid", "=", wamid)])

    def tasks(self, message):
        return self.env["mail.activity"].search(
            [("res_model", "=", "collection.whatsapp.message"), ("res_id", "=", message.id)]
        )

    # ------------------------------------------------------------------ company
    def test_company_is_the_verified_one_whose_number_it_names(self):
        """Two companies share the Meta app (same secret): the phone number id decides."""
        self.assertEqual(self.inbound("wamid.b1", "No puedo pagar", phone_id="654321").status_code, 200)
        message = self.received("wamid.b1")
        self.assertEqual((message.company_id, message.partner_id), (self.company_b, self.customer_b))
        self.assertTrue(self.customer_b.collection_paused)
        self.assertFalse(self.customer.collection_paused)
        self.assertEqual(self.inbound("wamid.a1", "No puedo pagar").status_code, 200)
        message = self.received("wamid.a1")
        self.assertEqual((message.company_id, message.partner_id), (self.company, self.customer))

    def test_another_company_secret_cannot_speak_for_a_company(self):
        self.company_b.collection_wa_app_secret = "secret-b"
        # signed by company B, naming company A's number: nothing of A happens
        response = self.inbound("wamid.forged", "No me contacten", phone_id="123456", secret="secret-b")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self.received("wamid.forged"))
        self.assertFalse(self.customer.collection_paused or self.customer.collection_do_not_contact)
        # a number no verified company owns is ignored too
        self.inbound("wamid.nobody", "hola", phone_id="999999", secret="secret-b")
        self.assertFalse(self.received("wamid.nobody"))
        # and company B's own secret still works for its number
        self.inbound("wamid.b2", "ok gracias", phone_id="654321", secret="secret-b")
        self.assertEqual(self.received("wamid.b2").company_id, self.company_b)

    # ------------------------------------------------------------------ sender
    def test_sender_found_by_the_whole_number_in_any_stored_form(self):
        national = self.env["res.partner"].create(
            {
                "name": "Cliente Nacional",
                "is_company": True,
                "company_id": self.company.id,
                "mobile": "81 2345 6789",
                "collection_first_invoice_reviewed": True,
            }
        )
        contact = self.env["res.partner"].create(
            {"name": "Contacto de Cobranza", "parent_id": self.customer.id, "phone": "+52 1 (33) 3000-1122"}
        )
        for wamid, number, partner in (
            ("wamid.n1", "5218123456789", national),
            ("wamid.n2", "528123456789", national),
            ("wamid.n3", "5213330001122", self.customer),
            ("wamid.n4", "5215512345678", self.customer),
        ):
            self.inbound(wamid, "ok gracias", number=number)
            self.assertEqual(self.received(wamid).partner_id, partner, number)
        self.assertEqual(contact.commercial_partner_id, self.customer)

    def test_unknown_number_goes_to_a_person_never_a_guess(self):
        """Same last digits as a customer, another number: nobody is guessed."""
        self.inbound("wamid.u1", "No reconozco esta factura", number="5218100005678")
        message = self.received("wamid.u1")
        self.assertTrue(message)
        self.assertFalse(message.partner_id)
        self.assertEqual(message.body, "No reconozco esta factura")
        task = self.tasks(message)
        self.assertEqual(len(task), 1)
        self.assertIn("unknown number", task.summary)
        self.assertIn("No reconozco esta factura", task.note)
        self.assertEqual(task.user_id.company_ids & self.company, self.company)
        self.assertFalse(self.customer.collection_paused or self.customer.collection_wa_last_inbound)

    def test_number_of_several_customers_goes_to_a_person(self):
        twins = self.env["res.partner"].create(
            [
                {
                    "name": name,
                    "is_company": True,
                    "company_id": self.company.id,
                    "mobile": "+52 55 7777 8888",
                    "collection_first_invoice_reviewed": True,
                }
                for name in ("Gemelo Uno", "Gemelo Dos")
            ]
        )
        self.inbound("wamid.t1", "Ya pagué", number="5215577778888")
        message = self.received("wamid.t1")
        self.assertFalse(message.partner_id)
        task = self.tasks(message)
        self.assertIn("several customers", task.summary)
        self.assertIn("Gemelo Uno", task.note)
        self.assertFalse(any(twins.mapped("collection_paused")))
        # a customer of another company with the same number is no candidate
        self.env["res.partner"].create(
            {"name": "Solo Beta", "company_id": self.company_b.id, "mobile": "+52 55 4444 3333"}
        )
        solo_a = self.env["res.partner"].create(
            {"name": "Solo Alfa", "company_id": self.company.id, "mobile": "+52 55 4444 3333"}
        )
        self.inbound("wamid.t2", "ok gracias", number="5215544443333")
        self.assertEqual(self.received("wamid.t2").partner_id, solo_a)

    # ------------------------------------------------------------------ malformed input
    def test_non_ascii_signature_or_verify_token_is_403(self):
        raw = json.dumps(self.status_payload()).encode()
        for value in ("sha256=caf\xe9".encode("latin-1"), "sha256=€".encode()):
            response = self.post_raw(raw, secret=None, headers={"X-Hub-Signature-256": value})
            self.assertEqual(response.status_code, 403)
        with mute_logger("odoo.http"):
            bad = self.url_open(f"{URL}?hub.mode=subscribe&hub.verify_token=caf%C3%A9&hub.challenge=1")
        self.assertEqual(bad.status_code, 403)
        self.company.collection_wa_verify_token = "verificación"
        good = self.url_open(f"{URL}?hub.mode=subscribe&hub.verify_token=verificaci%C3%B3n&hub.challenge=42")
        self.assertEqual((good.status_code, good.text), (200, "42"))

    def status_payload(self):
        return {
            "entry": [
                {
                    "changes": [
                        {
                            "value": {
                                "metadata": {"phone_number_id": "123456"},
                                "statuses": [{"id": "wamid.none", "status": "read"}],
                            }
                        }
                    ]
                }
            ]
        }

    def test_signed_body_that_is_not_a_json_object_is_400(self):
        for raw in (b"[1, 2]", b'"texto"', b"42", b"null", b"no es json", b"\xff\xfe\x00", b"[" * 100000):
            self.assertEqual(self.post_raw(raw).status_code, 400, raw[:20])
        # an object of the wrong shape is read as empty: accepted, nothing happens
        for payload in (
            {"entry": "x"},
            {"entry": [{"changes": [{"value": "x"}]}]},
            {"entry": [{"changes": [{"value": {"metadata": [], "messages": [3]}}]}]},
        ):
            self.assertEqual(self.post_raw(json.dumps(payload).encode()).status_code, 200)
        self.assertFalse(self.env["collection.whatsapp.message"].search([]))

    def test_body_over_the_cap_is_413_before_hashing(self):
        raw = b'{"entry": []}'.ljust(MAX_BODY + 1, b" ")
        with patch.object(whatsapp, "verify_signature", wraps=whatsapp.verify_signature) as verify:
            response = self.post_raw(raw)
            self.assertEqual(response.status_code, 413)
            # without a Content-Length (chunked): refused while reading
            chunked = self.post_raw(
                iter([raw[i : i + 65536] for i in range(0, len(raw), 65536)]),
                secret=None,
                headers={"X-Hub-Signature-256": "sha256=00"},
            )
            self.assertEqual(chunked.status_code, 413)
            verify.assert_not_called()
        self.assertEqual(self.post_raw(b'{"entry": []}'.ljust(MAX_BODY, b" ")).status_code, 200)

    # ------------------------------------------------------------------ internal notes
    def test_inbound_text_is_an_internal_note_never_emailed(self):
        move = self.make_invoice("2026-12-10")
        move.message_subscribe(self.customer.ids)
        self.customer.message_subscribe(self.customer.ids)
        self.assertIn(self.customer, move.message_partner_ids)
        note = self.env.ref("mail.mt_note")
        with self.mock_mail_gateway():
            response = self.inbound("wamid.note", "No reconozco esta factura, está mal el precio")
            self.assertEqual(response.status_code, 200)
            for record in (move, self.customer):
                posted = record.message_ids.filtered(lambda m: "está mal el precio" in (m.body or ""))
                self.assertEqual(len(posted), 1)
                self.assertEqual(posted.subtype_id, note)
                self.assertTrue(posted.subtype_id.internal)
                self.assertFalse(posted.notification_ids.filtered(lambda n: n.res_partner_id == self.customer))
            to_customer = self._new_mails.filtered(
                lambda m: self.customer in m.recipient_ids or self.customer.email in (m.email_to or "")
            )
            self.assertFalse(to_customer)
        self.assertFalse(
            self.env["mail.mail"]
            .sudo()
            .search(["|", ("recipient_ids", "in", self.customer.ids), ("email_to", "ilike", self.customer.email)])
        )
        self.assertTrue(move.collection_disputed)
