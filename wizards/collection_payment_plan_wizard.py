from odoo import _, api, fields, models

from ..tools import actions


class CollectionPaymentPlanWizard(models.TransientModel):
    """Prepare a payment plan from an invoice or a customer: which invoices, how many
    payments, every how many days, from when, with a down payment or not."""

    _name = "collection.payment.plan.wizard"
    _inherit = "collection.customer.invoices.wizard"
    _description = "Prepare a Payment Plan"

    currency_id = fields.Many2one("res.currency", compute="_compute_amount")
    amount_total = fields.Monetary(string="Amount Covered", compute="_compute_amount")
    instalment_count = fields.Integer(string="Number of Payments", default=3, required=True)
    interval_days = fields.Integer(string="Every (Days)", default=15, required=True)
    first_date = fields.Date(
        string="First Payment On",
        required=True,
        default=lambda self: fields.Date.add(fields.Date.context_today(self), days=7),
    )
    down_payment = fields.Monetary(string="Down Payment")
    down_payment_date = fields.Date(string="Down Payment On", default=fields.Date.context_today)
    note = fields.Text(string="Notes")

    @api.model
    def _collection_default_invoices(self, customer_invoices):
        """The customer's invoices a plan may cover."""
        return self.env["collection.payment.plan"]._collection_plan_moves(customer_invoices)

    @api.depends("move_ids", "company_id")
    def _compute_amount(self):
        for wizard in self:
            wizard.currency_id = wizard.move_ids[:1].currency_id or wizard.company_id.currency_id
            wizard.amount_total = sum(wizard.move_ids.mapped("amount_residual"))

    def action_create(self):
        plan = self.env["collection.payment.plan"].create(
            {
                **self._collection_invoices_values(_("Choose the invoices the plan covers.")),
                "instalment_count": self.instalment_count,
                "interval_days": self.interval_days,
                "first_date": self.first_date,
                "down_payment": self.down_payment,
                "down_payment_date": self.down_payment_date if self.down_payment else False,
                "note": self.note,
            }
        )
        plan.action_generate_lines()
        return actions.open_form("collection.payment.plan", plan.id)
