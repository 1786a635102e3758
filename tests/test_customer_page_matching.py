"""The SPEI reference of the customer's page identifies the payer of a bank line."""

from odoo.tests import tagged

from .matching_common import MatchingCommon


@tagged("post_install", "-at_install")
class TestSpeiReferenceMatching(MatchingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reference = cls.customer._collection_spei_reference(cls.company)
        cls.stranger = cls.env["res.partner"].create({"name": "Otro Cliente SA"})
        cls.other_company = cls.setup_other_company(name="Otra Empresa Matcher")["company"]

    def _match(self, line):
        line._collection_match()
        return line.collection_match_ids

    def test_reference_and_exact_amount_reconcile(self):
        """An unknown payer (no partner, no account, no RFC, no invoice number) quoting the
        customer's SPEI reference and the exact amount of one of its invoices."""
        invoice = self._invoice(2500.0)
        other = self._invoice(1000.0)
        decoy = self._invoice(2500.0, partner=self.stranger)
        line = self._line(2500.0, "SPEI RECIBIDO BANORTE", ref=self.reference)
        match = self._match(line)
        self.assertRecordValues(
            match, [{"state": "auto", "reason": "exact", "partner_id": self.customer.id, "move_ids": invoice.ids}]
        )
        self.assertIn(self.reference, match.note)
        self.assertTrue(line.is_reconciled)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(other.payment_state, "not_paid")
        self.assertEqual(decoy.payment_state, "not_paid")

    def test_reference_in_the_concept_and_two_invoices(self):
        """The amount of two of the customer's three invoices: both proposed in the tray."""
        first = self._invoice(1000.0)
        second = self._invoice(2500.0)
        self._invoice(700.0)
        line = self._line(3500.0, f"PAGO FACTURAS REF {self.reference}")
        match = self._match(line)
        self.assertRecordValues(
            match, [{"state": "to_review", "reason": "multi_invoice", "partner_id": self.customer.id}]
        )
        self.assertEqual(match.move_ids, first | second)
        self.assertFalse(line.is_reconciled)

    def test_wrong_check_digit_or_other_company_identifies_nobody(self):
        self._invoice(2500.0)
        typo = self.reference[:-1] + str((int(self.reference[-1]) + 1) % 10)
        line = self._line(2500.0, "SPEI RECIBIDO", ref=typo)
        match = self._match(line)
        self.assertEqual(match.reason, "no_partner")
        self.assertFalse(line.is_reconciled)
        # the reference the same customer has in another company means nothing here
        elsewhere = self.stranger._collection_spei_reference(self.other_company)
        self._invoice(1300.0, partner=self.stranger)
        line = self._line(1300.0, f"SPEI {elsewhere}")
        match = self._match(line)
        self.assertNotEqual(match.state, "auto")
        self.assertFalse(match.partner_id)

    def test_the_line_partner_wins(self):
        """A line whose partner is set keeps it: the reference only names an unknown payer."""
        self._invoice(2500.0)
        theirs = self._invoice(2500.0, partner=self.stranger)
        line = self._line(2500.0, f"REF {self.reference}", partner=self.stranger)
        match = self._match(line)
        self.assertEqual(match.partner_id, self.stranger)
        self.assertEqual(match.move_ids, theirs)
        self.assertNotEqual(match.state, "auto")

    def test_an_invoice_number_of_another_customer_wins(self):
        """A 7-digit invoice number that happens to be this customer's reference: the line
        quotes another customer's invoice, which keeps deciding the payer."""
        theirs = self._invoice(900.0, partner=self.stranger)
        theirs.payment_reference = f"FAC {self.reference}"
        self._invoice(900.0)
        line = self._line(900.0, f"PAGO FAC {self.reference}")
        match = self._match(line)
        self.assertEqual(match.move_ids, theirs)
        self.assertNotIn(self.reference, match.note or "")
