from odoo import api, fields, models
from odoo.tools import email_normalize


class ResPartner(models.Model):
    """A customer's email that bounced is shown as not working until it is fixed."""

    _inherit = "res.partner"

    collection_email_bounced = fields.Boolean(
        string="Email Not Working",
        compute="_compute_collection_email_bounced",
        help="Reminders to this address bounced (Odoo's bounce counter). The reminders go by "
        "WhatsApp when the customer has a valid mobile; fix the address to use email again.",
    )

    @api.depends("message_bounce", "email")
    def _compute_collection_email_bounced(self):
        for partner in self:
            partner.collection_email_bounced = bool(partner.email and partner.message_bounce > 0)

    def write(self, vals):
        # a new address has not bounced yet
        if "email" in vals and "message_bounce" not in vals:
            new = email_normalize(vals["email"] or "")
            changed = self.filtered(lambda p: p.message_bounce and p.email_normalized != new)
            if changed:
                super(ResPartner, changed).write({"message_bounce": 0})
        return super().write(vals)
