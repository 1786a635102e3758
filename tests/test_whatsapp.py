import datetime as dt
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import requests
from freezegun import freeze_time
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from odoo import fields
from odoo.addons.account_collections_mx.models.collection_whatsapp_provider import WhatsAppError
from odoo.addons.account_collections_mx.tools import whatsapp
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CollectionsCommon

API = "https://graph.example.test"
D3_RUN = dt.datetime(2026, 12, 7, 15, 0)  # Monday 09:00 in Mexico City; invoices due on 10 Dec


class WhatsAppCommon(CollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "collection_wa_phone_number_id": "123456",
                "collection_wa_access_token": "test-token",
                "collection_wa_app_secret": "app-secret",
                "collection_wa_verify_token": "verify-me",
                "collection_wa_base_url": API,
                "collection_wa_max_attempts": 3,
            }
        )
        cls.customer.mobile = "+52 55 1234 5678"
        cls.wa_calls = []
        cls.wa_responses = []

    def setUp(self):
        super().setUp()
        type(self).wa_calls = []
        type(self).wa_responses = []

    @classmethod
    def _request_handler(cls, s, r, **kw):
        if not r.url.startswith(API):
            return super()._request_handler(s, r, **kw)
        cls.wa_calls.append(
            {"url": r.url, "json": json.loads(r.body), "headers": dict(r.headers), "timeout": kw.get("timeout")}
        )
        status, body, headers = (
            cls.wa_responses.pop(0)
            if cls.wa_responses
            else (200, {"messages": [{"id": f"wamid.T{len(cls.wa_calls)}"}]}, {})
        )
        if status == "timeout":  # sent, no answer: may have been delivered
            raise requests.exceptions.ReadTimeout("read timed out")
        if status == "refused":  # as requests raises it: the connection never opened
            raise requests.exceptions.ConnectionError(
                MaxRetryError(None, r.url, NewConnectionError(None, "[Errno 111] Connection refused"))
            )
        if status == "connect_timeout":
            raise requests.exceptions.ConnectTimeout("connect timed out")
        if status == "reset":  # the connection broke after the request was sent
            raise requests.exceptions.ConnectionError(
                ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
            )
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers.update(headers)
        response.url = r.url
        return response

    def wa_event(self, move, stage_offset=-3):
        return self.events(move, channel="whatsapp", stage_id=self.stage[stage_offset].id)


@tagged("post_install", "-at_install")
class TestWhatsAppSending(WhatsAppCommon):
    def test_template_request_body(self):
        move = self.make_invoice("2026-12-10", amount=1500)
        self.run_at(D3_RUN)
        event = self.wa_event(move)
        self.assertEqual(event.state, "sent")
        self.assertEqual(event.provider_ref, "wamid.T1")
        self.assertEqual(len(self.wa_calls), 1)
        call = self.wa_calls[0]
        self.assertEqual(call["url"], f"{API}/v21.0/123456/messages")
        self.assertEqual(call["headers"]["Authorization"], "Bearer test-token")
        self.assertTrue(call["timeout"])
        body = call["json"]
        self.assertEqual(body["messaging_product"], "whatsapp")
        self.assertEqual(body["to"], "+525512345678")
        self.assertEqual(body["type"], "template")
        self.assertEqual(body["template"]["name"], "recordatorio_amable")
        self.assertEqual(body["template"]["language"], {"code": "es_MX"})
        params = [p["text"] for p in body["template"]["components"][0]["parameters"]]
        self.assertEqual(params[0], self.customer.name)
        self.assertEqual(params[1], move.name)
        self.assertIn("1,500.00", params[2])
        self.assertIn("/my/invoices/%s" % move.id, params[4])
        # the email of the same stage went too
        self.assertEqual(self.events(move, channel="email").state, "sent")

    def test_one_message_for_several_invoices_and_521_numbers(self):
        self.customer.mobile = "5215512345678"
        first = self.make_invoice("2026-12-10", amount=100)
        second = self.make_invoice("2026-12-10", amount=200)
        self.run_at(D3_RUN)
        self.assertEqual(len(self.wa_calls), 1)
        self.assertEqual(self.wa_calls[0]["json"]["to"], "+525512345678")
        self.assertEqual(self.wa_event(first).provider_ref, self.wa_event(second).provider_ref)

    def test_skip_reasons_email_still_goes(self):
        no_mobile = self.env["res.partner"].create(
            {"name": "Sin Celular", "email": "sin@example.mx", "collection_first_invoice_reviewed": True}
        )
        invalid = self.env["res.partner"].create(
            {
                "name": "Número Malo",
                "email": "malo@example.mx",
                "mobile": "12345",
                "collection_first_invoice_reviewed": True,
            }
        )
        m1 = self.make_invoice("2026-12-10", partner=no_mobile)
        m2 = self.make_invoice("2026-12-10", partner=invalid)
        self.run_at(D3_RUN)
        self.assertEqual(self.wa_event(m1).state, "skipped")
        self.assertIn("no mobile", self.wa_event(m1).skip_reason)
        self.assertEqual(self.wa_event(m2).state, "skipped")
        self.assertIn("Invalid mobile", self.wa_event(m2).skip_reason)
        self.assertEqual(self.events(m1, channel="email").state, "sent")
        self.assertEqual(self.events(m2, channel="email").state, "sent")
        self.assertFalse(self.wa_calls)

    def test_do_not_contact(self):
        self.customer.collection_do_not_contact = True
        move = self.make_invoice("2026-12-10")
        self.run_at(D3_RUN)
        self.assertEqual(self.wa_event(move).state, "skipped")
        self.assertFalse(self.wa_calls)

    def test_missing_credentials_wait(self):
        self.company.collection_wa_access_token = False
        move = self.make_invoice("2026-12-10")
        self.run_at(D3_RUN)
        event = self.wa_event(move)
        self.assertEqual(event.state, "scheduled")
        self.assertIn("not configured", event.skip_reason)
        self.assertFalse(self.wa_calls)
        self.company.collection_wa_access_token = "test-token"
        self.run_at(D3_RUN + dt.timedelta(hours=1))
        self.assertEqual(event.state, "sent")

    def test_retries_only_what_surely_did_not_leave(self):
        move = self.make_invoice("2026-12-10")
        self.wa_responses.extend([("refused", None, {}), ("connect_timeout", None, {}), ("refused", None, {})])
        self.run_at(D3_RUN)
        event = self.wa_event(move)
        self.assertEqual((event.state, event.attempt_count), ("scheduled", 1))
        self.assertIn("did not leave", event.error)
        self.assertEqual(event.scheduled_at, D3_RUN + dt.timedelta(seconds=60))
        self.run_at(D3_RUN + dt.timedelta(seconds=30))  # too early: nothing
        self.assertEqual(len(self.wa_calls), 1)
        self.run_at(D3_RUN + dt.timedelta(seconds=60))
        self.assertEqual((event.state, event.attempt_count), ("scheduled", 2))
        self.assertIn("connect timed out", event.error)
        self.assertEqual(event.scheduled_at, D3_RUN + dt.timedelta(seconds=180))
        self.run_at(D3_RUN + dt.timedelta(seconds=180))
        self.assertEqual((event.state, event.attempt_count), ("failed", 3))
        self.assertEqual(len(self.wa_calls), 3)
        self.run_at(D3_RUN + dt.timedelta(hours=2))
        self.assertEqual(len(self.wa_calls), 3, "a failed event is not retried again")

    def test_real_connection_refused_is_retried(self):
        # a local port nobody listens on: the exception requests really raises
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        self.company.collection_wa_base_url = f"http://127.0.0.1:{port}"
        move = self.make_invoice("2026-12-10")
        self.run_at(D3_RUN)
        event = self.wa_event(move)
        self.assertEqual((event.state, event.attempt_count), ("scheduled", 1))
        self.assertIn("did not leave", event.error)
        self.assertFalse(event.delivery_status)

    def assert_delivery_unknown(self, move, text):
        event = self.wa_event(move)
        self.assertEqual((event.state, event.delivery_status), ("failed", "unknown"))
        self.assertIn("Delivery unknown", event.error)
        self.assertIn(text, event.error)
        task = move.activity_ids.filtered(lambda a: "WhatsApp delivery unknown" in a.summary)
        self.assertEqual(len(task), 1, "a person checks it")
        for hours in (1, 2, 26):
            self.run_at(D3_RUN + dt.timedelta(hours=hours))
        self.assertEqual(len(self.wa_calls), 1, "never sent again by itself")
        self.assertEqual(event.state, "failed")

    def test_read_timeout_is_delivery_unknown_never_resent(self):
        move = self.make_invoice("2026-12-10")
        self.wa_responses.append(("timeout", None, {}))
        self.run_at(D3_RUN)
        self.assert_delivery_unknown(move, "read timed out")

    def test_5xx_is_delivery_unknown_never_resent(self):
        move = self.make_invoice("2026-12-10")
        self.wa_responses.append((503, {"error": {"code": 2, "message": "down"}}, {}))
        self.run_at(D3_RUN)
        self.assert_delivery_unknown(move, "503")

    def test_connection_broken_after_sending_is_delivery_unknown(self):
        move = self.make_invoice("2026-12-10")
        self.wa_responses.append(("reset", None, {}))
        self.run_at(D3_RUN)
        self.assert_delivery_unknown(move, "Connection aborted")

    def test_send_template_normalises_the_recipient(self):
        Provider = self.env["collection.whatsapp.provider"]
        forms = ["+52 1 55 1234 5678", "5215512345678", "+52 55 1234 5678", "5512345678", "(55) 1234-5678"]
        for raw in forms:
            Provider._send_template(raw, "recordatorio", "es_MX", [], company=self.company)
        self.assertEqual([c["json"]["to"] for c in self.wa_calls], ["+525512345678"] * len(forms))
        for raw in ("12345", "0512345678", "", False):
            with self.assertRaises(WhatsAppError) as caught:
                Provider._send_template(raw, "recordatorio", "es_MX", [], company=self.company)
            self.assertIn("not a valid mobile number", str(caught.exception))
            self.assertFalse(caught.exception.retryable)
        self.assertEqual(len(self.wa_calls), len(forms), "no call for an impossible number")

    def test_amount_parameter_per_currency(self):
        usd = self.setup_other_currency("USD")
        self.make_invoice("2026-12-10", amount=1000)
        foreign = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "currency_id": usd.id,
                "invoice_date": "2026-11-10",
                "invoice_date_due": "2026-12-10",
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    (0, 0, {"name": "Servicio", "quantity": 1, "price_unit": 500, "tax_ids": [(6, 0, [])]})
                ],
            }
        )
        foreign.action_post()
        self.run_at(D3_RUN)
        self.assertEqual(len(self.wa_calls), 1)
        params = [p["text"] for p in self.wa_calls[0]["json"]["template"]["components"][0]["parameters"]]
        self.assertEqual(params[2], "$\xa01,000.00 MXN, $\xa0500.00 USD")

    def test_429_honours_retry_after(self):
        move = self.make_invoice("2026-12-10")
        self.wa_responses.append((429, {"error": {"code": 4, "message": "slow down"}}, {"Retry-After": "600"}))
        self.run_at(D3_RUN)
        event = self.wa_event(move)
        self.assertEqual(event.state, "scheduled")
        self.assertEqual(event.scheduled_at, D3_RUN + dt.timedelta(seconds=600))
        self.run_at(D3_RUN + dt.timedelta(seconds=600))
        self.assertEqual(event.state, "sent")

    def test_permanent_error_fails_at_once(self):
        move = self.make_invoice("2026-12-10")
        self.wa_responses.append((400, {"error": {"code": 132001, "message": "Template does not exist"}}, {}))
        self.run_at(D3_RUN)
        event = self.wa_event(move)
        self.assertEqual(event.state, "failed")
        self.assertIn("132001", event.error)

    def test_interrupted_send_is_never_repeated(self):
        move = self.make_invoice("2026-12-10")
        self.company.collection_wa_access_token = False
        self.run_at(D3_RUN)
        event = self.wa_event(move)
        # a crash after the attempt was recorded, before the answer was stored
        event.sudo().write({"delivery_status": "sending", "attempt_count": 1})
        self.company.collection_wa_access_token = "test-token"
        self.run_at(D3_RUN + dt.timedelta(hours=2))
        self.assertEqual(event.state, "failed")
        self.assertIn("not resent", event.error)
        self.assertFalse(self.wa_calls)


@tagged("post_install", "-at_install")
class TestWhatsAppWebhook(WhatsAppCommon, HttpCase):
    URL = "/collections/whatsapp/webhook"

    def post(self, payload, secret="app-secret", signed=True):
        raw = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["X-Hub-Signature-256"] = whatsapp.signature(secret, raw)
        return self.url_open(self.URL, data=raw, headers=headers)

    def inbound(self, wamid, text, number="5215512345678"):
        return {
            "entry": [
                {
                    "changes": [
                        {
                            "value": {
                                "metadata": {"phone_number_id": "123456"},
                                "contacts": [{"wa_id": number, "profile": {"name": "Cliente"}}],
                                "messages": [{"id": wamid, "from": number, "type": "text", "text": {"body": text}}],
                            }
                        }
                    ]
                }
            ]
        }

    def status(self, wamid, status):
        return {
            "entry": [
                {
                    "changes": [
                        {
                            "value": {
                                "metadata": {"phone_number_id": "123456"},
                                "statuses": [{"id": wamid, "status": status}],
                            }
                        }
                    ]
                }
            ]
        }

    def test_verification(self):
        ok = self.url_open(f"{self.URL}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=8712")
        self.assertEqual((ok.status_code, ok.text), (200, "8712"))
        bad = self.url_open(f"{self.URL}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=8712")
        self.assertEqual(bad.status_code, 403)
        self.assertNotIn("8712", bad.text)

    def test_unsigned_or_badly_signed_is_refused(self):
        Message = self.env["collection.whatsapp.message"]
        self.assertEqual(self.post(self.inbound("wamid.A", "ya pagué"), signed=False).status_code, 403)
        self.assertEqual(self.post(self.inbound("wamid.A", "ya pagué"), secret="wrong").status_code, 403)
        self.assertFalse(Message.search([("wamid", "=", "wamid.A")]))
        self.assertFalse(self.customer.collection_paused)

    def test_delivery_statuses_and_replay(self):
        move = self.make_invoice("2026-12-10")
        self.run_at(D3_RUN)
        event = self.wa_event(move)
        self.assertEqual(self.post(self.status(event.provider_ref, "delivered")).status_code, 200)
        self.assertEqual(event.delivery_status, "delivered")
        self.post(self.status(event.provider_ref, "read"))
        self.assertEqual(event.delivery_status, "read")
        self.post(self.status(event.provider_ref, "delivered"))  # late replay: no step back
        self.assertEqual(event.delivery_status, "read")
        self.assertEqual(event.state, "sent")

    def test_failed_status(self):
        move = self.make_invoice("2026-12-10")
        self.run_at(D3_RUN)
        event = self.wa_event(move)
        self.post(self.status(event.provider_ref, "failed"))
        self.assertEqual(event.state, "failed")

    def test_replies_of_each_kind(self):
        """The same reply rules as email (models/collection_event_reply.py)."""
        move = self.make_invoice("2026-12-10")
        cases = [
            ("ok gracias", None),
            ("Ya pagué, les mando el comprobante", None),  # the invoice is held, not the customer
            ("¿Me pueden dar una prórroga?", "payment_plan"),
            ("No reconozco esta factura", None),  # that invoice is disputed
            ("No me contacten por favor", None),  # do not contact
        ]
        for i, (text, reason) in enumerate(cases):
            self.customer.sudo().write({"collection_paused": False, "collection_pause_reason": False})
            response = self.post(self.inbound(f"wamid.in{i}", text))
            self.assertEqual(response.status_code, 200)
            if reason is None:
                self.assertFalse(self.customer.collection_paused, text)
            else:
                self.assertTrue(self.customer.collection_paused, text)
                self.assertEqual(self.customer.collection_pause_reason, reason, text)
            if i == 1:
                self.assertTrue(move.collection_paused, "held after 'ya pagué'")
                self.assertTrue(move.collection_pause_until)
        self.assertTrue(move.collection_disputed)
        self.assertTrue(self.customer.collection_do_not_contact)
        self.assertTrue(self.customer.collection_wa_window_open)
        messages = self.env["collection.whatsapp.message"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(
            sorted(messages.mapped("kind")),
            sorted(["acknowledgement", "paid_check", "payment_plan", "dispute", "do_not_contact"]),
        )
        self.assertTrue(move.message_ids.filtered(lambda m: "prórroga" in (m.body or "")))
        summaries = (
            self.env["mail.activity"]
            .search([("res_id", "=", move.id), ("res_model", "=", "account.move")])
            .mapped("summary")
        )
        self.assertTrue(any("review tray" in s for s in summaries))
        # every message is in the contact log, as one conversation with the reminders
        inbound = self.env["collection.event"].search(
            [("partner_id", "=", self.customer.id), ("direction", "=", "in")], order="id"
        )
        self.assertEqual(inbound.mapped("channel"), ["whatsapp"] * 5)
        self.assertEqual(
            inbound.mapped("reply_kind"), ["acknowledgement", "paid_check", "payment_plan", "dispute", "do_not_contact"]
        )
        self.assertEqual(inbound.mapped("state"), ["received"] * 5)
        self.assertEqual(inbound[0].reply_text, "ok gracias")

    def test_replayed_inbound_changes_nothing(self):
        self.make_invoice("2026-12-10")
        payload = self.inbound("wamid.dup", "No puedo pagar este mes")
        self.post(payload)
        count = len(self.customer.message_ids)
        activities = self.env["mail.activity"].search_count([])
        self.post(payload)
        self.assertEqual(len(self.customer.message_ids), count)
        self.assertEqual(self.env["mail.activity"].search_count([]), activities)
        self.assertEqual(self.env["collection.whatsapp.message"].search_count([("wamid", "=", "wamid.dup")]), 1)


class _FakeCloudAPI(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ok = (
            self.path == "/v21.0/123456/messages"
            and body.get("messaging_product") == "whatsapp"
            and body.get("type") == "template"
            and body["template"].get("name")
            and self.headers.get("Authorization") == "Bearer test-token"
        )
        type(self).received.append(body)
        answer = (
            {
                "messaging_product": "whatsapp",
                "contacts": [{"wa_id": body["to"]}],
                "messages": [{"id": f"wamid.LOCAL{len(self.received)}"}],
            }
            if ok
            else {"error": {"code": 100, "message": "bad request"}}
        )
        data = json.dumps(answer).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestWhatsAppIntegration(WhatsAppCommon):
    """Against a local HTTP server emulating the Cloud API, through a real cron run."""

    def test_cron_run_against_local_cloud_api(self):
        server = HTTPServer(("127.0.0.1", 0), _FakeCloudAPI)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        _FakeCloudAPI.received = []
        self.company.collection_wa_base_url = f"http://127.0.0.1:{server.server_port}"
        move = self.make_invoice("2026-12-10")
        cron = self.env.ref("account_collections_mx.ir_cron_collection_run")
        with freeze_time(D3_RUN):
            cron.method_direct_trigger()
        event = self.wa_event(move)
        self.assertEqual(event.state, "sent")
        self.assertEqual(event.provider_ref, "wamid.LOCAL1")
        self.assertEqual(len(_FakeCloudAPI.received), 1)
        self.assertEqual(_FakeCloudAPI.received[0]["to"], "+525512345678")
        self.assertEqual(fields.Datetime.to_datetime(event.done_at), D3_RUN)


class _RolledBack(Exception):
    """A request whose transaction is rolled back (timeout, serialization failure)."""


@tagged("post_install", "-at_install")
class TestRunNowExactlyOnce(WhatsAppCommon):
    """*Run collections now* in a request that Odoo may roll back and retry."""

    def test_retried_and_repeated_run_now_sends_each_message_once(self):
        manager = new_test_user(
            self.env,
            login="jefa_cobranza",
            company_id=self.company.id,
            groups="base.group_user,account.group_account_invoice,account_collections_mx.group_collection_manager",
        )
        move = self.make_invoice("2026-12-10")
        Move = self.env["account.move"].with_user(manager)
        with freeze_time(D3_RUN):
            # the request fails after the work (a timeout, a serialization failure): its
            # transaction is rolled back, and nothing had left
            try:
                with self.env.cr.savepoint():
                    Move.action_collection_run_now()
                    self.assertEqual(self.events(move, channel="email").state, "queued")
                    raise _RolledBack()
            except _RolledBack:
                pass
            self.assertFalse(self.events(move))
            self.assertFalse(self.wa_calls)
            # Odoo retries the request, then the manager clicks once more
            action = Move.action_collection_run_now()
            self.assertIn("background", action["params"]["message"])
            Move.action_collection_run_now()
        self.assertFalse(self.wa_calls, "WhatsApp only from the scheduled action")
        email = self.events(move, channel="email")
        self.assertEqual(len(email), 1)
        mails = self.env["mail.mail"].sudo().search([("mail_message_id", "=", email.mail_message_id.id)])
        self.assertEqual(len(mails), 1)
        cron = self.env.ref("account_collections_mx.ir_cron_collection_run")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        with freeze_time(D3_RUN):
            self.env["account.move"]._cron_collection_run()
            self.env["account.move"]._cron_collection_run()
            Move.action_collection_run_now()
        self.assertEqual(len(self.wa_calls), 1)
        self.assertEqual(self.wa_event(move).state, "sent")
        self.send_mail_queue(D3_RUN)
        self.assertEqual(email.state, "sent")
        self.assertEqual(len(self.events(move, channel="email")), 1)


@tagged("post_install", "-at_install")
class TestWhatsAppAnswer(WhatsAppCommon):
    """The free-text *Answer on WhatsApp* follows the rules of every customer message."""

    NOON = dt.datetime(2026, 12, 8, 18, 0)  # Tuesday 12:00 in Mexico City

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.branch = cls.env["res.company"].create(
            {
                "name": "Sucursal Norte",
                "currency_id": cls.company.currency_id.id,
                "collection_wa_phone_number_id": "999",
                "collection_wa_access_token": "branch-token",
                "collection_wa_base_url": API,
            }
        )
        cls.collector = new_test_user(
            cls.env,
            login="cobradora",
            company_id=cls.company.id,
            company_ids=(cls.company | cls.branch).ids,
            groups="base.group_user,account_collections_mx.group_collection_user",
        )

    def wrote(self, when, company=None):
        self.env["collection.whatsapp.message"].sudo().create(
            {
                "wamid": f"wamid.in.{when.isoformat()}",
                "company_id": (company or self.branch).id,
                "partner_id": self.customer.id,
                "phone": "5215512345678",
                "body": "¿Cuánto debo?",
                "kind": "other",
                "received_at": when,
            }
        )
        self.customer.sudo().collection_wa_last_inbound = when

    def answer(self, text="Debe 1,000.00; gracias", user=None):
        wizard = (
            self.env["collection.whatsapp.reply"]
            .with_user(user or self.collector)
            .create({"partner_id": self.customer.id, "body": text})
        )
        return wizard.action_send()

    def test_answer_from_the_company_that_received_the_message_and_logged(self):
        with freeze_time(self.NOON):
            self.wrote(self.NOON - dt.timedelta(hours=1))
            self.answer()
        self.assertEqual(len(self.wa_calls), 1)
        call = self.wa_calls[0]
        self.assertEqual(call["url"], f"{API}/v21.0/999/messages")
        self.assertEqual(call["headers"]["Authorization"], "Bearer branch-token")
        self.assertEqual(call["json"]["to"], "+525512345678")
        self.assertEqual(call["json"]["text"]["body"], "Debe 1,000.00; gracias")
        event = self.Event.search([("channel", "=", "whatsapp_text")])
        self.assertRecordValues(
            event,
            [
                {
                    "state": "sent",
                    "partner_id": self.customer.id,
                    "company_id": self.branch.id,
                    "provider_ref": "wamid.T1",
                    "body": "Debe 1,000.00; gracias",
                    "user_id": self.collector.id,
                    "done_at": self.NOON,
                    "move_id": False,
                }
            ],
        )
        self.assertIn("WhatsApp answer", event.display_name)
        # a second answer is logged too (no unique index on free text)
        with freeze_time(self.NOON + dt.timedelta(minutes=5)):
            self.answer("Y su saldo en USD es cero")
        self.assertEqual(len(self.Event.search([("channel", "=", "whatsapp_text")])), 2)

    def test_do_not_contact_window_and_holidays(self):
        self.customer.collection_do_not_contact = True
        with freeze_time(self.NOON):
            self.wrote(self.NOON - dt.timedelta(hours=1))
            with self.assertRaisesRegex(UserError, "asked not to be contacted"):
                self.answer()
        self.customer.collection_do_not_contact = False
        night = dt.datetime(2026, 12, 9, 3, 0)  # Tuesday 21:00 in Mexico City
        with freeze_time(night):
            self.wrote(night - dt.timedelta(hours=1))
            with self.assertRaisesRegex(UserError, r"after the contact window\).*\(America/Mexico_City\)"):
                self.answer()
        holiday = dt.datetime(2026, 11, 16, 18, 0)  # Revolution day, 12:00
        with freeze_time(holiday):
            self.wrote(holiday - dt.timedelta(hours=1))
            with self.assertRaisesRegex(UserError, "official holiday"):
                self.answer()
        saturday = dt.datetime(2026, 11, 14, 18, 0)  # next opening: Tuesday 17 (holiday Monday)
        with freeze_time(saturday):
            self.wrote(saturday - dt.timedelta(hours=1))
            with self.assertRaisesRegex(UserError, "non-contact weekday.*24-hour WhatsApp window"):
                self.answer()
        self.assertFalse(self.wa_calls)
        self.assertFalse(self.Event.search([("channel", "=", "whatsapp_text")]))

    def test_only_users_of_the_receiving_company(self):
        outsider = new_test_user(
            self.env,
            login="otra_cobradora",
            company_id=self.company.id,
            groups="base.group_user,account_collections_mx.group_collection_user",
        )
        with freeze_time(self.NOON):
            self.wrote(self.NOON - dt.timedelta(hours=1))
            with self.assertRaisesRegex(UserError, "Sucursal Norte"):
                self.answer(user=outsider)
        self.assertFalse(self.wa_calls)

    def test_read_timeout_logged_as_delivery_unknown(self):
        self.wa_responses.append(("timeout", None, {}))
        with freeze_time(self.NOON):
            self.wrote(self.NOON - dt.timedelta(hours=1))
            action = self.answer()
        self.assertEqual(action["params"]["type"], "warning")
        event = self.Event.search([("channel", "=", "whatsapp_text")])
        self.assertEqual((event.state, event.delivery_status), ("failed", "unknown"))
        self.assertEqual(len(self.wa_calls), 1)
