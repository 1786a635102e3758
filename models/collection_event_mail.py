"""Customer emails of the contact log leave with Odoo's mail queue, under the contact rules.

Reminders, statements of account and the messages of payment plans (proposal, instalment
reminders) are written as ``mail.mail`` (Odoo's outgoing queue) in the transaction that
logs them: the event is then ``queued``.  The queue sends them
later (its cron, triggered at once); right before an email leaves, ``mail.mail._send``
(models/mail_mail.py) asks the events of its message whether it may still go:

* the invoice is no longer in collections (paid, disputed, paused, excluded, handed to a
  person), or the customer asked not to be contacted (or, for a statement, opted out or
  was paused; for a payment plan: the plan is no longer open, the instalment was paid,
  the reminders are held or the customer is paused): the email is cancelled, the event
  skipped with the reason; the other
  invoices of the same email go back to ``scheduled`` and the next run writes them a new
  reminder without it;
* outside the customer's contact window (evening, weekend, holiday, company non-contact
  day): the email waits in the queue until the next allowed time;
* otherwise it leaves, and the event becomes ``sent`` with the time it really left (the
  minimum gap between two messages counts from that time).  A mail server refusing it
  marks the event failed with its reason.
"""

import logging

import psycopg2
from markupsafe import escape

from odoo import _, api, fields, models

from ..tools import contact_rules
from ..tools.channels import MAIL_CHANNELS
from .collection_event import state_skip_reason, wait_reason

_logger = logging.getLogger(__name__)


class CollectionEvent(models.Model):
    _inherit = "collection.event"

    @api.model
    def _collection_wake_mail_queue(self, at=None):
        """Odoo's mail queue runs at ``at`` (now by default), not at its next hourly run."""
        cron = self.env.ref("mail.ir_cron_mail_scheduler_action", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger(at=at)

    def _collection_mail_check(self, now):
        """May the email of these events (one message: same customer, company, channel)
        leave now?

        :return: ``("send", None)``, ``("wait", (when, reason))`` or
            ``("withdraw", {event: reason})`` for the events no longer allowed
        """
        partner = self.partner_id[:1]
        company = self.company_id[:1]
        withdrawn = {}
        for event in self:
            reason = event._collection_mail_block(now)
            if reason:
                withdrawn[event] = str(reason)
        if withdrawn:
            return "withdraw", withdrawn
        when, why = contact_rules.next_contact_utc(
            company._collection_contact_window(), now, partner._collection_tz(company)
        )
        if why:
            return "wait", (when, why)
        return "send", None

    def _collection_mail_block(self, now):
        """Why the email of this event may no longer leave (``None``: it may).

        Reminders: the customer is do-not-contact or the invoice left collections;
        statements: see ``_collection_statement_block``; the messages of payment plans:
        models/collection_event_plan.py.
        """
        self.ensure_one()
        if self.channel == "statement":
            return self._collection_statement_block(now)
        if self.partner_id.commercial_partner_id.collection_do_not_contact:
            return _("The customer asked not to be contacted")
        state = self.move_id.collection_state
        return None if state == "active" else state_skip_reason(self.env, state)

    def _collection_mail_wait(self, when, why):
        """The email of these events waits in the queue until ``when``."""
        messages = self.mail_message_id
        mails = (
            self.env["mail.mail"].sudo().search([("mail_message_id", "in", messages.ids), ("state", "=", "outgoing")])
        )
        mails.write({"scheduled_date": when})
        self.sudo().write({"scheduled_at": when, "skip_reason": _("Waiting: %s", wait_reason(self.env, why))})
        self._collection_wake_mail_queue(when)

    def _collection_withdraw(self, reasons, now=None):
        """Queued emails that may no longer go: cancelled before they leave.

        :param reasons: {event: reason} of the events no longer allowed (these events, or
            some of them); they are skipped with their reason.  The other queued events of
            the same emails go back to ``scheduled``: the next run writes their customer a
            new message without the withdrawn invoices.
        """
        now = now or fields.Datetime.now()
        withdrawn = self.browse([e.id for e in reasons])
        messages = withdrawn.mail_message_id
        if not messages:
            for event, reason in reasons.items():
                event._mark("skipped", skip_reason=reason, done_at=now)
            return
        Mail = self.env["mail.mail"].sudo()
        mails = Mail.search([("mail_message_id", "in", messages.ids), ("state", "in", ("outgoing", "exception"))])
        mails.cancel()
        self.env["mail.notification"].sudo().search(
            [
                ("mail_message_id", "in", messages.ids),
                ("notification_type", "=", "email"),
                ("notification_status", "in", ("ready", "exception")),
            ]
        ).write({"notification_status": "canceled"})
        for event, reason in reasons.items():
            if event.state == "failed":  # sent again by hand, refused now: stays failed
                event.sudo().write({"skip_reason": reason})
            else:
                event._mark("skipped", skip_reason=reason, done_at=now)
        siblings = self.sudo().search([("mail_message_id", "in", messages.ids), ("state", "=", "queued")]) - withdrawn
        if siblings:
            siblings.write(
                {
                    "state": "scheduled",
                    "scheduled_at": now,
                    "group_key": False,
                    "skip_reason": _(
                        "Waiting: the reminder is written again without the invoices no longer to collect"
                    ),
                }
            )
            siblings.flush_recordset()
            cron = self.env.ref("account_collections_mx.ir_cron_collection_run", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()
        for message in messages.sudo():
            why = "; ".join(sorted({r for e, r in reasons.items() if e.mail_message_id == message}))
            record = (
                self.env[message.model].sudo().browse(message.res_id).exists()
                if message.model and message.res_id
                else None
            )
            if record and hasattr(record, "_message_log"):
                record._message_log(
                    body=escape(
                        _(
                            "The email “%(subject)s” was cancelled before it left: %(reason)s.",
                            subject=message.subject or "",
                            reason=why,
                        )
                    )
                )
        _logger.info("collections: %s queued email(s) withdrawn before sending", len(messages))

    @api.model
    def _collection_mail_sent(self, message_ids, now=None):
        """The emails of these messages really left: their events are sent, now."""
        events = self.sudo().search(
            [
                ("mail_message_id", "in", list(message_ids)),
                ("channel", "in", MAIL_CHANNELS),
                ("state", "in", ("queued", "failed")),
            ]
        )
        values = {"done_at": now or fields.Datetime.now(), "skip_reason": False, "error": False}
        if not events.filtered(lambda e: e.state == "failed"):
            events._mark("sent", **values)
            return
        for event in events:
            try:
                with self.env.cr.savepoint():
                    event._mark("sent", **values)
            except psycopg2.IntegrityError:
                # a failed one sent again by hand while another took its place: it stays
                # failed (the email left: see the message), the mail queue goes on
                _logger.warning("collections: event %s left but another one is live", event.id)

    @api.model
    def _collection_mail_failed(self, message_ids, reason):
        """The mail server refused the emails of these messages."""
        events = self.sudo().search(
            [("mail_message_id", "in", list(message_ids)), ("channel", "in", MAIL_CHANNELS), ("state", "=", "queued")]
        )
        for company_events in events._collection_by_company():
            company_events._collection_mail_failed_one(reason)

    def _collection_mail_failed_one(self, reason):
        """:meth:`_collection_mail_failed` for the events of one company (its language)."""
        self._mark(
            "failed",
            error=_(
                "The email was not sent: %s. Retry it from Settings ▸ Technical ▸ Emails once "
                "the mail server works (the contact rules are checked again then).",
                reason or _("mail server error"),
            ),
            skip_reason=False,
        )
