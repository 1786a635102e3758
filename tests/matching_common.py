from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class MatchingCommon(AccountTestInvoicingCommon):
    """A Mexican company whose sure bank payments are reconciled automatically, a customer
    with an RFC, and helpers for invoices and incoming bank lines (matcher and tray tests)."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("mx")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.writeoff_account = cls.company_data["default_account_expense"]
        cls.company.write(
            {
                "collection_tolerance": 1.0,
                "collection_writeoff_account_id": cls.writeoff_account.id,
                "collection_auto_reconcile": True,
                "collection_auto_match_partner_amount": False,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Comercializadora Pérez S.A. de C.V.", "vat": "CPE900101AB1"}
        )

    def _invoice(self, amount, partner=None, move_type="out_invoice", currency=None):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": (partner or self.customer).id,
                "invoice_date": "2025-01-10",
                "currency_id": (currency or self.company.currency_id).id,
                "invoice_line_ids": [
                    Command.create({"name": "Servicio", "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        move.action_post()
        return move

    def _line(self, amount, label="DEPOSITO", partner=None, **values):
        return self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.bank_journal.id,
                "date": "2025-01-20",
                "amount": amount,
                "payment_ref": label,
                "partner_id": partner and partner.id,
                **values,
            }
        )
