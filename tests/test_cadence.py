import datetime as dt

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import CollectionsCommon

# Mexico City is UTC-6 all year (no daylight saving time since 2022):
# 15:00 UTC = 09:00 local, inside the default 08:00-20:00 window.
AT_9 = "15:00:00"


def at(day, time=AT_9):
    return f"{day} {time}"


@tagged("post_install", "-at_install")
class TestCadence(CollectionsCommon):
    def sent(self, move):
        return [(e.stage_id.offset_days, e.channel) for e in self.events(move, state="sent")]

    def test_default_policies_created_per_company(self):
        policies = self.Policy.search([("company_id", "=", self.company.id)])
        self.assertEqual(set(policies.mapped("code")), {"standard", "key_accounts", "late_payers"})
        self.assertEqual(policies.filtered("is_default"), self.policy)
        self.assertEqual(
            [(s.offset_days, s.channel) for s in self.policy.stage_ids.sorted("sequence")],
            [(-3, "email_whatsapp"), (0, "email"), (3, "email"), (7, "email_whatsapp"), (15, "escalate")],
        )

    def test_walk_one_invoice_from_d_minus_4_to_d_plus_16(self):
        # due Thursday 10 Dec 2026: D-3 Mon 7, D0 Thu 10, D+3 Sun 13 (waits for Monday),
        # D+7 Thu 17, D+15 Fri 25 (Christmas: the phone task is internal, it is created)
        move = self.make_invoice("2026-12-10")
        self.assertEqual(move.collection_state, "active")
        self.assertEqual(move.collection_next_stage_id, self.stage[-3])
        self.assertEqual(move.collection_next_date, fields.Date.to_date("2026-12-07"))
        day = fields.Date.to_date("2026-12-06")
        log = {}
        wa_on_d3 = None
        while day <= fields.Date.to_date("2026-12-26"):
            self.run_at(at(day))
            log[str(day)] = self.sent(move)
            if str(day) == "2026-12-07":
                wa = self.events(move, channel="whatsapp", stage_id=self.stage[-3].id)
                wa_on_d3 = (wa.state, wa.skip_reason)
            day += dt.timedelta(days=1)
        self.assertEqual(log["2026-12-06"], [])
        self.assertEqual(log["2026-12-07"], [(-3, "email")])
        # the WhatsApp event of D-3 waits: no provider configured yet, nothing lost
        self.assertEqual(wa_on_d3[0], "scheduled")
        self.assertIn("WhatsApp", wa_on_d3[1])
        self.assertEqual(log["2026-12-10"], [(-3, "email"), (0, "email")])
        # D+3 falls on Sunday: planned, but waits for Monday 08:00
        d3 = self.events(move, stage_id=self.stage[3].id, channel="email")
        self.assertEqual(log["2026-12-13"], log["2026-12-12"])
        self.assertEqual(log["2026-12-14"][-1], (3, "email"))
        self.assertEqual(d3.done_at, fields.Datetime.to_datetime("2026-12-14 15:00:00"))
        self.assertIn((7, "email"), log["2026-12-17"])
        self.assertNotIn((7, "email"), log["2026-12-16"])
        alert = self.events(move, stage_id=self.stage[7].id, channel="alert")
        self.assertEqual(alert.state, "sent")
        self.assertEqual(move.collection_stage_id, self.stage[15])
        self.assertEqual(move.collection_state, "human")
        task = self.events(move, stage_id=self.stage[15].id, channel="activity")
        self.assertEqual(task.state, "sent")
        self.assertEqual(task.activity_id.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(task.done_at.date(), fields.Date.to_date("2026-12-25"))
        # exactly once: every (stage, channel) at most one live event
        keys = [(e.stage_id.id, e.channel) for e in self.events(move) if e.state != "failed"]
        self.assertEqual(len(keys), len(set(keys)))
        # the D-3 WhatsApp message never got a provider: skipped once the invoice is with a person
        self.assertEqual(wa.state, "skipped")

    def test_email_content_attachments_and_chatter(self):
        move = self.make_invoice("2026-12-10")
        self.run_at(at("2026-12-07"), mail_queue=False)
        event = self.events(move, channel="email")
        self.assertEqual(event.state, "queued")
        message = event.mail_message_id
        self.assertTrue(message)
        self.assertEqual(message.model, "account.move")
        self.assertEqual(message.res_id, move.id)
        self.assertIn(self.customer.commercial_partner_id, message.partner_ids)
        self.assertIn(move.name, message.body)
        self.assertIn("/my/invoices/%s" % move.id, message.body)  # payment link
        self.assertIn("access_token=", message.body)
        self.assertTrue(message.attachment_ids, "the invoice document is attached")
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        self.assertTrue(mail, "the email is queued")
        self.assertEqual(mail.state, "outgoing")
        self.send_mail_queue(at("2026-12-07", "15:05:00"))
        self.assertEqual(event.state, "sent")
        self.assertEqual(event.done_at, fields.Datetime.to_datetime(at("2026-12-07", "15:05:00")))

    def test_contact_window_at_night(self):
        move = self.make_invoice("2026-12-10")
        # 03:30 UTC on Tue 8 Dec = 21:30 on Mon 7 Dec in Mexico City: outside the window
        self.run_at("2026-12-08 03:30:00")
        email = self.events(move, channel="email")
        self.assertEqual(email.state, "scheduled")
        self.assertIn("after the contact window", email.skip_reason)
        self.assertEqual(email.scheduled_at, fields.Datetime.to_datetime("2026-12-08 14:00:00"))
        self.run_at("2026-12-08 13:59:00")
        self.assertEqual(email.state, "scheduled")
        self.run_at("2026-12-08 14:00:00")
        self.assertEqual(email.state, "sent")

    def test_partner_time_zone(self):
        self.customer.tz = "America/Tijuana"  # UTC-8 in December
        move = self.make_invoice("2026-12-10")
        self.run_at("2026-12-07 15:00:00")  # 07:00 in Tijuana
        email = self.events(move, channel="email")
        self.assertEqual(email.state, "scheduled")
        self.assertEqual(email.scheduled_at, fields.Datetime.to_datetime("2026-12-07 16:00:00"))

    def test_official_holidays_moving_mondays(self):
        # Monday 16 Nov 2026 is Revolution day (third Monday of November)
        move = self.make_invoice("2026-11-16")
        self.run_at(at("2026-11-16"))
        d0 = self.events(move, stage_id=self.stage[0].id, channel="email")
        self.assertEqual(d0.state, "scheduled")
        self.assertIn("official holiday", d0.skip_reason)
        self.assertEqual(d0.scheduled_at, fields.Datetime.to_datetime("2026-11-17 14:00:00"))
        # first Monday of February 2027 (1 Feb) and third Monday of March 2027 (15 Mar)
        move2 = self.make_invoice("2027-02-01", partner=self.customer.copy())
        self.run_at(at("2027-02-01"))
        self.assertEqual(
            self.events(move2, channel="email", state="scheduled").scheduled_at.date(),
            fields.Date.to_date("2027-02-02"),
        )
        move3 = self.make_invoice("2027-03-15", partner=self.customer.copy())
        self.run_at(at("2027-03-15"))
        self.assertEqual(
            self.events(move3, channel="email", state="scheduled").scheduled_at.date(),
            fields.Date.to_date("2027-03-16"),
        )

    def test_company_non_contact_day(self):
        self.env["collection.non.contact.day"].create(
            {"company_id": self.company.id, "date": "2026-12-07", "name": "Inventario"}
        )
        move = self.make_invoice("2026-12-10")
        self.run_at(at("2026-12-07"))
        email = self.events(move, channel="email")
        self.assertEqual(email.state, "scheduled")
        self.assertIn("company non-contact day", email.skip_reason)
        self.assertEqual(email.scheduled_at.date(), fields.Date.to_date("2026-12-08"))

    def test_pause_until(self):
        move = self.make_invoice("2026-12-10")
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            with self.run_frozen("2026-12-01 15:00:00"):
                self.customer.write({"collection_paused": True, "collection_pause_until": "2026-11-30"})
        with self.run_frozen("2026-12-01 15:00:00"):
            wizard = self.env["collection.pause.wizard"].create(
                {
                    "partner_id": self.customer.id,
                    "reason": "payment_plan",
                    "until": "2026-12-11",
                    "note": "Pagará en dos partes",
                }
            )
            wizard.action_confirm()
        self.assertEqual(move.collection_state, "paused")
        for day in ("2026-12-07", "2026-12-10", "2026-12-11"):
            self.run_at(at(day))
        self.assertFalse(self.events(move))
        # after the pause date automation resumes by itself, from the current stage (D0)
        self.run_at(at("2026-12-14"))
        self.assertFalse(self.customer.collection_paused)
        self.assertEqual(move.collection_state, "active")
        self.assertEqual(self.sent(move), [(3, "email")])  # D+3 fires, not a burst
        self.assertEqual(set(self.events(move, state="skipped").stage_id.mapped("offset_days")), {-3, 0})

    def test_dispute_and_resume(self):
        move = self.make_invoice("2026-12-10")
        self.run_at(at("2026-12-07"))
        action = move.action_collection_dispute()
        wizard = (
            self.env["collection.pause.wizard"]
            .with_context(action["context"])
            .create({"note": "El cliente dice que faltaron 3 piezas"})
        )
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.env["collection.pause.wizard"].with_context(action["context"]).create({"note": " "}).action_confirm()
        wizard.action_confirm()
        self.assertTrue(move.collection_disputed)
        self.assertEqual(move.collection_state, "disputed")
        # the waiting WhatsApp event of D-3 is skipped at once
        self.assertEqual(self.events(move, channel="whatsapp").state, "skipped")
        self.run_at(at("2026-12-10"))
        self.assertEqual(self.sent(move), [(-3, "email")])
        move.action_collection_resume()
        self.assertEqual(move.collection_state, "active")
        self.run_at(at("2026-12-11"))
        self.assertEqual(self.sent(move), [(-3, "email"), (0, "email")])

    def test_first_invoice_of_new_customer_in_review(self):
        newbie = self.env["res.partner"].create(
            {
                "name": "Nuevo Cliente SA",
                "email": "n@example.mx",
                "is_company": True,
                # complete CFDI data: only the missing review holds the first invoice
                "vat": "AAA010101AA1",
                "cfdi_tax_regime": "601",
                "zip": "06600",
                "mobile": "+52 55 5555 0000",
                "country_id": self.env.ref("base.mx").id,
            }
        )
        first = self.make_invoice("2026-12-10", partner=newbie)
        second = self.make_invoice("2026-12-10", partner=newbie)
        self.assertTrue(first.collection_first_invoice)
        self.assertFalse(second.collection_first_invoice)
        self.assertEqual(first.collection_state, "review")
        self.assertEqual(second.collection_state, "active")
        self.run_at(at("2026-12-07"))
        self.assertFalse(self.events(first))
        self.assertTrue(self.events(second))
        newbie.action_collection_mark_reviewed()
        self.assertEqual(first.collection_state, "active")
        self.run_at(at("2026-12-08"))
        # planned now, sent once the minimum gap after the second invoice's email has passed
        self.assertEqual(self.events(first, channel="email").state, "scheduled")
        self.run_at(at("2026-12-09"))
        self.assertEqual(self.sent(first), [(-3, "email")])

    def test_paid_mid_cadence_stops_at_once(self):
        move = self.make_invoice("2026-12-10")
        self.run_at("2026-12-08 03:30:00")  # planned at night: waiting for the window
        waiting = self.events(move, state="scheduled")
        self.assertEqual(set(waiting.mapped("channel")), {"email", "whatsapp"})
        self.pay(move)
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertEqual(move.collection_state, "done")
        # no run needed: reconciliation itself skipped the waiting messages
        self.assertEqual(set(waiting.mapped("state")), {"skipped"})
        self.assertEqual(set(waiting.mapped("skip_reason")), {"Invoice paid"})
        self.run_at(at("2026-12-10"))
        self.assertFalse(self.events(move, state="sent"))

    def test_partial_payment_keeps_going_on_residual(self):
        move = self.make_invoice("2026-12-10", amount=1000)
        self.pay(move, amount=400)
        self.assertEqual(move.collection_state, "active")
        self.run_at(at("2026-12-07"))
        message = self.events(move, channel="email").mail_message_id
        self.assertIn("600.00", message.body)

    def test_credit_note_covers_invoice(self):
        move = self.make_invoice("2026-12-10", amount=500)
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": "2026-11-20",
                "invoice_line_ids": [
                    (0, 0, {"name": "Nota de crédito", "quantity": 1, "price_unit": 800, "tax_ids": [(6, 0, [])]})
                ],
            }
        )
        refund.action_post()
        self.run_at(at("2026-12-07"))
        events = self.events(move)
        self.assertTrue(events)
        self.assertEqual(set(events.mapped("state")), {"skipped"})
        self.assertIn("credit", events[0].skip_reason)

    def test_one_message_per_customer(self):
        first = self.make_invoice("2026-12-10", amount=100)
        second = self.make_invoice("2026-12-10", amount=250)
        other = self.make_invoice("2026-12-10", amount=300, partner=self.partner_a)
        self.partner_a.write({"email": "a@example.com", "collection_first_invoice_reviewed": True})
        self.run_at(at("2026-12-07"))
        e1 = self.events(first, channel="email")
        e2 = self.events(second, channel="email")
        self.assertEqual(e1.mail_message_id, e2.mail_message_id)
        self.assertEqual(e1.group_key, e2.group_key)
        body = e1.mail_message_id.body
        self.assertIn(first.name, body)
        self.assertIn(second.name, body)
        self.assertNotEqual(self.events(other, channel="email").mail_message_id, e1.mail_message_id)

    def test_minimum_gap_between_messages(self):
        late = self.make_invoice("2026-12-04")  # D+3 on Mon 7 Dec
        early = self.make_invoice("2026-12-11")  # D-3 on Tue 8 Dec
        self.run_at(at("2026-12-07"))
        self.assertEqual(self.events(late, channel="email", state="sent").stage_id, self.stage[3])
        self.run_at(at("2026-12-08"))
        waiting = self.events(early, channel="email")
        self.assertEqual(waiting.state, "scheduled")
        self.assertIn("minimum gap", waiting.skip_reason)
        self.assertEqual(waiting.scheduled_at, fields.Datetime.to_datetime("2026-12-09 15:00:00"))
        self.run_at("2026-12-09 15:00:00")
        self.assertEqual(waiting.state, "sent")

    def test_due_today_ignores_minimum_gap(self):
        late = self.make_invoice("2026-12-04")  # D+3 on Mon 7 Dec
        today = self.make_invoice("2026-12-08")  # D0 on Tue 8 Dec
        today.sudo().collection_stage_id = self.stage[-3]  # D-3 already done
        self.run_at(at("2026-12-07"))
        self.run_at(at("2026-12-08"))
        self.assertEqual(self.events(today, channel="email").state, "sent")
        self.assertTrue(late)

    def test_downtime_catch_up_no_burst(self):
        move = self.make_invoice("2026-12-10")
        self.run_at(at("2026-12-18"))  # first run at D+8
        self.assertEqual(self.sent(move), [(7, "email"), (7, "alert")])
        skipped = self.events(move, state="skipped")
        self.assertEqual(set(skipped.stage_id.mapped("offset_days")), {-3, 0, 3})
        self.assertIn("catch-up", skipped[0].skip_reason)
        self.assertEqual(move.collection_next_stage_id, self.stage[15])

    def test_do_not_contact(self):
        self.customer.collection_do_not_contact = True
        move = self.make_invoice("2026-12-10")
        self.run_at(at("2026-12-07"))
        self.assertFalse(self.events(move, state="sent", channel="email"))
        customer_events = self.events(move).filtered(lambda e: e.channel in ("email", "whatsapp"))
        self.assertEqual(set(customer_events.mapped("state")), {"skipped"})
        self.assertIn("not to be contacted", customer_events[0].skip_reason)
        task = self.events(move, channel="activity")
        self.assertEqual(task.state, "sent")
        self.assertTrue(task.activity_id)
        self.assertFalse(
            self.env["mail.mail"].sudo().search([("model", "=", "account.move"), ("res_id", "=", move.id)])
        )

    def test_sixty_days_overdue_goes_to_a_person(self):
        collector = new_test_user(self.env, login="cobrador", groups="account_collections_mx.group_collection_user")
        self.customer.collection_responsible_id = collector
        move = self.make_invoice("2026-10-01")
        move.sudo().collection_stage_id = self.stage[7]
        self.run_at(at("2026-11-30"))  # 60 days
        self.assertEqual(move.collection_state, "human")
        activity = move.activity_ids
        self.assertEqual(activity.user_id, collector)
        self.assertFalse(self.events(move, channel="email"))

    def test_due_date_change_replans(self):
        move = self.make_invoice("2026-12-10")
        self.assertEqual(move.collection_next_date, fields.Date.to_date("2026-12-07"))
        # the accountant resets the invoice to draft, changes its due date and posts it again
        move.button_draft()
        move.invoice_date_due = "2026-12-20"
        move.action_post()
        self.assertEqual(move.invoice_date_due, fields.Date.to_date("2026-12-20"))
        self.assertEqual(move.collection_next_date, fields.Date.to_date("2026-12-17"))
        self.run_at(at("2026-12-07"))
        self.assertFalse(self.events(move))

    def test_bad_input(self):
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.Policy.create({"name": "Empty", "company_id": self.company.id})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.Policy.create(
                {
                    "name": "Disordered",
                    "company_id": self.company.id,
                    "stage_ids": [
                        (0, 0, {"sequence": 1, "name": "A", "offset_days": 5, "channel": "activity"}),
                        (0, 0, {"sequence": 2, "name": "B", "offset_days": 2, "channel": "activity"}),
                    ],
                }
            )
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.company.collection_window_start = 6.5
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.company.collection_window_end = 22.5
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.Policy.create(
                {
                    "name": "Second default",
                    "company_id": self.company.id,
                    "is_default": True,
                    "stage_ids": [(0, 0, {"name": "A", "offset_days": 5, "channel": "activity"})],
                }
            )
        # stages reordered in one save are checked once, at the end
        policy = self.Policy.create(
            {
                "name": "Two",
                "company_id": self.company.id,
                "stage_ids": [
                    (0, 0, {"sequence": 1, "name": "A", "offset_days": 1, "channel": "activity"}),
                    (0, 0, {"sequence": 2, "name": "B", "offset_days": 2, "channel": "activity"}),
                ],
            }
        )
        a, b = policy.stage_ids.sorted("sequence")
        policy.write({"stage_ids": [(1, a.id, {"offset_days": 10}), (1, b.id, {"offset_days": 20})]})
        self.assertEqual(policy.stage_ids.mapped("offset_days"), [10, 20])

    def test_contact_log_is_append_only(self):
        move = self.make_invoice("2026-12-10")
        self.run_at(at("2026-12-07"))
        event = self.events(move, channel="email")
        manager = new_test_user(
            self.env,
            login="jefa",
            groups="account.group_account_manager,account_collections_mx.group_collection_manager",
        )
        with self.assertRaises(UserError):
            event.with_user(manager).write({"skip_reason": "edited"})
        with self.assertRaises(UserError):
            event.with_user(manager).unlink()
        with self.assertRaises(UserError):
            self.Event.with_user(manager).create(
                {"move_id": move.id, "partner_id": self.customer.id, "channel": "email"}
            )
        with self.assertRaises(UserError):
            event.sudo().write({"channel": "whatsapp"})  # even the engine keeps the facts
        with self.assertRaises(UserError):
            event.sudo().unlink()

    def test_database_refuses_duplicate_event(self):
        move = self.make_invoice("2026-12-10")
        self.run_at(at("2026-12-07"))
        event = self.events(move, channel="email")
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.Event.sudo().create(
                {"move_id": move.id, "partner_id": self.customer.id, "stage_id": event.stage_id.id, "channel": "email"}
            )
        # a failed event does not block a new attempt
        event._mark("failed", error="SMTP down")
        self.Event.sudo().create(
            {"move_id": move.id, "partner_id": self.customer.id, "stage_id": event.stage_id.id, "channel": "email"}
        )

    def test_batches_resume_without_repeating(self):
        self.env["ir.config_parameter"].sudo().set_param("account_collections_mx.batch_size", 2)
        moves = [self.make_invoice("2026-12-10", partner=self.customer.copy()) for _i in range(5)]
        with self.run_frozen(at("2026-12-07")):
            done, remaining = self.env["account.move"]._collection_run(
                max_batches=1, now=fields.Datetime.to_datetime(at("2026-12-07"))
            )
        # one batch of two invoices planned; three invoices and the 4 messages planned remain
        self.assertEqual((done, remaining), (2, 7))
        self.assertEqual(len(self.Event.search([("move_id", "in", [m.id for m in moves])])), 4)
        self.run_at(at("2026-12-07"))  # next call: the rest, never the first two again
        for move in moves:
            self.assertEqual(len(self.events(move, channel="email")), 1)
            self.assertEqual(self.events(move, channel="email").state, "sent")

    def test_run_now_action_permissions(self):
        collector = new_test_user(self.env, login="cobrador2", groups="account_collections_mx.group_collection_user")
        with self.assertRaises(UserError):
            self.env["account.move"].with_user(collector).action_collection_run_now()
        manager = new_test_user(self.env, login="gerente", groups="account_collections_mx.group_collection_manager")
        # due in 3 days for the customer (Mexico City), whatever the hour in UTC
        local_today = fields.Date.context_today(self.customer.with_context(tz=self.customer.tz))
        move = self.make_invoice(fields.Date.add(local_today, days=3))
        result = self.env["account.move"].with_user(manager).action_collection_run_now()
        self.assertEqual(result["tag"], "display_notification")
        self.assertTrue(self.events(move))

    def test_run_now_works_in_the_managers_companies(self):
        """A manager runs the collections of the companies selected in Odoo's company
        switcher; another company's invoices wait for the scheduled action."""
        company_b = self.setup_other_company(name="Empresa Beta SA")["company"]
        manager = new_test_user(
            self.env,
            login="gerente_alfa",
            groups="account.group_account_invoice,account_collections_mx.group_collection_manager",
            company_id=self.company.id,
            company_ids=[self.company.id, company_b.id],
        )
        local_today = fields.Date.context_today(self.customer.with_context(tz=self.customer.tz))
        due = fields.Date.add(local_today, days=3)
        move_a = self.make_invoice(due)
        customer_b = self.make_customer("Cliente Beta", company_b, "beta@example.mx")
        move_b = self.make_invoice(due, partner=customer_b, company=company_b)
        Move = self.env["account.move"].with_user(manager)
        Move.with_context(allowed_company_ids=[self.company.id]).action_collection_run_now()
        self.assertTrue(self.events(move_a))
        self.assertFalse(self.events(move_b))
        self.assertFalse(move_b.collection_stage_id)
        # a company the manager does not work in cannot be slipped in through the context
        outsider = new_test_user(
            self.env,
            login="gerente_solo_alfa",
            groups="account.group_account_invoice,account_collections_mx.group_collection_manager",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(outsider).with_context(
                allowed_company_ids=[company_b.id]
            ).action_collection_run_now()
        self.assertFalse(self.events(move_b))
        Move.with_context(allowed_company_ids=[company_b.id, self.company.id]).action_collection_run_now()
        self.assertTrue(self.events(move_b))

    # ------------------------------------------------------------------ helpers
    def run_frozen(self, when):
        from freezegun import freeze_time

        return freeze_time(fields.Datetime.to_datetime(when))


@tagged("post_install", "-at_install")
class TestCadencePolicyChanges(CollectionsCommon):
    def test_stage_offset_change_replans(self):
        move = self.make_invoice("2026-12-10")
        self.assertEqual(move.collection_next_date, fields.Date.to_date("2026-12-07"))
        self.stage[-3].offset_days = -5
        self.assertEqual(move.collection_next_date, fields.Date.to_date("2026-12-05"))

    def test_customer_policy_and_new_default(self):
        key = self.Policy.search([("company_id", "=", self.company.id), ("code", "=", "key_accounts")])
        move = self.make_invoice("2026-12-10")
        self.assertEqual(move.collection_policy_id, self.policy)
        self.customer.collection_policy_id = key
        self.assertEqual(move.collection_policy_id, key)
        self.customer.collection_policy_id = False
        late = self.Policy.search([("company_id", "=", self.company.id), ("code", "=", "late_payers")])
        late.action_set_default()
        self.assertEqual(move.collection_policy_id, late)
        self.assertEqual(move.collection_next_date, fields.Date.to_date("2026-12-03"))  # D-7


@tagged("post_install", "-at_install")
class TestReminderLanguage(CollectionsCommon):
    def test_spanish_customer_gets_spanish_reminder(self):
        self.env["res.lang"]._activate_lang("es_MX")
        self.env["ir.module.module"]._load_module_terms(["account_collections_mx"], ["es_MX"], overwrite=True)
        self.customer.lang = "es_MX"
        move = self.make_invoice("2026-12-10")
        self.env["account.move"]._collection_run(now=fields.Datetime.to_datetime("2026-12-07 15:00:00"))
        message = self.Event.search([("move_id", "=", move.id), ("channel", "=", "email")]).mail_message_id
        self.assertIn("Buen día", message.body)
        self.assertIn("próximas a vencer", message.subject)
        self.assertNotIn("Hello", message.body)


@tagged("post_install", "-at_install")
class TestCadencePlanningSetBased(CollectionsCommon):
    """Planning records the plan in SQL (a few statements per batch); delivery executes
    the tasks and alerts it scheduled, in batches."""

    def test_stored_computes_right_after_a_set_based_plan(self):
        d3 = self.make_invoice("2026-12-10")
        late = self.make_invoice("2026-11-20", partner=self.customer.copy())  # D+15 on 5 Dec
        late.sudo().collection_stage_id = self.stage[7]
        now = fields.Datetime.to_datetime(at("2026-12-07"))
        moves = d3 | late
        with self.run_frozen(at("2026-12-07")):
            moves._collection_lock()._collection_plan(now)
        # what the SQL wrote, read back through the ORM...
        self.assertEqual(d3.collection_stage_id, self.stage[-3])
        self.assertEqual(d3.collection_next_stage_id, self.stage[0])
        self.assertEqual(d3.collection_next_date, fields.Date.to_date("2026-12-10"))
        self.assertEqual(d3.collection_state, "active")
        self.assertEqual(late.collection_stage_id, self.stage[15])
        self.assertEqual(late.collection_state, "human")
        self.assertTrue(late.collection_human)
        self.assertFalse(late.collection_next_stage_id)
        self.assertFalse(late.collection_next_date)
        # ...is what the stored computes of the invoice give
        for move in moves:
            self.assertEqual(move.collection_state, move._collection_state_value())
            self.assertEqual(move.collection_next_stage_id, move._collection_next_stage())
        # the task of the hand-over waits for delivery; nothing was sent to the customer yet
        task = self.events(late, channel="activity")
        self.assertEqual((task.state, task.stage_id), ("scheduled", self.stage[15]))
        self.assertFalse(late.activity_ids)
        self.assertEqual(self.events(d3, channel="email").state, "scheduled")

    def test_candidates_use_the_customer_local_date(self):
        move = self.make_invoice("2026-12-10")  # D-3 on Mon 7 Dec
        Move = self.env["account.move"]
        # 03:00 UTC on 7 Dec is still Sunday 6 Dec in Mexico City: not due there yet
        self.assertNotIn(
            move.id, Move._collection_plan_candidates(fields.Datetime.to_datetime("2026-12-07 03:00:00"), 0)
        )
        self.assertIn(move.id, Move._collection_plan_candidates(fields.Datetime.to_datetime("2026-12-07 06:00:00"), 0))
        self.customer.tz = "Asia/Tokyo"  # already Monday 7 Dec at 16:00 UTC on the 6th
        self.assertIn(move.id, Move._collection_plan_candidates(fields.Datetime.to_datetime("2026-12-06 16:00:00"), 0))

    def test_plan_insert_never_duplicates_an_event(self):
        move = self.make_invoice("2026-12-10")
        # the D-3 email was recorded already (e.g. by a run that crashed after its commit)
        existing = self.Event.sudo().create(
            {
                "move_id": move.id,
                "partner_id": self.customer.id,
                "stage_id": self.stage[-3].id,
                "channel": "email",
                "state": "sent",
            }
        )
        self.run_at(at("2026-12-07"))
        emails = self.events(move, channel="email")
        self.assertEqual(emails, existing)
        self.assertEqual(len(self.events(move, channel="whatsapp")), 1)
        self.assertEqual(move.collection_stage_id, self.stage[-3])
        # the statement itself refuses a second live row for the same invoice, stage, channel
        now = fields.Datetime.to_datetime(at("2026-12-07"))
        row = (move.id, self.customer.id, self.company.id, self.stage[-3].id, "email", "scheduled", None, None)
        self.env["account.move"]._collection_plan_write(now, [], [row, row], [])
        self.assertEqual(self.events(move, channel="email"), existing)

    def test_alert_digest_one_channel_message_for_several_invoices(self):
        other = self.customer.copy({"name": "Ferretería El Tornillo"})
        moves = [
            self.make_invoice("2026-12-10", amount=100 * (i + 1), partner=partner)
            for i, partner in enumerate((self.customer, self.customer, other))
        ]
        for move in moves:
            move.sudo().collection_stage_id = self.stage[3]
        channel = self.env["discuss.channel"].search([("collection_company_id", "=", self.company.id)])
        before = channel.message_ids
        self.run_at(at("2026-12-17"))  # D+7: email + WhatsApp + team alert
        alerts = self.Event.search([("move_id", "in", [m.id for m in moves]), ("channel", "=", "alert")])
        self.assertEqual(len(alerts), 3)
        self.assertEqual(set(alerts.mapped("state")), {"sent"})
        digest = channel.message_ids - before
        self.assertEqual(len(digest), 1, "one message in the Collections channel")
        self.assertEqual(alerts.mail_message_id, digest)
        for move in moves:
            self.assertIn(move.name, digest.body)
        self.assertIn(other.name, digest.body)
        self.assertEqual(alerts[0].done_at, fields.Datetime.to_datetime(at("2026-12-17")))

    def test_alert_threshold_from_settings(self):
        """Below the company's alert threshold the team is not alerted (logged as skipped);
        the customer still gets its reminder."""
        self.company.collection_alert_min_amount = 500.0
        small = self.make_invoice("2026-12-10", amount=200)
        big = self.make_invoice("2026-12-10", amount=800)
        for move in (small, big):
            move.sudo().collection_stage_id = self.stage[3]
        self.run_at(at("2026-12-17"))  # D+7: email + WhatsApp + team alert
        small_alert = self.events(small, channel="alert")
        self.assertEqual(small_alert.state, "skipped")
        self.assertIn("alert threshold", small_alert.skip_reason)
        self.assertEqual(self.events(big, channel="alert").state, "sent")
        self.assertEqual(small.collection_stage_id, self.stage[7])
        self.assertTrue(self.events(small, channel="email"))
        with self.assertRaises(ValidationError):
            self.company.collection_alert_min_amount = -1

    def test_tasks_created_together_in_delivery(self):
        from unittest.mock import patch

        collector = new_test_user(self.env, login="cobradora", groups="account_collections_mx.group_collection_user")
        self.customer.collection_responsible_id = collector
        moves = [self.make_invoice("2026-12-10", amount=100 * (i + 1)) for i in range(3)]
        for move in moves:
            move.sudo().collection_stage_id = self.stage[7]
        Activity = type(self.env["mail.activity"])
        create = Activity.create
        calls = []

        def counting_create(records, vals_list):
            calls.append(len(vals_list) if isinstance(vals_list, list) else 1)
            return create(records, vals_list)

        with patch.object(Activity, "create", counting_create):
            self.run_at(at("2026-12-28"))  # D+18: the D+15 hand-over
        self.assertEqual(calls, [3], "one create for the batch's tasks")
        for move in moves:
            self.assertEqual(move.collection_state, "human")
            task = self.events(move, channel="activity")
            self.assertEqual(task.state, "sent")
            activity = task.activity_id
            self.assertEqual(activity.res_model, "account.move")
            self.assertEqual(activity.res_id, move.id)
            self.assertEqual(activity.user_id, collector)
            self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
            self.assertEqual(activity.date_deadline, fields.Date.to_date("2026-12-28"))
            self.assertIn(move.name, activity.summary)
            self.assertIn("Handed over to a person", move.message_ids[0].body)
        self.assertFalse(
            self.Event.search([("move_id", "in", [m.id for m in moves]), ("channel", "in", ("email", "whatsapp"))]),
            "no customer message at the hand-over",
        )

    def test_waiting_whatsapp_rescheduled_from_the_run_time(self):
        move = self.make_invoice("2026-12-10")
        now = fields.Datetime.to_datetime(at("2026-12-07"))
        # not frozen: the run's time, not the real clock, is what counts
        self.env["account.move"]._collection_run(now=now)
        wa = self.events(move, channel="whatsapp")
        self.assertEqual(wa.state, "scheduled")
        self.assertIn("WhatsApp", wa.skip_reason)
        self.assertEqual(wa.scheduled_at, now + dt.timedelta(hours=1))
        email = self.events(move, channel="email")
        self.assertEqual((email.state, email.scheduled_at), ("queued", now))
        self.assertFalse(email.done_at, "done when the mail queue really sends it")

    def run_frozen(self, when):
        from freezegun import freeze_time

        return freeze_time(fields.Datetime.to_datetime(when))
