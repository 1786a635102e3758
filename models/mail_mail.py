import logging

from odoo import fields, models

from ..tools.channels import MAIL_CHANNELS

_logger = logging.getLogger(__name__)

#: failures of an address Odoo cannot even send to: handled like a bounce
UNDELIVERABLE = ("mail_email_invalid", "mail_email_missing")


class MailMail(models.Model):
    """The contact rules are checked again right before a collections email leaves.

    See models/collection_event_mail.py: an email of a queued reminder, statement of
    account or payment plan message that may no longer go is cancelled; one outside the
    customer's contact window waits in the queue; the event of one that left becomes
    ``sent``.  One that Odoo could not even send (the customer's address is invalid or
    missing) is handled like a bounce (models/collection_event_reply.py): its event fails,
    the address counts as not working (Odoo's bounce counter) and the collector gets a
    task to fix it.
    """

    _inherit = "mail.mail"

    def _send(self, *args, **kwargs):
        held = self._collection_hold_back()
        return super(MailMail, self - held)._send(*args, **kwargs)

    def _collection_hold_back(self):
        """The mails among these that must not leave now (waiting or withdrawn)."""
        mails = self.sudo().filtered(lambda m: m.state == "outgoing" and m.mail_message_id)
        if not mails:
            return self.browse()
        # queued emails, and failed ones a person sends again (Technical ▸ Emails ▸ Retry)
        events = (
            self.env["collection.event"]
            .sudo()
            .search(
                [
                    ("mail_message_id", "in", mails.mail_message_id.ids),
                    ("channel", "in", MAIL_CHANNELS),
                    ("state", "in", ("queued", "failed")),
                ]
            )
        )
        if not events:
            return self.browse()
        now = fields.Datetime.now()
        held = self.browse()
        for message, message_events in events.grouped("mail_message_id").items():
            # the reasons logged in the language of the company's contact log
            message_events = message_events.with_context(lang=message_events.company_id[:1]._collection_lang())
            verdict, detail = message_events._collection_mail_check(now)
            if verdict == "send":
                continue
            held |= mails.filtered(lambda m, msg=message: m.mail_message_id == msg)
            if verdict == "wait":
                message_events._collection_mail_wait(*detail)
            else:
                message_events._collection_withdraw(detail, now)
        return self.browse(held.ids)

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        # before the mails are deleted (auto_delete): which collections emails left or failed
        undeliverable = set()
        if failure_type in UNDELIVERABLE:
            try:
                with self.env.cr.savepoint():
                    undeliverable = set(
                        self.env["collection.event"]
                        .sudo()
                        ._collection_email_undeliverable(self, success_pids, failure_type)
                        .mail_message_id.ids
                    )
            except Exception:  # the mail queue goes on whatever happens here
                _logger.exception("collections: undeliverable mails %s not handled", self.ids)
        sent, failed = set(), set()
        for mail in self.sudo().filtered("mail_message_id"):
            message = mail.mail_message_id
            # the customer's copy counts (not one to another follower of the document)
            if mail.recipient_ids and not (mail.recipient_ids & message.partner_ids):
                continue
            if message.id in undeliverable:
                continue  # failed as undeliverable just above, whatever else went out
            if mail.state == "sent":
                sent.add(message.id)
            elif mail.state == "exception":
                failed.add(message.id)
        if sent or failed:
            Event = self.env["collection.event"]
            if sent:
                Event._collection_mail_sent(sent)
            if failed - sent:
                Event._collection_mail_failed(failed - sent, failure_reason or self[:1].failure_reason or failure_type)
        return super()._postprocess_sent_message(success_pids, failure_reason=failure_reason, failure_type=failure_type)
