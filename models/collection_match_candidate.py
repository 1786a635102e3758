from odoo import api, fields, models


class CollectionMatchCandidate(models.Model):
    _name = "collection.match.candidate"
    _description = "Ranked Candidate of a Bank Payment Match"
    _order = "match_id, sequence, id"

    match_id = fields.Many2one("collection.match", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="match_id.company_id", store=True)
    sequence = fields.Integer(string="Rank", default=1)
    move_id = fields.Many2one("account.move", string="Invoice", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="move_id.partner_id")
    amount_residual = fields.Monetary(related="move_id.amount_residual_signed",
                                      string="Amount Due")
    currency_id = fields.Many2one(related="move_id.currency_id")
    invoice_date_due = fields.Date(related="move_id.invoice_date_due")
    payment_state = fields.Selection(related="move_id.payment_state", string="Payment")
    score = fields.Integer()
    why = fields.Char(string="Why")
    selected = fields.Boolean(compute="_compute_selected")

    @api.depends("match_id.move_ids")
    def _compute_selected(self):
        for cand in self:
            cand.selected = cand.move_id in cand.match_id.move_ids
