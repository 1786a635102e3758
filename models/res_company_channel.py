from odoo import Command, api, models


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._collection_ensure_channels()
        return companies

    @api.model
    def _collection_ensure_all_channels(self):
        """Install and update: every company has its channel (see the data file)."""
        self.sudo().with_context(active_test=False).search([])._collection_ensure_channels()

    def _collection_ensure_channels(self):
        """Give these companies their collections channel.  The main company keeps the
        channel of the data file (``channel_collections``); a channel of an older version
        (every collector of every company subscribed) is turned into the main company's,
        its members kept to that company's collectors."""
        Channel = self.env["discuss.channel"].sudo().with_context(active_test=False)
        legacy = self.env.ref("account_collections_mx.channel_collections", raise_if_not_found=False)
        main = self.env.ref("base.main_company", raise_if_not_found=False)
        group = self.env.ref("account_collections_mx.group_collection_user")
        for company in self:
            if Channel.search_count([("collection_company_id", "=", company.id)], limit=1):
                continue
            if legacy and not legacy.collection_company_id and company == main:
                legacy.sudo().collection_company_id = company
            else:
                Channel.create(Channel._collection_channel_values(company))
        channels = Channel.search([("collection_company_id", "in", self.ids)])
        channels.filtered("group_ids").write({"group_ids": [Command.clear()]})
        channels.filtered(lambda c: c.group_public_id != group).write({"group_public_id": group.id})
        self.env["discuss.channel"]._collection_sync_members()
