from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    collection_tolerance = fields.Monetary(
        related="company_id.collection_tolerance", readonly=False,
        currency_field="currency_id")
    collection_writeoff_account_id = fields.Many2one(
        related="company_id.collection_writeoff_account_id", readonly=False)
    collection_auto_reconcile = fields.Boolean(
        related="company_id.collection_auto_reconcile", readonly=False)
    collection_auto_match_partner_amount = fields.Boolean(
        related="company_id.collection_auto_match_partner_amount", readonly=False)
