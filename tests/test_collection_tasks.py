from freezegun import freeze_time

from odoo import fields
from odoo.tests import Form, new_test_user, tagged

from .common import CollectionsCommon

D = fields.Date.to_date


def at(day):
    """09:00 in Mexico City (UTC-6), inside the contact window."""
    return f"{day} 15:00:00"


@tagged("post_install", "-at_install")
class TestCollectionTasksClosed(CollectionsCommon):
    """When an invoice leaves collections (paid, excluded, cancelled) the open tasks
    collections created for it are closed with a note, in the collector's language (es_MX
    here); a customer's task stays while the customer still has open invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("es_MX")
        cls.collector = new_test_user(
            cls.env,
            login="cobradora_tasks",
            name="Cobradora",
            lang="es_MX",
            groups="account.group_account_invoice,account_collections_mx.group_collection_user",
            company_id=cls.company.id,
        )
        cls.customer.collection_responsible_id = cls.collector

    def _handed_over(self, amount=1000.0):
        """An invoice at the D+15 hand-over: a call task for the collector."""
        move = self.make_invoice("2026-12-10", amount=amount)
        move.sudo().collection_stage_id = self.stage[7]
        self.run_at(at("2026-12-28"))
        self.assertEqual(move.collection_state, "human")
        activity = self.events(move, channel="activity").activity_id
        self.assertTrue(activity)
        self.assertEqual(activity.user_id, self.collector)
        return move, activity

    def _register_payment(self, move, amount, date):
        action = move.action_register_payment()
        self.env[action["res_model"]].with_context(action["context"]).create(
            {"amount": amount, "payment_date": date}
        ).action_create_payments()

    @staticmethod
    def _is_open(activity):
        return bool(activity.exists().filtered("active"))

    def _open_tasks(self, record):
        return self.env["mail.activity"].search([("res_model", "=", record._name), ("res_id", "=", record.id)])

    def test_task_closed_when_paid(self):
        move, activity = self._handed_over()
        self._register_payment(move, 1000.0, "2026-12-29")
        self.assertEqual(move.collection_state, "done")
        self.assertFalse(self._is_open(activity))
        self.assertFalse(self._open_tasks(move))
        done = move.message_ids.filtered(lambda m: m.mail_activity_type_id)[:1]
        # the note is in the collector's language (es_MX dates: day first)
        self.assertIn(f"{move.name} pagada el 29/12/2026", done.body)

    def test_partial_payment_keeps_the_task(self):
        move, activity = self._handed_over()
        self._register_payment(move, 400.0, "2026-12-29")
        self.assertEqual(move.payment_state, "partial")
        self.assertTrue(self._is_open(activity))
        self._register_payment(move, 600.0, "2026-12-30")
        self.assertFalse(self._is_open(activity))

    def test_task_closed_when_paid_by_a_bank_line(self):
        move, activity = self._handed_over()
        line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.company_data["default_journal_bank"].id,
                "date": "2026-12-30",
                "amount": 1000.0,
                "payment_ref": f"PAGO {move.name}",
                "partner_id": self.customer.id,
            }
        )
        line._collection_reconcile(move)
        self.assertEqual(move.payment_state, "paid")
        self.assertFalse(self._is_open(activity))

    def test_task_closed_when_excluded_or_cancelled(self):
        excluded, task_1 = self._handed_over(500.0)
        cancelled, task_2 = self._handed_over(700.0)
        with Form(excluded.with_user(self.collector)) as form:  # the invoice's checkbox
            form.collection_excluded = True
        self.assertFalse(self._is_open(task_1))
        self.assertIn("salió de cobranza", excluded.message_ids.filtered(lambda m: m.mail_activity_type_id)[:1].body)
        self.assertTrue(self._is_open(task_2))
        cancelled.button_draft()
        cancelled.button_cancel()
        self.assertEqual(cancelled.collection_state, "excluded")
        self.assertFalse(self._is_open(task_2))

    def test_other_tasks_are_left_alone(self):
        move, activity = self._handed_over()
        mine = move.activity_schedule(
            "mail.mail_activity_data_todo", summary="Enviar factura", user_id=self.collector.id
        )
        self._register_payment(move, 1000.0, "2026-12-29")
        self.assertFalse(self._is_open(activity))
        self.assertTrue(self._is_open(mine))

    def _broken_promise(self, moves, amount=500.0):
        with freeze_time("2026-12-15 18:00:00"):
            promise = self.env["collection.promise"].create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [(6, 0, moves.ids)],
                    "amount": amount,
                    "promised_date": D("2026-12-18"),
                }
            )
        with freeze_time("2026-12-22 18:00:00"):
            self.env["collection.promise"]._cron_collection_promises()
        self.assertEqual(promise.state, "broken")
        self.assertTrue(promise.activity_ids)
        return promise

    def test_broken_promise_task_closed_when_its_invoices_are_paid(self):
        first = self.make_invoice("2026-12-10", amount=300.0)
        second = self.make_invoice("2026-12-10", amount=200.0)
        promise = self._broken_promise(first | second)
        self._register_payment(first, 300.0, "2026-12-23")
        self.assertTrue(promise.activity_ids, "one promised invoice is still open")
        self._register_payment(second, 200.0, "2026-12-24")
        self.assertFalse(promise.activity_ids)
        self.assertIn("pagada el 24/12/2026", promise.message_ids.filtered(lambda m: m.mail_activity_type_id)[:1].body)

    def test_customer_task_stays_while_invoices_are_open(self):
        first = self.make_invoice("2026-12-10", amount=300.0)
        second = self.make_invoice("2026-12-10", amount=200.0)
        promise = self._broken_promise(self.env["account.move"])
        self._register_payment(first, 300.0, "2026-12-23")
        self.assertTrue(promise.activity_ids, "the customer still owes an invoice")
        self._register_payment(second, 200.0, "2026-12-24")
        self.assertFalse(promise.activity_ids)
        body = promise.message_ids.filtered(lambda m: m.mail_activity_type_id)[:1].body
        self.assertIn("Ya no quedan facturas abiertas de", body)


@tagged("post_install", "-at_install")
class TestDatesInReaderLanguage(CollectionsCommon):
    """The statement of account and the weekly summary show dates as their reader's
    language writes them, not in ISO format."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("es_MX")

    def test_statement_dates(self):
        self.customer.lang = "es_MX"
        self.make_invoice("2026-01-20", invoice_date=D("2025-12-21"))
        html, _type = (
            self.env["ir.actions.report"]
            .with_context(allowed_company_ids=self.company.ids)
            ._render_qweb_html(
                "account_collections_mx.action_report_statement_of_account",
                self.customer.ids,
                data={"date_to": "2026-02-10", "date_from": "2026-01-11"},
            )
        )
        html = html.decode()
        for day in ("10/02/2026", "11/01/2026", "21/12/2025", "20/01/2026"):
            self.assertIn(day, html)
        for iso in ("2026-02-10", "2026-01-20", "2025-12-21"):
            self.assertNotIn(iso, html)
        self.customer.lang = "en_US"
        html, _type = (
            self.env["ir.actions.report"]
            .with_context(allowed_company_ids=self.company.ids)
            ._render_qweb_html(
                "account_collections_mx.action_report_statement_of_account",
                self.customer.ids,
                data={"date_to": "2026-02-10"},
            )
        )
        self.assertIn("02/10/2026", html.decode())

    def test_weekly_summary_dates(self):
        self.company.partner_id.lang = "es_MX"
        self.make_invoice("2026-01-20", invoice_date=D("2025-12-21"))
        summary = self.env["collection.summary"]._collection_build(self.company, D("2026-02-09"), send=False)
        self.assertIn("09/02/2026", summary.body_html)  # the summary's day
        self.assertIn("02/02/2026", summary.body_html)  # a week of the DSO trend
        self.assertNotIn("2026-02-02", summary.body_html)
