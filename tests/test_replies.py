"""Customers' email replies through Odoo's real mail gateway (``message_process`` on raw
MIME answering the reminder), automatic replies and bounces."""

import base64
import datetime as dt

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .common import CollectionsCommon
from .test_whatsapp import WhatsAppCommon

D3_RUN = dt.datetime(2026, 12, 7, 15, 0)  # Monday 09:00 in Mexico City; invoices due 10 Dec
REPLY_AT = dt.datetime(2026, 12, 7, 17, 0)  # the customer answers the same morning

REPLY = """From: {sender}
To: cobranza@example.mx
Subject: {subject}
Date: Mon, 07 Dec 2026 11:00:00 -0600
Message-Id: <{msg_id}@esperanza.example.mx>
In-Reply-To: {parent}
References: {parent}
MIME-Version: 1.0
{extra}Content-Type: multipart/mixed; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

{text}

El lun, 7 dic 2026 a las 9:00, Cobranza <cobranza@example.mx> escribió:
> Le recordamos que su factura vence pronto. Si ya pagó, envíe su comprobante
> de transferencia. Si hay un error, avísenos.
{attachment}--BOUNDARY--
"""

PDF_PART = """--BOUNDARY
Content-Type: application/pdf; name="comprobante.pdf"
Content-Disposition: attachment; filename="comprobante.pdf"
Content-Transfer-Encoding: base64

{data}
"""

BOUNCE = """Return-Path: <>
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: bounce@example.mx
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
Date: Mon, 07 Dec 2026 09:05:00 -0600
Message-Id: <dsn-{n}@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"

--DSN
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered to <{email}>: 550 No such user.

--DSN
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; {email}
Original-Recipient: rfc822;{email}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 No such user

--DSN
Content-Description: Undelivered Message
Content-Type: message/rfc822

Message-Id: {original}
Subject: Recordatorio
From: Cobranza <cobranza@example.mx>
To: <{email}>
Date: Mon, 07 Dec 2026 09:00:00 -0600

Le recordamos su factura.

--DSN--
"""


class RepliesCommon(CollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = new_test_user(
            cls.env,
            login="cobrador_replies",
            groups="account_collections_mx.group_collection_user",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.customer.collection_responsible_id = cls.collector
        cls.n = 0

    def reminder(self, move):
        event = self.events(move, channel="email", state="sent")
        self.assertEqual(len(event), 1)
        return event

    def reply(self, parent_message, text, sender=None, subject=None, extra="", attachment=False):
        type(self).n += 1
        raw = REPLY.format(
            sender=sender or "Abarrotes La Esperanza <pagos@esperanza.example.mx>",
            subject=subject or "Re: %s" % (parent_message.subject or "Recordatorio"),
            msg_id=f"reply-{self.n}",
            parent=parent_message.message_id,
            text=text,
            extra=extra,
            attachment=PDF_PART.format(data=base64.b64encode(b"%PDF-1.4 comprobante").decode()) if attachment else "",
        )
        with freeze_time(REPLY_AT):
            return self.env["mail.thread"].sudo().message_process(None, raw.encode())

    def inbound(self, move=None, partner=None):
        domain = [("direction", "=", "in")]
        if move:
            domain.append(("move_id", "=", move.id))
        if partner:
            domain.append(("partner_id", "=", partner.id))
        return self.Event.search(domain, order="id")

    def tasks(self, record):
        return self.env["mail.activity"].search([("res_model", "=", record._name), ("res_id", "=", record.id)])


@tagged("post_install", "-at_install")
class TestEmailReplies(RepliesCommon):
    def setUp(self):
        super().setUp()
        self.move = self.make_invoice("2026-12-10", amount=1500)
        self.other = self.make_invoice("2026-12-10", amount=500)
        self.run_at(D3_RUN)
        self.sent = self.reminder(self.move) | self.reminder(self.other)
        self.message = self.sent.mail_message_id
        self.assertEqual(len(self.message), 1, "one email for both invoices")
        self.lead = self.env["account.move"].browse(self.message.res_id)

    def test_paid_with_proof_holds_the_reminders_two_business_days(self):
        thread = self.reply(self.message, "Ya pagué ambas facturas, adjunto comprobante.", attachment=True)
        self.assertEqual(thread, self.lead.id)
        event = self.inbound(self.lead)
        self.assertEqual((event.channel, event.state, event.reply_kind), ("email", "received", "paid_check"))
        self.assertIn("Ya pagué ambas facturas", event.reply_text)
        self.assertNotIn("Le recordamos", event.reply_text, "the quoted reminder is not the reply")
        self.assertEqual(event.mail_message_id.attachment_ids.mapped("name"), ["comprobante.pdf"])
        # both invoices of the reminder answered wait until Wednesday (two business days)
        for move in self.move | self.other:
            self.assertEqual(move.collection_state, "paused")
            self.assertEqual(str(move.collection_pause_until), "2026-12-09")
        self.assertFalse(self.customer.collection_paused, "only those invoices are held")
        self.assertIn("review tray", " ".join(self.tasks(self.lead).mapped("summary")))
        self.assertEqual(self.tasks(self.lead).user_id, self.collector)
        # the proof stays on the invoice (the email was posted there)
        self.assertIn(
            "comprobante.pdf",
            self.env["ir.attachment"]
            .search([("res_model", "=", "account.move"), ("res_id", "=", self.lead.id)])
            .mapped("name"),
        )
        # the cadence resumes by itself after the hold: D0 (10 Dec) goes on time
        self.run_at(dt.datetime(2026, 12, 9, 15, 0))
        self.assertEqual(self.move.collection_state, "paused")
        self.run_at(dt.datetime(2026, 12, 10, 15, 0))
        self.assertEqual(self.move.collection_state, "active")
        self.assertEqual(self.events(self.move, channel="email", stage_id=self.stage[0].id).state, "sent")

    def test_extension_request_goes_to_a_person_with_a_draft_plan(self):
        self.reply(self.message, "¿Me pueden dar 15 días más? No puedo pagar este mes.")
        event = self.inbound(self.lead)
        self.assertEqual(event.reply_kind, "payment_plan")
        self.assertTrue(self.customer.collection_paused)
        self.assertEqual(self.customer.collection_pause_reason, "payment_plan")
        plan = self.env["collection.payment.plan"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(plan.state, "draft")
        self.assertEqual(plan.move_ids, self.move | self.other)
        self.assertEqual(sum(plan.line_ids.mapped("amount")), 2000)
        self.assertIn(plan.name, event.reply_outcome)
        self.assertIn("payment plan", " ".join(self.tasks(self.lead).mapped("summary")))

    def test_error_disputes_that_invoice(self):
        self.reply(self.message, "La factura tiene un error en el precio.")
        event = self.inbound()
        self.assertEqual(event.reply_kind, "dispute")
        self.assertTrue(self.lead.collection_disputed)
        self.assertEqual(self.lead.collection_state, "disputed")
        self.assertIn("error en el precio", self.lead.collection_dispute_note)
        self.assertFalse(self.customer.collection_paused)

    def test_do_not_contact_keeps_the_message_as_evidence(self):
        self.reply(self.message, "No me vuelvan a escribir. Denme de baja.")
        event = self.inbound(self.lead)
        self.assertEqual(event.reply_kind, "do_not_contact")
        self.assertTrue(self.customer.collection_do_not_contact)
        self.assertEqual(event.mail_message_id.model, "account.move")
        self.assertIn("Denme de baja", event.mail_message_id.body)
        self.assertTrue(
            self.customer.message_ids.filtered(
                lambda m: "evidence" in (m.body or "") and "Denme de baja" in (m.body or "")
            )
        )
        # the next stage sends nothing to the customer
        self.run_at(dt.datetime(2026, 12, 10, 15, 0))
        self.assertEqual(
            self.events(self.move, channel="email", state="skipped").mapped("skip_reason"),
            ["The customer asked not to be contacted"],
        )

    def test_anything_else_goes_to_the_collector_with_the_text(self):
        self.reply(self.message, "¿Con quién puedo hablar sobre el contrato?")
        event = self.inbound(self.lead)
        self.assertEqual(event.reply_kind, "other")
        self.assertTrue(self.customer.collection_paused)
        self.assertEqual(self.customer.collection_pause_reason, "other")
        task = self.tasks(self.lead)
        self.assertIn("sobre el contrato", task.note)
        self.assertEqual(task.user_id, self.collector)

    def test_thanks_changes_nothing_but_is_logged(self):
        self.reply(self.message, "Gracias, saludos.")
        event = self.inbound(self.lead)
        self.assertEqual((event.reply_kind, event.reply_outcome), ("acknowledgement", "Nothing changes"))
        self.assertEqual(self.move.collection_state, "active")
        self.assertFalse(self.tasks(self.lead))

    def test_automatic_replies_change_nothing_but_are_logged(self):
        self.reply(
            self.message,
            "Estoy fuera de la oficina hasta el lunes; ya pagué todo.",
            extra="Auto-Submitted: auto-replied\n",
        )
        self.reply(self.message, "I am away. Contact accounts.", subject="Respuesta automática: Recordatorio de pago")
        self.reply(self.message, "Out of office", extra="X-Autoreply: yes\n")
        events = self.inbound(self.lead)
        self.assertEqual(events.mapped("reply_kind"), ["auto_reply"] * 3)
        self.assertEqual(self.move.collection_state, "active")
        self.assertFalse(self.customer.collection_paused)
        self.assertFalse(self.tasks(self.lead))

    def test_unknown_sender_is_read_by_a_person(self):
        self.reply(self.message, "No me contacten.", sender="Otro <otro@desconocido.example.com>")
        event = self.inbound(self.lead)
        self.assertEqual(event.reply_kind, "do_not_contact")
        self.assertFalse(self.customer.collection_do_not_contact, "a stranger cannot opt the customer out")
        self.assertTrue(self.customer.collection_paused)
        self.assertIn("not a known contact", self.tasks(self.lead).note)

    def test_history_reads_as_one_conversation(self):
        self.reply(self.message, "Gracias.")
        self.reply(self.message, "¿Me dan una prórroga?")
        log = self.Event.search([("partner_id", "=", self.customer.id)], order="id")
        self.assertEqual(log.mapped("direction"), ["out"] * (len(log) - 2) + ["in", "in"])
        self.assertEqual(self.inbound(self.lead).mapped("reply_kind"), ["acknowledgement", "payment_plan"])
        self.assertEqual(self.customer.collection_event_count, len(log))

    def test_employee_answering_by_email_is_not_the_customer(self):
        self.collector.email = "cobrador@example.mx"
        self.reply(self.message, "Nota interna: ya pagó.", sender="Cobrador <cobrador@example.mx>")
        self.assertFalse(self.inbound())


@tagged("post_install", "-at_install")
class TestEmailBounce(RepliesCommon, WhatsAppCommon):
    def bounce(self, message, email="pagos@esperanza.example.mx"):
        type(self).n += 1
        raw = BOUNCE.format(n=self.n, email=email, original=message.message_id)
        with freeze_time(REPLY_AT):
            self.env["mail.thread"].sudo().message_process(None, raw.encode())

    def test_bounce_fails_the_event_and_the_next_stage_goes_by_whatsapp(self):
        move = self.make_invoice("2026-12-10")
        self.run_at(D3_RUN)
        email = self.reminder(move)
        self.bounce(email.mail_message_id)
        self.assertEqual((email.state, email.delivery_status), ("failed", "bounced"))
        self.assertIn("Bounced", email.error)
        self.assertEqual(self.customer.message_bounce, 1)
        self.assertTrue(self.customer.collection_email_bounced)
        task = self.tasks(self.customer)
        self.assertEqual(len(task), 1)
        self.assertIn("Fix the email address", task.summary)
        self.assertEqual(task.user_id, self.collector)
        # D0 is an email-only stage: it goes by WhatsApp instead
        calls = len(self.wa_calls)
        self.run_at(dt.datetime(2026, 12, 10, 15, 0))
        d0 = self.stage[0]
        skipped = self.events(move, channel="email", stage_id=d0.id)
        self.assertEqual(skipped.state, "skipped")
        self.assertIn("bounced", skipped.skip_reason)
        wa = self.events(move, channel="whatsapp", stage_id=d0.id)
        self.assertEqual(wa.state, "sent")
        self.assertEqual(len(self.wa_calls), calls + 1)
        # a second bounce does not pile up tasks
        self.bounce(email.mail_message_id)
        self.assertEqual(len(self.tasks(self.customer)), 1)
        # a fixed address is an email again
        self.customer.email = "tesoreria@esperanza.example.mx"
        self.assertFalse(self.customer.collection_email_bounced)
        self.run_at(dt.datetime(2026, 12, 13, 15, 0) + dt.timedelta(days=1))
        self.assertEqual(self.events(move, channel="email", stage_id=self.stage[3].id).state, "sent")

    def test_bounce_without_mobile_skips_the_email_with_the_reason(self):
        self.customer.mobile = False
        move = self.make_invoice("2026-12-10")
        self.run_at(D3_RUN)
        self.bounce(self.reminder(move).mail_message_id)
        self.run_at(dt.datetime(2026, 12, 10, 15, 0))
        skipped = self.events(move, channel="email", stage_id=self.stage[0].id)
        self.assertEqual(skipped.state, "skipped")
        self.assertIn("fix the address", skipped.skip_reason)
        self.assertFalse(self.events(move, channel="whatsapp", stage_id=self.stage[0].id))

    def test_invalid_address_fails_like_a_bounce(self):
        self.customer.email = "pagos.esperanza.example.mx"  # no @: Odoo cannot send it
        move = self.make_invoice("2026-12-10")
        self.run_at(D3_RUN, mail_queue=False)
        email = self.events(move, channel="email")
        self.assertEqual(email.state, "queued")
        self.send_mail_queue(D3_RUN)  # the mail queue cannot send it
        self.assertEqual((email.state, email.delivery_status), ("failed", "bounced"))
        self.assertIn("Not delivered", email.error)
        self.assertTrue(self.customer.collection_email_bounced)
        self.assertIn("Fix the email address", self.tasks(self.customer).summary)


@tagged("post_install", "-at_install")
class TestEmailReplyPaidInvoice(RepliesCommon):
    def test_reply_about_a_paid_invoice_is_logged_only(self):
        move = self.make_invoice("2026-12-10")
        self.run_at(D3_RUN)
        message = self.reminder(move).mail_message_id
        self.pay(move)
        self.reply(message, "Ya pagué, adjunto comprobante.")
        event = self.inbound(move)
        self.assertEqual(event.reply_kind, "paid_check")
        self.assertIn("no longer in collections", event.reply_outcome)
        self.assertFalse(self.tasks(move))
        self.assertFalse(move.collection_paused)
