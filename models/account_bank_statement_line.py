import logging

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, html2plaintext

from ..tools import matching, portal
from ..tools.cron import collection_may_commit, collection_report_progress

_logger = logging.getLogger(__name__)

CRON_BATCH = 500


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    collection_match_ids = fields.One2many("collection.match", "statement_line_id", string="Collection Suggestions")

    # ------------------------------------------------------------------ triggers
    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        if any(line.amount > 0 for line in lines):
            cron = self.env.ref("account_collections_mx.ir_cron_collection_match", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()  # match new deposits now, not at the next run
        return lines

    @api.model
    def _collection_lines_to_match_domain(self):
        return [
            ("is_reconciled", "=", False),
            ("amount", ">", 0),
            ("state", "=", "posted"),
            ("collection_match_ids", "=", False),
        ]

    @api.model
    def _cron_collection_match(self):
        """Match the incoming bank lines never matched yet, in batches."""
        domain = self._collection_lines_to_match_domain()
        lines = self.search(domain, limit=CRON_BATCH, order="id")
        if not lines:
            return
        lines._collection_match()
        collection_report_progress(
            self.env, "account_collections_mx.ir_cron_collection_match", len(lines), self.search_count(domain)
        )
        if collection_may_commit(self.env):
            self.env.cr.commit()  # keep the finished batch if a later one fails

    # ------------------------------------------------------------------ matching
    def _collection_texts(self):
        self.ensure_one()
        return (self.payment_ref or "", self.ref or "", html2plaintext(self.narration) if self.narration else "")

    def _collection_currency(self):
        self.ensure_one()
        return self.foreign_currency_id or self.journal_id.currency_id or self.company_id.currency_id

    def _collection_match(self):
        """Propose (or reconcile, when sure) invoices for these bank lines.

        Incoming, unreconciled lines only.  The open suggestion of a line is updated in
        place: running this again never duplicates anything.
        """
        lines = self.filtered(lambda st: not st.is_reconciled and st.amount > 0 and st.state == "posted")
        groups = {}
        for line in lines:
            groups.setdefault((line.company_id, line._collection_currency()), []).append(line)
        for (company, currency), group in groups.items():
            # notes in the company's language: its accountants read them (a cron has none)
            group = self.with_context(lang=company._collection_lang()).browse([line.id for line in group])
            Match = group.env["collection.match"].sudo()
            index = self._collection_candidate_index(company, currency)
            infos = {line.id: matching.analyse_text(*line._collection_texts()) for line in group}
            payers = group._collection_find_payers(infos, index)
            # a customer's SPEI reference identifies it surely (customer page)
            spei = group._collection_spei_payers(company, infos, index)
            payers.update({line_id: partner for line_id, (partner, _ref) in spei.items()})
            existing = {}
            for match in Match.search([("statement_line_id", "in", group.ids)]):
                existing.setdefault(match.statement_line_id.id, []).append(match)
            proposals = []
            for line in group:
                line_matches = Match.browse([m.id for m in existing.get(line.id, [])])
                if line_matches.filtered(lambda m: m.state in ("approved", "auto")):
                    continue
                open_match = line_matches.filtered(lambda m: m.state == "to_review")
                rejected = line_matches.filtered(lambda m: m.state == "rejected")
                proposal = matching.match_line(
                    line.amount_currency if line.foreign_currency_id else line.amount,
                    index,
                    tolerance=company.collection_tolerance,
                    partner_id=payers.get(line.id),
                    info=infos[line.id],
                    excluded=set((rejected.move_ids | rejected.candidate_ids.move_id).ids),
                    allow_partner_amount=company.collection_auto_match_partner_amount or line.id in spei,
                )
                if rejected and not proposal.ranked and not open_match:
                    continue  # everything was rejected and there is nothing new to propose
                proposals.append((line, proposal, open_match))
            # two bank lines claiming the same invoice: possibly a duplicate, never automatic
            claims = {}
            for _line, proposal, _open in proposals:
                if proposal.state == "auto":
                    for move_id in proposal.chosen:
                        claims[move_id] = claims.get(move_id, 0) + 1
            to_create, sure = [], Match
            for line, proposal, open_match in proposals:
                vals = line._collection_proposal_vals(proposal, currency)
                if line.id in spei:
                    vals["note"] = group.env._("Payer identified by its SPEI reference %s.", spei[line.id][1])
                if proposal.state == "auto" and any(claims[m] > 1 for m in proposal.chosen):
                    vals["sure"] = False
                    vals["note"] = group.env._(
                        "Another bank line matches the same invoice: check for a duplicate payment."
                    )
                if open_match:
                    open_match.write(vals)
                    if vals["sure"]:
                        sure |= open_match
                else:
                    to_create.append({"statement_line_id": line.id, **vals})
            created = Match.create(to_create)
            sure |= created.filtered("sure")
            if company.collection_auto_reconcile:
                sure._collection_auto_approve()

    def _collection_company_amount(self):
        """The line's amount in company currency, as booked on its liquidity item."""
        self.ensure_one()
        if not self.move_id:
            return 0.0
        if self.currency_id == self.company_id.currency_id:
            return self.amount
        liquidity, _suspense, _other = self._seek_for_lines()
        return sum(liquidity.mapped("balance"))

    def _collection_proposal_vals(self, proposal, currency):
        self.ensure_one()
        return {
            "partner_id": proposal.partner_id or False,
            "move_ids": [Command.set(proposal.chosen)],
            "amount": self.amount_currency if self.foreign_currency_id else self.amount,
            # known here: saves a recompute per suggestion (stored compute)
            "amount_company_currency": self._collection_company_amount(),
            "currency_id": currency.id,
            "score": proposal.score,
            "reason": proposal.reason,
            "sure": proposal.state == "auto",
            # known here: saves reading every proposed invoice back (stored compute)
            "difference": proposal.difference if proposal.chosen else 0.0,
            "note": False,
            "candidate_ids": [Command.clear()]
            + [
                Command.create({"sequence": rank, "move_id": cid, "score": score, "why_codes": ",".join(why)})
                for rank, (cid, score, why) in enumerate(proposal.ranked, start=1)
            ],
        }

    @api.model
    def _collection_candidate_index(self, company, currency):
        """Open customer invoices and credit notes of ``company`` in ``currency``, one SQL
        query, indexed by reference, customer and amount."""
        self.env["account.move.line"].flush_model(
            ["amount_residual_currency", "reconciled", "account_id", "currency_id", "partner_id", "date_maturity"]
        )
        self.env["account.move"].flush_model(
            ["state", "move_type", "name", "payment_reference", "company_id", "cfdi_uuid", "cfdi_serie", "cfdi_folio"]
        )
        self.env.cr.execute(
            SQL(
                """
            SELECT m.id, m.name, m.payment_reference, COALESCE(p.commercial_partner_id, p.id),
                   SUM(aml.amount_residual_currency), MIN(aml.date_maturity),
                   m.cfdi_uuid, m.cfdi_serie, m.cfdi_folio
              FROM account_move_line aml
              JOIN account_move m ON m.id = aml.move_id
              JOIN account_account acc ON acc.id = aml.account_id
         LEFT JOIN res_partner p ON p.id = aml.partner_id
             WHERE m.company_id = %(company)s
               AND m.state = 'posted'
               AND m.move_type IN ('out_invoice', 'out_refund')
               AND acc.account_type = 'asset_receivable'
               AND NOT aml.reconciled
               AND aml.currency_id = %(currency)s
               AND aml.amount_residual_currency != 0
          GROUP BY m.id, p.commercial_partner_id, p.id
            """,
                company=company.id,
                currency=currency.id,
            )
        )
        candidates = []
        for row in self.env.cr.fetchall():
            mid, name, pay_ref, partner, residual, due, uuid, serie, folio = row
            refs = [r for r in (pay_ref if pay_ref != name else None, uuid) if r]
            refs += matching.serie_folio_references(serie, folio)
            candidates.append(matching.Candidate(mid, partner, float(residual), name or "", tuple(refs), due))
        return matching.CandidateIndex(candidates)

    def _collection_spei_payers(self, company, infos, index):
        """{line id: (commercial partner id, reference)} for the lines without a partner whose
        texts quote the SPEI reference of exactly one customer of ``company``, unless they
        also quote an invoice number of another customer (a 7-digit invoice number may look
        like a reference: the invoice number wins, as before)."""
        refs = {line.id: portal.find_spei_references(*line._collection_texts()) for line in self if not line.partner_id}
        wanted = {ref for found in refs.values() for ref in found}
        if not wanted:
            return {}
        rows = (
            self.env["collection.portal.access"]
            .sudo()
            .search_read(
                [("company_id", "=", company.id), ("spei_reference", "in", list(wanted))],
                ["spei_reference", "partner_id"],
            )
        )
        by_ref = {row["spei_reference"]: row["partner_id"][0] for row in rows}
        payers = {}
        for line_id, found in refs.items():
            known = [ref for ref in found if ref in by_ref]
            partners = {by_ref[ref] for ref in known}
            if len(partners) != 1:
                continue
            partner = partners.pop()
            cited = {
                index.candidates[cid].partner_id
                for cid, strength in index.reference_hits(infos[line_id]).items()
                if strength == 2
            }
            if cited and partner not in cited:
                continue
            payers[line_id] = (partner, known[0])
        return payers

    def _collection_find_payers(self, infos, index):
        """{line id: commercial partner id} from the line's partner, else a bank account or
        CLABE of a partner, else an RFC in the texts, else the payer's name."""
        payers = {}
        todo = self.env["account.bank.statement.line"]
        for line in self:
            if line.partner_id:
                payers[line.id] = line.partner_id.commercial_partner_id.id
            else:
                todo |= line
        if not todo:
            return payers
        # bank accounts / CLABEs
        numbers = {}
        for line in todo:
            keys = set()
            for number in ([line.account_number] if line.account_number else []) + infos[line.id].accounts:
                keys |= matching.account_suffixes(number)
            numbers[line.id] = keys
        all_numbers = set().union(*numbers.values())
        by_number = {}
        if all_numbers:
            banks = (
                self.env["res.partner.bank"]
                .sudo()
                .search_read(
                    [
                        ("sanitized_acc_number", "in", list(all_numbers)),
                        ("company_id", "in", [False, *todo.company_id.ids]),
                    ],
                    ["sanitized_acc_number", "partner_id"],
                )
            )
            partner_ids = {b["partner_id"][0] for b in banks if b["partner_id"]}
            commercial = {p.id: p.commercial_partner_id.id for p in self.env["res.partner"].sudo().browse(partner_ids)}
            for bank in banks:
                if bank["partner_id"]:
                    by_number.setdefault(bank["sanitized_acc_number"], set()).add(commercial[bank["partner_id"][0]])
            for number, partner_id in self._collection_partners_by_clabe(all_numbers, todo.company_id):
                by_number.setdefault(number, set()).add(partner_id)
        # RFCs
        all_rfcs = {rfc for line in todo for rfc in infos[line.id].rfcs}
        by_rfc = {}
        if all_rfcs:
            vats = list(all_rfcs) + ["MX" + rfc for rfc in all_rfcs]
            for partner in self.env["res.partner"].sudo().search([("vat", "in", vats)]):
                rfc = (partner.vat or "").upper().removeprefix("MX")
                by_rfc.setdefault(rfc, set()).add(partner.commercial_partner_id.id)
        # names: only customers with open documents are worth comparing
        names = {}
        if any(line.partner_name for line in todo):  # only the payer's name is compared
            ids = [pid for pid in index.by_partner if pid]
            for pid, name in self.env["res.partner"].sudo().browse(ids).mapped(lambda p: (p.id, p.name)):
                names[pid] = matching.normalize_name(name)
        for line in todo:
            found = set()
            for key in numbers[line.id]:
                found |= by_number.get(key, set())
            if len(found) != 1:
                found = set()
                for rfc in infos[line.id].rfcs:
                    found |= by_rfc.get(rfc, set())
            if len(found) != 1 and line.partner_name:
                found = line._collection_partner_by_name(line.partner_name, names)
            if len(found) == 1:
                payers[line.id] = found.pop()
        return payers

    @api.model
    def _collection_partners_by_clabe(self, numbers, companies):
        """[(number, commercial partner id)] of the bank accounts whose CLABE (the field
        ``l10n_mx_edi_clabe`` that l10n_mx adds beside the account number, written with or
        without spaces) is one of ``numbers``, or holds one of them as its account number
        (digits 7 to 17)."""
        Bank = self.env["res.partner.bank"]
        if not numbers:
            return []
        Bank.flush_model(["l10n_mx_edi_clabe", "partner_id", "company_id", "active"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        clabe = SQL("regexp_replace(b.l10n_mx_edi_clabe, '[^0-9]', '', 'g')")
        numbers = tuple(numbers)
        self.env.cr.execute(
            SQL(
                """
            SELECT %(clabe)s, COALESCE(p.commercial_partner_id, p.id)
              FROM res_partner_bank b
              JOIN res_partner p ON p.id = b.partner_id
             WHERE b.active AND b.l10n_mx_edi_clabe IS NOT NULL
               AND (b.company_id IS NULL OR b.company_id IN %(companies)s)
               AND (%(clabe)s IN %(numbers)s OR substr(%(clabe)s, 7, 11) IN %(numbers)s)
            """,
                clabe=clabe,
                numbers=numbers,
                companies=tuple(companies.ids) or (0,),
            )
        )
        found = []
        for value, partner_id in self.env.cr.fetchall():
            for number in matching.account_suffixes(value) & set(numbers):
                found.append((number, partner_id))
        return found

    @api.model
    def _collection_partner_by_name(self, name, names):
        target = matching.normalize_name(name)
        if not target:
            return set()
        exact = {pid for pid, n in names.items() if n == target}
        if exact:
            return exact
        scored = sorted(((matching.name_similarity(target, n), pid) for pid, n in names.items()), reverse=True)
        if scored and scored[0][0] >= 0.9 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
            return {scored[0][1]}
        return set()

    # ------------------------------------------------------------------ reconciliation
    def _collection_reconcile(self, moves):
        """Reconcile this bank line with ``moves`` (customer invoices / credit notes, in
        order) through the statement line's own journal entry, as Odoo's bank
        reconciliation does: the suspense line is replaced by one receivable line per open
        invoice item, a write-off line for a short payment within the company's tolerance,
        and a receivable line left open for an overpayment (customer credit)."""
        self.ensure_one()
        line = self
        company = line.company_id
        currency = line._collection_currency()
        amount = line.amount_currency if line.foreign_currency_id else line.amount
        if currency.is_zero(amount):
            raise UserError(
                _(
                    "The bank line %(line)s has no amount: there is nothing to reconcile.",
                    line=line.payment_ref or line.move_id.name,
                )
            )
        if line.is_reconciled:
            raise UserError(
                _("The bank line %(line)s is already reconciled.", line=line.payment_ref or line.move_id.name)
            )
        if amount < 0:
            raise UserError(
                _(
                    "The bank line %(line)s is an outgoing payment: only customer payments are reconciled here.",
                    line=line.payment_ref or line.move_id.name,
                )
            )
        items_by_move = []
        for move in moves:
            if move.company_id != company:
                raise UserError(
                    _(
                        "The invoice %(move)s belongs to %(company)s, not to the bank line's company %(line_company)s.",
                        move=move.display_name,
                        company=move.company_id.name,
                        line_company=company.name,
                    )
                )
            if move.move_type not in ("out_invoice", "out_refund") or move.state != "posted":
                raise UserError(_("%(move)s is not a posted customer invoice or credit note.", move=move.display_name))
            if move.currency_id != currency:
                raise UserError(
                    _(
                        "The invoice %(move)s is in %(move_currency)s but the bank line "
                        "is in %(currency)s: reconcile it by hand.",
                        move=move.display_name,
                        move_currency=move.currency_id.name,
                        currency=currency.name,
                    )
                )
            items = move.line_ids.filtered(
                lambda aml: (
                    aml.account_type == "asset_receivable"
                    and not aml.reconciled
                    and not aml.currency_id.is_zero(aml.amount_residual_currency)
                )
            ).sorted(lambda aml: (aml.date_maturity or fields.Date.today(), aml.id))
            if not items:
                raise UserError(
                    _("The invoice %(move)s has been paid meanwhile: run the matching again.", move=move.display_name)
                )
            items_by_move.append(items)

        liquidity, suspense, other = line._seek_for_lines()
        if not suspense or other:
            raise UserError(
                _("The bank line %(line)s is already (partly) reconciled.", line=line.payment_ref or line.move_id.name)
            )
        writeoff_account = company.collection_writeoff_account_id
        tolerance = company.collection_tolerance if writeoff_account else 0.0
        residuals = [sum(items.mapped("amount_residual_currency")) for items in items_by_move]
        allocations, writeoff, credit = matching.allocate(amount, residuals, tolerance)

        partner = moves[:1].partner_id.commercial_partner_id
        label = line.payment_ref or line.move_id.name
        new_vals, pairs = [], []
        for items, allocation in zip(items_by_move, allocations, strict=True):
            left = allocation
            for aml in items:
                if currency.is_zero(left):
                    break
                part = aml.amount_residual_currency
                if (left > 0 and part > left) or (left < 0 and part < left):
                    part = left
                left -= part
                pairs.append((len(new_vals), aml))
                new_vals.append(
                    {
                        "name": label,
                        "account_id": aml.account_id.id,
                        "partner_id": aml.partner_id.id,
                        "amount_currency": -part,
                    }
                )
        if not currency.is_zero(writeoff):
            new_vals.append(
                {
                    "name": _("Payment difference: %s", label),
                    "account_id": writeoff_account.id,
                    "partner_id": partner.id,
                    "amount_currency": writeoff,
                }
            )
        if not currency.is_zero(credit):
            account = items_by_move[-1][:1].account_id or partner.with_company(company).property_account_receivable_id
            new_vals.append(
                {
                    "name": _("Customer credit: %s", label),
                    "account_id": account.id,
                    "partner_id": partner.id,
                    "amount_currency": -credit,
                }
            )
        for vals in new_vals:
            vals["currency_id"] = currency.id
            vals["balance"] = line._prepare_counterpart_amounts_using_st_line_rate(
                currency, None, vals["amount_currency"]
            )["balance"]
        # the entry must balance to the cent in company currency
        gap = -liquidity.balance - sum(v["balance"] for v in new_vals)
        if new_vals and not company.currency_id.is_zero(gap):
            biggest = max(new_vals, key=lambda v: abs(v["balance"]))
            biggest["balance"] = company.currency_id.round(biggest["balance"] + gap)
        old_lines = line.move_id.line_ids
        line.move_id.with_context(skip_readonly_check=True, force_delete=True).write(
            {
                "line_ids": [Command.update(liquidity.id, {"partner_id": partner.id}), Command.delete(suspense.id)]
                + [Command.create(vals) for vals in new_vals],
            }
        )
        created = (line.move_id.line_ids - old_lines).sorted("id")
        if len(created) != len(new_vals):
            raise UserError(_("The bank line %(line)s could not be reconciled.", line=label))
        for position, aml in pairs:
            (created[position] + aml).reconcile()
        line.invalidate_recordset(["is_reconciled", "amount_residual"])
        return True
