import ast

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .matching_common import MatchingCommon


@tagged("post_install", "-at_install")
class TestCollectionMatching(MatchingCommon):
    """Bank-statement matcher, reconciliation and the review tray."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_customer = cls.env["res.partner"].create({"name": "Zeta Industrial"})
        cls.accountant = new_test_user(
            cls.env, login="accountant_match", groups="account.group_account_manager", company_id=cls.company.id
        )
        cls.collector = new_test_user(
            cls.env,
            login="collector_match",
            groups="base.group_user,account_collections_mx.group_collection_user",
            company_id=cls.company.id,
        )

    # ------------------------------------------------------------------ helpers
    def _match(self, line):
        line._collection_match()
        return line.collection_match_ids

    def _open_match(self, line):
        return line.collection_match_ids.filtered(lambda m: m.state == "to_review")

    # ------------------------------------------------------------------ automatic
    def test_exact_reference_reconciles_automatically(self):
        invoice = self._invoice(1160.0)
        other = self._invoice(1160.0)
        line = self._line(1160.0, f"SPEI RECIBIDO PAGO {invoice.name}")
        match = self._match(line)
        self.assertRecordValues(
            match,
            [
                {
                    "state": "auto",
                    "reason": "exact",
                    "partner_id": self.customer.id,
                    "move_ids": invoice.ids,
                    "difference": 0.0,
                }
            ],
        )
        self.assertGreaterEqual(match.score, 70)
        self.assertTrue(line.is_reconciled)
        self.assertEqual(invoice.payment_state in ("paid", "in_payment"), True)
        self.assertEqual(invoice.collection_state, "done")
        self.assertEqual(other.payment_state, "not_paid")
        self.assertTrue(invoice.message_ids.filtered(lambda m: "automatically" in (m.body or "")))

    def test_two_lines_same_invoice_never_automatic(self):
        invoice = self._invoice(640.0)
        line1 = self._line(640.0, f"PAGO {invoice.name}")
        line2 = self._line(640.0, f"PAGO {invoice.name}")
        (line1 | line2)._collection_match()
        matches = (line1 | line2).collection_match_ids
        self.assertEqual(matches.mapped("state"), ["to_review", "to_review"])
        self.assertFalse(any(matches.mapped("sure")))
        self.assertIn("duplicate", matches[0].note)
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_reference_in_each_field_and_format(self):
        cases = [
            ("payment_ref", lambda n: n.lower().replace("/", " ")),
            ("payment_ref", lambda n: n.replace("/", "-").replace("000", "")),
            ("payment_ref", lambda n: "PAGO " + n.replace("/", "")),
            ("ref", lambda n: n),
            ("narration", lambda n: f"<p>Pago de la factura {n}</p>"),
        ]
        for field, fmt in cases:
            with self.subTest(field=field):
                invoice = self._invoice(500.0)
                values = {"payment_ref": "TRANSFERENCIA"}
                values[field] = fmt(invoice.name)
                line = self.env["account.bank.statement.line"].create(
                    {"journal_id": self.bank_journal.id, "date": "2025-01-20", "amount": 500.0, **values}
                )
                match = self._match(line)
                self.assertEqual(match.state, "auto", values)
                self.assertEqual(match.move_ids, invoice)
                self.assertTrue(line.is_reconciled)

    def test_payment_reference_field_is_found(self):
        invoice = self._invoice(300.0)
        invoice.payment_reference = "REF-778899"
        line = self._line(300.0, "PAGO REF 778899 GRACIAS")
        match = self._match(line)
        self.assertEqual((match.state, match.move_ids), ("auto", invoice))

    def test_several_invoices_one_transfer(self):
        inv1 = self._invoice(100.0)
        inv2 = self._invoice(250.0)
        line = self._line(350.0, f"PAGO {inv1.name} {inv2.name}")
        match = self._match(line)
        self.assertRecordValues(match, [{"state": "auto", "reason": "multi_invoice"}])
        self.assertEqual(match.move_ids, inv1 | inv2)
        self.assertTrue(all(m.payment_state in ("paid", "in_payment") for m in inv1 | inv2))

    def test_difference_within_tolerance_goes_to_writeoff(self):
        invoice = self._invoice(1000.0)
        line = self._line(999.5, f"PAGO {invoice.name}")
        match = self._match(line)
        self.assertEqual(match.state, "auto")
        self.assertEqual(match.difference, -0.5)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        writeoff = line.move_id.line_ids.filtered(lambda aml: aml.account_id == self.writeoff_account)
        self.assertEqual(writeoff.balance, 0.5)

    def test_auto_reconcile_setting_off(self):
        self.company.collection_auto_reconcile = False
        invoice = self._invoice(100.0)
        line = self._line(100.0, f"PAGO {invoice.name}")
        match = self._match(line)
        self.assertRecordValues(match, [{"state": "to_review", "reason": "exact", "sure": True}])
        self.assertFalse(line.is_reconciled)

    def test_partner_and_amount_setting(self):
        invoice = self._invoice(420.0)
        line = self._line(420.0, "TRANSFERENCIA", partner=self.customer)
        match = self._match(line)
        self.assertRecordValues(match, [{"state": "to_review", "reason": "exact"}])
        self.assertEqual(match.move_ids, invoice)
        self.company.collection_auto_match_partner_amount = True
        line2 = self._line(420.0, "TRANSFERENCIA", partner=self.customer)
        match.action_reject()  # the first line is out of the way
        invoice2 = self._invoice(77.0)
        line3 = self._line(77.0, "OTRA TRANSFERENCIA", partner=self.customer)
        self.assertEqual(self._match(line3).state, "auto")
        self.assertEqual(line3.collection_match_ids.move_ids, invoice2)
        self.assertTrue(line2)

    # ------------------------------------------------------------------ review
    def test_partial_payment_then_approve(self):
        invoice = self._invoice(1000.0)
        line = self._line(400.0, f"ABONO {invoice.name}")
        match = self._match(line)
        self.assertRecordValues(match, [{"state": "to_review", "reason": "partial", "difference": -600.0}])
        match.with_user(self.accountant).action_approve()
        self.assertEqual(match.state, "approved")
        self.assertEqual(match.done_by_id, self.accountant)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(invoice.amount_residual, 600.0)
        self.assertTrue(line.is_reconciled)
        note = invoice.message_ids.filtered(lambda m: "review tray" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn(self.accountant.name, note.body)

    def test_overpayment_stays_as_customer_credit(self):
        invoice = self._invoice(1000.0)
        line = self._line(1200.0, f"PAGO {invoice.name}")
        match = self._match(line)
        self.assertRecordValues(match, [{"state": "to_review", "reason": "overpaid", "difference": 200.0}])
        match.action_approve()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        credit = line.move_id.line_ids.filtered(
            lambda aml: aml.account_type == "asset_receivable" and not aml.reconciled
        )
        self.assertEqual(credit.partner_id, self.customer)
        self.assertEqual(credit.amount_residual, -200.0)

    def test_tie_is_never_automatic(self):
        self.company.collection_auto_match_partner_amount = True
        inv1 = self._invoice(500.0)
        inv2 = self._invoice(500.0)
        line = self._line(500.0, "PAGO", partner=self.customer)
        match = self._match(line)
        self.assertRecordValues(match, [{"state": "to_review", "reason": "ambiguous"}])
        self.assertFalse(line.is_reconciled)
        self.assertEqual(set(match.candidate_ids.move_id.ids), {inv1.id, inv2.id})
        self.assertEqual(match.candidate_ids[0].score, match.candidate_ids[1].score)

    def test_unknown_payer_found_by_clabe(self):
        clabe = "032180000118359719"
        self.env["res.partner.bank"].create({"acc_number": clabe, "partner_id": self.customer.id})
        invoice = self._invoice(730.0)
        self._invoice(730.0, partner=self.other_customer)
        line = self._line(730.0, f"SPEI RECIBIDO ORDENANTE {clabe}")
        match = self._match(line)
        self.assertEqual(match.partner_id, self.customer)
        self.assertRecordValues(match, [{"state": "to_review", "reason": "exact"}])
        self.assertEqual(match.move_ids, invoice)
        # also from the account number given by the bank import
        line2 = self._line(730.0, "SPEI RECIBIDO", account_number=clabe)
        self.assertEqual(self._match(line2).partner_id, self.customer)

    def test_unknown_payer_found_by_rfc(self):
        invoice = self._invoice(810.0)
        self._invoice(810.0, partner=self.other_customer)
        line = self._line(810.0, "DEPOSITO RFC CPE900101AB1")
        match = self._match(line)
        self.assertEqual(match.partner_id, self.customer)
        self.assertEqual(match.move_ids, invoice)

    def test_unknown_payer_found_by_name(self):
        invoice = self._invoice(640.0)
        self._invoice(640.0, partner=self.other_customer)
        line = self._line(640.0, "TRANSFERENCIA", partner_name="COMERCIALIZADORA PEREZ SA DE CV")
        match = self._match(line)
        self.assertEqual(match.partner_id, self.customer)
        self.assertEqual(match.move_ids, invoice)

    def test_no_partner_and_no_candidate(self):
        self._invoice(100.0)
        line = self._line(55.0, "DEPOSITO EN EFECTIVO")
        self.assertRecordValues(self._match(line), [{"state": "to_review", "reason": "no_partner"}])
        line2 = self._line(55.0, "DEPOSITO", partner=self.other_customer)
        self.assertRecordValues(self._match(line2), [{"state": "to_review", "reason": "no_candidate"}])

    # ------------------------------------------------------------------ bad input
    def test_invoice_paid_meanwhile(self):
        invoice = self._invoice(1000.0)
        line = self._line(400.0, f"ABONO {invoice.name}")
        match = self._match(line)
        self.assertEqual(match.state, "to_review")
        # paid by another bank line meanwhile
        other = self._line(1000.0, f"PAGO {invoice.name}")
        self._match(other)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        with self.assertRaisesRegex(UserError, "paid meanwhile"):
            match.action_approve()
        self.assertFalse(line.is_reconciled)
        self.assertEqual(match.state, "to_review")
        self.assertEqual(len(line.move_id.line_ids), 2)

    def test_line_already_reconciled(self):
        invoice = self._invoice(100.0)
        line = self._line(100.0, "PAGO", partner=self.customer)
        match = self._match(line)
        line._collection_reconcile(invoice)
        self.assertTrue(line.is_reconciled)
        with self.assertRaisesRegex(UserError, "already"):
            match.action_approve()

    def test_currency_mismatch_refused(self):
        usd = self.setup_other_currency("USD")
        invoice = self._invoice(100.0, currency=usd)
        line = self._line(100.0, f"PAGO {invoice.name}")
        match = self._match(line)
        self.assertNotIn(invoice, match.move_ids)  # never proposed in another currency
        match.move_ids = invoice
        with self.assertRaisesRegex(UserError, "USD"):
            match.action_approve()
        self.assertFalse(line.is_reconciled)

    def test_zero_amount_and_other_company_refused(self):
        invoice = self._invoice(100.0)
        line = self._line(0.0, "NADA")
        with self.assertRaisesRegex(UserError, "no amount"):
            line._collection_reconcile(invoice)
        company_2 = self.setup_other_company(name="Otra Empresa")["company"]
        foreign = (
            self.env["account.move"]
            .with_company(company_2)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": "2025-01-10",
                    "company_id": company_2.id,
                    "invoice_line_ids": [Command.create({"name": "x", "price_unit": 100.0, "tax_ids": []})],
                }
            )
        )
        foreign.action_post()
        line2 = self._line(100.0, "PAGO")
        with self.assertRaisesRegex(UserError, "belongs to"):
            line2._collection_reconcile(foreign)
        self.assertFalse(line2.is_reconciled)

    def test_reject_is_remembered_and_rerun_never_duplicates(self):
        inv1 = self._invoice(900.0)
        line = self._line(300.0, f"ABONO {inv1.name}")
        match = self._match(line)
        self.assertEqual(match.move_ids, inv1)
        # running again updates the same suggestion
        line._collection_match()
        line._collection_match()
        self.assertEqual(len(line.collection_match_ids), 1)
        match.with_user(self.accountant).action_reject()
        self.assertEqual(match.state, "rejected")
        self.assertFalse(line.is_reconciled)
        line._collection_match()
        line._collection_match()
        for suggestion in line.collection_match_ids:
            if suggestion != match:
                self.assertNotIn(inv1, suggestion.move_ids)
                self.assertNotIn(inv1, suggestion.candidate_ids.move_id)
        self.assertLessEqual(len(self._open_match(line)), 1)
        # the cron does not bring it back either
        self.env["account.bank.statement.line"]._cron_collection_match()
        self.assertLessEqual(len(self._open_match(line)), 1)
        self.assertNotIn(inv1, line.collection_match_ids.filtered(lambda m: m.state == "to_review").move_ids)

    def test_reject_ambiguous_remembers_candidates(self):
        inv1 = self._invoice(500.0)
        inv2 = self._invoice(500.0)
        line = self._line(500.0, "PAGO", partner=self.customer)
        match = self._match(line)
        self.assertEqual(match.reason, "ambiguous")
        match.action_reject()
        inv3 = self._invoice(500.0)  # a new candidate appears
        line._collection_match()
        new = self._open_match(line)
        self.assertEqual(len(new), 1)
        self.assertEqual(new.move_ids, inv3)
        self.assertFalse((inv1 | inv2) & new.candidate_ids.move_id)

    def test_bulk_approve_reports_failures(self):
        inv1 = self._invoice(1000.0)
        inv2 = self._invoice(2000.0)
        line1 = self._line(400.0, f"ABONO {inv1.name}")
        line2 = self._line(500.0, f"ABONO {inv2.name}")
        matches = self._match(line1) | self._match(line2)
        self._line(2000.0, f"PAGO {inv2.name}")._collection_match()  # inv2 paid meanwhile
        result = matches.action_approve()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertEqual(line1.collection_match_ids.state, "approved")
        self.assertEqual(line2.collection_match_ids.state, "to_review")
        self.assertIn("paid meanwhile", line2.collection_match_ids.note)
        self.assertTrue(line1.is_reconciled)
        self.assertFalse(line2.is_reconciled)

    # ------------------------------------------------------------------ cron, rights
    def test_new_lines_trigger_the_cron(self):
        cron = self.env.ref("account_collections_mx.ir_cron_collection_match")
        before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        invoice = self._invoice(150.0)
        line = self._line(150.0, f"PAGO {invoice.name}")
        after = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self.assertGreater(after, before)
        self.env["account.bank.statement.line"]._cron_collection_match()
        self.assertEqual(line.collection_match_ids.state, "auto")
        # a second run finds nothing new
        self.env["account.bank.statement.line"]._cron_collection_match()
        self.assertEqual(len(line.collection_match_ids), 1)

    def test_permissions(self):
        invoice = self._invoice(1000.0)
        line = self._line(400.0, f"ABONO {invoice.name}")
        match = self._match(line)
        as_collector = match.with_user(self.collector)
        self.assertEqual(as_collector.read(["reason"])[0]["reason"], "partial")
        self.assertTrue(as_collector.candidate_ids.read(["score"]))
        with self.assertRaises(AccessError):
            as_collector.action_approve()
        with self.assertRaises(AccessError):
            as_collector.action_reject()
        with self.assertRaises(AccessError):
            as_collector.write({"note": "hack"})
        self.assertEqual(match.state, "to_review")
        match.with_user(self.accountant).action_approve()
        self.assertEqual(match.state, "approved")
        # both see the review tray menu
        menu = self.env.ref("account_collections_mx.collection_match_menu")
        for user in (self.collector, self.accountant):
            self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(user)._visible_menu_ids())

    def test_review_tray_screens(self):
        """Default filter and grouping, decisions only for accountants, read-only tray for
        Collections Users, the bank line and the ranked candidates on the form."""
        action = self.env.ref("account_collections_mx.collection_match_action")
        context = ast.literal_eval(action.context)
        self.assertEqual(context, {"search_default_to_review": 1, "search_default_group_reason": 1})
        Match = self.env["collection.match"]
        for user, can_decide in ((self.collector, False), (self.accountant, True)):
            views = Match.with_user(user).get_views([(False, "list"), (False, "form")])
            for view_type in ("list", "form"):
                arch = views["views"][view_type]["arch"]
                for button in ("action_approve", "action_reject"):
                    self.assertEqual(
                        f'name="{button}"' in arch, can_decide, f"{button} on the {view_type} of {user.login}"
                    )
            form = views["views"]["form"]["arch"]
            for fname in ("statement_line_id", "amount", "bank_partner_name", "candidate_ids", "score", "reason"):
                self.assertIn(f'name="{fname}"', form)
        self.assertFalse(Match.with_user(self.collector).has_access("write"))
        self.assertFalse(Match.with_user(self.collector).has_access("create"))
        self.assertFalse(Match.with_user(self.collector).has_access("unlink"))
        self.assertTrue(Match.with_user(self.accountant).has_access("write"))
        # the bank line as the accountant sees it
        invoice = self._invoice(1000.0)
        line = self._line(
            400.0, f"ABONO {invoice.name}", partner_name="PEREZ COMERCIAL", account_number="012180001234567897"
        )
        match = self._match(line)
        self.assertRecordValues(
            match,
            [
                {
                    "bank_partner_name": "PEREZ COMERCIAL",
                    "bank_account_number": "012180001234567897",
                    "payment_ref": f"ABONO {invoice.name}",
                }
            ],
        )
        self.assertEqual(match.candidate_ids[:1].move_id, invoice)
        self.assertIn("reference", match.candidate_ids[:1].why)

    def test_multi_company_rule(self):
        invoice = self._invoice(100.0)
        match = self._match(self._line(40.0, f"ABONO {invoice.name}"))
        company_2 = self.setup_other_company(name="Empresa Dos")["company"]
        user_2 = new_test_user(
            self.env,
            login="acc_c2",
            groups="account.group_account_manager",
            company_id=company_2.id,
            company_ids=[Command.set(company_2.ids)],
        )
        self.assertFalse(self.env["collection.match"].with_user(user_2).search([("id", "=", match.id)]))

    def test_dashboard_counter(self):
        invoice = self._invoice(1000.0)
        self._match(self._line(400.0, f"ABONO {invoice.name}"))
        data = self.bank_journal._get_journal_dashboard_data_batched()
        self.assertEqual(data[self.bank_journal.id]["collection_to_review"], 1)
        action = self.bank_journal.action_open_collection_review()
        self.assertEqual(action["res_model"], "collection.match")
