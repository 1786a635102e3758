from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    collection_default_policy_id = fields.Many2one(
        "collection.policy",
        string="Default Collection Policy",
        compute="_compute_collection_default_policy_id",
        inverse="_inverse_collection_default_policy_id",
        domain="[('company_id', '=', company_id)]",
        readonly=False,
    )
    collection_tolerance = fields.Monetary(related="company_id.collection_tolerance", readonly=False)
    collection_writeoff_account_id = fields.Many2one(
        related="company_id.collection_writeoff_account_id", readonly=False
    )
    collection_auto_reconcile = fields.Boolean(related="company_id.collection_auto_reconcile", readonly=False)
    collection_auto_match_partner_amount = fields.Boolean(
        related="company_id.collection_auto_match_partner_amount", readonly=False
    )
    collection_window_start = fields.Float(related="company_id.collection_window_start", readonly=False)
    collection_window_end = fields.Float(related="company_id.collection_window_end", readonly=False)
    collection_min_gap_days = fields.Integer(related="company_id.collection_min_gap_days", readonly=False)
    collection_human_after_days = fields.Integer(related="company_id.collection_human_after_days", readonly=False)
    collection_alert_min_amount = fields.Monetary(related="company_id.collection_alert_min_amount", readonly=False)
    # the customer's page: the account customers transfer to, how far they may promise
    collection_receipt_bank_id = fields.Many2one(
        related="company_id.collection_receipt_bank_id",
        readonly=False,
        domain="[('partner_id', '=', collection_company_partner_id)]",
    )
    collection_company_partner_id = fields.Many2one(related="company_id.partner_id")
    collection_receipt_bank_default = fields.Char(
        string="Default Account for Transfers", compute="_compute_collection_receipt_bank_default"
    )
    collection_portal_promise_days = fields.Integer(related="company_id.collection_portal_promise_days", readonly=False)

    @api.depends("company_id")
    def _compute_collection_receipt_bank_default(self):
        for settings in self:
            info = settings.company_id._collection_receipt_bank_info()
            settings.collection_receipt_bank_default = " · ".join(
                v for v in (info.get("bank"), info.get("clabe") or info.get("account")) if v
            ) or self.env._("No bank journal with an account yet")

    collection_contact_mon = fields.Boolean(
        "Mon", compute="_compute_collection_contact_days", inverse="_inverse_collection_contact_days", readonly=False
    )
    collection_contact_tue = fields.Boolean(
        "Tue", compute="_compute_collection_contact_days", inverse="_inverse_collection_contact_days", readonly=False
    )
    collection_contact_wed = fields.Boolean(
        "Wed", compute="_compute_collection_contact_days", inverse="_inverse_collection_contact_days", readonly=False
    )
    collection_contact_thu = fields.Boolean(
        "Thu", compute="_compute_collection_contact_days", inverse="_inverse_collection_contact_days", readonly=False
    )
    collection_contact_fri = fields.Boolean(
        "Fri", compute="_compute_collection_contact_days", inverse="_inverse_collection_contact_days", readonly=False
    )
    collection_contact_sat = fields.Boolean(
        "Sat", compute="_compute_collection_contact_days", inverse="_inverse_collection_contact_days", readonly=False
    )
    collection_contact_sun = fields.Boolean(
        "Sun", compute="_compute_collection_contact_days", inverse="_inverse_collection_contact_days", readonly=False
    )

    _CONTACT_DAY_FIELDS = [f"collection_contact_{d}" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]

    @api.depends("company_id.collection_window_weekdays")
    def _compute_collection_contact_days(self):
        for settings in self:
            try:
                days = settings.company_id._collection_weekdays()
            except ValueError:
                days = set()
            for index, fname in enumerate(self._CONTACT_DAY_FIELDS):
                settings[fname] = index in days

    def _inverse_collection_contact_days(self):
        for settings in self:
            days = [str(i) for i, fname in enumerate(self._CONTACT_DAY_FIELDS) if settings[fname]]
            value = ",".join(days)
            if settings.company_id.collection_window_weekdays != value:
                settings.company_id.collection_window_weekdays = value

    collection_wa_phone_number_id = fields.Char(related="company_id.collection_wa_phone_number_id", readonly=False)
    collection_wa_access_token = fields.Char(related="company_id.collection_wa_access_token", readonly=False)
    collection_wa_app_secret = fields.Char(related="company_id.collection_wa_app_secret", readonly=False)
    collection_wa_verify_token = fields.Char(related="company_id.collection_wa_verify_token", readonly=False)
    collection_wa_api_version = fields.Char(related="company_id.collection_wa_api_version", readonly=False)
    collection_wa_language = fields.Char(related="company_id.collection_wa_language", readonly=False)
    collection_wa_max_attempts = fields.Integer(related="company_id.collection_wa_max_attempts", readonly=False)

    @api.constrains("collection_wa_max_attempts")
    def _check_collection_wa_max_attempts(self):
        for settings in self:
            if not 1 <= settings.collection_wa_max_attempts <= 20:
                raise ValidationError(self.env._("WhatsApp attempts must be between 1 and 20."))

    @api.depends("company_id")
    def _compute_collection_default_policy_id(self):
        for settings in self:
            settings.collection_default_policy_id = self.env["collection.policy"]._get_default(settings.company_id)

    def _inverse_collection_default_policy_id(self):
        for settings in self:
            policy = settings.collection_default_policy_id
            if policy and not policy.is_default:
                policy.action_set_default()

    def action_collection_open_non_contact_days(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Non-contact days"),
            "res_model": "collection.non.contact.day",
            "view_mode": "list",
            "domain": [("company_id", "=", self.company_id.id)],
            "context": {"default_company_id": self.company_id.id},
        }

    # weekly summary, statements, promises, payer rating
    collection_summary_user_ids = fields.Many2many(related="company_id.collection_summary_user_ids", readonly=False)
    collection_summary_weekday = fields.Selection(related="company_id.collection_summary_weekday", readonly=False)
    collection_summary_hour = fields.Float(related="company_id.collection_summary_hour", readonly=False)
    collection_promise_grace_days = fields.Integer(related="company_id.collection_promise_grace_days", readonly=False)
    collection_statement_monthly = fields.Boolean(related="company_id.collection_statement_monthly", readonly=False)
    collection_rating_watch_days = fields.Integer(related="company_id.collection_rating_watch_days", readonly=False)
    collection_rating_risky_days = fields.Integer(related="company_id.collection_rating_risky_days", readonly=False)
    collection_rating_risky_broken = fields.Integer(related="company_id.collection_rating_risky_broken", readonly=False)
    collection_good_policy_id = fields.Many2one(related="company_id.collection_good_policy_id", readonly=False)
    collection_watch_policy_id = fields.Many2one(related="company_id.collection_watch_policy_id", readonly=False)
    collection_risky_policy_id = fields.Many2one(related="company_id.collection_risky_policy_id", readonly=False)
    collection_key_account_policy_id = fields.Many2one(
        related="company_id.collection_key_account_policy_id", readonly=False
    )
