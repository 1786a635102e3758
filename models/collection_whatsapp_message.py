from odoo import fields, models

from .collection_whatsapp_rule import REPLY_KINDS


class CollectionWhatsAppMessage(models.Model):
    """Inbound WhatsApp messages, once each (webhook replays change nothing)."""

    _name = "collection.whatsapp.message"
    _description = "Inbound WhatsApp Message"
    _order = "received_at desc, id desc"

    wamid = fields.Char(string="WhatsApp Message ID", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True, index=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    phone = fields.Char(readonly=True)
    body = fields.Text(readonly=True)
    kind = fields.Selection(REPLY_KINDS + [("acknowledgement", "Acknowledgement")], readonly=True)
    received_at = fields.Datetime(default=fields.Datetime.now, readonly=True)

    _sql_constraints = [
        ("wamid_uniq", "unique(wamid)", "This WhatsApp message was already received."),
    ]
