from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

from ..tools import matching

_lt = LazyTranslate(__name__)

#: how each reason of ``tools.matching`` (``WHY_*`` codes) reads
WHY_LABELS = {
    matching.WHY_REFERENCE: _lt("reference"),
    matching.WHY_PARTIAL_REFERENCE: _lt("partial reference"),
    matching.WHY_CUSTOMER: _lt("customer"),
    matching.WHY_EXACT_AMOUNT: _lt("exact amount"),
    matching.WHY_AMOUNT_WITHIN_TOLERANCE: _lt("amount within tolerance"),
    matching.WHY_PARTIAL_AMOUNT: _lt("partial amount"),
    matching.WHY_OPEN_INVOICE: _lt("open invoice"),
}


class CollectionMatchCandidate(models.Model):
    _name = "collection.match.candidate"
    _description = "Ranked Candidate of a Bank Payment Match"
    _order = "match_id, sequence, id"

    match_id = fields.Many2one("collection.match", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="match_id.company_id", store=True)
    sequence = fields.Integer(string="Rank", default=1)
    move_id = fields.Many2one("account.move", string="Invoice", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="move_id.partner_id")
    amount_residual = fields.Monetary(related="move_id.amount_residual_signed", string="Amount Due")
    currency_id = fields.Many2one(related="move_id.currency_id")
    invoice_date_due = fields.Date(related="move_id.invoice_date_due")
    payment_state = fields.Selection(related="move_id.payment_state", string="Payment")
    score = fields.Integer()
    why_codes = fields.Char(
        string="Why (Codes)",
        readonly=True,
        help="Why the matcher proposes this document, as codes (tools/matching.py WHY_*), "
        "comma-separated; shown in the reader's language by Why.",
    )
    why = fields.Char(string="Why", compute="_compute_why")
    selected = fields.Boolean(compute="_compute_selected")

    @api.depends("match_id.move_ids")
    def _compute_selected(self):
        for cand in self:
            cand.selected = cand.move_id in cand.match_id.move_ids

    @api.depends("why_codes")
    @api.depends_context("lang")
    def _compute_why(self):
        for cand in self:
            codes = [code for code in (cand.why_codes or "").split(",") if code]
            cand.why = ", ".join(self.env._(WHY_LABELS[code]) if code in WHY_LABELS else code for code in codes)
