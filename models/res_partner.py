from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

PAUSE_REASONS = [
    ("payment_plan", "Payment plan"),
    ("dispute", "Dispute"),
    ("key_account", "Key account"),
    ("other", "Other"),
]

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
        "res.users", string="Collector", tracking=True,
        help="Gets the collection tasks of this customer (else its salesperson, else the "
        "policy's default collector).",
    )
    collection_first_invoice_reviewed = fields.Boolean(
        string="Tax Data Reviewed",
        tracking=True,
        help="Someone checked this customer's RFC, fiscal address and payment terms: its "
        "first invoice may join the reminder cadence.",
    )
    collection_wa_last_inbound = fields.Datetime(
        string="Last WhatsApp Message Received", readonly=True,
        help="A customer's message opens a 24-hour window in which collectors may answer with "
        "free text on WhatsApp.")
    collection_wa_window_open = fields.Boolean(
        string="WhatsApp Window Open", compute="_compute_collection_wa_window_open")
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
        counts = dict(self.env["collection.event"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]))
        for partner in self:
            partner.collection_event_count = counts.get(partner.commercial_partner_id, 0)

    @api.constrains("collection_pause_until", "collection_paused")
    def _check_collection_pause_until(self):
        today = fields.Date.context_today(self)
        for partner in self:
            if partner.commercial_partner_id != partner:
                continue  # synced copy of the commercial entity's values
            if partner.collection_paused and partner.collection_pause_until and \
                    partner.collection_pause_until < today:
                raise ValidationError(
                    _("The pause of %(partner)s cannot end in the past (%(date)s).",
                      partner=partner.display_name, date=partner.collection_pause_until)
                )

    def _collection_is_paused(self, day=None):
        """Paused today (the pause ends by itself after its date)."""
        self.ensure_one()
        partner = self.commercial_partner_id
        if not partner.collection_paused:
            return False
        day = day or fields.Date.context_today(self)
        return not partner.collection_pause_until or partner.collection_pause_until >= day

    def _collection_responsible(self, policy=None):
        """Who gets the tasks: collector, else salesperson, else the policy's default."""
        self.ensure_one()
        partner = self.commercial_partner_id
        return (partner.collection_responsible_id or partner.user_id
                or (policy and policy.responsible_id) or self.env["res.users"])

    def action_collection_pause(self):
        self.ensure_one()
        return self.env["collection.pause.wizard"]._action_open(
            partner=self.commercial_partner_id, mode="pause")

    def _collection_check_user(self):
        if not self.env.user.has_group("account_collections_mx.group_collection_user"):
            raise UserError(_("Only Collections Users can change the collection settings of a customer."))

    def action_collection_resume(self):
        self._collection_check_user()
        # collectors may resume a customer without the right to edit contacts
        self.commercial_partner_id.sudo().write({
            "collection_paused": False,
            "collection_pause_reason": False,
            "collection_pause_until": False,
            "collection_pause_note": False,
        })
        for partner in self.commercial_partner_id.sudo():
            partner.message_post(body=_("Collections resumed by %s.", self.env.user.name),
                                 author_id=self.env.user.partner_id.id)
        return True

    def action_collection_mark_reviewed(self):
        self._collection_check_user()
        self.commercial_partner_id.sudo().write({"collection_first_invoice_reviewed": True})
        for partner in self.commercial_partner_id.sudo():
            partner.message_post(
                body=_("Tax data reviewed by %s: the first invoice joins the cadence.", self.env.user.name),
                author_id=self.env.user.partner_id.id)
        return True

    def action_collection_open_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_collections_mx.collection_event_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action
