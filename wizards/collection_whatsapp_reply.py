from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

from ..models.collection_event import wait_reason
from ..models.collection_whatsapp_provider import WhatsAppError
from ..tools import actions, contact_rules, whatsapp


class CollectionWhatsAppReply(models.TransientModel):
    """Free-text answer to a customer who wrote on WhatsApp in the last 24 hours.

    Under the same rules as every customer message: never to a customer who asked not to
    be contacted, only inside the contact window (no holiday, no non-contact day), from the
    company whose WhatsApp number received the customer's message, and logged in the
    contact log.
    """

    _name = "collection.whatsapp.reply"
    _description = "Answer a Customer on WhatsApp"

    partner_id = fields.Many2one("res.partner", required=True)
    body = fields.Text(required=True)

    def _reply_company(self, partner):
        """The company that received the customer's last WhatsApp message."""
        last = (
            self.env["collection.whatsapp.message"]
            .sudo()
            .search([("partner_id", "=", partner.id)], order="received_at desc, id desc", limit=1)
        )
        return last.company_id or self.env.company

    def action_send(self):
        self.ensure_one()
        if not self.env.user.has_group("account_collections_mx.group_collection_user"):
            raise UserError(_("Only Collections Users can answer customers on WhatsApp."))
        partner = self.partner_id.commercial_partner_id
        company = self._reply_company(partner)
        if company not in self.env.user.company_ids:
            raise UserError(
                _(
                    "%(partner)s wrote to the WhatsApp number of %(company)s: only its users can answer.",
                    partner=partner.display_name,
                    company=company.display_name,
                )
            )
        if partner.collection_do_not_contact:
            raise UserError(_("%s asked not to be contacted: no message is sent.", partner.display_name))
        if not partner.collection_wa_window_open:
            raise UserError(
                _(
                    "The customer has not written on WhatsApp in the last 24 hours: outside "
                    "that window only approved templates may be sent."
                )
            )
        now = fields.Datetime.now()
        tz = partner._collection_tz(company)
        when, why = contact_rules.next_contact_utc(company.sudo()._collection_contact_window(), now, tz)
        if why:
            message = _(
                "Outside the contact window (%(reason)s): this answer may be sent from %(when)s (%(tz)s).",
                reason=wait_reason(self.env, why),
                when=format_datetime(self.env, when, tz=tz, dt_format="short"),
                tz=tz,
            )
            window_end = fields.Datetime.add(partner.collection_wa_last_inbound, hours=24)
            if when >= window_end:
                message += " " + _(
                    "The customer's 24-hour WhatsApp window closes before then: "
                    "only an approved template can be sent after it."
                )
            raise UserError(message)
        raw = partner.mobile or partner.phone
        if not whatsapp.e164(raw):
            raise UserError(_("%s has no valid mobile number.", partner.display_name))
        # the contact log line and the chatter note are written before the call: a conflict
        # with another transaction can only happen before anything left
        event = (
            self.env["collection.event"]
            .sudo()
            .with_context(collection_engine=True)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "channel": "whatsapp_text",
                    "state": "scheduled",
                    "scheduled_at": now,
                    "body": self.body,
                    "user_id": self.env.user.id,
                    "delivery_status": "sending",
                    "attempt_count": 1,
                }
            )
        )
        event.flush_recordset()
        Provider = self.env["collection.whatsapp.provider"].sudo().with_company(company)
        try:
            wamid = Provider._send_text(raw, self.body, company=company)
        except WhatsAppError as error:
            if not error.unknown:
                raise UserError(str(error)) from error  # nothing left: rolled back, try again
            event._mark("failed", error=str(error), delivery_status="unknown")
            return actions.notification(
                _("%s It is not resent: check with the customer before answering again.", error), "warning", sticky=True
            )
        event._mark("sent", provider_ref=wamid, delivery_status="sent", done_at=now)
        partner.sudo().message_post(
            body=Markup("<b>%s</b><br/>%s") % (_("WhatsApp answer (%s):", wamid), self.body),
            author_id=self.env.user.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return {"type": "ir.actions.act_window_close"}
