"""The customer's page shows its payment plans: a proposed plan with the link to read and
accept it, an active one with its next instalment; invoices under a plan say so."""

from odoo import _, models
from odoo.tools import format_amount, format_date

from .collection_payment_plan import OPEN_STATES


class CollectionPortalAccess(models.Model):
    _inherit = "collection.portal.access"

    def _collection_open_plans(self):
        """Proposed and active payment plans of the customer in this company."""
        self.ensure_one()
        return (
            self.env["collection.payment.plan"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.partner_id.id),
                    ("company_id", "=", self.company_id.id),
                    ("state", "in", OPEN_STATES),
                ],
                order="id",
            )
        )

    def _collection_move_status(self, move, today):
        if move.collection_plan_id and not move.collection_disputed:
            return _("Under payment plan %s", move.collection_plan_id.name), "info"
        return super()._collection_move_status(move, today)

    def _collection_page_values(self):
        values = super()._collection_page_values()
        env = self.env
        states = dict(env["collection.payment.plan"]._fields["state"]._description_selection(env))
        plans = []
        for plan in self._collection_open_plans():
            plan._portal_ensure_token()
            line = plan.next_line_id
            plans.append(
                {
                    "name": plan.name,
                    "state": states[plan.state],
                    "proposed": plan.state == "proposed",
                    "url": plan.get_portal_url(),
                    "amount": format_amount(env, plan.amount_total, plan.currency_id),
                    "next_date": format_date(env, line.date) if line else False,
                    "next_amount": format_amount(env, line.amount_due, plan.currency_id) if line else False,
                }
            )
        values["plans"] = plans
        return values
