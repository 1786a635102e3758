from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..models.res_partner import PAUSE_REASONS


class CollectionPauseWizard(models.TransientModel):
    _name = "collection.pause.wizard"
    _description = "Pause Collections or Dispute Invoices"

    mode = fields.Selection([("pause", "Pause"), ("dispute", "Dispute")], required=True, default="pause")
    partner_id = fields.Many2one("res.partner", string="Customer")
    move_ids = fields.Many2many("account.move", string="Invoices")
    reason = fields.Selection(PAUSE_REASONS, default="other")
    until = fields.Date(
        string="Until",
        help="Automatic collections resume by themselves after this date. Leave empty to pause until someone resumes.",
    )
    note = fields.Text()

    @api.model
    def _action_open(self, partner=None, moves=None, mode="pause"):
        moves = moves or self.env["account.move"]
        invalid = moves.filtered(lambda m: m.collection_state in (False, "done", "excluded"))
        if invalid:
            raise UserError(
                _(
                    "Only open, posted customer invoices can be paused or disputed (%s).",
                    ", ".join(invalid.mapped("display_name")),
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": _("Dispute invoices") if mode == "dispute" else _("Pause collections"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_mode": mode,
                "default_partner_id": partner.id if partner else False,
                "default_move_ids": [(6, 0, moves.ids)],
                "default_reason": "dispute" if mode == "dispute" else "other",
            },
        }

    def action_confirm(self):
        self.ensure_one()
        today = fields.Date.context_today(self)
        if self.until and self.until < today:
            raise ValidationError(_("The pause cannot end in the past (%s).", format_date(self.env, self.until)))
        if not self.partner_id and not self.move_ids:
            raise UserError(_("Choose a customer or invoices."))
        user_name = self.env.user.name
        if self.mode == "dispute":
            if not self.move_ids:
                raise UserError(_("Choose the disputed invoices."))
            if not (self.note or "").strip():
                raise UserError(_("Describe the dispute: what does the customer object to?"))
            self.move_ids.write({"collection_disputed": True, "collection_dispute_note": self.note})
            self.move_ids._collection_skip_scheduled(_("Invoice disputed"))
            for move in self.move_ids:
                move.message_post(body=_("Disputed (%(user)s): %(note)s", user=user_name, note=self.note))
            return {"type": "ir.actions.act_window_close"}
        vals = {"collection_paused": True, "collection_pause_reason": self.reason, "collection_pause_until": self.until}
        reason = (
            dict(self._fields["reason"]._description_selection(self.env)).get(self.reason, "") if self.reason else ""
        )
        until = format_date(self.env, self.until) if self.until else _("further notice")
        if self.partner_id:
            # collectors may pause a customer without the right to edit contacts
            partner = self.partner_id.commercial_partner_id.sudo()
            partner.write(dict(vals, collection_pause_note=self.note))
            moves = self.env["account.move"].search(
                [("commercial_partner_id", "=", partner.id), ("collection_state", "=", "paused")]
            )
            moves._collection_skip_scheduled(_("Collections paused"))
            partner.message_post(
                author_id=self.env.user.partner_id.id,
                body=_(
                    "Collections paused by %(user)s (%(reason)s) until %(until)s. %(note)s",
                    user=user_name,
                    reason=reason,
                    until=until,
                    note=self.note or "",
                ),
            )
        if self.move_ids:
            self.move_ids.write(vals)
            self.move_ids._collection_skip_scheduled(_("Collections paused"))
            for move in self.move_ids:
                move.message_post(
                    body=_(
                        "Collections paused by %(user)s (%(reason)s) until %(until)s. %(note)s",
                        user=user_name,
                        reason=reason,
                        until=until,
                        note=self.note or "",
                    )
                )
        return {"type": "ir.actions.act_window_close"}
