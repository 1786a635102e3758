from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools import actions
from ..tools.cadence import CUSTOMER_OPEN_INVOICES_DOMAIN, SETTLED_PAYMENT_STATES


class CollectionPromiseWizard(models.TransientModel):
    _name = "collection.promise.wizard"
    _description = "Record a Promise to Pay"

    company_id = fields.Many2one("res.company", required=True,
                                 default=lambda self: self.env.company)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    move_ids = fields.Many2many(
        "account.move", string="Invoices",
        domain=CUSTOMER_OPEN_INVOICES_DOMAIN)
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
        self.ensure_one()
        if not self.move_ids:
            raise UserError(_("Choose the invoices the customer promises to pay."))
        if self.move_ids.company_id != self.company_id:
            raise UserError(_("The invoices must belong to %s.", self.company_id.name))
        promise = self.env["collection.promise"].create({
            "company_id": self.company_id.id,
            "partner_id": self.partner_id.commercial_partner_id.id,
            "move_ids": [(6, 0, self.move_ids.ids)],
            "amount": self.amount,
            "promised_date": self.promised_date,
            "note": self.note,
        })
        return actions.open_form("collection.promise", promise.id)
