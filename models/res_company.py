from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import get_lang
from odoo.tools.translate import LazyTranslate

from ..tools import contact_rules, summary
from ..tools.cron import CronBudget, collection_may_commit

_lt = LazyTranslate(__name__)
WINDOW_ERRORS = {
    "The contact window hours must be between 00:00 and 24:00.": _lt(
        "The contact window hours must be between 00:00 and 24:00."
    ),
    "The contact window must start before it ends.": _lt("The contact window must start before it ends."),
    "In Mexico collection contact is only allowed between 07:00 and 22:00.": _lt(
        "In Mexico collection contact is only allowed between 07:00 and 22:00 (the debtor's local time)."
    ),
}


WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
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
    # WhatsApp Business Cloud API
    collection_wa_phone_number_id = fields.Char(string="WhatsApp Phone Number ID", groups="base.group_system")
    collection_wa_access_token = fields.Char(string="WhatsApp Access Token", groups="base.group_system")
    collection_wa_app_secret = fields.Char(string="WhatsApp App Secret", groups="base.group_system")
    collection_wa_verify_token = fields.Char(string="WhatsApp Verify Token", groups="base.group_system")
    collection_wa_api_version = fields.Char(string="WhatsApp API Version", default="v21.0")
    collection_wa_language = fields.Char(string="WhatsApp Template Language", default="es_MX")
    collection_wa_base_url = fields.Char(string="WhatsApp API Host", default="https://graph.facebook.com")
    collection_wa_max_attempts = fields.Integer(string="WhatsApp Attempts", default=5)
    collection_attach_pdf = fields.Boolean(
        string="Attach Invoice PDF to Reminders",
        default=True,
        help="Reminder emails carry the invoice PDF (and its CFDI XML when there is one).",
    )

    @api.constrains("collection_window_start", "collection_window_end", "country_id")
    def _check_collection_window(self):
        for company in self:
            error = contact_rules.check_window(
                company.collection_window_start,
                company.collection_window_end,
                mexico=company.country_id.code == "MX" or company.account_fiscal_country_id.code == "MX",
            )
            if error:
                raise ValidationError(str(WINDOW_ERRORS.get(error, error)))

    @api.constrains("collection_window_weekdays")
    def _check_collection_window_weekdays(self):
        for company in self:
            try:
                days = company._collection_weekdays()
            except ValueError:
                days = None
            if not days:
                raise ValidationError(_("Choose at least one weekday on which customers may be contacted."))

    @api.constrains(
        "collection_min_gap_days", "collection_human_after_days", "collection_tolerance", "collection_alert_min_amount"
    )
    def _check_collection_numbers(self):
        for company in self:
            if company.collection_alert_min_amount < 0:
                raise ValidationError(_("The alert threshold cannot be negative."))
            if company.collection_min_gap_days < 0 or company.collection_tolerance < 0:
                raise ValidationError(_("The minimum gap and the tolerance cannot be negative."))
            if company.collection_human_after_days < 1:
                raise ValidationError(_("The hand-over threshold must be at least one day."))

    @api.constrains("collection_writeoff_account_id")
    def _check_collection_writeoff_account(self):
        for company in self:
            account = company.collection_writeoff_account_id
            if account and (
                account.deprecated
                or account.account_type
                in ("asset_receivable", "liability_payable", "asset_cash", "liability_credit_card", "off_balance")
            ):
                raise ValidationError(
                    _(
                        "The payment difference account %s cannot be a receivable, payable, bank, "
                        "cash, credit card, off-balance or deprecated account.",
                        account.display_name,
                    )
                )

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

    def _collection_lang(self):
        """The language collections writes in for the company's staff (contact-log
        reasons, chatter notes, team alerts): its partner's, else the context's (else the
        first installed, English first).  Crons run without a language; what they write is
        read by the company's people."""
        return self[:1].partner_id.lang or get_lang(self.env).code

    def _collection_tz(self):
        """The company's time zone: its own, else the zone of its address's state (Mexico),
        else Mexico City."""
        self.ensure_one()
        partner = self.partner_id
        return contact_rules.customer_tz(
            partner.tz, contact_rules.state_tz(partner.country_id.code, partner.state_id.code)
        )

    # ------------------------------------------------------------------ default policies
    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._collection_create_default_policies()
        return companies

    def _collection_default_policy_specs(self):
        """The cadences every company starts with (editable; never overwritten)."""
        ref = self.env.ref
        upcoming = ref("account_collections_mx.mail_template_reminder_upcoming")
        due_today = ref("account_collections_mx.mail_template_reminder_due_today")
        pending = ref("account_collections_mx.mail_template_reminder_pending")
        firm = ref("account_collections_mx.mail_template_reminder_firm")
        call = ref("mail.mail_activity_data_call")
        todo = ref("mail.mail_activity_data_todo")
        return [
            (
                "standard",
                _("Standard"),
                True,
                [
                    (
                        10,
                        _("Friendly reminder"),
                        -3,
                        "email_whatsapp",
                        "friendly",
                        upcoming,
                        False,
                        False,
                        False,
                        "recordatorio_amable",
                    ),
                    # email stages name a WhatsApp template too: used when the email bounces
                    (
                        20,
                        _("Due today"),
                        0,
                        "email",
                        "informative",
                        due_today,
                        False,
                        False,
                        True,
                        "recordatorio_amable",
                    ),
                    (
                        30,
                        _("Payment pending"),
                        3,
                        "email",
                        "friendly",
                        pending,
                        False,
                        False,
                        False,
                        "recordatorio_amable",
                    ),
                    (
                        40,
                        _("Firm reminder"),
                        7,
                        "email_whatsapp",
                        "firm",
                        firm,
                        False,
                        True,
                        False,
                        "recordatorio_firme",
                    ),
                    (50, _("Phone call"), 15, "escalate", "firm", False, call, False, False, False),
                ],
            ),
            (
                "key_accounts",
                _("Key accounts"),
                False,
                [
                    (10, _("Courtesy reminder"), -3, "email", "informative", upcoming, False, False, False, False),
                    (20, _("Call the key account"), 5, "activity", "friendly", False, call, False, False, False),
                    (30, _("Review with the account manager"), 20, "activity", "firm", False, todo, True, False, False),
                ],
            ),
            (
                "late_payers",
                _("Repeat late payers"),
                False,
                [
                    (
                        10,
                        _("Early reminder"),
                        -7,
                        "email_whatsapp",
                        "friendly",
                        upcoming,
                        False,
                        False,
                        False,
                        "recordatorio_amable",
                    ),
                    (
                        20,
                        _("Due today"),
                        0,
                        "email_whatsapp",
                        "firm",
                        due_today,
                        False,
                        False,
                        True,
                        "recordatorio_firme",
                    ),
                    (
                        30,
                        _("Firm reminder"),
                        3,
                        "email_whatsapp",
                        "firm",
                        firm,
                        False,
                        True,
                        False,
                        "recordatorio_firme",
                    ),
                    (40, _("Phone call"), 7, "escalate", "firm", False, call, True, False, False),
                ],
            ),
        ]

    def _collection_create_default_policies(self):
        Policy = self.env["collection.policy"].sudo()
        created = Policy
        for company in self:
            if Policy.with_context(active_test=False).search_count([("company_id", "=", company.id)], limit=1):
                continue
            mine = Policy
            for code, name, is_default, stages in company._collection_default_policy_specs():
                mine |= Policy.create(
                    {
                        "name": name,
                        "company_id": company.id,
                        "is_default": is_default,
                        "code": code,
                        "stage_ids": [
                            (
                                0,
                                0,
                                {
                                    "sequence": seq,
                                    "name": sname,
                                    "offset_days": offset,
                                    "channel": channel,
                                    "tone": tone,
                                    "mail_template_id": template.id if template else False,
                                    "activity_type_id": activity.id if activity else False,
                                    "alert_internal": alert,
                                    "ignore_min_gap": ignore_gap,
                                    "whatsapp_template_name": wa or False,
                                },
                            )
                            for (seq, sname, offset, channel, tone, template, activity, alert, ignore_gap, wa) in stages
                        ],
                    }
                )
            created |= mine
            company._collection_default_segment_policies(mine)
        if created:
            # invoices posted before the company had policies join the default cadence
            self.env["account.move"]._collection_replan_policies(created)
        return created

    def _collection_default_segment_policies(self, policies):
        """Start with the default mapping: key accounts -> *Key accounts*, risky payers
        -> *Repeat late payers* (editable in the settings)."""
        self.ensure_one()
        by_code = {p.code: p for p in policies}
        vals = {}
        if not self.collection_key_account_policy_id and by_code.get("key_accounts"):
            vals["collection_key_account_policy_id"] = by_code["key_accounts"].id
        if not self.collection_risky_policy_id and by_code.get("late_payers"):
            vals["collection_risky_policy_id"] = by_code["late_payers"].id
        if vals:
            self.sudo().write(vals)

    # ------------------------------------------------------------------ bank matching
    collection_alert_min_amount = fields.Monetary(
        string="Alert the Team From",
        help="Stages with an internal alert notify the collections team only for invoices "
        "with at least this amount due (0: every invoice).",
    )
    collection_writeoff_account_id = fields.Many2one(
        "account.account",
        string="Payment Difference Account",
        check_company=True,
        domain="[('account_type', 'not in', ('asset_receivable', 'liability_payable', 'asset_cash', "
        "'liability_credit_card', 'off_balance')), ('deprecated', '=', False)]",
        help="Short payments within the collections tolerance are written off to this "
        "account when a bank line is reconciled from the review tray. Empty: the difference "
        "stays open on the invoice.",
    )
    collection_auto_reconcile = fields.Boolean(
        string="Reconcile Sure Bank Payments Automatically",
        default=True,
        help="A bank line matching exactly one invoice by reference and amount is reconciled "
        "at once; otherwise every suggestion waits in the review tray.",
    )
    collection_auto_match_partner_amount = fields.Boolean(
        string="Reconcile on Customer and Amount",
        default=False,
        help="Also reconcile automatically when the payer is known and exactly one of its "
        "open invoices has the amount paid, even without a reference.",
    )
    # ------------------------------------------------------------------ summary, promises, rating
    collection_summary_user_ids = fields.Many2many(
        "res.users",
        "res_company_collection_summary_user_rel",
        "company_id",
        "user_id",
        string="Weekly Summary Recipients",
        help="Receive the weekly collections summary by email.",
    )
    collection_summary_weekday = fields.Selection(WEEKDAYS, string="Weekly Summary Day", default="0", required=True)
    collection_summary_hour = fields.Float(
        string="Weekly Summary Hour", default=8.0, help="Local hour in the company's time zone."
    )
    collection_summary_last_week = fields.Char(
        string="Last Weekly Summary",
        readonly=True,
        copy=False,
        help="ISO week (e.g. 2026-W14) of the last summary sent: never twice the same week.",
    )
    collection_promise_grace_days = fields.Integer(
        string="Promise Grace Days",
        default=2,
        help="Days after the promised date the reminders stay on hold before the promise counts as broken.",
    )
    collection_statement_monthly = fields.Boolean(
        string="Monthly Statements of Account",
        help="Email every customer with an open balance its statement of account once a month.",
    )
    collection_rating_watch_days = fields.Integer(string="Watch After (Avg Days Late)", default=summary.WATCH_DAYS)
    collection_rating_risky_days = fields.Integer(string="Risky After (Avg Days Late)", default=summary.RISKY_DAYS)
    collection_rating_risky_broken = fields.Integer(
        string="Risky After (Broken Promises)",
        default=summary.RISKY_BROKEN,
        help="Broken promises in 12 months that make a customer risky (0 = never).",
    )
    collection_good_policy_id = fields.Many2one(
        "collection.policy", string="Policy for Good Payers", check_company=True, help="Empty = the default policy."
    )
    collection_watch_policy_id = fields.Many2one(
        "collection.policy", string="Policy for Payers to Watch", check_company=True
    )
    collection_risky_policy_id = fields.Many2one(
        "collection.policy", string="Policy for Risky Payers", check_company=True
    )
    collection_key_account_policy_id = fields.Many2one(
        "collection.policy",
        string="Policy for Key Accounts",
        check_company=True,
        help="Applied to customers tagged Key account (wins over the rating).",
    )

    @api.constrains(
        "collection_summary_hour",
        "collection_promise_grace_days",
        "collection_rating_watch_days",
        "collection_rating_risky_days",
        "collection_rating_risky_broken",
    )
    def _check_collection_summary_settings(self):
        for company in self:
            if not 0 <= company.collection_summary_hour < 24:
                raise ValidationError(_("The weekly summary hour must be between 00:00 and 23:59."))
            if company.collection_promise_grace_days < 0:
                raise ValidationError(_("The promise grace days cannot be negative."))
            if (
                company.collection_rating_risky_broken < 0
                or company.collection_rating_watch_days > company.collection_rating_risky_days
            ):
                raise ValidationError(
                    _(
                        "The 'watch' threshold must not exceed the 'risky' threshold, and the "
                        "broken promises threshold cannot be negative."
                    )
                )

    @api.constrains(
        "collection_good_policy_id",
        "collection_watch_policy_id",
        "collection_risky_policy_id",
        "collection_key_account_policy_id",
    )
    def _check_collection_segment_policies(self):
        for company in self:
            policies = (
                company.collection_good_policy_id
                | company.collection_watch_policy_id
                | company.collection_risky_policy_id
                | company.collection_key_account_policy_id
            ).sudo()
            other = policies.filtered(lambda p, c=company: p.company_id != c)
            if other:
                raise ValidationError(
                    _(
                        "The policies applied by payer rating must belong to %(company)s (%(policies)s do not).",
                        company=company.display_name,
                        policies=", ".join(other.mapped("display_name")),
                    )
                )

    def _collection_send_weekly_summary(self, now=None):
        """Cron: the weekly summary of each company, once per ISO week, at the first run at or
        after the configured local weekday and hour."""
        now = now or fields.Datetime.now()
        companies = self or self.search([])
        sent = self.env["collection.summary"]
        budget = CronBudget(self.env)
        for company in companies:
            if sent and budget.exhausted():
                # the companies left are still due: the next call prepares them
                self.env.ref("account_collections_mx.ir_cron_collection_weekly_summary")._trigger()
                break
            local_now = contact_rules.to_local(now, company._collection_tz())
            if not summary.summary_due(
                local_now,
                int(company.collection_summary_weekday),
                company.collection_summary_hour,
                company.collection_summary_last_week,
            ):
                continue
            sent |= self.env["collection.summary"]._collection_build(company, local_now.date())
            company.sudo().collection_summary_last_week = summary.iso_week(local_now.date())
            if collection_may_commit(self.env):
                self.env.cr.commit()  # this company's summary is out: never twice
        return sent
