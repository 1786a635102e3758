"""The customer's own page ("Mi estado de cuenta"): one link per customer and company.

A ``collection.portal.access`` row binds a commercial partner to a company.  It holds:

* the **SPEI reference** of that customer in that company (7 digits with a Damm check
  digit, see tools/portal.py), drawn once from a sequence, never changed, never reused:
  the database refuses a second customer with the same reference in a company;
* the secret of the customer's **link**, ``/mi-estado-de-cuenta/<id>-<secret>``: the
  secret is 32 random URL-safe characters compared in constant time; *Reset customer
  link* draws a new one and every older link answers 404.

Partners may be shared by several companies: each company gets its own row, so its own
reference and its own link, and a link shows that company only.

Everything here runs as superuser on purpose, but only on the row found from a valid
link (or created for a customer by the addon's own code): the methods are private and
never take records chosen by an RPC caller.
"""

import re
import secrets
from collections import defaultdict

import psycopg2
from markupsafe import escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import consteq, format_amount, format_date

from ..tools import cadence, contact_rules, portal
from ..tools.channels import CONTACT_CHANNELS

PORTAL_ROUTE = "/mi-estado-de-cuenta"
_TOKEN_RE = re.compile(r"(\d{1,12})-([A-Za-z0-9_-]{32,64})")

DISPUTE_REASONS = ["wrong_amount", "not_received", "already_paid", "other"]
PREFERENCES = ["no_whatsapp", "no_contact"]


class CollectionPortalAccess(models.Model):
    _name = "collection.portal.access"
    _description = "Customer Page Link and SPEI Reference"
    _rec_name = "partner_id"
    _order = "id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade", readonly=True)
    spei_reference = fields.Char(
        string="SPEI Reference", required=True, readonly=True, size=portal.SPEI_REFERENCE_DIGITS
    )
    access_token = fields.Char(
        required=True, readonly=True, copy=False, groups="account_collections_mx.group_collection_user"
    )
    token_date = fields.Datetime(string="Link Created", readonly=True)
    last_visit = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("partner_company_uniq", "UNIQUE(partner_id, company_id)", "A customer has one page per company."),
        (
            "spei_reference_uniq",
            "UNIQUE(company_id, spei_reference)",
            "A SPEI reference belongs to one customer of a company.",
        ),
        ("access_token_uniq", "UNIQUE(access_token)", "Customer links are unique."),
        ("spei_reference_digits", "CHECK(spei_reference ~ '^[1-9][0-9]{6}$')", "A SPEI reference has 7 digits."),
    ]

    def write(self, vals):
        if "spei_reference" in vals or "partner_id" in vals or "company_id" in vals:
            raise UserError(_("A customer's SPEI reference is never changed nor reused."))
        return super().write(vals)

    # ------------------------------------------------------------------ links
    @api.model
    def _collection_get(self, partner, company):
        """The row of a customer (its commercial entity) in a company, created on first use
        with a new SPEI reference and a new secret."""
        partner = partner.commercial_partner_id
        partner.ensure_one()
        company.ensure_one()
        Access = self.sudo()
        access = Access.search([("partner_id", "=", partner.id), ("company_id", "=", company.id)], limit=1)
        if access:
            return access
        if self.env.cr.readonly:
            # a read-only request (e.g. the statement PDF printed for a new customer): Odoo
            # runs it again on a read/write cursor, as on the database's own refusal, but
            # without an SQL error in the log
            raise psycopg2.errors.ReadOnlySqlTransaction("the first link of a customer is written")
        sequence = self.env.ref("account_collections_mx.seq_collection_spei_reference").sudo()
        try:
            reference = portal.spei_reference(int(sequence.next_by_id()))
        except ValueError as error:
            raise UserError(_("No SPEI reference is left for new customers: %s", error)) from None
        try:
            with self.env.cr.savepoint():
                access = Access.create(
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "spei_reference": reference,
                        "access_token": self._collection_new_secret(),
                        "token_date": fields.Datetime.now(),
                    }
                )
                access.flush_recordset()
        except psycopg2.errors.UniqueViolation:
            # created meanwhile by a concurrent transaction for the same customer
            access = Access.search([("partner_id", "=", partner.id), ("company_id", "=", company.id)], limit=1)
            if not access:
                raise
        return access

    @api.model
    def _collection_new_secret(self):
        return secrets.token_urlsafe(24)  # 32 characters, 192 bits

    def _collection_token(self):
        self.ensure_one()
        return f"{self.id}-{self.sudo().access_token}"

    def _collection_url(self):
        self.ensure_one()
        return f"{self.partner_id.get_base_url()}{PORTAL_ROUTE}/{self._collection_token()}"

    @api.model
    def _collection_from_token(self, token):
        """The row a link opens, or an empty recordset: a malformed link, an unknown row and a
        wrong or reset secret are not told apart."""
        match = _TOKEN_RE.fullmatch(token or "")
        if not match:
            return self.browse()
        access = self.sudo().browse(int(match.group(1))).exists()
        secret = access.access_token if access else "x" * len(match.group(2))
        if not consteq(secret, match.group(2)) or not access:
            return self.browse()
        if not access.company_id.active:
            return self.browse()
        return access

    def _collection_reset(self):
        """A new secret: every link sent before stops working."""
        for access in self.sudo():
            access.write({"access_token": self._collection_new_secret(), "token_date": fields.Datetime.now()})
            access.partner_id.message_post(
                body=_(
                    "Customer page link of %(company)s reset by %(user)s: the links sent before no longer open it.",
                    company=access.company_id.name,
                    user=self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # ------------------------------------------------------------------ what the page shows
    def _collection_today(self):
        self.ensure_one()
        tz = self.partner_id._collection_tz(self.company_id)
        return contact_rules.to_local(fields.Datetime.now(), tz).date()

    def _collection_open_moves(self):
        """Open customer invoices of the customer (and its contacts) in this company."""
        self.ensure_one()
        return (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("commercial_partner_id", "=", self.partner_id.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("amount_residual", ">", 0),
                ],
                order="invoice_date_due asc, id asc",
            )
        )

    def _collection_credits(self):
        """Credit of the customer not applied yet (credit notes, payments): {currency: amount}."""
        self.ensure_one()
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", self.company_id.id),
                    ("partner_id", "child_of", self.partner_id.id),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                    ("amount_residual", "<", 0),
                ],
                ["currency_id"],
                ["amount_residual_currency:sum"],
            )
        )
        return {currency: -amount for currency, amount in groups if amount}

    def _collection_move_status(self, move, today):
        """(label, Bootstrap colour) of an invoice as the customer should read it."""
        if move.collection_disputed:
            return _("Problem reported: we are reviewing it"), "warning"
        if move.collection_paused and move.collection_pause_reason == "proof":
            return _("Proof of payment received: being checked"), "info"
        if move.collection_promise_until:
            promise = move.collection_promise_ids.filtered(lambda p: p.state == "open")[:1]
            if promise:
                return _("Payment promised for %s", format_date(self.env, promise.promised_date)), "info"
        due = move.invoice_date_due or move.invoice_date
        days = cadence.days_overdue(due, today)
        if days == 1:
            return _("Overdue by 1 day"), "danger"
        if days > 1:
            return _("Overdue by %s days", days), "danger"
        if due == today:
            return _("Due today"), "warning"
        return _("Not yet due"), "success"

    def _collection_online_payment(self):
        """Whether customers can pay online (Odoo's account_payment with a provider enabled
        for this company): each invoice's own portal page then offers *Pay now*."""
        self.ensure_one()
        if "payment.provider" not in self.env:
            return False
        return bool(
            self.env["payment.provider"]
            .sudo()
            .search_count([("state", "in", ("enabled", "test")), ("company_id", "=", self.company_id.id)], limit=1)
        )

    def _collection_page_values(self):
        """Everything the page shows, formatted in the context's language."""
        self.ensure_one()
        env = self.env
        company = self.company_id
        today = self._collection_today()
        moves = self._collection_open_moves()
        online = self._collection_online_payment()
        if online:
            moves._collection_ensure_tokens()
        totals = defaultdict(float)
        lines = []
        for move in moves:
            totals[move.currency_id] += move.amount_residual
            label, colour = self._collection_move_status(move, today)
            due = move.invoice_date_due or move.invoice_date
            lines.append(
                {
                    "id": move.id,
                    "name": move.name,
                    "date": format_date(env, move.invoice_date),
                    "due": format_date(env, due),
                    "due_iso": due.isoformat() if due else "",
                    "days_overdue": cadence.days_overdue(due, today),
                    "amount_total": format_amount(env, move.amount_total, move.currency_id),
                    "amount_due": format_amount(env, move.amount_residual, move.currency_id),
                    "amount_due_raw": move.amount_residual,
                    "currency": move.currency_id.name,
                    "status": label,
                    "status_colour": colour,
                    "disputed": move.collection_disputed,
                    "uuid": move.cfdi_uuid,
                    "has_xml": bool(move.cfdi_xml_attachment_id),
                    "pay_url": move._collection_payment_link() if online else False,
                }
            )
        # the promise form starts with the overdue invoices of one currency (the company's
        # when it has some), else all the invoices of that currency
        currencies = moves.currency_id
        promise_currency = company.currency_id if company.currency_id in currencies else currencies[:1]
        same = moves.filtered(lambda m: m.currency_id == promise_currency)
        overdue = same.filtered(lambda m: cadence.days_overdue(m.invoice_date_due or m.invoice_date, today) > 0)
        promise_moves = overdue or same
        credits = self._collection_credits()
        oldest = min((m.invoice_date_due or m.invoice_date for m in moves), default=False)
        max_date = fields.Date.add(today, days=company.collection_portal_promise_days)
        partner = self.partner_id
        return {
            "access": self,
            "company": company,
            "partner": partner,
            "lines": lines,
            "totals": [
                {"currency": c.name, "amount": format_amount(env, amount, c)}
                for c, amount in sorted(totals.items(), key=lambda i: i[0].name)
            ],
            "credits": [
                {"currency": c.name, "amount": format_amount(env, amount, c)}
                for c, amount in sorted(credits.items(), key=lambda i: i[0].name)
            ],
            "currencies": sorted({m.currency_id.name for m in moves}),
            "promise_move_ids": {str(i) for i in promise_moves.ids},
            "promise_amount": "%.2f" % sum(promise_moves.mapped("amount_residual")),
            "promise_currency": promise_currency.name or "",
            "oldest_due": format_date(env, oldest) if oldest else False,
            "overdue_count": sum(1 for line in lines if line["days_overdue"] > 0),
            "bank": company._collection_receipt_bank_info(),
            "spei_reference": self.spei_reference,
            "online_payment": online,
            "today_iso": today.isoformat(),
            "max_promise_iso": max_date.isoformat(),
            "max_promise_days": company.collection_portal_promise_days,
            "max_proof_mb": portal.MAX_PROOF_BYTES // (1024 * 1024),
            "no_whatsapp": partner.collection_whatsapp_opt_out,
            "no_contact": partner.collection_do_not_contact,
            "contact_email": company.email or "",
            "contact_phone": company.phone or "",
        }

    # ------------------------------------------------------------------ what the page records
    def _collection_log(self, action, details, ip=None, state="sent", error=False, message=None, activity=None):
        """One line of the contact log (channel *Customer page*) for what the customer did."""
        self.ensure_one()
        now = fields.Datetime.now()
        return (
            self.env["collection.event"]
            .sudo()
            .create(
                {
                    "partner_id": self.partner_id.id,
                    "company_id": self.company_id.id,
                    "channel": "portal",
                    "direction": "in",  # what the customer did: part of its side of the conversation
                    "state": state,
                    "scheduled_at": now,
                    "done_at": now,
                    "portal_action": action,
                    "portal_ip": (ip or "")[:64] or False,
                    "portal_details": details,
                    "error": error or False,
                    "mail_message_id": message.id if message else False,
                    "activity_id": activity.id if activity else False,
                }
            )
        )

    def _collection_log_visit(self, ip=None):
        """The page was opened: logged once a day (collectors see that the customer looked)."""
        self.ensure_one()
        today_start = fields.Datetime.to_datetime(fields.Date.today())
        self.sudo().last_visit = fields.Datetime.now()
        seen = (
            self.env["collection.event"]
            .sudo()
            .search_count(
                [
                    ("partner_id", "=", self.partner_id.id),
                    ("company_id", "=", self.company_id.id),
                    ("channel", "=", "portal"),
                    ("portal_action", "=", "view"),
                    ("create_date", ">=", today_start),
                ],
                limit=1,
            )
        )
        if not seen:  # in the company's language, like the rest of its contact log
            staff = self._collection_staff()
            staff._collection_log("view", staff.env._("The customer opened its page."), ip=ip)

    def _collection_staff(self):
        """This row in the language of the company's staff: what the page records for them
        (contact log, chatter notes) is written in it, whatever the customer reads."""
        return self.with_context(lang=self.company_id._collection_lang())

    def _collection_log_refused(self, action, params, files, error, ip=None):
        """A form refused: logged *failed* with what was posted (in the company's language:
        its labels, amounts and dates as its staff reads them) and the message shown."""
        self.ensure_one()
        self = self._collection_staff()
        parts = []
        ids = portal.parse_ids((params.get("move_ids") or []) + ([params["move_id"]] if params.get("move_id") else []))
        mine = self.env["account.move"]
        if ids:
            mine = self._collection_open_moves().filtered(lambda m: m.id in ids)
            parts.append(", ".join(mine.mapped("name")) or "-")
            if len(mine) != len(ids):
                parts.append(_("%s invoice id(s) not of this account", len(ids) - len(mine)))
        parts += self._collection_posted_values(params, mine)
        upload = (files or {}).get("proof")
        if upload is not None and getattr(upload, "filename", None):
            parts.append(_("file %s", str(upload.filename)[:80]))
        details = "%s%s" % ("; ".join(parts), self._collection_ip_note(ip))
        return self._collection_log(action, details, ip=ip, state="failed", error=error)

    def _collection_posted_values(self, params, moves):
        """``Label: value`` of the fields a form posted (date, amount, problem, preference),
        values formatted in the context's language; what cannot be read is kept as typed."""
        parts = []
        raw = {key: str(params[key])[:40] for key in ("date", "amount", "reason", "preference") if params.get(key)}
        if "date" in raw:
            try:
                date = format_date(self.env, fields.Date.to_date(raw["date"]))
            except ValueError:
                date = raw["date"]
            parts.append(_("Date: %s", date))
        if "amount" in raw:
            amount = portal.parse_amount(raw["amount"])
            currency = moves.currency_id if len(moves.currency_id) == 1 else self.company_id.currency_id
            parts.append(
                _("Amount: %s", raw["amount"] if amount is None else format_amount(self.env, amount, currency))
            )
        if "reason" in raw:
            parts.append(_("Problem: %s", self._collection_dispute_labels().get(raw["reason"], raw["reason"])))
        if "preference" in raw:
            parts.append(
                _("Preference: %s", self._collection_preference_labels().get(raw["preference"], raw["preference"]))
            )
        return parts

    def _collection_preference_labels(self):
        return {
            "no_whatsapp": _("No WhatsApp messages"),
            "no_contact": _("No collection messages (do not contact)"),
        }

    def _collection_rate_exceeded(self):
        """Too many forms posted from this link in the last hour (accepted or refused)."""
        self.ensure_one()
        since = fields.Datetime.subtract(fields.Datetime.now(), seconds=portal.RATE_LIMIT_WINDOW_SECONDS)
        count = (
            self.env["collection.event"]
            .sudo()
            .search_count(
                [
                    ("partner_id", "=", self.partner_id.id),
                    ("company_id", "=", self.company_id.id),
                    ("channel", "=", "portal"),
                    ("portal_action", "!=", "view"),
                    ("create_date", ">=", since),
                ]
            )
        )
        return count >= portal.RATE_LIMIT_ACTIONS

    def _collection_moves_from(self, values, single=False):
        """The invoices named by a form (ids), each checked to be an open invoice of this
        customer in this company; anything else is refused as a whole."""
        self.ensure_one()
        ids = portal.parse_ids(values)
        if ids is None:
            raise ValidationError(_("The invoices chosen are not valid. Reload the page and try again."))
        if not ids:
            raise ValidationError(_("Choose at least one invoice."))
        if single and len(ids) != 1:
            raise ValidationError(_("Choose one invoice."))
        moves = self._collection_open_moves().filtered(lambda m: m.id in ids)
        if len(moves) != len(ids):
            raise ValidationError(
                _("One of the invoices chosen is not an open invoice of this account. Reload the page and try again.")
            )
        return moves

    def _collection_responsible(self, moves=None):
        self.ensure_one()
        moves = moves or self.env["account.move"]
        return (
            self.partner_id._collection_responsible(moves[:1].collection_policy_id)
            or moves[:1].invoice_user_id
            or self.env.ref("base.user_admin")
        )

    def _collection_accountant(self):
        """Who checks a proof of payment: the first invoicing administrator of the company
        (else the customer's collector)."""
        self.ensure_one()
        group = self.env.ref("account.group_account_manager")
        users = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", group.ids),
                    ("share", "=", False),
                    ("company_ids", "in", self.company_id.ids),
                    ("id", "!=", self.env.ref("base.user_root").id),
                ],
                order="id",
                limit=1,
            )
        )
        return users or self._collection_responsible()

    def _collection_author(self):
        """Messages of the customer are written in its name, as internal notes (the
        customer's own followers are never emailed its own words)."""
        return {"author_id": self.partner_id.id, "message_type": "comment", "subtype_xmlid": "mail.mt_note"}

    @staticmethod
    def _collection_ip_note(ip):
        return f" (IP {ip})" if ip else ""

    def _collection_submit(self, action, params, files=None, ip=None):
        """Apply a form the customer posted; returns the contact-log line, or a dict
        ``{"ask_proof": invoice}`` when a reported problem is in fact a payment.

        Raises ValidationError (in the context's language) on bad input: the caller runs
        this in a savepoint, so nothing is half-written.
        """
        self.ensure_one()
        handler = {
            "promise": self._collection_submit_promise,
            "dispute": self._collection_submit_dispute,
            "proof": self._collection_submit_proof,
            "preferences": self._collection_submit_preferences,
        }.get(action)
        if not handler:
            raise ValidationError(_("Unknown action."))
        return handler(params or {}, files or {}, ip)

    def _collection_submit_promise(self, params, _files, ip):
        moves = self._collection_moves_from(params.get("move_ids"))
        currency = moves.currency_id
        if len(currency) != 1:
            raise ValidationError(_("Promise invoices of one currency at a time."))
        try:
            promised = fields.Date.to_date(params.get("date") or None)
        except ValueError:
            promised = None
        if not promised:
            raise ValidationError(_("Choose the date you will pay."))
        today = self._collection_today()
        company = self.company_id
        error = portal.promise_date_error(promised, today, company.collection_portal_promise_days)
        if error == "past":
            raise ValidationError(_("The payment date cannot be in the past."))
        if error == "too_late":
            raise ValidationError(
                _(
                    "The payment date can be at most %(days)s days from today (%(date)s). For a "
                    "longer term, please contact us.",
                    days=company.collection_portal_promise_days,
                    date=format_date(self.env, fields.Date.add(today, days=company.collection_portal_promise_days)),
                )
            )
        amount = portal.parse_amount(params.get("amount"))
        if not amount or amount <= 0:
            raise ValidationError(_("Enter the amount you will pay, e.g. 1500.00."))
        due = sum(moves.mapped("amount_residual"))
        if currency.compare_amounts(amount, due + company.collection_tolerance) > 0:
            raise ValidationError(
                _(
                    "The amount promised (%(amount)s) is more than what these invoices owe (%(due)s).",
                    amount=format_amount(self.env, amount, currency),
                    due=format_amount(self.env, due, currency),
                )
            )
        comment = (params.get("comment") or "").strip()[:1000]
        amount_company = currency._convert(amount, company.currency_id, company, today)
        # what is recorded for the staff: in the company's language
        staff = self._collection_staff()
        note = staff._collection_promise_note(amount, currency, promised, moves, comment)
        promise = (
            staff.env["collection.promise"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "company_id": company.id,
                    "partner_id": self.partner_id.id,
                    "move_ids": [(6, 0, moves.ids)],
                    "amount": amount_company,
                    "promised_date": promised,
                    "promise_date": today,
                    "note": note,
                    "user_id": False,
                    "source": "portal",
                }
            )
        )
        moves.with_env(staff.env)._collection_skip_scheduled(staff.env._("Promise to pay"))
        activity = promise._collection_task(
            self._collection_responsible(moves),
            lambda record: (
                record.env._("Promise to pay from the customer page: %s", self.partner_id.name),
                self.with_env(record.env)._collection_promise_note(amount, currency, promised, moves, comment),
            ),
            date_deadline=promised,
        )
        message = promise.message_post(
            body=escape(note) + escape(self._collection_ip_note(ip)), **self._collection_author()
        )
        details = note + self._collection_ip_note(ip)
        return staff._collection_log("promise", details, ip=ip, message=message, activity=activity)

    def _collection_promise_note(self, amount, currency, promised, moves, comment):
        """What a promise made on the page says (context's language)."""
        note = _(
            "Promised on the customer page: %(amount)s by %(date)s for %(moves)s.",
            amount=format_amount(self.env, amount, currency),
            date=format_date(self.env, promised),
            moves=", ".join(moves.mapped("name")),
        )
        if comment:
            note += "\n" + _("Customer's note: %s", comment)
        return note

    def _collection_submit_dispute(self, params, _files, ip):
        move = self._collection_moves_from(params.get("move_id"), single=True)
        reason = params.get("reason")
        if reason not in DISPUTE_REASONS:
            raise ValidationError(_("Choose what the problem is."))
        if reason == "already_paid":
            return {"ask_proof": move}
        comment = (params.get("comment") or "").strip()[:2000]
        if reason in ("wrong_amount", "other") and len(comment) < 3:
            raise ValidationError(_("Tell us briefly what is wrong so that we can solve it."))
        staff = self._collection_staff()
        note = staff._collection_dispute_note(reason, comment)
        previous = move.collection_dispute_note
        move._collection_write(
            {
                "collection_disputed": True,
                "collection_dispute_note": f"{previous}\n{note}" if previous else note,
            }
        )
        move.with_env(staff.env)._collection_skip_scheduled(staff.env._("Invoice disputed"))
        message = move.message_post(
            body=escape(note) + escape(self._collection_ip_note(ip)), **self._collection_author()
        )
        activity = move._collection_task(
            self._collection_responsible(move),
            lambda record: (
                record.env._("Dispute from the customer page: %s", move.name),
                self.with_env(record.env)._collection_dispute_note(reason, comment),
            ),
        )
        details = f"{move.name}: {note}{self._collection_ip_note(ip)}"
        return staff._collection_log("dispute", details, ip=ip, message=message, activity=activity)

    def _collection_dispute_note(self, reason, comment):
        """What a problem reported on the page says (context's language)."""
        note = _("Problem reported on the customer page: %(reason)s.", reason=self._collection_dispute_labels()[reason])
        if comment:
            note += " " + _("Comment: %s", comment)
        return note

    def _collection_dispute_labels(self):
        return {
            "wrong_amount": _("Wrong amount"),
            "not_received": _("Goods or service not received"),
            "already_paid": _("Already paid"),
            "other": _("Other"),
        }

    def _collection_submit_proof(self, params, files, ip):
        upload = files.get("proof")
        if not upload or not getattr(upload, "filename", None):
            raise ValidationError(_("Choose the file of your proof of payment."))
        content = upload.read(portal.MAX_PROOF_BYTES + 1)
        error = portal.proof_file_error(content)
        if error == "empty":
            raise ValidationError(_("The file is empty."))
        if error == "too_large":
            raise ValidationError(_("The file is larger than %s MB.", portal.MAX_PROOF_BYTES // (1024 * 1024)))
        if error == "type":
            raise ValidationError(_("Send a PDF, JPG or PNG file."))
        moves = self._collection_moves_from(params.get("move_ids"))
        kind = portal.sniff_file_type(content[:16])
        today = self._collection_today()
        name = portal.proof_file_name(upload.filename, kind, today)
        mimetype = portal.PROOF_TYPES[kind][0]
        comment = (params.get("comment") or "").strip()[:1000]
        company = self.company_id
        until = portal.add_business_days(
            today,
            portal.PROOF_HOLD_BUSINESS_DAYS,
            contact_rules.is_mx_holiday,
            company.collection_non_contact_day_ids.mapped("date"),
        )
        names = ", ".join(moves.mapped("name"))
        # what is recorded for the staff: in the company's language
        staff = self._collection_staff()
        note = staff.env._(
            "Proof of payment sent on the customer page for %(moves)s: %(file)s.", moves=names, file=name
        )
        if comment:
            note += " " + staff.env._("Comment: %s", comment)
        Attachment = self.env["ir.attachment"].sudo()
        messages = self.env["mail.message"]
        for move in moves:
            attachment = Attachment.create(
                {
                    "name": name,
                    "raw": content,
                    "mimetype": mimetype,
                    "res_model": "account.move",
                    "res_id": move.id,
                    "description": staff.env._("Proof of payment from the customer page"),
                }
            )
            messages |= move.message_post(
                body=escape(note) + escape(self._collection_ip_note(ip)),
                attachment_ids=attachment.ids,
                **self._collection_author(),
            )
        held = moves.filtered(
            lambda m: not m.collection_paused or (m.collection_pause_until and m.collection_pause_until < until)
        )
        if held:
            held._collection_write(
                {"collection_paused": True, "collection_pause_reason": "proof", "collection_pause_until": until}
            )
        moves.with_env(staff.env)._collection_skip_scheduled(staff.env._("Proof of payment received: in review"))
        activity = moves[:1]._collection_task(
            self._collection_accountant(),
            lambda record: (
                record.env._("Check a proof of payment: %s", names),
                record.env._(
                    "%(partner)s sent a proof of payment for %(moves)s (attached to the "
                    "invoices). Find the transfer in the review tray or the bank statement "
                    "and reconcile it. Reminders of these invoices are held until %(date)s.",
                    partner=self.partner_id.name,
                    moves=names,
                    date=format_date(record.env, until),
                ),
            ),
        )
        details = "%s (%s, %s KB)%s" % (note, kind.upper(), max(1, len(content) // 1024), self._collection_ip_note(ip))
        return staff._collection_log("proof", details, ip=ip, message=messages[:1], activity=activity)

    def _collection_submit_preferences(self, params, _files, ip):
        choice = params.get("preference")
        if choice not in PREFERENCES:
            raise ValidationError(_("Choose which messages you want to stop."))
        partner = self.partner_id
        staff = self._collection_staff()
        Event = self.env["collection.event"].sudo()
        activity = None
        if choice == "no_whatsapp":
            partner.write({"collection_whatsapp_opt_out": True})
            channels = ["whatsapp"]
        else:
            partner.write({"collection_do_not_contact": True})
            channels = CONTACT_CHANNELS
        note = staff._collection_preferences_note(choice)
        waiting = Event.search(
            [("partner_id", "=", partner.id), ("state", "=", "scheduled"), ("channel", "in", channels)]
        )
        if waiting:
            waiting._mark("skipped", skip_reason=staff.env._("The customer changed its preferences"))
        message = partner.message_post(
            body=escape(note) + escape(self._collection_ip_note(ip)), **self._collection_author()
        )
        if choice == "no_contact":
            activity = partner._collection_task(
                self._collection_responsible(),
                lambda record: (
                    record.env._("Asked not to be contacted: %s", partner.name),
                    self.with_env(record.env)._collection_preferences_note(choice),
                ),
            )
        return staff._collection_log(
            "preferences", note + self._collection_ip_note(ip), ip=ip, message=message, activity=activity
        )

    def _collection_preferences_note(self, choice):
        """What a change of preferences on the page says (context's language)."""
        if choice == "no_whatsapp":
            return _("The customer asked on its page to receive no more WhatsApp messages.")
        return _(
            "The customer asked on its page to receive no more collection messages "
            "(do not contact). Invoices and notices required by law still go by email."
        )

    # ------------------------------------------------------------------ downloads
    def _collection_document(self, move_id, kind):
        """(content, mimetype, file name) of an open invoice's PDF or CFDI XML, or None."""
        self.ensure_one()
        move = self._collection_open_moves().filtered(lambda m: m.id == move_id)
        if not move:
            return None
        if kind == "xml":
            xml = move.cfdi_xml_attachment_id
            if not xml or not xml.raw:
                return None
            return xml.raw, "application/xml", xml.name or f"{move.name}.xml"
        pdf = move.invoice_pdf_report_id
        name = move._get_invoice_report_filename()
        if pdf and pdf.raw:
            return pdf.raw, "application/pdf", name
        content, filetype = (
            self.env["ir.actions.report"]
            .sudo()
            .with_company(self.company_id)
            ._render_qweb_pdf("account.account_invoices", move.ids)
        )
        if filetype != "pdf":  # no PDF engine (tests): the HTML of the same report
            return content, "text/html", name.replace(".pdf", ".html")
        return content, "application/pdf", name

    # ------------------------------------------------------------------ demo
    @api.model
    def _collection_demo_links(self, partner_ids, company_id):
        """The demo story: every customer has its page and SPEI reference."""
        company = self.env["res.company"].browse(company_id)
        for partner in self.env["res.partner"].browse(partner_ids):
            self._collection_get(partner, company)

    @api.model
    def _collection_demo_submit(self, partner_id, company_id, action, params):
        """The demo story: a customer uses its page (a promise, a reported problem)."""
        company = self.env["res.company"].browse(company_id)
        access = self._collection_get(self.env["res.partner"].browse(partner_id), company)
        return access.with_company(company)._collection_submit(action, params, ip="203.0.113.10")
