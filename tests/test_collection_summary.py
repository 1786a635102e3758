import datetime as dt

import lxml.html
from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import format_date

from .collection_summary_common import CollectionSummaryCommon, D


@tagged("post_install", "-at_install")
class TestCollectionSummaryFigures(CollectionSummaryCommon):
    """Every figure of the weekly summary compared with hand-computed values."""

    def _data(self, today):
        return self.env["collection.summary"]._collection_data(self.company, today)

    @freeze_time("2026-03-30")
    def test_aging_buckets_edges_and_multi_overdue(self):
        today = D(2026, 3, 30)
        a = self.customer_a
        for amount, due in [
            (100, today),
            (200, D(2026, 3, 29)),
            (400, D(2026, 2, 28)),
            (800, D(2026, 2, 27)),
            (1600, D(2025, 12, 30)),
            (3200, D(2025, 12, 29)),
        ]:
            self._invoice(a, amount, due)
        self._invoice(a, 50, today, move_type="out_refund")
        self._invoice(self.customer_b, 70, D(2026, 3, 1))
        data = self._data(today)
        self.assertEqual(
            data["aging"],
            {
                "current": 50.0,  # 100 due today - 50 credit note
                "1_30": 670.0,  # 1 day (200), 30 days (400), 29 days (customer B, 70)
                "31_60": 800.0,  # 31 days
                "61_90": 1600.0,  # 90 days
                "90_plus": 3200.0,  # 91 days
            },
        )
        self.assertEqual(data["total"], 6320.0)
        self.assertEqual(data["overdue"], 6270.0)
        # customer A has 5 overdue invoices, customer B only one
        self.assertEqual(data["multi_overdue"], ["Cliente Alfa"])
        self.assertEqual([row["name"] for row in data["top"]], ["Cliente Alfa", "Cliente Beta"])
        self.assertEqual(data["top"][0]["overdue"], 6200.0)
        self.assertEqual(data["top"][0]["invoices"], 5)
        self.assertIn("(5)", data["top"][0]["states"])

    @freeze_time("2026-03-30")
    def test_dso_countback_over_several_periods(self):
        today = D(2026, 3, 30)
        self._invoice(self.customer_a, 1000, D(2026, 4, 19), invoice_date=D(2026, 3, 20))
        self._invoice(self.customer_a, 2000, D(2026, 3, 15), invoice_date=D(2026, 2, 15))
        old = self._invoice(self.customer_b, 3000, D(2026, 1, 15), invoice_date=D(2025, 12, 15))
        self._pay(old, 2500, D(2026, 3, 25))
        data = self._data(today)
        # balance 3500; sales by 30-day period back from Mar 30: 1000 | 2000 | 0 | 3000
        # 1000 -> 30 d, 2000 -> 60 d, nothing -> 90 d, 500/3000 of 30 d -> 95 d
        self.assertEqual(data["dso"], 95.0)
        trend = dict(data["trend"])
        self.assertEqual(len(data["trend"]), 8)
        self.assertEqual(data["trend"][-1][0], today)
        # Mar 23, before the payment: balance 6000 = 1000 + 2000 + 0 + 3000 -> 120 days
        self.assertEqual(trend[D(2026, 3, 23)], 120.0)
        # Mar 16: balance 5000; periods back from Mar 16: 2000 (Feb 15, 29 days) | 0 | 0 |
        # 3000 (Dec 15, 91 days) -> 30 + 30 + 30 + 30 = 120 days
        self.assertEqual(trend[D(2026, 3, 16)], 120.0)
        # Feb 9: balance 3000 (Dec 15 only, 56 days: 2nd period) -> 30 + 30 = 60 days
        self.assertEqual(trend[D(2026, 2, 9)], 60.0)

    @freeze_time("2026-03-30")
    def test_projection_weighted_by_rating(self):
        today = D(2026, 3, 30)
        self.customer_b.collection_rating = "risky"
        self._invoice(self.customer_a, 100, today)  # good: 90
        self._invoice(self.customer_b, 1000, D(2026, 4, 2))  # risky: 300
        self._invoice(self.customer_b, 5000, D(2026, 4, 6))  # day 8: not in the week
        promised = self._invoice(self.customer_a, 3200, D(2025, 12, 29))
        self.env["collection.promise"].create(
            {
                "partner_id": self.customer_a.id,
                "move_ids": [(6, 0, promised.ids)],
                "amount": 500,
                "promised_date": D(2026, 4, 1),
            }
        )  # good: 450
        projection = self._data(today)["projection"]
        self.assertEqual(projection, {"due": 1100.0, "promised": 500.0, "expected": 840.0})

    @freeze_time("2026-03-30 15:00")
    def test_reminder_effectiveness_per_stage(self):
        today = D(2026, 3, 30)
        paid_fast = self._invoice(self.customer_a, 100, D(2026, 3, 1))
        paid_late = self._invoice(self.customer_a, 200, D(2026, 3, 1))
        unpaid = self._invoice(self.customer_b, 300, D(2026, 3, 1))
        Event = self.env["collection.event"].sudo()
        for move, stage, sent in [
            (paid_fast, self.stage_3, "2026-03-04 15:00"),
            (paid_late, self.stage_3, "2026-03-04 15:00"),
            (unpaid, self.stage_3, "2026-03-04 15:00"),
            (paid_late, self.stage_7, "2026-03-08 15:00"),
        ]:
            Event.create(
                {
                    "move_id": move.id,
                    "partner_id": move.partner_id.id,
                    "stage_id": stage.id,
                    "channel": "email",
                    "state": "sent",
                    "scheduled_at": sent,
                    "done_at": sent,
                }
            )
        self._pay(paid_fast, 100, D(2026, 3, 11))  # 7 days after D+3: counts
        self._pay(paid_late, 200, D(2026, 3, 12))  # 8 days after D+3, 4 after D+7
        rows = {row["stage"]: row for row in self._data(today)["effectiveness"]}
        self.assertEqual((rows["D+3 Pending"]["sent"], rows["D+3 Pending"]["paid"]), (3, 1))
        self.assertAlmostEqual(rows["D+3 Pending"]["rate"], 0.3333)
        firm = rows["D+7 Firm"]
        self.assertEqual((firm["sent"], firm["paid"], firm["rate"]), (1, 1, 1.0))

    def test_review_tray_waiting_count(self):
        data = self._data(D(2026, 3, 30))
        self.assertIsInstance(data["review"], int)


@tagged("post_install", "-at_install")
class TestWeeklySummarySending(CollectionSummaryCommon):
    """Sent once per week per company, at the first run after Monday 08:00 local time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "America/Mexico_City"  # UTC-6, no DST
        cls.boss = cls.env["res.users"].create(
            {
                "name": "Directora",
                "login": "directora",
                "email": "directora@example.com",
                "company_id": cls.company.id,
                "company_ids": [(6, 0, cls.company.ids)],
            }
        )
        cls.company.collection_summary_user_ids = cls.boss

    def _run(self, when):
        with freeze_time(when):
            return self.company._collection_send_weekly_summary(now=dt.datetime.fromisoformat(when))

    def test_once_per_week(self):
        self._invoice(self.customer_a, 1234.5, D(2026, 3, 1))
        Summary = self.env["collection.summary"]
        self.assertFalse(self._run("2026-03-30 13:59:00"))  # Monday 07:59 in Mexico City
        sent = self._run("2026-03-30 14:00:00")  # Monday 08:00
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent.week, "2026-W14")
        self.assertEqual(sent.total_receivable, 1234.5)
        self.assertTrue(sent.mail_id)
        self.assertIn("directora@example.com", sent.mail_id.email_to)
        self.assertIn("1,234.50", sent.mail_id.body_html)
        self.assertIn("Top 10 overdue accounts", str(sent.body_html))
        # hourly runs the same week: nothing more
        self.assertFalse(self._run("2026-03-30 15:00:00"))
        self.assertFalse(self._run("2026-04-05 23:00:00"))
        self.assertEqual(Summary.search_count([("company_id", "=", self.company.id)]), 1)
        # next week, the cron was down on Monday: sent at the first run after
        sent = self._run("2026-04-07 03:00:00")
        self.assertEqual(sent.week, "2026-W15")
        self.assertEqual(Summary.search_count([("company_id", "=", self.company.id)]), 2)

    def _rows(self, html):
        """Label -> value of every two-cell row of the summary (and every table row)."""
        root = lxml.html.fromstring(html)
        rows = []
        for tr in root.iter("tr"):
            rows.append([" ".join(cell.text_content().split()) for cell in tr])
        return rows

    def test_every_figure_in_the_email_and_in_odoo(self):
        """One portfolio, every figure of the summary in the email, as computed by hand."""
        a, b = self.customer_a, self.customer_b
        with freeze_time("2026-03-25 18:00:00"):
            self._invoice(a, 100, D(2026, 3, 30))  # due today: current
            late_30 = self._invoice(a, 400, D(2026, 2, 28))  # 30 days: 1-30
            self._invoice(a, 800, D(2026, 2, 27))  # 31 days: 31-60
            # PPD (due after the invoice's month), 400 paid by a registered payment:
            # 600 left in 1-30 and a payment complement waiting
            ppd = self._invoice(b, 1000, D(2026, 3, 20), invoice_date=D(2026, 2, 15))
            self.env["account.payment.register"].with_context(active_model="account.move", active_ids=ppd.ids).create(
                {"amount": 400, "payment_date": D(2026, 3, 25)}
            )._create_payments()
            self.env["collection.promise"].create(
                {"partner_id": b.id, "move_ids": [(6, 0, ppd.ids)], "amount": 500, "promised_date": D(2026, 4, 1)}
            )
            a.sudo().write({"collection_paused": True, "collection_pause_reason": "other"})
            self.env["collection.event"].sudo().create(
                {
                    "move_id": late_30.id,
                    "partner_id": a.id,
                    "stage_id": self.stage_3.id,
                    "channel": "email",
                    "state": "sent",
                    "scheduled_at": "2026-03-03 15:00:00",
                    "done_at": "2026-03-03 15:00:00",
                }
            )
        self.assertTrue(ppd.cfdi_complement_required)
        # a bank line waiting in the review tray (automatic reconciliation is off)
        self.company.collection_auto_reconcile = False
        line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.company_data["default_journal_bank"].id,
                "date": "2026-03-27",
                "amount": 800,
                "payment_ref": late_30.name,
                "partner_id": a.id,
            }
        )
        line._collection_match()
        review = self.env["collection.match"].search_count(
            [("state", "=", "to_review"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(review, 1)

        sent = self._run("2026-03-30 14:00:00")  # Monday 08:00 in Mexico City
        self.assertEqual(len(sent), 1)
        # the same figures in Odoo (the summary record) as in the email
        self.assertEqual(self._rows(sent.body_html), self._rows(sent.mail_id.body_html))
        self.assertRecordValues(
            sent,
            [
                {
                    "total_receivable": 1900.0,
                    "overdue_amount": 1800.0,
                    # good payers 0.9: 100 due + 500 promised
                    "expected_week": 540.0,
                }
            ],
        )
        rows = self._rows(sent.mail_id.body_html)
        figures = {row[0]: row[1] for row in rows if len(row) == 2}
        self.assertEqual(figures["Total receivable"], "$ 1,900.00")
        self.assertEqual(figures["Overdue"], "$ 1,800.00")
        self.assertEqual(figures["Current"], "$ 100.00")
        self.assertEqual(figures["1-30 days"], "$ 1,000.00")
        self.assertEqual(figures["31-60 days"], "$ 800.00")
        self.assertEqual(figures["61-90 days"], "$ 0.00")
        self.assertEqual(figures["Over 90 days"], "$ 0.00")
        self.assertEqual(figures["Customers with more than one overdue invoice"], "1")
        self.assertIn(["Cliente Alfa"], rows)
        self.assertEqual(figures["Invoices due"], "$ 100.00")
        self.assertEqual(figures["Promises to pay"], "$ 500.00")
        self.assertEqual(figures["Expected (weighted by payer rating)"], "$ 540.00")
        self.assertEqual(figures["Bank lines in the review tray"], "1")
        self.assertEqual(figures["Payment complements waiting"], "1")
        # DSO (countback) and its 8 weekly points, the last one today
        dso = self.env["collection.summary"]._collection_data(self.company, D(2026, 3, 30))
        self.assertEqual(figures["DSO (countback)"], f"{dso['dso']} days")
        # (dates as the reader's language writes them: the company's, English here)
        lang_env = self.env(context={"lang": self.company.partner_id.lang or "en_US"})
        weeks = [format_date(lang_env, D(2026, 3, 30) - dt.timedelta(weeks=n)) for n in range(7, -1, -1)]
        self.assertEqual(weeks[-1], "03/30/2026")
        self.assertEqual([row[0] for row in rows if row[0] in weeks], weeks)
        # effectiveness per stage: one D+3 message, not paid within 7 days
        self.assertIn(["D+3 Pending", "1", "0", "0 %"], rows)
        # top overdue accounts with their state
        self.assertIn(["Cliente Alfa Good", "$ 1,200.00", "Paused (2)"], rows)
        self.assertIn(["Cliente Beta Good", "$ 600.00", "Paused (1)"], rows)  # promise hold

    def test_configured_day_and_hour(self):
        self.company.write({"collection_summary_weekday": "2", "collection_summary_hour": 17.5})
        self.assertFalse(self._run("2026-04-01 23:29:00"))  # Wed 17:29 local
        self.assertTrue(self._run("2026-04-01 23:30:00"))

    def test_one_per_company(self):
        other = self.env["res.company"].create({"name": "Otra Empresa"})
        with freeze_time("2026-03-30 14:00:00"):
            sent = (self.company | other)._collection_send_weekly_summary(now=dt.datetime(2026, 3, 30, 14, 0))
            self.assertEqual(sent.company_id, self.company | other)
            again = (self.company | other)._collection_send_weekly_summary(now=dt.datetime(2026, 3, 30, 18, 0))
        self.assertFalse(again)

    def test_cron_record(self):
        cron = self.env.ref("account_collections_mx.ir_cron_collection_weekly_summary")
        self.assertEqual(cron.model_id.model, "res.company")
        self.assertIn("_collection_send_weekly_summary", cron.code)


@tagged("post_install", "-at_install")
class TestWeeklySummaryNow(CollectionSummaryCommon):
    """Managers prepare this week's summary from the list without waiting for Monday."""

    @freeze_time("2026-03-31 18:00:00")
    def test_prepare_now(self):
        from odoo.exceptions import AccessError
        from odoo.tests import new_test_user

        self._invoice(self.customer_a, 1000, D(2026, 3, 20))
        self.company.collection_summary_user_ids = self.env.user
        manager = new_test_user(
            self.env,
            "summary_manager",
            company_id=self.company.id,
            groups="account.group_account_invoice,account_collections_mx.group_collection_manager",
        )
        user = new_test_user(
            self.env,
            "summary_user",
            company_id=self.company.id,
            groups="account.group_account_invoice,account_collections_mx.group_collection_user",
        )
        Summary = self.env["collection.summary"]
        with self.assertRaises(AccessError):
            Summary.with_user(user).action_collection_build_now()
        action = Summary.with_user(manager).with_company(self.company).action_collection_build_now()
        record = Summary.browse(action["res_id"])
        self.assertEqual(record.company_id, self.company)
        self.assertEqual(record.week, "2026-W14")
        self.assertEqual(record.total_receivable, 1000.0)
        self.assertFalse(record.mail_id, "preparing the summary by hand emails nobody")
        # again the same week: the same record, refreshed, never a second one
        self._invoice(self.customer_b, 500, D(2026, 3, 25))
        again = Summary.with_user(manager).with_company(self.company).action_collection_build_now()
        self.assertEqual(again["res_id"], record.id)
        self.assertEqual(record.total_receivable, 1500.0)
        self.assertEqual(Summary.search_count([("company_id", "=", self.company.id)]), 1)
