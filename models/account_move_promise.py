from odoo import api, fields, models


class AccountMove(models.Model):
    """Promises to pay: an open promise holds the cadence of its invoices."""

    _inherit = "account.move"

    collection_promise_until = fields.Date(
        string="Promise Hold Until",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="An open promise to pay holds the reminders of this invoice until this date "
        "(promised date plus the grace days).",
    )
    collection_promise_ids = fields.Many2many(
        "collection.promise",
        "collection_promise_move_rel",
        "move_id",
        "promise_id",
        string="Promises to Pay",
        copy=False,
        readonly=True,
    )

    @api.depends("collection_promise_until")
    def _compute_collection_state(self):
        return super()._compute_collection_state()

    def _collection_state_value(self):
        state = super()._collection_state_value()
        if state == "active" and self.collection_promise_until:
            return "paused"
        return state

    def action_collection_promise(self):
        return self.partner_id.commercial_partner_id._collection_promise_wizard_action(self)
