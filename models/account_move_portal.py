"""Invoices and the customer's page: what every reminder says about paying and the page."""

from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    collection_pause_reason = fields.Selection(
        selection_add=[("proof", "Proof of payment in review")], ondelete={"proof": "set null"}
    )

    def _collection_portal_info(self):
        """For the messages of this invoice (reminders, WhatsApp): the customer's page, its
        SPEI reference and the company's account for transfers (created on first use)."""
        self.ensure_one()
        access = self.env["collection.portal.access"]._collection_get(
            self.partner_id.commercial_partner_id, self.company_id
        )
        bank = self.company_id._collection_receipt_bank_info()
        return {
            "url": access._collection_url(),
            "reference": access.spei_reference,
            "clabe": bank.get("clabe") or "",
            "bank": bank.get("bank") or "",
            "beneficiary": bank.get("beneficiary") or self.company_id.name,
        }
