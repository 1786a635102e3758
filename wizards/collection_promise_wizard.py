from odoo import _, api, fields, models

from ..tools import actions
from ..tools.cadence import SETTLED_PAYMENT_STATES


class CollectionPromiseWizard(models.TransientModel):
    _name = "collection.promise.wizard"
    _inherit = "collection.customer.invoices.wizard"
    _description = "Record a Promise to Pay"

    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(string="Promised Amount", compute="_compute_amount", store=True,
                             readonly=False)
    promised_date = fields.Date(required=True)
    note = fields.Text()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if not values.get("move_ids") and values.get("partner_id") and "move_ids" in fields_list:
            moves = self.env["account.move"].search([
                ("commercial_partner_id", "=", values["partner_id"]),
                ("move_type", "=", "out_invoice"), ("state", "=", "posted"),
                ("company_id", "=", values.get("company_id") or self.env.company.id),
                ("payment_state", "not in", SETTLED_PAYMENT_STATES),
                ("invoice_date_due", "<=", fields.Date.context_today(self)),
            ])
            values["move_ids"] = [(6, 0, moves.ids)]
        return values

    @api.depends("move_ids")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = sum(wizard.move_ids.mapped("amount_residual_signed"))

    def action_confirm(self):
        promise = self.env["collection.promise"].create({
            **self._collection_invoices_values(
                _("Choose the invoices the customer promises to pay.")),
            "amount": self.amount,
            "promised_date": self.promised_date,
            "note": self.note,
        })
        return actions.open_form("collection.promise", promise.id)
