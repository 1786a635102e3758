import logging
import uuid
from collections import defaultdict

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date
from odoo.tools.translate import LazyTranslate

from ..tools import cadence, contact_rules
from ..tools.channels import INTERNAL_CHANNELS, NO_INVOICE_CHANNELS, REMINDER_CHANNELS

_logger = logging.getLogger(__name__)

EVENT_CHANNELS = [
    ("email", "Email"),
    ("whatsapp", "WhatsApp"),
    ("activity", "Task"),
    ("alert", "Internal alert"),
]
EVENT_STATES = [
    ("scheduled", "Scheduled"),
    ("queued", "In the mail queue"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("skipped", "Skipped"),
]
_lt = LazyTranslate(__name__)

#: why waiting messages of an invoice are skipped, by its collection state
STATE_SKIP_REASONS = {
    "done": _lt("Invoice paid"),
    "paused": _lt("Collections paused"),
    "disputed": _lt("Invoice disputed"),
    "human": _lt("Handed over to a person"),
    "excluded": _lt("Invoice excluded from collections"),
    "review": _lt("First invoice in review"),
}
#: why a message waits (reasons given by tools.contact_rules)
WAIT_REASONS = {
    "official holiday": _lt("official holiday"),
    "company non-contact day": _lt("company non-contact day"),
    "non-contact weekday": _lt("non-contact weekday"),
    "before the contact window": _lt("before the contact window"),
    "after the contact window": _lt("after the contact window"),
}


def wait_reason(env, why):
    """Why a message waits (a reason of ``tools.contact_rules``), in ``env``'s language
    (a lazy text passed to ``_()`` as an argument would not know it)."""
    reason = WAIT_REASONS.get(why)
    return env._(reason) if reason is not None else why


def state_skip_reason(env, state):
    """Why a waiting message of an invoice in collection ``state`` is skipped, in ``env``'s
    language."""
    reason = STATE_SKIP_REASONS.get(state)
    return env._(reason) if reason is not None else env._("Invoice no longer in collections")


def companies_sql(company_ids, column=None):
    """``AND <column> IN (...)`` when a run is limited to some companies, else nothing.

    :param column: an ``SQL`` column (default: ``company_id``)
    """
    if not company_ids:
        return SQL()
    return SQL("AND %s IN %s", column or SQL.identifier("company_id"), tuple(company_ids))


#: fields the collections engine (sudo) may still change once an event exists
MUTABLE_FIELDS = {
    "state",
    "done_at",
    "scheduled_at",
    "mail_message_id",
    "provider_ref",
    "error",
    "skip_reason",
    "attempt_count",
    "delivery_status",
    "activity_id",
    "group_key",
}


class CollectionEvent(models.Model):
    """The contact log: one line per message, task or alert, planned or done.

    Users read it; nobody edits or deletes it.  Only the collections engine (running
    as superuser) moves an event forward (scheduled -> sent / failed / skipped).
    """

    _name = "collection.event"
    _description = "Collections Contact Log"
    _order = "scheduled_at desc, id desc"
    _rec_name = "move_id"
    _check_company_auto = True
    _sql_constraints = [
        (
            "collection_event_move_or_statement",
            "CHECK(move_id IS NOT NULL OR channel IN %s OR direction = 'in' "
            "OR plan_id IS NOT NULL)" % (NO_INVOICE_CHANNELS,),
            "Only statements of account, free-text WhatsApp answers, customer page actions, "
            "customers' messages and payment plans are logged without an invoice.",
        ),
    ]

    # required but for the lines of the constraint above
    move_id = fields.Many2one("account.move", string="Invoice", index=True, ondelete="cascade", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", store=True, index=True, precompute=True, readonly=False
    )
    stage_id = fields.Many2one(
        "collection.policy.stage", string="Stage", index=True, ondelete="restrict", readonly=True
    )
    channel = fields.Selection(EVENT_CHANNELS, required=True, readonly=True)
    state = fields.Selection(
        EVENT_STATES,
        required=True,
        default="scheduled",
        index=True,
        readonly=True,
        help="Scheduled: waits for its time (contact window, minimum gap, retry). In the mail "
        "queue: the email is written and leaves with Odoo's outgoing mail queue; the contact "
        "rules are checked again at that moment. Sent: it left (Done At = when). Failed: "
        "not delivered, or delivery unknown (see the error). Skipped: not sent (see the "
        "reason).",
    )
    scheduled_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True, readonly=True)
    done_at = fields.Datetime(string="Done At", readonly=True)
    mail_message_id = fields.Many2one(
        "mail.message", string="Message", readonly=True, ondelete="set null", index="btree_not_null"
    )
    activity_id = fields.Many2one("mail.activity", string="Task", readonly=True, ondelete="set null")
    provider_ref = fields.Char(string="Provider Reference", readonly=True, index=True)
    error = fields.Text(readonly=True)
    skip_reason = fields.Char(string="Reason", readonly=True)
    attempt_count = fields.Integer(readonly=True)
    delivery_status = fields.Char(readonly=True, help="Last delivery status reported by the provider.")
    group_key = fields.Char(readonly=True, help="Events sent together in one message share this key.")
    amount_residual = fields.Monetary(related="move_id.amount_residual", string="Amount Due")
    currency_id = fields.Many2one(related="move_id.currency_id")
    invoice_date_due = fields.Date(related="move_id.invoice_date_due")

    @api.depends("move_id.company_id")
    def _compute_company_id(self):
        # the invoice's company; a statement of account (no invoice) is created with its own
        for event in self:
            event.company_id = event.move_id.company_id or event.company_id

    def init(self):
        # The database itself refuses a second live event for the same invoice, stage and
        # channel: an invoice gets each stage at most once, whatever runs at the same time
        # (outbound: the customer's messages, logged as inbound events, are not stages).
        self.env.cr.execute(
            SQL(
                """CREATE UNIQUE INDEX IF NOT EXISTS collection_event_once_per_stage
               ON collection_event (move_id, COALESCE(stage_id, 0), channel)
               WHERE state != 'failed' AND direction = 'out'"""
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and not self.env.context.get("collection_engine"):
            raise UserError(_("The contact log is written by the collections engine only."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise UserError(_("The contact log cannot be edited."))
        frozen = set(vals) - MUTABLE_FIELDS
        if frozen:
            raise UserError(_("The contact log cannot be edited (fields %s).", ", ".join(sorted(frozen))))
        return super().write(vals)

    def unlink(self):
        if not self.env.context.get("collection_event_force_unlink"):
            raise UserError(_("The contact log is kept: its lines cannot be deleted."))
        return super().unlink()

    def _mark(self, state, **values):
        """Move events forward (engine only)."""
        values["state"] = state
        if state in ("sent", "skipped") and "done_at" not in values:
            values["done_at"] = fields.Datetime.now()
        self.sudo().write(values)
        # flushed at once: the unique index must see a failed event as failed before any retry
        self.flush_recordset()
        return True

    # ------------------------------------------------------------------ delivery (engine)
    @api.model
    def _collection_due_count(self, now, channels=REMINDER_CHANNELS, company_ids=None):
        domain = [("state", "=", "scheduled"), ("channel", "in", list(channels)), ("scheduled_at", "<=", now)]
        if company_ids:
            domain.append(("company_id", "in", list(company_ids)))
        return self.search_count(domain)

    @api.model
    def _collection_due_internal(self, now, last_id=0, limit=None, company_ids=None):
        """Next batch of internal events due (tasks, team alerts), locked (SKIP LOCKED)."""
        self.env.flush_all()
        limit = limit or self.env["account.move"]._collection_batch_size()
        self.env.cr.execute(
            SQL(
                """SELECT id FROM collection_event
                WHERE state = 'scheduled' AND channel IN %s AND scheduled_at <= %s AND id > %s %s
             ORDER BY id LIMIT %s FOR NO KEY UPDATE SKIP LOCKED""",
                INTERNAL_CHANNELS,
                now,
                last_id,
                companies_sql(company_ids),
                limit,
            )
        )
        events = self.sudo().browse([r[0] for r in self.env.cr.fetchall()])
        events.invalidate_recordset()
        return events.filtered(lambda e: e.state == "scheduled")

    def _collection_by_company(self):
        """These events per company, each group in the language of that company's contact
        log: its staff reads the reasons, notes and alerts written for them (a cron runs
        without a language)."""
        return [
            events.with_context(lang=company._collection_lang())
            for company, events in self.grouped("company_id").items()
        ]

    def _collection_deliver_internal(self, now):
        """Execute internal events: one activity each (created together), one team alert
        digest per company for the batch.  Not subject to the customer contact window.

        :return: number of events handled
        """
        for events in self.sudo()._collection_by_company():
            events._collection_deliver_internal_company(now)
        return len(self)

    def _collection_deliver_internal_company(self, now):
        """:meth:`_collection_deliver_internal` for the events of one company."""
        events = self
        gone = events.filtered(lambda e: e.move_id.collection_state in (False, "done", "excluded"))
        for state in set(gone.move_id.mapped("collection_state")):
            gone.filtered(lambda e, s=state: e.move_id.collection_state == s)._mark(
                "skipped", skip_reason=state_skip_reason(self.env, state), done_at=now
            )
        events -= gone
        events.filtered(lambda e: e.channel == "activity")._collection_create_tasks(now)
        events.filtered(lambda e: e.channel == "alert")._collection_alert_digest(now)

    def _collection_task_values(self, today, user):
        """``mail.activity`` values of one task event for ``user`` (what
        ``activity_schedule`` would set); its texts in the context's language (the user's)."""
        self.ensure_one()
        move = self.move_id
        stage = self.stage_id
        amount = format_amount(self.env, move.amount_residual, move.currency_id)
        date = format_date(self.env, move.invoice_date_due)
        if not stage or stage.channel == "escalate":
            summary = _("Call the customer about %s", move.name)
            note = _(
                "Handed over to a person (%(why)s): %(amount)s due since %(date)s. "
                "Automatic reminders are stopped for this invoice.",
                why=self._collection_hand_over_why(),
                amount=amount,
                date=date,
            )
        elif stage.channel == "activity":
            summary = stage.display_name
            note = _("Collections: %(amount)s due since %(date)s.", amount=amount, date=date)
        else:
            # a customer stage for a customer who asked not to be contacted
            summary = stage.display_name
            note = _(
                "%(stage)s: the customer asked not to be contacted; follow up without messages.",
                stage=stage.display_name,
            )
        activity_type = stage.activity_type_id or self.env.ref("mail.mail_activity_data_todo")
        return {
            "res_model_id": self.env["ir.model"]._get_id("account.move"),
            "res_id": move.id,
            "activity_type_id": activity_type.id,
            "summary": summary,
            "note": note,
            "automated": True,
            "user_id": user.id,
            "date_deadline": today,
        }

    def _collection_hand_over_why(self):
        """Why the invoice went to a person: the hand-over stage, else how many days overdue
        it was (in the context's language)."""
        if self.stage_id:
            return self.stage_id.display_name
        move = self.move_id
        due = move.invoice_date_due or move.invoice_date
        if due:  # as planning counted it: on the customer's date when it was handed over
            tz = move.partner_id._collection_tz(move.company_id)
            today = contact_rules.to_local(self.scheduled_at, tz).date()
            return _("%s days overdue", cadence.days_overdue(due, today))
        return self.skip_reason or ""

    def _collection_create_tasks(self, now):
        """The batch's tasks: one ``mail.activity.create`` for all; hand-overs noted in the
        invoices' chatter (a log line nobody is notified of: the to-do does that)."""
        if not self:
            return
        today = fields.Date.context_today(self, now)
        values = []
        for event in self:
            # each task in its assignee's language (as Odoo writes activities for them)
            user = event.move_id._collection_responsible()
            values.append(event.with_context(lang=user._collection_lang())._collection_task_values(today, user))
        activities = self.env["mail.activity"].sudo().create(values)
        self._collection_set_sent(now, [(e.id, a.id) for e, a in zip(self, activities, strict=True)], "activity_id")
        hand_overs = self.filtered(lambda e: not e.stage_id or e.stage_id.channel == "escalate")
        if hand_overs:
            bodies = {}
            for event in hand_overs:  # (not in a comprehension: ``_()`` reads ``self``)
                bodies[event.move_id.id] = escape(_("Handed over to a person: %s", event._collection_hand_over_why()))
            hand_overs.move_id.sudo()._message_log_batch(bodies=bodies)

    def _collection_alert_digest(self, now):
        """One message in the company's Collections channel for the batch's alerts (one
        company: only that company's collectors read it)."""
        if not self:
            return
        lines = []
        events = self.sorted(lambda e: (e.partner_id.display_name or "", e.move_id.name or ""))
        for event in events:
            move = event.move_id
            text = _(
                "%(partner)s reached “%(stage)s” on %(move)s: %(amount)s due since %(date)s.",
                partner=event.partner_id.display_name,
                stage=event.stage_id.display_name,
                move=move.name,
                amount=format_amount(self.env, move.amount_residual, move.currency_id),
                date=format_date(self.env, move.invoice_date_due),
            )
            link = Markup('<a href="/odoo/action-account.action_move_out_invoice_type/%s">%s</a>') % (
                move.id,
                move.name,
            )
            lines.append(Markup("<li>%s %s</li>") % (text, link))
        channel = self.env["discuss.channel"]._collection_channel(self.company_id[:1])
        if channel:
            body = Markup("<p>%s</p><ul>%s</ul>") % (
                _(
                    "Collections alert (%(company)s): %(count)s invoice(s) reached an alert stage.",
                    company=self.company_id[:1].name,
                    count=len(self),
                ),
                Markup("").join(lines),
            )
            message = channel.sudo().message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_comment")
            self._collection_set_sent(now, [(e.id, message.id) for e in self], "mail_message_id")
            return
        # no channel (deleted): a note on each invoice instead
        pairs = []
        for event, line in zip(events, lines, strict=True):
            pairs.append((event.id, event.move_id.sudo().message_post(body=line).id))
        self._collection_set_sent(now, pairs, "mail_message_id")

    def _collection_set_sent(self, now, pairs, column):
        """Mark events sent with one record each in ``column`` (one UPDATE for all)."""
        if not pairs:
            return
        assert column in ("activity_id", "mail_message_id")
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE collection_event e
                   SET state = 'sent', done_at = %s, %s = v.target, skip_reason = NULL,
                       write_uid = %s, write_date = (now() AT TIME ZONE 'UTC')
                  FROM (VALUES %s) AS v(id, target)
                 WHERE e.id = v.id""",
                now,
                SQL.identifier(column),
                self.env.uid,
                SQL(", ").join(SQL("(%s::int4, %s::int4)", *pair) for pair in pairs),
            )
        )
        self.invalidate_model(["state", "done_at", column, "skip_reason", "write_uid", "write_date"])

    @api.model
    def _collection_deliver_groups(self, groups, now, commit=False, budget=None):
        """Deliver a batch of customer groups (one message per customer and channel); the
        batch's emails are rendered and queued together.

        :param budget: a :class:`CronBudget`: once it is exhausted the groups left wait
            for the next call (still scheduled)
        :return: number of events handled
        """
        done = 0
        outbox = []
        for events in groups:
            if budget is not None and done and budget.exhausted():
                break
            # the contact log's reasons and notes in the company's language
            events = events.with_context(collection_commit=commit, lang=events.company_id[:1]._collection_lang())
            if events[:1].channel != "email":
                # WhatsApp: isolates its own failures (and commits before each call)
                done += events._collection_deliver(now, outbox=outbox)
                continue
            try:
                with self.env.cr.savepoint():
                    done += events._collection_deliver(now, outbox=outbox)
            except Exception as error:
                _logger.exception("collections: email group %s not delivered", events.ids)
                events._mark("failed", error=str(error), skip_reason=False)
                done += len(events)
        if outbox:
            self._collection_send_emails(outbox, now)
        return done

    @api.model
    def _collection_due_groups(self, now, last_key=None, limit=None, channels=REMINDER_CHANNELS, company_ids=None):
        """Next customer groups with messages due: (events per customer & channel, last key).

        Each group is locked (SKIP LOCKED): a concurrent run never delivers it too.
        """
        self.env.flush_all()
        limit = limit or self.env["account.move"]._collection_batch_size()
        after = SQL()
        if last_key:
            after = SQL("AND (partner_id, channel, company_id) > %s", tuple(last_key))
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT partner_id, channel, company_id FROM collection_event
                 WHERE state = 'scheduled' AND channel IN %(channels)s
                   AND scheduled_at <= %(now)s %(after)s %(companies)s
              ORDER BY partner_id, channel, company_id LIMIT %(limit)s""",
                channels=tuple(channels),
                now=now,
                after=after,
                companies=companies_sql(company_ids),
                limit=limit,
            )
        )
        keys = self.env.cr.fetchall()
        if not keys:
            return [], None
        self.env.cr.execute(
            SQL(
                """SELECT id, partner_id, channel, company_id FROM collection_event
                WHERE state = 'scheduled' AND scheduled_at <= %s
                  AND (partner_id, channel, company_id) IN %s
             ORDER BY id FOR NO KEY UPDATE SKIP LOCKED""",
                now,
                tuple(keys),
            )
        )
        grouped = defaultdict(list)
        for event_id, partner_id, channel, company_id in self.env.cr.fetchall():
            grouped[(partner_id, channel, company_id)].append(event_id)
        # read fresh values, for the whole batch at once (one prefetch for all groups)
        locked = self.sudo().browse([i for ids in grouped.values() for i in ids])
        locked.invalidate_recordset()
        groups = []
        for key in keys:
            if grouped.get(key):
                events = locked.browse(grouped[key]).with_prefetch(locked._prefetch_ids)
                groups.append(events.filtered(lambda e: e.state == "scheduled"))
        return [g for g in groups if g], keys[-1]

    def _collection_deliver(self, now, outbox):
        """Deliver one group (same customer, channel, company) if the rules allow it now.

        :param outbox: a list: an email ready to go is added to it (sent with the other
            emails of the batch by ``_collection_send_emails``)
        :return: number of events handled
        """
        events = self
        for event in events:
            state = event.move_id.collection_state
            if state != "active":
                event._mark("skipped", skip_reason=state_skip_reason(self.env, state))
                events -= event
        if not events:
            return len(self)
        partner = events.partner_id[:1]
        company = events.company_id[:1]
        channel = events[0].channel
        if partner.collection_do_not_contact:
            events._mark("skipped", skip_reason=_("The customer asked not to be contacted"))
            return len(self)
        window = company._collection_contact_window()
        tz = partner._collection_tz(company)
        when, why = contact_rules.next_contact_utc(window, now, tz)
        if why:
            events.sudo().write({"scheduled_at": when, "skip_reason": _("Waiting: %s", wait_reason(self.env, why))})
            return len(self)
        if not any(e.stage_id.ignore_min_gap for e in events):
            release = cadence.gap_release(
                self._collection_last_contact(partner, channel, company), company.collection_min_gap_days, now
            )
            if release:
                release, _why = contact_rules.next_contact_utc(window, release, tz)
                events.sudo().write(
                    {
                        "scheduled_at": release,
                        "skip_reason": _("Waiting: minimum gap between two messages to the customer"),
                    }
                )
                return len(self)
        if channel == "email":
            outbox.append(events)
        else:
            events._collection_deliver_whatsapp(now)
        return len(self)

    @api.model
    def _collection_last_contact(self, partner, channel, company):
        """When the customer last got a message of this channel: the time the last one
        really left, or the time of the one waiting in the mail queue (it leaves next)."""
        base = [("partner_id", "=", partner.id), ("channel", "=", channel), ("company_id", "=", company.id)]
        Event = self.sudo()
        sent = Event.search(base + [("state", "=", "sent")], order="done_at desc", limit=1)
        queued = Event.search(base + [("state", "=", "queued")], order="scheduled_at desc", limit=1)
        times = [t for t in (sent.done_at, queued.scheduled_at) if t]
        return max(times) if times else False

    def _collection_leading(self):
        """The event whose stage is the furthest along: its template speaks for the group."""
        return max(self, key=lambda e: (e.stage_id.offset_days, e.stage_id.sequence, -e.id))

    @api.model
    def _collection_send_emails(self, groups, now):
        """Send the emails of several groups: each lists every invoice of its group and is
        posted in the chatter of its leading invoice (the customer as recipient, the email
        queued); the others get a note.  Rendered together (see
        ``_collection_render_reminders``); the notes are logged in one go."""
        ready = []  # (events, lead invoice, recipient, invoices, template)
        for events in groups:
            # what is logged of each group: in the language of its events (its company's)
            _ = events.env._
            lead = events._collection_leading()
            move = lead.move_id
            partner = events.partner_id[:1]
            recipient = move.partner_id if move.partner_id.email else partner
            if not recipient.email:
                events._mark("skipped", skip_reason=_("The customer has no email address"))
                continue
            template = lead.stage_id.mail_template_id
            if not template:
                events._mark("failed", error=_("Stage %s has no email template", lead.stage_id.display_name))
                continue
            moves = events.move_id.sorted(lambda m: (m.invoice_date_due or m.date, m.id))
            ready.append((events, move, recipient, moves, template))
        if not ready:
            return
        self.env["account.move"].browse([i for item in ready for i in item[3].ids])._collection_ensure_tokens()
        rendered = {}
        by_template = defaultdict(dict)
        for _events, move, _recipient, moves, template in ready:
            by_template[template][move.id] = moves.ids
        for template, members in by_template.items():
            rendered.update(self._collection_render_reminders_isolated(template, members))
        notes = {}
        for events, move, recipient, moves, template in ready:
            _ = events.env._
            result = rendered[move.id]
            if isinstance(result, Exception):
                events._mark(
                    "failed",
                    skip_reason=False,
                    error=_(
                        "The email template %(template)s could not be rendered: %(error)s",
                        template=template.name,
                        error=result,
                    ),
                )
                continue
            subject, body = result
            try:
                # one email that cannot be written (attachment, bad address...) fails alone
                with self.env.cr.savepoint():
                    message = move._collection_post_reminder(recipient, moves, subject, body)
            except Exception as error:
                _logger.exception("collections: reminder of %s not written", move.name)
                events._mark("failed", skip_reason=False, error=_("The reminder could not be written: %s", error))
                continue
            note = escape(
                _("Included in the reminder sent with %(move)s to %(email)s.", move=move.name, email=recipient.email)
            )
            notes.update(dict.fromkeys((moves - move).ids, note))
            # sent once the mail queue really sends it (models/mail_mail.py), after checking
            # the contact rules again at that moment
            events._mark(
                "queued",
                mail_message_id=message.id,
                group_key=f"email-{message.id}",
                scheduled_at=now,
                skip_reason=False,
                error=False,
            )
        if notes:
            # one note per other invoice of each email, logged in one go (nobody to notify)
            self.env["account.move"].sudo().browse(list(notes))._message_log_batch(bodies=notes)
        self._collection_wake_mail_queue()

    @api.model
    def _collection_render_reminders_isolated(self, template, groups):
        """:meth:`_collection_render_reminders`, where one group that cannot be rendered
        (a broken expression in the template, a bad record) fails alone: when rendering
        the groups together fails, each is rendered on its own.

        :return: {leading invoice id: (subject, body) or the exception of that group}
        """
        try:
            with self.env.cr.savepoint():
                return self._collection_render_reminders(template, groups)
        except Exception as error:
            if len(groups) == 1:
                _logger.warning(
                    "collections: template %s failed for invoice %s: %s", template.name, next(iter(groups)), error
                )
                return dict.fromkeys(groups, error)
        result = {}
        for lead_id, ids in groups.items():
            try:
                with self.env.cr.savepoint():
                    result.update(self._collection_render_reminders(template, {lead_id: ids}))
            except Exception as error:
                _logger.warning("collections: template %s failed for invoice %s: %s", template.name, lead_id, error)
                result[lead_id] = error
        return result

    @api.model
    def _collection_render_reminders(self, template, groups):
        """Subject and body of several grouped reminders of one template.

        :param groups: {leading invoice id: ids of the invoices its message lists}
        :return: {leading invoice id: (subject, body)}

        ``mail.render.mixin`` compiles an inline QWeb body again for every record it
        renders; here the body is compiled once per language for all the groups: it is
        rendered inside a loop over the leading invoices (``object`` in turn), the
        results separated by a marker and split.  Same template, same values, same
        post-processing (absolute links) as ``mail.template._generate_template``.
        """
        template = template.sudo().with_context(collection_groups=groups)
        lead_ids = list(groups)
        subjects = template._render_field("subject", lead_ids, compute_lang=True)
        options = dict(getattr(template._fields["body_html"], "render_options", None) or {})
        marker = f"@@collections-{uuid.uuid4().hex}@@"
        result = {}
        for tpl, ids in template._classify_per_lang(lead_ids).values():
            source = ('<t t-foreach="collection_leads" t-as="object">%s<t t-out="collection_marker"/></t>') % (
                tpl.body_html or ""
            )
            out = tpl._render_template(
                source,
                tpl.render_model,
                ids[:1],
                engine="qweb",
                options=options,
                add_context={
                    "collection_leads": tpl.env[tpl.render_model].browse(ids),
                    "collection_marker": Markup(marker),
                },
            )[ids[0]]
            parts = str(out).split(marker)
            if len(parts) != len(ids) + 1:
                raise UserError(_("The reminder template %s could not be rendered.", template.name))
            for res_id, body in zip(ids, parts, strict=False):
                result[res_id] = (subjects[res_id], Markup(body))
        return result
