from odoo import _, models


class AccountJournal(models.Model):
    _inherit = "account.journal"

    def _fill_bank_cash_dashboard_data(self, dashboard_data):
        super()._fill_bank_cash_dashboard_data(dashboard_data)
        journals = self.filtered(lambda j: j.type in ("bank", "cash", "credit"))
        if not journals:
            return
        groups = (
            self.env["collection.match"]
            .sudo()
            ._read_group(
                [
                    ("journal_id", "in", journals.ids),
                    ("state", "=", "to_review"),
                    ("company_id", "in", self.env.companies.ids),
                ],
                ["journal_id"],
                ["__count"],
            )
        )
        counts = {journal.id: count for journal, count in groups}
        for journal in journals:
            if journal.id in dashboard_data:
                dashboard_data[journal.id]["collection_to_review"] = counts.get(journal.id, 0)

    def action_open_collection_review(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_collections_mx.collection_match_action")
        action["domain"] = [("journal_id", "=", self.id)]
        action["display_name"] = _("Review tray: %s", self.name)
        return action
