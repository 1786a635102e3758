from odoo import _, api, fields, models

from ..tools import actions
from ..tools.cadence import SETTLED_PAYMENT_STATES


class CollectionPromiseWizard(models.TransientModel):
    _name = "collection.promise.wizard"
    _inherit = "collection.customer.invoices.wizard"
    _description = "Record a Promise to Pay"

    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(string="Promised Amount", compute="_compute_amount", store=True, readonly=False)
    promised_date = fields.Date(required=True)
    note = fields.Text()

    @api.model
    def _collection_default_invoices(self, customer_invoices):
        """The customer's invoices due and not paid."""
        return self.env["account.move"].search(
            customer_invoices
            + [
                ("payment_state", "not in", SETTLED_PAYMENT_STATES),
                ("invoice_date_due", "<=", fields.Date.context_today(self)),
            ]
        )

    @api.depends("move_ids")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = sum(wizard.move_ids.mapped("amount_residual_signed"))

    def action_confirm(self):
        promise = self.env["collection.promise"].create(
            {
                **self._collection_invoices_values(_("Choose the invoices the customer promises to pay.")),
                "amount": self.amount,
                "promised_date": self.promised_date,
                "note": self.note,
            }
        )
        return actions.open_form("collection.promise", promise.id)
