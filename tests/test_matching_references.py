from odoo.tests import tagged

from .matching_common import MatchingCommon


@tagged("post_install", "-at_install")
class TestMatchingReferences(MatchingCommon):
    """What a bank line's texts prove, through the matcher's scheduled action: a bare CFDI
    folio, two invoices named in one transfer (SPEI concept of 40 characters included), and
    the payer found by the CLABE field of l10n_mx."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.other_customer = Partner.create({"name": "Distribuidora Norteña S.A. de C.V.", "vat": "DNO850505AB2"})
        cls.third_customer = Partner.create({"name": "Abarrotes Jalisco S.C.", "vat": "AJA770707CD3"})

    # ------------------------------------------------------------------ helpers
    def _run_matcher(self):
        """As the scheduled action does: every new incoming line, in batches."""
        self.env["account.bank.statement.line"]._cron_collection_match()

    def _paid(self, move):
        return move.payment_state in ("paid", "in_payment")

    # ------------------------------------------------------------------ bare folio
    def test_cfdi_folio_without_serie_is_no_reference_of_another_customer(self):
        # the other customer's invoice carries CFDI folio 123 without serie
        theirs = self._invoice(500.0, partner=self.other_customer)
        theirs.write({"cfdi_folio": "123", "cfdi_serie": False})
        mine = self._invoice(800.0)
        # our customer pays 500 quoting a number of its own (INV/2025/00123 is not open)
        by_partner = self._line(500.0, "SPEI PAGO INV/2025/00123", partner=self.customer)
        unknown = self._line(500.0, "SPEI PAGO INV/2025/00123")
        by_rfc = self._line(500.0, "PAGO INV/2025/00123", narration="RFC CPE900101AB1")
        self._run_matcher()
        for line in (by_partner, unknown, by_rfc):
            match = line.collection_match_ids
            self.assertEqual(len(match), 1)
            self.assertEqual(match.state, "to_review", line.payment_ref)
            self.assertFalse(match.sure)
            self.assertFalse(line.is_reconciled)
        # the payer known: never the other customer's invoice
        for line in (by_partner, by_rfc):
            match = line.collection_match_ids
            self.assertEqual(match.partner_id, self.customer)
            self.assertNotIn(theirs, match.move_ids, line.payment_ref)
            # listed at most as an invoice of the same amount, never as referenced
            for candidate in match.candidate_ids.filtered(lambda c: c.move_id == theirs):
                self.assertNotIn("reference", candidate.why)
        # the payer unknown: the folio does not make it the other customer; like any
        # payment of an unknown payer it waits (the only invoice of that amount is shown)
        self.assertRecordValues(unknown.collection_match_ids, [{"reason": "no_partner", "partner_id": False}])
        self.assertNotIn("reference", " ".join(unknown.collection_match_ids.candidate_ids.mapped("why")))
        self.assertEqual(theirs.payment_state, "not_paid")
        self.assertEqual(mine.payment_state, "not_paid")

    def test_cfdi_folio_without_serie_counts_for_its_own_customer(self):
        theirs = self._invoice(500.0, partner=self.other_customer)
        theirs.write({"cfdi_folio": "123", "cfdi_serie": False})
        self._invoice(900.0, partner=self.other_customer)
        self._invoice(500.0)  # same amount, another customer
        line = self._line(500.0, "PAGO FOLIO 123", partner=self.other_customer)
        self._run_matcher()
        self.assertRecordValues(
            line.collection_match_ids,
            [{"state": "auto", "reason": "exact", "move_ids": theirs.ids, "partner_id": self.other_customer.id}],
        )
        self.assertTrue(self._paid(theirs))
        # with its serie, the CFDI serie+folio names the invoice for anyone
        serie = self._invoice(640.0, partner=self.third_customer)
        serie.write({"cfdi_serie": "FA", "cfdi_folio": "777"})
        line2 = self._line(640.0, "TRANSFERENCIA FA-777")
        self._run_matcher()
        self.assertRecordValues(
            line2.collection_match_ids, [{"state": "auto", "move_ids": serie.ids, "partner_id": self.third_customer.id}]
        )

    # ------------------------------------------------------------------ several invoices
    def test_transfer_naming_two_invoices_in_a_realistic_set(self):
        """Three customers with several open invoices each, the same amounts repeated
        across customers and within one; each transfer names two invoices of its payer
        (payer given by the bank, by its CLABE, by its RFC or not at all)."""
        amounts = [1160.0, 2320.0, 580.0, 1160.0, 1160.0]
        customers = self.customer | self.other_customer | self.third_customer
        invoices = {c: [self._invoice(a, partner=c) for a in amounts] for c in customers}
        clabe = "032180000118359719"
        self.env["res.partner.bank"].create(
            {"acc_number": "0118359719", "l10n_mx_edi_clabe": clabe, "partner_id": self.third_customer.id}
        )
        transfers = []
        for n, (customer, docs) in enumerate(invoices.items()):
            payer = [{"partner_id": customer.id}, {"narration": f"RFC {customer.vat}"}, {"account_number": clabe}][n]
            first, second = docs[0], docs[1]
            transfers.append(
                (
                    self._line(
                        first.amount_residual + second.amount_residual,
                        f"PAGO FACTS {first.name} {second.name}",
                        **payer,
                    ),
                    first | second,
                )
            )
            # the payer not given: the two numbers written in full say who it is
            first, second = docs[2], docs[3]
            transfers.append(
                (
                    self._line(first.amount_residual + second.amount_residual, f"PAGO {first.name} Y {second.name}"),
                    first | second,
                )
            )
        self._run_matcher()
        for line, paid in transfers:
            match = line.collection_match_ids
            self.assertRecordValues(
                match, [{"reason": "multi_invoice", "state": "auto", "sure": True, "partner_id": paid.partner_id.id}]
            )
            self.assertEqual(match.move_ids, paid, line.payment_ref)
            self.assertTrue(line.is_reconciled)
            self.assertTrue(all(self._paid(move) for move in paid))
        others = [m for docs in invoices.values() for m in docs if not any(m in paid for _line, paid in transfers)]
        self.assertTrue(others)
        self.assertTrue(all(m.payment_state == "not_paid" for m in others))

    def test_forty_character_concept_with_two_whole_numbers(self):
        first = self._invoice(1160.0)
        second = self._invoice(580.0)
        self._invoice(1160.0, partner=self.other_customer)
        label = f"PAGO FACTS {first.name} {second.name}"
        self.assertEqual(len(label), 40)  # the SPEI concept's length: maybe cut, here not
        line = self._line(1740.0, label)
        self._run_matcher()
        self.assertRecordValues(
            line.collection_match_ids, [{"state": "auto", "reason": "multi_invoice", "partner_id": self.customer.id}]
        )
        self.assertEqual(line.collection_match_ids.move_ids, first | second)
        self.assertTrue(self._paid(first) and self._paid(second))

    def test_cut_concept_with_several_completions_is_reviewed_as_several_invoices(self):
        first = self._invoice(1000.0)
        second = self._invoice(250.0)
        third = self._invoice(250.0)
        # the concept was cut in the middle of the second number
        label = f"SPEI PAGO FACTURAS {first.name} {second.name}"[:40]
        self.assertNotIn(second.name, label)
        line = self._line(1250.0, label, partner=self.customer)
        self._run_matcher()
        match = line.collection_match_ids
        self.assertRecordValues(match, [{"state": "to_review", "reason": "multi_invoice", "sure": False}])
        self.assertIn(first, match.move_ids)
        self.assertEqual(len(match.move_ids), 2)
        self.assertTrue(match.move_ids & (second | third))
        self.assertFalse(line.is_reconciled)

    # ------------------------------------------------------------------ payer by CLABE
    def test_payer_found_by_the_l10n_mx_clabe_field(self):
        clabe = "032180000118359719"
        # the account number is another one; the CLABE is typed with spaces
        self.env["res.partner.bank"].create(
            {"acc_number": "BBVA-7788", "l10n_mx_edi_clabe": "0321 8000 0118 3597 19", "partner_id": self.customer.id}
        )
        invoice = self._invoice(730.0)
        self._invoice(730.0, partner=self.other_customer)
        in_text = self._line(730.0, f"SPEI RECIBIDO ORDENANTE {clabe}")
        by_import = self._line(730.0, "SPEI RECIBIDO", account_number=clabe)
        by_account = self._line(730.0, "SPEI RECIBIDO", account_number="00011835971")
        self._run_matcher()
        for line in (in_text, by_import, by_account):
            self.assertRecordValues(
                line.collection_match_ids, [{"partner_id": self.customer.id, "reason": "exact", "state": "to_review"}]
            )
            self.assertEqual(line.collection_match_ids.move_ids, invoice)
        # another company's bank account is not looked at
        company_2 = self.setup_other_company(name="Empresa Dos CLABE")["company"]
        other = "012180001234567897"
        stranger = self.env["res.partner"].create({"name": "Cliente de Empresa Dos", "company_id": company_2.id})
        self.env["res.partner.bank"].create(
            {"acc_number": "X-1", "l10n_mx_edi_clabe": other, "partner_id": stranger.id}
        )
        self.assertEqual(stranger.bank_ids.company_id, company_2)
        line = self._line(730.0, f"SPEI RECIBIDO ORDENANTE {other}")
        self._run_matcher()
        self.assertFalse(line.collection_match_ids.partner_id)
