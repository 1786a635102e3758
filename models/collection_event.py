from odoo import _, api, fields, models
from odoo.exceptions import UserError

EVENT_CHANNELS = [
    ("email", "Email"),
    ("whatsapp", "WhatsApp"),
    ("activity", "Task"),
    ("alert", "Internal alert"),
]
EVENT_STATES = [
    ("scheduled", "Scheduled"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("skipped", "Skipped"),
]
#: fields the collections engine (sudo) may still change once an event exists
MUTABLE_FIELDS = {
    "state", "done_at", "scheduled_at", "mail_message_id", "provider_ref", "error", "skip_reason",
    "attempt_count", "delivery_status", "activity_id", "group_key",
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

    move_id = fields.Many2one("account.move", string="Invoice", required=True, index=True,
                              ondelete="cascade", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True,
                                 readonly=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    stage_id = fields.Many2one("collection.policy.stage", string="Stage", index=True,
                               ondelete="restrict", readonly=True)
    channel = fields.Selection(EVENT_CHANNELS, required=True, readonly=True)
    state = fields.Selection(EVENT_STATES, required=True, default="scheduled", index=True,
                             readonly=True)
    scheduled_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True,
                                   readonly=True)
    done_at = fields.Datetime(string="Done At", readonly=True)
    mail_message_id = fields.Many2one("mail.message", string="Message", readonly=True,
                                      ondelete="set null")
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

    def init(self):
        # The database itself refuses a second live event for the same invoice, stage and
        # channel: an invoice gets each stage at most once, whatever runs at the same time.
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS collection_event_once_per_stage
               ON collection_event (move_id, COALESCE(stage_id, 0), channel)
               WHERE state != 'failed'"""
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
            raise UserError(
                _("The contact log cannot be edited (fields %s).", ", ".join(sorted(frozen)))
            )
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
        return self.sudo().write(values)

    def action_open_move(self):
        self.ensure_one()
        return self.move_id._get_records_action()
