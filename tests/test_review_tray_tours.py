from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .matching_common import MatchingCommon


@tagged("post_install", "-at_install")
class TestReviewTrayTours(MatchingCommon, HttpCase):
    """The review tray in a real browser (headless Chromium), as an Invoicing administrator uses it:
    Invoicing ▸ Collections ▸ Review tray, open a suggestion, approve or reject it, and
    approve several selected rows at once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="tray_accountant",
            name="Contadora Tour",
            groups="account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _partial_payment(self, label, invoice, amount):
        """A bank line paying part of ``invoice``: a suggestion to review (partial)."""
        line = self._line(amount, f"{label} {invoice.name}")
        line._collection_match()
        match = line.collection_match_ids
        self.assertRecordValues(match, [{"state": "to_review", "reason": "partial", "move_ids": invoice.ids}])
        return line, match

    def _tour(self, name):
        self.start_tour("/odoo", name, login=self.accountant.login)

    def test_approve_from_the_tray(self):
        invoice = self._invoice(1000.0)
        line, match = self._partial_payment("ABONO TOUR APROBAR", invoice, 400.0)
        self._tour("acmx_review_tray_approve")
        self.assertRecordValues(match, [{"state": "approved", "done_by_id": self.accountant.id}])
        self.assertTrue(line.is_reconciled)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 600.0)
        self.assertTrue(invoice.message_ids.filtered(lambda m: "review tray by Contadora Tour" in str(m.body)))

    def test_reject_from_the_tray(self):
        invoice = self._invoice(900.0)
        line, match = self._partial_payment("ABONO TOUR RECHAZAR", invoice, 300.0)
        self._tour("acmx_review_tray_reject")
        self.assertRecordValues(
            match, [{"state": "rejected", "done_by_id": self.accountant.id, "note": "No es de este cliente"}]
        )
        self.assertFalse(line.is_reconciled)
        self.assertEqual(invoice.payment_state, "not_paid")
        # matching again never proposes that pair again
        line._collection_match()
        line._collection_match()
        others = line.collection_match_ids - match
        self.assertNotIn(invoice, others.move_ids)
        self.assertNotIn(invoice, others.candidate_ids.move_id)
        self.assertLessEqual(len(others), 1)

    def test_bulk_approve_selected_rows(self):
        invoice_1 = self._invoice(1500.0)
        invoice_2 = self._invoice(2500.0)
        invoice_3 = self._invoice(700.0)
        line_1, match_1 = self._partial_payment("ABONO TOUR LOTE 1", invoice_1, 500.0)
        line_2, match_2 = self._partial_payment("ABONO TOUR LOTE 2", invoice_2, 1000.0)
        line_3, match_3 = self._partial_payment("ABONO TOUR OTRO", invoice_3, 100.0)
        self._tour("acmx_review_tray_bulk_approve")
        self.assertEqual((match_1 | match_2).mapped("state"), ["approved", "approved"])
        self.assertTrue(line_1.is_reconciled and line_2.is_reconciled)
        self.assertEqual((invoice_1 | invoice_2).mapped("payment_state"), ["partial", "partial"])
        # the row not selected is untouched
        self.assertEqual(match_3.state, "to_review")
        self.assertFalse(line_3.is_reconciled)
        self.assertEqual(invoice_3.payment_state, "not_paid")
