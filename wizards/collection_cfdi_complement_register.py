from odoo import fields, models
from odoo.exceptions import UserError

from ..tools import cfdi


class CollectionCfdiComplementRegister(models.TransientModel):
    """Register the UUID(s) of payment complements (REP) issued for invoices."""

    _name = "collection.cfdi.complement.register"
    _description = "Register payment complements"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    uuids = fields.Text(string="REP UUIDs", required=True, help="UUID of each payment complement, one per line.")

    def action_register(self):
        self.ensure_one()
        text = self.env["account.move"]._cfdi_clean_uuid_text(self.uuids)
        uuids = cfdi.split_uuids(text)
        if not uuids:
            raise UserError(self.env._("Enter at least one payment complement UUID."))
        taken = self.env["account.move"].search([("cfdi_uuid", "in", uuids)], limit=1)
        if taken:
            raise UserError(
                self.env._(
                    "%(uuid)s is the UUID of the invoice %(invoice)s, not of a payment complement.",
                    uuid=taken.cfdi_uuid,
                    invoice=taken.display_name,
                )
            )
        self.move_ids._cfdi_register_complements(uuids)
        return {"type": "ir.actions.act_window_close"}
