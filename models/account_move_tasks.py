"""Collector tasks that tell the truth: when an invoice leaves collections (paid, excluded,
cancelled) the open tasks collections created for it are closed with a note, instead of
leaving a collector to chase a customer who paid.

* the cadence's tasks of the invoice (calls, hand-over to a person): the contact log
  knows them (``collection.event.activity_id``);
* the follow-up task of a broken promise to pay, once every invoice of the promise is out
  of collections; a promise without invoices is the customer's: its task stays while the
  customer still has open invoices.
"""

from odoo import fields, models
from odoo.tools import format_date

from ..tools.cadence import FINISHED_STATES


class AccountMove(models.Model):
    _inherit = "account.move"

    def write(self, vals):
        res = super().write(vals)
        if "state" in vals or "collection_excluded" in vals:
            self._collection_close_finished_tasks()
        return res

    def _collection_after_reconcile(self):
        res = super()._collection_after_reconcile()
        self._collection_close_finished_tasks()
        return res

    def _collection_close_finished_tasks(self):
        """Close the open collections tasks of these invoices once they are out of
        collections (paid, excluded or cancelled), and those of the promises and customers
        left with nothing to collect."""
        moves = self.filtered(lambda m: m.move_type == "out_invoice")
        if not moves:
            return
        moves.invalidate_recordset(["collection_state"])
        finished = moves.filtered(lambda m: m.collection_state in FINISHED_STATES)
        if not finished:
            return
        Activity = self.env["mail.activity"].sudo()
        events = (
            self.env["collection.event"]
            .sudo()
            .search([("move_id", "in", finished.ids), ("channel", "=", "activity"), ("activity_id", "!=", False)])
        )
        by_move = {}
        for event in events:
            by_move.setdefault(event.move_id, Activity)
            by_move[event.move_id] |= event.activity_id
        for move, activities in by_move.items():
            move._collection_close_tasks(activities.exists())
        finished._collection_close_promise_tasks()

    def _collection_close_tasks(self, activities, partner=None):
        """Mark ``activities`` (of this invoice or of its promises) done, with why; with
        ``partner``, the customer has nothing left to collect."""
        self.ensure_one()
        for activity in activities.filtered("active"):
            lang = activity.user_id._collection_lang()
            move = self.with_context(lang=lang)
            note = move._collection_finished_note()
            if partner:
                note = move.env._(
                    "No open invoice left for %(partner)s: %(note)s", partner=partner.display_name, note=note
                )
            activity.with_context(lang=lang).action_feedback(feedback=note)

    def _collection_finished_note(self):
        """Why the tasks of this invoice are closed, in the reader's language."""
        self.ensure_one()
        _ = self.env._
        if self.state == "cancel":
            return _("%s was cancelled: nothing left to collect.", self.name)
        if self.collection_state == "excluded":
            reason = self.collection_exclude_reason or _("excluded from collections")
            return _("%(invoice)s left collections (%(reason)s).", invoice=self.name, reason=reason)
        return _(
            "%(invoice)s paid on %(date)s.", invoice=self.name, date=format_date(self.env, self._collection_paid_date())
        )

    def _collection_paid_date(self):
        """Day of the last payment applied to this invoice (today when unknown)."""
        self.ensure_one()
        receivable = self.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        dates = [
            partial.max_date
            for partial in receivable.matched_credit_ids | receivable.matched_debit_ids
            if partial.max_date
        ]
        dates += [
            payment.date
            for payment in self.matched_payment_ids
            if payment.state in ("in_process", "paid") and not payment.move_id
        ]
        return max(dates) if dates else fields.Date.context_today(self)

    def _collection_close_promise_tasks(self):
        """Tasks of broken promises whose invoices are all out of collections, and of the
        promises without invoices of customers who have no open invoice left."""
        Promise = self.env["collection.promise"].sudo()
        promises = Promise.search([("move_ids", "in", self.ids)])
        partners = self.commercial_partner_id
        if partners:
            promises |= Promise.search([("partner_id", "in", partners.ids), ("move_ids", "=", False)])
        promises = promises.filtered(lambda p: p.activity_ids)
        if not promises:
            return
        still_open = set(
            self.sudo()
            .search(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("commercial_partner_id", "in", promises.partner_id.commercial_partner_id.ids),
                    ("collection_state", "not in", FINISHED_STATES),
                ]
            )
            .commercial_partner_id.ids
        )
        for promise in promises:
            if promise.move_ids:
                if any(m.collection_state not in FINISHED_STATES for m in promise.move_ids):
                    continue
                last = promise.move_ids.sorted(
                    lambda m: (m._collection_paid_date() if m.collection_state == "done" else fields.Date.today(), m.id)
                )[-1]
                last._collection_close_tasks(promise.activity_ids.filtered("automated"))
                continue
            partner = promise.partner_id.commercial_partner_id
            last = self.filtered(lambda m, p=partner: m.commercial_partner_id == p)[:1]
            if last and partner.id not in still_open:
                last._collection_close_tasks(promise.activity_ids.filtered("automated"), partner=partner)
