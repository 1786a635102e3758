import datetime as dt

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.misc import formatLang

from ..tools import contact_rules, summary

RECEIVABLE_LINES = """
    FROM account_move_line l
    JOIN account_account a ON a.id = l.account_id AND a.account_type = 'asset_receivable'
    JOIN account_move m ON m.id = l.move_id
    LEFT JOIN res_partner rp ON rp.id = l.partner_id
"""


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
        ("company_week_unique", "UNIQUE(company_id, week)",
         "There is already a weekly summary for this company and week."),
    ]

    # ------------------------------------------------------------------ data
    @api.model
    def _collection_data(self, company, today):
        """Every figure of the summary, from a handful of queries."""
        cr = self.env.cr
        self.env.flush_all()
        # 1. open receivable items per customer, invoice and due date
        cr.execute(
            f"""
            SELECT COALESCE(rp.commercial_partner_id, l.partner_id), l.move_id, m.move_type,
                   COALESCE(l.date_maturity, l.date), SUM(l.amount_residual)
              {RECEIVABLE_LINES}
             WHERE l.company_id = %s AND l.parent_state = 'posted' AND NOT l.reconciled
               AND l.amount_residual != 0
             GROUP BY 1, 2, 3, 4
            """, [company.id])
        items = cr.fetchall()
        aging = summary.aging([(due, residual) for _p, _m, _t, due, residual in items], today)
        total = sum(aging.values())
        per_partner = {}
        for partner_id, move_id, move_type, due, residual in items:
            row = per_partner.setdefault(partner_id, {"overdue": 0.0, "open": 0.0, "moves": set()})
            row["open"] += residual
            if summary.aging_bucket(due, today) != "current":
                row["overdue"] += residual
                if move_type == "out_invoice" and residual > 0:
                    row["moves"].add(move_id)
        # 2. ratings of those customers
        partner_ids = [p for p in per_partner if p]
        ratings = {}
        names = {}
        if partner_ids:
            cr.execute("SELECT id, collection_rating, name FROM res_partner WHERE id = ANY(%s)",
                       [partner_ids])
            for pid, rating, name in cr.fetchall():
                ratings[pid], names[pid] = rating or "good", name
        # 3. open promises
        promises = self.env["collection.promise"].sudo().search_read(
            [("company_id", "=", company.id), ("state", "=", "open")],
            ["partner_id", "promised_date", "amount", "move_ids"])
        promise_rows = []
        for promise in promises:
            pid = promise["partner_id"][0]
            rating = ratings.get(pid) or self.env["res.partner"].browse(pid).collection_rating
            promise_rows.append((promise["promised_date"], promise["amount"], rating,
                                 promise["move_ids"]))
        invoice_rows = [(move_id, due, residual, ratings.get(partner_id, "good"))
                        for partner_id, move_id, move_type, due, residual in items
                        if move_type == "out_invoice" and residual > 0]
        projection = summary.projection(invoice_rows, promise_rows, today)
        # 4. DSO with its trend: daily receivable movements and sales
        start = today - dt.timedelta(days=7 * 8 + summary.DSO_PERIOD_DAYS * summary.DSO_MAX_PERIODS)
        cr.execute(
            f"""
            SELECT CASE WHEN l.date <= %s THEN NULL ELSE l.date END, SUM(l.balance),
                   SUM(l.balance) FILTER (WHERE m.move_type IN ('out_invoice', 'out_refund'))
              {RECEIVABLE_LINES}
             WHERE l.company_id = %s AND l.parent_state = 'posted' AND l.date <= %s
             GROUP BY 1
            """, [start, company.id, today])
        opening = 0.0
        moves, sales = {}, {}
        for day, balance, sold in cr.fetchall():
            if day is None:
                opening = balance or 0.0
            else:
                moves[day] = balance or 0.0
                sales[day] = sold or 0.0
        trend = summary.dso_trend(opening, moves, sales, today)
        # 5. reminder effectiveness over the messages of the last 90 days
        cr.execute(
            f"""
            SELECT e.stage_id, e.move_id, e.done_at::date,
                   {summary.PAID_ON_SQL}
              FROM collection_event e
              JOIN account_move m ON m.id = e.move_id
             WHERE e.company_id = %s AND e.state = 'sent'
               AND e.channel IN ('email', 'whatsapp') AND e.done_at IS NOT NULL
               AND e.done_at >= %s
            """, [company.id, today - dt.timedelta(days=90)])
        effectiveness = summary.effectiveness(cr.fetchall(), today)
        stages = self.env["collection.policy.stage"].sudo().browse(
            [s for s in effectiveness if s]).exists()
        effect_rows = [
            {"stage": stage.display_name, "policy": stage.policy_id.name, **effectiveness[stage.id]}
            for stage in stages.sorted(lambda s: (s.policy_id.sequence, s.policy_id.id,
                                                  s.sequence, s.offset_days))
        ]
        # 6. top 10 overdue accounts with the state of their overdue invoices
        top = sorted((p for p in per_partner.items() if p[1]["overdue"] > 0 and p[0]),
                     key=lambda p: -p[1]["overdue"])[:10]
        states = {}
        top_moves = [m for _p, row in top for m in row["moves"]]
        if top_moves:
            for partner, state, count in self.env["account.move"].sudo()._read_group(
                    [("id", "in", top_moves)], ["commercial_partner_id", "collection_state"],
                    ["__count"]):
                states.setdefault(partner.id, {})[state] = count
        state_labels = dict(self.env["account.move"]._fields["collection_state"]
                            ._description_selection(self.env))
        top_rows = [{
            "name": names.get(pid, ""),
            "overdue": row["overdue"],
            "invoices": len(row["moves"]),
            "rating": ratings.get(pid, "good"),
            "states": ", ".join(f"{state_labels.get(s, s)} ({n})"
                                for s, n in sorted(states.get(pid, {}).items(), key=str)),
        } for pid, row in top]
        # 7. waiting items of the review tray and of the payment complements (when installed)
        review = complements = None
        if "collection.match" in self.env:
            Match = self.env["collection.match"].sudo()
            domain = [("state", "=", "to_review")]
            if "company_id" in Match._fields:
                domain.append(("company_id", "=", company.id))
            review = Match.search_count(domain)
        Move = self.env["account.move"].sudo()
        if "cfdi_complement_required" in Move._fields:
            complements = Move.search_count([("company_id", "=", company.id),
                                             ("cfdi_complement_required", "=", True)])
        return {
            "today": today,
            "total": total,
            "aging": aging,
            "overdue": total - aging["current"],
            "multi_overdue": sorted(names.get(p, "") for p, row in per_partner.items()
                                    if len(row["moves"]) > 1),
            "projection": projection,
            "dso": trend[-1][1],
            "trend": trend,
            "effectiveness": effect_rows,
            "top": top_rows,
            "review": review,
            "complements": complements,
        }

    # ------------------------------------------------------------------ build / send
    @api.model
    def _collection_build(self, company, today, send=True):
        lang = company.partner_id.lang or self.env.lang or "en_US"
        self = self.sudo().with_context(lang=lang)
        data = self._collection_data(company, today)
        week = summary.iso_week(today)

        def fmt(amount):
            return formatLang(self.env, amount or 0.0, currency_obj=company.currency_id)

        template = "account_collections_mx.collection_weekly_summary_body"
        body = self.env["ir.qweb"]._render(template, {
            "company": company,
            "data": data,
            "fmt": fmt,
            "bucket_labels": {
                "current": _("Current"), "1_30": _("1-30 days"), "31_60": _("31-60 days"),
                "61_90": _("61-90 days"), "90_plus": _("Over 90 days")},
            "buckets": summary.BUCKETS,
            "rating_labels": dict(self.env["res.partner"]._fields["collection_rating"]
                                  ._description_selection(self.env)),
        })
        record = self.search([("company_id", "=", company.id), ("week", "=", week)])
        vals = {
            "name": _("Collections summary %(week)s - %(company)s", week=week,
                      company=company.name),
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
            record.mail_id = self.env["mail.mail"].create({
                "subject": record.name,
                "body_html": body,
                "email_to": ",".join(emails),
                "email_from": company.email_formatted or self.env.user.email_formatted,
                "auto_delete": False,
                "model": self._name,
                "res_id": record.id,
            })
        return record

    def action_collection_resend(self):
        """Managers: rebuild and email these summaries again (read as the engine)."""
        if not self.env.user.has_group("account_collections_mx.group_collection_manager"):
            raise AccessError(_("Only collections managers can send the weekly summary again."))
        self.check_access("read")
        for record in self:
            self._collection_build(record.company_id, record.date)
        return True

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
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": record.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
