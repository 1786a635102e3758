import datetime as dt

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged

from .collection_summary_common import CollectionSummaryCommon, D


@tagged("post_install", "-at_install")
class TestCollectionPromise(CollectionSummaryCommon):
    """Promises hold the cadence until promised date + grace, then kept or broken."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = new_test_user(
            cls.env,
            login="cobrador",
            groups="base.group_user,account_collections_mx.group_collection_user",
            company_id=cls.company.id,
        )
        cls.customer_a.collection_responsible_id = cls.collector
        cls.company.email = "cobranza@example.com"  # the reminders' sender

    def _promise(self, invoice, amount=600.0, promised=None):
        """Recorded by a Collections User through the wizard, on 2026-03-30."""
        wizard = (
            self.env["collection.promise.wizard"]
            .with_user(self.collector)
            .with_context(allowed_company_ids=self.company.ids)
            .create(
                {
                    "partner_id": invoice.partner_id.id,
                    "move_ids": [(6, 0, invoice.ids)],
                    "promised_date": promised or D(2026, 4, 1),
                }
            )
        )
        self.assertEqual(wizard.amount, invoice.amount_residual)
        wizard.amount = amount
        action = wizard.action_confirm()
        return self.env["collection.promise"].browse(action["res_id"])

    def _check(self, day):
        with freeze_time(f"{day} 18:00:00"):
            self.env["collection.promise"]._cron_collection_promises()

    @freeze_time("2026-03-30 18:00:00")
    def _setup_invoice(self):
        invoice = self._invoice(self.customer_a, 1000, D(2026, 3, 20))
        self.assertEqual(invoice.collection_state, "active")
        promise = self._promise(invoice)
        return invoice, promise

    def test_promise_holds_cadence(self):
        invoice, promise = self._setup_invoice()
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.deadline, D(2026, 4, 3))  # promised Apr 1 + 2 days of grace
        self.assertEqual(invoice.collection_promise_until, D(2026, 4, 3))
        self.assertEqual(invoice.collection_state, "paused")
        self.assertEqual(invoice.collection_promise_ids, promise)

    def test_kept_when_paid_on_the_last_day(self):
        invoice, promise = self._setup_invoice()
        self._pay(invoice, 600, D(2026, 4, 3))
        self._check("2026-04-03")
        self.assertEqual(promise.state, "kept")
        self.assertEqual(promise.amount_received, 600)
        self.assertFalse(invoice.collection_promise_until)
        self.assertEqual(invoice.collection_state, "active")  # 400 still due: cadence resumes

    def test_still_open_on_the_deadline_then_broken(self):
        invoice, promise = self._setup_invoice()
        self._check("2026-04-03")
        self.assertEqual(promise.state, "open")
        self.assertEqual(invoice.collection_state, "paused")
        self._check("2026-04-04")
        self.assertEqual(promise.state, "broken")
        self.assertFalse(invoice.collection_promise_until)
        self.assertEqual(invoice.collection_state, "active")
        activity = promise.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("Broken promise", activity.summary)

    def test_payment_after_the_deadline_does_not_count(self):
        invoice, promise = self._setup_invoice()
        self._pay(invoice, 600, D(2026, 4, 4))
        self._check("2026-04-04")
        self.assertEqual(promise.state, "broken")

    def test_partial_payment_is_not_enough(self):
        invoice, promise = self._setup_invoice()
        self._pay(invoice, 500, D(2026, 4, 2))
        self._check("2026-04-04")
        self.assertEqual(promise.state, "broken")
        self.assertEqual(promise.amount_received, 500)

    def _run(self, when):
        with freeze_time(when):
            self.env["account.move"]._collection_run(now=fields.Datetime.to_datetime(when))
            self.env["mail.mail"].sudo().process_email_queue()  # what the run queued leaves

    def _stages_logged(self, invoice):
        events = invoice.collection_event_ids.filtered(lambda e: e.channel == "email")
        return sorted((e.stage_id.offset_days, e.state) for e in events)

    def test_broken_promise_resumes_where_it_was(self):
        """D+3 sent, promise on D+5 holds D+7; broken on Apr 4: D+7 goes once, D+3 never
        again, no burst."""
        self.customer_a.collection_policy_id = self.policy
        with freeze_time("2026-03-20 18:00:00"):
            invoice = self._invoice(self.customer_a, 1000, D(2026, 3, 20))
        self._run("2026-03-23 18:00:00")  # D+3, Monday 12:00 in Mexico City
        self.assertEqual(self._stages_logged(invoice), [(3, "sent")])
        with freeze_time("2026-03-25 18:00:00"):
            promise = self._promise(invoice)  # Apr 1, held until Apr 3
        for day in ("2026-03-27", "2026-03-30", "2026-04-03"):  # D+7 due, but held
            self._run(f"{day} 18:00:00")
            self._check(day)
        self.assertEqual(invoice.collection_stage_id, self.stage_3)
        self.assertEqual(self._stages_logged(invoice), [(3, "sent")])
        self._check("2026-04-04")
        self.assertEqual(promise.state, "broken")
        self._run("2026-04-06 18:00:00")  # Monday
        self._run("2026-04-07 18:00:00")
        self.assertEqual(invoice.collection_stage_id, self.stage_7)
        self.assertEqual(self._stages_logged(invoice), [(3, "sent"), (7, "sent")])

    def test_grace_setting(self):
        self.company.collection_promise_grace_days = 0
        invoice, promise = self._setup_invoice()
        self.assertEqual(promise.deadline, D(2026, 4, 1))
        self.assertEqual(invoice.collection_promise_until, D(2026, 4, 1))
        self._check("2026-04-01")
        self.assertEqual(promise.state, "open")
        self._check("2026-04-02")
        self.assertEqual(promise.state, "broken")
        self.assertEqual(invoice.collection_state, "active")

    def test_grace_change_moves_the_hold(self):
        invoice, promise = self._setup_invoice()
        self.company.collection_promise_grace_days = 5
        self.assertEqual(promise.deadline, D(2026, 4, 6))
        self._check("2026-04-04")  # the nightly check also refreshes the hold
        self.assertEqual(promise.state, "open")
        self.assertEqual(invoice.collection_promise_until, D(2026, 4, 6))
        self.assertEqual(invoice.collection_state, "paused")

    def test_payment_before_the_promise_does_not_count(self):
        with freeze_time("2026-03-29 18:00:00"):
            invoice = self._invoice(self.customer_a, 1000, D(2026, 3, 20))
            self._pay(invoice, 300, D(2026, 3, 29))
        with freeze_time("2026-03-30 18:00:00"):
            promise = self._promise(invoice, amount=600)
        self._pay(invoice, 500, D(2026, 4, 1))
        self._check("2026-04-04")
        self.assertEqual(promise.state, "broken")
        self.assertEqual(promise.amount_received, 500)  # not the 300 of Mar 29

    def test_cancel_releases_hold(self):
        invoice, promise = self._setup_invoice()
        promise.with_user(self.collector).action_cancel()
        self.assertEqual(promise.state, "cancelled")
        self.assertEqual(invoice.collection_state, "active")

    @freeze_time("2026-03-30 18:00:00")
    def test_wizard_from_the_customer_preselects_its_overdue_invoices(self):
        overdue = self._invoice(self.customer_a, 1000, D(2026, 3, 20))
        overdue |= self._invoice(self.customer_a, 500, D(2026, 3, 28))
        self._invoice(self.customer_a, 700, D(2026, 4, 15))  # not due yet
        self._invoice(self.customer_b, 900, D(2026, 3, 20))  # another customer
        action = self.customer_a.with_user(self.collector).action_collection_promise()
        self.assertNotIn("default_move_ids", action["context"])
        Wizard = self.env["collection.promise.wizard"].with_user(self.collector)
        with Form(Wizard.with_context(**action["context"])) as form:
            self.assertEqual(form.partner_id, self.customer_a)
            self.assertEqual(sorted(m.id for m in form.move_ids), overdue.ids)
            self.assertEqual(form.amount, 1500)
            form.promised_date = D(2026, 4, 3)
        promise = self.env["collection.promise"].browse(form.record.action_confirm()["res_id"])
        self.assertEqual(promise.move_ids, overdue)
        # from an invoice: that invoice only
        action = overdue[1].with_user(self.collector).action_collection_promise()
        with Form(Wizard.with_context(**action["context"])) as form:
            self.assertEqual([m.id for m in form.move_ids], overdue[1].ids)
            form.promised_date = D(2026, 4, 3)

    @freeze_time("2026-03-30 18:00:00")
    def test_bad_input(self):
        invoice = self._invoice(self.customer_a, 1000, D(2026, 3, 20))
        with self.assertRaises(ValidationError):
            self.env["collection.promise"].create(
                {
                    "partner_id": self.customer_a.id,
                    "move_ids": [(6, 0, invoice.ids)],
                    "amount": 0,
                    "promised_date": D(2026, 4, 1),
                }
            )
        with self.assertRaises(ValidationError):
            self.env["collection.promise"].create(
                {
                    "partner_id": self.customer_b.id,
                    "move_ids": [(6, 0, invoice.ids)],
                    "amount": 10,
                    "promised_date": D(2026, 4, 1),
                }
            )
        with self.assertRaises(ValidationError):
            self.env["collection.promise"].create(
                {
                    "partner_id": self.customer_a.id,
                    "move_ids": [(6, 0, invoice.ids)],
                    "amount": 10,
                    "promised_date": D(2026, 3, 29),
                }
            )

    def test_multi_company_rule(self):
        other = self.env["res.company"].create({"name": "Otra Empresa"})
        promise = (
            self.env["collection.promise"]
            .sudo()
            .create(
                {"company_id": other.id, "partner_id": self.customer_b.id, "amount": 10, "promised_date": "2099-01-01"}
            )
        )
        visible = self.env["collection.promise"].with_user(self.collector).search([])
        self.assertNotIn(promise, visible)


@tagged("post_install", "-at_install")
class TestCollectionRating(CollectionSummaryCommon):
    """Average days late weighted by amount, thresholds, broken promises, segment policies."""

    @freeze_time("2026-03-30 18:00:00")
    def test_rating_and_segment_policies(self):
        c = self.env["res.partner"].create({"name": "Cliente Gamma", "is_company": True})
        d = self.env["res.partner"].create({"name": "Cliente Delta", "is_company": True})
        # A: 1000 paid 10 days late, 3000 one day early -> (10000 - 3000) / 4000 = 1.75
        inv = self._invoice(self.customer_a, 1000, D(2026, 1, 1), invoice_date=D(2025, 12, 1))
        self._pay(inv, 1000, D(2026, 1, 11))
        inv = self._invoice(self.customer_a, 3000, D(2026, 2, 1), invoice_date=D(2026, 1, 1))
        self._pay(inv, 3000, D(2026, 1, 31))
        # B: 20 days late exactly -> watch (risky is above 20)
        inv = self._invoice(self.customer_b, 1000, D(2026, 2, 1), invoice_date=D(2026, 1, 1))
        self._pay(inv, 1000, D(2026, 2, 21))
        # C: 21 days late -> risky
        inv = self._invoice(c, 1000, D(2026, 2, 1), invoice_date=D(2026, 1, 1))
        self._pay(inv, 1000, D(2026, 2, 22))
        # D: on time but one broken promise -> watch; its policy was chosen by hand
        inv = self._invoice(d, 1000, D(2026, 2, 1), invoice_date=D(2026, 1, 1))
        self._pay(inv, 1000, D(2026, 2, 1))
        promise = self.env["collection.promise"].create(
            {"partner_id": d.id, "amount": 10, "promised_date": D(2026, 3, 30)}
        )
        promise.write({"state": "broken", "closed_date": D(2026, 3, 1)})
        manual = self.policy.sudo().copy({"name": "Manual"})
        d.collection_policy_id = manual
        self.assertTrue(d.collection_policy_manual)

        watch = self.policy.sudo().copy({"name": "Watch"})
        risky = self.policy.sudo().copy({"name": "Repeat late payers"})
        key = self.policy.sudo().copy({"name": "Key accounts"})
        self.company.write(
            {
                "collection_watch_policy_id": watch.id,
                "collection_risky_policy_id": risky.id,
                "collection_key_account_policy_id": key.id,
            }
        )
        self.customer_a.category_id = self.env.ref("account_collections_mx.res_partner_category_key_account")

        self.env["res.partner"]._cron_collection_rating()
        self.assertAlmostEqual(self.customer_a.collection_avg_days_late, 1.75, places=2)
        self.assertEqual(self.customer_a.collection_rating, "good")
        self.assertEqual(self.customer_b.collection_avg_days_late, 20)
        self.assertEqual(self.customer_b.collection_rating, "watch")
        self.assertEqual(c.collection_rating, "risky")
        self.assertEqual(d.collection_rating, "watch")
        self.assertEqual(d.collection_broken_promises, 1)
        # policies: key account tag wins, rating mapping, manual choice kept
        self.assertEqual(self.customer_a.collection_policy_id, key)
        self.assertEqual(self.customer_b.collection_policy_id, watch)
        self.assertEqual(c.collection_policy_id, risky)
        self.assertFalse(c.collection_policy_manual)
        self.assertEqual(d.collection_policy_id, manual)
        # a customer getting better goes back to the default policy
        self.company.collection_rating_risky_days = 30
        self.company.collection_rating_watch_days = 25
        self.env["res.partner"]._cron_collection_rating()
        self.assertEqual(c.collection_rating, "good")
        self.assertFalse(c.collection_policy_id)

    @freeze_time("2026-03-30 18:00:00")
    def test_policy_chosen_at_creation_is_manual(self):
        """A customer created with a policy (import, demo data, form) keeps it: the rating
        never replaces a policy somebody chose."""
        manual = self.policy.sudo().copy({"name": "Chosen"})
        e = self.env["res.partner"].create(
            {"name": "Cliente Epsilon", "is_company": True, "collection_policy_id": manual.id}
        )
        self.assertTrue(e.collection_policy_manual)
        inv = self._invoice(e, 1000, D(2026, 2, 1), invoice_date=D(2026, 1, 1))
        self._pay(inv, 1000, D(2026, 3, 15))
        risky = self.policy.sudo().copy({"name": "Repeat late payers"})
        self.company.collection_risky_policy_id = risky
        self.env["res.partner"]._cron_collection_rating()
        self.assertEqual(e.collection_rating, "risky")
        self.assertEqual(e.collection_policy_id, manual)

    def test_thresholds_validated(self):
        with self.assertRaises(ValidationError):
            self.company.write({"collection_rating_watch_days": 30, "collection_rating_risky_days": 10})

    @freeze_time("2026-03-30 18:00:00")
    def test_open_and_overdue_amounts(self):
        self._invoice(self.customer_a, 1000, D(2026, 3, 20))
        self._invoice(self.customer_a, 500, D(2026, 4, 20))
        self._invoice(self.customer_a, 100, D(2026, 3, 30), move_type="out_refund")
        partner = self.customer_a.with_company(self.company)
        self.assertEqual(partner.collection_open_amount, 1400)
        self.assertEqual(partner.collection_overdue_amount, 1000)

    def _late_payer(self, name, days_late):
        """A customer whose only invoice (1,000 due 2026-02-01) was paid ``days_late`` late."""
        partner = self.env["res.partner"].create(
            {"name": name, "is_company": True, "collection_first_invoice_reviewed": True}
        )
        invoice = self._invoice(partner, 1000, D(2026, 2, 1), invoice_date=D(2026, 1, 1))
        self._pay(invoice, 1000, D(2026, 2, 1) + dt.timedelta(days=days_late))
        return partner

    @freeze_time("2026-03-30 18:00:00")
    def test_manual_policy_never_overwritten(self):
        risky = self.policy.sudo().copy({"name": "Repeat late payers"})
        manual = self.policy.sudo().copy({"name": "Chosen by hand"})
        self.company.collection_risky_policy_id = risky
        # chosen by hand when the customer is created
        created = self.env["res.partner"].create(
            {"name": "Cliente Zeta", "is_company": True, "collection_policy_id": manual.id}
        )
        self.assertTrue(created.collection_policy_manual)
        invoice = self._invoice(created, 1000, D(2026, 2, 1), invoice_date=D(2026, 1, 1))
        self._pay(invoice, 1000, D(2026, 3, 28))  # 55 days late
        auto = self._late_payer("Cliente Eta", 30)
        contact = self.env["res.partner"].create({"name": "Luis", "parent_id": auto.id})
        self.env["res.partner"]._cron_collection_rating()
        self.assertEqual(created.collection_rating, "risky")
        self.assertEqual(created.collection_policy_id, manual)
        self.assertEqual(auto.collection_policy_id, risky)
        self.assertFalse(auto.collection_policy_manual)
        # the contact shows its company's values; syncing other fields keeps the flag
        self.assertEqual(contact.collection_rating, "risky")
        self.assertEqual(contact.collection_avg_days_late, 30)
        later = self.env["res.partner"].create({"name": "Marta", "parent_id": auto.id})
        self.assertEqual((later.collection_rating, later.collection_avg_days_late), ("risky", 30))
        self.assertEqual(contact.collection_policy_id, risky)
        self.assertFalse(contact.collection_policy_manual)
        auto.collection_statement_opt_out = True
        self.assertFalse(contact.collection_policy_manual)
        self.assertTrue(contact.collection_statement_opt_out)
        # someone chooses a policy: kept by the next nights, on the contact too
        auto.collection_policy_id = manual
        self.assertTrue(auto.collection_policy_manual)
        self.assertTrue(contact.collection_policy_manual)
        self.env["res.partner"]._cron_collection_rating()
        self.assertEqual(auto.collection_policy_id, manual)
        # clearing it hands the customer back to its rating
        auto.collection_policy_id = False
        self.assertFalse(auto.collection_policy_manual)
        self.env["res.partner"]._cron_collection_rating()
        self.assertEqual(auto.collection_policy_id, risky)

    def test_segment_policies_of_the_same_company(self):
        other = self.env["res.company"].create({"name": "Otra Empresa"})
        # a new company starts with the default mapping
        policies = self.env["collection.policy"].sudo().search([("company_id", "=", other.id)])
        self.assertEqual(other.collection_risky_policy_id.code, "late_payers")
        self.assertEqual(other.collection_key_account_policy_id.code, "key_accounts")
        self.assertEqual(other.collection_risky_policy_id.company_id, other)
        self.assertFalse(other.collection_good_policy_id)
        self.assertEqual(len(policies), 3)
        foreign = self.env["collection.policy"].sudo().search([("company_id", "=", other.id)], limit=1)
        self.assertTrue(foreign)
        for field in (
            "collection_good_policy_id",
            "collection_watch_policy_id",
            "collection_risky_policy_id",
            "collection_key_account_policy_id",
        ):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.company.write({field: foreign.id})
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            settings.collection_risky_policy_id = foreign  # related: written to the company
            settings.flush_recordset()

    @freeze_time("2026-03-30 18:00:00")
    def test_rating_in_batches_goes_on_where_it_stopped(self):
        risky = self.policy.sudo().copy({"name": "Repeat late payers"})
        self.company.collection_risky_policy_id = risky
        payers = [self._late_payer(f"Cliente {i}", 25 + i) for i in range(3)]
        Partner = self.env["res.partner"]
        cron = self.env.ref("account_collections_mx.ir_cron_collection_rating")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertEqual(Partner._cron_collection_rating(batch_size=1, max_batches=2), 1)
        self.assertEqual([p.collection_rating for p in payers], ["risky", "risky", "good"])
        self.assertEqual(payers[1].collection_policy_id, risky)
        self.assertFalse(payers[2].collection_policy_id)
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id), ("id", "not in", triggers.ids)]), 0
        )
        self.assertEqual(Partner._cron_collection_rating(batch_size=1, max_batches=2), 0)
        self.assertEqual(payers[2].collection_rating, "risky")
        self.assertAlmostEqual(payers[2].collection_avg_days_late, 27)
        self.assertEqual(payers[2].collection_policy_id, risky)
        self.assertFalse(self.env["ir.config_parameter"].sudo().get_param("account_collections_mx.rating_cursor"))
        # the next pass starts over (a changed threshold applies to every customer)
        self.company.write({"collection_rating_risky_days": 30, "collection_rating_watch_days": 25})
        Partner._cron_collection_rating()
        self.assertEqual([p.collection_rating for p in payers], ["good", "watch", "watch"])
        self.assertFalse(payers[0].collection_policy_id)
