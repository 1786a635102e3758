from odoo import _, api, fields, models, modules
from odoo.exceptions import ValidationError

from ..tools import contact_rules, summary

WEEKDAYS = [
    ("0", "Monday"), ("1", "Tuesday"), ("2", "Wednesday"), ("3", "Thursday"),
    ("4", "Friday"), ("5", "Saturday"), ("6", "Sunday"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    collection_tolerance = fields.Monetary(
        string="Collections Tolerance",
        currency_field="currency_id",
        default=1.0,
        help="Residual amounts at or below this are considered paid: no reminder is sent "
        "for them, and bank payments that differ by at most this amount may be reconciled "
        "with a write-off.",
    )
    collection_window_start = fields.Float(string="Contact Window From", default=8.0)
    collection_window_end = fields.Float(string="Contact Window To", default=20.0)
    collection_window_weekdays = fields.Char(
        string="Contact Weekdays",
        default="0,1,2,3,4",
        help="Days of the week on which customers may be contacted (0 = Monday ... 6 = Sunday).",
    )
    collection_non_contact_day_ids = fields.One2many(
        "collection.non.contact.day", "company_id", string="Non-contact Days"
    )
    collection_min_gap_days = fields.Integer(
        string="Minimum Days Between Messages",
        default=2,
        help="Minimum number of days between two messages of the same channel to the same "
        "customer. Stages marked 'Ignore minimum gap' (e.g. due today) may override it.",
    )
    collection_human_after_days = fields.Integer(
        string="Hand Over to a Person After (Days Overdue)",
        default=60,
        help="Invoices this many days overdue are handed to a human collector: no more "
        "automatic messages, a to-do for the responsible.",
    )
    collection_batch_size = fields.Integer(string="Collections Batch Size", default=200)

    @api.constrains("collection_window_start", "collection_window_end", "country_id")
    def _check_collection_window(self):
        for company in self:
            error = contact_rules.check_window(
                company.collection_window_start,
                company.collection_window_end,
                mexico=company.country_id.code == "MX" or company.account_fiscal_country_id.code == "MX",
            )
            if error:
                raise ValidationError(_(error))

    @api.constrains("collection_window_weekdays")
    def _check_collection_window_weekdays(self):
        for company in self:
            try:
                days = company._collection_weekdays()
            except ValueError:
                days = None
            if not days:
                raise ValidationError(
                    _("Choose at least one weekday on which customers may be contacted "
                      "(0 = Monday ... 6 = Sunday).")
                )

    @api.constrains("collection_min_gap_days", "collection_human_after_days", "collection_tolerance",
                    "collection_batch_size")
    def _check_collection_numbers(self):
        for company in self:
            if company.collection_min_gap_days < 0 or company.collection_tolerance < 0:
                raise ValidationError(_("The minimum gap and the tolerance cannot be negative."))
            if company.collection_human_after_days < 1:
                raise ValidationError(_("The hand-over threshold must be at least one day."))
            if company.collection_batch_size < 1:
                raise ValidationError(_("The batch size must be at least 1."))

    def _collection_weekdays(self):
        self.ensure_one()
        raw = (self.collection_window_weekdays or "").replace(" ", "")
        days = {int(x) for x in raw.split(",") if x}
        if any(d < 0 or d > 6 for d in days):
            raise ValueError(raw)
        return days

    def _collection_contact_window(self):
        """The company's :class:`ContactWindow` (Mexican holidays always apply)."""
        self.ensure_one()
        return contact_rules.ContactWindow(
            start=self.collection_window_start,
            end=self.collection_window_end,
            weekdays=self._collection_weekdays(),
            extra_days=self.collection_non_contact_day_ids.mapped("date"),
        )

    def _collection_tz(self):
        self.ensure_one()
        return self.partner_id.tz or contact_rules.DEFAULT_TZ

    # ---------------------------------------------------- summary, promises, rating (#7)
    collection_summary_user_ids = fields.Many2many(
        "res.users", "res_company_collection_summary_user_rel", "company_id", "user_id",
        string="Weekly Summary Recipients",
        help="Receive the weekly collections summary by email.")
    collection_summary_weekday = fields.Selection(WEEKDAYS, string="Weekly Summary Day",
                                                  default="0", required=True)
    collection_summary_hour = fields.Float(string="Weekly Summary Hour", default=8.0,
                                           help="Local hour in the company's time zone.")
    collection_summary_last_week = fields.Char(
        string="Last Weekly Summary", readonly=True, copy=False,
        help="ISO week (e.g. 2026-W14) of the last summary sent: never twice the same week.")
    collection_promise_grace_days = fields.Integer(
        string="Promise Grace Days", default=2,
        help="Days after the promised date the reminders stay on hold before the promise "
        "counts as broken.")
    collection_statement_monthly = fields.Boolean(
        string="Monthly Statements of Account",
        help="Email every customer with an open balance its statement of account once a month.")
    collection_rating_watch_days = fields.Integer(
        string="Watch After (Avg Days Late)", default=summary.WATCH_DAYS)
    collection_rating_risky_days = fields.Integer(
        string="Risky After (Avg Days Late)", default=summary.RISKY_DAYS)
    collection_rating_risky_broken = fields.Integer(
        string="Risky After (Broken Promises)", default=summary.RISKY_BROKEN,
        help="Broken promises in 12 months that make a customer risky (0 = never).")
    collection_good_policy_id = fields.Many2one(
        "collection.policy", string="Policy for Good Payers", check_company=True,
        help="Empty = the default policy.")
    collection_watch_policy_id = fields.Many2one(
        "collection.policy", string="Policy for Payers to Watch", check_company=True)
    collection_risky_policy_id = fields.Many2one(
        "collection.policy", string="Policy for Risky Payers", check_company=True)
    collection_key_account_policy_id = fields.Many2one(
        "collection.policy", string="Policy for Key Accounts", check_company=True,
        help="Applied to customers tagged Key account (wins over the rating).")

    @api.constrains("collection_summary_hour", "collection_promise_grace_days",
                    "collection_rating_watch_days", "collection_rating_risky_days",
                    "collection_rating_risky_broken")
    def _check_collection_summary_settings(self):
        for company in self:
            if not 0 <= company.collection_summary_hour < 24:
                raise ValidationError(_("The weekly summary hour must be between 00:00 and 23:59."))
            if company.collection_promise_grace_days < 0:
                raise ValidationError(_("The promise grace days cannot be negative."))
            if company.collection_rating_risky_broken < 0 or \
                    company.collection_rating_watch_days > company.collection_rating_risky_days:
                raise ValidationError(_(
                    "The 'watch' threshold must not exceed the 'risky' threshold, and the "
                    "broken promises threshold cannot be negative."))

    def _collection_send_weekly_summary(self, now=None):
        """Cron: the weekly summary of each company, once per ISO week, at the first run at or
        after the configured local weekday and hour."""
        now = now or fields.Datetime.now()
        companies = self or self.search([])
        sent = self.env["collection.summary"]
        for company in companies:
            local_now = contact_rules.to_local(now, company._collection_tz())
            if not summary.summary_due(local_now, int(company.collection_summary_weekday),
                                       company.collection_summary_hour,
                                       company.collection_summary_last_week):
                continue
            sent |= self.env["collection.summary"]._collection_build(company, local_now.date())
            company.sudo().collection_summary_last_week = summary.iso_week(local_now.date())
            if not modules.module.current_test:
                self.env.cr.commit()  # this company's summary is out: never twice
        return sent
