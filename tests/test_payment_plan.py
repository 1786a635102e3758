"""Payment plans: prepared, proposed, accepted from the link (anonymous, CSRF), paid on
time with Register Payment, broken, done; instalment reminders inside the contact
window; never a reminder of the plan and of the cadence for the same invoices."""

import datetime as dt
import re
from unittest.mock import patch
from urllib.parse import urlparse

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api, fields
from odoo.addons.mail.tests.common import MockEmail
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from .common import CollectionsCommon

# Mexico City is UTC-6 in December
PREPARED = dt.datetime(2026, 11, 24, 16, 0)  # Tuesday 10:00 local
D3 = dt.datetime(2026, 12, 7, 15, 0)  # Monday 09:00: D-3 of an instalment due 10 Dec


def local(day, hour, minute=0):
    """A local Mexico City time (UTC-6 in winter) as naive UTC."""
    return dt.datetime.combine(fields.Date.to_date(day), dt.time(hour, minute)) + dt.timedelta(hours=6)


class PlanCommon(CollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = new_test_user(
            cls.env,
            login="cobrador_planes",
            groups="account_collections_mx.group_collection_user",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
            email="cobrador@example.mx",
        )
        cls.customer.collection_responsible_id = cls.collector
        cls.Plan = cls.env["collection.payment.plan"]

    def setUp(self):
        super().setUp()
        self.inv1 = self.make_invoice("2026-11-20", amount=3000)
        self.inv2 = self.make_invoice("2026-11-20", amount=1000)
        self.run_at(local("2026-11-23", 9))  # the cadence reached D+3 ("payment pending")
        self.stage_before = self.inv1.collection_stage_id
        self.assertEqual(self.stage_before, self.stage[3])

    def prepare(self, count=2, every=14, first="2026-12-10", down=0.0, down_date=None, user=None):
        action = self.customer.with_user(user or self.collector).action_collection_payment_plan()
        with freeze_time(PREPARED):
            wizard = (
                self.env["collection.payment.plan.wizard"]
                .with_user(user or self.collector)
                .with_context(**action["context"])
                .create(
                    {
                        "instalment_count": count,
                        "interval_days": every,
                        "first_date": first,
                        "down_payment": down,
                        "down_payment_date": down_date,
                    }
                )
            )
            self.assertEqual(wizard.move_ids, self.inv1 | self.inv2)
            result = wizard.action_create()
        return self.Plan.browse(result["res_id"])

    def accept(self, plan):
        with freeze_time(PREPARED):
            plan.with_user(self.collector).action_mark_accepted()

    def plan_run(self, when, mail_queue=True):
        """The plans' run at ``when``, then Odoo's mail queue at the same moment (the run
        wakes it up): the emails it wrote leave then, under the contact rules of then."""
        with freeze_time(when):
            result = self.Plan._collection_plan_run(now=when)
        if mail_queue:
            self.send_mail_queue(when)
        return result

    def propose(self, plan, when=PREPARED, mail_queue=True):
        with freeze_time(when):
            plan.with_user(self.collector).action_propose()
        if mail_queue:
            self.send_mail_queue(when)

    def plan_events(self, plan, **domain):
        dom = [("plan_id", "=", plan.id)] + [(k, "=", v) for k, v in domain.items()]
        return self.Event.search(dom, order="id")

    def tasks(self, record):
        return self.env["mail.activity"].search([("res_model", "=", record._name), ("res_id", "=", record.id)])


@tagged("post_install", "-at_install")
class TestPaymentPlan(PlanCommon):
    def test_prepared_for_the_customer(self):
        # from an invoice, the wizard starts with that invoice
        action = self.inv2.with_user(self.collector).action_collection_payment_plan()
        wizard = (
            self.env["collection.payment.plan.wizard"]
            .with_user(self.collector)
            .with_context(**action["context"])
            .create({"first_date": "2026-12-10"})
        )
        self.assertEqual(wizard.move_ids, self.inv2)
        self.assertEqual(wizard.amount_total, 1000)
        # from the customer, with all its invoices in collections
        plan = self.prepare(count=3, every=15, first="2026-12-01", down=400, down_date="2026-11-26")
        self.assertEqual(plan.state, "draft")
        self.assertEqual(plan.partner_id, self.customer)
        self.assertEqual(plan.amount_total, 4000)
        self.assertTrue(plan.name.startswith("CONV/"))
        self.assertEqual(
            [(str(ln.date), ln.amount, ln.is_down_payment) for ln in plan.line_ids],
            [
                ("2026-11-26", 400.0, True),
                ("2026-12-01", 1200.0, False),
                ("2026-12-16", 1200.0, False),
                ("2026-12-31", 1200.0, False),
            ],
        )
        self.assertEqual(plan.line_ids.mapped("label"), ["Down payment", "1 of 3", "2 of 3", "3 of 3"])
        # editable while a draft, the instalments must still add up
        plan.line_ids[-1].with_user(self.collector).amount = 1000
        with self.assertRaises(UserError):
            plan.with_user(self.collector).action_mark_accepted()
        plan.line_ids[-1].with_user(self.collector).amount = 1200
        self.assertEqual(self.inv1.collection_state, "active", "a draft changes nothing")

    def test_bad_input(self):
        with self.assertRaises(UserError):
            self.prepare(down=5000)
        Wizard = self.env["collection.payment.plan.wizard"].with_user(self.collector)
        with self.assertRaises(ValidationError):
            Wizard.with_context(default_partner_id=self.customer.id).create(
                {"instalment_count": 0, "first_date": "2026-12-10"}
            ).action_create()
        other = self.env["res.partner"].create({"name": "Otro Cliente", "email": "o@example.mx"})
        with self.assertRaises(ValidationError):
            self.Plan.with_user(self.collector).create({"partner_id": other.id, "move_ids": [(6, 0, self.inv1.ids)]})

    def test_proposal_email_with_the_link_inside_the_window(self):
        plan = self.prepare()
        self.propose(plan, mail_queue=False)
        self.assertEqual(plan.state, "proposed")
        event = self.plan_events(plan, plan_step="proposal")
        self.assertEqual((event.channel, event.state, event.direction), ("email", "queued", "out"))
        self.send_mail_queue(PREPARED)
        self.assertEqual((event.state, event.done_at), ("sent", PREPARED))
        message = event.mail_message_id
        self.assertEqual(message.partner_ids, self.customer)
        self.assertIn(f"/collections/plan/{plan.id}?access_token={plan.access_token}", message.body)
        self.assertEqual(self.inv1.collection_state, "active", "proposed: the cadence goes on")

    def test_proposal_outside_the_window_waits(self):
        plan = self.prepare()
        self.propose(plan, local("2026-11-24", 20, 1))
        self.assertTrue(plan.proposal_pending)
        self.assertFalse(self.plan_events(plan))
        self.plan_run(local("2026-11-25", 7, 59))
        self.assertFalse(self.plan_events(plan))
        self.plan_run(local("2026-11-25", 8, 0))
        self.assertEqual(self.plan_events(plan, plan_step="proposal").state, "sent")
        self.assertFalse(plan.proposal_pending)

    def test_accepted_plan_replaces_the_cadence_and_never_doubles(self):
        # a cadence reminder waits for the window when the plan starts
        self.run_at(local("2026-11-27", 20, 30))  # D+7 due, after the window
        waiting = self.events(self.inv1, channel="email", stage_id=self.stage[7].id)
        self.assertEqual(waiting.state, "scheduled")
        plan = self.prepare()
        self.accept(plan)
        stage = self.inv1.collection_stage_id
        self.assertEqual(stage, self.stage[7], "D+7 was planned (its email waited)")
        self.assertEqual(plan.state, "active")
        self.assertEqual((self.inv1 | self.inv2).mapped("collection_state"), ["plan", "plan"])
        self.assertEqual(waiting.state, "skipped")
        self.assertEqual(waiting.skip_reason, "Under a payment plan")
        accepted = self.plan_events(plan, direction="in")
        self.assertEqual((accepted.channel, accepted.state), ("phone", "received"))
        # cadence and plan run together for weeks: only the plan's reminders go
        known = self.Event.search([]).ids
        for day in ("2026-12-04", "2026-12-07", "2026-12-08", "2026-12-10"):
            self.run_at(local(day, 9))
            self.plan_run(local(day, 9))
            self.plan_run(local(day, 9, 30))  # a second run changes nothing
        cadence = self.Event.search([("move_id", "in", (self.inv1 | self.inv2).ids), ("id", "not in", known)])
        self.assertFalse(cadence, "no cadence event for invoices under a plan")
        sent = self.plan_events(plan, channel="email", state="sent").filtered("plan_line_id")
        self.assertEqual(sent.mapped("plan_step"), ["before", "due"])
        self.assertEqual(self.inv1.collection_stage_id, stage, "the stage is kept")

    def test_instalment_reminder_at_the_window_edges(self):
        plan = self.prepare()
        self.accept(plan)
        # Monday 7 Dec is D-3 of the instalment of 10 Dec
        self.plan_run(local("2026-12-07", 7, 59))
        self.assertFalse(self.plan_events(plan).filtered("plan_line_id"))
        self.plan_run(local("2026-12-07", 19, 59))
        before = self.plan_events(plan, plan_step="before")
        self.assertEqual(
            (before.state, fields.Datetime.to_datetime(before.done_at)), ("sent", local("2026-12-07", 19, 59))
        )
        self.assertIn("is due on", before.mail_message_id.body)
        # how to pay, as in the invoices' reminders: the customer's SPEI reference
        self.assertIn(self.customer._collection_spei_reference(self.company), before.mail_message_id.body)
        # D0 (Thursday) at 20:01 waits; the next morning it goes
        self.plan_run(local("2026-12-10", 20, 1))
        self.assertFalse(self.plan_events(plan, plan_step="due"))
        self.plan_run(local("2026-12-11", 8, 0))
        self.assertEqual(self.plan_events(plan, plan_step="due").state, "sent")

    def test_do_not_contact_and_holidays(self):
        plan = self.prepare(first="2026-12-15")  # D-3 is Saturday 12 Dec
        self.accept(plan)
        self.plan_run(local("2026-12-12", 10))
        self.assertFalse(self.plan_events(plan).filtered("plan_line_id"), "weekend: it waits")
        self.customer.collection_do_not_contact = True
        self.plan_run(local("2026-12-14", 10))
        skipped = self.plan_events(plan, plan_step="before")
        self.assertEqual(skipped.state, "skipped")
        self.assertEqual(skipped.skip_reason, "The customer asked not to be contacted")

    def test_paid_on_time_then_done(self):
        plan = self.prepare()
        self.accept(plan)
        self.plan_run(D3)
        with freeze_time("2026-12-09"):
            self.pay(self.inv1, 2000)  # Register Payment: the first instalment
        line1, line2 = plan.line_ids
        self.assertEqual((line1.state, line1.amount_paid), ("paid", 2000))
        self.assertEqual(line2.state, "pending")
        self.plan_run(local("2026-12-10", 9))
        self.assertFalse(self.plan_events(plan, plan_step="due"), "paid: no reminder")
        self.plan_run(local("2026-12-21", 9))  # D-3 of the second
        self.assertEqual(self.plan_events(plan, plan_step="before", plan_line_id=line2.id).state, "sent")
        with freeze_time("2026-12-22"):
            self.pay(self.inv1)
            self.pay(self.inv2)
        self.assertEqual(plan.state, "done")
        self.assertEqual(line2.state, "paid")
        self.assertEqual((self.inv1 | self.inv2).mapped("collection_state"), ["done", "done"])
        self.assertFalse((self.inv1 | self.inv2).collection_plan_id)

    def test_unpaid_instalment_breaks_the_plan(self):
        plan = self.prepare()
        self.accept(plan)
        for when in (local("2026-12-07", 9), local("2026-12-10", 9), local("2026-12-13", 9)):
            self.plan_run(when)
        # D+3 is a Sunday: the collector's task now, the email on Monday
        line = plan.line_ids[0]
        task = self.plan_events(plan, plan_step="late", channel="activity")
        self.assertEqual(task.state, "sent")
        self.assertEqual(task.activity_id.user_id, self.collector)
        self.assertFalse(self.plan_events(plan, plan_step="late", channel="email"))
        self.plan_run(local("2026-12-14", 9))
        self.assertEqual(self.plan_events(plan, plan_step="late", channel="email").state, "sent")
        self.assertEqual(plan.state, "active")
        # D+5: broken, alert and task, invoices back to their cadence where they were
        self.plan_run(local("2026-12-15", 9))
        self.assertEqual(plan.state, "broken")
        self.assertEqual(self.plan_events(plan, plan_step="broken", channel="alert").state, "sent")
        broken_task = self.plan_events(plan, plan_step="broken", channel="activity").activity_id
        self.assertIn("Broken payment plan", broken_task.summary)
        self.assertEqual((self.inv1 | self.inv2).mapped("collection_state"), ["active", "active"])
        self.assertEqual(self.inv1.collection_stage_id, self.stage_before)
        self.assertEqual(line.state, "pending")
        # the cadence goes on from its stage (25 days overdue: the firm reminder was missed,
        # the phone call of D+15 is due)
        self.run_at(local("2026-12-15", 10))
        self.assertEqual(self.inv1.collection_stage_id, self.stage[15])
        self.assertEqual(set(self.events(self.inv1, stage_id=self.stage[7].id).mapped("state")), {"skipped"})
        # nothing more from the plan
        self.plan_run(local("2026-12-16", 9))
        self.assertEqual(len(self.plan_events(plan, plan_step="broken")), 2)

    def test_reply_to_an_instalment_reminder_says_it_paid(self):
        plan = self.prepare()
        self.accept(plan)
        self.plan_run(D3)
        reminder = self.plan_events(plan, plan_step="before").mail_message_id
        raw = (
            f"From: pagos@esperanza.example.mx\nTo: cobranza@example.mx\n"
            f"Subject: Re: {reminder.subject}\nMessage-Id: <plan-reply@esperanza.example.mx>\n"
            f"In-Reply-To: {reminder.message_id}\nReferences: {reminder.message_id}\n"
            "Content-Type: text/plain; charset=utf-8\n\nYa pagué la parcialidad, gracias.\n"
        )
        with freeze_time(local("2026-12-07", 11)):
            self.env["mail.thread"].sudo().message_process(None, raw.encode())
        event = self.Event.search(
            [("direction", "=", "in"), ("channel", "=", "email"), ("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(event.reply_kind, "paid_check")
        self.assertEqual(event.mail_message_id.model, "collection.payment.plan")
        self.assertEqual(str(plan.hold_until), "2026-12-09")
        self.plan_run(local("2026-12-09", 9))
        self.assertEqual(plan.state, "active")
        self.plan_run(local("2026-12-10", 9))
        self.assertEqual(self.plan_events(plan, plan_step="due").state, "sent")

    def test_cancel_gives_the_invoices_back(self):
        plan = self.prepare()
        self.accept(plan)
        plan.with_user(self.collector).action_cancel()
        self.assertEqual(plan.state, "cancelled")
        self.assertEqual(self.inv1.collection_state, "active")
        with self.assertRaises(UserError):
            plan.with_user(self.collector).action_mark_accepted()

    def test_one_open_plan_per_invoice(self):
        plan = self.prepare()
        self.accept(plan)
        second = self.Plan.with_user(self.collector).create(
            {
                "partner_id": self.customer.id,
                "move_ids": [(6, 0, self.inv2.ids)],
                "first_date": "2026-12-10",
                "instalment_count": 1,
            }
        )
        second.action_generate_lines()
        with self.assertRaises(UserError):
            second.action_mark_accepted()

    def test_weekly_summary_and_analysis(self):
        active = self.prepare()
        self.accept(active)
        figures = self.env["collection.summary"]._collection_plan_figures(
            self.company, fields.Date.to_date("2026-12-07")
        )
        self.assertEqual(figures["active_count"], 1)
        self.assertEqual(figures["active_amount"], 4000)
        self.assertEqual((figures["next_week_count"], figures["next_week_amount"]), (1, 2000))
        summary = self.env["collection.summary"]._collection_build(
            self.company, fields.Date.to_date("2026-12-07"), send=False
        )
        self.assertIn("Payment plans", summary.body_html)
        analysis = self.env["collection.analysis"].search([("move_id", "=", self.inv1.id)])
        self.assertEqual(analysis.collection_state, "plan")
        lines = (
            self.env["collection.payment.plan.line"]
            .with_user(self.collector)
            .search([("plan_state", "=", "active"), ("state", "=", "pending")])
        )
        self.assertEqual(sum(lines.mapped("amount_due")), 4000)

    def test_one_currency_per_plan_and_summary_in_company_currency(self):
        usd = self.setup_other_currency("USD")  # 1 MXN = 2 USD
        dollars = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "currency_id": usd.id,
                "invoice_date": "2026-11-01",
                "invoice_date_due": "2026-12-01",
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    (0, 0, {"name": "Servicio", "quantity": 1, "price_unit": 1000, "tax_ids": [(6, 0, [])]})
                ],
            }
        )
        dollars.action_post()
        plan = self.prepare()  # the wizard takes the invoices of one currency
        self.assertEqual(plan.currency_id, self.company.currency_id)
        with self.assertRaises(ValidationError):
            plan.with_user(self.collector).move_ids = [(4, dollars.id)]
        self.accept(plan)
        usd_plan = self.Plan.with_user(self.collector).create(
            {
                "partner_id": self.customer.id,
                "move_ids": [(6, 0, dollars.ids)],
                "instalment_count": 2,
                "interval_days": 7,
                "first_date": "2026-12-10",
            }
        )
        usd_plan.action_generate_lines()
        self.assertEqual((usd_plan.currency_id, usd_plan.amount_total), (usd, 1000))
        self.accept(usd_plan)
        figures = self.env["collection.summary"]._collection_plan_figures(
            self.company, fields.Date.to_date("2026-12-07")
        )
        self.assertEqual(figures["active_count"], 2)
        self.assertAlmostEqual(figures["active_amount"], 4000 + 500)


@tagged("post_install", "-at_install")
class TestPaymentPlanSendTime(PlanCommon, MockEmail):
    """A plan's email (proposal, instalment reminder) is written to Odoo's mail queue and
    checked again when the queue really sends it; it counts as sent only then."""

    def to_customer(self):
        return [m for m in self._mails if any("pagos@esperanza.example.mx" in to for to in m["email_to"])]

    def queued_mail(self, event):
        return self.env["mail.mail"].sudo().search([("mail_message_id", "=", event.mail_message_id.id)])

    def test_reminder_queued_at_1950_leaves_the_next_morning(self):
        plan = self.prepare()
        self.accept(plan)
        with self.mock_mail_gateway():
            self.plan_run(local("2026-12-07", 19, 50), mail_queue=False)
            before = self.plan_events(plan, plan_step="before")
            self.assertEqual(before.state, "queued")
            self.assertEqual(self.queued_mail(before).state, "outgoing")
            self.send_mail_queue(local("2026-12-07", 20, 1))
            self.assertFalse(self.to_customer(), "nothing leaves at 20:01")
            morning = local("2026-12-08", 8)
            self.assertEqual((before.state, before.scheduled_at), ("queued", morning))
            self.assertEqual(before.skip_reason, "Waiting: after the contact window")
            self.assertEqual(self.queued_mail(before).scheduled_date, morning)
            # the plan's next run does not write it again
            self.plan_run(local("2026-12-07", 21), mail_queue=False)
            self.assertEqual(len(self.plan_events(plan, plan_step="before")), 1)
            self.send_mail_queue(morning)
            self.assertEqual(len(self.to_customer()), 1)
            self.send_mail_queue(morning + dt.timedelta(hours=1))
            self.assertEqual(len(self.to_customer()), 1, "sent once")
        self.assertEqual((before.state, before.done_at), ("sent", morning))
        self.assertFalse(before.skip_reason)

    def test_instalment_paid_before_the_reminder_leaves(self):
        plan = self.prepare()
        self.accept(plan)
        with self.mock_mail_gateway():
            self.plan_run(local("2026-12-07", 10), mail_queue=False)
            before = self.plan_events(plan, plan_step="before")
            mail = self.queued_mail(before)
            with freeze_time(local("2026-12-07", 10, 2)):
                self.pay(self.inv1, 2000)  # Register Payment: the first instalment
            self.assertEqual(plan.line_ids[0].state, "paid")
            self.send_mail_queue(local("2026-12-07", 10, 5))
            self.assertFalse(self.to_customer())
        self.assertEqual((before.state, before.skip_reason), ("skipped", "Instalment paid"))
        self.assertEqual(mail.state, "cancel")
        self.assertIn("cancelled before it left", plan.message_ids[0].body)

    def test_plan_cancelled_or_customer_do_not_contact_before_it_leaves(self):
        plan = self.prepare()
        self.accept(plan)
        with self.mock_mail_gateway():
            self.plan_run(local("2026-12-07", 10), mail_queue=False)
            before = self.plan_events(plan, plan_step="before")
            plan.with_user(self.collector).action_cancel()
            self.send_mail_queue(local("2026-12-07", 10, 5))
            self.assertFalse(self.to_customer())
        self.assertEqual((before.state, before.skip_reason), ("skipped", f"Payment plan {plan.name} is cancelled"))
        second = self.prepare()
        self.accept(second)
        with self.mock_mail_gateway():
            self.plan_run(local("2026-12-07", 11), mail_queue=False)
            before = self.plan_events(second, plan_step="before")
            self.assertEqual(before.state, "queued")
            self.customer.collection_do_not_contact = True
            self.send_mail_queue(local("2026-12-07", 11, 5))
            self.assertFalse(self.to_customer())
        self.assertEqual((before.state, before.skip_reason), ("skipped", "The customer asked not to be contacted"))

    def test_customer_says_it_paid_before_the_reminder_leaves(self):
        plan = self.prepare()
        self.accept(plan)
        # the customer answers the cadence's last reminder (before the plan) "I paid"
        earlier = self.events(self.inv1, channel="email", state="sent").mail_message_id
        raw = (
            f"From: pagos@esperanza.example.mx\nTo: cobranza@example.mx\n"
            f"Subject: Re: {earlier.subject}\nMessage-Id: <paid-first@esperanza.example.mx>\n"
            f"In-Reply-To: {earlier.message_id}\nReferences: {earlier.message_id}\n"
            "Content-Type: text/plain; charset=utf-8\n\nYa pagué la parcialidad, adjunto "
            "comprobante.\n"
        )
        with self.mock_mail_gateway():
            self.plan_run(local("2026-12-07", 19, 50), mail_queue=False)
            before = self.plan_events(plan, plan_step="before")
            with freeze_time(local("2026-12-07", 19, 55)):
                self.env["mail.thread"].sudo().message_process(None, raw.encode())
            self.assertEqual(str(plan.hold_until), "2026-12-09")
            self.send_mail_queue(local("2026-12-07", 19, 58))
            self.assertFalse(self.to_customer())
        self.assertEqual((before.state, before.skip_reason), ("skipped", "Held: the customer says it paid"))

    def test_proposal_accepted_by_phone_before_it_leaves(self):
        plan = self.prepare()
        with self.mock_mail_gateway():
            self.propose(plan, local("2026-11-24", 19, 50), mail_queue=False)
            proposal = self.plan_events(plan, plan_step="proposal")
            self.assertEqual(proposal.state, "queued")
            with freeze_time(local("2026-11-24", 19, 55)):
                plan.with_user(self.collector).action_mark_accepted()
            self.send_mail_queue(local("2026-11-24", 19, 58))
            self.assertFalse(self.to_customer())
        self.assertEqual((proposal.state, proposal.skip_reason), ("skipped", f"Payment plan {plan.name} is active"))

    def test_minimum_gap_counts_the_cadence_emails(self):
        plan = self.prepare(first="2026-12-11")  # D-3: Tuesday 8 December
        self.accept(plan)
        other = self.make_invoice("2026-12-10", amount=500)  # not in the plan: its own cadence
        self.run_at(local("2026-12-07", 9))  # its D-3 reminder leaves on Monday
        self.assertEqual(self.events(other, channel="email").state, "sent")
        self.plan_run(local("2026-12-08", 9))
        self.assertFalse(self.plan_events(plan, plan_step="before"), "two days between emails")
        self.plan_run(local("2026-12-09", 9))
        before = self.plan_events(plan, plan_step="before")
        self.assertEqual((before.state, before.done_at), ("sent", local("2026-12-09", 9)))

    def test_window_of_a_customer_without_time_zone_from_its_state(self):
        self.customer.write(
            {"tz": False, "country_id": self.env.ref("base.mx").id, "state_id": self.env.ref("base.state_mx_bc").id}
        )
        plan = self.prepare()
        self.accept(plan)
        tijuana_8 = dt.datetime(2026, 12, 7, 16, 0)  # 08:00 in Tijuana (UTC-8)
        self.plan_run(tijuana_8 - dt.timedelta(minutes=1))  # 09:59 in Mexico City
        self.assertFalse(self.plan_events(plan, plan_step="before"))
        self.plan_run(tijuana_8)
        self.assertEqual(self.plan_events(plan, plan_step="before").state, "sent")

    def test_plan_run_stops_at_its_budget_and_goes_on(self):
        Param = self.env["ir.config_parameter"].sudo()
        plans = self.prepare()
        self.accept(plans)
        for name in ("Dos", "Tres"):
            customer = self.customer.copy({"name": name})
            move = self.make_invoice("2026-11-20", partner=customer)
            with freeze_time(PREPARED):
                plan = self.Plan.create(
                    {
                        "partner_id": customer.id,
                        "move_ids": [(6, 0, move.ids)],
                        "instalment_count": 2,
                        "interval_days": 14,
                        "first_date": "2026-12-10",
                    }
                )
                plan.action_generate_lines()
                plan.action_mark_accepted()
            plans |= plan
        Param.set_param("account_collections_mx.batch_size", 1)
        Param.set_param("account_collections_mx.cron_time_budget", 0)
        cron = self.env.ref("account_collections_mx.ir_cron_collection_plans")
        calls = []
        with (
            freeze_time(local("2026-12-07", 9)),
            patch.object(
                type(self.env["ir.cron"]),
                "_notify_progress",
                lambda self, done, remaining, deactivate=False: calls.append((done, remaining)),
            ),
        ):
            self.Plan._cron_collection_plans()
            self.assertEqual(calls, [(1, 2)], "one plan, then the budget is spent")
            self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
            for _i in range(5):
                if not calls[-1][1]:
                    break
                self.Plan._cron_collection_plans()
        self.assertEqual(calls, [(1, 2), (1, 1), (1, 0)], "each call goes on after the last")
        self.assertFalse(Param.get_param("account_collections_mx.plan_run_cursor"))
        befores = self.Event.search([("plan_id", "in", plans.ids), ("plan_step", "=", "before")])
        self.assertEqual(len(befores), 3)
        self.assertEqual(set(befores.mapped("state")), {"queued"})


@tagged("post_install", "-at_install")
class TestPaymentPlanSecurity(PlanCommon):
    def test_other_company_and_portal_users(self):
        plan = self.prepare()
        other = self.setup_other_company(name="Otra Cobranza SA")["company"]
        stranger = new_test_user(
            self.env,
            login="cobrador_otra",
            groups="account_collections_mx.group_collection_user",
            company_id=other.id,
            company_ids=[other.id],
        )
        self.assertFalse(self.Plan.with_user(stranger).search([("id", "=", plan.id)]))
        for method in (
            "action_mark_accepted",
            "action_propose",
            "action_cancel",
            "action_generate_lines",
            "action_open_events",
            "action_preview",
        ):
            with self.assertRaises(AccessError, msg=method):
                getattr(plan.with_user(stranger), method)()
        portal = new_test_user(
            self.env,
            login="portal_planes",
            groups="base.group_portal",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        with self.assertRaises(AccessError):
            plan.with_user(portal).action_mark_accepted()
        with self.assertRaises(AccessError):
            plan.line_ids.with_user(portal).read(["amount"])
        self.assertEqual(plan.state, "draft")

    def test_collectors_cannot_delete_and_drafts_only(self):
        plan = self.prepare()
        with self.assertRaises(AccessError):
            plan.with_user(self.collector).unlink()
        self.accept(plan)
        with self.assertRaises(UserError):
            plan.with_user(self.collector).write({"instalment_count": 5})
        with self.assertRaises(UserError):
            plan.line_ids[0].with_user(self.collector).amount = 1


@tagged("post_install", "-at_install")
class TestPaymentPlanLink(PlanCommon, HttpCase):
    """The customer accepts from the link of the proposal, as an anonymous visitor."""

    def test_accept_from_the_link(self):
        plan = self.prepare()
        self.propose(plan)
        url = f"/collections/plan/{plan.id}?access_token={plan.access_token}"
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn(plan.name, page.text)
        self.assertIn("Accept the payment plan", page.text)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        accept = f"/collections/plan/{plan.id}/accept"
        # no CSRF token, or a wrong access token: nothing changes
        refused = self.url_open(accept, data={"access_token": plan.access_token})
        self.assertNotEqual(refused.status_code, 200)
        wrong = self.url_open(accept, data={"access_token": "nope", "csrf_token": token})
        self.assertEqual(wrong.status_code, 404)
        self.assertEqual(self.url_open(f"/collections/plan/{plan.id}?access_token=nope").status_code, 404)
        self.assertEqual(plan.state, "proposed")
        done = self.url_open(accept, data={"access_token": plan.access_token, "csrf_token": token})
        self.assertEqual(done.status_code, 200)
        self.assertIn("the payment plan is accepted", done.text)
        self.assertNotIn("Accept the payment plan", done.text)
        plan.invalidate_recordset()
        self.assertEqual((plan.state, plan.accepted_channel), ("active", "web"))
        self.assertEqual(self.inv1.collection_state, "plan")
        accepted = self.plan_events(plan, direction="in")
        self.assertEqual((accepted.channel, accepted.reply_outcome), ("web", "Payment plan accepted"))
        self.assertTrue(plan.message_ids.filtered(lambda m: "from the link" in (m.body or "")))
        # accepting again changes nothing
        again = self.url_open(accept, data={"access_token": plan.access_token, "csrf_token": token})
        self.assertEqual(again.status_code, 200)
        self.assertEqual(len(self.plan_events(plan, direction="in")), 1)

    def test_customer_page_lists_the_plan_to_accept(self):
        plan = self.prepare()
        self.propose(plan)
        page_path = urlparse(self.customer._collection_portal_url(self.company)).path
        page = self.url_open(page_path)
        self.assertEqual(page.status_code, 200)
        self.assertIn(plan.name, page.text)
        review = re.search(r'href="([^"]+)"[^>]*>\s*Review and accept', page.text)
        self.assertTrue(review, "a proposed plan is offered for acceptance")
        self.assertEqual(review.group(1), f"/collections/plan/{plan.id}?access_token={plan.access_token}")
        plan_page = self.url_open(review.group(1))
        token = re.search(r'name="csrf_token" value="([^"]+)"', plan_page.text).group(1)
        self.url_open(
            f"/collections/plan/{plan.id}/accept", data={"access_token": plan.access_token, "csrf_token": token}
        )
        plan.invalidate_recordset()
        self.assertEqual(plan.state, "active")
        page = self.url_open(page_path)
        self.assertIn(f"Under payment plan {plan.name}", page.text)
        self.assertIn("See the plan", page.text)
        self.assertNotIn("Review and accept", page.text)
        # what the customer did on its page is its side of the conversation
        visits = self.Event.search([("partner_id", "=", self.customer.id), ("channel", "=", "portal")])
        self.assertTrue(visits)
        self.assertEqual(set(visits.mapped("direction")), {"in"})


@tagged("post_install", "-at_install")
class TestPaymentPlanConcurrency(TransactionCase):
    """Two plan runs at the same time, in two transactions: a plan is handled by one only,
    and a step is logged once whatever happens.  Committed data, removed at the end."""

    def test_two_runs_never_double(self):
        now = local("2026-12-07", 9)  # D-3 of the instalment of 10 Dec
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            company.partner_id.tz = "America/Mexico_City"
            company.email = company.email or "cobranza@example.mx"
            journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
            partner = env["res.partner"].create(
                {
                    "name": "Plan Concurrente",
                    "email": "pc@example.mx",
                    "is_company": True,
                    "tz": "America/Mexico_City",
                    "collection_first_invoice_reviewed": True,
                }
            )
            move = (
                env["account.move"]
                .with_company(company)
                .create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "journal_id": journal.id,
                        "invoice_date": "2026-10-21",
                        "invoice_date_due": "2026-11-20",
                        "invoice_payment_term_id": False,
                        "invoice_line_ids": [
                            (0, 0, {"name": "x", "quantity": 1, "price_unit": 900, "tax_ids": [(6, 0, [])]})
                        ],
                    }
                )
            )
            move.action_post()
            plan = (
                env["collection.payment.plan"]
                .with_company(company)
                .create(
                    {
                        "company_id": company.id,
                        "partner_id": partner.id,
                        "move_ids": [(6, 0, move.ids)],
                        "instalment_count": 3,
                        "interval_days": 10,
                        "first_date": "2026-12-10",
                    }
                )
            )
            plan.action_generate_lines()
            plan._collection_accept("phone")
            ids = {"partner": partner.id, "move": move.id, "plan": plan.id}
            cr.commit()
        try:
            with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
                env_a = api.Environment(cr_a, SUPERUSER_ID, {})
                env_b = api.Environment(cr_b, SUPERUSER_ID, {})
                Plan_a, Plan_b = env_a["collection.payment.plan"], env_b["collection.payment.plan"]
                locked = Plan_a._collection_lock([ids["plan"]])
                self.assertEqual(locked.ids, [ids["plan"]])
                # run B, at the same time, skips the plan run A holds
                self.assertFalse(Plan_b._collection_lock([ids["plan"]]))
                Plan_b._collection_plan_run(now=now)
                self.assertFalse(
                    env_b["collection.event"].search([("plan_id", "=", ids["plan"]), ("plan_line_id", "!=", False)])
                )
                locked._collection_process(now)
                cr_a.commit()
                cr_b.commit()
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["collection.payment.plan"]._collection_plan_run(now=now + dt.timedelta(hours=1))
                plan = env["collection.payment.plan"].browse(ids["plan"])
                line = plan.line_ids[0]
                # the database refuses the same step twice
                self.assertIsNone(
                    env["collection.event"]._collection_plan_insert(
                        plan, "before", "email", "scheduled", now, line=line
                    )
                )
                events = env["collection.event"].search([("plan_id", "=", ids["plan"]), ("plan_line_id", "!=", False)])
                self.assertEqual(events.mapped("plan_step"), ["before"])
                self.assertEqual(events.state, "queued", "in the mail queue, once")
                self.assertEqual(len(env["mail.mail"].search([("mail_message_id", "=", events.mail_message_id.id)])), 1)
                cr.rollback()
        finally:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["collection.event"].with_context(collection_event_force_unlink=True).search(
                    ["|", ("plan_id", "=", ids["plan"]), ("partner_id", "=", ids["partner"])]
                ).unlink()
                plan = env["collection.payment.plan"].browse(ids["plan"])
                plan._collection_close("cancelled", "test")
                plan.write({"state": "draft"})
                plan.unlink()
                move = env["account.move"].browse(ids["move"])
                move.button_draft()
                move.with_context(force_delete=True).unlink()
                env["res.partner"].browse(ids["partner"]).unlink()
                cr.commit()
