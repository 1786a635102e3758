from odoo import _, api, fields, models


class DiscussChannel(models.Model):
    """One *Collections* channel per company: its team alerts, read only by the collection
    users of that company (record rule on ``collection_company_id``), who are its members
    (kept in sync when users, their groups or their companies change)."""

    _inherit = "discuss.channel"

    collection_company_id = fields.Many2one(
        "res.company",
        string="Collections Channel of",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
        help="The collections team channel of this company: only its collection users read it.",
    )

    _sql_constraints = [
        ("collection_company_uniq", "UNIQUE(collection_company_id)", "A company has one collections channel."),
    ]

    @api.model
    def _collection_channel(self, company):
        """The collections channel of ``company`` (as superuser), or an empty recordset."""
        return self.sudo().search([("collection_company_id", "=", company.id)], limit=1)

    @api.model
    def _collection_channel_values(self, company):
        return {
            "name": _("Collections - %s", company.name),
            "channel_type": "channel",
            "description": _(
                "Alerts of the collections cadences of %s (accounts reaching a firm stage, hand-overs).", company.name
            ),
            "group_public_id": self.env.ref("account_collections_mx.group_collection_user").id,
            "collection_company_id": company.id,
        }

    @api.model
    def _collection_sync_members(self, users=None):
        """Members of each company's collections channel = the active internal collection
        users of that company.  ``users``: only their memberships are checked (else all)."""
        self = self.sudo()  # memberships of other users, whoever changed them
        channels = self.with_context(active_test=False).search([("collection_company_id", "!=", False)])
        group = self.env.ref("account_collections_mx.group_collection_user", raise_if_not_found=False)
        if not channels or not group:
            return
        full = users is None
        if full:
            users = group.users | channels.channel_member_ids.partner_id.user_ids
        users = users.sudo().with_context(active_test=False)
        group = group.sudo()
        to_create = []
        to_remove = self.env["discuss.channel.member"].sudo()
        for channel in channels:
            company = channel.collection_company_id
            wanted = users.filtered(
                lambda u, c=company: u.active and not u.share and group in u.groups_id and c in u.company_ids
            ).partner_id
            members = channel.channel_member_ids.filtered("partner_id")
            scope = (members.partner_id | wanted) if full else users.partner_id
            to_remove |= members.filtered(lambda m, s=scope, w=wanted: m.partner_id in s and m.partner_id not in w)
            to_create += [
                {"channel_id": channel.id, "partner_id": partner.id} for partner in wanted - members.partner_id
            ]
        if to_remove:
            to_remove.unlink()
        if to_create:
            self.env["discuss.channel.member"].sudo().create(to_create)
