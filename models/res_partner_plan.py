from odoo import fields, models


class ResPartner(models.Model):
    """A customer's payment plans, and the wizard that prepares one."""

    _inherit = "res.partner"

    collection_payment_plan_ids = fields.One2many("collection.payment.plan", "partner_id", string="Payment Plans")

    def action_collection_payment_plan(self):
        self.ensure_one()
        return self.commercial_partner_id._collection_plan_wizard_action()

    def _collection_plan_wizard_action(self, moves=None):
        context = {"default_partner_id": self[:1].commercial_partner_id.id}
        if moves:
            context["default_move_ids"] = [(6, 0, moves.ids)]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Prepare a payment plan"),
            "res_model": "collection.payment.plan.wizard",
            "view_mode": "form",
            "target": "new",
            "context": context,
        }
