from markupsafe import Markup

from odoo import _, fields, models

from .collection_whatsapp_rule import REPLY_KINDS


class CollectionWhatsAppMessage(models.Model):
    """Inbound WhatsApp messages, once each (webhook replays change nothing).

    A message from a number that is no customer of the company, or that several customers
    share, is kept without a customer and handed to a person (a task on the message).
    """

    _name = "collection.whatsapp.message"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Inbound WhatsApp Message"
    _order = "received_at desc, id desc"
    _rec_name = "phone"

    wamid = fields.Char(string="WhatsApp Message ID", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True, index=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    phone = fields.Char(readonly=True)
    body = fields.Text(readonly=True)
    kind = fields.Selection(REPLY_KINDS + [("acknowledgement", "Acknowledgement")], readonly=True)
    received_at = fields.Datetime(default=fields.Datetime.now, readonly=True)

    _sql_constraints = [
        ("wamid_uniq", "unique(wamid)", "This WhatsApp message was already received."),
    ]

    def _collection_handler(self):
        """Who reads a message nobody could place: the default collector of the company's
        default policy, else one of its collections managers, else the administrator."""
        self.ensure_one()
        company = self.company_id
        policy = self.env["collection.policy"].sudo()._get_default(company)
        if policy.responsible_id.active:
            return policy.responsible_id
        managers = self.env.ref("account_collections_mx.group_collection_manager").sudo().users
        managers = managers.filtered(lambda u: u.active and not u.share and company in u.company_ids)
        return managers.sorted("id")[:1] or self.env.ref("base.user_admin")

    def _collection_hand_over_unmatched(self, candidates):
        """A person finds out who wrote: no customer is guessed from the number."""
        names = ", ".join(candidates.mapped("display_name"))
        for message in self.sudo():
            # the task in its assignee's language
            message._collection_task(message._collection_handler(), lambda msg: msg._collection_unmatched_texts(names))

    def _collection_unmatched_texts(self, candidate_names):
        """Summary and note of the task of a message nobody could place (context's
        language); ``candidate_names``: the customers sharing the number, if any."""
        if candidate_names:
            summary = _("WhatsApp from +%s: several customers have this number", self.phone)
            why = _(
                "The number belongs to several customers (%s): find out who wrote and answer from the customer.",
                candidate_names,
            )
        else:
            summary = _("WhatsApp from an unknown number: +%s", self.phone)
            why = _(
                "No customer of %s has this number: find out who wrote (and add the number to the customer).",
                self.company_id.name,
            )
        return summary, Markup("<p>“%s”</p><p>%s</p>") % (self.body or "", why)
