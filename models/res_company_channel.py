from odoo import Command, api, models

#: xml id of the main company's channel (kept for older databases and links to it)
MAIN_CHANNEL_XMLID = "account_collections_mx.channel_collections"
#: name of the main company's channel in the versions that loaded it from a data file
LEGACY_CHANNEL_NAME = "Collections"


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
        """Give these companies their collections channel, "Collections - <company>" in
        the company's language.  The main company's is created the same way and keeps the
        xml id ``channel_collections`` (the channel an older version loaded from a data
        file, named "Collections", is renamed; one of an older version still (every
        collector of every company subscribed) is turned into the main company's, its
        members kept to that company's collectors)."""
        Channel = self.env["discuss.channel"].sudo().with_context(active_test=False)
        legacy = self.env.ref(MAIN_CHANNEL_XMLID, raise_if_not_found=False)
        main = self.env.ref("base.main_company", raise_if_not_found=False)
        group = self.env.ref("account_collections_mx.group_collection_user")
        for company in self:
            values = Channel.with_context(lang=company._collection_lang())._collection_channel_values(company)
            channel = Channel.search([("collection_company_id", "=", company.id)], limit=1)
            if not channel and legacy and not legacy.collection_company_id and company == main:
                channel = legacy.sudo()
                channel.collection_company_id = company
            elif not channel:
                channel = Channel.create(values)
            if company != main:
                continue
            if channel.name == LEGACY_CHANNEL_NAME:
                channel.write({"name": values["name"], "description": values["description"]})
            if legacy != channel:
                self.env["ir.model.data"].sudo()._update_xmlids(
                    [{"xml_id": MAIN_CHANNEL_XMLID, "record": channel, "noupdate": True}]
                )
                legacy = channel
        channels = Channel.search([("collection_company_id", "in", self.ids)])
        channels.filtered("group_ids").write({"group_ids": [Command.clear()]})
        channels.filtered(lambda c: c.group_public_id != group).write({"group_public_id": group.id})
        self.env["discuss.channel"]._collection_sync_members()
