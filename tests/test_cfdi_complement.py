from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .cfdi_common import CfdiCommon, rep_xml

D = fields.Date.to_date
REP1 = "CCCCCCCC-0000-4000-8000-000000000001"
REP2 = "CCCCCCCC-0000-4000-8000-000000000002"


@tagged("post_install", "-at_install")
class TestCfdiComplement(CfdiCommon):
    def register(self, moves, uuids):
        wizard = self.env["collection.cfdi.complement.register"].create(
            {"move_ids": [(6, 0, moves.ids)], "uuids": uuids}
        )
        return wizard.action_register()

    def test_ppd_payment_needs_rep_by_fifth_of_next_month(self):
        invoice = self.make_invoice(1000.0, invoice_date="2026-01-10", due="2026-03-10")
        self.assertEqual(invoice.cfdi_payment_method, "PPD")
        self.assertFalse(invoice.cfdi_complement_required)
        self.pay(invoice, 400.0, "2026-01-31")  # last day of the month
        self.assertTrue(invoice.cfdi_complement_required)
        self.assertEqual(invoice.cfdi_complement_due_date, D("2026-02-05"))
        self.assertEqual(invoice.cfdi_complement_payment_count, 1)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_collections_mx.account_move_action_cfdi_complement"
        )
        tray = self.env["account.move"].search(eval(action["domain"]))
        self.assertIn(invoice, tray)
        # registering the REP clears it
        self.register(invoice, REP1.lower())
        self.assertEqual(invoice.cfdi_complement_uuids, REP1)
        self.assertFalse(invoice.cfdi_complement_required)
        self.assertFalse(invoice.cfdi_complement_due_date)
        # a December payment is due on 5 January of the next year
        self.pay(invoice, 600.0, "2026-12-31")
        self.assertTrue(invoice.cfdi_complement_required)
        self.assertEqual(invoice.cfdi_complement_due_date, D("2027-01-05"))
        self.register(invoice, REP2)
        self.assertFalse(invoice.cfdi_complement_required)
        self.assertEqual(invoice.cfdi_complement_uuids.split(), [REP1, REP2])

    def test_two_unregistered_payments_oldest_first(self):
        invoice = self.make_invoice(1000.0, invoice_date="2026-11-10", due="2027-01-31")
        self.pay(invoice, 300.0, "2026-12-01")
        self.pay(invoice, 300.0, "2026-11-30")
        self.assertEqual(invoice.cfdi_complement_due_date, D("2026-12-05"))
        self.assertEqual(invoice.cfdi_complement_payment_count, 2)
        self.register(invoice, REP1)
        self.assertEqual(invoice.cfdi_complement_due_date, D("2027-01-05"))

    def test_pue_needs_no_complement(self):
        invoice = self.make_invoice(1000.0, invoice_date="2026-01-10", due="2026-01-20")
        self.assertEqual(invoice.cfdi_payment_method, "PUE")
        self.pay(invoice, 1000.0, "2026-01-15")
        self.assertFalse(invoice.cfdi_complement_required)

    def test_credit_note_is_no_payment(self):
        invoice = self.make_invoice(1000.0, invoice_date="2026-01-10", due="2026-03-10")
        credit = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": D("2026-01-12"),
                "invoice_line_ids": [
                    (0, 0, {"name": "Descuento", "quantity": 1, "price_unit": 100.0, "tax_ids": [(6, 0, [])]})
                ],
            }
        )
        credit.action_post()
        credit_line = credit.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        invoice.js_assign_outstanding_line(credit_line.id)
        self.assertEqual(invoice.amount_residual, 900.0)
        self.assertFalse(invoice.cfdi_complement_required)

    def test_import_rep_xml_registers_it(self):
        invoice = self.make_invoice(1000.0, invoice_date="2026-01-10", due="2026-03-10")
        invoice.cfdi_uuid = "6F2B8A1E-1C2D-4E5F-8A9B-0C1D2E3F4A5B"
        self.pay(invoice, 400.0, "2026-01-31")
        self.assertTrue(invoice.cfdi_complement_required)
        report = self.import_files(
            ("rep.xml", rep_xml([invoice.cfdi_uuid])),
            (
                "rep_other.xml",
                rep_xml(["DDDDDDDD-0000-4000-8000-000000000001"], uuid="CCCCCCCC-0000-4000-8000-0000000000BB"),
            ),
            (
                "rep_issuer.xml",
                rep_xml([invoice.cfdi_uuid], emisor="TCM970625MB1", uuid="CCCCCCCC-0000-4000-8000-0000000000CC"),
            ),
        )
        self.assertEqual(report["rep.xml"].result, "matched", report["rep.xml"].reason)
        self.assertEqual(report["rep.xml"].move_id, invoice)
        self.assertEqual(invoice.cfdi_complement_uuids, "CCCCCCCC-0000-4000-8000-0000000000AA")
        self.assertFalse(invoice.cfdi_complement_required)
        self.assertEqual(report["rep_other.xml"].result, "unmatched")
        self.assertEqual(report["rep_issuer.xml"].result, "rejected")
        # importing it twice registers it once
        self.import_files(("rep.xml", rep_xml([invoice.cfdi_uuid])))
        self.assertEqual(invoice.cfdi_complement_uuids, "CCCCCCCC-0000-4000-8000-0000000000AA")

    def test_register_rejects_bad_uuids(self):
        invoice = self.make_invoice(1000.0, invoice_date="2026-01-10", due="2026-03-10")
        with self.assertRaises(ValidationError):
            self.register(invoice, "not-a-uuid")
        invoice.cfdi_uuid = REP1
        with self.assertRaises(UserError):
            self.register(invoice, REP1)

    def test_late_filter(self):
        invoice = self.make_invoice(1000.0, invoice_date="2026-01-10", due="2026-03-10")
        self.pay(invoice, 100.0, "2026-01-20")
        with freeze_time("2026-02-06"):
            late = self.env["account.move"].search(
                [
                    ("cfdi_complement_required", "=", True),
                    ("cfdi_complement_due_date", "<", fields.Date.context_today(invoice)),
                ]
            )
        self.assertIn(invoice, late)


@tagged("post_install", "-at_install")
class TestCfdiPueUnpaid(CfdiCommon):
    def test_pue_unpaid_at_month_end_is_flagged(self):
        invoice = self.make_invoice(1000.0, invoice_date="2026-02-10", due="2026-02-20")
        self.assertEqual(invoice.cfdi_payment_method, "PUE")
        Move = self.env["account.move"]
        with freeze_time("2026-02-27"):
            invoice.invalidate_recordset(["cfdi_pue_unpaid"])
            self.assertFalse(invoice.cfdi_pue_unpaid)
            self.assertNotIn(invoice, Move.search([("cfdi_pue_unpaid", "=", True)]))
        with freeze_time("2026-02-28"):  # last day of its month
            invoice.invalidate_recordset(["cfdi_pue_unpaid"])
            self.assertTrue(invoice.cfdi_pue_unpaid)
            self.assertIn(invoice, Move.search([("cfdi_pue_unpaid", "=", True)]))
            self.assertNotIn(invoice, Move.search([("cfdi_pue_unpaid", "=", False)]))
        with freeze_time("2026-03-15"):
            self.assertIn(invoice, Move.search([("cfdi_pue_unpaid", "=", True)]))
            Move._cfdi_notify_pue_unpaid()
            Move._cfdi_notify_pue_unpaid()  # once per invoice
            todo = invoice.activity_ids.filtered(lambda a: a.summary == "PUE invoice unpaid at month end")
            self.assertEqual(len(todo), 1)
            self.pay(invoice, 1000.0, "2026-03-15")
            self.assertNotIn(invoice, Move.search([("cfdi_pue_unpaid", "=", True)]))
