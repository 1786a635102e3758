"""The collections run: plan due stages, then deliver due messages.

Kept apart from the invoice fields (models/account_move.py) for readability; it is the
same model.  Date arithmetic lives in tools/cadence.py, contact rules in
tools/contact_rules.py.

Exactly once: invoices are planned under a row lock taken with SKIP LOCKED (two runs
at the same time never plan the same invoice), each stage advances
``collection_stage_id`` in the same transaction as its events, the database refuses a
second live event for the same (invoice, stage, channel), and each batch is committed
before the next one starts, so a crash repeats nothing that was committed.  Emails are
queued (mail.mail) in the same transaction as the event that records them.
"""

import logging
import time
import uuid
from collections import defaultdict

from markupsafe import Markup, escape

from odoo import _, api, fields, models, modules
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date

from ..tools import cadence, contact_rules

_logger = logging.getLogger(__name__)

CUSTOMER_CHANNELS = {
    "email": ("email",),
    "whatsapp": ("whatsapp",),
    "email_whatsapp": ("email", "whatsapp"),
    "activity": (),
    "escalate": (),
}
RUN_TIME_BUDGET = 240  # seconds per cron call; Odoo calls again while work remains


class AccountMove(models.Model):
    _inherit = "account.move"

    # ------------------------------------------------------------------ entry points
    @api.model
    def _cron_collection_run(self):
        """Scheduled action ``ir_cron_collection_run``."""
        # commit between batches so a crash keeps what was done; never inside tests
        commit = not modules.module.current_test
        done, remaining = self.sudo()._collection_run(commit=commit)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if remaining:
            self.env.ref("account_collections_mx.ir_cron_collection_run")._trigger()
        return done

    @api.model
    def _collection_run(self, commit=False, max_batches=None, now=None):
        """One run: release ended pauses, plan due stages, deliver due messages.

        :return: (items done, items remaining)
        """
        now = now or fields.Datetime.now()
        started = time.monotonic()
        self._collection_release_ended_pauses(now)
        done = batches = 0
        remaining = 0

        def out_of_budget():
            return (max_batches is not None and batches >= max_batches) or (
                time.monotonic() - started > RUN_TIME_BUDGET)

        # 1. planning, in batches of invoices (id cursor: each invoice once per run)
        last_id = 0
        while True:
            ids = self._collection_plan_candidates(now, last_id)
            if not ids:
                break
            if out_of_budget():
                remaining += self._collection_plan_candidates(now, last_id, count=True)
                break
            last_id = ids[-1]
            moves = self.browse(ids)._collection_lock()
            if moves:
                moves._collection_plan(now)
                done += len(moves)
            batches += 1
            self._collection_commit(commit, done)

        # 2. delivery of the customer messages due now, grouped per customer and channel
        last_key = None
        while True:
            groups, last_key = self.env["collection.event"]._collection_due_groups(now, last_key)
            if not groups:
                break
            if out_of_budget():
                remaining += self.env["collection.event"]._collection_due_count(now)
                break
            for events in groups:
                done += events.with_context(collection_commit=commit)._collection_deliver(now)
            batches += 1
            self._collection_commit(commit, done)
        return done, remaining

    def _collection_commit(self, commit, done):
        if commit:
            # commit each batch: a crash later keeps this batch's messages and stages
            self.env.cr.commit()  # pylint: disable=invalid-commit
        _logger.debug("collections: %s items done", done)

    # ------------------------------------------------------------------ planning
    @api.model
    def _collection_batch_size(self):
        return max(int(self.env["ir.config_parameter"].sudo().get_param(
            "account_collections_mx.batch_size", 200)), 1)

    @api.model
    def _collection_plan_candidates(self, now, last_id, count=False):
        """Next batch of active invoices with a stage due (or overdue enough for a person)."""
        batch = self._collection_batch_size()
        # the customer's local date may be one day ahead of UTC
        horizon = fields.Date.add(now.date(), days=1)
        min_threshold = min(self.env["res.company"].sudo().search([]).mapped(
            "collection_human_after_days") or [60])
        human_cutoff = fields.Date.subtract(now.date(), days=min_threshold - 1)
        self.env.flush_all()
        where = """move_type = 'out_invoice' AND state = 'posted'
                   AND collection_state = 'active' AND id > %s
                   AND (collection_next_date <= %s OR invoice_date_due <= %s)"""
        params = (last_id, horizon, human_cutoff)
        if count:
            self.env.cr.execute(f"SELECT COUNT(*) FROM account_move WHERE {where}", params)
            return self.env.cr.fetchone()[0]
        self.env.cr.execute(
            f"SELECT id FROM account_move WHERE {where} ORDER BY id LIMIT %s", (*params, batch))
        return [r[0] for r in self.env.cr.fetchall()]

    def _collection_lock(self):
        """Lock these invoices for this transaction; the ones another run holds are skipped."""
        if not self:
            return self
        self.env.cr.execute(
            "SELECT id FROM account_move WHERE id IN %s ORDER BY id FOR NO KEY UPDATE SKIP LOCKED",
            (tuple(self.ids),),
        )
        locked = self.browse([r[0] for r in self.env.cr.fetchall()])
        # read fresh values: another run may have committed since our cache was filled
        locked.invalidate_recordset()
        return locked.filtered(lambda m: m.collection_state == "active")

    def _collection_local_today(self, now):
        self.ensure_one()
        tz = self.partner_id.tz or self.partner_id.commercial_partner_id.tz or \
            self.company_id._collection_tz()
        return contact_rules.to_local(now, tz).date()

    def _collection_open_credit(self):
        """Open credit notes + unapplied payments per (company, commercial partner)."""
        partners = self.mapped("commercial_partner_id")
        if not partners:
            return {}
        self.env.cr.execute(
            """SELECT l.company_id, l.partner_id, -SUM(l.amount_residual)
                 FROM account_move_line l
                 JOIN account_account a ON a.id = l.account_id AND a.account_type = 'asset_receivable'
                WHERE l.partner_id IN %s AND l.company_id IN %s
                  AND l.parent_state = 'posted'
                  AND NOT l.reconciled AND l.amount_residual < 0
             GROUP BY l.company_id, l.partner_id""",
            (tuple(partners.ids), tuple(self.company_id.ids)),
        )
        return {(c, p): amount for c, p, amount in self.env.cr.fetchall()}

    def _collection_plan(self, now):
        """Execute the due stage of each (locked, active) invoice."""
        Event = self.env["collection.event"].sudo().with_context(collection_engine=True)
        credit = self._collection_open_credit()
        # which invoices the customer's open credit covers (oldest first), per customer
        by_partner = defaultdict(list)
        for move in self:
            by_partner[(move.company_id.id, move.commercial_partner_id.id)].append(move)
        covered = set()
        for key, moves in by_partner.items():
            if credit.get(key):
                covered |= cadence.allocate_credit(
                    [(m.id, m.amount_residual, m.invoice_date_due) for m in moves], credit[key])

        event_vals = []
        stage_moves = defaultdict(list)  # written once per stage, not once per invoice
        for move in self:
            today = move._collection_local_today(now)
            due = move.invoice_date_due or move.invoice_date
            company = move.company_id
            if cadence.days_overdue(due, today) >= company.collection_human_after_days:
                move._collection_hand_over(
                    _("%s days overdue", cadence.days_overdue(due, today)), now, event_vals)
                continue
            policy = move.collection_policy_id
            if not policy:
                continue
            stages = {s.id: s for s in policy.stage_ids}
            plan = cadence.plan(
                [cadence.Stage(s.id, s.offset_days, s.sequence) for s in stages.values()],
                move.collection_stage_id.id, due, today)
            if not plan.fire:
                continue
            stage = stages[plan.fire.id]
            waiting = move.collection_event_ids.filtered(lambda e: e.state == "scheduled")
            if waiting:
                waiting._mark("skipped", skip_reason=_("Superseded by stage %s", stage.display_name))
            for old in plan.superseded:
                for channel in self._collection_stage_channels(stages[old.id]):
                    event_vals.append(move._collection_event_vals(
                        stages[old.id], channel, now, state="skipped",
                        skip_reason=_("Not sent: a later stage was already due (catch-up)")))
            if move.id in covered:
                for channel in self._collection_stage_channels(stage):
                    event_vals.append(move._collection_event_vals(
                        stage, channel, now, state="skipped",
                        skip_reason=_("Covered by the customer's open credit notes and "
                                      "unapplied payments")))
            else:
                move._collection_execute_stage(stage, now, event_vals)
            stage_moves[stage.id].append(move.id)
        for stage_id, move_ids in stage_moves.items():
            self.browse(move_ids)._collection_write({"collection_stage_id": stage_id})
        if event_vals:
            Event.create(event_vals)

    def _collection_write(self, vals):
        """Write collections-only fields (stage, hand-over, portal token) on invoices.

        None of them touches the invoice's lines, so the synchronisation that
        ``account.move.write`` runs for every written invoice (dynamic lines: taxes,
        payment terms, balance check; dozens of queries per invoice) is skipped.
        """
        return self.sudo().with_context(skip_invoice_sync=True, check_move_validity=False).write(
            vals)

    def _collection_ensure_tokens(self):
        """Portal tokens of the payment links, without a full invoice write per invoice."""
        for move in self.sudo().filtered(lambda m: not m.access_token):
            move._collection_write({"access_token": str(uuid.uuid4())})

    @api.model
    def _collection_stage_channels(self, stage):
        channels = list(CUSTOMER_CHANNELS[stage.channel])
        if stage.channel in ("activity", "escalate"):
            channels.append("activity")
        if stage.alert_internal:
            channels.append("alert")
        return channels

    def _collection_event_vals(self, stage, channel, now, state="scheduled", **values):
        self.ensure_one()
        vals = {
            "move_id": self.id,
            "partner_id": self.commercial_partner_id.id,
            "stage_id": stage.id if stage else False,
            "channel": channel,
            "state": state,
            "scheduled_at": now,
        }
        if state in ("sent", "skipped"):
            vals["done_at"] = now
        vals.update(values)
        return vals

    def _collection_execute_stage(self, stage, now, event_vals):
        self.ensure_one()
        partner = self.commercial_partner_id
        for channel in CUSTOMER_CHANNELS[stage.channel]:
            if partner.collection_do_not_contact:
                event_vals.append(self._collection_event_vals(
                    stage, channel, now, state="skipped",
                    skip_reason=_("The customer asked not to be contacted")))
            else:
                event_vals.append(self._collection_event_vals(stage, channel, now))
        if partner.collection_do_not_contact and CUSTOMER_CHANNELS[stage.channel]:
            # no message: the collector gets an internal task instead
            activity = self._collection_schedule_activity(
                stage,
                _("%(stage)s: the customer asked not to be contacted; follow up without "
                  "messages.", stage=stage.display_name))
            event_vals.append(self._collection_event_vals(
                stage, "activity", now, state="sent", activity_id=activity.id))
        if stage.channel == "activity":
            activity = self._collection_schedule_activity(stage)
            event_vals.append(self._collection_event_vals(
                stage, "activity", now, state="sent", activity_id=activity.id))
        elif stage.channel == "escalate":
            self._collection_hand_over(stage.display_name, now, event_vals, stage=stage)
        if stage.alert_internal:
            message = self._collection_alert(stage)
            event_vals.append(self._collection_event_vals(
                stage, "alert", now, state="sent", mail_message_id=message.id))

    def _collection_responsible(self):
        self.ensure_one()
        return (self.partner_id._collection_responsible(self.collection_policy_id)
                or self.invoice_user_id or self.env.ref("base.user_admin"))

    def _collection_schedule_activity(self, stage=None, note=None, summary=None):
        self.ensure_one()
        activity_type = (stage and stage.activity_type_id) or self.env.ref(
            "mail.mail_activity_data_todo")
        return self.sudo().activity_schedule(
            activity_type_id=activity_type.id,
            summary=summary or (stage and stage.display_name) or _("Follow up payment"),
            note=note or _("Collections: %(amount)s due since %(date)s.",
                           amount=format_amount(self.env, self.amount_residual, self.currency_id),
                           date=format_date(self.env, self.invoice_date_due)),
            user_id=self._collection_responsible().id,
            date_deadline=fields.Date.context_today(self),
        )

    def _collection_hand_over(self, why, now, event_vals, stage=None):
        """Hand the invoice to a human collector: no more automatic messages, a to-do."""
        self.ensure_one()
        if self.collection_human:
            return
        self._collection_write({"collection_human": True})
        self._collection_skip_scheduled(_("Handed over to a person"))
        activity = self._collection_schedule_activity(
            stage, summary=_("Call the customer about %s", self.name),
            note=_("Handed over to a person (%(why)s): %(amount)s due since %(date)s. "
                   "Automatic reminders are stopped for this invoice.",
                   why=why,
                   amount=format_amount(self.env, self.amount_residual, self.currency_id),
                   date=format_date(self.env, self.invoice_date_due)))
        # a log line in the chatter (nobody to notify: the to-do above does that)
        self.sudo()._message_log(body=escape(_("Handed over to a person: %s", why)))
        event_vals.append(self._collection_event_vals(
            stage, "activity", now, state="sent", activity_id=activity.id,
            skip_reason=False if stage else why))

    def _collection_alert(self, stage):
        """Tell the collections team that this account reached an alert stage."""
        self.ensure_one()
        body = _("%(partner)s reached “%(stage)s” on %(move)s: %(amount)s due since %(date)s.",
                 partner=self.commercial_partner_id.display_name,
                 stage=stage.display_name, move=self.name,
                 amount=format_amount(self.env, self.amount_residual, self.currency_id),
                 date=format_date(self.env, self.invoice_date_due))
        channel = self.env.ref("account_collections_mx.channel_collections",
                               raise_if_not_found=False)
        if channel:
            link = Markup('<a href="/odoo/action-account.action_move_out_invoice_type/%s">%s</a>') % (
                self.id, self.name)
            return channel.sudo().message_post(
                body=Markup("%s %s") % (body, link), message_type="comment",
                subtype_xmlid="mail.mt_comment")
        return self.sudo().message_post(body=body)

    @api.model
    def _collection_release_ended_pauses(self, now):
        """Automation resumes by itself after the pause's end date."""
        today = now.date()
        partners = self.env["res.partner"].sudo().search([
            ("collection_paused", "=", True), ("collection_pause_until", "<", today),
            ("is_company", "in", (True, False)),
        ]).filtered(lambda p: p.commercial_partner_id == p)
        for partner in partners:
            partner.message_post(body=_("The collections pause ended on %s: reminders resume.",
                                        format_date(self.env, partner.collection_pause_until)))
        partners.write({"collection_paused": False, "collection_pause_until": False})
        moves = self.sudo().search([
            ("collection_paused", "=", True), ("collection_pause_until", "<", today)])
        moves.write({"collection_paused": False, "collection_pause_until": False})

    # ------------------------------------------------------------------ templates
    def collection_reminder_lines(self):
        """Lines of the reminder being rendered (used by the mail templates).

        The invoices grouped in one message are passed in the context
        (``collection_move_ids``); without it, just this invoice.
        """
        ids = self.env.context.get("collection_move_ids") or self.ids
        moves = self.browse(ids).sudo().sorted(lambda m: (m.invoice_date_due or m.date, m.id))
        moves._collection_ensure_tokens()
        today = fields.Date.context_today(self)
        lines = []
        for move in moves:
            due = move.invoice_date_due or move.invoice_date
            lines.append({
                "number": move.name,
                "amount_residual": format_amount(self.env, move.amount_residual, move.currency_id),
                "date_due": format_date(self.env, due),
                "days_overdue": cadence.days_overdue(due, today),
                "payment_link": move._collection_payment_link(),
                "uuid": move["cfdi_uuid"] if "cfdi_uuid" in move._fields else False,
            })
        return lines

    def collection_reminder_total(self):
        ids = self.env.context.get("collection_move_ids") or self.ids
        moves = self.browse(ids).sudo()
        return format_amount(self.env, sum(moves.mapped("amount_residual")), moves[:1].currency_id)

    def _collection_payment_link(self):
        self.ensure_one()
        return self.get_base_url() + self.sudo().get_portal_url()

    def _collection_reminder_attachments(self):
        """The invoice PDFs (and CFDI XML when there is one) attached to a reminder.

        An invoice already sent keeps its legal PDF (``invoice_pdf_report_id``); otherwise
        the invoice report is rendered once and kept on the invoice for the next reminders.
        """
        Attachment = self.env["ir.attachment"].sudo()
        attachments = Attachment
        for move in self:
            if "cfdi_xml_attachment_id" in move._fields and move.cfdi_xml_attachment_id:
                attachments |= move.cfdi_xml_attachment_id
            if not move.company_id.collection_attach_pdf:
                continue
            pdf = move.invoice_pdf_report_id
            name = move._get_invoice_report_filename()
            if not pdf:
                pdf = Attachment.search([("res_model", "=", "account.move"), ("res_id", "=", move.id),
                                         ("name", "=", name)], limit=1)
            if not pdf:
                try:
                    content, filetype = self.env["ir.actions.report"].sudo()._render_qweb_pdf(
                        "account.account_invoices", move.ids)
                except UserError as error:  # e.g. wkhtmltopdf missing: the portal link remains
                    _logger.warning("collections: no PDF for %s: %s", move.name, error)
                    continue
                pdf = Attachment.create({
                    "name": name if filetype == "pdf" else name.replace(".pdf", ".html"),
                    "raw": content,
                    "res_model": "account.move",
                    "res_id": move.id,
                    "mimetype": "application/pdf" if filetype == "pdf" else "text/html",
                })
            attachments |= pdf
        return attachments
