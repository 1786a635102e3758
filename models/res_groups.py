from odoo import models


class ResGroups(models.Model):
    _inherit = "res.groups"

    def write(self, vals):
        res = super().write(vals)
        if {"users", "implied_ids"} & set(vals):
            self.env["discuss.channel"]._collection_sync_members()
        return res
