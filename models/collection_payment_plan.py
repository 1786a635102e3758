"""Payment plans (convenios de pago): a customer pays its invoices in instalments.

draft -> proposed -> active -> done / broken / cancelled.  A collector prepares the
plan (wizard from an invoice or a customer; a customer's reply asking for time also
prepares a draft), proposes it by email with a link where the customer reads and
accepts it (controllers/payment_plan.py), or marks it accepted after talking to the
customer.  While it is active its invoices leave their cadence (collection state
*Payment plan*) and each instalment has its own short cadence (tools/plans.py; the
delivery is models/collection_event_plan.py); an instalment unpaid five days after
its date breaks the plan and the invoices go back to their cadence at the stage they
had.  Payments on the invoices (bank lines, Register Payment, the portal) count
against the instalments in order; the plan is done when its invoices are paid.
"""

import logging

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_is_zero
from odoo.tools.misc import formatLang

from ..tools import actions, contact_rules, plans
from ..tools.cadence import CUSTOMER_OPEN_INVOICES_DOMAIN, FINISHED_STATES, PAYMENT_PLAN_STATES

_logger = logging.getLogger(__name__)

PLAN_STATES = [
    ("draft", "Draft"),
    ("proposed", "Proposed"),
    ("active", "Active"),
    ("done", "Done"),
    # plans' own labels: they read apart from the promises' (a plan, "convenio", is
    # masculine in Spanish, a promise feminine)
    ("broken", "Defaulted"),
    ("cancelled", "Cancelled"),
]
#: plans that hold their invoices (an invoice is in one of them at most)
OPEN_STATES = ("proposed", "active")
#: defaults of a draft plan prepared from a customer's reply
DRAFT_COUNT, DRAFT_EVERY, DRAFT_START = 3, 15, 7


class CollectionPaymentPlan(models.Model):
    _name = "collection.payment.plan"
    _description = "Payment Plan"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default=lambda self: _("New"))
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('parent_id', '=', False)]",
    )
    move_ids = fields.Many2many(
        "account.move",
        "collection_payment_plan_move_rel",
        "plan_id",
        "move_id",
        string="Invoices",
        check_company=True,
        copy=False,
        domain=CUSTOMER_OPEN_INVOICES_DOMAIN,
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id", store=True, readonly=True)
    amount_total = fields.Monetary(
        string="Amount Covered",
        compute="_compute_amount_total",
        store=True,
        readonly=True,
        help="What the invoices owed when the plan was prepared (fixed when it is proposed).",
    )
    amount_due = fields.Monetary(string="Still Due", compute="_compute_amounts")
    amount_paid = fields.Monetary(string="Paid", compute="_compute_amounts")
    instalment_count = fields.Integer(string="Number of Payments", default=3)
    interval_days = fields.Integer(string="Every (Days)", default=15)
    first_date = fields.Date(string="First Payment On")
    down_payment = fields.Monetary(string="Down Payment")
    down_payment_date = fields.Date(string="Down Payment On")
    line_ids = fields.One2many("collection.payment.plan.line", "plan_id", string="Instalments", copy=True)
    state = fields.Selection(
        PLAN_STATES, required=True, default="draft", index=True, tracking=True, readonly=True, copy=False
    )
    note = fields.Text(string="Notes")
    user_id = fields.Many2one("res.users", string="Collector", default=lambda self: self.env.user, tracking=True)
    proposal_pending = fields.Boolean(
        readonly=True, copy=False, help="The proposal waits for the customer's contact window; it goes by itself."
    )
    proposed_date = fields.Datetime(string="Proposed On", readonly=True, copy=False)
    accepted_date = fields.Datetime(string="Accepted On", readonly=True, copy=False)
    accepted_channel = fields.Selection(
        [("web", "By the customer, from the link"), ("phone", "Marked by the collector")],
        string="Accepted",
        readonly=True,
        copy=False,
    )
    closed_date = fields.Date(string="Closed On", readonly=True, copy=False)
    hold_until = fields.Date(
        string="Reminders Held Until",
        readonly=True,
        copy=False,
        help="The customer says it paid: the instalment reminders wait until this date.",
    )
    next_line_id = fields.Many2one(
        "collection.payment.plan.line", string="Next Instalment", compute="_compute_next_line"
    )
    next_date = fields.Date(string="Next Payment", compute="_compute_next_line")
    event_ids = fields.One2many("collection.event", "plan_id", string="Contact Log")

    # ------------------------------------------------------------------ computes
    @api.depends("move_ids.currency_id", "company_id")
    def _compute_currency_id(self):
        for plan in self:
            plan.currency_id = plan.move_ids[:1].currency_id or plan.company_id.currency_id

    @api.depends("move_ids")
    def _compute_amount_total(self):
        for plan in self:
            if plan.state == "draft" or not plan.amount_total:
                plan.amount_total = sum(plan.move_ids.mapped("amount_residual"))

    @api.depends("amount_total", "move_ids.amount_residual", "state")
    def _compute_amounts(self):
        for plan in self:
            due = sum(plan.move_ids.mapped("amount_residual"))
            if plan.state == "done":
                due = 0.0
            plan.amount_due = due
            plan.amount_paid = max(plan.amount_total - due, 0.0)

    @api.depends("line_ids.state", "line_ids.date")
    def _compute_next_line(self):
        for plan in self:
            line = plan.line_ids.filtered(lambda ln: ln.state == "pending").sorted(
                lambda ln: (ln.date, ln.sequence, ln.id)
            )[:1]
            plan.next_line_id = line
            plan.next_date = line.date

    def _compute_access_url(self):
        super()._compute_access_url()
        for plan in self:
            plan.access_url = f"/collections/plan/{plan.id}"

    # ------------------------------------------------------------------ constraints
    @api.constrains("move_ids", "partner_id", "company_id")
    def _check_moves(self):
        for plan in self:
            partner = plan.partner_id.commercial_partner_id
            for move in plan.move_ids:
                if move.move_type != "out_invoice" or move.state != "posted":
                    raise ValidationError(_("%s is not a posted customer invoice.", move.display_name))
                if move.commercial_partner_id != partner:
                    raise ValidationError(_("The invoices of a payment plan must belong to %s.", partner.display_name))
            if len(plan.move_ids.currency_id) > 1:
                raise ValidationError(
                    _("The invoices of a payment plan must share one currency: make one plan per currency.")
                )

    @api.constrains("instalment_count", "interval_days", "down_payment")
    def _check_generator(self):
        for plan in self:
            if plan.instalment_count < 1 or plan.instalment_count > 60:
                raise ValidationError(_("A payment plan has between 1 and 60 payments."))
            if plan.interval_days < 1 or plan.interval_days > 366:
                raise ValidationError(_("The days between two payments must be between 1 and 366."))
            if plan.down_payment < 0:
                raise ValidationError(_("The down payment cannot be negative."))

    # ------------------------------------------------------------------ create / write
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["name"] = self.env["ir.sequence"].with_company(company).sudo().next_by_code(
                    "collection.payment.plan"
                ) or _("New")
        plans_ = super().create(vals_list)
        for plan in plans_:
            plan._collection_log_chatter(_("Payment plan %s prepared.", plan.name))
        return plans_

    def write(self, vals):
        editable = {
            "move_ids",
            "line_ids",
            "instalment_count",
            "interval_days",
            "first_date",
            "down_payment",
            "down_payment_date",
            "partner_id",
            "company_id",
        }
        if editable & set(vals) and not self.env.su:
            for plan in self:
                if plan.state != "draft":
                    raise UserError(_("%s is no longer a draft: set it back to draft to change it.", plan.name))
        return super().write(vals)

    def unlink(self):
        for plan in self:
            if plan.state != "draft" or plan.event_ids:
                raise UserError(
                    _("Only draft payment plans that were never proposed can be deleted; cancel the others.")
                )
        return super().unlink()

    def _collection_check_draft(self):
        if self.env.su:
            return
        for plan in self:
            if plan.state != "draft":
                raise UserError(_("The instalments of %s can only change while it is a draft.", plan.name))

    def _collection_log_chatter(self, body):
        for plan in self:
            plan.sudo().message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")

    def _fmt(self, amount):
        return formatLang(self.env, amount or 0.0, currency_obj=self.currency_id)

    # ------------------------------------------------------------------ user actions
    def action_generate_lines(self):
        """Instalments from "N payments every K days starting on ..." (editable after)."""
        self.check_access("write")
        for plan in self:
            if plan.state != "draft":
                raise UserError(_("Instalments are generated on draft plans only."))
            if not plan.move_ids:
                raise UserError(_("Choose the invoices the plan covers first."))
            plan._collection_refresh_total()
            first = plan.first_date or fields.Date.context_today(plan)
            try:
                schedule = plans.schedule(
                    plan.amount_total,
                    plan.instalment_count,
                    plan.interval_days,
                    first,
                    plan.down_payment,
                    plan.down_payment_date or fields.Date.context_today(plan),
                    plan.currency_id.decimal_places,
                )
            except ValueError:
                raise UserError(
                    _("The down payment must be less than the amount covered (%s).", plan._fmt(plan.amount_total))
                ) from None
            plan.write(
                {
                    "first_date": first,
                    "line_ids": [(5, 0, 0)]
                    + [
                        (
                            0,
                            0,
                            {
                                "sequence": index,
                                "date": date,
                                "amount": amount,
                                "is_down_payment": down,
                            },
                        )
                        for index, (date, amount, down) in enumerate(schedule, start=1)
                    ],
                }
            )
        return True

    def action_propose(self):
        """Send the plan to the customer (now, or when its contact window opens)."""
        self.check_access("write")
        messages = []
        now = fields.Datetime.now()
        for plan in self:
            if plan.state != "draft":
                raise UserError(_("Only draft plans can be proposed."))
            plan._collection_check_ready()
            partner = plan.partner_id.commercial_partner_id
            if partner.collection_do_not_contact:
                raise UserError(
                    _(
                        "%s asked not to be contacted: agree the plan by phone and mark it accepted.",
                        partner.display_name,
                    )
                )
            if not partner.email:
                raise UserError(
                    _("%s has no email address: agree the plan by phone and mark it accepted.", partner.display_name)
                )
            plan.sudo().write({"state": "proposed", "proposal_pending": True})
            when = plan.sudo()._collection_send_proposal(now)
            if when:
                messages.append(
                    _(
                        "The proposal %(plan)s goes to the customer on %(when)s (outside the contact window now).",
                        plan=plan.name,
                        when=when,
                    )
                )
            else:
                messages.append(_("Proposal %(plan)s is on its way to %(email)s.", plan=plan.name, email=partner.email))
        return actions.notification(" ".join(messages))

    def action_mark_accepted(self):
        """The customer agreed (by phone, in person...): the plan starts."""
        self.check_access("write")
        for plan in self:
            if plan.state not in ("draft", "proposed"):
                raise UserError(_("Only draft or proposed plans can be accepted."))
            plan._collection_check_ready()
            plan.sudo()._collection_accept("phone")
        return True

    def action_draft(self):
        self.check_access("write")
        for plan in self:
            if plan.state != "proposed":
                raise UserError(_("Only proposed plans can go back to draft."))
        self.sudo().write({"state": "draft", "proposal_pending": False})
        self._collection_log_chatter(_("Set back to draft by %s.", self.env.user.name))
        return True

    def action_cancel(self):
        self.check_access("write")
        for plan in self:
            if plan.state not in ("draft", "proposed", "active"):
                raise UserError(_("%s is already closed.", plan.name))
        self.sudo()._collection_close(
            "cancelled", _("Cancelled by %s: the invoices go back to their cadence.", self.env.user.name)
        )
        return True

    def action_open_events(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("account_collections_mx.collection_event_action")
        action["domain"] = [("plan_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_preview(self):
        """The page the customer sees (with the access token)."""
        self.ensure_one()
        self.check_access("read")
        return {"type": "ir.actions.act_url", "target": "new", "url": self.sudo()._get_share_url()}

    # ------------------------------------------------------------------ engine
    def _collection_refresh_total(self):
        for plan in self.filtered(lambda p: p.state == "draft"):
            plan.sudo().amount_total = sum(plan.move_ids.mapped("amount_residual"))

    def _collection_check_ready(self):
        """A plan can be proposed or accepted: invoices open, instalments adding up."""
        self.ensure_one()
        self._collection_refresh_total()
        if not self.move_ids:
            raise UserError(_("Choose the invoices the plan covers."))
        if not self.line_ids.filtered(lambda ln: not ln.is_down_payment):
            raise UserError(_("Add the instalments (Generate instalments)."))
        open_moves = self.move_ids.filtered(lambda m: m.collection_state not in (False, "done", "excluded"))
        if open_moves != self.move_ids:
            raise UserError(
                _(
                    "%s are paid or out of collections: remove them from the plan.",
                    ", ".join((self.move_ids - open_moves).mapped("name")),
                )
            )
        total = sum(self.line_ids.mapped("amount"))
        if float_compare(total, self.amount_total, precision_rounding=self.currency_id.rounding):
            raise UserError(
                _(
                    "The instalments add up to %(lines)s but the invoices owe %(due)s: "
                    "generate the instalments again or adjust them.",
                    lines=self._fmt(total),
                    due=self._fmt(self.amount_total),
                )
            )
        if any(line.amount <= 0 for line in self.line_ids):
            raise UserError(_("Every instalment must have a positive amount."))
        other = self.sudo().search(
            [("id", "!=", self.id), ("state", "in", OPEN_STATES), ("move_ids", "in", self.move_ids.ids)], limit=1
        )
        if other:
            raise UserError(
                _(
                    "%(moves)s already belong to payment plan %(plan)s.",
                    moves=", ".join((other.move_ids & self.move_ids).mapped("name")),
                    plan=other.name,
                )
            )

    def _collection_local_now(self, now=None):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        return contact_rules.to_local(now or fields.Datetime.now(), partner._collection_tz(self.company_id))

    def _collection_accept(self, channel):
        """The customer accepted (``web``: from the link; ``phone``: the collector says so)."""
        self.ensure_one()
        if self.state not in ("draft", "proposed"):
            raise UserError(_("This payment plan can no longer be accepted."))
        self._collection_check_ready()
        if channel == "web":
            # the customer's click (its page speaks its language): what is logged for the
            # staff is in the company's
            self = self.with_context(lang=self.company_id._collection_lang())
        now = fields.Datetime.now()
        self.write({"state": "active", "accepted_date": now, "accepted_channel": channel, "proposal_pending": False})
        moves = self.move_ids.sudo()
        moves._collection_write({"collection_plan_id": self.id})
        moves._collection_skip_scheduled(_("Under a payment plan"))
        partner = self.partner_id.commercial_partner_id.sudo()
        if partner.collection_paused and partner.collection_pause_reason == "payment_plan":
            partner.write(
                {
                    "collection_paused": False,
                    "collection_pause_reason": False,
                    "collection_pause_until": False,
                    "collection_pause_note": False,
                }
            )
            partner.message_post(body=_("Payment plan %s accepted: the pause for a payment plan ends.", self.name))
        if channel == "web":
            text = _("The customer accepted payment plan %s from the link.", self.name)
        else:
            text = _(
                "%(user)s marked payment plan %(plan)s accepted by the customer.",
                user=self.env.user.name,
                plan=self.name,
            )
        self.env["collection.event"]._collection_log_inbound(
            partner, moves[:1], channel, False, text, _("Payment plan accepted"), company=self.company_id, plan=self
        )
        body = Markup("<p>%s</p>") % text
        self.message_post(
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.user_id.partner_id.ids if channel == "web" else [],
        )
        for move in moves:
            move.message_post(
                body=_("Under payment plan %s: the plan's instalment reminders replace the cadence.", self.name),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _collection_close(self, state, reason):
        """Done, broken or cancelled: the invoices leave the plan (back to their cadence at
        the stage they had)."""
        today = fields.Date.context_today(self)
        labels = dict(self._fields["state"]._description_selection(self.env))
        for plan in self:
            moves = plan.move_ids.sudo().filtered(lambda m, p=plan: m.collection_plan_id == p)
            plan.write({"state": state, "closed_date": today, "proposal_pending": False})
            if moves:
                moves._collection_write({"collection_plan_id": False})
            plan.message_post(body=reason, message_type="comment", subtype_xmlid="mail.mt_note")
            for move in moves.filtered(lambda m: m.collection_state not in FINISHED_STATES):
                move.message_post(
                    body=_(
                        "Payment plan %(plan)s %(state)s: automatic collections resume at stage %(stage)s.",
                        plan=plan.name,
                        state=labels[state].lower(),
                        stage=move.collection_stage_id.display_name or "-",
                    ),
                    message_type="comment",
                    subtype_xmlid="mail.mt_note",
                )

    def _collection_hold(self, until):
        """The customer says it paid: instalment reminders wait until ``until``."""
        for plan in self:
            if not plan.hold_until or plan.hold_until < until:
                plan.sudo().hold_until = until

    def _collection_refresh_payments(self, today=None):
        """Count the payments against the instalments, in order; done when all is paid.

        :return: the plans that became done
        """
        done = self.browse()
        for plan in self.filtered(lambda p: p.state == "active"):
            today = today or plan._collection_local_now().date()
            lines = plan.line_ids.sorted(lambda ln: (ln.date, ln.sequence, ln.id))
            tolerance = plan.company_id.collection_tolerance or 0.0
            allocation = plans.allocate(lines.mapped("amount"), plan.amount_paid, tolerance)
            for line, (covered, paid) in zip(lines, allocation, strict=True):
                vals = {}
                if not float_is_zero(line.amount_paid - covered, precision_rounding=plan.currency_id.rounding):
                    vals["amount_paid"] = covered
                if paid and line.state != "paid":
                    vals.update(state="paid", paid_date=today)
                elif not paid and line.state == "paid":
                    vals.update(state="pending", paid_date=False)
                if vals:
                    line.sudo().write(vals)
            if all(m.collection_state in FINISHED_STATES for m in plan.move_ids):
                plan.sudo()._collection_close("done", _("Payment plan %s done: its invoices are paid.", plan.name))
                done |= plan
        return done

    @api.model
    def _collection_plan_moves(self, customer_invoices, currency=None):
        """The invoices a plan may cover among ``customer_invoices`` (a domain): still in
        collections, oldest due first, in one currency (``currency``, else the oldest's)."""
        moves = self.env["account.move"].search(
            customer_invoices + [("collection_state", "in", PAYMENT_PLAN_STATES)], order="invoice_date_due asc, id asc"
        )
        currency = currency or moves[:1].currency_id
        return moves.filtered(lambda m: m.currency_id == currency)

    @api.model
    def _collection_draft_from_reply(self, partner, move, company, text):
        """A customer asked for time: a draft plan of its open invoices for the collector
        to review and propose (none when a plan is already open or being prepared)."""
        partner = partner.commercial_partner_id
        moves = self.sudo()._collection_plan_moves(
            [
                ("commercial_partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
            ],
            move.currency_id,
        )
        if not moves:
            return self.browse()
        existing = self.sudo().search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("state", "in", ("draft",) + OPEN_STATES),
                ("move_ids", "in", moves.ids),
            ],
            limit=1,
        )
        if existing:
            return existing
        today = fields.Date.context_today(self)
        plan = (
            self.sudo()
            .with_company(company)
            .create(
                {
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "move_ids": [(6, 0, moves.ids)],
                    "instalment_count": DRAFT_COUNT,
                    "interval_days": DRAFT_EVERY,
                    "first_date": fields.Date.add(today, days=DRAFT_START),
                    "note": _("The customer asked for time: “%s”", text),
                    "user_id": (
                        partner._collection_responsible(moves[:1].collection_policy_id)
                        or self.env.ref("base.user_admin")
                    ).id,
                }
            )
        )
        plan.action_generate_lines()
        return plan

    def _collection_portal_info(self):
        """For the plan's messages, as for the invoices' reminders: the customer's page,
        its SPEI reference and the company's account for transfers."""
        self.ensure_one()
        return self.move_ids[:1]._collection_portal_info()
