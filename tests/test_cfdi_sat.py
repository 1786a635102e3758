import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch

import requests
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..tools import sat_status
from .cfdi_common import COMPANY_RFC, CUSTOMER_RFC, CfdiCommon

SAT_URL = "https://consultaqr.facturaelectronica.sat.gob.mx/ConsultaCFDIService.svc"


class SatMockCommon(CfdiCommon):
    """Outgoing HTTP answered at the transport (requests' Session.send) like the SAT would."""

    sat_states = {}  # uuid -> Estado
    sat_failures = 0  # next N requests fail with a network error
    sat_requests = []

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if not r.url.startswith(SAT_URL):
            return super()._request_handler(s, r, **kw)
        cls.sat_requests.append(r)
        if cls.sat_failures:
            cls.sat_failures -= 1
            raise requests.ConnectionError("connection reset by peer")
        expression = sat_status.read_expression(r.body)
        state = cls.sat_states.get(expression["id"], "No Encontrado")
        response = requests.Response()
        response.status_code = 200
        response._content = sat_status.build_response(
            state,
            code="N - 602: Comprobante no encontrado."
            if state == "No Encontrado"
            else "S - Comprobante obtenido satisfactoriamente.",
        )
        response.headers["Content-Type"] = "text/xml; charset=utf-8"
        response.url = r.url
        response.request = r
        return response

    def setUp(self):
        super().setUp()
        type(self).sat_states = {}
        type(self).sat_failures = 0
        type(self).sat_requests = []
        patcher = patch("odoo.addons.account_collections_mx.models.collection_sat_service.time.sleep")
        patcher.start()
        self.addCleanup(patcher.stop)

    def stamped_invoice(self, uuid, state="Vigente", **kw):
        move = self.make_invoice(**kw)
        move.cfdi_uuid = uuid
        if state:
            type(self).sat_states[uuid] = state
        return move


@tagged("post_install", "-at_install")
class TestCfdiSatStatus(SatMockCommon):
    def test_valid_and_request_content(self):
        move = self.stamped_invoice("AAAAAAAA-0000-4000-8000-000000000001")
        with freeze_time("2026-02-01 10:00:00"):
            counts = move._cfdi_check_sat_status()
        self.assertEqual(counts, {"valid": 1})
        self.assertEqual(move.cfdi_sat_status, "valid")
        self.assertEqual(move.cfdi_sat_checked_at, fields.Datetime.to_datetime("2026-02-01 10:00:00"))
        request = self.sat_requests[0]
        self.assertEqual(request.headers["SOAPAction"], '"http://tempuri.org/IConsultaCFDIService/Consulta"')
        self.assertEqual(
            sat_status.read_expression(request.body),
            {"re": COMPANY_RFC, "rr": CUSTOMER_RFC, "tt": "1000.000000", "id": "AAAAAAAA-0000-4000-8000-000000000001"},
        )
        self.assertEqual(move.collection_state, "active")

    def test_cancelled_leaves_collections_with_activity(self):
        move = self.stamped_invoice("AAAAAAAA-0000-4000-8000-000000000002", "Cancelado")
        self.assertEqual(move.collection_state, "active")
        move._cfdi_check_sat_status()
        self.assertEqual(move.cfdi_sat_status, "cancelled")
        self.assertTrue(move.collection_excluded)
        self.assertIn("cancelled at the SAT", move.collection_exclude_reason)
        self.assertEqual(move.collection_state, "excluded")
        activity = move.activity_ids.filtered(lambda a: a.summary == "CFDI cancelled at the SAT")
        self.assertEqual(len(activity), 1)
        self.assertTrue(activity.user_id)
        # checking again does not pile up activities
        move._cfdi_check_sat_status()
        self.assertEqual(len(move.activity_ids.filtered(lambda a: a.summary == "CFDI cancelled at the SAT")), 1)

    def test_not_found(self):
        move = self.stamped_invoice("AAAAAAAA-0000-4000-8000-000000000003", state=None)
        move._cfdi_check_sat_status()
        self.assertEqual(move.cfdi_sat_status, "not_found")
        self.assertIn("602", move.cfdi_sat_message)

    def test_network_errors_are_retried(self):
        move = self.stamped_invoice("AAAAAAAA-0000-4000-8000-000000000004")
        type(self).sat_failures = 2
        move._cfdi_check_sat_status()
        self.assertEqual(len(self.sat_requests), 3)
        self.assertEqual(move.cfdi_sat_status, "valid")

    def test_service_down_marks_error_without_raising(self):
        move = self.stamped_invoice("AAAAAAAA-0000-4000-8000-000000000005")
        type(self).sat_failures = 10
        move._cfdi_check_sat_status()
        self.assertEqual(len(self.sat_requests), 3)
        self.assertEqual(move.cfdi_sat_status, "error")
        self.assertTrue(move.cfdi_sat_checked_at)
        self.assertEqual(move.collection_state, "active")

    def test_button_needs_a_uuid(self):
        move = self.make_invoice()
        with self.assertRaises(UserError):
            move.action_cfdi_check_sat_status()
        move.cfdi_uuid = "AAAAAAAA-0000-4000-8000-000000000006"
        type(self).sat_states[move.cfdi_uuid] = "Vigente"
        action = move.action_cfdi_check_sat_status()
        self.assertEqual(action["params"]["type"], "success")

    def test_cron_oldest_checked_first_in_batches(self):
        never = self.stamped_invoice("AAAAAAAA-0000-4000-8000-000000000010")
        old = self.stamped_invoice("AAAAAAAA-0000-4000-8000-000000000011")
        older = self.stamped_invoice("AAAAAAAA-0000-4000-8000-000000000012", "Cancelado")
        recent = self.stamped_invoice("AAAAAAAA-0000-4000-8000-000000000013")
        paid = self.stamped_invoice("AAAAAAAA-0000-4000-8000-000000000014")
        self.pay(paid, 1000.0, "2026-01-15")
        old.sudo().cfdi_sat_checked_at = "2026-01-20 08:00:00"
        older.sudo().cfdi_sat_checked_at = "2026-01-10 08:00:00"
        recent.sudo().cfdi_sat_checked_at = "2026-02-01 09:00:00"
        with (
            freeze_time("2026-02-01 10:00:00"),
            patch.object(type(self.env["ir.cron"]), "_notify_progress") as progress,
        ):
            done, remaining = self.env["account.move"]._cron_cfdi_check_sat_status(batch_size=2)
        self.assertEqual((done, remaining), (3, 0))
        order = [sat_status.read_expression(r.body)["id"] for r in self.sat_requests]
        self.assertEqual(order, [never.cfdi_uuid, older.cfdi_uuid, old.cfdi_uuid])
        self.assertEqual(progress.call_args_list[0].kwargs, {"done": 2, "remaining": 1})
        self.assertEqual(progress.call_args_list[-1].kwargs, {"done": 3, "remaining": 0})
        self.assertEqual(older.collection_state, "excluded")
        self.assertEqual(recent.cfdi_sat_status, "unknown")  # checked less than a day ago
        self.assertEqual(paid.cfdi_sat_status, "unknown")  # paid: nothing to collect

    def test_cron_makes_progress_when_the_sat_is_down(self):
        moves = [self.stamped_invoice("AAAAAAAA-0000-4000-8000-0000000001%02d" % i) for i in range(8)]
        type(self).sat_failures = 1000
        cron = self.env.ref("account_collections_mx.ir_cron_cfdi_sat_status")
        Trigger = self.env["ir.cron.trigger"]
        with freeze_time("2026-02-01 10:00:00"):
            done, remaining = self.env["account.move"]._cron_cfdi_check_sat_status()
        # one try per invoice; after 3 failures in a row the call stops for an hour
        self.assertEqual((done, remaining), (3, 5))
        self.assertEqual(len(self.sat_requests), 3)
        self.assertTrue(Trigger.search([("cron_id", "=", cron.id), ("call_at", "=", "2026-02-01 11:00:00")]))
        first = {sat_status.read_expression(r.body)["id"] for r in self.sat_requests}
        with freeze_time("2026-02-01 11:00:00"):
            self.env["account.move"]._cron_cfdi_check_sat_status()
        second = {sat_status.read_expression(r.body)["id"] for r in self.sat_requests[3:]}
        self.assertEqual(len(second), 3)
        self.assertFalse(first & second, "the next call starts with other invoices")
        # the SAT is back: the rest is checked, the failed ones again after a day
        type(self).sat_failures = 0
        with freeze_time("2026-02-01 12:00:00"):
            done, remaining = self.env["account.move"]._cron_cfdi_check_sat_status()
        self.assertEqual((done, remaining), (2, 0))
        self.assertEqual(sorted(m.cfdi_sat_status for m in moves), ["error"] * 6 + ["valid"] * 2)
        with freeze_time("2026-02-02 12:00:01"):
            self.env["account.move"]._cron_cfdi_check_sat_status()
        self.assertEqual({m.cfdi_sat_status for m in moves}, {"valid"})

    def test_cron_stops_at_its_time_budget(self):
        for i in range(3):
            self.stamped_invoice("AAAAAAAA-0000-4000-8000-0000000002%02d" % i)
        self.env["ir.config_parameter"].sudo().set_param("account_collections_mx.cron_time_budget", 0)
        with freeze_time("2026-02-01 10:00:00"):
            self.assertEqual(self.env["account.move"]._cron_cfdi_check_sat_status(), (1, 2))
            self.assertEqual(self.env["account.move"]._cron_cfdi_check_sat_status(), (1, 1))

    def test_cron_is_declared(self):
        cron = self.env.ref("account_collections_mx.ir_cron_cfdi_sat_status")
        self.assertEqual(cron.model_id.model, "account.move")
        self.assertIn("_cron_cfdi_check_sat_status", cron.code)


class _FakeSat(BaseHTTPRequestHandler):
    states = {}
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received.append((self.path, self.headers.get("SOAPAction"), body))
        expression = sat_status.read_expression(body)
        answer = sat_status.build_response(self.states.get(expression["id"], "No Encontrado"))
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestCfdiSatIntegration(CfdiCommon):
    """Real HTTP round trip to a local fake ConsultaCFDIService (127.0.0.1, random port)."""

    def test_local_fake_sat_server(self):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeSat)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = "http://127.0.0.1:%s/ConsultaCFDIService.svc" % server.server_address[1]
        self.env["ir.config_parameter"].sudo().set_param("account_collections_mx.sat_status_url", url)
        valid = self.make_invoice()
        valid.cfdi_uuid = "BBBBBBBB-0000-4000-8000-000000000001"
        cancelled = self.make_invoice(invoice_date="2026-01-11")
        cancelled.cfdi_uuid = "BBBBBBBB-0000-4000-8000-000000000002"
        _FakeSat.states = {valid.cfdi_uuid: "Vigente", cancelled.cfdi_uuid: "Cancelado"}
        _FakeSat.received = []
        (valid | cancelled)._cfdi_check_sat_status()
        self.assertEqual(valid.cfdi_sat_status, "valid")
        self.assertEqual(cancelled.cfdi_sat_status, "cancelled")
        self.assertEqual(cancelled.collection_state, "excluded")
        self.assertEqual(len(_FakeSat.received), 2)
        path, action, _body = _FakeSat.received[0]
        self.assertEqual(path, "/ConsultaCFDIService.svc")
        self.assertEqual(action, '"http://tempuri.org/IConsultaCFDIService/Consulta"')
