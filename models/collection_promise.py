from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date

from ..tools import summary
from ..tools.cadence import SETTLED_PAYMENT_STATES
from ..tools.cron import CronBudget, collection_may_commit

#: where an unfinished pass over the open promises goes on (id of the last one checked)
PROMISE_CURSOR_PARAM = "account_collections_mx.promise_cursor"

PROMISE_STATES = [
    ("open", "Open"),
    ("kept", "Kept"),
    ("broken", "Broken"),
    # its own label: "Cancelled" is the plans' and the CFDI's (masculine in Spanish)
    ("cancelled", "Withdrawn"),
]


class CollectionPromise(models.Model):
    """A customer's promise to pay: holds the cadence of its invoices until the
    promised date plus the company's grace, then is kept or broken."""

    _name = "collection.promise"
    _description = "Promise to Pay"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "promised_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('is_company', '=', True)]",
    )
    move_ids = fields.Many2many(
        "account.move",
        "collection_promise_move_rel",
        "promise_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), "
        f"('payment_state', 'not in', {SETTLED_PAYMENT_STATES!r})]",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(string="Promised Amount", required=True, tracking=True, help="In the company's currency.")
    promised_date = fields.Date(required=True, tracking=True)
    promise_date = fields.Date(
        string="Recorded On",
        required=True,
        readonly=True,
        default=fields.Date.context_today,
        help="Payments reconciled from this day on count for the promise.",
    )
    deadline = fields.Date(compute="_compute_deadline", store=True, help="Promised date plus the company's grace days.")
    state = fields.Selection(PROMISE_STATES, required=True, default="open", index=True, tracking=True, readonly=True)
    note = fields.Text()
    user_id = fields.Many2one("res.users", string="Recorded By", default=lambda self: self.env.user, readonly=True)
    amount_received = fields.Monetary(string="Received", readonly=True)
    source = fields.Selection(
        [("collector", "Recorded by a collector"), ("portal", "Customer page")],
        string="Source",
        default="collector",
        required=True,
        readonly=True,
        help="Customer page: the customer promised on its own page.",
    )
    closed_date = fields.Date(readonly=True)

    @api.depends("partner_id", "promised_date", "amount")
    @api.depends_context("lang")
    def _compute_name(self):
        for promise in self:
            promise.name = _(
                "%(partner)s, %(date)s",
                partner=promise.partner_id.display_name or "",
                date=format_date(self.env, promise.promised_date) or "",
            )

    @api.depends("promised_date", "company_id.collection_promise_grace_days")
    def _compute_deadline(self):
        for promise in self:
            promise.deadline = promise.promised_date and fields.Date.add(
                promise.promised_date, days=promise.company_id.collection_promise_grace_days
            )

    @api.constrains("amount", "promised_date", "move_ids", "partner_id")
    def _check_promise(self):
        for promise in self:
            if promise.amount <= 0:
                raise ValidationError(_("The promised amount must be positive."))
            if promise.state == "open" and promise.promised_date < promise.promise_date:
                raise ValidationError(_("The promised date cannot be before today."))
            partner = promise.partner_id.commercial_partner_id
            if promise.move_ids.partner_id.commercial_partner_id - partner:
                raise ValidationError(_("The promised invoices must belong to %s.", partner.display_name))

    @api.model_create_multi
    def create(self, vals_list):
        promises = super().create(vals_list)
        promises._collection_apply_hold()
        for promise in promises:
            promise.partner_id.commercial_partner_id.sudo().message_post(
                body=_(
                    "Promise to pay %(amount)s by %(date)s recorded.",
                    amount=promise._fmt(promise.amount),
                    date=format_date(self.env, promise.promised_date),
                )
            )
        return promises

    def write(self, vals):
        res = super().write(vals)
        if {"move_ids", "state", "promised_date", "company_id"} & set(vals):
            self._collection_apply_hold()
        return res

    def _fmt(self, amount):
        from odoo.tools.misc import formatLang

        return formatLang(self.env, amount, currency_obj=self.company_id.currency_id)

    def _collection_apply_hold(self, extra_moves=None):
        """Each invoice is held until the latest deadline of its open promises."""
        moves = self.move_ids | (extra_moves or self.env["account.move"])
        if not moves:
            return
        open_promises = self.sudo().search([("move_ids", "in", moves.ids), ("state", "=", "open")])
        until = {}
        for promise in open_promises:
            for move in promise.move_ids:
                until[move.id] = max(until.get(move.id) or promise.deadline, promise.deadline)
        for move in moves.sudo():
            value = until.get(move.id, False)
            if move.collection_promise_until != value:
                move.collection_promise_until = value

    def action_cancel(self):
        for promise in self:
            if promise.state != "open":
                raise UserError(_("Only open promises can be cancelled."))
        moves = self.move_ids
        self.write({"state": "cancelled", "closed_date": fields.Date.context_today(self)})
        self._collection_apply_hold(moves)
        return True

    # ------------------------------------------------------------------ follow-up
    def _collection_received(self):
        """Amount reconciled on the promised invoices from the recording day up to the
        deadline (company currency), per promise, in one query."""
        if not self:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT pm.promise_id, COALESCE(SUM(pr.amount), 0)
              FROM collection_promise p
              JOIN collection_promise_move_rel pm ON pm.promise_id = p.id
              JOIN account_move_line l ON l.move_id = pm.move_id
              JOIN account_account a ON a.id = l.account_id
                   AND a.account_type = 'asset_receivable'
              JOIN account_partial_reconcile pr ON pr.debit_move_id = l.id
             WHERE p.id = ANY(%s)
               AND pr.max_date >= p.promise_date AND pr.max_date <= p.deadline
             GROUP BY pm.promise_id
            """,
                self.ids,
            )
        )
        return dict(self.env.cr.fetchall())

    def _collection_check(self, today=None):
        """Mark open promises kept or broken; returns (kept, broken)."""
        today = today or fields.Date.context_today(self)
        received = self._collection_received()
        kept = broken = self.browse()
        for promise in self.filtered(lambda p: p.state == "open"):
            amount = received.get(promise.id, 0.0)
            outcome = summary.promise_outcome(
                promise.amount, amount, promise.deadline, today, promise.company_id.collection_tolerance
            )
            if outcome == "kept":
                kept |= promise
            elif outcome == "broken":
                broken |= promise
            if outcome:
                promise.write({"state": outcome, "amount_received": amount, "closed_date": today})
        for promise in broken:
            promise._collection_broken_followup()
        for promise in kept:
            promise.partner_id.commercial_partner_id.sudo().message_post(
                body=_("Promise to pay of %(date)s kept.", date=format_date(self.env, promise.promised_date))
            )
        return kept, broken

    def _collection_broken_followup(self):
        """The customer's chatter says it (in the context's language: the company's when
        the cron runs), the collector gets a task (in the collector's language)."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        user = partner._collection_responsible(self.move_ids[:1].collection_policy_id)
        partner.sudo().message_post(
            body=_("%(text)s. Automatic collections resume.", text=self._collection_broken_texts()[0])
        )
        self._collection_task(user or self.user_id or self.env.user, lambda promise: promise._collection_broken_texts())

    def _collection_broken_texts(self):
        """Summary and note of the task of a broken promise (context's language)."""
        date = format_date(self.env, self.promised_date)
        return (
            _("Broken promise to pay: %(amount)s by %(date)s", amount=self._fmt(self.amount), date=date),
            _(
                "%(partner)s did not pay %(amount)s promised for %(date)s (received %(received)s). Call the customer.",
                partner=self.partner_id.commercial_partner_id.display_name,
                amount=self._fmt(self.amount),
                date=date,
                received=self._fmt(self.amount_received),
            ),
        )

    @api.model
    def _cron_collection_promises(self, batch_size=500):
        """Daily: close the promises whose amount arrived or whose deadline passed.

        In batches (by id), each committed outside tests; a call stops when its time budget
        is spent, keeps its place (``account_collections_mx.promise_cursor``) and triggers
        the cron again to go on from there.
        """
        Param = self.env["ir.config_parameter"].sudo()
        cursor = int(Param.get_param(PROMISE_CURSOR_PARAM) or 0)
        budget = CronBudget(self.env)
        promises = self.search([("state", "=", "open"), ("id", ">", cursor)], order="id")
        done = 0
        for start in range(0, len(promises), batch_size):
            if done and budget.exhausted():
                Param.set_param(PROMISE_CURSOR_PARAM, promises[start - 1].id)
                self.env.ref("account_collections_mx.ir_cron_collection_promises")._trigger()
                return False
            batch = promises[start : start + batch_size]
            for company in batch.company_id:
                # notes and tasks of the company's promises: in its language (its
                # collectors': their own)
                mine = batch.filtered(lambda p, c=company: p.company_id == c).with_context(
                    lang=company._collection_lang()
                )
                today = fields.Date.context_today(mine.with_context(tz=company._collection_tz()))
                mine._collection_check(today)
            # the grace setting may have changed since the promise was recorded
            batch.filtered(lambda p: p.state == "open")._collection_apply_hold()
            done += len(batch)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(promises) - done)
            if collection_may_commit(self.env):
                self.env.cr.commit()  # keep closed promises if a later batch fails
        if cursor:
            Param.set_param(PROMISE_CURSOR_PARAM, "")
        return True
