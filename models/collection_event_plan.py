"""Payment plans in the contact log: the proposal, the acceptance, each instalment's
reminders and tasks, the break.

An instalment's step is logged once: the database refuses a second live event for the
same (instalment, step, channel), like the cadence's stages.  Plan events have no
invoice (a plan covers several); they belong to the customer and to the plan.
"""

from odoo import _, api, fields, models
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .collection_event import STATE_SKIP_REASONS

_lt = LazyTranslate(__name__)

PLAN_STEPS = [
    ("proposal", "Plan proposal"),
    ("before", "Instalment: friendly reminder (D-3)"),
    ("due", "Instalment due today (D0)"),
    ("late", "Instalment: firm reminder (D+3)"),
    ("broken", "Plan broken (D+5)"),
]

# the cadence's messages of an invoice under an active plan are skipped with this reason
STATE_SKIP_REASONS.setdefault("plan", _lt("Under a payment plan"))


class CollectionEvent(models.Model):
    _inherit = "collection.event"

    plan_id = fields.Many2one(
        "collection.payment.plan", string="Payment Plan", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    plan_line_id = fields.Many2one(
        "collection.payment.plan.line", string="Instalment", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    plan_step = fields.Selection(PLAN_STEPS, string="Plan Step", readonly=True)

    def init(self):
        super().init()
        self.env.cr.execute(
            SQL(
                """CREATE UNIQUE INDEX IF NOT EXISTS collection_event_plan_step_once
               ON collection_event (plan_line_id, plan_step, channel)
               WHERE plan_line_id IS NOT NULL AND state != 'failed'"""
            )
        )

    @api.depends("plan_id", "plan_step")
    def _compute_display_name(self):
        plan_events = self.filtered(lambda e: e.plan_id and not e.move_id)
        steps = dict(self._fields["plan_step"]._description_selection(self.env))
        for event in plan_events:
            event.display_name = "%s - %s" % (event.plan_id.name, steps.get(event.plan_step) or event.plan_id.name)
        super(CollectionEvent, self - plan_events)._compute_display_name()

    def _collection_mail_block(self, now):
        # a payment plan's email: the plan's own rules (its invoices are the plan's)
        if self.plan_id and not self.move_id:
            return self.plan_id._collection_step_block(self.plan_step, self.plan_line_id, now)
        return super()._collection_mail_block(now)

    @api.model
    def _collection_plan_insert(self, plan, step, channel, state, now, line=None, reason=None):
        """Log a plan event once: ``None`` when the same (instalment, step, channel) is already
        in the contact log (another run did it)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """INSERT INTO collection_event
                   (partner_id, company_id, channel, state, direction, scheduled_at, done_at,
                    skip_reason, plan_id, plan_line_id, plan_step,
                    create_uid, create_date, write_uid, write_date)
               VALUES (%s, %s, %s, %s, 'out', %s, %s, %s, %s, %s, %s,
                       %s, (now() AT TIME ZONE 'UTC'), %s, (now() AT TIME ZONE 'UTC'))
               ON CONFLICT DO NOTHING
               RETURNING id""",
                plan.partner_id.commercial_partner_id.id,
                plan.company_id.id,
                channel,
                state,
                now,
                now if state != "scheduled" else None,
                reason,
                plan.id,
                line.id if line else None,
                step,
                self.env.uid,
                self.env.uid,
            )
        )
        row = self.env.cr.fetchone()
        self.invalidate_model()
        return self.sudo().browse(row[0]) if row else None

    @api.model
    def _collection_plan_skip_reason(self, key):
        return {
            "catch_up": _("Not sent: a later step was already due (catch-up)"),
            "do_not_contact": _("The customer asked not to be contacted"),
            "no_email": _("The customer has no email address"),
            "bounced": _("The customer's email bounced: fix the address"),
        }[key]
