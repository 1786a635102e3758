import datetime
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression

from ..tools import actions, cfdi, sat_catalogs
from ..tools.cron import CronBudget, collection_may_commit

_logger = logging.getLogger(__name__)

SAT_STATUSES = [
    ("unknown", "Not checked"),
    ("valid", "Valid"),
    ("cancelled", "Cancelled"),
    ("not_found", "Not found"),
    ("error", "Check failed"),
]

#: SAT checks of one invoice happen at most this often (cron)
SAT_RECHECK_HOURS = 24
#: the SAT status cron stops for an hour after this many failed checks in a row
SAT_DOWN_AFTER = 3


class AccountMove(models.Model):
    """CFDI 4.0 data of customer invoices, SAT status and payment complements (REP)."""

    _inherit = "account.move"

    cfdi_uuid = fields.Char(string="Fiscal Folio (UUID)", copy=False, index="btree_not_null", tracking=True)
    cfdi_serie = fields.Char(string="CFDI Serie", copy=False)
    cfdi_folio = fields.Char(string="CFDI Folio", copy=False)
    cfdi_usage = fields.Selection(
        sat_catalogs.selection(sat_catalogs.USAGES),
        string="CFDI Usage",
        compute="_compute_cfdi_usage",
        store=True,
        readonly=False,
        copy=False,
    )
    cfdi_payment_method = fields.Selection(
        sat_catalogs.selection(sat_catalogs.PAYMENT_METHODS),
        string="CFDI Payment Method",
        compute="_compute_cfdi_payment_method",
        store=True,
        readonly=False,
        copy=False,
        help="PUE: paid in one go when issued (by the end of its month). PPD: in instalments "
        "or later; each payment then needs a payment complement (REP).",
    )
    cfdi_payment_method_manual = fields.Boolean(
        string="CFDI Payment Method Chosen",
        copy=False,
        help="Someone chose the payment method (or it came from the stamped CFDI): it is "
        "kept when the dates or payment terms change, instead of being proposed again.",
    )
    cfdi_payment_form = fields.Selection(
        sat_catalogs.selection(sat_catalogs.PAYMENT_FORMS),
        string="CFDI Payment Form",
        compute="_compute_cfdi_payment_form",
        store=True,
        readonly=False,
        copy=False,
        help="PPD invoices use 99 (Por definir); PUE invoices may not.",
    )
    cfdi_receiver_rfc = fields.Char(string="CFDI Receiver RFC", copy=False, readonly=True)
    cfdi_sat_status = fields.Selection(
        SAT_STATUSES, string="SAT Status", default="unknown", required=True, copy=False, readonly=True, tracking=True
    )
    cfdi_sat_checked_at = fields.Datetime(string="SAT Checked On", copy=False, readonly=True)
    cfdi_sat_message = fields.Char(string="SAT Answer", copy=False, readonly=True)
    cfdi_xml_attachment_id = fields.Many2one(
        "ir.attachment", string="CFDI XML", copy=False, readonly=True, ondelete="set null"
    )
    cfdi_complement_required = fields.Boolean(
        string="Payment Complement Due",
        compute="_compute_cfdi_complement",
        store=True,
        help="A payment of this PPD invoice has no payment complement (REP) registered yet.",
    )
    cfdi_complement_due_date = fields.Date(
        string="Complement Due Date",
        compute="_compute_cfdi_complement",
        store=True,
        help="5th day of the month after the oldest payment without a payment complement.",
    )
    cfdi_complement_uuids = fields.Text(
        string="Payment Complements (UUIDs)",
        copy=False,
        tracking=True,
        help="UUIDs of the payment complements (REP) issued for this invoice, one per line.",
    )
    cfdi_complement_payment_count = fields.Integer(
        string="Payments Needing a Complement", compute="_compute_cfdi_complement", store=True
    )
    cfdi_pue_unpaid = fields.Boolean(
        string="PUE Unpaid at Month End",
        compute="_compute_cfdi_pue_unpaid",
        search="_search_cfdi_pue_unpaid",
        help="A PUE invoice still unpaid at the end of its month must be cancelled and reissued as PPD.",
    )

    _sql_constraints = [
        (
            "cfdi_uuid_company_uniq",
            "unique(company_id, cfdi_uuid)",
            "This fiscal folio (UUID) is already registered on another invoice of the company.",
        ),
    ]

    # ------------------------------------------------------------------ helpers
    @api.model
    def _cfdi_normalize_values(self, vals):
        if vals.get("cfdi_uuid"):
            uuid = cfdi.normalize_uuid(vals["cfdi_uuid"])
            if not uuid:
                raise ValidationError(self.env._("%s is not a valid fiscal folio (UUID).", vals["cfdi_uuid"]))
            vals["cfdi_uuid"] = uuid
        if vals.get("cfdi_complement_uuids"):
            vals["cfdi_complement_uuids"] = self._cfdi_clean_uuid_text(vals["cfdi_complement_uuids"])
        return vals

    @api.model
    def _cfdi_clean_uuid_text(self, text):
        bad = cfdi.invalid_uuid_tokens(text)
        if bad:
            raise ValidationError(self.env._("Not a valid payment complement UUID: %s", ", ".join(bad)))
        return "\n".join(cfdi.split_uuids(text)) or False

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._cfdi_normalize_values(vals)
        moves = super().create(vals_list)
        chosen = [
            (move, vals["cfdi_payment_method"])
            for move, vals in zip(moves, vals_list, strict=True)
            if vals.get("cfdi_payment_method") and "cfdi_payment_method_manual" not in vals
        ]
        if chosen:
            moves._cfdi_flag_chosen_method(chosen)
        return moves

    def write(self, vals):
        if "cfdi_uuid" in vals or "cfdi_complement_uuids" in vals:
            vals = self._cfdi_normalize_values(dict(vals))
        res = super().write(vals)
        if "cfdi_payment_method" in vals and "cfdi_payment_method_manual" not in vals:
            self._cfdi_flag_chosen_method([(move, vals["cfdi_payment_method"]) for move in self])
        return res

    def _cfdi_flag_chosen_method(self, written):
        """A payment method written that is not the one the dates and terms propose was
        chosen: keep it from now on. Writing the proposal (what the invoice form sends back
        after an onchange) or clearing it lets the proposal follow the terms again."""
        chosen = self.browse()
        proposed = self.browse()
        for move, value in written:
            if value and value != move._cfdi_proposed_payment_method():
                chosen |= move
            else:
                proposed |= move
        chosen.filtered(lambda m: not m.cfdi_payment_method_manual).write({"cfdi_payment_method_manual": True})
        proposed.filtered("cfdi_payment_method_manual").write({"cfdi_payment_method_manual": False})

    # ------------------------------------------------------------------ computes
    @api.depends("partner_id", "move_type")
    def _compute_cfdi_usage(self):
        for move in self:
            if not move.cfdi_uuid and move.move_type in ("out_invoice", "out_refund"):
                usage = move.partner_id.commercial_partner_id.cfdi_usage
                move.cfdi_usage = usage or move.cfdi_usage

    @api.depends("invoice_date", "invoice_date_due", "move_type", "company_id", "invoice_payment_term_id")
    def _compute_cfdi_payment_method(self):
        """Proposed from the dates and payment terms while nobody chose it."""
        for move in self:
            if move.cfdi_uuid or (move.cfdi_payment_method_manual and move.cfdi_payment_method):
                continue  # the stamped CFDI or the user says it; keep it
            move.cfdi_payment_method = move._cfdi_proposed_payment_method()

    def _cfdi_proposed_payment_method(self):
        """PPD when the invoice is due after the end of its month, else PUE."""
        self.ensure_one()
        if self.country_code != "MX" or self.move_type != "out_invoice":
            return False
        date = self.invoice_date or fields.Date.context_today(self)
        due = self.invoice_date_due or date
        return "PPD" if due > cfdi.month_end(date) else "PUE"

    @api.depends("cfdi_payment_method")
    def _compute_cfdi_payment_form(self):
        for move in self:
            if move.cfdi_payment_method == "PPD":
                move.cfdi_payment_form = "99"
            elif move.cfdi_payment_form == "99":
                move.cfdi_payment_form = False

    @api.depends(
        "cfdi_payment_method",
        "state",
        "move_type",
        "cfdi_complement_uuids",
        "line_ids.matched_credit_ids",
        "line_ids.amount_residual",
        "matched_payment_ids.state",
    )
    def _compute_cfdi_complement(self):
        for move in self:
            dates = []
            if move.cfdi_payment_method == "PPD" and move.state == "posted" and move.move_type == "out_invoice":
                dates = move._cfdi_payment_dates()
            registered = len(cfdi.split_uuids(move.cfdi_complement_uuids))
            required, due = cfdi.pending_complement(dates, registered)
            move.cfdi_complement_required = required
            move.cfdi_complement_due_date = due
            move.cfdi_complement_payment_count = max(len(dates) - registered, 0)

    def _cfdi_payment_dates(self):
        """One date per payment (payment or bank statement line) applied to this invoice.

        Credit notes and exchange differences are no payments: they need no REP.
        """
        self.ensure_one()
        receivable = self.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        payments = {}
        for partial in receivable.matched_credit_ids:
            counterpart = partial.credit_move_id.move_id
            if counterpart.origin_payment_id or counterpart.statement_line_id:
                payments[("move", counterpart.id)] = counterpart.date
        for payment in self.matched_payment_ids:
            if payment.state in ("in_process", "paid") and not payment.move_id:
                payments[("payment", payment.id)] = payment.date
        return list(payments.values())

    def _compute_cfdi_pue_unpaid(self):
        today = fields.Date.context_today(self)
        for move in self:
            move.cfdi_pue_unpaid = (
                move.cfdi_payment_method == "PUE"
                and move.state == "posted"
                and move.move_type == "out_invoice"
                and move.payment_state in ("not_paid", "partial")
                and cfdi.pue_unpaid_due(move.invoice_date, today)
            )

    def _search_cfdi_pue_unpaid(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on PUE unpaid invoices."))
        today = fields.Date.context_today(self)
        # flagged from the last day of the invoice's month: invoice date <= today's month end
        # and its own month end <= today  <=>  invoice month before today's month, or today is
        # the last day of this month
        if cfdi.month_end(today) == today:
            limit = today
        else:
            limit = today.replace(day=1) - datetime.timedelta(days=1)
        domain = [
            ("cfdi_payment_method", "=", "PUE"),
            ("state", "=", "posted"),
            ("move_type", "=", "out_invoice"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("invoice_date", "<=", limit),
        ]
        if (operator == "=") == value:
            return domain
        return ["!", *expression.normalize_domain(domain)]

    # ------------------------------------------------------------------ rules
    @api.constrains("cfdi_payment_method", "cfdi_payment_form")
    def _check_cfdi_payment_form(self):
        for move in self:
            if move.cfdi_payment_method == "PPD" and move.cfdi_payment_form and move.cfdi_payment_form != "99":
                raise ValidationError(
                    self.env._(
                        "%s: a PPD invoice (payment in instalments or deferred) must use payment "
                        "form 99 (Por definir).",
                        move.display_name,
                    )
                )
            if move.cfdi_payment_method == "PUE" and move.cfdi_payment_form == "99":
                raise ValidationError(
                    self.env._(
                        "%s: a PUE invoice (paid in one go) may not use payment form 99 (Por "
                        "definir): choose how it was paid.",
                        move.display_name,
                    )
                )

    # ------------------------------------------------------------------ SAT status
    def _cfdi_sat_params(self):
        self.ensure_one()
        receiver = self.cfdi_receiver_rfc or cfdi.normalize_rfc(self.partner_id.commercial_partner_id.vat)
        return {
            "issuer_rfc": cfdi.normalize_rfc(self.company_id.vat),
            "receiver_rfc": receiver,
            "total": self.amount_total,
            "uuid": self.cfdi_uuid,
        }

    def _cfdi_check_sat_status(self, attempts=None):
        """Ask the SAT the status of these invoices' CFDI; a cancelled CFDI leaves collections.

        Returns ``{status: count}``. Never raises for a network failure: the invoice gets the
        ``error`` status (and is retried by the cron later).
        """
        service = self.env["collection.sat.service"]
        counts = {}
        now = fields.Datetime.now()
        for move in self.filtered("cfdi_uuid"):
            params = move._cfdi_sat_params()
            if attempts:
                params["attempts"] = attempts
            answer = service._consulta(**params)
            status = answer["status"]
            counts[status] = counts.get(status, 0) + 1
            was_cancelled = move.cfdi_sat_status == "cancelled"
            vals = {
                "cfdi_sat_status": status,
                "cfdi_sat_checked_at": now,
                "cfdi_sat_message": (answer.get("message") or "")[:250] or False,
            }
            move.sudo().write(vals)
            if status == "cancelled" and not was_cancelled:
                # written for the company's staff: in its language (the cron has none)
                move.with_context(lang=move.company_id._collection_lang())._cfdi_on_cancelled()
        return counts

    def _cfdi_on_cancelled(self):
        """The SAT says the CFDI is cancelled: out of the cadence, and tell the accountant."""
        self.ensure_one()
        _ = self.env._
        self.sudo().write(
            {
                "collection_excluded": True,
                "collection_exclude_reason": _("CFDI %s cancelled at the SAT", self.cfdi_uuid),
            }
        )
        self._collection_skip_scheduled(_("CFDI cancelled at the SAT"))
        self.sudo()._collection_task(
            self._cfdi_accountant(),
            lambda move: (
                move.env._("CFDI cancelled at the SAT"),
                move.env._(
                    "The SAT reports the CFDI %(uuid)s of %(invoice)s as cancelled: the "
                    "invoice left collections. Cancel or replace it in Odoo.",
                    uuid=move.cfdi_uuid,
                    invoice=move.display_name,
                ),
            ),
        )

    def _cfdi_accountant(self):
        """Who gets the CFDI tasks: the invoice's user if an accountant, else an adviser."""
        self.ensure_one()
        user = self.invoice_user_id
        if user and user.active and user.has_group("account.group_account_invoice"):
            return user
        advisers = (
            self.env.ref("account.group_account_manager")
            .sudo()
            .users.filtered(lambda u: u.active and self.company_id in u.company_ids and not u.share)
        )
        return advisers.sorted("id")[:1] or self.env.user

    def action_cfdi_check_sat_status(self):
        # the answer is written as the engine: only who may edit these invoices asks for it
        self.check_access("write")
        moves = self.filtered("cfdi_uuid")
        if not moves:
            raise UserError(self.env._("Register the CFDI (UUID) of the invoice first."))
        counts = moves._cfdi_check_sat_status()
        labels = dict(self._fields["cfdi_sat_status"]._description_selection(self.env))
        message = ", ".join("%s: %s" % (labels.get(k, k), v) for k, v in sorted(counts.items()))
        return actions.notification(
            message,
            "warning" if set(counts) - {"valid"} else "success",
            title=self.env._("SAT status"),
            then=actions.RELOAD,
        )

    @api.model
    def _cfdi_sat_check_domain(self):
        limit = fields.Datetime.subtract(fields.Datetime.now(), hours=SAT_RECHECK_HOURS)
        return [
            ("cfdi_uuid", "!=", False),
            ("state", "=", "posted"),
            ("move_type", "=", "out_invoice"),
            ("cfdi_sat_status", "!=", "cancelled"),
            ("payment_state", "not in", ("paid", "reversed")),
            "|",
            ("cfdi_sat_checked_at", "=", False),
            ("cfdi_sat_checked_at", "<", limit),
        ]

    @api.model
    def _cron_cfdi_check_sat_status(self, batch_size=None):
        """Check the SAT status of open invoices, oldest-checked first, in batches.

        Made to progress when the SAT is slow or down: one try per invoice with a short
        timeout, a commit after each invoice (outside tests), the call's time budget
        (:class:`CronBudget`), and after ``SAT_DOWN_AFTER`` failures in a row the call stops
        and comes back in an hour.  An invoice whose check failed counts as checked now:
        the next calls start with the others (oldest checked first), never with the same
        failing invoices.
        """

        self = self.sudo()  # every company's invoices, whoever the cron user is
        batch_size = batch_size or int(
            self.env["ir.config_parameter"].get_param("account_collections_mx.sat_status_batch", 50)
        )
        commit = collection_may_commit(self.env)
        budget = CronBudget(self.env)
        domain = self._cfdi_sat_check_domain()
        done = failures = 0
        service_down = False
        while not service_down and not (done and budget.exhausted()):
            moves = self.search(domain, order="cfdi_sat_checked_at ASC NULLS FIRST, id", limit=batch_size)
            if not moves:
                break
            for move in moves:
                if done and budget.exhausted():
                    break
                counts = move._cfdi_check_sat_status(attempts=1)
                done += 1
                failures = failures + 1 if counts.get("error") else 0
                if commit:
                    self.env.cr.commit()  # keep each answer received if the run dies
                if failures >= SAT_DOWN_AFTER:
                    _logger.warning(
                        "SAT status: %s failures in a row, the service looks down; next try in an hour", failures
                    )
                    service_down = True
                    break
            self.env["ir.cron"]._notify_progress(done=done, remaining=self.search_count(domain))
        remaining = self.search_count(domain)
        if remaining:
            self.env.ref("account_collections_mx.ir_cron_cfdi_sat_status")._trigger(
                at=fields.Datetime.now() + datetime.timedelta(hours=1) if service_down else None
            )
        self._cfdi_notify_pue_unpaid()
        return done, remaining

    @api.model
    def _cfdi_notify_pue_unpaid(self):
        """One to-do per PUE invoice unpaid at month end (cancel and reissue as PPD)."""
        moves = self.search([("cfdi_pue_unpaid", "=", True), ("country_code", "=", "MX")])
        source = "PUE invoice unpaid at month end"
        for move in moves:
            user = move._cfdi_accountant()
            # the to-do in the accountant's language (once: in English or in that language)
            summary = move.with_context(lang=user._collection_lang()).env._(source)
            if move.activity_ids.filtered(lambda a, s=summary: a.summary in (s, source)):
                continue
            move._collection_task(
                user,
                lambda move: (
                    move.env._("PUE invoice unpaid at month end"),
                    move.env._(
                        "This PUE invoice is still unpaid at the end of its month: cancel "
                        "its CFDI and reissue it as PPD (payment form 99)."
                    ),
                ),
            )

    # ------------------------------------------------------------------ REP
    def action_cfdi_register_complement(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Register payment complement"),
            "res_model": "collection.cfdi.complement.register",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": [(6, 0, self.ids)]},
        }

    def _cfdi_register_complements(self, uuids):
        """Add REP UUIDs to these invoices (kept once, in order)."""
        for move in self:
            current = cfdi.split_uuids(move.cfdi_complement_uuids)
            new = [u for u in uuids if u not in current]
            if not new:
                continue
            move.write({"cfdi_complement_uuids": "\n".join(current + new)})
            move.message_post(body=self.env._("Payment complement(s) registered: %s", ", ".join(new)))
