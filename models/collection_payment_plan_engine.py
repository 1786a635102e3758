"""The payment plans' run: proposals waiting for the window, instalment reminders,
tasks and breaks (scheduled action *Collections: payment plans*, hourly).

Same guarantees as the cadence (models/account_move_cadence.py): plans are taken in
batches under a row lock (SKIP LOCKED: two runs never handle the same plan), each step
is logged once (unique index on instalment, step and channel, the row inserted before
the message is queued, in the same transaction), each batch is committed before the
next one (never in tests: ``collection_may_commit``), one call works within its time
budget (``CronBudget``) and reports what remains, and one plan that fails (a template
that does not render...) fails alone.

Customer messages obey the contact rules: the customer's window (its time zone, else
its state's, weekdays, Mexican holidays, company days off), do-not-contact, the minimum
gap between two messages of any kind (but "due today"), an email that bounced.  A
message outside the window waits for the next run inside it; nothing is logged until
it is written.  Emails are written to Odoo's mail queue (event ``queued``) and checked
again right before they leave (models/collection_event_mail.py: plan still open,
instalment unpaid, not held, customer not paused nor do-not-contact, inside the
window); the event is ``sent`` only when the email really left.
"""

import logging

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import SQL, format_date, format_datetime
from odoo.tools.misc import formatLang

from ..tools import cadence, contact_rules, plans
from ..tools.cron import CronBudget, collection_cron_run
from .collection_event import state_skip_reason

_logger = logging.getLogger(__name__)

#: where the plans' run goes on when its last call ran out of time (plan id)
PLAN_CURSOR_PARAM = "account_collections_mx.plan_run_cursor"
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
        return collection_cron_run(
            self.env,
            "account_collections_mx.ir_cron_collection_plans",
            lambda commit: self.sudo()._collection_plan_run(commit=commit, resume=True),
        )

    @api.model
    def _collection_plan_run(self, now=None, commit=False, max_batches=None, budget=None, resume=False):
        """Handle every plan with something to do, in locked batches, for the time of the
        call's budget (:class:`CronBudget`; at least one plan per call).

        Every open plan is looked at in each run (its steps depend on today's date), so a
        call that runs out of budget leaves a cursor: with ``resume`` (the cron) the next
        call goes on after the last plan handled, and a call that reaches the end starts
        the next run from the first plan again.

        :return: (plans handled, plans left for the next call)
        """
        now = now or fields.Datetime.now()
        budget = budget or CronBudget(self.env)
        Param = self.env["ir.config_parameter"].sudo()
        last_id = int(Param.get_param(PLAN_CURSOR_PARAM) or 0) if resume else 0
        done = batches = 0
        while True:
            ids = self._collection_plan_due_ids(last_id)
            remaining = 0
            if ids and ((max_batches is not None and batches >= max_batches) or (done and budget.exhausted())):
                remaining = self._collection_plan_due_ids(last_id, count=True)
            if not ids or remaining:
                if resume and (remaining or Param.get_param(PLAN_CURSOR_PARAM)):
                    Param.set_param(PLAN_CURSOR_PARAM, last_id if remaining else False)
                return done, remaining
            for plan in self._collection_lock(ids):
                if done and budget.exhausted():
                    break  # the plans left of this batch go to the next call
                try:
                    with self.env.cr.savepoint():
                        # the contact log, notes and alerts in the company's language
                        plan.with_context(lang=plan.company_id._collection_lang())._collection_process(now)
                except Exception:  # one bad plan fails alone; the log says why
                    _logger.exception("collections: payment plan %s could not be handled", plan.id)
                done += 1
                last_id = plan.id
            else:
                last_id = ids[-1]  # the plans another run holds are its own
            batches += 1
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _collection_plan_due_ids(self, last_id, count=False):
        """The next batch of plans with something to do (or how many are left)."""
        self.env.flush_all()
        where = SQL("id > %s AND (state = 'active' OR (state = 'proposed' AND proposal_pending))", last_id)
        if count:
            self.env.cr.execute(SQL("SELECT count(*) FROM collection_payment_plan WHERE %s", where))
            return self.env.cr.fetchone()[0]
        self.env.cr.execute(
            SQL(
                "SELECT id FROM collection_payment_plan WHERE %s ORDER BY id LIMIT %s",
                where,
                self.env["account.move"]._collection_batch_size(),
            )
        )
        return [r[0] for r in self.env.cr.fetchall()]

    @api.model
    def _collection_lock(self, ids):
        """These plans, locked for this transaction; those another run holds are skipped."""
        self.env.cr.execute(
            SQL(
                """SELECT id FROM collection_payment_plan WHERE id IN %s
             ORDER BY id FOR NO KEY UPDATE SKIP LOCKED""",
                tuple(ids),
            )
        )
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
        if self._collection_held_reason(today):
            return  # the customer says it paid, or handed to a person: no automatic step
        Event = self.env["collection.event"].sudo()
        logged = Event.search([("plan_id", "=", self.id), ("plan_line_id", "!=", False), ("channel", "=", "email")])
        for line in self.line_ids.filtered(lambda ln: ln.state == "pending").sorted(
            lambda ln: (ln.date, ln.sequence, ln.id)
        ):
            done_steps = logged.filtered(lambda e, ln=line: e.plan_line_id == ln).mapped("plan_step")
            step = plans.due_step(line.date, today, done_steps)
            if step.broken:
                self._collection_break(line, now)
                return
            for old in step.superseded:
                Event._collection_plan_insert(
                    self, old, "email", "skipped", now, line=line, reason=Event._collection_plan_skip_reason("catch_up")
                )
            if step.fire == "late":
                self._collection_plan_task(line, now)
            if step.fire:
                self._collection_send_step(line, step.fire, now)

    def _collection_held_reason(self, today):
        """Why the instalment reminders wait today (``None``: they may go): the customer
        says it paid (held until a person checked), or it is paused (handed to a person,
        or by hand)."""
        self.ensure_one()
        if self.hold_until and self.hold_until >= today:
            return _("Held: the customer says it paid")
        if self.partner_id.commercial_partner_id._collection_is_paused(today):
            return state_skip_reason(self.env, "paused")
        return None

    def _collection_step_block(self, step, line, now):
        """Why the email of this plan's ``step`` may no longer leave (``None``: it may).

        Asked again right before the mail queue sends it (``_collection_mail_block`` of
        models/collection_event_plan.py): the proposal goes while the plan is proposed;
        an instalment's reminder while the plan is active, the instalment unpaid and the
        reminders neither held nor paused.
        """
        self.ensure_one()
        Event = self.env["collection.event"]
        if self.partner_id.commercial_partner_id.collection_do_not_contact:
            return Event._collection_plan_skip_reason("do_not_contact")
        wanted = "proposed" if step == "proposal" else "active"
        if self.state != wanted:
            labels = dict(self._fields["state"]._description_selection(self.env))
            return _("Payment plan %(plan)s is %(state)s", plan=self.name, state=labels[self.state].lower())
        if step == "proposal":
            return None
        if line.state == "paid":
            return _("Instalment paid")
        return self._collection_held_reason(self._collection_local_now(now).date())

    def _collection_contact_block(self, now, ignore_gap=False):
        """Why the customer cannot get a message now: ``("skip", reason)`` for good,
        ``("wait", reason)`` until a later run, or ``None`` when it may go."""
        self.ensure_one()
        Event = self.env["collection.event"].sudo()
        partner = self.partner_id.commercial_partner_id
        if partner.collection_do_not_contact:
            return "skip", Event._collection_plan_skip_reason("do_not_contact")
        if not partner.email:
            return "skip", Event._collection_plan_skip_reason("no_email")
        if partner.message_bounce > 0:
            return "skip", Event._collection_plan_skip_reason("bounced")
        company = self.company_id
        _when, why = contact_rules.next_contact_utc(
            company._collection_contact_window(), now, partner._collection_tz(company)
        )
        if why:
            return "wait", why
        # the minimum gap counts every email of the customer: the cadence's, the plan's
        # (sent, or waiting in the mail queue)
        if not ignore_gap and cadence.gap_release(
            Event._collection_last_contact(partner, "email", company), company.collection_min_gap_days, now
        ):
            return "wait", "minimum gap"
        return None

    def _collection_send_step(self, line, step, now):
        """The instalment's reminder of this step, if the contact rules allow it now."""
        Event = self.env["collection.event"].sudo()
        block = self._collection_contact_block(now, ignore_gap=step == "due")
        if block and block[0] == "wait":
            return None
        if block:
            return Event._collection_plan_insert(self, step, "email", "skipped", now, line=line, reason=block[1])
        event = Event._collection_plan_insert(self, step, "email", "scheduled", now, line=line)
        if not event:
            return None  # already logged by another run
        try:
            with self.env.cr.savepoint():
                message = self._collection_post_email(self.env.ref(STEP_TEMPLATES[step]), line)
        except Exception as error:  # this plan's message fails alone, with the reason
            _logger.warning("collections: plan %s reminder not written: %s", self.id, error)
            event._mark("failed", error=str(error))
            return event
        self._collection_queued(event, message, now)
        return event

    def _collection_queued(self, event, message, now):
        """The email of ``event`` is in Odoo's mail queue: ``sent`` once it really left,
        after the contact rules are checked again then (models/mail_mail.py)."""
        event._mark("queued", mail_message_id=message.id, scheduled_at=now, skip_reason=False)
        event._collection_wake_mail_queue()

    def _collection_post_email(self, template, record):
        """Render ``template`` on ``record`` (the plan or an instalment) in the customer's
        language and post it on the plan, emailed to the customer (in the mail queue)."""
        self.ensure_one()
        self._portal_ensure_token()
        values = template.sudo()._generate_template(record.ids, ("subject", "body_html"))[record.id]
        return self._collection_post_customer_email(
            self.company_id, self.partner_id.commercial_partner_id, values["subject"], values["body_html"]
        )

    def _collection_send_proposal(self, now):
        """Email the proposal if the contact rules allow it now.

        :return: None when sent (or impossible: logged), else when it will go (text)
        """
        self.ensure_one()
        Event = self.env["collection.event"].sudo()
        block = self._collection_contact_block(now, ignore_gap=True)
        if block and block[0] == "wait":
            tz = self.partner_id.commercial_partner_id._collection_tz(self.company_id)
            when, _why = contact_rules.next_contact_utc(self.company_id._collection_contact_window(), now, tz)
            return "%s (%s)" % (format_datetime(self.env, when, tz=tz, dt_format="short"), tz)
        self.proposal_pending = False
        if block:
            event = Event._collection_plan_insert(self, "proposal", "email", "skipped", now, reason=block[1])
            self._collection_log_chatter(_("The proposal was not sent: %s", block[1]))
            return None
        event = Event._collection_plan_insert(self, "proposal", "email", "scheduled", now)
        message = self._collection_post_email(self.env.ref("account_collections_mx.mail_template_plan_proposal"), self)
        self._collection_queued(event, message, now)
        self.proposed_date = now
        return None

    def _collection_responsible_user(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        return (
            self.user_id
            or partner._collection_responsible(self.move_ids[:1].collection_policy_id)
            or self.env.ref("base.user_admin")
        )

    def _collection_plan_task(self, line, now, step="late"):
        """The collector's task of a step (once), in the collector's language."""
        Event = self.env["collection.event"].sudo()
        event = Event._collection_plan_insert(self, step, "activity", "scheduled", now, line=line)
        if not event:
            return None
        activity = self.sudo()._collection_task(
            self._collection_responsible_user(),
            lambda plan: plan._collection_plan_task_texts(
                plan.env["collection.payment.plan.line"].browse(line.id), step
            ),
            activity_type="mail.mail_activity_data_call",
            date_deadline=fields.Date.context_today(self),
        )
        event._mark("sent", activity_id=activity.id, done_at=now, skip_reason=False)
        return event

    def _collection_plan_task_texts(self, line, step):
        """Summary and note of the task of an instalment's ``step`` (context's language)."""
        if step == "broken":
            return (
                _("Broken payment plan: %s", self.partner_id.display_name),
                _(
                    "%(text)s The invoices are back in their reminder cadence. Call the customer.",
                    text=self._collection_break_text(line),
                ),
            )
        amount = formatLang(self.env, line.amount_due, currency_obj=self.currency_id)
        return (
            _("Instalment %(label)s of %(plan)s is 3 days late", label=line.label, plan=self.name),
            _(
                "%(partner)s has not paid %(amount)s due on %(date)s under payment plan "
                "%(plan)s. Call the customer: the plan breaks on %(deadline)s.",
                partner=self.partner_id.display_name,
                amount=amount,
                date=format_date(self.env, line.date),
                plan=self.name,
                deadline=format_date(self.env, fields.Date.add(line.date, days=plans.BREAK_AFTER_DAYS)),
            ),
        )

    def _collection_break_text(self, line):
        """What the break of the plan at ``line`` says (context's language)."""
        amount = formatLang(self.env, line.amount_due, currency_obj=self.currency_id)
        return _(
            "Payment plan %(plan)s of %(partner)s is broken: instalment %(label)s "
            "(%(amount)s due on %(date)s) was not paid.",
            plan=self.name,
            partner=self.partner_id.display_name,
            label=line.label,
            amount=amount,
            date=format_date(self.env, line.date),
        )

    def _collection_break(self, line, now):
        """D+5 unpaid: the plan is broken; alert, task, invoices back to their cadence."""
        self.ensure_one()
        text = self._collection_break_text(line)
        self._collection_plan_task(line, now, step="broken")
        Event = self.env["collection.event"].sudo()
        alert = Event._collection_plan_insert(self, "broken", "alert", "scheduled", now, line=line)
        if alert:
            channel = self.env["discuss.channel"]._collection_channel(self.company_id)
            link = Markup('<a href="/odoo/action-account_collections_mx.collection_payment_plan_action/%s">%s</a>') % (
                self.id,
                self.name,
            )
            body = Markup("<p>%s %s</p>") % (text, link)
            if channel:
                message = channel.sudo().message_post(
                    body=body, message_type="comment", subtype_xmlid="mail.mt_comment"
                )
            else:
                message = self.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
            alert._mark("sent", mail_message_id=message.id, done_at=now, skip_reason=False)
        self._collection_close("broken", text)
        self.partner_id.commercial_partner_id.sudo().message_post(
            body=text, message_type="comment", subtype_xmlid="mail.mt_note"
        )
