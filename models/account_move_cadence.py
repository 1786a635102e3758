"""The collections run: plan due stages, then deliver what is due.

Kept apart from the invoice fields (models/account_move.py) for readability; it is the
same model.  Date arithmetic lives in tools/cadence.py, contact rules in
tools/contact_rules.py.

Two phases, like OCA account_credit_control's generation and channel actions:

* **planning** (``_collection_plan``) decides the due stage of each invoice and records
  it: ``collection.event`` rows (``scheduled`` for what delivery must do, ``skipped``
  with a reason otherwise) and the stage, next stage and date on the invoice.  It is
  set-based: per batch of invoices a handful of SQL statements (read, open credit, skip
  the superseded waiting messages, one multi-row INSERT, one UPDATE), the decisions in
  plain Python, never an ORM write per invoice;
* **delivery** executes the scheduled events: tasks (``mail.activity``, created
  together) and team alerts (one digest message per batch in the Collections channel)
  at once, customer emails and WhatsApp messages grouped per customer inside the
  contact window.

Exactly once: invoices are planned under a row lock taken with SKIP LOCKED (two runs
at the same time never plan the same invoice), each stage advances
``collection_stage_id`` in the same transaction as its events, the database refuses a
second live event for the same (invoice, stage, channel) (the INSERT skips such a row),
delivery locks the events it executes (SKIP LOCKED) and marks them in the same
transaction as what it creates, and each batch is committed before the next one starts,
so a crash repeats nothing that was committed.  Emails are written to Odoo's mail queue
(``mail.mail``) in the same transaction as the event that records them (``queued``); the
contact rules are checked again when the queue sends them (models/collection_event_mail.py)
and the event is ``sent`` only then.  WhatsApp calls are recorded (committed) before they
are made: an attempt whose outcome is unknown is never made again.  Each cron call works
within a time budget (tools/cron.py) and reports what remains.
"""

import bisect
import logging
import uuid
from collections import defaultdict, namedtuple

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date
from odoo.tools.translate import LazyTranslate

from ..tools import cadence, contact_rules
from ..tools.channels import (
    INTERNAL_CHANNELS,
    REMINDER_CHANNELS,
    STAGE_REMINDER_CHANNELS,
    TASK_STAGE_CHANNELS,
    stage_event_channels,
)
from ..tools.cron import CronBudget, collection_cron_run
from .collection_event import companies_sql

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

#: invoice fields planning writes in SQL (read again from the database afterwards)
PLAN_MOVE_FIELDS = [
    "collection_stage_id",
    "collection_next_stage_id",
    "collection_next_date",
    "collection_human",
    "collection_state",
    "collection_event_ids",
    "write_uid",
    "write_date",
]
#: why planning skips a message, in the contact log (in the company's language)
SKIP_REASONS = {
    "handed_over": _lt("Handed over to a person"),
    "catch_up": _lt("Not sent: a later stage was already due (catch-up)"),
    "covered": _lt("Covered by the customer's open credit notes and unapplied payments"),
    "do_not_contact": _lt("The customer asked not to be contacted"),
    "below_alert": _lt("Below the company's alert threshold"),
}
StageInfo = namedtuple("StageInfo", "id channel alert_internal display_name channels")
#: position of each value in the tuples of the events planned by ``_collection_plan``
#: (invoice, customer, company, stage, channel, state, done at, skip reason)
(EV_MOVE, EV_PARTNER, EV_COMPANY, EV_STAGE, EV_CHANNEL, EV_STATE, EV_DONE_AT, EV_REASON) = range(8)


class CollectionRun:
    """What one collections run reads once instead of once per invoice or batch.

    The customers' local dates (one per time zone in use, and each company's), the
    hand-over thresholds, the policies' stages and the skip reasons, translated once
    per language (each company's contact log in its own language).
    """

    def __init__(self, env, now, company_ids=None):
        self.env = env
        self.now = now
        self.company_ids = company_ids  # None: every company
        self._tz_today = {}
        self._company = {}
        env["res.partner"].flush_model(["tz"])
        env.cr.execute(SQL("SELECT DISTINCT tz FROM res_partner WHERE tz IS NOT NULL AND tz != ''"))
        for (tz,) in env.cr.fetchall():
            self._tz_today[tz] = contact_rules.to_local(now, tz).date()
        # customers without a time zone: the zone of their address's state (Mexico)
        self._state_today = {}
        for state in env["res.country.state"].sudo().search([("country_id.code", "=", "MX")]):
            tz = contact_rules.state_tz("MX", state.code)
            self._state_today[state.id] = contact_rules.to_local(now, tz).date()
        companies = env["res.company"].sudo().with_context(active_test=False).search([])
        for company in companies:
            self._load_company(company)
        self.stage = None
        self.policy_stages = None
        self._alert_min = {}
        self._lang = {}  # company id: language of its contact log
        self._envs = {}  # language: environment in that language
        self._texts = {}  # (language, key): translated reason
        self._ctes = None
        self.candidates = None  # ids of the invoices to plan in this run (sorted)

    def _load_company(self, company):
        today = contact_rules.to_local(self.now, company._collection_tz()).date()
        self._company[company.id] = (today, company.collection_human_after_days)
        return self._company[company.id]

    def _company_info(self, company_id):
        info = self._company.get(company_id)
        if info is None:
            info = self._load_company(self.env["res.company"].sudo().browse(company_id))
        return info

    def local_today(self, partner_tz, commercial_tz, company_id, state_id=None, commercial_state_id=None):
        """The customer's local date: its time zone (else its commercial entity's), else
        the zone of its address's state (else its entity's), else its company's."""
        tz = partner_tz or commercial_tz
        if not tz:
            today = self._state_today.get(state_id) or self._state_today.get(commercial_state_id)
            return today or self._company_info(company_id)[0]
        today = self._tz_today.get(tz)
        if today is None:
            today = self._tz_today[tz] = contact_rules.to_local(self.now, tz).date()
        return today

    def human_after(self, company_id):
        return self._company_info(company_id)[1]

    def alert_min(self, company_id):
        """Smallest amount due for which the team is alerted (company setting)."""
        if company_id not in self._alert_min:
            self._alert_min[company_id] = (
                self.env["res.company"].sudo().browse(company_id).collection_alert_min_amount or 0.0
            )
        return self._alert_min[company_id]

    def local_date_ctes(self):
        """SQL ``WITH`` of the local dates: ``co(id, today, human_after)``, ``tzd(tz, today)``,
        ``std(id, today)`` (Mexican states)."""
        if self._ctes is None:
            companies = SQL(", ").join(
                SQL("(%s::int4, %s::date, %s::int4)", cid, today, after)
                for cid, (today, after) in self._company.items()
            ) or SQL("(NULL::int4, NULL::date, 0)")
            zones = SQL(", ").join(
                SQL("(%s::varchar, %s::date)", tz, today) for tz, today in self._tz_today.items()
            ) or SQL("(NULL::varchar, NULL::date)")
            states = SQL(", ").join(
                SQL("(%s::int4, %s::date)", state_id, today) for state_id, today in self._state_today.items()
            ) or SQL("(NULL::int4, NULL::date)")
            self._ctes = SQL(
                "WITH co(id, today, human_after) AS (VALUES %s), tzd(tz, today) AS (VALUES %s), "
                "std(id, today) AS (VALUES %s)",
                companies,
                zones,
                states,
            )
        return self._ctes

    def load_stages(self):
        if self.stage is not None:
            return
        self.stage = {}
        self.policy_stages = defaultdict(list)
        for stage in self.env["collection.policy.stage"].sudo().search([]):
            self.stage[stage.id] = StageInfo(
                stage.id,
                stage.channel,
                stage.alert_internal,
                stage.display_name,
                stage_event_channels(stage.channel, stage.alert_internal),
            )
            self.policy_stages[stage.policy_id.id].append(cadence.Stage(stage.id, stage.offset_days, stage.sequence))

    def company_env(self, company_id):
        """The run's environment in the language of ``company_id``'s contact log (its
        staff reads it; the cron itself has no language)."""
        lang = self._lang.get(company_id)
        if lang is None:
            lang = self._lang[company_id] = self.env["res.company"].sudo().browse(company_id)._collection_lang()
        env = self._envs.get(lang)
        if env is None:
            env = self._envs[lang] = self.env(context=dict(self.env.context, lang=lang))
        return env

    def _text(self, company_id, key, make):
        env = self.company_env(company_id)
        text = self._texts.get((env.lang, key))
        if text is None:
            text = self._texts[(env.lang, key)] = make(env)
        return text

    def reason(self, key, company_id):
        """A skip reason (``SKIP_REASONS``) in the company's language."""
        return self._text(company_id, key, lambda env: env._(SKIP_REASONS[key]))

    def overdue_reason(self, days, company_id):
        return self._text(company_id, ("overdue", days), lambda env: env._("%s days overdue", days))

    def superseded_reason(self, stage, company_id):
        return self._text(
            company_id,
            ("superseded", stage.id),
            lambda env: env._("Superseded by stage %s", env["collection.policy.stage"].browse(stage.id).display_name),
        )


class AccountMove(models.Model):
    _inherit = "account.move"

    # ------------------------------------------------------------------ entry points
    @api.model
    def _cron_collection_run(self):
        """Scheduled action ``ir_cron_collection_run`` (commits between batches: a crash
        keeps what was done)."""
        return collection_cron_run(
            self.env,
            "account_collections_mx.ir_cron_collection_run",
            lambda commit: self.sudo()._collection_run(commit=commit),
        )

    @api.model
    def _collection_run(self, commit=False, max_batches=None, now=None, budget=None, whatsapp=True, company_ids=None):
        """One run: release ended pauses, plan due stages, deliver what is due.

        Two phases, each in batches committed one by one:

        1. **planning** decides the due stage of each invoice and records it in the contact
           log (``scheduled`` / ``skipped`` events, stage written on the invoice), set-based:
           a handful of SQL queries per batch of invoices, no ORM write per invoice;
        2. **delivery** executes the scheduled events: internal tasks (activities) and team
           alerts (one digest message per batch), then the customer messages grouped per
           customer and channel, inside the contact window.

        Each call works for the time of its budget (:class:`CronBudget`, 50 s by
        default), then stops after the batch (or customer message) in progress: the
        cron reports what remains and is called again.

        :param whatsapp: deliver WhatsApp messages too; without, they stay scheduled for
            the cron (a request may be retried by Odoo: only transactional work in it)
        :param company_ids: only the invoices and events of these companies (default: all)
        :return: (items done, items remaining)
        """
        now = now or fields.Datetime.now()
        budget = budget or CronBudget(self.env)
        self._collection_release_ended_pauses(now)
        run = CollectionRun(self.env, now, company_ids)
        done = batches = 0
        remaining = 0
        self._collection_commit(commit, done)  # the pauses released

        def out_of_budget():
            # at least one batch per call: a call always makes progress
            return (max_batches is not None and batches >= max_batches) or (batches > 0 and budget.exhausted())

        # 1. planning, in batches of invoices (id cursor: each invoice once per run)
        last_id = 0
        while True:
            ids = self._collection_plan_candidates(now, last_id, run=run)
            if not ids:
                break
            if out_of_budget():
                remaining += self._collection_plan_candidates(now, last_id, count=True, run=run)
                break
            last_id = ids[-1]
            moves = self.browse(ids)._collection_lock()
            if moves:
                moves._collection_plan(now, run=run)
                done += len(moves)
            batches += 1
            self._collection_commit(commit, done)

        # 2. delivery
        Event = self.env["collection.event"].sudo()
        # 2a. internal tasks and team alerts (not subject to the customer contact window)
        last_id = 0
        while True:
            events = Event._collection_due_internal(now, last_id, company_ids=company_ids)
            if not events:
                break
            if out_of_budget():
                remaining += Event._collection_due_count(now, INTERNAL_CHANNELS, company_ids)
                break
            last_id = max(events.ids)
            done += events._collection_deliver_internal(now)
            batches += 1
            self._collection_commit(commit, done)
        # 2b. customer messages due now, grouped per customer and channel
        channels = REMINDER_CHANNELS if whatsapp else ("email",)
        last_key = None
        while True:
            groups, last_key = Event._collection_due_groups(now, last_key, channels=channels, company_ids=company_ids)
            if not groups:
                break
            if out_of_budget():
                remaining += Event._collection_due_count(now, channels, company_ids)
                break
            handled = Event._collection_deliver_groups(groups, now, commit=commit, budget=budget)
            done += handled
            batches += 1
            self._collection_commit(commit, done)
            if handled < sum(len(g) for g in groups):  # the budget ran out within the batch
                remaining += Event._collection_due_count(now, channels, company_ids)
                break
        if not whatsapp:
            remaining += Event._collection_due_count(now, ("whatsapp",), company_ids)
        return done, remaining

    def _collection_commit(self, commit, done):
        if commit:
            # commit each batch: a crash later keeps this batch's messages and stages
            self.env.cr.commit()  # pylint: disable=invalid-commit
        _logger.debug("collections: %s items done", done)

    # ------------------------------------------------------------------ planning
    @api.model
    def _collection_batch_size(self):
        return max(int(self.env["ir.config_parameter"].sudo().get_param("account_collections_mx.batch_size", 200)), 1)

    @api.model
    def _collection_plan_candidates(self, now, last_id, count=False, run=None):
        """Next batch of active invoices with a stage due (or overdue enough for a person).

        "Due" is judged on the customer's local date (partner's time zone, else its
        company's, else the company's), computed once per run for each time zone in use:
        an invoice whose next stage is tomorrow over there is not selected.  Within a run
        the candidates are selected once (one query, not one per batch: the batches then
        take them in id order); each batch locks and reads its invoices again.
        """
        if run is not None:
            if run.candidates is None:
                run.candidates = self._collection_plan_candidates_query(now, 0, run)
            start = bisect.bisect_right(run.candidates, last_id)
            if count:
                return len(run.candidates) - start
            return run.candidates[start : start + self._collection_batch_size()]
        run = CollectionRun(self.env, now)
        if count:
            return self._collection_plan_candidates_query(now, last_id, run, count=True)
        return self._collection_plan_candidates_query(now, last_id, run, limit=self._collection_batch_size())

    @api.model
    def _collection_plan_candidates_query(self, now, last_id, run, count=False, limit=None):
        self.env.flush_all()
        # the same order as CollectionRun.local_today: own zone, the entity's, the zone of
        # the address's state, the entity's, the company's
        local = SQL(
            "CASE WHEN COALESCE(p.tz, '') != '' OR COALESCE(cp.tz, '') != '' "
            "THEN COALESCE(tp.today, tc.today, co.today) "
            "ELSE COALESCE(sp.today, sc.today, co.today) END"
        )
        query = SQL(
            """FROM account_move m
                    JOIN res_partner p ON p.id = m.partner_id
                    JOIN res_partner cp ON cp.id = m.commercial_partner_id
                    JOIN co ON co.id = m.company_id
                    LEFT JOIN tzd tp ON tp.tz = p.tz
                    LEFT JOIN tzd tc ON tc.tz = cp.tz
                    LEFT JOIN std sp ON sp.id = p.state_id
                    LEFT JOIN std sc ON sc.id = cp.state_id
                   WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
                     AND m.collection_state = 'active' AND m.id > %(last_id)s %(companies)s
                     AND (m.collection_next_date <= %(local)s
                          OR COALESCE(m.invoice_date_due, m.invoice_date)
                             <= %(local)s - co.human_after)""",
            last_id=last_id,
            companies=companies_sql(run.company_ids, SQL.identifier("m", "company_id")),
            local=local,
        )
        ctes = run.local_date_ctes()
        if count:
            self.env.cr.execute(SQL("%s SELECT COUNT(*) %s", ctes, query))
            return self.env.cr.fetchone()[0]
        if limit:
            self.env.cr.execute(SQL("%s SELECT m.id %s ORDER BY m.id LIMIT %s", ctes, query, limit))
        else:
            self.env.cr.execute(SQL("%s SELECT m.id %s ORDER BY m.id", ctes, query))
        return [r[0] for r in self.env.cr.fetchall()]

    def _collection_lock(self):
        """Lock these invoices for this transaction; the ones another run holds are skipped.

        Only invoices still active (read from the database, not the cache) are returned.
        """
        if not self:
            return self
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT id FROM account_move WHERE id IN %s AND collection_state = 'active'
             ORDER BY id FOR NO KEY UPDATE SKIP LOCKED""",
                tuple(self.ids),
            )
        )
        return self.browse([r[0] for r in self.env.cr.fetchall()])

    @api.model
    def _collection_open_credit_by_key(self, keys):
        """Open credit notes + unapplied payments per (company, commercial partner)."""
        if not keys:
            return {}
        self.env.cr.execute(
            SQL(
                """SELECT l.company_id, l.partner_id, -SUM(l.amount_residual)
                 FROM account_move_line l
                 JOIN account_account a ON a.id = l.account_id AND a.account_type = 'asset_receivable'
                WHERE l.partner_id IN %s AND l.company_id IN %s
                  AND l.parent_state = 'posted'
                  AND NOT l.reconciled AND l.amount_residual < 0
             GROUP BY l.company_id, l.partner_id""",
                tuple({p for _c, p in keys}),
                tuple({c for c, _p in keys}),
            )
        )
        return {(c, p): amount for c, p, amount in self.env.cr.fetchall() if (c, p) in keys}

    def _collection_plan(self, now, run=None):
        """Decide the due stage of each (locked, active) invoice and record it, set-based.

        Per batch: one query reads the invoices, one the customers' open credit; the
        decisions are plain Python (tools/cadence.py); then one UPDATE skips the customer
        messages still waiting for the invoices that move on, one multi-row INSERT writes
        the contact log (``scheduled`` events: delivery executes them; ``skipped`` ones:
        catch-up, credit, do-not-contact) and one UPDATE writes the stage, the next stage
        and date and the hand-over on the invoices (the stored computes of
        models/account_move.py, computed here from the same plan).  No invoice is written
        through the ORM (that runs the invoice synchronisation for each).
        """
        if not self:
            return 0
        run = run or CollectionRun(self.env, now)
        run.load_stages()
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            SQL(
                """SELECT m.id, m.company_id, m.commercial_partner_id,
                      COALESCE(m.invoice_date_due, m.invoice_date), m.collection_stage_id,
                      m.collection_policy_id, m.amount_residual_signed, p.tz, cp.tz, p.state_id, cp.state_id,
                      COALESCE(cp.collection_do_not_contact, FALSE)
                 FROM account_move m
                 JOIN res_partner p ON p.id = m.partner_id
                 JOIN res_partner cp ON cp.id = m.commercial_partner_id
                WHERE m.id IN %s AND m.collection_state = 'active'
             ORDER BY m.id""",
                tuple(self.ids),
            )
        )
        rows = cr.fetchall()
        if not rows:
            return 0
        # which invoices the customer's open credit covers (oldest first), per customer
        by_partner = defaultdict(list)
        for move_id, company_id, partner_id, due, _s, _p, residual, *_rest in rows:
            by_partner[(company_id, partner_id)].append((move_id, residual, due))
        credit = self._collection_open_credit_by_key(set(by_partner))
        covered = set()
        for key, amount in credit.items():
            if amount:
                covered |= cadence.allocate_credit(by_partner[key], amount)

        events = []  # (move, partner, company, stage, channel, state, done_at, skip_reason)
        waiting = []  # (move, stage, reason): customer messages still waiting, skipped
        updates = []  # (move, stage, next stage, next date, handed over)

        def log(who, stage_id, channel, reason=None, skipped=False):
            """One event of the plan for ``who`` (invoice, customer, company): skipped now
            with its reason, else scheduled (a hand-over's task keeps why it was made)."""
            events.append((*who, stage_id, channel, *(("skipped", now) if skipped else ("scheduled", None)), reason))

        for (
            move_id,
            company_id,
            partner_id,
            due,
            last_stage_id,
            policy_id,
            residual,
            p_tz,
            cp_tz,
            p_state,
            cp_state,
            dnc,
        ) in rows:
            who = (move_id, partner_id, company_id)
            today = run.local_today(p_tz, cp_tz, company_id, p_state, cp_state)
            overdue = cadence.days_overdue(due, today)
            if overdue >= run.human_after(company_id):
                # overdue enough: a person takes over, no more automatic messages
                waiting.append((move_id, None, run.reason("handed_over", company_id)))
                log(who, None, "activity", run.overdue_reason(overdue, company_id))
                updates.append((move_id, None, None, None, True))
                continue
            stages = run.policy_stages.get(policy_id)
            if not stages:
                continue
            plan = cadence.plan(stages, last_stage_id, due, today)
            if not plan.fire:
                continue
            stage = run.stage[plan.fire.id]
            waiting.append((move_id, stage.id, run.superseded_reason(stage, company_id)))
            for old in plan.superseded:
                for channel in run.stage[old.id].channels:
                    log(who, old.id, channel, run.reason("catch_up", company_id), skipped=True)
            human = False
            if move_id in covered:
                for channel in stage.channels:
                    log(who, stage.id, channel, run.reason("covered", company_id), skipped=True)
            else:
                customer = STAGE_REMINDER_CHANNELS[stage.channel]
                for channel in customer:
                    if dnc:
                        log(who, stage.id, channel, run.reason("do_not_contact", company_id), skipped=True)
                    else:
                        log(who, stage.id, channel)
                if (dnc and customer) or stage.channel in TASK_STAGE_CHANNELS:
                    # no message (do not contact), a task stage, or the hand-over's to-do
                    log(who, stage.id, "activity")
                human = stage.channel == "escalate"
                if stage.alert_internal and residual < run.alert_min(company_id):
                    log(who, stage.id, "alert", run.reason("below_alert", company_id), skipped=True)
                elif stage.alert_internal:
                    log(who, stage.id, "alert")
            nxt = plan.next_stage
            updates.append(
                (move_id, stage.id, None if human or not nxt else nxt.id, None if human else plan.next_date, human)
            )
        events = self._collection_plan_events(now, events, run=run)
        self._collection_plan_write(now, waiting, events, updates)
        return len(rows)

    @api.model
    def _collection_plan_events(self, now, events, run=None):
        """The events of one batch as they will be written: a hook to change them (e.g.
        an email to a bounced address goes by WhatsApp, models/account_move_bounce.py).

        :param events: list of tuples, values at the ``EV_*`` positions
        :param run: the :class:`CollectionRun` (``run.company_env(company_id)`` writes a
            reason in the company's language)
        :return: the list to write
        """
        return events

    @api.model
    def _collection_plan_write(self, now, waiting, events, updates):
        """Write one batch's plan in three statements (see ``_collection_plan``)."""
        cr = self.env.cr
        uid = self.env.uid
        if waiting:
            cr.execute(
                SQL(
                    """UPDATE collection_event e
                       SET state = 'skipped', done_at = %s, skip_reason = v.reason,
                           write_uid = %s, write_date = (now() AT TIME ZONE 'UTC')
                      FROM (VALUES %s) AS v(move_id, stage_id, reason)
                     WHERE e.move_id = v.move_id AND e.state = 'scheduled'
                       AND e.channel IN %s
                       -- one of the stage now due (recorded by hand) is kept, not doubled
                       AND e.stage_id IS DISTINCT FROM v.stage_id""",
                    now,
                    uid,
                    SQL(", ").join(SQL("(%s::int4, %s::int4, %s::varchar)", *row) for row in waiting),
                    REMINDER_CHANNELS,
                )
            )
        if events:
            # the unique index collection_event_once_per_stage refuses a second live event
            # for the same (invoice, stage, channel): such a row is not inserted (the stage
            # was already recorded, by a run that crashed after it or by hand)
            cr.execute(
                SQL(
                    """INSERT INTO collection_event
                        (move_id, partner_id, company_id, stage_id, channel, state, scheduled_at,
                         done_at, skip_reason, create_uid, create_date, write_uid, write_date)
                    VALUES %s
                    ON CONFLICT DO NOTHING""",
                    SQL(", ").join(
                        SQL(
                            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, (now() AT TIME ZONE 'UTC'), "
                            "%s, (now() AT TIME ZONE 'UTC'))",
                            m,
                            p,
                            c,
                            s,
                            ch,
                            st,
                            now,
                            done_at,
                            why,
                            uid,
                            uid,
                        )
                        for m, p, c, s, ch, st, done_at, why in events
                    ),
                )
            )
            if cr.rowcount < len(events):
                _logger.warning(
                    "collections: %s event(s) already in the contact log, not duplicated", len(events) - cr.rowcount
                )
        if updates:
            cr.execute(
                SQL(
                    """UPDATE account_move m
                       SET collection_stage_id = COALESCE(v.stage_id, m.collection_stage_id),
                           collection_next_stage_id = v.next_stage_id,
                           collection_next_date = v.next_date,
                           collection_human = m.collection_human OR v.human,
                           collection_state = CASE WHEN v.human THEN 'human'
                                                   ELSE m.collection_state END,
                           write_uid = %s, write_date = (now() AT TIME ZONE 'UTC')
                      FROM (VALUES %s) AS v(id, stage_id, next_stage_id, next_date, human)
                     WHERE m.id = v.id""",
                    uid,
                    SQL(", ").join(SQL("(%s::int4, %s::int4, %s::int4, %s::date, %s::bool)", *row) for row in updates),
                )
            )
        # what was written in SQL must be read again from the database
        self.env["account.move"].invalidate_model(PLAN_MOVE_FIELDS)
        self.env["collection.event"].invalidate_model()

    def _collection_write(self, vals):
        """Write collections-only fields (hand-over, portal token) on invoices.

        None of them touches the invoice's lines, so the synchronisation that
        ``account.move.write`` runs for every written invoice (dynamic lines: taxes,
        payment terms, balance check; dozens of queries per invoice) is skipped.
        """
        return self.sudo().with_context(skip_invoice_sync=True, check_move_validity=False).write(vals)

    def _collection_ensure_tokens(self):
        """Portal tokens of the payment links, without a full invoice write per invoice."""
        missing = self.sudo().filtered(lambda m: not m.access_token)
        if not missing:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE account_move m SET access_token = v.token
                  FROM (VALUES %s) AS v(id, token)
                 WHERE m.id = v.id AND m.access_token IS NULL""",
                SQL(", ").join(SQL("(%s::int4, %s::varchar)", move.id, str(uuid.uuid4())) for move in missing),
            )
        )
        missing.invalidate_recordset(["access_token"])

    def _collection_responsible(self):
        self.ensure_one()
        return (
            self.partner_id._collection_responsible(self.collection_policy_id)
            or self.invoice_user_id
            or self.env.ref("base.user_admin")
        )

    def _collection_schedule_activity(self, texts=None, stage=None):
        """A task on this invoice for its collector, in the collector's language.

        :param texts: called with the invoice in that language, returns (summary, note);
            by default the stage's name (else "Follow up payment") and the amount due
        """
        self.ensure_one()
        activity_type = (stage and stage.activity_type_id) or self.env.ref("mail.mail_activity_data_todo")
        return self.sudo()._collection_task(
            self._collection_responsible(),
            texts
            or (
                lambda move: move._collection_task_texts(stage and move.env["collection.policy.stage"].browse(stage.id))
            ),
            activity_type=activity_type,
            date_deadline=fields.Date.context_today(self),
        )

    def _collection_task_texts(self, stage=None):
        """Summary and note of a follow-up task of this invoice (context's language)."""
        return (
            (stage and stage.display_name) or _("Follow up payment"),
            _(
                "Collections: %(amount)s due since %(date)s.",
                amount=format_amount(self.env, self.amount_residual, self.currency_id),
                date=format_date(self.env, self.invoice_date_due),
            ),
        )

    @api.model
    def _collection_release_ended_pauses(self, now):
        """Automation resumes by itself after the pause's end date."""
        today = now.date()
        partners = (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("collection_paused", "=", True),
                    ("collection_pause_until", "<", today),
                    ("is_company", "in", (True, False)),
                ]
            )
            .filtered(lambda p: p.commercial_partner_id == p)
        )
        for partner in partners:
            # a note for the staff: in the language of the customer's company (else ours)
            partner = partner.with_context(lang=(partner.company_id or self.env.company)._collection_lang())
            partner.message_post(
                body=partner.env._(
                    "The collections pause ended on %s: reminders resume.",
                    format_date(partner.env, partner.collection_pause_until),
                )
            )
        partners.write({"collection_paused": False, "collection_pause_until": False})
        moves = self.sudo().search([("collection_paused", "=", True), ("collection_pause_until", "<", today)])
        moves.write({"collection_paused": False, "collection_pause_until": False})

    # ------------------------------------------------------------------ templates
    def _collection_reminder_moves(self):
        """The invoices of the reminder being rendered, oldest due first (sudo: the
        templates render for the engine)."""
        return (
            self.browse(self._collection_reminder_ids()).sudo().sorted(lambda m: (m.invoice_date_due or m.date, m.id))
        )

    def _collection_reminder_ids(self):
        """The invoices grouped in one message, passed in the context: per leading invoice
        (``collection_groups``, several messages rendered together) or for the one message
        rendered (``collection_move_ids``); without it, just these invoices.

        The engine renders as superuser; anyone else (e.g. a user previewing a template)
        gets a list only of invoices they may read (else an access error).
        """
        groups = self.env.context.get("collection_groups") or {}
        if len(self) == 1 and self.id in groups:
            ids = groups[self.id]
        else:
            ids = self.env.context.get("collection_move_ids") or self.ids
        if not self.env.su:
            (self | self.browse(ids)).check_access("read")
        return ids

    def _collection_amount_text(self, amount, currency, with_code):
        """``$ 1,500.00``, with the currency code (``$ 500.00 USD``) when it could be taken
        for another currency (the message mixes currencies, or not the company's)."""
        text = format_amount(self.env, amount, currency)
        return f"{text} {currency.name}" if with_code else text

    def _collection_reminder_lines(self):
        """Lines of the reminder being rendered (used by the mail templates)."""
        moves = self._collection_reminder_moves()
        moves._collection_ensure_tokens()
        today = fields.Date.context_today(self)
        several = len(moves.currency_id) > 1
        lines = []
        for move in moves:
            due = move.invoice_date_due or move.invoice_date
            lines.append(
                {
                    "number": move.name,
                    "amount_residual": self._collection_amount_text(
                        move.amount_residual,
                        move.currency_id,
                        several or move.currency_id != move.company_id.currency_id,
                    ),
                    "currency": move.currency_id.name,
                    "date_due": format_date(self.env, due),
                    "days_overdue": cadence.days_overdue(due, today),
                    "payment_link": move._collection_payment_link(),
                    "uuid": move.cfdi_uuid,
                }
            )
        return lines

    def _collection_reminder_totals(self):
        """What the reminder's invoices owe, one formatted amount per currency (amounts of
        different currencies are never added), the company's currency first."""
        moves = self._collection_reminder_moves()
        if not moves:
            return []
        company_currency = moves[:1].company_id.currency_id
        currencies = moves.currency_id.sorted(lambda c: (c != company_currency, c.name))
        several = len(currencies) > 1
        return [
            self._collection_amount_text(
                sum(moves.filtered(lambda m, c=currency: m.currency_id == c).mapped("amount_residual")),
                currency,
                several or currency != company_currency,
            )
            for currency in currencies
        ]

    def _collection_post_reminder(self, recipient, moves, subject, body):
        """Post a rendered reminder in this (leading) invoice's chatter, the customer as
        recipient, its email queued (``mail.mail``; sent by Odoo's mail queue)."""
        return self._collection_post_customer_email(
            self.company_id, recipient, subject, body, attachment_ids=moves._collection_reminder_attachments().ids
        )

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
            if move.cfdi_xml_attachment_id:
                attachments |= move.cfdi_xml_attachment_id
            if not move.company_id.collection_attach_pdf:
                continue
            pdf = move.invoice_pdf_report_id
            name = move._get_invoice_report_filename()
            if not pdf:
                pdf = Attachment.search(
                    [("res_model", "=", "account.move"), ("res_id", "=", move.id), ("name", "=", name)], limit=1
                )
            if not pdf:
                try:
                    content, filetype = (
                        self.env["ir.actions.report"].sudo()._render_qweb_pdf("account.account_invoices", move.ids)
                    )
                except UserError as error:  # e.g. wkhtmltopdf missing: the portal link remains
                    _logger.warning("collections: no PDF for %s: %s", move.name, error)
                    continue
                pdf = Attachment.create(
                    {
                        "name": name if filetype == "pdf" else name.replace(".pdf", ".html"),
                        "raw": content,
                        "res_model": "account.move",
                        "res_id": move.id,
                        "mimetype": "application/pdf" if filetype == "pdf" else "text/html",
                    }
                )
            attachments |= pdf
        return attachments
