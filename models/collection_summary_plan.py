import datetime as dt

from odoo import api, models


class CollectionSummary(models.Model):
    """The weekly summary counts payment plans: the amount under active plans, the
    instalments due in the coming week and the plans broken in the last one."""

    _inherit = "collection.summary"

    @api.model
    def _collection_data(self, company, today):
        data = super()._collection_data(company, today)
        data["plans"] = self._collection_plan_figures(company, today)
        return data

    @api.model
    def _collection_plan_figures(self, company, today):
        """Amounts in the company's currency (converted at ``today``'s rate)."""
        Plan = self.env["collection.payment.plan"].sudo()
        Line = self.env["collection.payment.plan.line"].sudo()

        def to_company(amount, currency):
            return (
                currency._convert(amount, company.currency_id, company, today)
                if currency and currency != company.currency_id
                else amount
            )

        active = Plan.search([("company_id", "=", company.id), ("state", "=", "active")])
        end = today + dt.timedelta(days=6)
        due = Line.search(
            [
                ("company_id", "=", company.id),
                ("plan_state", "=", "active"),
                ("state", "=", "pending"),
                ("date", ">=", today),
                ("date", "<=", end),
            ]
        )
        broken = Plan.search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "broken"),
                ("closed_date", ">", today - dt.timedelta(days=7)),
                ("closed_date", "<=", today),
            ]
        )
        return {
            "active_count": len(active),
            "active_amount": sum(to_company(p.amount_due, p.currency_id) for p in active),
            "next_week_count": len(due),
            "next_week_amount": sum(to_company(line.amount_due, line.currency_id) for line in due),
            "broken_count": len(broken),
            "broken": sorted(p.partner_id.display_name or "" for p in broken),
        }
