from odoo import fields, models

REPLY_KINDS = [
    ("paid_check", "Says it paid: check the review tray"),
    ("payment_plan", "Asks for time: payment plan"),
    ("dispute", "Objects to the invoice: dispute"),
    ("do_not_contact", "Asks not to be contacted"),
    ("other", "Other: a person reads it"),
]


class CollectionWhatsAppRule(models.Model):
    """Spanish keyword rules that sort customers' replies, by email and WhatsApp alike
    (editable by managers; the model keeps its first name)."""

    _name = "collection.whatsapp.rule"
    _description = "Reply Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection(REPLY_KINDS, required=True)
    keywords = fields.Text(
        required=True,
        help="Words or phrases, one per line or separated by commas; case and accents do not "
        "matter. The first rule (by sequence) with a keyword in the reply decides.",
    )
    company_id = fields.Many2one("res.company", help="Empty: all companies.")

    def _keyword_list(self):
        self.ensure_one()
        return [k.strip() for k in self.keywords.replace("\n", ",").split(",") if k.strip()]

    def _as_rules(self, company):
        rules = self.search(["|", ("company_id", "=", False), ("company_id", "=", company.id)])
        return [(rule.kind, rule._keyword_list()) for rule in rules]
