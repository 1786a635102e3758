from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

#: domain operators the days-overdue and collector searches understand
_COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")


class AccountMoveWorklist(models.Model):
    """What the collector's worklist (*Invoices to collect*) shows, filters and sorts on."""

    _inherit = "account.move"

    # today minus the due date, never negative: filtered by its search method and sorted
    # in SQL (``_field_to_sql``), so it needs no nightly rewrite of every open invoice;
    # a group row shows the oldest
    collection_days_overdue = fields.Integer(search="_search_collection_days_overdue", aggregator="max")
    collection_amount_due = fields.Monetary(
        related="amount_residual",
        string="Amount Due in Invoice Currency",
        aggregator=None,
        help="Still to be paid, in the invoice's currency (group rows add up the amount due "
        "in the company's currency only).",
    )
    collection_user_id = fields.Many2one(
        "res.users",
        string="Collector",
        compute="_compute_collection_user_id",
        search="_search_collection_user_id",
        help="The customer's collector, else its salesperson.",
    )
    collection_promise_date = fields.Date(
        string="Promised Date",
        compute="_compute_collection_promise_date",
        help="The date the customer promised to pay this invoice (open promise).",
    )

    # ------------------------------------------------------------------ days overdue
    def _field_to_sql(self, alias, fname, query=None, flush=True):
        if fname == "collection_days_overdue":
            today = fields.Date.context_today(self)
            due = super()._field_to_sql(alias, "invoice_date_due", query, flush)
            return SQL("GREATEST(%s::date - %s, 0)", today, due)
        return super()._field_to_sql(alias, fname, query, flush)

    @api.model
    def _search_collection_days_overdue(self, operator, value):
        """Days overdue compared with a whole number, as a domain on the due date (an
        invoice not yet due, or without a due date, is 0 days overdue)."""
        if (
            operator not in _COMPARISONS
            or isinstance(value, bool)
            or not isinstance(value, int | float)
            or value != int(value)
        ):
            raise UserError(_("Days overdue can only be compared with a whole number."))
        today = fields.Date.context_today(self)
        days = int(value)

        def at_least(k):  # days overdue >= k
            if k <= 0:
                return [("id", "!=", 0)]
            return [("invoice_date_due", "<=", fields.Date.subtract(today, days=k))]

        def at_most(k):  # days overdue <= k
            if k < 0:
                return [("id", "=", 0)]
            return [
                "|",
                ("invoice_date_due", "=", False),
                ("invoice_date_due", ">=", fields.Date.subtract(today, days=k)),
            ]

        if operator == ">":
            return at_least(days + 1)
        if operator == ">=":
            return at_least(days)
        if operator == "<":
            return at_most(days - 1)
        if operator == "<=":
            return at_most(days)
        equal = ["&", *at_least(days), *at_most(days)]
        return equal if operator == "=" else ["!", *equal]

    # ------------------------------------------------------------------ collector
    @api.depends("commercial_partner_id.collection_responsible_id", "commercial_partner_id.user_id")
    def _compute_collection_user_id(self):
        for move in self:
            partner = move.commercial_partner_id
            move.collection_user_id = partner.collection_responsible_id or partner.user_id

    @api.model
    def _search_collection_user_id(self, operator, value):
        """The customer's collector, else its salesperson (``Mine``: ``= uid``; a name
        typed in the search bar: the users of that name)."""
        if isinstance(value, str) and operator in (
            "like",
            "ilike",
            "=like",
            "=ilike",
            "not like",
            "not ilike",
            "=",
            "!=",
        ):
            negative = operator.startswith("not") or operator == "!="
            positive = {"not like": "like", "not ilike": "ilike", "!=": "="}.get(operator, operator)
            user_ids = list(self.env["res.users"].with_context(active_test=False)._search([("name", positive, value)]))
            if not user_ids:
                return [("id", "!=", 0)] if negative else [("id", "=", 0)]
            return self._search_collection_user_id("not in" if negative else "in", user_ids)
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(_("The collector can only be compared with users."))
        if operator in ("=", "!="):
            value = [value] if value else []
        ids = [v for v in value if v] if isinstance(value, list | tuple) else []
        positive = [
            "|",
            ("commercial_partner_id.collection_responsible_id", "in", ids),
            "&",
            ("commercial_partner_id.collection_responsible_id", "=", False),
            ("commercial_partner_id.user_id", "in", ids),
        ]
        if operator in ("=", "in") and not ids:  # no collector at all
            return [
                ("commercial_partner_id.collection_responsible_id", "=", False),
                ("commercial_partner_id.user_id", "=", False),
            ]
        if operator in ("!=", "not in") and not ids:
            return [
                "|",
                ("commercial_partner_id.collection_responsible_id", "!=", False),
                ("commercial_partner_id.user_id", "!=", False),
            ]
        return positive if operator in ("=", "in") else ["!", *positive]

    # ------------------------------------------------------------------ promise
    @api.depends("collection_promise_ids.state", "collection_promise_ids.promised_date")
    def _compute_collection_promise_date(self):
        for move in self:
            dates = move.collection_promise_ids.filtered(lambda p: p.state == "open").mapped("promised_date")
            move.collection_promise_date = min(dates) if dates else False
