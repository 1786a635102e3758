from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class CollectionPolicy(models.Model):
    _name = "collection.policy"
    _description = "Collection Policy"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    code = fields.Char(
        help="Technical code of the policies created by the addon (standard, key_accounts, "
        "late_payers), used to find them again in each company."
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    active = fields.Boolean(default=True)
    is_default = fields.Boolean(
        string="Default Policy",
        help="Used for the customers of this company that have no policy of their own.",
    )
    stage_ids = fields.One2many("collection.policy.stage", "policy_id", string="Stages", copy=True)
    responsible_id = fields.Many2one(
        "res.users",
        string="Default Collector",
        help="Receives the tasks of customers that have neither a collector nor a salesperson.",
    )
    note = fields.Html(translate=True)
    partner_count = fields.Integer(compute="_compute_partner_count")

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("collection_policy_id", "in", self.ids)], ["collection_policy_id"], ["__count"]
            )
        )
        for policy in self:
            policy.partner_count = counts.get(policy, 0)

    def init(self):
        # one default policy per company (see _check_one_default), enforced by the database
        self.env.cr.execute(
            SQL(
                """CREATE UNIQUE INDEX IF NOT EXISTS collection_policy_one_default_per_company
               ON collection_policy (company_id) WHERE is_default AND active"""
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("is_default") and vals.get("active", True):
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                self._check_one_default(company)
        return super().create(vals_list)

    @api.model
    def _default_policy_domain(self, company):
        """The default policy of ``company`` (one per company: :meth:`_check_one_default`)."""
        return [("company_id", "=", company.id), ("is_default", "=", True)]

    def _check_one_default(self, company, exclude=None):
        """One default policy per company: refuse another one than ``exclude`` (these
        policies by default).  Checked before writing, so the user gets this message
        rather than the database's refusal (unique index, :meth:`init`)."""
        if self.search_count(self._default_policy_domain(company) + [("id", "not in", (exclude or self).ids)]):
            raise ValidationError(_("Company %s already has a default collection policy.", company.name))

    @api.constrains("is_default", "active", "company_id")
    def _check_is_default(self):
        for policy in self.filtered(lambda p: p.is_default and p.active):
            policy._check_one_default(policy.company_id)

    @api.constrains("stage_ids", "active", "name")
    def _check_stage_ids(self):
        for policy in self:
            if policy.active and not policy.stage_ids:
                raise ValidationError(_("The collection policy “%s” has no stages: add at least one.", policy.name))
            policy.stage_ids.with_context(collection_policy_write=False)._check_offset_order()

    def action_set_default(self):
        self.ensure_one()
        self.search(self._default_policy_domain(self.company_id)).write({"is_default": False})
        self.is_default = True

    @api.model
    def _get_default(self, company):
        return self.search(self._default_policy_domain(company), limit=1)

    def write(self, vals):
        if vals.get("is_default"):
            for policy in self:
                company = self.env["res.company"].browse(vals.get("company_id")) or policy.company_id
                self._check_one_default(company, exclude=self)
        # stages edited together in one form save are checked once, at the end
        res = super(CollectionPolicy, self.with_context(collection_policy_write=True)).write(vals)
        if {"is_default", "active"} & set(vals):
            self.env["account.move"]._collection_replan_policies(self)
        return res
