from odoo import api, models


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        self.env["discuss.channel"]._collection_sync_members(users)
        return users

    def write(self, vals):
        res = super().write(vals)
        if {"groups_id", "company_ids", "active", "share"} & set(vals) or any(
            key.startswith(("in_group_", "sel_groups_")) for key in vals
        ):
            self.env["discuss.channel"]._collection_sync_members(self)
        return res

    def _collection_lang(self):
        """The language of a task collections gives this user: the user's own (as Odoo
        writes activities for their assignee), else the company's."""
        return self[:1].lang or self[:1].company_id._collection_lang()
