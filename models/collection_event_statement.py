"""Statements of account in the contact log.

A statement of account is a customer message like the reminders: it is logged as a
``collection.event`` of channel ``statement`` (no invoice, one per customer, company and
period) and goes out through the same contact rules (window, holidays, non-contact days,
do-not-contact).  Outside the window it waits (``scheduled_at`` = next allowed time) and
the statements cron delivers it then.

Periods: ``2026-03`` for the monthly statement, ``2026-03-30`` for one sent by hand
("Send now"): the database refuses a second live statement for the same customer,
company and period.
"""

import logging

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, format_datetime

from ..tools import contact_rules
from ..tools.cron import CronBudget, collection_may_commit
from .collection_event import wait_reason

_logger = logging.getLogger(__name__)

STATEMENT = "statement"


class CollectionEvent(models.Model):
    _inherit = "collection.event"

    channel = fields.Selection(selection_add=[(STATEMENT, "Statement of account")], ondelete={STATEMENT: "cascade"})
    statement_period = fields.Char(
        string="Statement Period",
        readonly=True,
        index="btree_not_null",
        help="Month (2026-03) of a monthly statement of account, or day (2026-03-30) of one "
        "sent by hand: one statement per customer, company and period.",
    )

    _sql_constraints = [
        (
            "collection_event_statement_period",
            "CHECK(channel != 'statement' OR statement_period IS NOT NULL)",
            "A statement of account needs its period.",
        ),
    ]

    def init(self):
        super().init()
        # one live statement per customer, company and period, whatever runs at the same time
        self.env.cr.execute(
            SQL(
                """CREATE UNIQUE INDEX IF NOT EXISTS collection_event_statement_once
               ON collection_event (partner_id, company_id, statement_period)
               WHERE channel = 'statement' AND state != 'failed'"""
            )
        )

    @api.depends("move_id", "channel", "statement_period")
    def _compute_display_name(self):
        statements = self.filtered(lambda e: e.channel == STATEMENT)
        for event in statements:
            event.display_name = _("Statement of account %s", event._collection_statement_period_text())
        super(CollectionEvent, self - statements)._compute_display_name()

    def _collection_statement_period_text(self):
        """The period as its reader writes it: "March 2026" (monthly), "30/03/2026" (by
        hand), in the context's language."""
        period = self.statement_period or ""
        try:
            if len(period) == 7:
                return format_date(self.env, fields.Date.to_date(f"{period}-01"), date_format="MMMM y")
            return format_date(self.env, fields.Date.to_date(period)) or period
        except ValueError:
            return period

    def _collection_statement_is_monthly(self):
        self.ensure_one()
        return len(self.statement_period or "") == 7  # YYYY-MM; a day (YYYY-MM-DD) = by hand

    # ------------------------------------------------------------------ queue
    @api.model
    def _collection_statement_queue(self, partners, company, period, now, retry_failed=False):
        """Log a scheduled statement for each customer that has none for this period yet.

        A customer with any statement of the period (even failed or skipped) is left
        alone: the monthly run never retries on its own; a person can send it by hand
        (``retry_failed``).
        """
        if not partners:
            return self.browse()
        domain = [
            ("channel", "=", STATEMENT),
            ("company_id", "=", company.id),
            ("statement_period", "=", period),
            ("partner_id", "in", partners.ids),
        ]
        if retry_failed:
            domain.append(("state", "!=", "failed"))
        existing = self.sudo().search(domain)
        todo = partners - existing.partner_id
        return (
            self.sudo()
            .with_context(collection_engine=True)
            .create(
                [
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "channel": STATEMENT,
                        "statement_period": period,
                        "state": "scheduled",
                        "scheduled_at": now,
                    }
                    for partner in todo
                ]
            )
        )

    @api.model
    def _collection_statement_queue_one(self, partner, company, period, now, retry_failed=False):
        """Queue one statement (Send now); a concurrent click gets a clear error."""
        try:
            with self.env.cr.savepoint():
                events = self._collection_statement_queue(partner, company, period, now, retry_failed=retry_failed)
                events.flush_recordset()
        except psycopg2.errors.UniqueViolation:
            raise UserError(_("The statement of account of %s is already being sent.", partner.display_name)) from None
        return events

    def _collection_statement_when(self):
        """When a waiting statement goes, in the user's time zone (else the customer's)."""
        self.ensure_one()
        tz = self.env.user.tz or self.partner_id._collection_tz(self.company_id)
        return "%s (%s)" % (format_datetime(self.env, self.scheduled_at, tz=tz, dt_format="short"), tz)

    # ------------------------------------------------------------------ delivery
    def _collection_statement_block(self, now):
        """Why this statement is not sent at all (None when it may go)."""
        self.ensure_one()
        partner = self.partner_id
        if partner.collection_do_not_contact:
            return _("The customer asked not to be contacted")
        if self._collection_statement_is_monthly():
            if partner.collection_statement_opt_out:
                return _("The customer does not receive the monthly statement")
            tz = partner._collection_tz(self.company_id)
            if partner._collection_is_paused(contact_rules.to_local(now, tz).date()):
                return _("Collections paused")
        if not partner.email:
            return _("The customer has no email address")
        return None

    def _collection_statement_deliver(self, now, budget=None):
        """Queue each statement's email now if the contact rules allow it, else let it wait.

        :param budget: a :class:`CronBudget`: once exhausted, the statements left stay
            scheduled for the next call
        :return: the events still waiting
        """
        waiting = self.browse()
        queued = False
        for handled, event in enumerate(self.filtered(lambda e: e.state == "scheduled")):
            if budget is not None and handled and budget.exhausted():
                break  # the next call goes on (still scheduled)
            # the contact log in the company's language
            event = event.with_context(lang=event.company_id._collection_lang())
            reason = event._collection_statement_block(now)
            if reason:
                event._mark("skipped", skip_reason=reason)
                continue
            partner, company = event.partner_id, event.company_id
            when, why = contact_rules.next_contact_utc(
                company._collection_contact_window(), now, partner._collection_tz(company)
            )
            if why:
                event.sudo().write(
                    {"scheduled_at": when, "skip_reason": event.env._("Waiting: %s", wait_reason(event.env, why))}
                )
                waiting |= event
                continue
            try:
                with self.env.cr.savepoint():
                    message = partner.with_company(company)._collection_send_statement(company)
            except Exception as error:  # e.g. the PDF engine is missing: only this one fails
                _logger.warning("collections: statement of %s not sent: %s", partner.id, error)
                event._mark("failed", error=str(error))
                continue
            # sent once the mail queue really sends it, the contact rules checked again then
            event._mark("queued", mail_message_id=message.id, scheduled_at=now, skip_reason=False, error=False)
            queued = True
        if waiting:
            self._collection_statement_wake_up(min(waiting.mapped("scheduled_at")))
        if queued:
            self._collection_wake_mail_queue()
        return waiting

    @api.model
    def _collection_statement_wake_up(self, when):
        """The statements cron runs again when the first waiting statement may go."""
        cron = self.env.ref("account_collections_mx.ir_cron_collection_statements", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger(at=when)

    @api.model
    def _collection_statement_due(self, now, limit=None):
        """Next statements due, locked (SKIP LOCKED): a run started by hand while the cron
        runs never sends the same statement twice."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT id FROM collection_event
                WHERE channel = %s AND state = 'scheduled' AND scheduled_at <= %s
             ORDER BY scheduled_at, id LIMIT %s FOR NO KEY UPDATE SKIP LOCKED""",
                STATEMENT,
                now,
                limit or None,
            )
        )
        events = self.sudo().browse([r[0] for r in self.env.cr.fetchall()])
        events.invalidate_recordset()  # another run may have sent them meanwhile
        return events.filtered(lambda e: e.state == "scheduled")

    @api.model
    def _collection_statement_due_count(self, now):
        return self.sudo().search_count(
            [("channel", "=", STATEMENT), ("state", "=", "scheduled"), ("scheduled_at", "<=", now)]
        )

    @api.model
    def _collection_statement_run(self, now, batch_size=50, max_batches=10, budget=None):
        """Deliver the due statements in batches (each statement = one PDF rendered),
        within the call's time budget (:class:`CronBudget`).

        :return: (statements handled, statements still due)
        """
        budget = budget or CronBudget(self.env)
        done = batches = 0
        while batches < max_batches and not (done and budget.exhausted()):
            events = self._collection_statement_due(now, limit=batch_size)
            if not events:
                break
            events._collection_statement_deliver(now, budget=budget)
            done += len(events.filtered(lambda e: e.state != "scheduled" or e.scheduled_at > now))
            batches += 1
            self.env["ir.cron"]._notify_progress(done=done, remaining=self._collection_statement_due_count(now))
            if collection_may_commit(self.env):
                self.env.cr.commit()  # sent statements are logged: never sent twice
        return done, self._collection_statement_due_count(now)
