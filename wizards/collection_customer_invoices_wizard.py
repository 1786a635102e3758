from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools.cadence import CUSTOMER_OPEN_INVOICES_DOMAIN


class CollectionCustomerInvoicesWizard(models.AbstractModel):
    """What the wizards on a customer's open invoices share (promise to pay, payment
    plan): the company, the customer, its invoices, and the check before creating."""

    _name = "collection.customer.invoices.wizard"
    _description = "Wizard on a Customer's Open Invoices"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    move_ids = fields.Many2many("account.move", string="Invoices", domain=CUSTOMER_OPEN_INVOICES_DOMAIN)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if not values.get("move_ids") and values.get("partner_id") and "move_ids" in fields_list:
            customer_invoices = [
                ("commercial_partner_id", "=", values["partner_id"]),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("company_id", "=", values.get("company_id") or self.env.company.id),
            ]
            values["move_ids"] = [(6, 0, self._collection_default_invoices(customer_invoices).ids)]
        return values

    @api.model
    def _collection_default_invoices(self, customer_invoices):
        """The invoices the wizard proposes for a customer, among ``customer_invoices`` (a
        domain: the customer's posted invoices in the company)."""
        raise NotImplementedError

    def _collection_invoices_values(self, no_invoice_message):
        """The company, customer (its commercial entity) and invoices of the record the
        wizard creates, once checked: some invoices, all of the wizard's company."""
        self.ensure_one()
        if not self.move_ids:
            raise UserError(no_invoice_message)
        if self.move_ids.company_id != self.company_id:
            raise UserError(_("The invoices must belong to %s.", self.company_id.name))
        return {
            "company_id": self.company_id.id,
            "partner_id": self.partner_id.commercial_partner_id.id,
            "move_ids": [(6, 0, self.move_ids.ids)],
        }
