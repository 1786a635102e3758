"""The contact rules hold when a message really leaves (Odoo's mail queue), the customer's
time zone comes from its address, reminders never add currencies, one broken template
fails alone, and the crons stay inside their time budget without committing in tests."""

import datetime as dt
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.addons.account_collections_mx.tools.cron import collection_may_commit
from odoo.addons.mail.tests.common import MockEmail
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CollectionsCommon

BUDGET = "account_collections_mx.cron_time_budget"


def utc(local):
    """Naive UTC of a Mexico City local time (UTC-6 all year since 2022)."""
    return fields.Datetime.to_datetime(local) + dt.timedelta(hours=6)


class DeliveryCommon(CollectionsCommon, MockEmail):
    def mails_to(self, email):
        return [m for m in self._mails if any(email in to for to in m["email_to"])]

    def queued_mail(self, event):
        return self.env["mail.mail"].sudo().search([("mail_message_id", "=", event.mail_message_id.id)])


@tagged("post_install", "-at_install")
class TestSendTimeContactRules(DeliveryCommon):
    """A reminder queued inside the window is checked again when the mail queue sends it."""

    def test_queued_at_1950_mail_queue_at_2040_waits_for_the_morning(self):
        move = self.make_invoice("2026-12-10")  # D-3: Monday 7 December
        with self.mock_mail_gateway():
            self.run_at(utc("2026-12-07 19:50"), mail_queue=False)
            email = self.events(move, channel="email")
            self.assertEqual(email.state, "queued")
            self.assertEqual(self.queued_mail(email).state, "outgoing")
            self.send_mail_queue(utc("2026-12-07 20:40"))
            self.assertFalse(self._mails, "nothing leaves at 20:40")
            morning = utc("2026-12-08 08:00")
            self.assertEqual(email.state, "queued")
            self.assertEqual(email.scheduled_at, morning)
            self.assertEqual(email.skip_reason, "Waiting: after the contact window")
            mail = self.queued_mail(email)
            self.assertEqual((mail.state, mail.scheduled_date), ("outgoing", morning))
            cron = self.env.ref("mail.ir_cron_mail_scheduler_action")
            self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id), ("call_at", "=", morning)]))
            self.send_mail_queue(morning - dt.timedelta(minutes=1))
            self.assertFalse(self._mails)
            self.send_mail_queue(morning)
            self.assertEqual(len(self.mails_to("pagos@esperanza.example.mx")), 1)
            self.assertEqual((email.state, email.done_at), ("sent", morning))
            self.assertFalse(email.skip_reason)
            self.send_mail_queue(morning + dt.timedelta(hours=1))
            self.assertEqual(len(self._mails), 1, "sent once")

    def test_queued_at_1950_mail_queue_at_1959_sends(self):
        move = self.make_invoice("2026-12-10")
        with self.mock_mail_gateway():
            self.run_at(utc("2026-12-07 19:50"), mail_queue=False)
            self.send_mail_queue(utc("2026-12-07 19:59"))
            self.assertEqual(len(self.mails_to("pagos@esperanza.example.mx")), 1)
        email = self.events(move, channel="email")
        self.assertEqual((email.state, email.done_at), ("sent", utc("2026-12-07 19:59")))

    def test_friday_evening_waits_past_the_weekend_and_the_holiday(self):
        # Friday 13 November 2026; Monday 16 is Revolution day (third Monday of November)
        move = self.make_invoice("2026-11-16")
        with self.mock_mail_gateway():
            self.run_at(utc("2026-11-13 19:50"), mail_queue=False)
            self.send_mail_queue(utc("2026-11-13 20:01"))
            email = self.events(move, channel="email")
            tuesday = utc("2026-11-17 08:00")
            self.assertEqual(self.queued_mail(email).scheduled_date, tuesday)
            for moment in ("2026-11-14 10:00", "2026-11-16 10:00"):
                self.send_mail_queue(utc(moment))
                self.assertFalse(self._mails, moment)
            self.send_mail_queue(tuesday)
            self.assertEqual(len(self._mails), 1)
        self.assertEqual((email.state, email.done_at), ("sent", tuesday))

    def test_do_not_contact_after_queueing_is_never_sent(self):
        move = self.make_invoice("2026-12-10")
        with self.mock_mail_gateway():
            self.run_at(utc("2026-12-07 10:00"), mail_queue=False)
            email = self.events(move, channel="email")
            mail = self.queued_mail(email)
            self.customer.collection_do_not_contact = True
            self.send_mail_queue(utc("2026-12-07 10:05"))
            self.assertFalse(self._mails)
        self.assertEqual(email.state, "skipped")
        self.assertEqual(email.skip_reason, "The customer asked not to be contacted")
        self.assertEqual(mail.state, "cancel")
        self.assertIn("cancelled before it left", move.message_ids[0].body)
        notification = self.env["mail.notification"].sudo().search([("mail_message_id", "=", email.mail_message_id.id)])
        self.assertEqual(set(notification.mapped("notification_status")), {"canceled"})
        with self.mock_mail_gateway():
            self.run_at(utc("2026-12-08 10:00"))
            self.assertFalse(self._mails)

    def test_paid_through_register_payment_after_queueing_is_not_sent(self):
        move = self.make_invoice("2026-12-10")
        with self.mock_mail_gateway():
            self.run_at(utc("2026-12-07 10:00"), mail_queue=False)
            email = self.events(move, channel="email")
            mail = self.queued_mail(email)
            with freeze_time(utc("2026-12-07 10:02")):
                self.pay(move)
            self.assertEqual(move.collection_state, "done")
            self.assertEqual((email.state, email.skip_reason), ("skipped", "Invoice paid"))
            self.assertEqual(mail.state, "cancel")
            self.send_mail_queue(utc("2026-12-07 10:05"))
            self.assertFalse(self._mails)

    def test_one_invoice_of_a_grouped_reminder_paid_the_rest_written_again(self):
        paid = self.make_invoice("2026-12-10", amount=100)
        open_ = self.make_invoice("2026-12-10", amount=200)
        with self.mock_mail_gateway():
            self.run_at(utc("2026-12-07 10:00"), mail_queue=False)
            first = self.events(paid, channel="email").mail_message_id
            self.assertEqual(self.events(open_, channel="email").mail_message_id, first)
            with freeze_time(utc("2026-12-07 10:02")):
                self.pay(paid)
            event = self.events(open_, channel="email")
            self.assertEqual(event.state, "scheduled", "written again at the next run")
            self.send_mail_queue(utc("2026-12-07 10:05"))
            self.assertFalse(self._mails)
            self.run_at(utc("2026-12-07 11:00"))
            self.assertEqual(len(self._mails), 1)
            self.assertIn(open_.name, self._mails[0]["body"])
            self.assertNotIn(paid.name, self._mails[0]["body"])
        self.assertEqual(event.state, "sent")
        self.assertNotEqual(event.mail_message_id, first)
        self.assertEqual(self.events(paid, channel="email").skip_reason, "Invoice paid")

    def test_paused_after_queueing_is_not_sent(self):
        move = self.make_invoice("2026-12-10")
        with self.mock_mail_gateway():
            self.run_at(utc("2026-12-07 10:00"), mail_queue=False)
            with freeze_time(utc("2026-12-07 10:01")):
                self.env["collection.pause.wizard"].create(
                    {
                        "partner_id": self.customer.id,
                        "reason": "payment_plan",
                        "until": "2026-12-20",
                        "note": "Plan de pagos",
                    }
                ).action_confirm()
            self.send_mail_queue(utc("2026-12-07 10:05"))
            self.assertFalse(self._mails)
        self.assertEqual(self.events(move, channel="email").skip_reason, "Collections paused")

    def test_minimum_gap_counts_from_the_real_sending_time(self):
        self.company.collection_min_gap_days = 1
        first = self.make_invoice("2026-12-10")  # D-3 on Monday 7
        second = self.make_invoice("2026-12-11")  # D-3 on Tuesday 8
        with self.mock_mail_gateway():
            self.run_at(utc("2026-12-07 19:50"), mail_queue=False)
            self.send_mail_queue(utc("2026-12-07 20:40"))  # waits for Tuesday 08:00
            self.send_mail_queue(utc("2026-12-08 08:00"))
            self.assertEqual(self.events(first, channel="email").done_at, utc("2026-12-08 08:00"))
            self.run_at(utc("2026-12-08 09:00"))
        email = self.events(second, channel="email")
        # one day after Tuesday 08:00 (really sent), not after Monday 19:50 (queued)
        self.assertEqual(email.state, "scheduled")
        self.assertEqual(email.scheduled_at, utc("2026-12-09 08:00"))
        self.assertIn("minimum gap", email.skip_reason)

    def test_mail_server_refusal_fails_the_event(self):
        move = self.make_invoice("2026-12-10")
        self.run_at(utc("2026-12-07 10:00"), mail_queue=False)
        email = self.events(move, channel="email")

        def refuse(*args, **kwargs):
            raise ConnectionRefusedError("SMTP server down")

        with (
            patch.object(type(self.env["ir.mail_server"]), "connect", side_effect=refuse),
            mute_logger("odoo.addons.mail.models.mail_mail"),
        ):
            self.send_mail_queue(utc("2026-12-07 10:05"))
        self.assertEqual(email.state, "failed")
        self.assertIn("SMTP server down", email.error)
        # a person retries it from the email queue: the rules are checked again then
        mail = self.queued_mail(email)
        self.assertEqual(mail.state, "exception")
        mail.action_retry()
        with self.mock_mail_gateway():
            self.send_mail_queue(utc("2026-12-07 21:00"))
            self.assertFalse(self._mails, "not at night")
            self.assertEqual(mail.scheduled_date, utc("2026-12-08 08:00"))
            self.send_mail_queue(utc("2026-12-08 08:00"))
            self.assertEqual(len(self._mails), 1)
        self.assertEqual((email.state, email.done_at), ("sent", utc("2026-12-08 08:00")))

    def test_retried_failed_email_of_a_paid_invoice_is_cancelled(self):
        move = self.make_invoice("2026-12-10")
        self.run_at(utc("2026-12-07 10:00"), mail_queue=False)
        email = self.events(move, channel="email")
        with (
            patch.object(
                type(self.env["ir.mail_server"]), "connect", side_effect=ConnectionRefusedError("SMTP server down")
            ),
            mute_logger("odoo.addons.mail.models.mail_mail"),
        ):
            self.send_mail_queue(utc("2026-12-07 10:05"))
        self.assertEqual(email.state, "failed")
        with freeze_time(utc("2026-12-07 11:00")):
            self.pay(move)
        mail = self.queued_mail(email)
        mail.action_retry()
        with self.mock_mail_gateway():
            self.send_mail_queue(utc("2026-12-07 12:00"))
            self.assertFalse(self._mails)
        self.assertEqual(mail.state, "cancel")
        self.assertEqual((email.state, email.skip_reason), ("failed", "Invoice paid"))

    def test_statement_checked_again_when_it_leaves(self):
        self.make_invoice("2026-12-01")
        with self.mock_mail_gateway():
            with freeze_time(utc("2026-12-07 19:50")):
                self.customer.action_collection_send_statement()
            event = self.Event.search([("channel", "=", "statement")])
            self.assertEqual(event.state, "queued")
            self.send_mail_queue(utc("2026-12-07 20:30"))
            self.assertFalse(self._mails)
            self.assertEqual(event.scheduled_at, utc("2026-12-08 08:00"))
            self.customer.collection_do_not_contact = True
            self.send_mail_queue(utc("2026-12-08 08:00"))
            self.assertFalse(self._mails)
        self.assertEqual((event.state, event.skip_reason), ("skipped", "The customer asked not to be contacted"))


@tagged("post_install", "-at_install")
class TestCustomerTimeZoneFromAddress(DeliveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mx = cls.env.ref("base.mx")
        cls.tijuana = cls.env["res.partner"].create(
            {
                "name": "Ferretería Tijuana",
                "email": "pagos@ferretijuana.example.mx",
                "is_company": True,
                "tz": False,
                "lang": "en_US",
                "country_id": cls.mx.id,
                "state_id": cls.env.ref("base.state_mx_bc").id,
                "collection_first_invoice_reviewed": True,
            }
        )

    def test_time_zone_from_the_state(self):
        self.assertEqual(self.tijuana._collection_tz(self.company), "America/Tijuana")
        contact = self.env["res.partner"].create({"name": "Contadora", "parent_id": self.tijuana.id, "tz": False})
        self.assertEqual(contact._collection_tz(self.company), "America/Tijuana")
        self.tijuana.state_id = self.env.ref("base.state_mx_son")
        self.assertEqual(self.tijuana._collection_tz(self.company), "America/Hermosillo")
        self.tijuana.state_id = self.env.ref("base.state_mx_jal")
        self.assertEqual(self.tijuana._collection_tz(self.company), "America/Mexico_City")
        self.tijuana.write({"state_id": False, "country_id": False})
        self.company.partner_id.tz = "America/Cancun"
        self.assertEqual(self.tijuana._collection_tz(self.company), "America/Cancun")
        self.tijuana.tz = "America/Mazatlan"  # the customer's own zone wins
        self.assertEqual(self.tijuana._collection_tz(self.company), "America/Mazatlan")

    def test_baja_california_customer_not_contacted_at_six(self):
        move = self.make_invoice("2026-12-10", partner=self.tijuana)
        # 14:00 UTC: 06:00 in Tijuana (08:00 in Mexico City, where the company is)
        with self.mock_mail_gateway():
            self.run_at("2026-12-07 14:00:00")
            self.assertFalse(self._mails)
            email = self.events(move, channel="email")
            self.assertEqual(email.state, "scheduled")
            self.assertIn("before the contact window", email.skip_reason)
            self.assertEqual(email.scheduled_at, fields.Datetime.to_datetime("2026-12-07 16:00:00"))
            self.run_at("2026-12-07 16:00:00")
            self.assertEqual(len(self._mails), 1)

    def test_queued_email_checked_in_the_customer_zone(self):
        move = self.make_invoice("2026-12-10", partner=self.tijuana)
        self.run_at("2026-12-08 03:30:00", mail_queue=False)  # Mon 19:30 in Tijuana: queued
        email = self.events(move, channel="email")
        self.assertEqual(email.state, "queued")
        with self.mock_mail_gateway():
            # 04:10 UTC: 20:10 in Tijuana (22:10 in Mexico City): waits for 08:00 Tijuana
            self.send_mail_queue("2026-12-08 04:10:00")
            self.assertFalse(self._mails)
        self.assertEqual(email.scheduled_at, fields.Datetime.to_datetime("2026-12-08 16:00:00"))

    def test_planning_uses_the_local_date_of_the_state(self):
        # Tuesday 8 Dec 07:30 UTC: still Monday 23:30 in Tijuana, Tuesday 01:30 in Mexico City
        tijuana = self.make_invoice("2026-12-11", partner=self.tijuana)  # D-3 on Tuesday
        mexico = self.make_invoice("2026-12-11")
        self.run_at("2026-12-08 07:30:00")
        self.assertFalse(self.events(tijuana))
        self.assertTrue(self.events(mexico, channel="email"))
        self.assertFalse(
            self.env["account.move"]._collection_plan_candidates(fields.Datetime.to_datetime("2026-12-08 07:30:00"), 0)
        )


@tagged("post_install", "-at_install")
class TestReminderCurrencies(DeliveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 1 MXN = 2 USD (the test rates): USD 500 = MXN 250
        cls.usd = cls.setup_other_currency("USD")

    def invoice_in(self, currency, amount, due="2026-12-10", partner=None):
        due = fields.Date.to_date(due)
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or self.customer).id,
                "currency_id": currency.id,
                "invoice_date": due - dt.timedelta(days=30),
                "invoice_date_due": due,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create({"name": "Servicio", "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        move.action_post()
        return move

    def test_one_reminder_never_adds_currencies(self):
        usd = self.invoice_in(self.usd, 500)
        mxn = self.make_invoice("2026-12-10", amount=1000)
        with self.mock_mail_gateway():
            self.run_at(utc("2026-12-07 09:00"))
            self.assertEqual(len(self._mails), 1)
            body = self._mails[0]["body"]
        self.assertEqual(
            self.events(usd, channel="email").mail_message_id, self.events(mxn, channel="email").mail_message_id
        )
        self.assertIn("500.00 USD", body)
        self.assertIn("1,000.00 MXN", body)
        self.assertNotIn("1,500.00", body)
        totals = mxn.with_context(collection_move_ids=(usd | mxn).ids)._collection_reminder_totals()
        # format_amount separates the symbol with a no-break space
        self.assertEqual(totals, ["$\xa01,000.00 MXN", "$\xa0500.00 USD"])
        self.assertEqual(mxn._collection_reminder_totals(), ["$\xa01,000.00"])

    def test_alert_threshold_in_company_currency(self):
        self.company.collection_alert_min_amount = 300.0
        usd = self.invoice_in(self.usd, 500, due="2026-12-01")  # MXN 250
        other = self.customer.copy({"name": "Otro Cliente"})
        mxn = self.make_invoice("2026-12-01", amount=400, partner=other)  # MXN 400
        for move in (usd, mxn):
            move.sudo().collection_stage_id = self.stage[3]
        self.run_at(utc("2026-12-08 09:00"))  # D+7
        self.assertEqual(self.events(usd, channel="alert").skip_reason, "Below the company's alert threshold")
        self.assertEqual(self.events(mxn, channel="alert").state, "sent")

    def test_tolerance_in_company_currency(self):
        self.company.collection_tolerance = 0.5
        usd = self.invoice_in(self.usd, 100)
        self.env["account.payment.register"].with_context(
            active_model="account.move",
            active_ids=usd.ids,
        ).create({"amount": 99.2, "currency_id": self.usd.id, "payment_difference_handling": "open"})._create_payments()
        self.assertAlmostEqual(usd.amount_residual, 0.8)  # USD 0.80 ...
        self.assertAlmostEqual(usd.amount_residual_signed, 0.4)  # ... = MXN 0.40
        self.assertEqual(usd.collection_state, "done")
        mxn = self.make_invoice("2026-12-10", amount=100)
        self.pay(mxn, amount=99.2)
        self.assertEqual(mxn.collection_state, "active")  # MXN 0.80 left


@tagged("post_install", "-at_install")
class TestBrokenTemplateFailsAlone(DeliveryCommon):
    def test_broken_expression_fails_only_its_event(self):
        template = self.stage[-3].mail_template_id
        broken = template.copy(
            {
                "name": "Roto",
                "body_html": '<p>Hola <t t-out="object.partner_id.name"/></p>'
                "<p t-if=\"object.partner_id.name == 'Cliente Roto'\">"
                '<t t-out="object.partner_id.no_such_field"/></p>',
            }
        )
        self.stage[-3].mail_template_id = broken
        bad_customer = self.customer.copy({"name": "Cliente Roto", "email": "roto@example.mx"})
        good = self.make_invoice("2026-12-10")
        bad = self.make_invoice("2026-12-10", partner=bad_customer)
        with self.mock_mail_gateway(), mute_logger("odoo.addons.account_collections_mx.models.collection_event"):
            with freeze_time(utc("2026-12-07 09:00")):
                self.env["account.move"]._cron_collection_run()
            self.send_mail_queue(utc("2026-12-07 09:00"))
            self.assertEqual(len(self._mails), 1)
            self.assertIn("pagos@esperanza.example.mx", self._mails[0]["email_to"][0])
        self.assertEqual(self.events(good, channel="email").state, "sent")
        failed = self.events(bad, channel="email")
        self.assertEqual(failed.state, "failed")
        self.assertIn("could not be rendered", failed.error)
        self.assertIn("no_such_field", failed.error)
        # the rest of the run went on: the task of the other stages, the stage recorded
        self.assertEqual(bad.collection_stage_id, self.stage[-3])


@tagged("post_install", "-at_install")
class TestCronsCommitAndBudget(DeliveryCommon):
    def test_no_commit_inside_tests_even_under_the_mail_mocks(self):
        self.assertFalse(collection_may_commit(self.env))
        self.company.collection_statement_monthly = True
        self.make_invoice("2026-03-20")
        with (
            self.mock_mail_gateway(),
            patch.object(self.env.cr, "commit", side_effect=AssertionError("commit in a test")),
        ):
            self.assertFalse(collection_may_commit(self.env))
            with freeze_time("2026-03-30 14:00:00"):  # Monday 08:00: the weekly summary is due
                self.env["account.move"]._cron_collection_run()
                self.assertTrue(self.company._collection_send_weekly_summary())
                self.env["res.partner"]._cron_collection_statements()
                self.env["res.partner"]._cron_collection_rating()
                self.env["collection.promise"]._cron_collection_promises()
                self.env["collection.payment.plan"]._cron_collection_plans()
                self.env["mail.mail"].sudo().process_email_queue()
        self.assertTrue(self.Event.search([("channel", "=", "statement")]))

    def test_run_stops_at_its_budget_and_goes_on(self):
        self.env["ir.config_parameter"].sudo().set_param("account_collections_mx.batch_size", 1)
        self.env["ir.config_parameter"].sudo().set_param(BUDGET, 0)
        moves = self.make_invoice("2026-12-10")
        for name in ("Dos", "Tres"):
            moves |= self.make_invoice("2026-12-10", partner=self.customer.copy({"name": name}))
        cron = self.env.ref("account_collections_mx.ir_cron_collection_run")
        Trigger = self.env["ir.cron.trigger"]
        calls = []
        with (
            freeze_time(utc("2026-12-07 09:00")),
            patch.object(
                type(self.env["ir.cron"]),
                "_notify_progress",
                lambda self, done, remaining, deactivate=False: calls.append((done, remaining)),
            ),
        ):
            self.env["account.move"]._cron_collection_run()
            # one batch planned, then the budget is spent: 2 invoices still to plan, the
            # email and the WhatsApp message of the first one to deliver
            self.assertEqual(calls[0], (1, 4))
            self.assertTrue(Trigger.search([("cron_id", "=", cron.id)]))
            for _i in range(20):
                if not calls[-1][1]:
                    break
                self.env["account.move"]._cron_collection_run()
        self.assertEqual(calls[-1][1], 0)
        self.assertTrue(all(done for done, _remaining in calls), "every call made progress")
        emails = self.Event.search([("move_id", "in", moves.ids), ("channel", "=", "email")])
        self.assertEqual(len(emails), 3)
        self.assertEqual(set(emails.mapped("state")), {"queued"})
        self.assertEqual(len(set(emails.mapped("mail_message_id"))), 3)

    def test_statements_stop_at_their_budget(self):
        self.env["ir.config_parameter"].sudo().set_param(BUDGET, 0)
        self.company.collection_statement_monthly = True
        for name in ("Uno", "Dos", "Tres"):
            self.make_invoice("2026-03-01", partner=self.customer.copy({"name": name}))
        self.make_invoice("2026-03-01")
        with freeze_time("2026-03-30 15:00:00"):
            self.env["res.partner"]._cron_collection_statements()
            events = self.Event.search([("channel", "=", "statement")])
            self.assertEqual(len(events), 4)
            self.assertEqual(sorted(events.mapped("state")), ["queued"] + ["scheduled"] * 3)
            cron = self.env.ref("account_collections_mx.ir_cron_collection_statements")
            self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
            for _i in range(3):
                self.env["res.partner"]._cron_collection_statements()
        self.assertEqual(set(events.mapped("state")), {"queued"})
