from odoo import models


class ResPartner(models.Model):
    """Odoo's phone mixin on customers (as the ``sms`` module does): ``phone_sanitized`` and
    the ``phone_mobile_search`` field find a customer by its whole number."""

    _name = "res.partner"
    _inherit = ["mail.thread.phone", "res.partner"]
