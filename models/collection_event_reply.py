"""Conversations in the contact log: what customers answer, by email or WhatsApp.

One set of editable reply rules (``collection.whatsapp.rule``, shown as *Reply rules*)
and one classifier (tools/replies.py) for both channels; one handler decides what a
reply changes:

* paid / proof of payment: the reminders of the invoices it answers wait two business
  days, and the collector gets a task to check the review tray (the attachments stay on
  the invoice);
* extension or payment plan: handed to the collector (customer paused) with a draft
  payment plan to propose;
* error / not recognised: that invoice is disputed;
* do not contact: the customer is marked do-not-contact, the message kept as evidence;
* anything else but a plain thanks: handed to the collector with the text;
* a plain thanks or an automatic reply (out of office) changes nothing.

Every reply is logged in the contact log as an inbound event (direction *in*, state
*received*) with its classification and outcome, so the history of a customer reads as
one conversation.  Bounced reminders mark their event failed (see
models/mail_thread_collection.py).
"""

import logging

from lxml import etree
from lxml import html as lxml_html
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import SQL, format_date, html2plaintext

from ..tools import contact_rules, replies
from ..tools.channels import CONTACT_CHANNELS
from .collection_event import state_skip_reason
from .collection_whatsapp_rule import REPLY_KINDS

_logger = logging.getLogger(__name__)

DIRECTIONS = [("out", "Outbound"), ("in", "Inbound")]
REPLY_CLASSES = REPLY_KINDS + [
    ("acknowledgement", "Acknowledgement"),
    ("auto_reply", "Automatic reply"),
]
#: the invoice states in which a customer's reply is about collections
IN_COLLECTIONS = ("active", "paused", "disputed", "review", "human", "plan")
#: business days the reminders of an invoice wait when the customer says it paid
PAID_HOLD_DAYS = 2
#: longest reply text kept in the contact log (the full message stays in the chatter)
MAX_TEXT = 4000


class CollectionEvent(models.Model):
    _inherit = "collection.event"

    direction = fields.Selection(DIRECTIONS, required=True, default="out", index=True, readonly=True)
    state = fields.Selection(selection_add=[("received", "Received")], ondelete={"received": "cascade"})
    channel = fields.Selection(
        selection_add=[("web", "Customer link"), ("phone", "Phone or in person")],
        ondelete={"web": "cascade", "phone": "cascade"},
    )
    reply_kind = fields.Selection(
        REPLY_CLASSES,
        string="Classification",
        readonly=True,
        help="How the reply rules classified the customer's message.",
    )
    reply_text = fields.Text(string="Customer's Message", readonly=True)
    reply_outcome = fields.Char(string="Outcome", readonly=True, help="What the customer's message changed.")

    def init(self):
        # the engine writes the contact log in SQL too: its rows are outbound by default
        self.env.cr.execute(SQL("ALTER TABLE collection_event ALTER COLUMN direction SET DEFAULT 'out'"))
        # the unique index of one message per (invoice, stage, channel) concerns outbound
        # messages only; an older database has it without the direction: rebuilt once
        self.env.cr.execute(SQL("SELECT indexdef FROM pg_indexes WHERE indexname = 'collection_event_once_per_stage'"))
        row = self.env.cr.fetchone()
        if row and "direction" not in row[0]:
            self.env.cr.execute(SQL("DROP INDEX collection_event_once_per_stage"))
        super().init()

    @api.depends("direction", "partner_id", "reply_kind")
    def _compute_display_name(self):
        # a customer's message; its actions on its page are named by their own channel
        inbound = self.filtered(lambda e: e.direction == "in" and not e.move_id and e.channel != "portal")
        for event in inbound:
            event.display_name = _("Message from %s", event.partner_id.display_name or "")
        super(CollectionEvent, self - inbound)._compute_display_name()

    # ------------------------------------------------------------------ replies
    @api.model
    def _collection_reply_rules(self, company):
        return self.env["collection.whatsapp.rule"].sudo()._as_rules(company)

    @api.model
    def _collection_reply_received(
        self, partner, move, kind, text, channel, company=None, message=None, moves=None, trusted=True
    ):
        """A customer's message (email or WhatsApp): apply the reply rules and log it.

        :param partner: the customer (its commercial entity is used)
        :param move: the invoice the message is about (may be empty)
        :param kind: the classification (tools/replies.py)
        :param moves: the invoices of the reminder it answers (default: ``move``)
        :param message: the ``mail.message`` holding it in the chatter (evidence)
        :param trusted: False when the sender is not a known contact of the customer: a
            person then reads it before anything changes
        :return: the inbound ``collection.event``
        """
        partner = partner.commercial_partner_id
        company = move.company_id or company or self.env.company
        # the contact log and the notes in the company's language, the tasks in their
        # assignee's (the mail gateway and the webhook run without a language)
        self = self.with_context(lang=company._collection_lang())
        outcome = self._collection_reply_apply(
            partner, move, kind, text, channel, company=company, moves=moves, trusted=trusted, message=message
        )
        return self._collection_log_inbound(
            partner, move, channel, kind, text, outcome, company=company, message=message
        )

    @api.model
    def _collection_log_inbound(
        self, partner, move, channel, kind, text, outcome, company=None, message=None, plan=None
    ):
        now = fields.Datetime.now()
        values = {
            "direction": "in",
            "state": "received",
            "channel": channel,
            "partner_id": partner.commercial_partner_id.id,
            "move_id": move.id or False,
            "company_id": (move.company_id or company or self.env.company).id,
            "scheduled_at": now,
            "done_at": now,
            "reply_kind": kind or False,
            "reply_text": (text or "")[:MAX_TEXT] or False,
            "reply_outcome": outcome or False,
            "mail_message_id": message.id if message else False,
        }
        if plan:
            values["plan_id"] = plan.id
        return self.sudo().with_context(collection_engine=True).create(values)

    @api.model
    def _collection_reply_apply(
        self, partner, move, kind, text, channel, company=None, moves=None, trusted=True, message=None
    ):
        """What a customer's reply changes (same rules for every channel).

        :return: the outcome, as a short sentence for the contact log
        """
        partner = partner.commercial_partner_id.sudo()
        move = move.sudo()
        company = move.company_id or company or self.env.company
        moves = (moves or move).sudo().filtered(lambda m: m.collection_state in IN_COLLECTIONS)
        label = self._collection_reply_label(channel)
        if kind in ("acknowledgement", "auto_reply"):
            return _("Nothing changes")
        if not trusted:
            return self._collection_reply_hand_over(
                partner,
                move,
                "other",
                text,
                channel,
                company,
                extra=lambda model: model.env._("The sender is not a known contact of the customer."),
            )
        if kind == "paid_check":
            return self._collection_reply_paid(partner, move, moves, text, channel, company, message=message)
        if kind == "dispute" and move and move.collection_state in IN_COLLECTIONS:
            move.write(
                {
                    "collection_disputed": True,
                    "collection_dispute_note": _("%(label)s: %(text)s", label=label, text=text),
                }
            )
            move._collection_skip_scheduled(state_skip_reason(self.env, "disputed"))
            self._collection_reply_task(
                partner,
                move,
                "dispute",
                text,
                channel,
                lambda model: model.env._(
                    "The customer objects to %(move)s (%(label)s): “%(text)s”. The invoice is "
                    "disputed: no reminder until someone resumes it.",
                    move=move.name,
                    label=model._collection_reply_label(channel).lower(),
                    text=text,
                ),
            )
            return _("Invoice %s disputed", move.name)
        if kind == "do_not_contact":
            return self._collection_reply_do_not_contact(partner, move, text, channel, message)
        if kind == "payment_plan":
            outcome = self._collection_reply_hand_over(partner, move, "payment_plan", text, channel, company)
            plan = self.env["collection.payment.plan"]._collection_draft_from_reply(partner, move, company, text)
            if plan:
                outcome = _("%(outcome)s; draft payment plan %(plan)s to propose", outcome=outcome, plan=plan.name)
            return outcome
        return self._collection_reply_hand_over(partner, move, kind, text, channel, company)

    @api.model
    def _collection_reply_label(self, channel):
        return {"email": _("Email reply"), "whatsapp": _("WhatsApp reply")}.get(channel, _("Customer reply"))

    @api.model
    def _collection_reply_task(self, partner, move, kind, text, channel, note, target=None):
        """The collector's task about a reply (on the invoice, else on the customer), in
        the collector's language: ``note(model)`` writes the note with this model in that
        language (``model.env._``)."""
        target = target or move or partner
        responsible = (
            partner._collection_responsible(move.collection_policy_id if move else None)
            or (move and move.invoice_user_id)
            or self.env.ref("base.user_admin")
        )
        return target.sudo()._collection_task(
            responsible,
            lambda record: (
                self.with_env(record.env)._collection_reply_summary(partner, kind, channel),
                note(self.with_env(record.env)),
            ),
        )

    @api.model
    def _collection_reply_summary(self, partner, kind, channel):
        """The summary of the task about a reply (context's language)."""
        summaries = {
            "paid_check": _("Says it paid: check the review tray for %s", partner.name),
            "payment_plan": _("Asks for a payment plan: %s", partner.name),
            "dispute": _("Disputes an invoice: %s", partner.name),
            "do_not_contact": _("Asks not to be contacted: %s", partner.name),
        }
        if channel == "whatsapp":
            default = _("WhatsApp reply from %s", partner.name)
        else:
            default = _("Email reply from %s", partner.name)
        return summaries.get(kind, default)

    @api.model
    def _collection_reply_hand_over(self, partner, move, kind, text, channel, company, extra=None):
        """Hand the customer to a person: collections paused, a task with the message."""
        label = self._collection_reply_label(channel)
        reason = {"payment_plan": "payment_plan", "dispute": "dispute"}.get(kind, "other")
        partner.write(
            {
                "collection_paused": True,
                "collection_pause_reason": reason,
                "collection_pause_until": False,
                "collection_pause_note": _("%(label)s: %(text)s", label=label, text=text),
            }
        )

        def note(model):
            text_ = model.env._(
                "The customer wrote (%(label)s): “%(text)s”. Collections are paused for this "
                "customer until someone resumes them.",
                label=model._collection_reply_label(channel).lower(),
                text=text,
            )
            return f"{text_} {extra(model)}" if extra else text_

        self._collection_reply_task(partner, move, kind, text, channel, note)
        moves = (
            self.env["account.move"]
            .sudo()
            .search([("commercial_partner_id", "=", partner.id), ("collection_state", "in", ("paused", "disputed"))])
        )
        moves._collection_skip_scheduled(_("Collections paused after a customer's reply"))
        return _("Handed over to a person: collections paused")

    @api.model
    def _collection_reply_hold_until(self, partner, company):
        """The day the reminders held after "I paid" resume (two business days later)."""
        window = company._collection_contact_window()
        today = contact_rules.to_local(fields.Datetime.now(), partner._collection_tz(company)).date()
        return replies.add_business_days(today, PAID_HOLD_DAYS, window.is_contact_day)

    @api.model
    def _collection_reply_paid(self, partner, move, moves, text, channel, company, message=None):
        """ "Ya pagué": hold the reminders of these invoices two business days; task to check
        the review tray; the proof (attachments) stays on the invoice."""
        until = self._collection_reply_hold_until(partner, company)
        held = self.env["account.move"]
        for invoice in moves.filtered(lambda m: m.collection_state in ("active", "paused", "human", "review")):
            if invoice.collection_paused and (
                not invoice.collection_pause_until or invoice.collection_pause_until >= until
            ):
                held |= invoice  # already paused longer: nothing to shorten
                continue
            invoice._collection_write(
                {"collection_paused": True, "collection_pause_reason": "other", "collection_pause_until": until}
            )
            held |= invoice
        plans = moves.collection_plan_id.filtered(lambda p: p.state == "active")
        plans._collection_hold(until)
        held._collection_skip_scheduled(_("Held: the customer says it paid"))
        lead = move or held[:1]
        if (
            lead
            and message
            and message.attachment_ids
            and (message.model != "account.move" or message.res_id != lead.id)
        ):
            # the proof of payment is kept on the invoice too
            copies = message.attachment_ids.sudo().copy({"res_model": "account.move", "res_id": lead.id})
            lead.message_post(
                body=_("Proof of payment received from the customer."),
                attachment_ids=copies.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        names = ", ".join((held or lead).mapped("name"))
        for invoice in held:
            invoice.message_post(
                body=_(
                    "The customer says it paid (%(label)s): reminders held until %(date)s.",
                    label=self._collection_reply_label(channel).lower(),
                    date=format_date(self.env, until),
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        self._collection_reply_task(
            partner,
            lead,
            "paid_check",
            text,
            channel,
            lambda model: model.env._(
                "The customer says it paid %(moves)s: “%(text)s”. Check the review tray and the "
                "attachments; the reminders wait until %(date)s.",
                moves=names or partner.name,
                text=text,
                date=format_date(model.env, until),
            ),
        )
        if not held:
            return _("Task: check the review tray")
        return _(
            "Reminders of %(moves)s held until %(date)s; task: check the review tray",
            moves=names,
            date=format_date(self.env, until),
        )

    @api.model
    def _collection_reply_do_not_contact(self, partner, move, text, channel, message=None):
        label = self._collection_reply_label(channel)
        partner.write({"collection_do_not_contact": True})
        evidence = Markup("<p>%s</p><blockquote>%s</blockquote>") % (
            _(
                "Do not contact: the customer asked it (%(label)s, %(date)s). Its message is kept as evidence.",
                label=label.lower(),
                date=format_date(self.env, fields.Date.context_today(self)),
            ),
            text,
        )
        partner.message_post(body=evidence, message_type="comment", subtype_xmlid="mail.mt_note")
        events = self.sudo().search(
            [("partner_id", "=", partner.id), ("state", "=", "scheduled"), ("channel", "in", CONTACT_CHANNELS)]
        )
        events._mark("skipped", skip_reason=_("The customer asked not to be contacted"))
        self._collection_reply_task(
            partner,
            move,
            "do_not_contact",
            text,
            channel,
            lambda model: model.env._(
                "The customer asked not to be contacted (%(label)s): “%(text)s”. Only tasks from now "
                "on; no email or WhatsApp is sent.",
                label=model._collection_reply_label(channel).lower(),
                text=text,
            ),
        )
        return _("Do not contact (the message is the evidence)")

    # ------------------------------------------------------------------ email replies
    @api.model
    def _collection_email_text(self, body):
        """The new text of an email reply (HTML quotes and the quoted reminder removed)."""
        if not body:
            return ""
        try:
            tree = lxml_html.fragment_fromstring(str(body), create_parent="div")
        except (etree.ParserError, ValueError):
            return replies.reply_text(html2plaintext(str(body), include_references=False))
        for node in tree.xpath("//*[@data-o-mail-quote]"):
            if node.getparent() is not None:
                node.drop_tree()
        text = html2plaintext(etree.tostring(tree, encoding="unicode"), include_references=False)
        return replies.reply_text(text)

    @api.model
    def _collection_email_received(self, email_message, message_dict):
        """An email routed by the mail gateway (after it is posted): if a customer under
        collections wrote it, apply the reply rules and log it.

        :param email_message: the ``email.message.EmailMessage`` (for its headers)
        """
        if not message_dict.get("message_id"):
            return self.browse()
        posted = (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("message_id", "=", message_dict["message_id"]),
                    ("model", "in", ("account.move", "res.partner", "collection.payment.plan")),
                    ("message_type", "=", "email"),
                ]
            )
        )
        events = self.browse()
        headers = dict(email_message.items()) if email_message is not None else {}
        for message in posted:
            events |= self._collection_email_one(message, headers, message_dict.get("subject"))
        return events

    @api.model
    def _collection_email_one(self, message, headers, subject):
        record = self.env[message.model].sudo().browse(message.res_id).exists()
        if not record:
            return self.browse()
        answered = self.browse()
        if message.parent_id:
            answered = self.sudo().search([("mail_message_id", "=", message.parent_id.id), ("direction", "=", "out")])
        moves = answered.move_id
        if record._name == "account.move":
            if record.move_type != "out_invoice" or record.state != "posted":
                return self.browse()
            move, partner, company = record, record.commercial_partner_id, record.company_id
            moves = moves or record
        elif record._name == "collection.payment.plan":
            partner, company = record.partner_id, record.company_id
            moves = record.move_ids
            move = moves.filtered(lambda m: m.collection_state in IN_COLLECTIONS)[:1] or moves[:1]
        else:
            partner = record.commercial_partner_id
            company = answered.company_id[:1] or message.record_company_id or self.env.company
            move = moves[:1] or self.env["account.move"].sudo().search(
                [
                    ("commercial_partner_id", "=", partner.id),
                    ("company_id", "=", company.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("collection_state", "in", IN_COLLECTIONS),
                ],
                order="invoice_date_due asc, id asc",
                limit=1,
            )
        # logged in the company's language (the mail gateway runs without one)
        self = self.with_context(lang=company._collection_lang())
        in_collections = (moves | move).filtered(lambda m: m.collection_state in IN_COLLECTIONS)
        if not in_collections and not answered:
            return self.browse()  # not about collections
        author = message.author_id
        if author and any(not user.share for user in author.user_ids):
            return self.browse()  # an employee answering by email, not the customer
        trusted = bool(author) and author.commercial_partner_id == partner
        text = self._collection_email_text(message.body)
        if replies.is_auto_reply(headers, subject or message.subject):
            kind = "auto_reply"
        else:
            kind = replies.classify(text, self._collection_reply_rules(company))
        if not in_collections:
            # an answer to one of our messages about invoices paid or out of collections since
            return self._collection_log_inbound(
                partner,
                move,
                "email",
                kind,
                text,
                _("Nothing changes: the invoices are no longer in collections"),
                company=company,
                message=message,
            )
        return self._collection_reply_received(
            partner, move, kind, text, "email", company=company, message=message, moves=moves, trusted=trusted
        )

    # ------------------------------------------------------------------ bounces
    @api.model
    def _collection_email_bounced(self, message_dict):
        """A bounce (DSN) of one of our emails: its events failed, the customer's email
        shown as not working (Odoo's bounce counter, raised by the gateway), a task to fix
        it.  The next stages go by WhatsApp when the customer has a valid mobile
        (models/account_move_bounce.py)."""
        bounced = message_dict.get("bounced_message")
        if not bounced:
            return self.browse()
        events = self.sudo().search(
            [
                ("mail_message_id", "in", bounced.ids),
                ("direction", "=", "out"),
                ("state", "in", ("sent", "queued", "scheduled")),
            ]
        )
        if not events:
            return events
        email = message_dict.get("bounced_email") or ""
        for company_events in events._collection_by_company():
            company_events._collection_bounced(email)
        return events

    def _collection_bounced(self, email):
        """These events (of one company) bounced: failed, and a task per customer."""
        self._mark(
            "failed",
            delivery_status="bounced",
            error=_("Bounced: the email to %s was not delivered.", email or _("the customer")),
        )
        for partner in self.partner_id:
            mine = self.filtered(lambda e, p=partner: e.partner_id == p)
            self._collection_bounce_task(partner, mine, email)

    @api.model
    def _collection_email_undeliverable(self, mails, success_pids, failure_type):
        """Mails the queue could not send to an invalid or missing address."""
        events = self.sudo().search(
            [
                ("mail_message_id", "in", mails.mail_message_id.ids),
                ("direction", "=", "out"),
                ("state", "in", ("sent", "queued", "scheduled")),
            ]
        )
        if not events:
            return events
        failed = mails.recipient_ids.filtered(lambda p: p.id not in (success_pids or []))
        if not failed:
            return self.browse()
        for partner in failed.sudo():
            partner.message_bounce += 1  # shown as not working, like a bounce
        for company_events in events._collection_by_company():
            company_events._collection_undeliverable(failed, failure_type)
        return events

    def _collection_undeliverable(self, failed, failure_type):
        """These events (of one company) could not be sent to ``failed`` partners."""
        what = dict(self.env["mail.mail"]._fields["failure_type"]._description_selection(self.env)).get(
            failure_type, failure_type
        )
        self._mark(
            "failed",
            delivery_status="bounced",
            error=_(
                "Not delivered (%(what)s): %(emails)s",
                what=what,
                emails=", ".join(p.email or p.display_name for p in failed),
            ),
        )
        for partner in self.partner_id:
            mine = self.filtered(lambda e, p=partner: e.partner_id == p)
            self._collection_bounce_task(partner, mine, ", ".join(failed.mapped("email")))

    @api.model
    def _collection_bounce_task(self, partner, events, email):
        """One open task per customer to fix its email address."""
        partner = partner.sudo()
        move = events.move_id[:1]
        responsible = (
            partner._collection_responsible(move.collection_policy_id if move else None)
            or (move and move.invoice_user_id)
            or self.env.ref("base.user_admin")
        )
        # in the collector's language; one open task (whatever language it was written in)
        lang_self = self.with_context(lang=responsible._collection_lang())
        summaries = {
            lang_self.env._("Fix the email address of %s", partner.name),
            self.env._("Fix the email address of %s", partner.name),
        }
        todo = self.env.ref("mail.mail_activity_data_todo")
        existing = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", partner.id),
                    ("activity_type_id", "=", todo.id),
                    ("summary", "in", list(summaries)),
                ],
                limit=1,
            )
        )
        if existing:
            return existing
        what = ", ".join(events.move_id.mapped("name"))
        return partner._collection_task(
            responsible,
            lambda record: (
                record.env._("Fix the email address of %s", partner.name),
                record.env._(
                    "The reminder to %(email)s bounced (%(what)s): the address does not "
                    "work. Fix it on the customer; meanwhile the reminders go by WhatsApp "
                    "when the customer has a valid mobile.",
                    email=email or partner.email or "",
                    what=what or events[:1].with_env(record.env).display_name,
                ),
            ),
        )
