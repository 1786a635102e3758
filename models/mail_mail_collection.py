import logging

from odoo import models

_logger = logging.getLogger(__name__)


class MailMail(models.Model):
    """A reminder Odoo could not even send (the customer's address is invalid or missing)
    is handled like a bounce: its contact-log line fails, the address counts as not
    working (Odoo's bounce counter) and the collector gets a task to fix it."""

    _inherit = "mail.mail"

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        if failure_type in ("mail_email_invalid", "mail_email_missing"):
            try:
                with self.env.cr.savepoint():
                    self.env["collection.event"].sudo()._collection_email_undeliverable(
                        self, success_pids, failure_type)
            except Exception:  # the mail queue goes on whatever happens here
                _logger.exception("collections: undeliverable mails %s not handled", self.ids)
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type)
