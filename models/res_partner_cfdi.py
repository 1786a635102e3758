from odoo import api, fields, models

from ..tools import cfdi, sat_catalogs

CFDI_COMMERCIAL_FIELDS = ["cfdi_tax_regime", "cfdi_usage"]


class ResPartner(models.Model):
    """CFDI data of a customer: regime, default usage and what is missing for a CFDI."""

    _inherit = "res.partner"

    cfdi_tax_regime = fields.Selection(
        sat_catalogs.selection(sat_catalogs.TAX_REGIMES), string="Tax Regime (CFDI)",
        help="SAT c_RegimenFiscal of the customer, as in its Constancia de Situación Fiscal.")
    cfdi_usage = fields.Selection(
        sat_catalogs.selection(sat_catalogs.USAGES), string="CFDI Usage",
        help="Default SAT c_UsoCFDI of this customer's invoices.")
    cfdi_data_ok = fields.Boolean(
        string="CFDI Data Complete", compute="_compute_cfdi_data_ok", store=True,
        help="RFC, tax regime, fiscal postal code, email and mobile are valid for a CFDI 4.0.")
    # not stored: shown in the reader's language
    cfdi_data_issues = fields.Text(string="CFDI Data Issues", compute="_compute_cfdi_data_issues")

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + CFDI_COMMERCIAL_FIELDS

    def _cfdi_is_foreign(self):
        self.ensure_one()
        return bool(self.country_id) and self.country_id.code != "MX"

    @api.depends("vat", "is_company", "country_id", "cfdi_tax_regime", "zip", "email", "mobile")
    def _compute_cfdi_data_ok(self):
        for partner in self:
            partner.cfdi_data_ok = not partner._cfdi_data_issue_list()

    @api.depends("vat", "is_company", "country_id", "cfdi_tax_regime", "zip", "email", "mobile")
    def _compute_cfdi_data_issues(self):
        for partner in self:
            partner.cfdi_data_issues = "\n".join(partner._cfdi_data_issue_list()) or False

    def _cfdi_data_issue_list(self):
        """Translated list of what is missing or invalid for a CFDI 4.0 (never blocks saving)."""
        self.ensure_one()
        _ = self.env._
        issues = []
        foreign = self._cfdi_is_foreign()
        if not foreign:
            is_company = cfdi.rfc_is_company(self.vat)
            code = cfdi.check_rfc(self.vat, self.is_company)
            messages = {
                "missing": _("RFC is missing."),
                "short": _("RFC %s has 10 characters: a CFDI needs the full RFC with homoclave "
                           "(12 characters for companies, 13 for people).", self.vat),
                "length": _("RFC %s must have 12 characters (company) or 13 (person).", self.vat),
                "invalid": _("RFC %s is not valid (format or check digit).", self.vat),
                "company_person": _("RFC %s is a person's RFC (13 characters) but the contact "
                                    "is a company.", self.vat),
                "person_company": _("RFC %s is a company's RFC (12 characters) but the contact "
                                    "is a person.", self.vat),
            }
            if code:
                issues.append(messages[code])
            if not self.cfdi_tax_regime:
                issues.append(_("Tax regime is missing."))
            elif is_company is not None:
                _name, fisica, moral = sat_catalogs.TAX_REGIMES[self.cfdi_tax_regime]
                if (is_company and not moral) or (not is_company and not fisica):
                    issues.append(_("Tax regime %(regime)s does not apply to the RFC %(rfc)s.",
                                    regime=self.cfdi_tax_regime, rfc=self.vat))
            zip_code = (self.zip or "").strip()
            if not zip_code:
                issues.append(_("Fiscal postal code (ZIP) is missing."))
            elif not (zip_code.isdigit() and len(zip_code) == 5):
                issues.append(_("Fiscal postal code %s must have 5 digits.", zip_code))
        if not self.email:
            issues.append(_("Email is missing."))
        if not self.mobile:
            issues.append(_("Mobile is missing."))
        return issues
