"""The customer's page seen from the customer form: its SPEI reference, its link, its
WhatsApp preference."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools import actions


class ResPartner(models.Model):
    _inherit = "res.partner"

    collection_spei_reference = fields.Char(
        string="SPEI Reference",
        compute="_compute_collection_portal",
        search="_search_collection_spei_reference",
        help="The number this customer types as the numeric reference (referencia numérica) "
        "of a SPEI transfer to the current company: 7 digits with a check digit, given the "
        "first time the customer is sent a reminder, a statement or its page, never reused. "
        "A bank line quoting it identifies the customer.",
    )
    collection_portal_url = fields.Char(
        string="Customer Page",
        compute="_compute_collection_portal_url",
        groups="account_collections_mx.group_collection_user",
        help="The customer's own page in the current company (no login needed): its open "
        "invoices, how to pay, promise to pay, report a problem, send a proof of payment.",
    )
    collection_whatsapp_opt_out = fields.Boolean(
        string="No WhatsApp",
        tracking=True,
        help="The customer asked not to receive WhatsApp messages: reminders go by email only.",
    )

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + ["collection_whatsapp_opt_out"]

    @api.depends_context("company")
    def _compute_collection_portal(self):
        company = self.env.company
        partners = self.commercial_partner_id
        rows = (
            self.env["collection.portal.access"]
            .sudo()
            .search([("company_id", "=", company.id), ("partner_id", "in", partners.ids)])
        )
        by_partner = {row.partner_id.id: row for row in rows}
        for partner in self:
            row = by_partner.get(partner.commercial_partner_id.id)
            partner.collection_spei_reference = row.spei_reference if row else False

    @api.depends_context("company")
    def _compute_collection_portal_url(self):
        company = self.env.company
        rows = (
            self.env["collection.portal.access"]
            .sudo()
            .search([("company_id", "=", company.id), ("partner_id", "in", self.commercial_partner_id.ids)])
        )
        by_partner = {row.partner_id.id: row for row in rows}
        for partner in self:
            row = by_partner.get(partner.commercial_partner_id.id)
            partner.collection_portal_url = row._collection_url() if row else False

    def _search_collection_spei_reference(self, operator, value):
        if operator not in ("=", "ilike", "in") or not value:
            raise UserError(_("Search a SPEI reference by its digits."))
        values = value if isinstance(value, (list, tuple)) else [value]
        values = ["".join(ch for ch in str(v) if ch.isdigit()) for v in values]
        rows = (
            self.env["collection.portal.access"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self.env.company.id),
                    (
                        "spei_reference",
                        "in" if operator != "ilike" else "=like",
                        values if operator != "ilike" else f"%{values[0]}%",
                    ),
                ]
            )
        )
        return [("commercial_partner_id", "in", rows.partner_id.ids)]

    # ------------------------------------------------------------------ contract
    def _collection_portal_url(self, company=None):
        """Absolute URL of the commercial partner's page in ``company`` (the current company
        by default), with its unguessable token; the link and the customer's SPEI reference
        are created on first use."""
        self.ensure_one()
        access = self.env["collection.portal.access"]._collection_get(
            self.commercial_partner_id, company or self.env.company
        )
        return access._collection_url()

    def _collection_spei_reference(self, company=None):
        """The customer's SPEI reference in ``company``, assigned on first use."""
        self.ensure_one()
        return (
            self.env["collection.portal.access"]
            ._collection_get(self.commercial_partner_id, company or self.env.company)
            .spei_reference
        )

    # ------------------------------------------------------------------ buttons
    def _collection_portal_check(self):
        self._collection_check_user()
        self.check_access("read")
        if len(self) != 1:
            raise UserError(_("Choose one customer."))

    def action_collection_portal_open(self):
        """Open the customer's page as the customer sees it (in a new tab)."""
        self._collection_portal_check()
        return {"type": "ir.actions.act_url", "target": "new", "url": self._collection_portal_url(self.env.company)}

    def action_collection_portal_reset(self):
        """*Reset customer link*: a new link; every link sent before answers 404."""
        self._collection_portal_check()
        access = self.env["collection.portal.access"]._collection_get(self.commercial_partner_id, self.env.company)
        access._collection_reset()
        self.invalidate_recordset(["collection_portal_url"])
        return actions.notification(
            _(
                "The links sent before no longer open the page of %s. The next reminders carry the new link.",
                self.commercial_partner_id.name,
            ),
            title=_("Customer link reset"),
            then=actions.RELOAD,
        )
