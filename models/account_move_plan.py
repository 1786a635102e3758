from odoo import api, fields, models

from ..tools import actions


class AccountMove(models.Model):
    """Invoices under an active payment plan leave their cadence (collection state
    *Payment plan*): the plan's instalment reminders replace it.  The stage reached is
    kept, so a broken or cancelled plan gives the invoices back to their cadence there."""

    _inherit = "account.move"

    collection_state = fields.Selection(selection_add=[("plan", "Payment plan")], ondelete={"plan": "set null"})
    collection_plan_id = fields.Many2one(
        "collection.payment.plan",
        string="Active Payment Plan",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The active payment plan of this invoice: its reminders are the plan's.",
    )
    collection_payment_plan_ids = fields.Many2many(
        "collection.payment.plan",
        "collection_payment_plan_move_rel",
        "move_id",
        "plan_id",
        string="Payment Plans",
        copy=False,
        readonly=True,
    )

    @api.depends("collection_plan_id")
    def _compute_collection_state(self):
        return super()._compute_collection_state()

    def _collection_state_value(self):
        state = super()._collection_state_value()
        # a plan the customer accepted replaces the pause, the promise and the hand-over;
        # a dispute, a payment or an exclusion still win
        if self.collection_plan_id and state in ("active", "paused", "human"):
            return "plan"
        return state

    def _collection_after_reconcile(self):
        super()._collection_after_reconcile()
        plans = self.filtered("collection_plan_id").collection_plan_id
        if plans:
            plans.sudo()._collection_refresh_payments()

    def action_collection_payment_plan(self):
        """Prepare a payment plan for this invoice's customer (wizard)."""
        return self.partner_id.commercial_partner_id._collection_plan_wizard_action(self)

    def action_collection_open_plan(self):
        self.ensure_one()
        self.check_access("read")
        plan = self.collection_plan_id or self.collection_payment_plan_ids[:1]
        return actions.open_form("collection.payment.plan", plan.id)
