from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..models.collection_whatsapp_provider import WhatsAppError
from ..tools import whatsapp


class CollectionWhatsAppReply(models.TransientModel):
    _name = "collection.whatsapp.reply"
    _description = "Answer a Customer on WhatsApp"

    partner_id = fields.Many2one("res.partner", required=True)
    body = fields.Text(required=True)

    def action_send(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        if not partner.collection_wa_window_open:
            raise UserError(_("The customer has not written on WhatsApp in the last 24 hours: outside "
                              "that window only approved templates may be sent."))
        phone = whatsapp.normalize_phone(partner.mobile or partner.phone)
        if not phone:
            raise UserError(_("%s has no valid mobile number.", partner.display_name))
        try:
            wamid = self.env["collection.whatsapp.provider"].sudo()._send_text(
                phone, self.body, company=self.env.company)
        except WhatsAppError as error:
            raise UserError(str(error)) from error
        partner.sudo().message_post(
            body=Markup("<b>%s</b><br/>%s") % (_("WhatsApp answer (%s):", wamid), self.body),
            author_id=self.env.user.partner_id.id, message_type="comment",
            subtype_xmlid="mail.mt_note")
        return {"type": "ir.actions.act_window_close"}
