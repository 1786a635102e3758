from odoo import fields, models


class CollectionAnalysis(models.Model):
    """Invoices under an active payment plan, in their own collection state."""

    _inherit = "collection.analysis"

    collection_state = fields.Selection(selection_add=[("plan", "Payment plan")])
