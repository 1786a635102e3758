from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..tools import actions
from ..tools.cadence import NEXT_STAGE_STATES, SETTLED_PAYMENT_STATES
from .res_partner import PAUSE_REASONS

COLLECTION_STATES = [
    ("active", "Active"),
    ("paused", "Paused"),
    ("disputed", "Disputed"),
    ("review", "In review"),
    ("human", "With a person"),
    ("done", "Done"),
    ("excluded", "Excluded"),
]


class AccountMove(models.Model):
    _inherit = "account.move"

    collection_state = fields.Selection(
        COLLECTION_STATES,
        string="Collection Status",
        compute="_compute_collection_state",
        store=True,
        index=True,
        tracking=True,
        help="Active: reminders run on their own. Paused: the customer or this invoice is "
        "paused. Disputed: the customer disputes this invoice. In review: first invoice of a "
        "new customer, waiting for its tax data to be reviewed. With a person: handed over to "
        "a collector, no automatic message. Done: paid. Excluded: out of collections "
        "(cancelled, or CFDI cancelled at the SAT).",
    )
    collection_policy_id = fields.Many2one(
        "collection.policy",
        string="Collection Policy",
        compute="_compute_collection_policy_id",
        store=True,
        index="btree_not_null",
    )
    collection_stage_id = fields.Many2one(
        "collection.policy.stage", string="Last Stage", readonly=True, copy=False, index="btree_not_null"
    )
    collection_next_stage_id = fields.Many2one(
        "collection.policy.stage",
        string="Next Stage",
        compute="_compute_collection_next",
        store=True,
    )
    collection_next_date = fields.Date(
        string="Next Reminder",
        compute="_compute_collection_next",
        store=True,
        index="btree_not_null",
    )
    collection_disputed = fields.Boolean(string="Disputed", copy=False, tracking=True)
    collection_dispute_note = fields.Text(string="Dispute Note", copy=False)
    collection_paused = fields.Boolean(string="Invoice Paused", copy=False, tracking=True)
    collection_pause_reason = fields.Selection(PAUSE_REASONS, string="Invoice Pause Reason", copy=False)
    collection_pause_until = fields.Date(string="Invoice Paused Until", copy=False)
    collection_human = fields.Boolean(
        string="With a Person",
        copy=False,
        readonly=True,
        tracking=True,
        help="Handed over to a human collector: no more automatic messages.",
    )
    collection_excluded = fields.Boolean(string="Excluded From Collections", copy=False, tracking=True)
    collection_exclude_reason = fields.Char(string="Exclusion Reason", copy=False)
    collection_first_invoice = fields.Boolean(string="First Invoice of the Customer", copy=False, readonly=True)
    collection_event_ids = fields.One2many("collection.event", "move_id", string="Contact Log")
    collection_days_overdue = fields.Integer(string="Days Overdue", compute="_compute_collection_days_overdue")

    # ------------------------------------------------------------------ computes
    @api.depends(
        "move_type",
        "state",
        "payment_state",
        "amount_residual",
        "amount_residual_signed",
        "collection_disputed",
        "collection_paused",
        "collection_human",
        "collection_excluded",
        "collection_first_invoice",
        "partner_id.commercial_partner_id.collection_paused",
        "partner_id.commercial_partner_id.collection_first_invoice_reviewed",
        "company_id.collection_tolerance",
    )
    def _compute_collection_state(self):
        for move in self:
            move.collection_state = move._collection_state_value()

    def _collection_state_value(self):
        self.ensure_one()
        if self.move_type != "out_invoice" or self.state == "draft":
            return False
        if self.state == "cancel":
            return "excluded"
        # the tolerance is in the company's currency, like the signed residual
        if self.payment_state in SETTLED_PAYMENT_STATES or (
            self.amount_residual_signed <= self.company_id.collection_tolerance
        ):
            return "done"
        if self.collection_excluded:
            return "excluded"
        if self.collection_disputed:
            return "disputed"
        partner = self.partner_id.commercial_partner_id
        if self.collection_paused or partner.collection_paused:
            return "paused"
        if self.collection_human:
            return "human"
        if self._collection_review_pending():
            return "review"
        return "active"

    def _collection_review_pending(self):
        """First invoice of a new customer whose tax data nobody reviewed yet."""
        self.ensure_one()
        return (
            self.collection_first_invoice
            and not self.partner_id.commercial_partner_id.collection_first_invoice_reviewed
        )

    @api.depends("partner_id.commercial_partner_id.collection_policy_id", "company_id", "move_type")
    def _compute_collection_policy_id(self):
        defaults = {}
        for move in self:
            if move.move_type != "out_invoice":
                move.collection_policy_id = False
                continue
            policy = move.partner_id.commercial_partner_id.collection_policy_id
            if not policy or policy.company_id != move.company_id or not policy.active:
                if move.company_id not in defaults:
                    defaults[move.company_id] = self.env["collection.policy"].sudo()._get_default(move.company_id)
                policy = defaults[move.company_id]
            move.collection_policy_id = policy

    @api.depends(
        "collection_policy_id",
        "collection_stage_id",
        "invoice_date_due",
        "collection_state",
        "collection_policy_id.stage_ids.offset_days",
        "collection_policy_id.stage_ids.sequence",
    )
    def _compute_collection_next(self):
        for move in self:
            stage = move._collection_next_stage()
            move.collection_next_stage_id = stage
            move.collection_next_date = stage and move._collection_stage_date(stage)

    def _collection_next_stage(self):
        self.ensure_one()
        if self.collection_state not in NEXT_STAGE_STATES or not self.collection_policy_id:
            return self.env["collection.policy.stage"]
        stages = self.collection_policy_id.stage_ids.sorted(lambda s: (s.sequence, s.offset_days, s.id))
        last = self.collection_stage_id
        if last and last in stages:
            stages = stages.filtered(
                lambda s: (s.sequence, s.offset_days, s.id) > (last.sequence, last.offset_days, last.id)
            )
        return stages[:1]

    def _collection_stage_date(self, stage):
        due = self.invoice_date_due or self.invoice_date
        return due and fields.Date.add(due, days=stage.offset_days)

    @api.depends("invoice_date_due")
    def _compute_collection_days_overdue(self):
        today = fields.Date.context_today(self)
        for move in self:
            due = move.invoice_date_due
            move.collection_days_overdue = (today - due).days if due and due < today else 0

    @api.model
    def _collection_replan_policies(self, policies):
        """Policies changed (default, stages): recompute the plan of their invoices."""
        moves = self.sudo().search(
            [
                ("move_type", "=", "out_invoice"),
                ("collection_state", "in", NEXT_STAGE_STATES),
                ("company_id", "in", policies.company_id.ids),
            ]
        )
        self.env.add_to_compute(self._fields["collection_policy_id"], moves)
        self.env.add_to_compute(self._fields["collection_next_stage_id"], moves)
        self.env.add_to_compute(self._fields["collection_next_date"], moves)

    # ------------------------------------------------------------------ constraints
    @api.constrains("collection_pause_until", "collection_paused")
    def _check_collection_pause_until(self):
        today = fields.Date.context_today(self)
        for move in self:
            if move.collection_paused and move.collection_pause_until and move.collection_pause_until < today:
                raise ValidationError(
                    _(
                        "The pause of %(move)s cannot end in the past (%(date)s).",
                        move=move.display_name,
                        date=format_date(self.env, move.collection_pause_until),
                    )
                )

    # ------------------------------------------------------------------ user actions
    def action_collection_pause(self):
        return self.env["collection.pause.wizard"]._action_open(moves=self, mode="pause")

    def action_collection_dispute(self):
        return self.env["collection.pause.wizard"]._action_open(moves=self, mode="dispute")

    def action_collection_resume(self):
        """Resume automatic collections: clears the invoice's pause, dispute and hand-over.

        The cadence continues from its current stage: only the latest due stage fires at
        the next run, never a burst of the stages missed meanwhile.
        """
        for move in self:
            if move.collection_state in ("done", "excluded", False):
                raise UserError(_("%s is not in collections: nothing to resume.", move.display_name))
        self.write(
            {
                "collection_paused": False,
                "collection_pause_reason": False,
                "collection_pause_until": False,
                "collection_disputed": False,
            }
        )
        self.sudo().write({"collection_human": False})
        for move in self:
            move.message_post(body=_("Automatic collections resumed by %s.", self.env.user.name))
        return True

    def action_collection_open_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_collections_mx.collection_event_action")
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {}
        return action

    @api.model
    def action_collection_run_now(self):
        """Managers: run collections now, with the cron's exactly-once guarantee.

        The request only does what its transaction holds: planning (the database refuses
        a second event for the same invoice, stage and channel), tasks, team alerts and
        emails written to Odoo's mail queue (they leave after the commit, checked again
        by the contact rules).  Should the request time out, fail or be retried by Odoo
        after a serialization error, all of it is rolled back or done again once: nothing
        has left.  WhatsApp messages (an HTTP call, which a rollback cannot undo) and any
        remainder go through the scheduled action, started at once, which records each
        attempt before the call.
        """
        if not self.env.user.has_group("account_collections_mx.group_collection_manager"):
            raise UserError(_("Only Collections Managers can run collections by hand."))
        # the companies the manager works in now (checked by Odoo against the user's)
        done, remaining = self.sudo()._collection_run(
            commit=False, max_batches=5, whatsapp=False, company_ids=self.env.companies.ids
        )
        if remaining:
            self.env.ref("account_collections_mx.ir_cron_collection_run").sudo()._trigger()
        message = _(
            "Collections run: %(done)s item(s) processed; the emails leave with the outgoing mail queue.", done=done
        )
        if remaining:
            message += " " + _("%s more (WhatsApp messages included) continue in the background.", remaining)
        return actions.notification(message, title=_("Collections"))

    # ------------------------------------------------------------------ hooks
    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted.filtered(lambda m: m.move_type == "out_invoice")._collection_flag_first_invoice()
        return posted

    def _collection_flag_first_invoice(self):
        """Mark the first posted invoice of a customer whose tax data was not reviewed."""
        for move in self:
            partner = move.partner_id.commercial_partner_id
            if partner.collection_first_invoice_reviewed:
                continue
            earlier = self.sudo().search_count(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("commercial_partner_id", "=", partner.id),
                    ("id", "!=", move.id),
                ],
                limit=1,
            )
            if not earlier:
                move.sudo().collection_first_invoice = True

    def _collection_skip_scheduled(self, reason):
        """Skip the messages still waiting for these invoices (paid, paused...); their
        emails already in the mail queue are cancelled before they leave."""
        events = (
            self.env["collection.event"]
            .sudo()
            .search([("move_id", "in", self.ids), ("state", "in", ("scheduled", "queued"))])
        )
        queued = events.filtered(lambda e: e.state == "queued")
        if events - queued:
            (events - queued)._mark("skipped", skip_reason=reason)
        if queued:
            queued._collection_withdraw(dict.fromkeys(queued, str(reason)))
        return events

    def _collection_after_reconcile(self):
        """Called when invoices got reconciled: paid ones leave the cadence at once."""
        moves = self.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")
        if not moves:
            return
        moves.invalidate_recordset(["collection_state"])
        done = moves.filtered(lambda m: m.collection_state == "done")
        if done:
            done._collection_skip_scheduled(_("Invoice paid"))
