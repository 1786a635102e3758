"""The payment plans' run: proposals waiting for the window, instalment reminders,
tasks and breaks (scheduled action *Collections: payment plans*, hourly).

Same guarantees as the cadence (models/collection_engine.py): plans are taken in
batches under a row lock (SKIP LOCKED: two runs never handle the same plan), each step
is logged once (unique index on instalment, step and channel, the row inserted before
the message is queued, in the same transaction), each batch is committed before the
next one, and one plan that fails (a template that does not render...) fails alone.

Customer messages obey the contact rules: the customer's window (time zone, weekdays,
Mexican holidays, company days off), do-not-contact, the minimum gap between two
messages (but "due today"), an email that bounced.  A message outside the window waits
for the next run inside it; nothing is logged until it goes (or is skipped).
"""

import logging
import time

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import format_date
from odoo.tools.misc import formatLang

from ..tools import cadence, contact_rules, plans
from .collection_commit import collection_may_commit

_logger = logging.getLogger(__name__)

RUN_TIME_BUDGET = 60  # seconds of work per cron call; Odoo calls again while work remains
BATCH_SIZE = 100
STEP_TEMPLATES = {
    "before": "account_collections_mx.mail_template_plan_before",
    "due": "account_collections_mx.mail_template_plan_due",
    "late": "account_collections_mx.mail_template_plan_late",
}


class CollectionPaymentPlan(models.Model):
    _inherit = "collection.payment.plan"

    # ------------------------------------------------------------------ entry points
    @api.model
    def _cron_collection_plans(self):
        """Scheduled action ``ir_cron_collection_plans``."""
        commit = collection_may_commit(self.env)
        done, remaining = self.sudo()._collection_plan_run(commit=commit)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if remaining:
            self.env.ref("account_collections_mx.ir_cron_collection_plans")._trigger()
        return done

    @api.model
    def _collection_plan_run(self, now=None, commit=False, max_batches=None):
        """Handle every plan with something to do, in locked batches.

        :return: (plans handled, plans left for the next call)
        """
        now = now or fields.Datetime.now()
        started = time.monotonic()
        last_id = done = batches = remaining = 0
        while True:
            ids = self._collection_plan_due_ids(last_id)
            if not ids:
                break
            if (max_batches is not None and batches >= max_batches) or (
                    time.monotonic() - started > RUN_TIME_BUDGET):
                remaining = len(self._collection_plan_due_ids(last_id, limit=None))
                break
            last_id = ids[-1]
            for plan in self._collection_lock(ids):
                try:
                    with self.env.cr.savepoint():
                        plan._collection_process(now)
                except Exception:  # one bad plan fails alone; the log says why
                    _logger.exception("collections: payment plan %s could not be handled", plan.id)
                done += 1
            batches += 1
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return done, remaining

    @api.model
    def _collection_plan_due_ids(self, last_id, limit=BATCH_SIZE):
        self.env.flush_all()
        query = """SELECT id FROM collection_payment_plan
                    WHERE id > %s AND (state = 'active' OR (state = 'proposed' AND proposal_pending))
                 ORDER BY id"""
        params = [last_id]
        if limit:
            query += " LIMIT %s"
            params.append(limit)
        self.env.cr.execute(query, params)
        return [r[0] for r in self.env.cr.fetchall()]

    @api.model
    def _collection_lock(self, ids):
        """These plans, locked for this transaction; those another run holds are skipped."""
        self.env.cr.execute(
            """SELECT id FROM collection_payment_plan WHERE id IN %s
             ORDER BY id FOR NO KEY UPDATE SKIP LOCKED""", (tuple(ids),))
        plans_ = self.browse([r[0] for r in self.env.cr.fetchall()])
        plans_.invalidate_recordset()  # read fresh: another run may have moved them on
        return plans_

    # ------------------------------------------------------------------ one plan
    def _collection_process(self, now):
        self.ensure_one()
        if self.state == "proposed":
            if self.proposal_pending:
                self._collection_send_proposal(now)
            return
        if self.state != "active":
            return
        today = self._collection_local_now(now).date()
        if self._collection_refresh_payments(today):
            return  # done
        if self.hold_until and self.hold_until >= today:
            return  # the customer says it paid: a person checks first
        if self.partner_id.commercial_partner_id._collection_is_paused(today):
            return  # handed to a person (or paused by hand): no automatic step meanwhile
        Event = self.env["collection.event"].sudo()
        logged = Event.search([("plan_id", "=", self.id), ("plan_line_id", "!=", False),
                               ("channel", "=", "email")])
        for line in self.line_ids.filtered(lambda ln: ln.state == "pending").sorted(
                lambda ln: (ln.date, ln.sequence, ln.id)):
            done_steps = logged.filtered(lambda e, ln=line: e.plan_line_id == ln).mapped("plan_step")
            step = plans.due_step(line.date, today, done_steps)
            if step.broken:
                self._collection_break(line, now)
                return
            for old in step.superseded:
                Event._collection_plan_insert(
                    self, old, "email", "skipped", now, line=line,
                    reason=Event._collection_plan_skip_reason("catch_up"))
            if step.fire == "late":
                self._collection_plan_task(line, now)
            if step.fire:
                self._collection_send_step(line, step.fire, now)

    def _collection_contact_block(self, now, ignore_gap=False):
        """Why the customer cannot get a message now: ``("skip", reason)`` for good,
        ``("wait", reason)`` until a later run, or ``None`` when it may go."""
        self.ensure_one()
        Event = self.env["collection.event"]
        partner = self.partner_id.commercial_partner_id
        if partner.collection_do_not_contact:
            return "skip", Event._collection_plan_skip_reason("do_not_contact")
        if not partner.email:
            return "skip", Event._collection_plan_skip_reason("no_email")
        if partner.message_bounce > 0:
            return "skip", Event._collection_plan_skip_reason("bounced")
        company = self.company_id
        window = company._collection_contact_window()
        tz = partner.tz or company._collection_tz()
        _when, why = contact_rules.next_contact_utc(window, now, tz)
        if why:
            return "wait", why
        if not ignore_gap:
            last = Event.sudo().search([
                ("partner_id", "=", partner.id), ("channel", "=", "email"),
                ("company_id", "=", company.id), ("state", "=", "sent"),
                ("direction", "=", "out")], order="done_at desc", limit=1)
            if cadence.gap_release(last.done_at, company.collection_min_gap_days, now):
                return "wait", "minimum gap"
        return None

    def _collection_send_step(self, line, step, now):
        """The instalment's reminder of this step, if the contact rules allow it now."""
        Event = self.env["collection.event"].sudo()
        block = self._collection_contact_block(now, ignore_gap=step == "due")
        if block and block[0] == "wait":
            return None
        if block:
            return Event._collection_plan_insert(self, step, "email", "skipped", now, line=line,
                                                 reason=block[1])
        event = Event._collection_plan_insert(self, step, "email", "scheduled", now, line=line)
        if not event:
            return None  # already logged by another run
        try:
            with self.env.cr.savepoint():
                message = self._collection_post_email(
                    self.env.ref(STEP_TEMPLATES[step]), line)
        except Exception as error:  # this plan's message fails alone, with the reason
            _logger.warning("collections: plan %s reminder not sent: %s", self.id, error)
            event._mark("failed", error=str(error))
            return event
        event._mark("sent", mail_message_id=message.id, done_at=now, skip_reason=False)
        return event

    def _collection_post_email(self, template, record):
        """Render ``template`` on ``record`` (the plan or an instalment) in the customer's
        language and post it on the plan, emailed to the customer (queued)."""
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        company = self.company_id
        self._portal_ensure_token()
        values = template.sudo()._generate_template(record.ids, ("subject", "body_html"))[record.id]
        return self.sudo().with_context(mail_post_autofollow=False).message_post(
            body=values["body_html"],
            subject=values["subject"],
            partner_ids=partner.ids,
            author_id=company.partner_id.id,
            email_from=company.email_formatted or None,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            email_layout_xmlid="mail.mail_notification_light",
            force_send=False,
        )

    def _collection_send_proposal(self, now):
        """Email the proposal if the contact rules allow it now.

        :return: None when sent (or impossible: logged), else when it will go (text)
        """
        self.ensure_one()
        Event = self.env["collection.event"].sudo()
        block = self._collection_contact_block(now, ignore_gap=True)
        if block and block[0] == "wait":
            partner = self.partner_id.commercial_partner_id
            tz = partner.tz or self.company_id._collection_tz()
            when, _why = contact_rules.next_contact_utc(
                self.company_id._collection_contact_window(), now, tz)
            return "%s (%s)" % (fields.Datetime.to_string(
                contact_rules.to_local(when, tz).replace(tzinfo=None))[:16], tz)
        self.proposal_pending = False
        if block:
            event = Event._collection_plan_insert(self, "proposal", "email", "skipped", now,
                                                  reason=block[1])
            self._collection_log_chatter(_("The proposal was not sent: %s", block[1]))
            return None
        event = Event._collection_plan_insert(self, "proposal", "email", "scheduled", now)
        message = self._collection_post_email(
            self.env.ref("account_collections_mx.mail_template_plan_proposal"), self)
        event._mark("sent", mail_message_id=message.id, done_at=now, skip_reason=False)
        self.proposed_date = now
        return None

    def _collection_responsible_user(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        return (self.user_id or partner._collection_responsible(self.move_ids[:1].collection_policy_id)
                or self.env.ref("base.user_admin"))

    def _collection_plan_task(self, line, now, step="late", summary=None, note=None):
        """The collector's task of a step (once)."""
        Event = self.env["collection.event"].sudo()
        event = Event._collection_plan_insert(self, step, "activity", "scheduled", now, line=line)
        if not event:
            return None
        amount = formatLang(self.env, line.amount_due, currency_obj=self.currency_id)
        activity = self.sudo().activity_schedule(
            "mail.mail_activity_data_call",
            summary=summary or _("Instalment %(label)s of %(plan)s is 3 days late",
                                 label=line.label, plan=self.name),
            note=note or _("%(partner)s has not paid %(amount)s due on %(date)s under payment plan "
                           "%(plan)s. Call the customer: the plan breaks on %(deadline)s.",
                           partner=self.partner_id.display_name, amount=amount,
                           date=format_date(self.env, line.date), plan=self.name,
                           deadline=format_date(self.env, fields.Date.add(
                               line.date, days=plans.BREAK_AFTER_DAYS))),
            user_id=self._collection_responsible_user().id,
            date_deadline=fields.Date.context_today(self),
        )
        event._mark("sent", activity_id=activity.id, done_at=now, skip_reason=False)
        return event

    def _collection_break(self, line, now):
        """D+5 unpaid: the plan is broken; alert, task, invoices back to their cadence."""
        self.ensure_one()
        amount = formatLang(self.env, line.amount_due, currency_obj=self.currency_id)
        text = _("Payment plan %(plan)s of %(partner)s is broken: instalment %(label)s "
                 "(%(amount)s due on %(date)s) was not paid.", plan=self.name,
                 partner=self.partner_id.display_name, label=line.label, amount=amount,
                 date=format_date(self.env, line.date))
        self._collection_plan_task(
            line, now, step="broken",
            summary=_("Broken payment plan: %s", self.partner_id.display_name),
            note=_("%(text)s The invoices are back in their reminder cadence. Call the "
                   "customer.", text=text))
        Event = self.env["collection.event"].sudo()
        alert = Event._collection_plan_insert(self, "broken", "alert", "scheduled", now, line=line)
        if alert:
            channel = self._collection_team_channel(self.company_id)
            link = Markup('<a href="/odoo/action-account_collections_mx.collection_payment_plan_action/%s">%s</a>') % (
                self.id, self.name)
            body = Markup("<p>%s %s</p>") % (text, link)
            if channel:
                message = channel.sudo().message_post(body=body, message_type="comment",
                                                      subtype_xmlid="mail.mt_comment")
            else:
                message = self.message_post(body=body, message_type="comment",
                                            subtype_xmlid="mail.mt_note")
            alert._mark("sent", mail_message_id=message.id, done_at=now, skip_reason=False)
        self._collection_close("broken", text)
        self.partner_id.commercial_partner_id.sudo().message_post(
            body=text, message_type="comment", subtype_xmlid="mail.mt_note")
