from unittest.mock import patch

from odoo import fields
from odoo.tests import Form, new_test_user, tagged

from .cfdi_common import CfdiCommon

D = fields.Date.to_date
REP1 = "CCCCCCCC-0000-4000-8000-000000000101"
REP2 = "CCCCCCCC-0000-4000-8000-000000000102"


@tagged("post_install", "-at_install")
class TestCfdiPaymentMethodSticks(CfdiCommon):
    """A user's PUE/PPD and payment form survive posting and later edits; only an unset
    value is proposed from the payment terms."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.terms_30 = cls.env.ref("account.account_payment_term_30days")

    def _draft(self, **values):
        """A draft invoice with 30-day terms (ending next month); ``values`` are then entered
        in the invoice form (CFDI tab) as a user does."""
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-01-20",
                "invoice_payment_term_id": self.terms_30.id,
                "invoice_line_ids": [
                    (0, 0, {"name": "Servicio", "quantity": 1, "price_unit": 1000.0, "tax_ids": [(6, 0, [])]})
                ],
            }
        )
        if values:
            with Form(move) as form:
                for name, value in values.items():
                    setattr(form, name, value)
        return move

    def test_proposal_follows_the_terms(self):
        move = self._draft()
        self.assertEqual(move.invoice_date_due, D("2026-02-19"))
        self.assertEqual((move.cfdi_payment_method, move.cfdi_payment_form), ("PPD", "99"))
        move.invoice_payment_term_id = self.env.ref("account.account_payment_term_immediate")
        self.assertEqual(move.cfdi_payment_method, "PUE")
        self.assertFalse(move.cfdi_payment_form)
        move.action_post()
        self.assertEqual(move.cfdi_payment_method, "PUE")

    def test_explicit_pue_survives_posting_and_edits(self):
        move = self._draft(cfdi_payment_method="PUE", cfdi_payment_form="03")
        self.assertEqual((move.cfdi_payment_method, move.cfdi_payment_form), ("PUE", "03"))
        move.action_post()
        self.assertEqual(move.state, "posted")
        self.assertEqual((move.cfdi_payment_method, move.cfdi_payment_form), ("PUE", "03"))
        # later edits: back to draft, another date and terms, posted again
        move.button_draft()
        move.write(
            {
                "invoice_date": "2026-01-25",
                "invoice_payment_term_id": self.env.ref("account.account_payment_term_45days").id,
            }
        )
        self.assertEqual(move.invoice_date_due, D("2026-03-11"))
        move.action_post()
        self.assertEqual((move.cfdi_payment_method, move.cfdi_payment_form), ("PUE", "03"))

    def test_explicit_value_written_on_a_draft(self):
        move = self.make_invoice(1000.0, invoice_date="2026-01-10", due="2026-02-20", post=False)
        self.assertEqual(move.cfdi_payment_method, "PPD")
        move.write({"cfdi_payment_method": "PUE", "cfdi_payment_form": "03"})
        move.action_post()
        self.assertEqual((move.cfdi_payment_method, move.cfdi_payment_form), ("PUE", "03"))
        # an explicit PPD on an invoice due this month sticks too
        other = self.make_invoice(500.0, invoice_date="2026-01-10", due="2026-01-15", post=False)
        other.cfdi_payment_method = "PPD"
        other.invoice_date_due = D("2026-01-12")
        other.action_post()
        self.assertEqual((other.cfdi_payment_method, other.cfdi_payment_form), ("PPD", "99"))

    def test_unset_value_is_proposed(self):
        move = self.make_invoice(1000.0, invoice_date="2026-01-10", due="2026-01-20", post=False)
        move.write({"cfdi_payment_method": False})
        move.invoice_date_due = D("2026-02-20")
        move.action_post()
        self.assertEqual((move.cfdi_payment_method, move.cfdi_payment_form), ("PPD", "99"))


@tagged("post_install", "-at_install")
class TestCfdiComplementDue(CfdiCommon):
    """A PPD invoice owes a payment complement (REP) as soon as it receives a payment:
    Register Payment (with and without an outstanding-receipts account), a bank line,
    a partial payment; one per payment, due the 5th of the next month."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.method_line = cls.bank_journal.inbound_payment_method_line_ids[:1]

    def _ppd(self, amount=1000.0):
        invoice = self.make_invoice(amount, invoice_date="2026-01-10", due="2026-03-10")
        self.assertEqual(invoice.cfdi_payment_method, "PPD")
        self.assertFalse(invoice.cfdi_complement_required)
        return invoice

    def _register_payment(self, invoice, amount, date):
        """Odoo's Register Payment button on the invoice, then Create Payment."""
        action = invoice.action_register_payment()
        form = Form(self.env[action["res_model"]].with_context(action["context"]))
        form.journal_id = self.bank_journal
        form.payment_method_line_id = self.method_line
        form.amount = amount
        form.payment_date = D(date)
        wizard = form.save()
        wizard.action_create_payments()
        return wizard

    def _register(self, invoice, uuids):
        action = invoice.action_cfdi_register_complement()
        wizard = self.env[action["res_model"]].with_context(action["context"]).create({"uuids": uuids})
        wizard.action_register()

    def _assert_due(self, invoice, due, count=1):
        self.assertTrue(invoice.cfdi_complement_required)
        self.assertEqual(invoice.cfdi_complement_due_date, D(due))
        self.assertEqual(invoice.cfdi_complement_payment_count, count)

    def test_register_payment_with_outstanding_account(self):
        self.assertTrue(self.method_line.payment_account_id)
        invoice = self._ppd()
        self._register_payment(invoice, 1000.0, "2026-01-31")
        self.assertEqual(invoice.payment_state, "paid")
        self._assert_due(invoice, "2026-02-05")
        self._register(invoice, REP1)
        self.assertFalse(invoice.cfdi_complement_required)
        self.assertFalse(invoice.cfdi_complement_due_date)

    def test_register_payment_without_outstanding_account(self):
        self.method_line.payment_account_id = False
        invoice = self._ppd()
        self._register_payment(invoice, 1000.0, "2026-02-14")
        # Community gives the payment the chart's outstanding receipts account
        self.assertTrue(invoice.matched_payment_ids.move_id)
        self.assertEqual(invoice.payment_state, "paid")
        self._assert_due(invoice, "2026-03-05")
        self._register(invoice, REP1)
        self.assertFalse(invoice.cfdi_complement_required)

    def test_register_payment_in_payment_state(self):
        # With Enterprise accounting (account_accountant overrides this hook) a paid invoice
        # is "In payment" until its bank line is reconciled, and a payment method line
        # without an outstanding-receipts account makes a payment without journal entry:
        # the complement is due all the same
        with patch.object(type(self.env["account.move"]), "_get_invoice_in_payment_state", lambda self: "in_payment"):
            for account in (self.method_line.payment_account_id, False):
                self.method_line.payment_account_id = account
                invoice = self._ppd()
                self._register_payment(invoice, 1000.0, "2026-12-15")
                self.assertEqual(invoice.payment_state, "in_payment")
                self.assertEqual(bool(invoice.matched_payment_ids.move_id), bool(account))
                self._assert_due(invoice, "2027-01-05")

    def test_partial_payments_one_complement_each(self):
        invoice = self._ppd()
        self._register_payment(invoice, 400.0, "2026-01-20")
        self.assertEqual(invoice.payment_state, "partial")
        self._assert_due(invoice, "2026-02-05")
        self._register_payment(invoice, 100.0, "2026-02-03")
        self._assert_due(invoice, "2026-02-05", count=2)
        self._register(invoice, REP1)
        self._assert_due(invoice, "2026-03-05")
        self._register(invoice, REP2)
        self.assertFalse(invoice.cfdi_complement_required)
        self.assertEqual(invoice.cfdi_complement_payment_count, 0)

    def test_partial_payment_without_outstanding_account(self):
        self.method_line.payment_account_id = False
        invoice = self._ppd()
        self._register_payment(invoice, 400.0, "2026-01-20")
        self._assert_due(invoice, "2026-02-05")

    def test_bank_line_reconciled_from_the_review_tray(self):
        admin = new_test_user(
            self.env, login="admin_rep", groups="account.group_account_manager", company_id=self.company.id
        )
        invoice = self._ppd()
        line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.bank_journal.id,
                "date": "2026-03-02",
                "amount": 300.0,
                "payment_ref": f"ABONO {invoice.name}",
                "partner_id": self.customer.id,
            }
        )
        line._collection_match()
        match = line.collection_match_ids
        self.assertEqual(match.state, "to_review")
        match.with_user(admin).action_approve()
        self.assertTrue(line.is_reconciled)
        self.assertEqual(invoice.payment_state, "partial")
        self._assert_due(invoice, "2026-04-05")

    def test_bank_line_reconciled_by_hand(self):
        invoice = self._ppd()
        line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.bank_journal.id,
                "date": "2026-01-30",
                "amount": 1000.0,
                "payment_ref": "DEPOSITO",
                "partner_id": self.customer.id,
            }
        )
        line._collection_reconcile(invoice)
        self.assertEqual(invoice.payment_state, "paid")
        self._assert_due(invoice, "2026-02-05")

    def test_pue_invoice_owes_nothing(self):
        invoice = self.make_invoice(1000.0, invoice_date="2026-01-10", due="2026-01-20")
        self._register_payment(invoice, 1000.0, "2026-01-15")
        self.assertFalse(invoice.cfdi_complement_required)

    def test_two_invoices_one_payment(self):
        first, second = self._ppd(), self._ppd(500.0)
        action = (first | second).action_register_payment()
        wizard = (
            self.env[action["res_model"]]
            .with_context(action["context"])
            .create(
                {
                    "payment_date": "2026-01-28",
                    "group_payment": True,
                    "journal_id": self.bank_journal.id,
                    "payment_method_line_id": self.method_line.id,
                }
            )
        )
        wizard.action_create_payments()
        for invoice in (first, second):
            self._assert_due(invoice, "2026-02-05")
        self._register(first | second, REP1)
        self.assertFalse((first | second).filtered("cfdi_complement_required"))
