from odoo import _, api, fields, models
from odoo.tools import format_date


class CollectionPaymentPlanLine(models.Model):
    _name = "collection.payment.plan.line"
    _description = "Payment Plan Instalment"
    _order = "plan_id, date, sequence, id"
    _rec_name = "date"

    plan_id = fields.Many2one("collection.payment.plan", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="plan_id.partner_id", store=True, string="Customer")
    currency_id = fields.Many2one(related="plan_id.currency_id", store=True)
    plan_state = fields.Selection(related="plan_id.state", store=True, string="Plan Status")
    sequence = fields.Integer(default=10)
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    is_down_payment = fields.Boolean(string="Down Payment")
    state = fields.Selection(
        [("pending", "Pending"), ("paid", "Paid")],
        required=True,
        default="pending",
        readonly=True,
        index=True,
        copy=False,
    )
    amount_paid = fields.Monetary(string="Paid", readonly=True, copy=False)
    amount_due = fields.Monetary(string="Due", compute="_compute_amount_due", store=True)
    paid_date = fields.Date(readonly=True, copy=False)
    label = fields.Char(string="Instalment", compute="_compute_label")

    @api.depends("amount", "amount_paid")
    def _compute_amount_due(self):
        for line in self:
            line.amount_due = max(line.amount - line.amount_paid, 0.0)

    @api.depends("plan_id.name", "date", "amount")
    def _compute_display_name(self):
        for line in self:
            line.display_name = _(
                "%(plan)s, %(date)s", plan=line.plan_id.name or "", date=format_date(self.env, line.date)
            )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.plan_id._collection_check_draft()
        return lines

    def write(self, vals):
        if {"date", "amount", "plan_id", "is_down_payment"} & set(vals):
            self.plan_id._collection_check_draft()
        return super().write(vals)

    def unlink(self):
        self.plan_id._collection_check_draft()
        return super().unlink()

    @api.depends("plan_id.line_ids.date", "plan_id.line_ids.is_down_payment", "is_down_payment")
    @api.depends_context("lang")
    def _compute_label(self):
        """'2 of 3' (the down payment is not counted)."""
        for line in self:
            regular = line.plan_id.line_ids.filtered(lambda ln: not ln.is_down_payment).sorted(
                lambda ln: (ln.date, ln.sequence, ln.id)
            )
            if line.is_down_payment:
                line.label = _("Down payment")
            elif line in regular:
                line.label = _("%(n)s of %(total)s", n=list(regular).index(line) + 1, total=len(regular))
            else:
                line.label = ""
