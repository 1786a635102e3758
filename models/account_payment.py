from odoo import models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    def action_post(self):
        # a payment without journal entry (no outstanding-receipts account, Enterprise) pays
        # its invoices without any reconciliation
        res = super().action_post()
        self.filtered(lambda p: not p.move_id).invoice_ids._collection_close_finished_tasks()
        return res
