"""What customers do on their page, in the contact log (channel *Customer page*).

A line per action (opened the page, promised, reported a problem, sent a proof, changed
its preferences), with the date, the IP address and what was sent; a form refused (bad
date, wrong file type...) is logged *failed* with the message the customer got.  Like
statements of account, these lines name no single invoice (``move_id`` empty): the
invoices are in the details, and the messages and tasks they created are linked.
"""

from odoo import _, api, fields, models

PORTAL = "portal"
PORTAL_ACTIONS = [
    ("view", "Opened the page"),
    ("promise", "Promise to pay"),
    ("dispute", "Reported a problem"),
    ("proof", "Proof of payment"),
    ("preferences", "Contact preferences"),
]


class CollectionEvent(models.Model):
    _inherit = "collection.event"

    channel = fields.Selection(selection_add=[(PORTAL, "Customer page")], ondelete={PORTAL: "cascade"})
    portal_action = fields.Selection(PORTAL_ACTIONS, string="Customer Action", readonly=True)
    portal_ip = fields.Char(string="IP Address", readonly=True)
    portal_details = fields.Text(string="What Was Sent", readonly=True)

    @api.depends("move_id", "channel", "portal_action")
    def _compute_display_name(self):
        mine = self.filtered(lambda e: e.channel == PORTAL)
        labels = dict(self._fields["portal_action"]._description_selection(self.env))
        for event in mine:
            event.display_name = _("Customer page: %s", labels.get(event.portal_action, ""))
        super(CollectionEvent, self - mine)._compute_display_name()
