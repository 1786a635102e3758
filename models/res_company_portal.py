"""The company side of the customer's page: where customers transfer, how far they may promise."""

import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import matching


class ResCompany(models.Model):
    _inherit = "res.company"

    collection_receipt_bank_id = fields.Many2one(
        "res.partner.bank",
        string="Account for Customer Transfers",
        domain="[('partner_id', '=', partner_id)]",
        help="The bank account (with its CLABE) shown to customers on their page, in the "
        "reminders and on the statement of account. Empty: the account of the company's "
        "first bank journal that has one.",
    )
    collection_portal_promise_days = fields.Integer(
        string="Latest Promise From the Customer Page (Days)",
        default=30,
        help="On their page customers may promise to pay at most this many days ahead.",
    )

    @api.constrains("collection_portal_promise_days")
    def _check_collection_portal_promise_days(self):
        for company in self:
            if not 1 <= company.collection_portal_promise_days <= 365:
                raise ValidationError(self.env._("Customers may promise to pay between 1 and 365 days ahead."))

    @api.constrains("collection_receipt_bank_id")
    def _check_collection_receipt_bank(self):
        for company in self:
            bank = company.collection_receipt_bank_id.sudo()
            if bank and bank.partner_id != company.partner_id:
                raise ValidationError(
                    self.env._("The account for customer transfers must be an account of %s.", company.name)
                )

    def _collection_receipt_bank(self):
        """The account customers pay into: the one chosen in the settings, else the account
        of the company's first bank journal that has one."""
        self.ensure_one()
        bank = self.sudo().collection_receipt_bank_id
        if bank:
            return bank
        journal = (
            self.env["account.journal"]
            .sudo()
            .search(
                [("company_id", "=", self.id), ("type", "=", "bank"), ("bank_account_id", "!=", False)],
                order="sequence, id",
                limit=1,
            )
        )
        return journal.bank_account_id

    def _collection_receipt_bank_info(self):
        """What the customer needs for a transfer: {clabe, bank, account, beneficiary} (the
        CLABE from l10n_mx's field, else the account number when it is a valid CLABE)."""
        self.ensure_one()
        bank = self._collection_receipt_bank()
        if not bank:
            return {}
        number = re.sub(r"\s", "", bank.acc_number or "")
        clabe = bank.l10n_mx_edi_clabe
        if not clabe and matching.is_valid_clabe(number):
            clabe = number
        return {
            "clabe": clabe or "",
            "account": number if number != clabe else "",
            "bank": bank.bank_id.name or "",
            "beneficiary": bank.acc_holder_name or self.name,
        }
