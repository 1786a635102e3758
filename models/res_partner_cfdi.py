from odoo import api, fields, models

from ..tools import cfdi, sat_catalogs

CFDI_COMMERCIAL_FIELDS = ["cfdi_tax_regime", "cfdi_usage"]


class ResPartner(models.Model):
    """CFDI data of a customer: regime, default usage and what is missing for a CFDI."""

    _inherit = "res.partner"

    cfdi_tax_regime = fields.Selection(
        sat_catalogs.selection(sat_catalogs.TAX_REGIMES),
        string="Tax Regime (CFDI)",
        help="SAT c_RegimenFiscal of the customer, as in its Constancia de Situación Fiscal.",
    )
    cfdi_usage = fields.Selection(
        sat_catalogs.selection(sat_catalogs.USAGES),
        string="CFDI Usage",
        help="Default SAT c_UsoCFDI of this customer's invoices.",
    )
    cfdi_data_ok = fields.Boolean(
        string="CFDI Data Complete",
        compute="_compute_cfdi_data_ok",
        store=True,
        help="RFC, tax regime and fiscal postal code are valid for a CFDI 4.0.",
    )
    # not stored: shown in the reader's language
    cfdi_data_issues = fields.Text(
        string="CFDI Data Issues",
        compute="_compute_cfdi_data_issues",
        help="What is missing or invalid in the tax data for a CFDI 4.0. Shown to whoever "
        "reviews the customer's first invoice; the review decides.",
    )
    cfdi_data_warnings = fields.Text(
        string="CFDI Data Warnings",
        compute="_compute_cfdi_data_issues",
        help="Worth a look, not an error (e.g. an RFC check digit that does not verify: the SAT has issued such RFCs).",
    )
    collection_contact_issues = fields.Text(
        string="How to Reach",
        compute="_compute_cfdi_data_issues",
        help="Contact data the reminders need (email, mobile for WhatsApp). Not tax data: it "
        "never holds an invoice in review.",
    )

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + CFDI_COMMERCIAL_FIELDS

    def _cfdi_is_foreign(self):
        self.ensure_one()
        return bool(self.country_id) and self.country_id.code != "MX"

    @api.depends("vat", "is_company", "country_id", "cfdi_tax_regime", "zip")
    def _compute_cfdi_data_ok(self):
        for partner in self:
            partner.cfdi_data_ok = not partner._cfdi_data_issue_list()

    @api.depends("vat", "is_company", "country_id", "cfdi_tax_regime", "zip", "email", "mobile")
    @api.depends_context("lang")
    def _compute_cfdi_data_issues(self):
        for partner in self:
            partner.cfdi_data_issues = "\n".join(partner._cfdi_data_issue_list()) or False
            partner.cfdi_data_warnings = "\n".join(partner._cfdi_data_warning_list()) or False
            partner.collection_contact_issues = "\n".join(partner._collection_contact_issue_list()) or False

    def _cfdi_data_issue_list(self):
        """Translated list of what is missing or invalid in the tax data for a CFDI 4.0
        (never blocks saving, never holds an invoice once someone reviewed the customer)."""
        self.ensure_one()
        _ = self.env._
        issues = []
        if self._cfdi_is_foreign():
            return issues
        is_company = cfdi.rfc_is_company(self.vat)
        code = cfdi.check_rfc(self.vat, self.is_company)
        messages = {
            "missing": _("RFC is missing."),
            "short": _(
                "RFC %s has 10 characters: a CFDI needs the full RFC with homoclave "
                "(12 characters for companies, 13 for people).",
                self.vat,
            ),
            "length": _("RFC %s must have 12 characters (company) or 13 (person).", self.vat),
            "invalid": _("RFC %s is not valid (letters, date of birth or incorporation).", self.vat),
            "company_person": _("RFC %s is a person's RFC (13 characters) but the contact is a company.", self.vat),
            "person_company": _("RFC %s is a company's RFC (12 characters) but the contact is a person.", self.vat),
        }
        if code:
            issues.append(messages[code])
        if not self.cfdi_tax_regime:
            issues.append(_("Tax regime is missing."))
        elif is_company is not None:
            _name, fisica, moral = sat_catalogs.TAX_REGIMES[self.cfdi_tax_regime]
            if (is_company and not moral) or (not is_company and not fisica):
                issues.append(
                    _(
                        "Tax regime %(regime)s does not apply to the RFC %(rfc)s.",
                        regime=self.cfdi_tax_regime,
                        rfc=self.vat,
                    )
                )
        zip_code = (self.zip or "").strip()
        if not zip_code:
            issues.append(_("Fiscal postal code (ZIP) is missing."))
        elif not (zip_code.isdigit() and len(zip_code) == 5):
            issues.append(_("Fiscal postal code %s must have 5 digits.", zip_code))
        return issues

    def _cfdi_data_warning_list(self):
        """Translated warnings on the tax data: worth a look, not errors."""
        self.ensure_one()
        if self._cfdi_is_foreign() or not cfdi.rfc_check_digit_warning(self.vat):
            return []
        return [
            self.env._(
                "The check digit of RFC %s does not verify. The SAT has issued real RFCs like "
                "this one: compare it with the customer's Constancia de Situación Fiscal.",
                self.vat,
            )
        ]

    def _collection_contact_issue_list(self):
        """Translated list of the contact data the reminders lack (how to reach)."""
        self.ensure_one()
        _ = self.env._
        issues = []
        if not self.email:
            issues.append(_("Email is missing: no email reminders."))
        if not self.mobile:
            issues.append(_("Mobile is missing: no WhatsApp reminders."))
        return issues

    # ------------------------------------------------------------------ first invoice review
    def _cfdi_review_issues(self):
        """The CFDI data issues to show whoever reviews this customer (Mexican companies)."""
        self.ensure_one()
        if "MX" not in (self.fiscal_country_codes or "").split(","):
            return False
        return self.cfdi_data_issues

    @api.onchange("collection_first_invoice_reviewed")
    def _onchange_collection_first_invoice_reviewed(self):
        """Ticking *Tax data reviewed* shows the open CFDI data issues; the tick decides."""
        issues = self.collection_first_invoice_reviewed and self._cfdi_review_issues()
        if not issues:
            return None
        return {
            "warning": {
                "title": self.env._("CFDI data still has issues"),
                "message": self.env._(
                    "%(issues)s\n\nOnce saved, the first invoice joins the reminder cadence "
                    "at the next run all the same. Untick to correct the data first.",
                    issues=issues,
                ),
            }
        }

    def action_collection_mark_reviewed(self):
        """*Mark tax data reviewed*: when the CFDI data still has issues, a confirmation
        lists them first; confirming marks the customer reviewed all the same."""
        self._collection_check_user()
        if not self.env.context.get("collection_review_confirmed"):
            pending = self.commercial_partner_id.filtered(lambda p: p._cfdi_review_issues())
            if pending:
                return self.env["collection.review.wizard"]._action_open(self.commercial_partner_id)
        return super().action_collection_mark_reviewed()

    def _collection_review_note(self):
        notes = super()._collection_review_note()
        if self._cfdi_review_issues():
            notes.append(
                self.env._("CFDI data issues open at the review: %s", self.cfdi_data_issues.replace("\n", " "))
            )
        return notes
