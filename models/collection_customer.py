from odoo import api, fields, models, tools
from odoo.tools import SQL, formatLang

from ..tools import actions, contact_rules, summary
from ..tools.channels import CONTACT_CHANNELS
from .collection_summary import OPEN_ITEM_SQL


class CollectionCustomer(models.Model):
    """The collectors' customer worklist: one row per customer and company with open
    receivables (a database view over the open receivable items, read when the list is
    opened: always current, no stored total to keep up to date).

    Amounts are in the company's currency (they add up across invoices of any currency);
    the amounts per currency are shown beside them.  Days overdue count from today in the
    company's time zone.
    """

    _name = "collection.customer"
    _description = "Customers to Collect"
    _auto = False
    _order = "days_overdue desc, amount_due desc, id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    amount_due = fields.Monetary(
        readonly=True,
        help="Open receivable of the customer in the company's currency "
        "(invoices less credit notes and payments not yet applied).",
    )
    overdue_amount = fields.Monetary(string="Overdue", readonly=True)
    due_by_currency = fields.Char(string="Due per Currency", compute="_compute_by_currency")
    overdue_by_currency = fields.Char(string="Overdue per Currency", compute="_compute_by_currency")
    invoice_count = fields.Integer(string="Open Invoices", readonly=True)
    oldest_due_date = fields.Date(readonly=True, aggregator="min")
    days_overdue = fields.Integer(string="Oldest Days Overdue", readonly=True, aggregator="max")
    rating = fields.Selection(summary.RATINGS, string="Payer Rating", readonly=True)
    policy_id = fields.Many2one("collection.policy", string="Policy", readonly=True)
    next_stage_id = fields.Many2one("collection.policy.stage", string="Next Action", readonly=True)
    next_date = fields.Date(string="Next Action On", readonly=True, aggregator="min")
    last_contact = fields.Datetime(
        readonly=True, aggregator="max", help="Last email, WhatsApp or statement that reached the customer."
    )
    promise_date = fields.Date(
        string="Promised Date",
        readonly=True,
        aggregator="min",
        help="Earliest date of the customer's open promises to pay.",
    )
    promise_amount = fields.Monetary(string="Promised Amount", readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Collector", readonly=True, help="The customer's collector, else its salesperson."
    )
    paused = fields.Boolean(string="Collections Paused", readonly=True)
    do_not_contact = fields.Boolean(readonly=True)

    _depends = {
        "account.move.line": [
            "account_id",
            "partner_id",
            "company_id",
            "amount_residual",
            "date_maturity",
            "date",
            "parent_state",
            "reconciled",
            "move_id",
        ],
        "account.account": ["account_type"],
        "account.move": [
            "move_type",
            "state",
            "commercial_partner_id",
            "company_id",
            "collection_state",
            "collection_next_date",
            "collection_next_stage_id",
        ],
        "res.partner": [
            "commercial_partner_id",
            "collection_responsible_id",
            "user_id",
            "collection_rating",
            "collection_policy_id",
            "collection_paused",
            "collection_do_not_contact",
            "tz",
        ],
        "res.company": ["partner_id", "currency_id"],
        "collection.policy": ["company_id", "is_default", "active"],
        "collection.event": ["state", "channel", "done_at", "partner_id", "company_id"],
        "collection.promise": ["state", "promised_date", "amount", "partner_id", "company_id"],
    }

    @api.model
    def _query(self):
        today = SQL("(NOW() AT TIME ZONE COALESCE(NULLIF(cpart.tz, ''), %s))::date", contact_rules.DEFAULT_TZ)
        return SQL(
            """
            WITH open_items AS (
                SELECT l.company_id, l.move_id, l.amount_residual,
                       COALESCE(rp.commercial_partner_id, l.partner_id) AS partner_id,
                       COALESCE(l.date_maturity, l.date) AS due,
                       %(today)s AS today,
                       CASE WHEN m.collection_state = 'active'
                            THEN m.collection_next_date END AS next_date,
                       CASE WHEN m.collection_state = 'active'
                            THEN m.collection_next_stage_id END AS next_stage_id
                  FROM account_move_line l
                  JOIN account_account a ON a.id = l.account_id
                       AND a.account_type = 'asset_receivable'
                  JOIN account_move m ON m.id = l.move_id
                  JOIN res_company c ON c.id = l.company_id
                  JOIN res_partner cpart ON cpart.id = c.partner_id
                  JOIN res_partner rp ON rp.id = l.partner_id
                 WHERE %(open_item)s
            ), customers AS (
                SELECT company_id, partner_id,
                       SUM(amount_residual) AS amount_due,
                       COALESCE(SUM(amount_residual) FILTER (WHERE due < today), 0)
                           AS overdue_amount,
                       COUNT(DISTINCT move_id) FILTER (WHERE amount_residual > 0)
                           AS invoice_count,
                       MIN(due) FILTER (WHERE amount_residual > 0) AS oldest_due_date,
                       GREATEST(MAX(today - due) FILTER (WHERE amount_residual > 0), 0)
                           AS days_overdue,
                       -- the cadence's next step: the earliest of the customer's invoices
                       MIN(next_date) AS next_date,
                       (ARRAY_AGG(next_stage_id ORDER BY next_date, move_id)
                           FILTER (WHERE next_date IS NOT NULL))[1] AS next_stage_id
                  FROM open_items
              GROUP BY company_id, partner_id
                HAVING bool_or(amount_residual > 0)
            ), default_policies AS (
                SELECT DISTINCT ON (company_id) company_id, id
                  FROM collection_policy
                 WHERE is_default AND active
              ORDER BY company_id, id
            )
            -- one row per customer and company: its id says which, so reading a row never
            -- aggregates the others; the contact log and the promises (kept on the
            -- commercial entity) are looked up for the rows shown only
            SELECT cu.partner_id::bigint * 1048576 + cu.company_id AS id,
                   cu.company_id, cu.partner_id, co.currency_id,
                   cu.amount_due, cu.overdue_amount, cu.invoice_count, cu.oldest_due_date,
                   cu.days_overdue, cu.next_stage_id, cu.next_date,
                   COALESCE(cp.collection_rating, 'good') AS rating,
                   COALESCE(CASE WHEN pol.company_id = cu.company_id AND pol.active
                                 THEN pol.id END, dp.id) AS policy_id,
                   (SELECT MAX(e.done_at) FROM collection_event e
                     WHERE e.partner_id = cu.partner_id AND e.company_id = cu.company_id
                       AND e.state = 'sent' AND e.channel IN %(channels)s) AS last_contact,
                   (SELECT MIN(pr.promised_date) FROM collection_promise pr
                     WHERE pr.partner_id = cu.partner_id AND pr.company_id = cu.company_id
                       AND pr.state = 'open') AS promise_date,
                   (SELECT SUM(pr.amount) FROM collection_promise pr
                     WHERE pr.partner_id = cu.partner_id AND pr.company_id = cu.company_id
                       AND pr.state = 'open') AS promise_amount,
                   COALESCE(cp.collection_responsible_id, cp.user_id) AS user_id,
                   COALESCE(cp.collection_paused, FALSE) AS paused,
                   COALESCE(cp.collection_do_not_contact, FALSE) AS do_not_contact
              FROM customers cu
              JOIN res_company co ON co.id = cu.company_id
              JOIN res_partner cp ON cp.id = cu.partner_id
         LEFT JOIN collection_policy pol ON pol.id = cp.collection_policy_id
         LEFT JOIN default_policies dp ON dp.company_id = cu.company_id
            """,
            today=today,
            open_item=OPEN_ITEM_SQL,
            channels=CONTACT_CHANNELS,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))

    # ------------------------------------------------------------------ per currency
    def _compute_by_currency(self):
        """Amounts due and overdue in each currency of the customer's open items (one
        query for the rows shown)."""
        due, overdue = {}, {}
        if self.ids:
            now = fields.Datetime.now()
            todays = {
                company.id: contact_rules.to_local(now, company._collection_tz()).date() for company in self.company_id
            }
            self.env.cr.execute(
                SQL(
                    """
                SELECT l.company_id, COALESCE(rp.commercial_partner_id, l.partner_id),
                       l.currency_id, COALESCE(l.date_maturity, l.date),
                       SUM(l.amount_residual_currency)
                  FROM account_move_line l
                  JOIN account_account a ON a.id = l.account_id
                       AND a.account_type = 'asset_receivable'
                  JOIN res_partner rp ON rp.id = l.partner_id
                 WHERE %(open_item)s
                   AND l.company_id IN %(companies)s
                   AND COALESCE(rp.commercial_partner_id, l.partner_id) IN %(partners)s
              GROUP BY 1, 2, 3, 4
                """,
                    open_item=OPEN_ITEM_SQL,
                    companies=tuple(self.company_id.ids),
                    partners=tuple(self.partner_id.ids),
                )
            )
            for company_id, partner_id, currency_id, day, amount in self.env.cr.fetchall():
                key = (company_id, partner_id)
                per = due.setdefault(key, {})
                per[currency_id] = per.get(currency_id, 0.0) + amount
                if day and day < todays[company_id]:
                    per = overdue.setdefault(key, {})
                    per[currency_id] = per.get(currency_id, 0.0) + amount
        currencies = self.env["res.currency"].browse({c for per in due.values() for c in per}).sorted("name")

        def text(amounts):
            return " · ".join(
                formatLang(self.env, amounts[currency.id], currency_obj=currency)
                for currency in currencies
                if currency.id in amounts and not currency.is_zero(amounts[currency.id])
            )

        for row in self:
            key = (row.company_id.id, row.partner_id.id)
            row.due_by_currency = text(due.get(key, {}))
            row.overdue_by_currency = text(overdue.get(key, {}))

    # ------------------------------------------------------------------ open
    def action_open_customer(self):
        """The customer's form on its Collections tab."""
        self.ensure_one()
        return actions.open_form(
            "res.partner",
            self.partner_id.id,
            self.env.ref("account_collections_mx.res_partner_view_form_collection_worklist").id,
        )
