from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.channels import STAGE_REMINDER_CHANNELS

CHANNELS = [
    ("email", "Email"),
    ("whatsapp", "WhatsApp"),
    ("email_whatsapp", "Email and WhatsApp"),
    ("activity", "Internal task"),
    ("escalate", "Hand over to a person"),
]
TONES = [("informative", "Informative"), ("friendly", "Friendly"), ("firm", "Firm")]


class CollectionPolicyStage(models.Model):
    _name = "collection.policy.stage"
    _description = "Collection Policy Stage"
    _order = "policy_id, sequence, offset_days, id"
    _check_company_auto = True

    policy_id = fields.Many2one("collection.policy", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="policy_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    offset_days = fields.Integer(
        string="Days From Due Date",
        required=True,
        help="When the stage is due, in days from the invoice due date: -3 = three days "
        "before, 0 = on the due date, 7 = a week late.",
    )
    channel = fields.Selection(CHANNELS, required=True, default="email")
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain=[("model", "=", "account.move")],
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Activity Type",
        help="Task created for the collector (internal task and hand-over stages).",
    )
    alert_internal = fields.Boolean(
        string="Alert the Team",
        help="Notify the collections team when an account reaches this stage.",
    )
    tone = fields.Selection(TONES, default="friendly", required=True)
    ignore_min_gap = fields.Boolean(
        string="Ignore Minimum Gap",
        help="Send even when the customer got another message less than the minimum "
        "number of days ago (e.g. 'due today').",
    )
    whatsapp_template_name = fields.Char(
        string="WhatsApp Template",
        help="Name of the approved WhatsApp template of this stage. A stage by email alone "
        "uses it when the customer's email bounced and the customer has a valid mobile.",
    )
    whatsapp_template_params = fields.Char(
        string="WhatsApp Parameters",
        default="partner_name,invoice_numbers,amount_residual,date_due,payment_link",
        help="Ordered body parameters of the WhatsApp template, separated by commas, among: "
        "partner_name, invoice_numbers, amount_residual, date_due, days_overdue, payment_link, "
        "company_name, portal_link (the customer's page), spei_reference, clabe.",
    )

    def _customer_channels(self):
        """The customer-facing channels of this stage (none for tasks and hand-over)."""
        self.ensure_one()
        return STAGE_REMINDER_CHANNELS.get(self.channel, ())

    @api.constrains("offset_days", "sequence", "policy_id")
    def _check_offset_order(self):
        if self.env.context.get("collection_policy_write"):
            return  # checked once by the policy when its whole write is done
        for policy in self.mapped("policy_id"):
            stages = policy.stage_ids.sorted(lambda s: (s.sequence, s.id))
            offsets = stages.mapped("offset_days")
            if any(b <= a for a, b in zip(offsets, offsets[1:], strict=False)):
                raise ValidationError(
                    _(
                        "The stages of the policy “%(policy)s” are out of order: each stage must "
                        "come more days after the due date than the one before it (%(offsets)s).",
                        policy=policy.name,
                        offsets=", ".join(f"{s.name}: {s.offset_days:+d}" for s in stages),
                    )
                )

    @api.constrains("channel", "mail_template_id")
    def _check_template(self):
        for stage in self:
            if "email" in stage._customer_channels() and not stage.mail_template_id:
                raise ValidationError(_("The stage “%s” sends emails: choose its email template.", stage.name))

    def _display_offset(self):
        self.ensure_one()
        return "D%+d" % self.offset_days if self.offset_days else "D0"

    @api.depends("name", "offset_days")
    def _compute_display_name(self):
        for stage in self:
            stage.display_name = f"{stage._display_offset()} {stage.name or ''}".strip()
