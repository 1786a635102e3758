from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import contact_rules

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

    # ------------------------------------------------------------------ bank matching (#4)
    collection_writeoff_account_id = fields.Many2one(
        "account.account",
        string="Payment Difference Account",
        check_company=True,
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
