from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..tools import summary
from .account_move import COLLECTION_STATES
from .collection_summary import OPEN_ITEM_SQL


class CollectionAnalysis(models.Model):
    """Open receivables, one row per open receivable journal item (an invoice with
    installments has one row per installment), in company currency.

    The aging bucket uses the buckets of ``tools/summary.AGING_BUCKETS`` (as
    ``summary.aging_bucket``) on the due date (or the accounting date when there is none),
    today in UTC.
    """

    _name = "collection.analysis"
    _description = "Collections Analysis"
    _auto = False
    _order = "date_maturity, id"
    _rec_name = "move_id"
    _depends = {
        "account.move.line": [
            "move_id",
            "partner_id",
            "company_id",
            "company_currency_id",
            "date",
            "date_maturity",
            "amount_residual",
            "account_id",
            "parent_state",
            "reconciled",
        ],
        "account.account": ["account_type"],
        "account.move": ["move_type", "collection_state", "collection_stage_id", "collection_policy_id"],
        "res.partner": ["commercial_partner_id", "collection_rating", "collection_responsible_id", "user_id"],
    }

    move_id = fields.Many2one("account.move", string="Document", readonly=True)
    move_type = fields.Selection(
        [
            ("out_invoice", "Invoice"),
            ("out_refund", "Credit Note"),
            ("entry", "Payment / Entry"),
            ("in_invoice", "Vendor Bill"),
            ("in_refund", "Vendor Credit Note"),
            ("out_receipt", "Sales Receipt"),
            ("in_receipt", "Purchase Receipt"),
        ],
        string="Type",
        readonly=True,
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    date = fields.Date(readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(readonly=True, aggregator="max")
    aging_bucket = fields.Selection([(key, label) for key, label, _most in summary.AGING_BUCKETS], readonly=True)
    rating = fields.Selection(summary.RATINGS, string="Payer Rating", readonly=True)
    collection_state = fields.Selection(COLLECTION_STATES, string="Collection Status", readonly=True)
    stage_id = fields.Many2one("collection.policy.stage", string="Last Stage", readonly=True)
    policy_id = fields.Many2one("collection.policy", string="Policy", readonly=True)
    user_id = fields.Many2one("res.users", string="Collector", readonly=True)
    amount_residual = fields.Monetary(string="Open Amount", readonly=True)
    overdue_amount = fields.Monetary(readonly=True)

    # ------------------------------------------------------------------ aging in time order
    @api.model
    def _aging_bucket_rank_sql(self, sql_bucket):
        """The position of a bucket in time order (current, 1-30, ..., 90+) instead of its
        key, which sorts alphabetically (1_30 < ... < current)."""
        return SQL("array_position(%s::varchar[], %s::varchar)", list(summary.BUCKETS), sql_bucket)

    @api.model
    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        if field_name == "aging_bucket":
            return SQL(
                "%s %s %s", self._aging_bucket_rank_sql(self._field_to_sql(alias, field_name, query)), direction, nulls
            )
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)

    @api.model
    def _read_group_orderby(self, order, groupby_terms, query):
        """Groups by aging bucket come in time order (pivot, graph, grouped list)."""
        if "aging_bucket" not in groupby_terms:
            return super()._read_group_orderby(order, groupby_terms, query)
        terms = []
        for part in (order or ",".join(groupby_terms)).split(","):
            words = part.split()
            if words and words[0] == "aging_bucket":
                direction = SQL("DESC") if "desc" in (w.lower() for w in words[1:]) else SQL("ASC")
                terms.append(SQL("%s %s", self._aging_bucket_rank_sql(groupby_terms["aging_bucket"]), direction))
            elif part.strip():
                # each other term as Odoo orders it when it is the only one
                terms.append(
                    super()._read_group_orderby(
                        part if order else "",
                        {words[0]: groupby_terms[words[0]]} if not order else groupby_terms,
                        query,
                    )
                )
        return SQL(", ").join(t for t in terms if t)

    @api.model
    def _today_sql(self):
        return SQL("(NOW() AT TIME ZONE 'UTC')::date")

    @api.model
    def _aging_bucket_sql(self, days):
        """SQL: the aging bucket of an item ``days`` overdue (``tools/summary.AGING_BUCKETS``)."""
        *bounded, (last, _label, _most) = summary.AGING_BUCKETS
        return SQL(
            "CASE %s ELSE %s END",
            SQL(" ").join(SQL("WHEN %s <= %s THEN %s", days, most, key) for key, _label, most in bounded),
            last,
        )

    def _query(self):
        days = SQL("(%s - COALESCE(l.date_maturity, l.date))", self._today_sql())
        return SQL(
            """
            SELECT l.id AS id,
                   l.move_id AS move_id,
                   m.move_type AS move_type,
                   COALESCE(rp.commercial_partner_id, l.partner_id) AS partner_id,
                   l.company_id AS company_id,
                   l.company_currency_id AS currency_id,
                   l.date AS date,
                   COALESCE(l.date_maturity, l.date) AS date_maturity,
                   GREATEST(%(days)s, 0) AS days_overdue,
                   %(bucket)s AS aging_bucket,
                   COALESCE(cp.collection_rating, 'good') AS rating,
                   m.collection_state AS collection_state,
                   m.collection_stage_id AS stage_id,
                   m.collection_policy_id AS policy_id,
                   COALESCE(cp.collection_responsible_id, cp.user_id) AS user_id,
                   l.amount_residual AS amount_residual,
                   CASE WHEN %(days)s > 0 THEN l.amount_residual ELSE 0 END AS overdue_amount
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
                   AND a.account_type = 'asset_receivable'
              JOIN account_move m ON m.id = l.move_id
              LEFT JOIN res_partner rp ON rp.id = l.partner_id
              LEFT JOIN res_partner cp ON cp.id = COALESCE(rp.commercial_partner_id, l.partner_id)
             WHERE %(open_item)s
            """,
            days=days,
            bucket=self._aging_bucket_sql(days),
            open_item=OPEN_ITEM_SQL,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
