"""Every public method of the addon, called the way RPC calls it, by people who must not
see or change another company's collections.

The methods are found in the registry (every model whose class has a class of this addon
in its MRO, every public method those classes define, filtered like ``/web/dataset/call_kw``
does), so a method added later is swept too.  Each one is called through
``odoo.api.call_kw`` by a portal customer and by an employee of another company (Invoicing
*Billing* + *Collections User* of company B only), on company A's records and on their
own, with a context pointing at company A's records.  Nothing of company A may come back
(in the answer or the error) and no row of company A may change.
"""

import datetime as dt
import inspect
import json

import psycopg2

from odoo import Command, api
from odoo.exceptions import AccessError, UserError
from odoo.service.model import get_public_method
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import CollectionsCommon

PACKAGE = "odoo.addons.account_collections_mx."
A_AMOUNT = 4321.09
A_UUID = "6F8A3B2C-1D4E-4F5A-8B9C-0D1E2F3A4B5C"
#: exceptions an RPC caller may get back (nothing returned, nothing changed)
REFUSALS = (UserError, TypeError, ValueError, psycopg2.Error)


class _Undo(Exception):
    """Leave the savepoint of one call, rolled back."""


def addon_public_methods(env):
    """(model, method) of every public method this addon defines or overrides."""
    found = []
    for model_name in sorted(env.registry):
        Model = env[model_name]
        names = set()
        for klass in type(Model).mro():
            if (getattr(klass, "__module__", "") or "").startswith(PACKAGE):
                names.update(
                    attr for attr, value in vars(klass).items() if callable(value) and not attr.startswith("_")
                )
        for name in sorted(names):
            try:
                get_public_method(Model, name)
            except (AccessError, AttributeError):
                continue
            found.append((model_name, name))
    return found


@tagged("post_install", "-at_install")
class TestRpcSurface(CollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company_a = cls.company
        cls.company_b = cls.setup_other_company(name="Empresa Beta SA")["company"]
        # ---- company A: a customer with invoices in every collections state worth reading
        cls.journal_a = env["account.journal"].create(
            {
                "name": "Ventas Alfa",
                "code": "ALF",
                "type": "sale",
                "company_id": cls.company_a.id,
                "default_account_id": cls.company_data["default_account_revenue"].id,
            }
        )
        cls.customer_a = env["res.partner"].create(
            {
                "name": "Cliente Secreto Alfa",
                "email": "secreto@alfa.example",
                "is_company": True,
                "company_id": cls.company_a.id,
                "mobile": "+52 55 9876 5432",
                "lang": "en_US",
                "tz": "America/Mexico_City",
                "collection_first_invoice_reviewed": True,
            }
        )
        cls.moves_a = cls._invoice_a("2026-12-10", A_AMOUNT) | cls._invoice_a("2026-11-20", 777.31)
        cls.moves_a[0].sudo().cfdi_uuid = A_UUID
        for move in cls.moves_a:
            move._portal_ensure_token()
        env["account.move"]._collection_run(now=dt.datetime(2026, 12, 7, 15))
        env["collection.promise"].create(
            {
                "company_id": cls.company_a.id,
                "partner_id": cls.customer_a.id,
                "move_ids": [Command.set(cls.moves_a[1].ids)],
                "amount": 777.31,
                "promised_date": "2099-01-15",
            }
        )
        env["collection.summary"]._collection_build(cls.company_a, dt.date(2026, 12, 7), send=False)
        line = env["account.bank.statement.line"].create(
            {
                "journal_id": cls.company_data["default_journal_bank"].id,
                "date": "2026-12-11",
                "amount": 100.0,
                "payment_ref": f"ABONO {cls.moves_a[0].name}",
                "partner_id": cls.customer_a.id,
            }
        )
        line._collection_match()
        env["collection.whatsapp.message"].sudo().create(
            {
                "wamid": "wamid.alfa",
                "company_id": cls.company_a.id,
                "partner_id": cls.customer_a.id,
                "move_id": cls.moves_a[0].id,
                "phone": "525598765432",
                "body": "Secreto: ya pagué",
                "kind": "paid_check",
            }
        )
        env["collection.non.contact.day"].create({"company_id": cls.company_a.id, "date": "2026-12-24"})
        # ---- company B: its own customer, a portal customer and an employee
        cls.portal = new_test_user(
            env,
            login="portal_rpc",
            groups="base.group_portal",
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )
        cls.employee_b = new_test_user(
            env,
            login="employee_rpc",
            groups="account.group_account_invoice,account_collections_mx.group_collection_user",
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )
        cls.move_b = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.portal.partner_id.id,
                "company_id": cls.company_b.id,
                "invoice_date": "2026-11-10",
                "invoice_date_due": "2026-12-10",
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create({"name": "Servicio", "quantity": 1, "price_unit": 50.0, "tax_ids": []})
                ],
            }
        )
        cls.move_b.action_post()
        cls.move_b.message_subscribe(cls.portal.partner_id.ids)
        # ---- what must never come back, and the rows that must never change
        cls.secrets = {
            cls.customer_a.name,
            cls.customer_a.email,
            A_UUID,
            "4,321.09",
            "4321.09",
            *cls.moves_a.mapped("name"),
            *filter(None, cls.moves_a.mapped("access_token")),
        }
        cls._snapshot_tables = cls._company_tables()

    @classmethod
    def _invoice_a(cls, due, amount):
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer_a.id,
                "journal_id": cls.journal_a.id,
                "invoice_date": "2026-10-01",
                "invoice_date_due": due,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create({"name": "Servicio", "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        move.action_post()
        return move

    # ------------------------------------------------------------------ company A's rows
    @classmethod
    def _records_of_a(cls, model):
        Model = cls.env[model].sudo().with_context(active_test=False)
        if model == "res.company":
            return Model.browse(cls.company_a.id)
        if model == "account.move":
            return cls.moves_a[:1]
        if model == "res.partner":
            return cls.customer_a
        field = Model._fields.get("company_id")
        if (
            Model._abstract
            or not field
            or not field.store
            or field.type != "many2one"
            or field.comodel_name != "res.company"
        ):
            return Model.browse()
        return Model.search([("company_id", "=", cls.company_a.id)], order="id desc", limit=1)

    @classmethod
    def _company_tables(cls):
        """The tables with a company (wizards belong to the user who opened them: not
        company A's rows)."""
        cr = cls.env.cr
        cr.execute(
            SQL("""
            SELECT c.table_name FROM information_schema.columns c
              JOIN information_schema.tables t ON t.table_name = c.table_name
                   AND t.table_schema = c.table_schema AND t.table_type = 'BASE TABLE'
             WHERE c.table_schema = current_schema() AND c.column_name = 'company_id'
          ORDER BY 1""")
        )
        transient = {cls.env[m]._table for m in cls.env.registry if cls.env[m]._transient}
        return [table for (table,) in cr.fetchall() if table not in transient]

    def _snapshot_sql(self, documents):
        """Every row of company A as text: its tables, its customer and itself, and the mail
        side of its documents (messages, followers, tasks, files, emails)."""
        company, partners = self.company_a.id, self.customer_a.ids
        parts = [
            SQL("SELECT %s, x::text FROM %s x WHERE x.company_id = %s", table, SQL.identifier(table), company)
            for table in self._snapshot_tables
        ]
        parts.append(SQL("SELECT 'res_partner', x::text FROM res_partner x WHERE x.id = ANY(%s)", partners))
        parts.append(SQL("SELECT 'res_company', x::text FROM res_company x WHERE x.id = %s", company))
        for table, model, res_id in (
            ("mail_message", "model", "res_id"),
            ("mail_followers", "res_model", "res_id"),
            ("mail_activity", "res_model", "res_id"),
            ("ir_attachment", "res_model", "res_id"),
        ):
            parts.append(
                SQL(
                    "SELECT %s, x::text FROM %s x WHERE %s || ',' || %s = ANY(%s)",
                    table,
                    SQL.identifier(table),
                    SQL.identifier("x", model),
                    SQL.identifier("x", res_id),
                    documents,
                )
            )
        parts.append(
            SQL(
                """SELECT 'mail_mail', x::text FROM mail_mail x
                 JOIN mail_message m ON m.id = x.mail_message_id
                WHERE m.model || ',' || m.res_id = ANY(%(documents)s)
                   OR x.email_to ILIKE %(email)s
                   OR EXISTS (SELECT 1 FROM mail_mail_res_partner_rel r
                               WHERE r.mail_mail_id = x.id
                                 AND r.res_partner_id = ANY(%(partners)s))""",
                documents=documents,
                email=f"%{self.customer_a.email}%",
                partners=partners,
            )
        )
        return SQL("SELECT t, r FROM (%s) rows(t, r) ORDER BY t, r", SQL("\nUNION ALL\n").join(parts))

    def _snapshot(self):
        self.env.flush_all()
        documents = []
        for model in (
            "account.move",
            "res.partner",
            "collection.promise",
            "collection.summary",
            "collection.whatsapp.message",
            "collection.match",
            "discuss.channel",
            "collection.event",
        ):
            if model == "res.partner":
                ids = self.customer_a.ids
            elif model == "discuss.channel":
                ids = self.env["discuss.channel"].sudo().search([("collection_company_id", "=", self.company_a.id)]).ids
            else:
                ids = self.env[model].sudo().search([("company_id", "=", self.company_a.id)]).ids
            documents += [f"{model},{i}" for i in ids]
        self.env.cr.execute(self._snapshot_sql(documents))
        return self.env.cr.fetchall()

    # ------------------------------------------------------------------ calls
    def _hostile_context(self, own_moves):
        moves = self.moves_a
        return {
            "collection_move_ids": moves.ids,
            "collection_groups": {m.id: moves.ids for m in (own_moves | moves)},
            "active_model": "account.move",
            "active_id": moves[0].id,
            "active_ids": moves.ids,
            "default_partner_id": self.customer_a.id,
            "default_company_id": self.company_a.id,
            "default_move_ids": [Command.set(moves.ids)],
            "default_move_id": moves[0].id,
            "collection_engine": True,
            "collection_event_force_unlink": True,
            "collection_policy_auto": True,
        }

    def _arguments(self, Model, method, model_name):
        """Positional arguments for the required parameters (hostile where it matters)."""
        signature = inspect.signature(getattr(type(Model), method))
        args = []
        for param in list(signature.parameters.values())[1:]:
            if param.default is not param.empty or param.kind not in (
                param.POSITIONAL_ONLY,
                param.POSITIONAL_OR_KEYWORD,
            ):
                continue
            if param.name == "vals":
                args.append({})
            elif param.name == "vals_list":
                args.append([{}])
            elif param.name in ("fields_list", "fields"):
                args.append(list(Model._fields))
            else:
                args.append(self._records_of_a(model_name).ids or self.moves_a.ids)
        return args

    def _filler(self, field):
        if field.type == "many2one":
            return self._records_of_a(field.comodel_name)[:1].id
        return {
            "date": "2099-01-15",
            "datetime": "2099-01-15 12:00:00",
            "boolean": True,
            "integer": 1,
            "float": 1.0,
            "monetary": 1.0,
            "selection": False,
        }.get(field.type, A_UUID)

    def _own_records(self, user, model_name, context):
        Model = self.env[model_name].with_user(user).with_context(context)
        if Model._abstract:
            return Model.browse()
        if model_name == "account.move":
            return self.move_b.with_user(user).with_context(context)
        if Model._transient:
            # the wizard as the attacker would open it: defaults from the hostile context,
            # other required fields filled in
            try:
                with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                    defaults = Model.default_get(list(Model._fields))
                    return Model.create(
                        {
                            name: self._filler(field)
                            for name, field in Model._fields.items()
                            if field.required and field.store and name not in defaults
                        }
                    )
            except REFUSALS:
                return Model.browse()
        try:
            return Model.search([], order="id desc", limit=1)
        except AccessError:
            return Model.browse()

    def _call(self, user, model_name, method, records, args, context):
        """One call through ``call_kw``, rolled back; returns (outcome text, snapshot after)."""
        Model = self.env[model_name].with_user(user)
        is_model_api = getattr(getattr(type(Model), method), "_api", None) is not None
        call_args = list(args) if is_model_api else [records.ids, *args]
        after = None
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                try:
                    result = api.call_kw(Model, method, call_args, {"context": context})
                    outcome = json.dumps(result, default=str, ensure_ascii=False)
                    self.env.flush_all()  # as the request does before its commit
                except REFUSALS as error:
                    # refused: the request's transaction is rolled back, only the message
                    # goes back to the caller
                    outcome = f"{type(error).__name__}: {error}"
                    raise _Undo() from error
                after = self._snapshot()
                raise _Undo()
        except _Undo:
            pass
        self.env.invalidate_all()
        return outcome, after

    def _sweep(self, user):
        methods = addon_public_methods(self.env)
        # the sweep really sees the addon: known entry points are in it
        self.assertIn(("account.move", "action_collection_resume"), methods)
        self.assertIn(("res.partner", "action_collection_send_statement"), methods)
        self.assertNotIn(("account.move", "_collection_reminder_lines"), methods)
        before = self._snapshot()
        own_moves = self.env["account.move"].with_user(user).search([("move_type", "=", "out_invoice")], limit=1)
        context = self._hostile_context(own_moves)
        leaks, changes = [], []
        for model_name, method in methods:
            Model = self.env[model_name]
            targets = [self._records_of_a(model_name), self._own_records(user, model_name, context)]
            if getattr(getattr(type(Model), method), "_api", None) is not None:
                targets = targets[:1]  # ids are not passed to @api.model methods
            args = self._arguments(Model, method, model_name)
            for records in targets:
                outcome, after = self._call(user, model_name, method, records, args, context)
                label = f"{model_name}.{method}{tuple(records.ids)}"
                found = sorted(s for s in self.secrets if s and s in outcome)
                if found:
                    leaks.append(f"{label} -> {found}: {outcome[:300]}")
                if after is not None and after != before:
                    diff = sorted({table for table, _row in set(after) ^ set(before)})
                    changes.append(f"{label} changed {diff}")
        self.assertFalse(leaks, "company A's data came back:\n" + "\n".join(leaks))
        self.assertFalse(changes, "company A's rows changed:\n" + "\n".join(changes))
        self.assertEqual(self._snapshot(), before)

    def test_sweep_as_portal_customer(self):
        self.assertTrue(self.move_b.with_user(self.portal).read(["name"]))
        self._sweep(self.portal)

    def test_sweep_as_employee_of_another_company(self):
        self._sweep(self.employee_b)

    def test_reminder_lines_list_only_readable_invoices_outside_the_engine(self):
        """The template helpers list the invoices of the context for the engine (superuser);
        anyone else only invoices they may read."""
        own = self.move_b.with_user(self.employee_b)
        for context in (
            {"collection_move_ids": self.moves_a.ids},
            {"collection_groups": {self.move_b.id: self.moves_a.ids}},
        ):
            with self.assertRaises(AccessError):
                own.with_context(**context)._collection_reminder_lines()
            with self.assertRaises(AccessError):
                own.with_context(**context)._collection_reminder_totals()
        self.assertEqual([line["number"] for line in own._collection_reminder_lines()], [self.move_b.name])
        with self.assertRaises(AccessError):
            self.moves_a[0].with_user(self.employee_b)._collection_reminder_lines()
        grouped = (
            self.moves_a[0]
            .sudo()
            .with_context(collection_groups={self.moves_a[0].id: self.moves_a.ids})
            ._collection_reminder_lines()
        )
        self.assertEqual(len(grouped), 2)


@tagged("post_install", "-at_install")
class TestStatementReportAccess(CollectionsCommon, HttpCase):
    """``/report/pdf/...statement_of_account/<ids>``: a collector gets the statement of
    the current company; nobody gets another company's receivables or a customer they
    may not read (in tests the PDF route answers the report's HTML)."""

    URL = "/report/pdf/account_collections_mx.report_statement_of_account/%s"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Empresa Beta SA")["company"]
        cls.shared = cls.env["res.partner"].create(
            {"name": "Cliente Compartido", "is_company": True, "email": "compartido@example.mx"}
        )
        cls.only_a = cls.env["res.partner"].create(
            {"name": "Cliente Solo Alfa", "is_company": True, "company_id": cls.company.id}
        )
        cls.invoice_a = cls._invoice(cls.shared, cls.company, 3456.78)
        cls.invoice_only_a = cls._invoice(cls.only_a, cls.company, 2222.22)
        cls.invoice_b = cls._invoice(cls.shared, cls.company_b, 55.55)
        cls.collector_a = new_test_user(
            cls.env,
            login="collector_report",
            password="collector_report",
            groups="account_collections_mx.group_collection_user",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.employee_b = new_test_user(
            cls.env,
            login="employee_report",
            password="employee_report",
            groups="account.group_account_invoice,account_collections_mx.group_collection_user",
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )
        cls.portal = new_test_user(
            cls.env,
            login="portal_report",
            password="portal_report",
            groups="base.group_portal",
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )

    @classmethod
    def _invoice(cls, partner, company, amount):
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "company_id": company.id,
                "invoice_date": "2026-03-01",
                "invoice_date_due": "2026-03-31",
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create({"name": "Servicio", "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        move.action_post()
        return move

    def _print(self, user, partner, context=None):
        self.authenticate(user.login, user.login)
        url = self.URL % partner.id
        if context:
            url += "?context=" + json.dumps(context)
        with mute_logger("odoo.http"):
            return self.url_open(url)

    def test_collector_gets_the_current_company_statement(self):
        # the report route is read-only: the customer's first SPEI reference is written
        # on Odoo's read/write retry, with no SQL error logged
        with self.assertNoLogs("odoo.sql_db", level="ERROR"):
            response = self._print(self.collector_a, self.shared)
        self.assertEqual(response.status_code, 200)
        access = self.env["collection.portal.access"].search(
            [("partner_id", "=", self.shared.id), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(len(access), 1)
        self.assertIn(access.spei_reference, response.text)
        self.assertIn("3,456.78", response.text)
        self.assertIn(self.invoice_a.name, response.text)
        self.assertNotIn("55.55", response.text)
        response = self._print(self.collector_a, self.only_a)
        self.assertEqual(response.status_code, 200)
        self.assertIn("2,222.22", response.text)

    def test_other_company_employee_gets_only_its_own_receivables(self):
        response = self._print(self.employee_b, self.shared)
        self.assertEqual(response.status_code, 200)
        self.assertIn("55.55", response.text)
        self.assertNotIn("3,456.78", response.text)
        for partner, context in (
            (self.only_a, None),
            (self.shared, {"allowed_company_ids": [self.company.id]}),
            (self.only_a, {"allowed_company_ids": [self.company.id]}),
        ):
            response = self._print(self.employee_b, partner, context)
            self.assertEqual(response.status_code, 403, (partner.name, context))
            for secret in ("3,456.78", "2,222.22", self.only_a.name):
                self.assertNotIn(secret, response.text)

    def test_portal_customer_gets_nothing(self):
        for partner in (self.shared, self.only_a, self.portal.partner_id):
            response = self._print(self.portal, partner)
            self.assertEqual(response.status_code, 403)
            self.assertNotIn("3,456.78", response.text)
            self.assertNotIn("Statement of Account", response.text)
