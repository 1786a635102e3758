import base64
import datetime
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, format_date

from ..tools import cfdi, sat_catalogs
from ..tools.cadence import SETTLED_PAYMENT_STATES

_logger = logging.getLogger(__name__)

RESULTS = [("matched", "Matched"), ("unmatched", "Unmatched"), ("rejected", "Rejected")]
#: a CFDI without Serie/Folio matches an invoice of the same customer and total issued
#: within this many days of the CFDI's date
DATE_WINDOW_DAYS = 5
#: candidates named in a report line
MAX_CANDIDATES = 10


class CollectionCfdiImport(models.TransientModel):
    """Import several stamped CFDI 4.0 XML files and link each to its invoice."""

    _name = "collection.cfdi.import"
    _description = "Import CFDI XML files"

    company_id = fields.Many2one("res.company", required=True, default=lambda s: s.env.company)
    attachment_ids = fields.Many2many("ir.attachment", string="XML Files")
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    line_ids = fields.One2many("collection.cfdi.import.line", "wizard_id", string="Report")
    matched_count = fields.Integer(compute="_compute_counts")
    unmatched_count = fields.Integer(compute="_compute_counts")
    rejected_count = fields.Integer(compute="_compute_counts")

    @api.depends("line_ids.result")
    def _compute_counts(self):
        for wizard in self:
            results = wizard.line_ids.mapped("result")
            wizard.matched_count = results.count("matched")
            wizard.unmatched_count = results.count("unmatched")
            wizard.rejected_count = results.count("rejected")

    def action_import(self):
        self.ensure_one()
        if not self.attachment_ids:
            raise UserError(self.env._("Add at least one CFDI XML file."))
        if self.company_id not in self.env.user.company_ids:
            raise UserError(self.env._("You cannot import CFDI for %s.", self.company_id.name))
        lines = []
        for attachment in self.attachment_ids:
            name = attachment.name
            try:
                with self.env.cr.savepoint():
                    values = self._import_file(attachment)
            except Exception as exc:  # one bad file never stops the others
                _logger.exception("CFDI import of %s failed", name)
                values = {"result": "rejected", "reason": self.env._("Unexpected error: %s", exc)}
            lines.append((0, 0, {"filename": name, **values}))
        self.write({"line_ids": lines, "state": "done"})
        # uploads that were not attached to an invoice are not kept
        self.attachment_ids.filtered(lambda a: a.res_model != "account.move").unlink()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("CFDI import report"),
        }

    # ------------------------------------------------------------------ one file
    def _reject_message(self, error):
        _ = self.env._
        detail = error.args_detail
        messages = {
            "empty": _("The file is empty."),
            "too_large": _(
                "The file is too large (%(size)s bytes; at most %(max)s).",
                size=detail and detail[0],
                max=detail and detail[-1],
            ),
            "malformed": _("The file is not well-formed XML."),
            "doctype": _("The file declares a DTD or entities, which a CFDI never does: refused for safety."),
            "not_cfdi": _("The file is not a CFDI."),
            "version_33_payment": _(
                "CFDI 3.3 payment complements (Pagos 1.0) are not imported: register their UUID "
                "on the invoice with *Register payment complement*."
            ),
            "version": _("Only CFDI 4.0 and 3.3 are accepted (this file is version %s).", detail and detail[0]),
            "not_invoice": _(
                "The CFDI is neither an invoice nor a payment complement (TipoDeComprobante %s, expected I or P).",
                detail and detail[0],
            ),
            "not_stamped": _("The CFDI is not stamped (no TimbreFiscalDigital / UUID)."),
            "bad_uuid": _("The UUID %s of the CFDI is not valid.", detail and detail[0]),
            "missing": _("The CFDI lacks required data (%s).", detail and detail[0]),
            "bad_total": _("The CFDI has an invalid amount (%s).", detail and detail[0]),
        }
        return messages.get(error.code, error.code)

    def _import_file(self, attachment):
        _ = self.env._
        data = base64.b64decode(attachment.datas or b"")
        try:
            values = cfdi.parse_document(data)
            if values["type"] == "P":
                return self._import_complement(attachment, values, data)
        except cfdi.CfdiError as error:
            return {"result": "rejected", "reason": self._reject_message(error)}
        company = self.company_id
        base = {
            "uuid": values["uuid"],
            "serie": values["serie"],
            "folio": values["folio"],
            "total": float(values["total"]),
            "receiver_rfc": values["receiver_rfc"],
        }
        problem = self._check_issuer(values)
        if problem:
            return {**base, "result": "rejected", "reason": problem}
        Move = self.env["account.move"]
        owner = Move.search([("company_id", "=", company.id), ("cfdi_uuid", "=", values["uuid"])], limit=1)
        move, problem = self._find_invoice(values)
        if owner and (not move or owner != move):
            return {
                **base,
                "result": "rejected",
                "move_id": owner.id,
                "reason": _(
                    "UUID %(uuid)s is already registered on %(invoice)s.",
                    uuid=values["uuid"],
                    invoice=owner.display_name,
                ),
            }
        if not move:
            candidates = problem[1] if isinstance(problem, tuple) else Move
            reason = problem[0] if isinstance(problem, tuple) else problem
            return {**base, "result": "unmatched", "reason": reason, "candidate_ids": [(6, 0, candidates.ids)]}
        if move.cfdi_uuid and move.cfdi_uuid != values["uuid"]:
            return {
                **base,
                "result": "rejected",
                "move_id": move.id,
                "reason": _(
                    "%(invoice)s already has the UUID %(current)s; this file carries %(uuid)s. Nothing was changed.",
                    invoice=move.display_name,
                    current=move.cfdi_uuid,
                    uuid=values["uuid"],
                ),
            }
        notes = self._apply(move, values, attachment, data)
        if problem:  # how it was found, when not by its number
            notes.insert(0, problem)
        if values["version"] == "3.3":
            notes.insert(0, _("CFDI 3.3."))
        return {**base, "result": "matched", "move_id": move.id, "reason": " ".join(notes) or False}

    def _check_issuer(self, values):
        """Reason to reject a CFDI not issued by this company, else False."""
        _ = self.env._
        company = self.company_id
        company_rfc = cfdi.normalize_rfc(company.vat)
        if not company_rfc:
            return _("Set the RFC of %s first.", company.name)
        if values["issuer_rfc"] != company_rfc:
            return _(
                "Issued by RFC %(issuer)s, not by %(company)s (RFC %(rfc)s).",
                issuer=values["issuer_rfc"],
                company=company.name,
                rfc=company_rfc,
            )
        return False

    def _import_complement(self, attachment, values, data):
        """A payment complement (REP): register its UUID on the invoices it pays."""
        _ = self.env._
        base = {
            "uuid": values["uuid"],
            "serie": values["serie"],
            "folio": values["folio"],
            "receiver_rfc": values["receiver_rfc"],
            "total": float(sum(p["amount"] for p in values["payments"])),
        }
        problem = self._check_issuer(values)
        if problem:
            return {**base, "result": "rejected", "reason": problem}
        Move = self.env["account.move"]
        if Move.search_count([("cfdi_uuid", "=", values["uuid"])], limit=1):
            return {
                **base,
                "result": "rejected",
                "reason": _("UUID %s is an invoice's, not a payment complement's.", values["uuid"]),
            }
        related = [u for p in values["payments"] for u in p["invoices"]]
        invoices = Move.search(
            [
                ("company_id", "=", self.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("cfdi_uuid", "in", related),
            ]
        )
        if not invoices:
            return {
                **base,
                "result": "unmatched",
                "reason": _(
                    "Payment complement: none of its invoices (%s) is registered in this company.",
                    ", ".join(related) or "-",
                ),
            }
        invoices._cfdi_register_complements([values["uuid"]])
        for invoice in invoices:
            self._attach_xml(invoice, attachment.name or "%s.xml" % values["uuid"], data)
        missing = set(related) - set(invoices.mapped("cfdi_uuid"))
        reason = _("Payment complement registered on %s.", ", ".join(invoices.mapped("name")))
        if missing:
            reason += " " + _("Unknown invoices: %s.", ", ".join(sorted(missing)))
        return {**base, "result": "matched", "move_id": invoices[:1].id, "reason": reason}

    def _attach_xml(self, move, name, data):
        return self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": data,
                "mimetype": "application/xml",
                "res_model": "account.move",
                "res_id": move.id,
            }
        )

    def _find_invoice(self, values):
        """The posted invoice of this company for this CFDI: ``(invoice, note)``, or
        ``(False, why not)`` / ``(False, (why not, candidates))``.

        By Serie/Folio (or the invoice number) first. Serie and Folio are optional in a CFDI
        and the PAC's numbering often differs from Odoo's: without a match by number, the one
        invoice of the receiver's RFC with the same total and currency, issued within a few
        days of the CFDI and not linked to another CFDI yet, is the one.
        """
        _ = self.env._
        numbers = cfdi.invoice_numbers(values["serie"], values["folio"])
        if numbers:
            domain = [
                ("company_id", "=", self.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                "|",
                ("name", "in", numbers),
                "&",
                ("cfdi_serie", "=", values["serie"] or False),
                ("cfdi_folio", "=", values["folio"]),
            ]
            candidates = self.env["account.move"].search(domain)
            if candidates:
                return self._find_by_number(values, candidates)
        move, problem = self._find_by_amount(values)
        if move:
            if numbers:
                note = _(
                    "No invoice is numbered %(number)s: matched by customer RFC, total and date.",
                    number=" / ".join(numbers[:2]),
                )
            else:
                note = _("The CFDI has no Serie/Folio: matched by customer RFC, total and date.")
            return move, note
        if numbers and not isinstance(problem, tuple):
            problem = " ".join([_("No posted invoice numbered %s.", " / ".join(numbers[:2])), problem])
        return False, problem

    def _find_by_number(self, values, candidates):
        _ = self.env._
        receiver = values["receiver_rfc"]
        matched = candidates.filtered(lambda m: self._same_amount(m, values))
        if not matched:
            return False, _(
                "Invoice %(invoice)s has another total or currency (%(amount)s %(cur)s in the CFDI).",
                invoice=candidates[0].display_name,
                amount=values["total"],
                cur=values["currency"],
            )
        by_rfc = matched.filtered(lambda m: self._rfc_matches(m, receiver))
        if not by_rfc:
            return False, _(
                "Invoice %(invoice)s belongs to a customer whose RFC is not %(rfc)s.",
                invoice=matched[0].display_name,
                rfc=receiver,
            )
        if len(by_rfc) > 1:
            return False, (
                _("Several invoices match (%s): register the UUID by hand.", ", ".join(by_rfc.mapped("display_name"))),
                by_rfc,
            )
        return by_rfc, False

    def _same_amount(self, move, values):
        return (
            move.currency_id.name == values["currency"]
            and float_compare(move.amount_total, float(values["total"]), precision_rounding=move.currency_id.rounding)
            == 0
        )

    def _find_by_amount(self, values):
        """The one invoice of the receiver with this total, currency and (about) date."""
        _ = self.env._
        total = float(values["total"])
        currency = self.env["res.currency"].search([("name", "=", values["currency"])], limit=1)
        if not currency:
            return False, _("Unknown currency %s.", values["currency"])
        half_cent = currency.rounding / 2
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("cfdi_uuid", "=", False),
                ("currency_id", "=", currency.id),
                ("amount_total", ">=", total - half_cent),
                ("amount_total", "<=", total + half_cent),
            ],
            order="invoice_date desc, id desc",
        )
        receiver = values["receiver_rfc"]
        fits = moves.filtered(lambda m: self._same_amount(m, values) and self._rfc_matches(m, receiver))
        what = _(
            "%(amount)s %(currency)s for RFC %(rfc)s",
            amount=values["total_text"] or total,
            currency=values["currency"],
            rfc=receiver,
        )
        if not fits:
            return False, _("No posted invoice without a fiscal folio fits (%s).", what)
        day = values["date"] and values["date"].date()
        if day:
            window = datetime.timedelta(days=DATE_WINDOW_DAYS)
            near = fits.filtered(lambda m: m.invoice_date and abs(m.invoice_date - day) <= window)
        else:
            near = fits
        if len(near) > 1:
            still_open = near.filtered(lambda m: m.payment_state not in SETTLED_PAYMENT_STATES)
            near = still_open or near
        if len(near) == 1:
            return near, False
        listed = (near or fits)[:MAX_CANDIDATES]
        names = ", ".join(
            self.env._("%(invoice)s of %(date)s", invoice=m.display_name, date=format_date(self.env, m.invoice_date))
            for m in listed
        )
        if not near:
            return False, (
                _(
                    "No invoice %(what)s was issued within %(days)s days of the CFDI "
                    "(%(date)s). Candidates: %(names)s. Register the UUID on the right "
                    "one by hand.",
                    what=what,
                    days=DATE_WINDOW_DAYS,
                    date=format_date(self.env, day),
                    names=names,
                ),
                listed,
            )
        return False, (
            _(
                "Several invoices fit (%(what)s): %(names)s. Register the UUID on the right one by hand.",
                what=what,
                names=names,
            ),
            listed,
        )

    def _rfc_matches(self, move, receiver):
        partner_rfc = cfdi.normalize_rfc(move.partner_id.commercial_partner_id.vat)
        if partner_rfc == receiver:
            return True
        # público en general / foreign customer: the customer may have no Mexican RFC
        return receiver in sat_catalogs.GENERIC_RFCS and cfdi.check_rfc(partner_rfc) is not None

    def _apply(self, move, values, attachment, data):
        _ = self.env._
        notes = []
        vals = {
            "cfdi_uuid": values["uuid"],
            "cfdi_serie": values["serie"] or False,
            "cfdi_folio": values["folio"] or False,
            "cfdi_receiver_rfc": values["receiver_rfc"],
        }
        for key, field in (
            ("usage", "cfdi_usage"),
            ("payment_method", "cfdi_payment_method"),
            ("payment_form", "cfdi_payment_form"),
        ):
            code = values[key]
            if code and code in dict(move._fields[field].selection):
                vals[field] = code
            elif code:
                notes.append(_("Unknown %(field)s code %(code)s ignored.", field=field, code=code))
        if not move.cfdi_xml_attachment_id or move.cfdi_uuid != values["uuid"]:
            xml = self._attach_xml(move, attachment.name or "%s.xml" % values["uuid"], data)
            vals["cfdi_xml_attachment_id"] = xml.id
        else:
            notes.append(_("Already imported."))
        move.write(vals)
        partner = move.partner_id.commercial_partner_id
        partner_vals = {}
        if not partner.cfdi_tax_regime and values["receiver_regime"] in dict(
            partner._fields["cfdi_tax_regime"].selection
        ):
            partner_vals["cfdi_tax_regime"] = values["receiver_regime"]
        usages = dict(partner._fields["cfdi_usage"].selection)
        if not partner.cfdi_usage and values["usage"] in usages:
            partner_vals["cfdi_usage"] = values["usage"]
        if partner_vals and partner.has_access("write"):
            partner.write(partner_vals)
            notes.append(_("Customer tax regime / usage completed from the CFDI."))
        elif partner_vals:
            notes.append(
                _("The customer has no tax regime / usage: complete it (%s).", ", ".join(partner_vals.values()))
            )
        if (
            values["receiver_zip"]
            and partner.zip
            and partner.zip != values["receiver_zip"]
            and values["receiver_rfc"] not in sat_catalogs.GENERIC_RFCS
        ):
            notes.append(
                _(
                    "The CFDI's fiscal postal code %(cfdi)s differs from the customer's %(zip)s.",
                    cfdi=values["receiver_zip"],
                    zip=partner.zip,
                )
            )
        if "cfdi_xml_attachment_id" in vals:
            move.message_post(
                body=_("CFDI %s imported.", values["uuid"]), attachment_ids=[vals["cfdi_xml_attachment_id"]]
            )
        return notes


class CollectionCfdiImportLine(models.TransientModel):
    _name = "collection.cfdi.import.line"
    _description = "CFDI import report line"
    _order = "id"

    wizard_id = fields.Many2one("collection.cfdi.import", required=True, ondelete="cascade")
    filename = fields.Char(string="File")
    result = fields.Selection(RESULTS, required=True)
    reason = fields.Char()
    uuid = fields.Char(string="UUID")
    serie = fields.Char()
    folio = fields.Char()
    total = fields.Float()
    receiver_rfc = fields.Char(string="Receiver RFC")
    move_id = fields.Many2one("account.move", string="Invoice")
    candidate_ids = fields.Many2many(
        "account.move",
        string="Candidates",
        help="Invoices that could be this CFDI's: register its UUID on the right one by hand.",
    )
