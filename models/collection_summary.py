import datetime as dt

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.misc import formatLang

from ..tools import actions, contact_rules, summary
from ..tools.cadence import PAID_PAYMENT_STATES
from ..tools.channels import REMINDER_CHANNELS

#: SQL: the journal item ``l`` (account_move_line) is open: posted, not reconciled,
#: something left to pay (or, negative, to apply); the summary, the analysis, the
#: customer worklist and the statements read the open receivable items so
OPEN_ITEM_SQL = SQL("l.parent_state = 'posted' AND NOT l.reconciled AND l.amount_residual != 0")
#: SQL: the day an invoice ``m`` (account_move) was fully paid (its last reconciliation on
#: the receivable), NULL while it is open; used by the effectiveness and the payer rating
PAID_ON_SQL = SQL(
    """CASE WHEN m.payment_state IN %s THEN (
    SELECT MAX(pr.max_date)
      FROM account_move_line l
      JOIN account_account a ON a.id = l.account_id AND a.account_type = 'asset_receivable'
      JOIN account_partial_reconcile pr ON pr.debit_move_id = l.id
     WHERE l.move_id = m.id) END""",
    PAID_PAYMENT_STATES,
)
#: the receivable items ``l``, their account ``a``, entry ``m`` and partner ``rp``
RECEIVABLE_LINES = SQL("""
    FROM account_move_line l
    JOIN account_account a ON a.id = l.account_id AND a.account_type = 'asset_receivable'
    JOIN account_move m ON m.id = l.move_id
    LEFT JOIN res_partner rp ON rp.id = l.partner_id
""")


class CollectionSummary(models.Model):
    """The weekly collections summary of a company: kept so it can be read in Odoo."""

    _name = "collection.summary"
    _description = "Weekly Collections Summary"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    week = fields.Char(required=True, readonly=True, index=True)
    date = fields.Date(required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    total_receivable = fields.Monetary(readonly=True)
    overdue_amount = fields.Monetary(readonly=True)
    expected_week = fields.Monetary(string="Expected This Week", readonly=True)
    dso = fields.Float(string="DSO (Days)", readonly=True, digits=(16, 1))
    body_html = fields.Html(string="Summary", readonly=True)
    mail_id = fields.Many2one("mail.mail", string="Email", readonly=True, ondelete="set null")
    recipient_ids = fields.Many2many("res.users", string="Recipients", readonly=True)

    _sql_constraints = [
        (
            "company_week_unique",
            "UNIQUE(company_id, week)",
            "There is already a weekly summary for this company and week.",
        ),
    ]

    # ------------------------------------------------------------------ data
    @api.model
    def _collection_data(self, company, today):
        """Every figure of the summary, from a handful of queries: one method per section."""
        self.env.flush_all()
        items = self._collection_open_items(company)
        customers = summary.per_customer(items, today)
        ratings, names = self._collection_customer_ratings([p for p in customers if p])
        return {
            "today": today,
            **self._collection_section_aging(items, today),
            "multi_overdue": self._collection_section_repeat_late_payers(customers, names),
            "projection": self._collection_section_projection(company, today, items, ratings),
            **self._collection_section_dso(company, today),
            "effectiveness": self._collection_section_effectiveness(company, today),
            "top": self._collection_section_top_overdue(customers, ratings, names),
            **self._collection_section_tray(company),
        }

    @api.model
    def _collection_open_items(self, company):
        """``(customer, invoice, move type, due date, residual)`` of the open receivable
        items, per customer (commercial entity), invoice and due date."""
        self.env.cr.execute(
            SQL(
                """
            SELECT COALESCE(rp.commercial_partner_id, l.partner_id), l.move_id, m.move_type,
                   COALESCE(l.date_maturity, l.date), SUM(l.amount_residual)
              %s
             WHERE l.company_id = %s AND %s
             GROUP BY 1, 2, 3, 4
            """,
                RECEIVABLE_LINES,
                company.id,
                OPEN_ITEM_SQL,
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _collection_customer_ratings(self, partner_ids):
        """({customer: rating}, {customer: name}) of these customers."""
        ratings, names = {}, {}
        if partner_ids:
            self.env.cr.execute(
                SQL("SELECT id, collection_rating, name FROM res_partner WHERE id = ANY(%s)", partner_ids)
            )
            for pid, rating, name in self.env.cr.fetchall():
                ratings[pid], names[pid] = rating or "good", name
        return ratings, names

    @api.model
    def _collection_section_aging(self, items, today):
        """Receivables and aging: the total, per aging bucket, and what is overdue."""
        aging = summary.aging([(due, residual) for _p, _m, _t, due, residual in items], today)
        total = sum(aging.values())
        return {"total": total, "aging": aging, "overdue": total - aging["current"]}

    @api.model
    def _collection_section_repeat_late_payers(self, customers, names):
        """The names of the customers with more than one overdue invoice."""
        return sorted(names.get(p, "") for p in summary.repeat_late_payers(customers))

    @api.model
    def _collection_section_projection(self, company, today, items, ratings):
        """Expected collections of the coming week: invoices due and open promises."""
        promises = (
            self.env["collection.promise"]
            .sudo()
            .search_read(
                [("company_id", "=", company.id), ("state", "=", "open")],
                ["partner_id", "promised_date", "amount", "move_ids"],
            )
        )
        promise_rows = []
        for promise in promises:
            pid = promise["partner_id"][0]
            rating = ratings.get(pid) or self.env["res.partner"].browse(pid).collection_rating
            promise_rows.append((promise["promised_date"], promise["amount"], rating, promise["move_ids"]))
        invoice_rows = [
            (move_id, due, residual, ratings.get(partner_id, "good"))
            for partner_id, move_id, move_type, due, residual in items
            if move_type == "out_invoice" and residual > 0
        ]
        return summary.projection(invoice_rows, promise_rows, today)

    @api.model
    def _collection_section_dso(self, company, today):
        """DSO and its trend over 8 weeks, from the daily receivable movements and sales."""
        start = today - dt.timedelta(days=7 * 8 + summary.DSO_PERIOD_DAYS * summary.DSO_MAX_PERIODS)
        self.env.cr.execute(
            SQL(
                """
            SELECT CASE WHEN l.date <= %(start)s THEN NULL ELSE l.date END, SUM(l.balance),
                   SUM(l.balance) FILTER (WHERE m.move_type IN ('out_invoice', 'out_refund'))
              %(lines)s
             WHERE l.company_id = %(company)s AND l.parent_state = 'posted'
               AND l.date <= %(today)s
             GROUP BY 1
            """,
                start=start,
                lines=RECEIVABLE_LINES,
                company=company.id,
                today=today,
            )
        )
        opening, moves, sales = summary.daily_receivable(self.env.cr.fetchall())
        trend = summary.dso_trend(opening, moves, sales, today)
        return {"dso": trend[-1][1], "trend": trend}

    @api.model
    def _collection_section_effectiveness(self, company, today):
        """Reminder effectiveness per stage over the messages of the last 90 days."""
        self.env.cr.execute(
            SQL(
                """
            SELECT e.stage_id, e.move_id, e.done_at::date,
                   %(paid_on)s
              FROM collection_event e
              JOIN account_move m ON m.id = e.move_id
             WHERE e.company_id = %(company)s AND e.state = 'sent'
               AND e.channel IN %(channels)s AND e.done_at IS NOT NULL
               AND e.done_at >= %(since)s
            """,
                paid_on=PAID_ON_SQL,
                company=company.id,
                channels=REMINDER_CHANNELS,
                since=today - dt.timedelta(days=90),
            )
        )
        effectiveness = summary.effectiveness(self.env.cr.fetchall(), today)
        stages = self.env["collection.policy.stage"].sudo().browse([s for s in effectiveness if s]).exists()
        return [
            {"stage": stage.display_name, "policy": stage.policy_id.name, **effectiveness[stage.id]}
            for stage in stages.sorted(lambda s: (s.policy_id.sequence, s.policy_id.id, s.sequence, s.offset_days))
        ]

    @api.model
    def _collection_section_top_overdue(self, customers, ratings, names):
        """The 10 customers owing the most overdue, with the state of their overdue
        invoices."""
        top = summary.top_overdue(customers, 10)
        states = {}
        top_moves = [m for _p, row in top for m in row["moves"]]
        if top_moves:
            for partner, state, count in (
                self.env["account.move"]
                .sudo()
                ._read_group([("id", "in", top_moves)], ["commercial_partner_id", "collection_state"], ["__count"])
            ):
                states.setdefault(partner.id, {})[state] = count
        state_labels = dict(self.env["account.move"]._fields["collection_state"]._description_selection(self.env))
        return [
            {
                "name": names.get(pid, ""),
                "overdue": row["overdue"],
                "invoices": len(row["moves"]),
                "rating": ratings.get(pid, "good"),
                "states": summary.state_counts(states.get(pid, {}), state_labels),
            }
            for pid, row in top
        ]

    @api.model
    def _collection_section_tray(self, company):
        """Waiting items: bank lines in the review tray, payment complements to issue."""
        review = (
            self.env["collection.match"]
            .sudo()
            .search_count([("state", "=", "to_review"), ("company_id", "=", company.id)])
        )
        complements = (
            self.env["account.move"]
            .sudo()
            .search_count([("company_id", "=", company.id), ("cfdi_complement_required", "=", True)])
        )
        return {"review": review, "complements": complements}

    # ------------------------------------------------------------------ build / send
    @api.model
    def _collection_build(self, company, today, send=True):
        lang = company._collection_lang()
        self = self.sudo().with_context(lang=lang)
        data = self._collection_data(company, today)
        week = summary.iso_week(today)

        def fmt(amount):
            return formatLang(self.env, amount or 0.0, currency_obj=company.currency_id)

        template = "account_collections_mx.collection_weekly_summary_body"
        body = self.env["ir.qweb"]._render(
            template,
            {
                "company": company,
                "data": data,
                "fmt": fmt,
                "bucket_labels": {
                    "current": _("Current"),
                    "1_30": _("1-30 days"),
                    "31_60": _("31-60 days"),
                    "61_90": _("61-90 days"),
                    "90_plus": _("Over 90 days"),
                },
                "buckets": summary.BUCKETS,
                "rating_labels": dict(
                    self.env["res.partner"]._fields["collection_rating"]._description_selection(self.env)
                ),
            },
        )
        record = self.search([("company_id", "=", company.id), ("week", "=", week)])
        vals = {
            "name": _("Collections summary %(week)s - %(company)s", week=week, company=company.name),
            "company_id": company.id,
            "week": week,
            "date": today,
            "total_receivable": data["total"],
            "overdue_amount": data["overdue"],
            "expected_week": data["projection"]["expected"],
            "dso": data["dso"],
            "body_html": body,
            "recipient_ids": [(6, 0, company.collection_summary_user_ids.ids)],
        }
        if record:
            record.write(vals)
        else:
            record = self.create(vals)
        emails = [u.email_formatted for u in company.collection_summary_user_ids if u.email]
        if send and emails:
            record.mail_id = self.env["mail.mail"].create(
                {
                    "subject": record.name,
                    "body_html": body,
                    "email_to": ",".join(emails),
                    "email_from": company.email_formatted or self.env.user.email_formatted,
                    "auto_delete": False,
                    "model": self._name,
                    "res_id": record.id,
                }
            )
        return record

    @api.model
    def _collection_build_now(self, company_ids=None, send=False):
        """This week's summary of these companies (default: the current one), built now.

        Nothing is emailed unless ``send``: the weekly cron does that on its day and hour.
        """
        companies = self.env["res.company"].browse(company_ids) if company_ids else self.env.company
        records = self.browse()
        for company in companies:
            today = contact_rules.to_local(fields.Datetime.now(), company._collection_tz()).date()
            records |= self._collection_build(company, today, send=send)
        return records

    @api.model
    def action_collection_build_now(self):
        """Button of the list: prepare (or refresh) this week's summary without waiting."""
        if not self.env.user.has_group("account_collections_mx.group_collection_manager"):
            raise AccessError(_("Only collections managers can prepare the weekly summary."))
        record = self._collection_build_now()
        return actions.open_form(self._name, record.id)
