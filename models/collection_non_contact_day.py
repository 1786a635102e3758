from odoo import fields, models


class CollectionNonContactDay(models.Model):
    _name = "collection.non.contact.day"
    _description = "Collections Non-contact Day"
    _order = "date"

    company_id = fields.Many2one(
        "res.company", required=True, ondelete="cascade", default=lambda self: self.env.company
    )
    date = fields.Date(required=True)
    name = fields.Char(string="Reason")

    _sql_constraints = [
        ("date_company_uniq", "unique(company_id, date)", "This non-contact day is already listed."),
    ]
