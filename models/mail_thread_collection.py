"""The mail gateway and collections: customers' email replies and bounced reminders.

* a reply routed to an invoice, a customer or a payment plan is posted by Odoo as usual;
  then, if the customer is under collections, it goes through the reply rules
  (models/collection_event_reply.py) and is logged in the contact log;
* a bounce (delivery status notification) of a reminder marks its contact-log event
  failed and gives the collector a task; Odoo's own bounce counter on the customer
  (``message_bounce``) shows the address as not working.

A failure here never loses the customer's email: it is logged and the email stays
posted in the chatter.
"""

import logging

from odoo import api, models

_logger = logging.getLogger(__name__)


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _collection_post_customer_email(self, company, recipients, subject, body, attachment_ids=None):
        """Post an email of the collections in this record's chatter (as the engine): from
        ``company`` (author and sender) to ``recipients``, in Odoo's light layout, queued
        (``mail.mail``, sent by Odoo's mail queue).

        :return: the posted message
        """
        self.ensure_one()
        return (
            self.sudo()
            .with_context(mail_post_autofollow=False)
            .message_post(
                body=body,
                subject=subject,
                partner_ids=recipients.ids,
                attachment_ids=attachment_ids,
                author_id=company.partner_id.id,
                email_from=company.email_formatted or None,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
                force_send=False,
            )
        )

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        thread_id = super()._message_route_process(message, message_dict, routes)
        if routes and any(route[0] in ("account.move", "res.partner", "collection.payment.plan") for route in routes):
            try:
                with self.env.cr.savepoint():
                    self.env["collection.event"].sudo()._collection_email_received(message, message_dict)
            except Exception:  # the email itself is kept: a person reads it in the chatter
                _logger.exception("collections: the email %s could not be handled", message_dict.get("message_id"))
        return thread_id

    @api.model
    def _routing_handle_bounce(self, email_message, message_dict):
        super()._routing_handle_bounce(email_message, message_dict)
        try:
            with self.env.cr.savepoint():
                self.env["collection.event"].sudo()._collection_email_bounced(message_dict)
        except Exception:
            _logger.exception("collections: the bounce %s could not be handled", message_dict.get("message_id"))
