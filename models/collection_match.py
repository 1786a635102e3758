import logging

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_date

from ..tools import actions
from ..tools.cadence import SETTLED_PAYMENT_STATES

_logger = logging.getLogger(__name__)

MATCH_REASONS = [
    ("exact", "Exact"),
    ("partial", "Partial payment"),
    ("overpaid", "Overpayment"),
    ("multi_invoice", "Several invoices"),
    ("ambiguous", "Ambiguous"),
    ("no_partner", "Unknown payer"),
    ("no_candidate", "No candidate"),
]
MATCH_STATES = [
    ("to_review", "To review"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("auto", "Reconciled automatically"),
]


class CollectionMatch(models.Model):
    _name = "collection.match"
    _description = "Bank Payment Match Suggestion"
    _order = "state_sequence, score desc, id desc"
    _check_company_auto = True
    _rec_name = "statement_line_id"

    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        string="Bank Line",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        check_company=True,
    )
    company_id = fields.Many2one(related="statement_line_id.company_id", store=True, index=True)
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    journal_id = fields.Many2one(related="statement_line_id.journal_id", store=True)
    date = fields.Date(related="statement_line_id.date", store=True)
    payment_ref = fields.Char(related="statement_line_id.payment_ref", string="Label")
    bank_ref = fields.Char(related="statement_line_id.ref", string="Bank Reference")
    bank_partner_name = fields.Char(related="statement_line_id.partner_name", string="Payer Name")
    bank_account_number = fields.Char(related="statement_line_id.account_number", string="Payer Account")
    bank_narration = fields.Html(related="statement_line_id.narration", string="Bank Notes")
    partner_id = fields.Many2one("res.partner", string="Customer", index="btree_not_null")
    move_ids = fields.Many2many(
        "account.move",
        "collection_match_move_rel",
        "match_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain="[('move_type', 'in', ('out_invoice', 'out_refund')), ('state', '=', 'posted'),"
        f" ('payment_state', 'not in', {SETTLED_PAYMENT_STATES!r})]",
        help="Documents to reconcile with the bank line on approval, best ranked first.",
    )
    candidate_ids = fields.One2many("collection.match.candidate", "match_id", string="Ranked Candidates", readonly=True)
    # amounts in the bank line's currency never add up across lines of other currencies:
    # group rows sum the company-currency amount only
    amount = fields.Monetary(string="Amount", readonly=True, aggregator=None)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    amount_company_currency = fields.Monetary(
        string="Amount (Company Currency)",
        currency_field="company_currency_id",
        compute="_compute_amount_company_currency",
        store=True,
        help="The bank line's amount in the company's currency (as booked in its entry).",
    )
    difference = fields.Monetary(
        compute="_compute_difference",
        store=True,
        aggregator=None,
        help="Bank amount minus the open amount of the chosen invoices: negative is a short "
        "payment, positive an overpayment (left as customer credit).",
    )
    score = fields.Integer(readonly=True, aggregator="avg", help="Confidence, 0 to 100.")
    reason = fields.Selection(MATCH_REASONS, required=True, readonly=True, index=True)
    state = fields.Selection(MATCH_STATES, required=True, default="to_review", readonly=True, index=True)
    state_sequence = fields.Integer(compute="_compute_state_sequence", store=True)
    note = fields.Text()
    sure = fields.Boolean(
        string="Sure Match",
        readonly=True,
        index=True,
        help="Exactly one invoice (or one set of invoices of one customer) matches both the "
        "amount and a reference: reconciled automatically when the company allows it.",
    )
    done_by_id = fields.Many2one("res.users", string="Decided By", readonly=True)
    done_date = fields.Datetime(string="Decided On", readonly=True)

    def init(self):
        # re-running the matcher updates the open suggestion of a line, never adds one
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS collection_match_open_line_uniq "
                "ON collection_match (statement_line_id) WHERE state = 'to_review'"
            )
        )

    @api.depends("state")
    def _compute_state_sequence(self):
        order = {"to_review": 0, "auto": 1, "approved": 2, "rejected": 3}
        for match in self:
            match.state_sequence = order.get(match.state, 9)

    @api.depends("statement_line_id.amount")
    def _compute_amount_company_currency(self):
        for match in self:
            match.amount_company_currency = match.statement_line_id._collection_company_amount()

    @api.depends("amount", "move_ids")
    def _compute_difference(self):
        for match in self:
            total = sum(m.amount_residual * (-1 if m.move_type == "out_refund" else 1) for m in match.move_ids)
            match.difference = match.amount - total if match.move_ids else 0.0

    @api.depends("statement_line_id", "reason")
    def _compute_display_name(self):
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        for match in self:
            line = match.statement_line_id
            label = line.payment_ref or line.move_id.name or ""
            match.display_name = f"{label} ({reasons.get(match.reason, '')})"

    # ------------------------------------------------------------------ actions
    def _check_can_decide(self):
        """Approve, reject, match again: users with "Approve bank matches" only (Invoicing
        administrators have it; an administrator may grant it to anyone)."""
        if not self.env.su and not self.env.user.has_group("account_collections_mx.group_collection_approve_match"):
            raise AccessError(
                _(
                    "You are not allowed to approve, reject or match again bank payment "
                    "suggestions: it takes the right “Approve bank matches”, which Invoicing "
                    "administrators have. An administrator can grant it in Settings ▸ Users "
                    "(Collections review tray)."
                )
            )

    def action_approve(self):
        """Reconcile each suggestion's bank line with its invoices (one savepoint each).

        On one record an error is raised as is; on several, the ones that fail stay to
        review with the error in their note and a notification sums it up.
        """
        self._check_can_decide()
        failed = []
        done = self.env["collection.match"]
        for match in self:
            try:
                with self.env.cr.savepoint():
                    match._approve_one()
                done |= match
            except UserError as error:
                if len(self) == 1:
                    raise
                failed.append((match, str(error)))
        for match, error in failed:
            match.note = error
        if len(self) > 1:
            message = _("%(done)s payment(s) reconciled.", done=len(done))
            if failed:
                message += " " + _("%(failed)s could not be reconciled (see their notes).", failed=len(failed))
            return actions.notification(message, "warning" if failed else "success", sticky=bool(failed))
        return True

    def _approve_one(self, state="approved"):
        self.ensure_one()
        if self.state != "to_review":
            raise UserError(_("The suggestion for %(line)s was already decided.", line=self.display_name))
        if not self.move_ids:
            raise UserError(
                _("Choose the invoices to reconcile with %(line)s before approving.", line=self.display_name)
            )
        ranks = {c.move_id.id: c.sequence for c in self.candidate_ids}
        moves = self.move_ids.sorted(lambda m: (ranks.get(m.id, 999), m.invoice_date_due or fields.Date.today(), m.id))
        self.statement_line_id._collection_reconcile(moves)
        self.write({"state": state, "done_by_id": self.env.uid, "done_date": fields.Datetime.now()})
        user_name = self.env.user.name
        line = self.statement_line_id
        date = format_date(self.env, line.date)
        for move in moves:
            if state == "auto":
                body = _(
                    "Bank payment %(line)s (%(date)s) reconciled automatically by the collections matcher.",
                    line=line.payment_ref or line.move_id.name,
                    date=date,
                )
            else:
                body = _(
                    "Bank payment %(line)s (%(date)s) reconciled from the collections review tray by %(user)s.",
                    line=line.payment_ref or line.move_id.name,
                    date=date,
                    user=user_name,
                )
            move.message_post(body=Markup("<p>%s</p>") % body)

    def _collection_auto_approve(self):
        """Reconcile sure matches automatically, each in its own savepoint."""
        for match in self:
            try:
                with self.env.cr.savepoint():
                    match._approve_one(state="auto")
            except UserError as error:
                _logger.info("Automatic reconciliation of %s failed: %s", match.id, error)
                match.note = str(error)

    def action_reject(self):
        """Leave the bank lines unreconciled; these (line, invoice) pairs never come back."""
        self._check_can_decide()
        if any(match.state != "to_review" for match in self):
            raise UserError(_("Only suggestions to review can be rejected."))
        self.write({"state": "rejected", "done_by_id": self.env.uid, "done_date": fields.Datetime.now()})
        return True

    def action_rematch(self):
        """Run the matcher again on these lines (e.g. new invoices, an invoice paid)."""
        self._check_can_decide()
        self.filtered(lambda m: m.state == "to_review").statement_line_id._collection_match()
        return True

    def action_open_statement_line(self):
        self.ensure_one()
        return actions.open_form("account.move", self.statement_line_id.move_id.id)
