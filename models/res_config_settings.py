from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    collection_summary_user_ids = fields.Many2many(
        related="company_id.collection_summary_user_ids", readonly=False)
    collection_summary_weekday = fields.Selection(
        related="company_id.collection_summary_weekday", readonly=False)
    collection_summary_hour = fields.Float(related="company_id.collection_summary_hour",
                                           readonly=False)
    collection_promise_grace_days = fields.Integer(
        related="company_id.collection_promise_grace_days", readonly=False)
    collection_statement_monthly = fields.Boolean(
        related="company_id.collection_statement_monthly", readonly=False)
    collection_rating_watch_days = fields.Integer(
        related="company_id.collection_rating_watch_days", readonly=False)
    collection_rating_risky_days = fields.Integer(
        related="company_id.collection_rating_risky_days", readonly=False)
    collection_rating_risky_broken = fields.Integer(
        related="company_id.collection_rating_risky_broken", readonly=False)
    collection_good_policy_id = fields.Many2one(
        related="company_id.collection_good_policy_id", readonly=False)
    collection_watch_policy_id = fields.Many2one(
        related="company_id.collection_watch_policy_id", readonly=False)
    collection_risky_policy_id = fields.Many2one(
        related="company_id.collection_risky_policy_id", readonly=False)
    collection_key_account_policy_id = fields.Many2one(
        related="company_id.collection_key_account_policy_id", readonly=False)
