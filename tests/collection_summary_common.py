import datetime as dt

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon

D = dt.date


class CollectionSummaryCommon(AccountTestInvoicingCommon):
    """Customers without payment terms, invoices with explicit due dates, payments
    reconciled on a chosen date (journal entries, so reconciliation dates are exact)."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("mx")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.receivable = cls.company_data["default_account_receivable"]
        cls.bank_account = cls.company_data["default_journal_bank"].default_account_id
        cls.customer_a = cls.env["res.partner"].create(
            {
                "name": "Cliente Alfa",
                "is_company": True,
                "email": "alfa@example.com",
                "property_account_receivable_id": cls.receivable.id,
                "collection_first_invoice_reviewed": True,
            }
        )
        cls.customer_b = cls.env["res.partner"].create(
            {
                "name": "Cliente Beta",
                "is_company": True,
                "email": "beta@example.com",
                "property_account_receivable_id": cls.receivable.id,
                "collection_first_invoice_reviewed": True,
            }
        )
        template = (
            cls.env["mail.template"]
            .sudo()
            .create(
                {
                    "name": "Reminder test",
                    "model_id": cls.env.ref("account.model_account_move").id,
                    "subject": "Reminder",
                    "body_html": "<p>Please pay</p>",
                }
            )
        )
        cls.policy = (
            cls.env["collection.policy"]
            .sudo()
            .create(
                {
                    "name": "Standard test",
                    "company_id": cls.company.id,
                    "is_default": False,
                    "stage_ids": [
                        Command.create(
                            {
                                "name": "Pending",
                                "sequence": 1,
                                "offset_days": 3,
                                "channel": "email",
                                "mail_template_id": template.id,
                            }
                        ),
                        Command.create(
                            {
                                "name": "Firm",
                                "sequence": 2,
                                "offset_days": 7,
                                "channel": "email",
                                "mail_template_id": template.id,
                            }
                        ),
                    ],
                }
            )
        )
        cls.stage_3, cls.stage_7 = cls.policy.stage_ids.sorted("sequence")

    @classmethod
    def _invoice(cls, partner, amount, due, invoice_date=None, move_type="out_invoice"):
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "company_id": cls.company.id,
                "invoice_date": invoice_date or due,
                "date": invoice_date or due,
                "invoice_date_due": due,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Servicio", "quantity": 1, "price_unit": amount, "tax_ids": [Command.clear()]}
                    )
                ],
            }
        )
        move.action_post()
        return move

    @classmethod
    def _pay(cls, invoice, amount, day):
        """A customer payment of ``amount`` on ``day`` reconciled with ``invoice``."""
        entry = cls.env["account.move"].create(
            {
                "move_type": "entry",
                "date": day,
                "journal_id": cls.company_data["default_journal_misc"].id,
                "line_ids": [
                    Command.create(
                        {"account_id": cls.bank_account.id, "debit": amount, "partner_id": invoice.partner_id.id}
                    ),
                    Command.create(
                        {
                            "account_id": invoice.partner_id.property_account_receivable_id.id,
                            "credit": amount,
                            "partner_id": invoice.partner_id.id,
                        }
                    ),
                ],
            }
        )
        entry.action_post()
        lines = (invoice.line_ids + entry.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        )
        lines.reconcile()
        return entry
