import datetime as dt

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..tools import summary


class ReportStatementOfAccount(models.AbstractModel):
    """Statement of account of a customer in the current company: open invoices and
    credit notes with a running balance, payments of the period (last 30 days by
    default), aging and payment instructions."""

    _name = "report.account_collections_mx.report_statement_of_account"
    _description = "Statement of Account"

    @api.model
    def _get_report_values(self, docids, data=None):
        """Read as the user who prints: only collectors get it, for the customers and the
        receivable items they may read (record rules of the current company); the
        collections engine sends it as superuser."""
        if not self.env.su and not self.env.user.has_group("account_collections_mx.group_collection_user"):
            raise AccessError(_("Only Collections Users can print statements of account."))
        data = data or {}
        company = self.env.company
        date_to = fields.Date.to_date(data.get("date_to")) or fields.Date.context_today(self)
        date_from = fields.Date.to_date(data.get("date_from")) or date_to - dt.timedelta(days=30)
        partners = self.env["res.partner"].browse(docids)
        partners.check_access("read")
        partners = partners.commercial_partner_id
        partners.check_access("read")
        banks = company.partner_id.bank_ids
        statements = {}
        Line = self.env["account.move.line"]
        for partner in partners:
            base = [
                ("partner_id", "child_of", partner.id),
                ("company_id", "=", company.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
            ]
            open_lines = Line.search(
                base + [("reconciled", "=", False), ("amount_residual", "!=", 0)], order="date_maturity, date, id"
            )
            balance = 0.0
            rows = []
            for line in open_lines:
                balance += line.amount_residual
                due = line.date_maturity or line.date
                rows.append(
                    {
                        "date": line.date,
                        "name": line.move_id.name,
                        "ref": line.move_id.ref
                        or (
                            line.move_id.payment_reference
                            if line.move_id.payment_reference != line.move_id.name
                            else ""
                        ),
                        "type": line.move_id.move_type,
                        "due": due,
                        "days": max((date_to - due).days, 0),
                        "amount": line.balance,
                        "residual": line.amount_residual,
                        "balance": balance,
                    }
                )
            payments = Line.search(
                base
                + [
                    ("credit", ">", 0),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                    ("move_id.move_type", "=", "entry"),
                ],
                order="date, id",
            )
            statements[partner.id] = {
                "rows": rows,
                "total": balance,
                "overdue": sum(r["residual"] for r in rows if r["due"] < date_to),
                "payments": [
                    {"date": p.date, "name": p.move_id.name, "ref": p.move_id.ref or p.name or "", "amount": p.credit}
                    for p in payments
                ],
                "aging": summary.aging([(r["due"], r["residual"]) for r in rows], date_to),
                # the customer's own page and SPEI reference (created on first use)
                "portal_url": partner._collection_portal_url(company),
                "spei_reference": partner._collection_spei_reference(company),
            }
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "date_from": date_from,
            "date_to": date_to,
            "statements": statements,
            "banks": banks,
            "buckets": summary.BUCKETS,
            "bucket_labels": summary.BUCKET_LABELS,
            "currency": company.currency_id,
            "receipt_bank": company._collection_receipt_bank_info(),
        }
