import datetime as dt

import psycopg2
from freezegun import freeze_time

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .collection_summary_common import CollectionSummaryCommon, D


@tagged("post_install", "-at_install")
class TestCollectionAnalysis(CollectionSummaryCommon):
    """The analysis totals equal the open receivable computed from the journal items."""

    def test_totals_per_bucket_equal_journal_items(self):
        self.env.cr.execute("SELECT (NOW() AT TIME ZONE 'UTC')::date")
        today = self.env.cr.fetchone()[0]
        for i, days in enumerate([-5, 0, 1, 30, 31, 60, 61, 90, 91, 200]):
            self._invoice(self.customer_a if i % 2 else self.customer_b, 100 * (i + 1), today - dt.timedelta(days=days))
        partly = self._invoice(self.customer_a, 999, today - dt.timedelta(days=45))
        self._pay(partly, 333, today)
        self._invoice(self.customer_b, 77, today - dt.timedelta(days=10), move_type="out_refund")
        self.env.flush_all()

        # independent computation from account.move.line
        expected = {}
        lines = self.env["account.move.line"].search(
            [
                ("company_id", "=", self.company.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
            ]
        )
        for line in lines:
            days = (today - (line.date_maturity or line.date)).days
            bucket = (
                "current"
                if days <= 0
                else "1_30"
                if days <= 30
                else "31_60"
                if days <= 60
                else "61_90"
                if days <= 90
                else "90_plus"
            )
            expected[bucket] = expected.get(bucket, 0.0) + line.amount_residual
        self.assertEqual(set(expected), {"current", "1_30", "31_60", "61_90", "90_plus"})

        groups = self.env["collection.analysis"]._read_group(
            [("company_id", "=", self.company.id)], ["aging_bucket"], ["amount_residual:sum"]
        )
        self.assertEqual(len(groups), 5)
        for bucket, total in groups:
            self.assertAlmostEqual(total, expected[bucket], places=2, msg=bucket)
        # per customer: Odoo's own receivable figure (partner credit)
        for partner in (self.customer_a, self.customer_b):
            [[total]] = self.env["collection.analysis"]._read_group(
                [("company_id", "=", self.company.id), ("partner_id", "=", partner.id)], [], ["amount_residual:sum"]
            )
            self.assertAlmostEqual(total, partner.with_company(self.company).credit, places=2)
        # in total: the balance Odoo shows for the receivable account (trial balance)
        [[grand_total]] = self.env["collection.analysis"]._read_group(
            [("company_id", "=", self.company.id)], [], ["amount_residual:sum"]
        )
        self.assertAlmostEqual(grand_total, self.receivable.current_balance, places=2)
        # hand check of two edges: 30 days is 1-30, 31 is 31-60 (invoices 4 and 5)
        rows = self.env["collection.analysis"].search(
            [("partner_id", "=", self.customer_a.id), ("amount_residual", "=", 400)]
        )
        self.assertEqual(rows.aging_bucket, "1_30")
        rows = self.env["collection.analysis"].search(
            [("partner_id", "=", self.customer_b.id), ("amount_residual", "=", 500)]
        )
        self.assertEqual(rows.aging_bucket, "31_60")

    def test_views_load(self):
        for model in ("collection.analysis", "collection.event"):
            for view_type in ("pivot", "graph"):
                # sudo: the contact log's access rights come with the cadence engine
                self.env[model].sudo().get_view(view_type=view_type)
        self.env.ref("account_collections_mx.collection_analysis_action")
        self.env.ref("account_collections_mx.collection_event_analysis_action")


@tagged("post_install", "-at_install")
class TestStatementOfAccount(CollectionSummaryCommon):
    """The statement renders for a customer with many lines; sent through the contact rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "America/Mexico_City"
        bank = cls.env["res.bank"].create({"name": "BBVA México"})
        cls.env["res.partner.bank"].create(
            {
                "partner_id": cls.company.partner_id.id,
                "bank_id": bank.id,
                "acc_number": "0123456789",
                "l10n_mx_edi_clabe": "012180001234567897",
            }
        )

    def _render(self, partners):
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "account_collections_mx.action_report_statement_of_account", partners.ids
        )
        return html.decode()

    @freeze_time("2026-03-30 18:00:00")
    def test_statement_many_lines(self):
        invoices = self.env["account.move"]
        for i in range(45):
            invoices |= self._invoice(self.customer_a, 100 + i, D(2026, 1, 1) + dt.timedelta(days=2 * i))
        refund = self._invoice(self.customer_a, 50, D(2026, 3, 1), move_type="out_refund")
        payment = self._pay(invoices[0], 100, D(2026, 3, 20))
        html = self._render(self.customer_a)
        self.assertIn("Statement of Account", html)
        for invoice in invoices[1:]:
            self.assertIn(invoice.name, html)
        self.assertNotIn(">%s<" % invoices[0].name, html)  # paid: not an open item
        self.assertIn(refund.name, html)
        self.assertIn(">%s<" % payment.name, html)  # payment of the period
        self.assertIn("012180001234567897", html)
        self.assertIn("/mi-estado-de-cuenta/", html)  # the customer's page
        total = sum(invoices[1:].mapped("amount_residual")) - 50
        self.assertEqual(total, 100 * 44 + sum(range(1, 45)) - 50)
        self.assertIn(f"{total:,.2f}", html)
        self.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        action = self.customer_a.action_collection_print_statement()
        self.assertEqual(action["report_name"], "account_collections_mx.report_statement_of_account")

    def _statements(self, partner):
        return (
            self.env["collection.event"]
            .sudo()
            .search([("partner_id", "=", partner.id), ("channel", "=", "statement")], order="id")
        )

    def _mail_queue(self):
        """Odoo's outgoing mail queue runs (now): the statements' emails leave."""
        self.env["mail.mail"].sudo().process_email_queue()

    @freeze_time("2026-03-30 18:00:00")  # Monday 12:00 in Mexico City
    def test_send_now_and_contact_rules(self):
        self._invoice(self.customer_a, 1000, D(2026, 3, 1))
        action = self.customer_a.action_collection_send_statement()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self._statements(self.customer_a).state, "queued")
        self._mail_queue()
        message = self.customer_a.message_ids[:1]
        self.assertIn("Statement of account", message.body)
        self.assertEqual(len(message.attachment_ids), 1)
        self.assertIn(self.customer_a, message.partner_ids)
        self.assertEqual(self.customer_a.collection_statement_last_sent, D(2026, 3, 30))
        # logged in the contact log like every customer message
        event = self._statements(self.customer_a)
        self.assertEqual(len(event), 1)
        self.assertRecordValues(
            event,
            [
                {
                    "state": "sent",
                    "statement_period": "2026-03-30",
                    "company_id": self.company.id,
                    "mail_message_id": message.id,
                    "move_id": False,
                }
            ],
        )
        self.assertEqual(event.done_at, dt.datetime(2026, 3, 30, 18, 0))
        # the day as the reader writes it (en_US here)
        self.assertEqual(event.display_name, "Statement of account 03/30/2026")
        self.assertIn(event, self.customer_a.collection_event_ids)
        # a second click the same day sends nothing more
        action = self.customer_a.action_collection_send_statement()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual(self._statements(self.customer_a), event)
        self.assertEqual(self.customer_a.message_ids[:1], message)
        # do-not-contact: refused, nothing logged
        self.customer_b.collection_do_not_contact = True
        with self.assertRaises(UserError):
            self.customer_b.action_collection_send_statement()
        self.assertFalse(self._statements(self.customer_b))
        # a contact of the customer sends the company's statement
        contact = self.env["res.partner"].create({"name": "Ana", "parent_id": self.customer_a.id})
        with freeze_time("2026-03-31 18:00:00"):
            contact.action_collection_send_statement()
        self.assertEqual(self._statements(self.customer_a).mapped("statement_period"), ["2026-03-30", "2026-03-31"])

    def test_send_now_outside_window_is_queued(self):
        self._invoice(self.customer_a, 1000, D(2026, 3, 1))
        Cron = self.env.ref("account_collections_mx.ir_cron_collection_statements")
        count = len(self.customer_a.message_ids)
        with freeze_time("2026-03-29 18:00:00"):  # Sunday 12:00 in Mexico City
            action = self.customer_a.action_collection_send_statement()
            self.assertEqual(action["params"]["type"], "info")
            self.assertIn("Outside the contact window (non-contact weekday)", action["params"]["message"])
            event = self._statements(self.customer_a)
            self.assertRecordValues(
                event,
                [
                    {
                        "state": "scheduled",
                        "statement_period": "2026-03-29",
                        "skip_reason": "Waiting: non-contact weekday",
                    }
                ],
            )
            # Monday 08:00 in Mexico City (UTC-6)
            self.assertEqual(event.scheduled_at, dt.datetime(2026, 3, 30, 14, 0))
            self.assertTrue(
                self.env["ir.cron.trigger"].search([("cron_id", "=", Cron.id), ("call_at", "=", event.scheduled_at)])
            )
            # clicking again says when it goes, queues nothing more
            action = self.customer_a.action_collection_send_statement()
            self.assertEqual(action["params"]["type"], "info")
            self.assertEqual(self._statements(self.customer_a), event)
        self.assertEqual(len(self.customer_a.message_ids), count)
        with freeze_time("2026-03-30 13:59:00"):
            self.env["res.partner"]._cron_collection_statements()
        self.assertEqual(event.state, "scheduled")
        with freeze_time("2026-03-30 14:00:00"):
            self.env["res.partner"]._cron_collection_statements()
            self._mail_queue()
        self.assertEqual(event.state, "sent")
        self.assertEqual(event.done_at, dt.datetime(2026, 3, 30, 14, 0))
        self.assertEqual(len(self.customer_a.message_ids), count + 1)
        self.assertEqual(event.mail_message_id, self.customer_a.message_ids[:1])

    @freeze_time("2026-03-29 18:00:00")  # Sunday
    def test_print_always_and_who_may_send(self):
        self._invoice(self.customer_a, 1000, D(2026, 3, 1))
        self.customer_a.collection_do_not_contact = True
        self.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        action = self.customer_a.action_collection_print_statement()
        self.assertEqual(action["report_name"], "account_collections_mx.report_statement_of_account")
        self.assertIn("Cliente Alfa", self._render(self.customer_a))
        self.customer_a.collection_do_not_contact = False
        clerk = new_test_user(
            self.env, login="factura", groups="account.group_account_invoice", company_id=self.company.id
        )
        with self.assertRaises(UserError):
            self.customer_a.with_user(clerk).action_collection_send_statement()
        collector = new_test_user(
            self.env,
            login="cobra",
            company_id=self.company.id,
            groups="base.group_user,account_collections_mx.group_collection_user",
        )
        action = self.customer_a.with_user(collector).action_collection_send_statement()
        self.assertEqual(action["params"]["type"], "info")  # Sunday: queued for Monday
        self.assertEqual(self._statements(self.customer_a).state, "scheduled")
        with freeze_time("2026-03-30 15:00:00"):
            self.env["res.partner"]._cron_collection_statements()
            self._mail_queue()
        self.assertEqual(self._statements(self.customer_a).state, "sent")

    def test_send_now_on_holiday_and_non_contact_day(self):
        self._invoice(self.customer_a, 1000, D(2026, 3, 1))
        self.env["collection.non.contact.day"].create(
            {"company_id": self.company.id, "date": D(2026, 3, 17), "name": "Inventario"}
        )
        with freeze_time("2026-03-16 18:00:00"):  # third Monday of March: official holiday
            self.customer_a.action_collection_send_statement()
        event = self._statements(self.customer_a)
        # Tuesday 17 is a company non-contact day: Wednesday 18 at 08:00
        self.assertEqual(event.scheduled_at, dt.datetime(2026, 3, 18, 14, 0))
        self.assertEqual(event.skip_reason, "Waiting: official holiday")
        # the customer asks not to be contacted before it goes: skipped, logged
        self.customer_a.collection_do_not_contact = True
        with freeze_time("2026-03-18 15:00:00"):
            self.env["res.partner"]._cron_collection_statements()
        self.assertEqual(event.state, "skipped")
        self.assertEqual(event.skip_reason, "The customer asked not to be contacted")

    def test_monthly_cron(self):
        self.company.collection_statement_monthly = True
        partner = self.env["res.partner"]
        no_contact = partner.create(
            {
                "name": "Cliente Gamma",
                "is_company": True,
                "email": "gamma@example.com",
                "collection_first_invoice_reviewed": True,
                "collection_do_not_contact": True,
            }
        )
        no_email = partner.create(
            {"name": "Cliente Delta", "is_company": True, "collection_first_invoice_reviewed": True}
        )
        paused = partner.create(
            {
                "name": "Cliente Épsilon",
                "is_company": True,
                "email": "epsilon@example.com",
                "collection_first_invoice_reviewed": True,
            }
        )
        with freeze_time("2026-03-02 18:00:00"):
            for customer in (self.customer_a, self.customer_b, no_contact, no_email, paused):
                self._invoice(customer, 1000, D(2026, 3, 1))
            paused.write({"collection_paused": True, "collection_pause_reason": "other"})
        self.customer_b.collection_statement_opt_out = True
        count = len(self.customer_a.message_ids)
        with freeze_time("2026-03-29 18:00:00"):  # Sunday: queued, waits for Monday 08:00
            self.env["res.partner"]._cron_collection_statements()
        self.assertEqual(len(self.customer_a.message_ids), count)
        event = self._statements(self.customer_a)
        self.assertRecordValues(event, [{"state": "scheduled", "statement_period": "2026-03"}])
        self.assertEqual(event.scheduled_at, dt.datetime(2026, 3, 30, 14, 0))
        self.assertFalse(self._statements(self.customer_b))  # opted out: no statement at all
        for customer, reason in (
            (no_contact, "The customer asked not to be contacted"),
            (no_email, "The customer has no email address"),
            (paused, "Collections paused"),
        ):
            self.assertRecordValues(
                self._statements(customer), [{"state": "skipped", "skip_reason": reason, "statement_period": "2026-03"}]
            )
        with freeze_time("2026-03-30 18:00:00"):
            self.env["res.partner"]._cron_collection_statements()
            self.env["res.partner"]._cron_collection_statements()  # never twice a month
            self._mail_queue()
        self.assertEqual(len(self.customer_a.message_ids), count + 1)
        self.assertEqual(event.state, "sent")
        self.assertEqual(len(self._statements(self.customer_a)), 1)
        self.assertEqual(len(self._statements(paused)), 1)  # skipped once, not every hour
        self.assertFalse(self.customer_b.collection_statement_last_sent)
        with freeze_time("2026-04-01 18:00:00"):
            self.env["res.partner"]._cron_collection_statements()
        self.assertEqual(self.customer_a.collection_statement_last_sent, D(2026, 4, 1))
        self.assertEqual(self._statements(self.customer_a).mapped("statement_period"), ["2026-03", "2026-04"])
        # a monthly statement and one sent by hand the same day are two periods
        with freeze_time("2026-04-01 19:00:00"):
            self.customer_a.action_collection_send_statement()
            self._mail_queue()
        self.assertEqual(self._statements(self.customer_a).mapped("state"), ["sent"] * 3)

    def test_monthly_cron_in_batches(self):
        self.company.collection_statement_monthly = True
        customers = (
            self.customer_a
            | self.customer_b
            | self.env["res.partner"].create(
                {
                    "name": "Cliente Gamma",
                    "is_company": True,
                    "email": "gamma@example.com",
                    "collection_first_invoice_reviewed": True,
                }
            )
        )
        with freeze_time("2026-03-02 18:00:00"):
            for customer in customers:
                self._invoice(customer, 1000, D(2026, 3, 1))
        cron = self.env.ref("account_collections_mx.ir_cron_collection_statements")
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search([("cron_id", "=", cron.id)])
        with freeze_time("2026-03-30 18:00:00"):
            self.env["res.partner"]._cron_collection_statements(batch_size=1, max_batches=2)
            events = self.env["collection.event"].search([("channel", "=", "statement")])
            self.assertEqual(sorted(events.mapped("state")), ["queued", "queued", "scheduled"])
            self.assertTrue(Trigger.search([("cron_id", "=", cron.id), ("id", "not in", before.ids)]))
            self.env["res.partner"]._cron_collection_statements(batch_size=1, max_batches=2)
            self._mail_queue()
        self.assertEqual(events.mapped("state"), ["sent"] * 3)
        self.assertEqual(events.partner_id, customers)

    @mute_logger("odoo.sql_db")
    def test_statement_log_constraints(self):
        Event = self.env["collection.event"].sudo().with_context(collection_engine=True)
        vals = {
            "partner_id": self.customer_a.id,
            "company_id": self.company.id,
            "channel": "statement",
            "statement_period": "2026-03",
            "state": "sent",
        }
        Event.create(vals)
        with self.assertRaises(psycopg2.errors.UniqueViolation), self.env.cr.savepoint():
            Event.create(vals)
        Event.create(dict(vals, state="failed"))  # a failed one does not count
        with self.assertRaises(psycopg2.errors.CheckViolation), self.env.cr.savepoint():
            Event.create(dict(vals, statement_period=False))
        with self.assertRaises(psycopg2.errors.CheckViolation), self.env.cr.savepoint():
            Event.create(dict(vals, channel="email", statement_period=False))  # needs an invoice


@tagged("post_install", "-at_install")
class TestCollectionSummaryAccess(CollectionSummaryCommon):
    """Collections Users read the analysis and the summaries; they do not write summaries."""

    def test_collector_rights(self):
        from odoo.exceptions import AccessError
        from odoo.tests import new_test_user

        collector = new_test_user(
            self.env,
            login="cobradora",
            groups="base.group_user,account_collections_mx.group_collection_user",
            company_id=self.company.id,
        )
        plain = new_test_user(self.env, login="nadie", groups="base.group_user", company_id=self.company.id)
        self._invoice(self.customer_a, 100, D(2026, 3, 1))
        summary = self.env["collection.summary"]._collection_build(self.company, D(2026, 3, 30))
        self.assertEqual(summary.with_user(collector).read(["week"])[0]["week"], "2026-W14")
        self.assertTrue(self.env["collection.analysis"].with_user(collector).search_count([]))
        with self.assertRaises(AccessError):
            summary.with_user(collector).unlink()
        with self.assertRaises(AccessError):
            self.env["collection.summary"].with_user(plain).search([])
        with self.assertRaises(AccessError):
            self.env["collection.promise"].with_user(plain).search([])


@tagged("post_install", "-at_install")
class TestStatementConcurrency(TransactionCase):
    """Two statement runs at the same time (two transactions) never send one statement
    twice.  The data is committed (both transactions must see it) and removed at the end."""

    def test_two_concurrent_runs_send_once(self):
        now = dt.datetime(2026, 12, 7, 15, 0)  # Monday 09:00 in Mexico City
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            partner = env["res.partner"].create(
                {
                    "name": "Statement Concurrency",
                    "email": "sc@example.mx",
                    "is_company": True,
                    "tz": "America/Mexico_City",
                }
            )
            event = env["collection.event"]._collection_statement_queue(partner, company, "2026-12", now)
            partner_id, event_id = partner.id, event.id
            cr.commit()
        try:
            with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
                env_a = api.Environment(cr_a, SUPERUSER_ID, {})
                env_b = api.Environment(cr_b, SUPERUSER_ID, {})
                due_a = env_a["collection.event"]._collection_statement_due(now)
                self.assertIn(event_id, due_a.ids)
                # run B, at the same time, skips the statement run A holds
                self.assertNotIn(event_id, env_b["collection.event"]._collection_statement_due(now).ids)
                env_b["collection.event"]._collection_statement_run(now)
                self.assertEqual(env_b["collection.event"].browse(event_id).state, "scheduled")
                cr_b.commit()
                due_a.filtered(lambda e: e.id == event_id)._collection_statement_deliver(now)
                cr_a.commit()
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                # a later run finds it queued (in the mail queue); the database refuses a
                # second live one
                env["collection.event"]._collection_statement_run(now)
                events = env["collection.event"].search(
                    [("partner_id", "=", partner_id), ("channel", "=", "statement")]
                )
                self.assertEqual(events.ids, [event_id])
                self.assertEqual(events.state, "queued")
                self.assertEqual(
                    len(
                        env["mail.message"].search(
                            [
                                ("model", "=", "res.partner"),
                                ("res_id", "=", partner_id),
                                ("attachment_ids", "!=", False),
                            ]
                        )
                    ),
                    1,
                )
                cr.rollback()
        finally:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["collection.event"].with_context(collection_event_force_unlink=True).search(
                    [("partner_id", "=", partner_id)]
                ).unlink()
                env["mail.message"].search([("model", "=", "res.partner"), ("res_id", "=", partner_id)]).unlink()
                env["res.partner"].browse(partner_id).unlink()
                cr.commit()
