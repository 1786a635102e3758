from odoo import api, fields, models


class CollectionReviewWizard(models.TransientModel):
    """*Mark tax data reviewed* while the CFDI data still has issues: they are listed, and
    the person decides (confirming marks the customer reviewed all the same)."""

    _name = "collection.review.wizard"
    _description = "Confirm the Tax Data Review of a Customer"

    partner_ids = fields.Many2many("res.partner", string="Customers", readonly=True)
    cfdi_data_issues = fields.Text(string="CFDI Data Issues", compute="_compute_issues")
    collection_contact_issues = fields.Text(string="How to Reach", compute="_compute_issues")

    @api.model
    def _action_open(self, partners):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Mark tax data reviewed"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": [(6, 0, partners.ids)]},
        }

    @api.depends("partner_ids")
    def _compute_issues(self):
        for wizard in self:
            many = len(wizard.partner_ids) > 1
            issues, contact = [], []
            for partner in wizard.partner_ids:
                for text, target in ((partner.cfdi_data_issues, issues), (partner.collection_contact_issues, contact)):
                    if text:
                        target.append(f"{partner.display_name}:\n{text}" if many else text)
            wizard.cfdi_data_issues = "\n".join(issues) or False
            wizard.collection_contact_issues = "\n".join(contact) or False

    def action_confirm(self):
        self.ensure_one()
        self.partner_ids.with_context(collection_review_confirmed=True).action_collection_mark_reviewed()
        return {"type": "ir.actions.act_window_close"}
