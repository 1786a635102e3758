from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date

from ..tools import actions, contact_rules, summary
from ..tools.cadence import SETTLED_PAYMENT_STATES
from ..tools.cron import CronBudget, collection_may_commit, collection_report_progress
from .collection_event import wait_reason
from .collection_summary import OPEN_ITEM_SQL, PAID_ON_SQL

PAUSE_REASONS = [
    ("payment_plan", "Payment plan"),
    ("dispute", "Dispute"),
    ("key_account", "Key account"),
    ("other", "Other"),
]

#: where an unfinished nightly rating pass goes on (id of the last customer rated)
RATING_CURSOR_PARAM = "account_collections_mx.rating_cursor"

#: collection settings live on the commercial entity and are shown on its contacts
COLLECTION_COMMERCIAL_FIELDS = [
    "collection_policy_id",
    "collection_paused",
    "collection_pause_reason",
    "collection_pause_note",
    "collection_pause_until",
    "collection_do_not_contact",
    "collection_responsible_id",
    "collection_first_invoice_reviewed",
    # payment behaviour
    "collection_policy_manual",
    "collection_statement_opt_out",
    "collection_statement_last_sent",
    "collection_rating",
    "collection_avg_days_late",
    "collection_broken_promises",
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    collection_policy_id = fields.Many2one(
        "collection.policy",
        string="Collection Policy",
        tracking=True,
        help="Reminder cadence of this customer; empty = the company's default policy.",
    )
    collection_paused = fields.Boolean(string="Collections Paused", tracking=True)
    collection_pause_reason = fields.Selection(PAUSE_REASONS, string="Pause Reason", tracking=True)
    collection_pause_note = fields.Text(string="Pause Note")
    collection_pause_until = fields.Date(
        string="Paused Until",
        tracking=True,
        help="Automatic collections resume by themselves after this date; empty = until resumed.",
    )
    collection_do_not_contact = fields.Boolean(
        string="Do Not Contact",
        tracking=True,
        help="The customer asked in writing not to be contacted: only internal tasks are "
        "created, no email or WhatsApp is ever sent.",
    )
    collection_responsible_id = fields.Many2one(
        "res.users",
        string="Collector",
        tracking=True,
        help="Gets the collection tasks of this customer (else its salesperson, else the policy's default collector).",
    )
    collection_first_invoice_reviewed = fields.Boolean(
        string="Tax Data Reviewed",
        tracking=True,
        help="Someone checked this customer's RFC, fiscal address and payment terms: its "
        "first invoice may join the reminder cadence.",
    )
    collection_wa_last_inbound = fields.Datetime(
        string="Last WhatsApp Message Received",
        readonly=True,
        help="A customer's message opens a 24-hour window in which collectors may answer with free text on WhatsApp.",
    )
    collection_wa_window_open = fields.Boolean(
        string="WhatsApp Window Open", compute="_compute_collection_wa_window_open"
    )
    collection_event_ids = fields.One2many("collection.event", "partner_id", string="Contact Log")
    collection_event_count = fields.Integer(compute="_compute_collection_event_count")

    @api.depends("collection_wa_last_inbound")
    def _compute_collection_wa_window_open(self):
        limit = fields.Datetime.subtract(fields.Datetime.now(), hours=24)
        for partner in self:
            last = partner.commercial_partner_id.collection_wa_last_inbound
            partner.collection_wa_window_open = bool(last and last > limit)

    def action_collection_whatsapp_reply(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Answer on WhatsApp"),
            "res_model": "collection.whatsapp.reply",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + COLLECTION_COMMERCIAL_FIELDS

    def _compute_collection_event_count(self):
        counts = dict(
            self.env["collection.event"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.collection_event_count = counts.get(partner.commercial_partner_id, 0)

    @api.constrains("collection_pause_until", "collection_paused")
    def _check_collection_pause_until(self):
        today = fields.Date.context_today(self)
        for partner in self:
            if partner.commercial_partner_id != partner:
                continue  # synced copy of the commercial entity's values
            if partner.collection_paused and partner.collection_pause_until and partner.collection_pause_until < today:
                raise ValidationError(
                    _(
                        "The pause of %(partner)s cannot end in the past (%(date)s).",
                        partner=partner.display_name,
                        date=format_date(self.env, partner.collection_pause_until),
                    )
                )

    def _collection_is_paused(self, day=None):
        """Paused today (the pause ends by itself after its date)."""
        self.ensure_one()
        partner = self.commercial_partner_id
        if not partner.collection_paused:
            return False
        day = day or fields.Date.context_today(self)
        return not partner.collection_pause_until or partner.collection_pause_until >= day

    def _collection_tz(self, company=None):
        """The time zone the contact rules use for this customer: its own (else its
        commercial entity's), else the zone of its address's state (else its entity's;
        Mexican states, see tools/contact_rules.py), else ``company``'s."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        return contact_rules.customer_tz(
            self.tz,
            commercial.tz,
            contact_rules.state_tz(self.country_id.code, self.state_id.code),
            contact_rules.state_tz(commercial.country_id.code, commercial.state_id.code),
            default=(company or self.company_id or self.env.company)._collection_tz(),
        )

    def _collection_responsible(self, policy=None):
        """Who gets the tasks: collector, else salesperson, else the policy's default."""
        self.ensure_one()
        partner = self.commercial_partner_id
        return (
            partner.collection_responsible_id
            or partner.user_id
            or (policy and policy.responsible_id)
            or self.env["res.users"]
        )

    def action_collection_pause(self):
        self.ensure_one()
        return self.env["collection.pause.wizard"]._action_open(partner=self.commercial_partner_id, mode="pause")

    def _collection_check_user(self):
        if not self.env.user.has_group("account_collections_mx.group_collection_user"):
            raise UserError(_("Only Collections Users can change the collection settings of a customer."))

    def action_collection_resume(self):
        self._collection_check_user()
        # collectors may resume a customer without the right to edit contacts
        self.commercial_partner_id.sudo().write(
            {
                "collection_paused": False,
                "collection_pause_reason": False,
                "collection_pause_until": False,
                "collection_pause_note": False,
            }
        )
        for partner in self.commercial_partner_id.sudo():
            partner.message_post(
                body=_("Collections resumed by %s.", self.env.user.name), author_id=self.env.user.partner_id.id
            )
        return True

    def action_collection_mark_reviewed(self):
        self._collection_check_user()
        self.commercial_partner_id.sudo().write({"collection_first_invoice_reviewed": True})
        for partner in self.commercial_partner_id.sudo():
            body = " ".join(
                [
                    _("Tax data reviewed by %s: the first invoice joins the cadence.", self.env.user.name),
                    *partner._collection_review_note(),
                ]
            )
            partner.message_post(body=body, author_id=self.env.user.partner_id.id)
        return True

    def _collection_review_note(self):
        """Sentences added to the chatter note of *Mark tax data reviewed*."""
        self.ensure_one()
        return []

    def action_collection_open_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_collections_mx.collection_event_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------ rating, promises
    collection_avg_days_late = fields.Float(
        string="Average Days Late",
        readonly=True,
        digits=(16, 2),
        help="Last 12 months: payment date minus due date of the paid invoices, averaged "
        "weighted by amount (negative = pays early). Recomputed every night.",
    )
    collection_rating = fields.Selection(
        summary.RATINGS,
        string="Payer Rating",
        default="good",
        readonly=True,
        index=True,
        help="From the average days late and the broken promises of the last 12 months "
        "(thresholds in the Invoicing settings). Recomputed every night.",
    )
    collection_broken_promises = fields.Integer(string="Broken Promises (12 Months)", readonly=True)
    collection_policy_manual = fields.Boolean(
        string="Policy Chosen by Hand",
        help="Set when someone chose this customer's policy: the rating never replaces it.",
    )
    collection_overdue_amount = fields.Monetary(
        string="Overdue Receivable", compute="_compute_collection_amounts", currency_field="collection_currency_id"
    )
    collection_open_amount = fields.Monetary(
        string="Open Receivable", compute="_compute_collection_amounts", currency_field="collection_currency_id"
    )
    collection_currency_id = fields.Many2one("res.currency", compute="_compute_collection_amounts")
    collection_statement_opt_out = fields.Boolean(
        string="No Monthly Statement", help="This customer does not receive the monthly statement of account."
    )
    collection_statement_last_sent = fields.Date(string="Last Statement Sent", readonly=True)
    collection_promise_ids = fields.One2many("collection.promise", "partner_id", string="Promises to Pay")

    def _compute_collection_amounts(self):
        company = self.env.company
        today = fields.Date.context_today(self)
        partners = self.commercial_partner_id
        groups = self.env["account.move.line"]._read_group(
            [
                ("partner_id", "child_of", partners.ids) if partners.ids else ("id", "=", 0),
                ("company_id", "=", company.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
            ],
            ["partner_id", "date_maturity:day"],
            ["amount_residual:sum"],
        )
        open_amount, overdue = {}, {}
        for partner, due, residual in groups:
            key = partner.commercial_partner_id.id
            open_amount[key] = open_amount.get(key, 0.0) + residual
            if due and due < today:
                overdue[key] = overdue.get(key, 0.0) + residual
        for partner in self:
            key = partner.commercial_partner_id.id
            partner.collection_currency_id = company.currency_id
            partner.collection_open_amount = open_amount.get(key, 0.0)
            partner.collection_overdue_amount = overdue.get(key, 0.0)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("collection_policy_auto"):
            vals_list = [
                dict(vals, collection_policy_manual=True) if vals.get("collection_policy_id") else vals
                for vals in vals_list
            ]
        return super().create(vals_list)

    def write(self, vals):
        # a policy written by someone (not by the rating) is a manual choice the rating never
        # replaces; an explicit flag (the commercial entity's, synced to its contacts) is kept
        if (
            "collection_policy_id" in vals
            and "collection_policy_manual" not in vals
            and not self.env.context.get("collection_policy_auto")
        ):
            vals = dict(vals, collection_policy_manual=bool(vals["collection_policy_id"]))
        return super().write(vals)

    def _collection_promise_wizard_action(self, moves=None):
        """The promise wizard for these invoices, or (none given) for the customer's
        overdue invoices, which the wizard then preselects."""
        context = {"default_partner_id": self[:1].commercial_partner_id.id}
        if moves:
            # an empty default would be a "set no invoice" command: no preselection
            context["default_move_ids"] = [(6, 0, moves.ids)]
        return {
            "type": "ir.actions.act_window",
            "name": _("Record a promise to pay"),
            "res_model": "collection.promise.wizard",
            "view_mode": "form",
            "target": "new",
            "context": context,
        }

    def action_collection_promise(self):
        self.ensure_one()
        return self.commercial_partner_id._collection_promise_wizard_action()

    def action_collection_print_statement(self):
        return self.env.ref("account_collections_mx.action_report_statement_of_account").report_action(
            self.commercial_partner_id
        )

    def action_collection_send_statement(self):
        """Email the statement now, or queue it for the next time the contact rules allow
        (the statements cron sends it then) and say when."""
        self.ensure_one()
        if not self.env.user.has_group("account_collections_mx.group_collection_user"):
            raise UserError(_("Only Collections Users can send statements of account."))
        partner = self.commercial_partner_id
        company = self.env.company
        if partner.collection_do_not_contact:
            raise UserError(_("%s asked not to be contacted: no statement is sent.", partner.display_name))
        if not partner.email:
            raise UserError(_("%s has no email address.", partner.display_name))
        now = fields.Datetime.now()
        Event = self.env["collection.event"]
        tz = partner._collection_tz(company)
        period = contact_rules.to_local(now, tz).date()
        period = period.isoformat()  # one statement by hand per customer and day
        event = Event.sudo().search(
            [
                ("channel", "=", "statement"),
                ("company_id", "=", company.id),
                ("partner_id", "=", partner.id),
                ("statement_period", "=", period),
                ("state", "!=", "failed"),
            ],
            limit=1,
        )
        if event.state == "scheduled":
            return self._collection_notify(
                _(
                    "The statement of account of %(partner)s is already queued: it goes on %(when)s.",
                    partner=partner.display_name,
                    when=event._collection_statement_when(),
                ),
                "info",
            )
        if event.state == "queued":
            return self._collection_notify(
                _(
                    "The statement of account of %(partner)s is already in the outgoing mail queue.",
                    partner=partner.display_name,
                ),
                "info",
            )
        if event:
            return self._collection_notify(
                _(
                    "A statement of account was already sent to %(partner)s today (see the "
                    "contact log); you can still print it.",
                    partner=partner.display_name,
                ),
                "warning",
            )
        event = Event._collection_statement_queue_one(partner, company, period, now, retry_failed=True)
        event._collection_statement_deliver(now)
        if event.state == "queued":
            return self._collection_notify(
                _(
                    "Statement of account sent to %s: it leaves with the outgoing mail queue within a few minutes.",
                    partner.email,
                ),
                "success",
            )
        if event.state == "scheduled":
            why = company.sudo()._collection_contact_window().non_contact_reason(contact_rules.to_local(now, tz))
            return self._collection_notify(
                _(
                    "Outside the contact window (%(reason)s): the statement of account of "
                    "%(partner)s is queued and goes on %(when)s.",
                    reason=wait_reason(self.env, why),
                    partner=partner.display_name,
                    when=event._collection_statement_when(),
                ),
                "info",
            )
        return self._collection_notify(
            _(
                "The statement of account of %(partner)s was not sent: %(reason)s",
                partner=partner.display_name,
                reason=event.skip_reason or event.error,
            ),
            "danger",
        )

    def _collection_notify(self, message, kind):
        return actions.notification(message, kind, sticky=kind != "success")

    # statements --------------------------------------------------------------------
    def _collection_send_statement(self, company):
        """Email the statement (PDF) to the customer, posted in its chatter.

        Only through ``collection.event`` (contact log and contact rules).
        :return: the posted message
        """
        self.ensure_one()
        partner = self
        report = self.env.ref("account_collections_mx.action_report_statement_of_account")
        lang = partner.lang or self.env.lang
        ctx_report = report.with_context(lang=lang, allowed_company_ids=[company.id])
        content, _type = ctx_report._render_qweb_pdf(report.report_name, partner.ids)
        # posted as the engine: who may send was checked before (contact log, rules)
        partner = partner.sudo().with_context(lang=lang)
        name = partner._collection_statement_filename()
        today = fields.Date.context_today(partner)
        message = partner.message_post(
            body=_(
                "Statement of account of %(date)s sent to %(email)s.",
                date=format_date(partner.env, today),
                email=partner.email,
            ),
            subject=_("Statement of account - %s", company.name),
            attachments=[(name, content)],
            partner_ids=partner.ids,
            # from the company when it has an address (the cron has no real user)
            author_id=company.partner_id.id if company.email else None,
            email_from=company.email_formatted or None,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            force_send=False,  # queued (mail.mail) in the transaction that logs the event
        )
        partner.sudo().collection_statement_last_sent = today
        return message

    def _collection_statement_filename(self):
        self.ensure_one()
        return _("Statement of account - %s.pdf", self.display_name.replace("/", "-"))

    @api.model
    def _collection_statement_candidates(self, company):
        """Customers of ``company`` with an open receivable balance that take the monthly
        statement (the delivery applies the other contact rules and logs them)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT DISTINCT p.commercial_partner_id
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              JOIN res_partner p ON p.id = l.partner_id
             WHERE l.company_id = %s AND a.account_type = 'asset_receivable'
               AND %s
            """,
                company.id,
                OPEN_ITEM_SQL,
            )
        )
        partners = self.browse([r[0] for r in self.env.cr.fetchall()])
        return partners.filtered(lambda p: not p.collection_statement_opt_out)

    @api.model
    def _cron_collection_statements(self, batch_size=50, max_batches=10):
        """Statements cron: queue this month's statements of the companies that send them
        (one per customer and month, in the contact log), then deliver the statements due
        now through the contact rules, in batches."""
        now = fields.Datetime.now()
        Event = self.env["collection.event"]
        for company in self.env["res.company"].search([("collection_statement_monthly", "=", True)]):
            period = contact_rules.to_local(now, company._collection_tz()).strftime("%Y-%m")
            Event._collection_statement_queue(self._collection_statement_candidates(company), company, period, now)
        done, remaining = Event._collection_statement_run(now, batch_size=batch_size, max_batches=max_batches)
        collection_report_progress(self.env, "account_collections_mx.ir_cron_collection_statements", done, remaining)
        return True

    # rating ------------------------------------------------------------------------
    @api.model
    def _cron_collection_rating(self, batch_size=500, max_batches=40):
        """Nightly: average days late, broken promises, rating and rating-based policy of
        every customer invoiced in the last 12 months (or with open invoices).

        In batches of customers (by id): each batch is committed outside tests; after
        ``max_batches`` or the call's time budget (:class:`CronBudget`) the pass stops,
        keeps its place (system parameter ``account_collections_mx.rating_cursor``) and the
        cron triggers itself again to go on from there.  A pass that ends clears the place: the next run starts over.

        :return: the number of customers left for the next call
        """
        Param = self.env["ir.config_parameter"].sudo()
        cursor = int(Param.get_param(RATING_CURSOR_PARAM) or 0)
        today = fields.Date.context_today(self)
        since = fields.Date.subtract(today, days=365)
        self.env.flush_all()
        # newest invoice first: its company is the customer's company for the mapping
        self.env.cr.execute(
            SQL(
                """
            SELECT p.commercial_partner_id, m.invoice_date_due, m.company_id,
                   ABS(m.amount_total_signed),
                   %(paid_on)s AS paid
              FROM account_move m
              JOIN res_partner p ON p.id = m.partner_id
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
               AND (m.invoice_date >= %(since)s OR m.payment_state NOT IN %(settled)s)
          ORDER BY m.invoice_date DESC, m.id DESC
            """,
                paid_on=PAID_ON_SQL,
                since=since,
                settled=SETTLED_PAYMENT_STATES,
            )
        )
        rows = {}
        companies = {}
        for partner_id, due, company_id, amount, paid in self.env.cr.fetchall():
            companies.setdefault(partner_id, company_id)
            if paid and paid >= since:
                rows.setdefault(partner_id, []).append((due, paid, amount))
            else:
                rows.setdefault(partner_id, [])
        broken = dict(
            self.env["collection.promise"]
            .sudo()
            ._read_group([("state", "=", "broken"), ("closed_date", ">=", since)], ["partner_id"], ["__count"])
        )
        broken = {p.commercial_partner_id.id: n for p, n in broken.items()}
        todo = self.browse([p for p in sorted(set(rows) | set(broken)) if p > cursor])
        Company = self.env["res.company"]
        budget = CronBudget(self.env)
        done = 0
        for batch_number, start in enumerate(range(0, len(todo), batch_size)):
            if batch_number >= max_batches or (done and budget.exhausted()):
                break
            chunk = todo[start : start + batch_size]
            for partner in chunk:
                company = partner.company_id or Company.browse(companies.get(partner.id) or self.env.company.id)
                late = summary.average_days_late(rows.get(partner.id, []))
                n_broken = broken.get(partner.id, 0)
                rating = summary.rating(
                    late,
                    n_broken,
                    company.collection_rating_watch_days,
                    company.collection_rating_risky_days,
                    company.collection_rating_risky_broken,
                )
                vals = {}
                if partner.collection_avg_days_late != (late or 0.0):
                    vals["collection_avg_days_late"] = late or 0.0
                if partner.collection_rating != rating:
                    vals["collection_rating"] = rating
                if partner.collection_broken_promises != n_broken:
                    vals["collection_broken_promises"] = n_broken
                if vals:
                    partner.write(vals)
                partner._collection_apply_segment_policy(company)
            done += len(chunk)
            remaining = len(todo) - done
            Param.set_param(RATING_CURSOR_PARAM, chunk[-1].id if remaining else "")
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
            if collection_may_commit(self.env):
                self.env.cr.commit()  # ratings of finished batches are kept
        if done < len(todo):
            self.env.ref("account_collections_mx.ir_cron_collection_rating")._trigger()
        elif cursor:
            Param.set_param(RATING_CURSOR_PARAM, "")
        return len(todo) - done

    def _collection_segment_policy(self, company):
        """The policy the customer's segment maps to (key account, else rating), or empty."""
        self.ensure_one()
        key_tag = self.env.ref("account_collections_mx.res_partner_category_key_account", raise_if_not_found=False)
        if key_tag and key_tag in self.category_id and company.collection_key_account_policy_id:
            return company.collection_key_account_policy_id
        mapping = {
            "good": company.collection_good_policy_id,
            "watch": company.collection_watch_policy_id,
            "risky": company.collection_risky_policy_id,
        }
        return mapping.get(self.collection_rating) or self.env["collection.policy"]

    def _collection_apply_segment_policy(self, company):
        for partner in self:
            if partner.collection_policy_manual:
                continue
            policy = partner._collection_segment_policy(company)
            if partner.collection_policy_id != policy:
                partner.with_context(collection_policy_auto=True).write({"collection_policy_id": policy.id})
