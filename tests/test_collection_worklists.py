import ast
import datetime as dt

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import CollectionsCommon

MODULE = "account_collections_mx"


@tagged("post_install", "-at_install")
class TestCollectionWorklists(CollectionsCommon):
    """The collectors' worklists as they open them: *Invoices to collect* and
    *Customers*, in two companies and two currencies, with their filters, sorting and
    group totals; and the group totals of the review tray and the aging order of the
    analysis."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # everyone in Mexico City: the users' today (invoices) and the companies' today
        # (customers) are the same day, also late in the evening
        tz = "America/Mexico_City"
        cls.env = cls.env(context=dict(cls.env.context, tz=tz))
        cls.today = fields.Date.context_today(cls.env["account.move"])
        cls.usd = cls.setup_other_currency("USD", rates=[("1900-01-01", 0.05)])  # 20 MXN
        cls.company_b = cls.setup_other_company(name="Cobranza Dos SA")["company"]
        both = [Command.set((cls.company | cls.company_b).ids)]
        collections = f"base.group_user,{MODULE}.group_collection_user"
        cls.collector = new_test_user(
            cls.env,
            login="worklist_collector",
            name="Cobradora Uno",
            groups=collections,
            company_id=cls.company.id,
            company_ids=both,
            tz=tz,
        )
        cls.colleague = new_test_user(
            cls.env,
            login="worklist_colleague",
            name="Cobrador Dos",
            groups=collections,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
            tz=tz,
        )
        Partner = cls.env["res.partner"]
        # collected by the collector / by its salesperson (the collector) / by the colleague
        # although its salesperson is the collector (the collector field wins)
        cls.customer.collection_responsible_id = cls.collector
        cls.by_salesperson = Partner.create(
            {
                "name": "Ferretería Salesperson",
                "is_company": True,
                "user_id": cls.collector.id,
                "collection_first_invoice_reviewed": True,
            }
        )
        cls.theirs = Partner.create(
            {
                "name": "Papelería del Colega",
                "is_company": True,
                "user_id": cls.collector.id,
                "collection_responsible_id": cls.colleague.id,
                "collection_first_invoice_reviewed": True,
            }
        )
        day = cls.today
        # customer: 45 days overdue (MXN), USD not yet due; a contact of it in company B
        cls.late = cls.make_invoice(day - dt.timedelta(days=45), 1000.0)
        cls.usd_invoice = cls.make_invoice(day + dt.timedelta(days=5), 500.0, currency=cls.usd)
        cls.other_company_invoice = cls.make_invoice(day - dt.timedelta(days=10), 300.0, company=cls.company_b)
        cls.ten_days = cls.make_invoice(day - dt.timedelta(days=10), 200.0, partner=cls.by_salesperson)
        cls.not_due = cls.make_invoice(day + dt.timedelta(days=3), 700.0, partner=cls.theirs)

    def _as(self, model, user, companies=None):
        """``model`` as ``user`` sees it in the web client: the companies selected in the
        company switcher (by default its current company)."""
        return self.env[model].with_user(user).with_context(allowed_company_ids=(companies or user.company_id).ids)

    def _action(self, xmlid):
        return self.env["ir.actions.act_window"]._for_xml_id(f"{MODULE}.{xmlid}")

    def _filter_domain(self, search_view_xmlid, name, user):
        """The domain of a filter of a search view, evaluated as the web client does."""
        arch = etree.fromstring(self.env.ref(f"{MODULE}.{search_view_xmlid}").arch)
        [node] = arch.xpath(f"//filter[@name='{name}']")
        return ast.literal_eval(node.get("domain").replace("uid", str(user.id)))

    # ------------------------------------------------------------------ invoices
    def test_invoice_worklist_screen(self):
        action = self._action("account_move_collection_action")
        context = ast.literal_eval(action["context"])
        self.assertIs(context["create"], False)  # no New, no Upload, in list and form
        self.assertEqual(context.get("search_default_groupby_collection_state"), 1)
        list_view = self.env.ref(f"{MODULE}.account_move_view_list_collection")
        self.assertEqual(list(action["views"][0]), [list_view.id, "list"])
        Move = self._as("account.move", self.collector)
        arch = Move.get_views([(list_view.id, "list")])["views"]["list"]["arch"]
        root = etree.fromstring(arch)
        self.assertEqual(root.get("create"), "0")
        self.assertIsNone(root.get("js_class"))  # Odoo's invoice list adds *Upload*
        columns = root.xpath("//field/@name")
        for fname in (
            "partner_id",
            "name",
            "collection_amount_due",
            "invoice_date_due",
            "collection_days_overdue",
            "collection_state",
            "collection_stage_id",
            "collection_next_stage_id",
            "collection_next_date",
            "collection_promise_date",
            "collection_user_id",
        ):
            self.assertIn(fname, columns)
        for fname in ("amount_untaxed_signed", "amount_total_signed"):
            self.assertNotIn(fname, columns)
        search = self.env.ref(f"{MODULE}.account_move_view_search_collection")
        self.assertEqual(action["search_view_id"][0], search.id)
        filters = etree.fromstring(search.arch).xpath("//filter/@name")
        for name in ("mine", "to_contact_today", "promised", "overdue_30"):
            self.assertIn(name, filters)
        # the rows the collector sees
        rows = Move.search(ast.literal_eval(action["domain"]))
        self.assertEqual(rows, self.late | self.usd_invoice | self.ten_days | self.not_due)
        self.assertRecordValues(
            self.late.with_user(self.collector),
            [{"collection_days_overdue": 45, "collection_amount_due": 1000.0, "collection_user_id": self.collector.id}],
        )
        self.assertRecordValues(
            self.usd_invoice,
            [{"collection_days_overdue": 0, "collection_amount_due": 500.0, "amount_residual_signed": 10000.0}],
        )

    def test_days_overdue_filter_and_sort(self):
        Move = self.env["account.move"].with_user(self.collector)
        mine = [("id", "in", (self.late | self.usd_invoice | self.ten_days | self.not_due).ids)]
        self.assertEqual(
            Move.search(
                mine + self._filter_domain("account_move_view_search_collection", "overdue_30", self.collector)
            ),
            self.late,
        )
        cases = {
            (">", 9): self.late | self.ten_days,
            (">=", 10): self.late | self.ten_days,
            (">", 10): self.late,
            ("<", 10): self.usd_invoice | self.not_due,
            ("<=", 10): self.ten_days | self.usd_invoice | self.not_due,
            ("=", 0): self.usd_invoice | self.not_due,
            ("=", 45): self.late,
            ("!=", 0): self.late | self.ten_days,
            (">", -1): Move.browse(mine[0][2]),
            ("<", 0): Move,
        }
        for (operator, value), expected in cases.items():
            found = Move.search(mine + [("collection_days_overdue", operator, value)])
            self.assertEqual(found, expected, f"{operator} {value}")
        with self.assertRaises(UserError):
            Move.search([("collection_days_overdue", ">", "treinta")])
        # sorted in SQL, ties by due date
        ordered = Move.search(mine, order="collection_days_overdue desc, invoice_date_due, id")
        self.assertEqual(ordered[:2], self.late | self.ten_days)
        self.assertEqual(ordered[0], self.late)
        fields_info = Move.fields_get(["collection_days_overdue"], ["sortable", "aggregator"])
        self.assertTrue(fields_info["collection_days_overdue"]["sortable"])
        self.assertEqual(fields_info["collection_days_overdue"]["aggregator"], "max")

    def test_mine_filter(self):
        domain = self._filter_domain("account_move_view_search_collection", "mine", self.collector)
        Move = self._as("account.move", self.collector)
        found = Move.search([("move_type", "=", "out_invoice")] + domain)
        # collector of the customer, or salesperson of a customer without collector
        self.assertEqual(found, self.late | self.usd_invoice | self.ten_days)
        self.assertNotIn(self.not_due, found)
        theirs = self._as("account.move", self.colleague).search(
            [("move_type", "=", "out_invoice")]
            + self._filter_domain("account_move_view_search_collection", "mine", self.colleague)
        )
        self.assertEqual(theirs, self.not_due)
        self.assertEqual(Move.search([("collection_user_id", "=", False), ("id", "in", found.ids)]), Move)
        # a name typed in the search bar
        invoices = [("move_type", "=", "out_invoice")]
        self.assertEqual(Move.search(invoices + [("collection_user_id", "ilike", "cobradora")]), found)
        self.assertEqual(Move.search(invoices + [("collection_user_id", "ilike", "dos")]), self.not_due)
        self.assertFalse(Move.search(invoices + [("collection_user_id", "ilike", "nadie")]))
        self.assertEqual(Move.search(invoices + [("collection_user_id", "not ilike", "dos")]), found)

    def test_promised_filter_and_date(self):
        promised = fields.Date.add(self.today, days=4)
        wizard = Form(
            self.env["collection.promise.wizard"]
            .with_user(self.collector)
            .with_context(default_partner_id=self.customer.id, default_move_ids=[Command.set(self.late.ids)])
        )
        wizard.promised_date = promised
        wizard.save().action_confirm()
        Move = self._as("account.move", self.collector)
        domain = self._filter_domain("account_move_view_search_collection", "promised", self.collector)
        self.assertEqual(Move.search([("move_type", "=", "out_invoice")] + domain), self.late)
        self.assertEqual(self.late.collection_promise_date, promised)
        self.assertFalse(self.ten_days.collection_promise_date)

    def test_invoice_worklist_group_totals(self):
        Move = self.env["account.move"].with_user(self.collector)
        info = Move.fields_get(["collection_amount_due", "amount_residual_signed"], ["aggregator"])
        # per-currency amounts never add up in a group row; the company-currency one does
        self.assertFalse(info["collection_amount_due"].get("aggregator"))
        self.assertEqual(info["amount_residual_signed"]["aggregator"], "sum")
        groups = Move.read_group(
            [("id", "in", (self.late | self.usd_invoice).ids)],
            ["amount_residual_signed:sum", "collection_days_overdue:max"],
            ["partner_id"],
        )
        self.assertEqual(len(groups), 1)
        self.assertAlmostEqual(groups[0]["amount_residual_signed"], 1000.0 + 500.0 * 20)
        self.assertEqual(groups[0]["collection_days_overdue"], 45)

    # ------------------------------------------------------------------ customers
    def test_customer_worklist_rows(self):
        Row = self._as("collection.customer", self.collector, self.company | self.company_b)
        event_day = fields.Datetime.subtract(fields.Datetime.now(), days=2)
        self.env["collection.event"].sudo().with_context(collection_engine=True).create(
            {
                "move_id": self.late.id,
                "partner_id": self.customer.id,
                "channel": "email",
                "stage_id": self.stage[3].id,
                "state": "sent",
                "done_at": event_day,
            }
        )
        wizard = Form(
            self.env["collection.promise.wizard"]
            .with_user(self.collector)
            .with_context(default_partner_id=self.customer.id, default_move_ids=[Command.set(self.late.ids)])
        )
        wizard.promised_date = fields.Date.add(self.today, days=6)
        wizard.save().action_confirm()
        rows = Row.search([("partner_id", "in", (self.customer | self.by_salesperson | self.theirs).ids)])
        keys = {(r.company_id, r.partner_id): r for r in rows}
        self.assertEqual(
            set(keys),
            {
                (self.company, self.customer),
                (self.company_b, self.customer),
                (self.company, self.by_salesperson),
                (self.company, self.theirs),
            },
        )
        row = keys[(self.company, self.customer)]
        default_policy = self.env["collection.policy"]._get_default(self.company)
        self.assertRecordValues(
            row,
            [
                {
                    "amount_due": 1000.0 + 10000.0,
                    "overdue_amount": 1000.0,
                    "invoice_count": 2,
                    "days_overdue": 45,
                    "user_id": self.collector.id,
                    "rating": "good",
                    "policy_id": default_policy.id,
                    "currency_id": self.company.currency_id.id,
                    "promise_date": fields.Date.add(self.today, days=6),
                    "promise_amount": 1000.0,
                    "last_contact": event_day,
                    "paused": False,
                }
            ],
        )
        self.assertIn("1,000.00", row.due_by_currency)
        self.assertIn("500.00", row.due_by_currency)  # the USD invoice, in USD
        self.assertNotIn("10,000.00", row.due_by_currency)
        self.assertIn("1,000.00", row.overdue_by_currency)
        self.assertNotIn("500.00", row.overdue_by_currency)
        # next action: the cadence's next stage of the customer's earliest active invoice
        active = (self.late | self.usd_invoice).filtered(
            lambda m: m.collection_state == "active" and m.collection_next_date
        )
        if active:
            first = min(active, key=lambda m: (m.collection_next_date, m.id))
            self.assertEqual(row.next_date, first.collection_next_date)
            self.assertEqual(row.next_stage_id, first.collection_next_stage_id)
        # company B's row: its own invoice only, in its own currency
        row_b = keys[(self.company_b, self.customer)]
        self.assertRecordValues(
            row_b,
            [
                {
                    "amount_due": 300.0,
                    "overdue_amount": 300.0,
                    "days_overdue": 10,
                    "invoice_count": 1,
                    "promise_date": False,
                    "last_contact": False,
                }
            ],
        )
        self.assertRecordValues(
            keys[(self.company, self.theirs)],
            [{"days_overdue": 0, "overdue_amount": 0.0, "user_id": self.colleague.id}],
        )
        # a colleague of company A only never sees company B's row
        theirs = (
            self.env["collection.customer"].with_user(self.colleague).search([("partner_id", "=", self.customer.id)])
        )
        self.assertEqual(theirs.company_id, self.company)

    def test_customer_worklist_paid_customer_leaves(self):
        Row = self.env["collection.customer"]
        self.assertTrue(Row.search([("partner_id", "=", self.by_salesperson.id)]))
        self.pay(self.ten_days)
        self.assertFalse(Row.search([("partner_id", "=", self.by_salesperson.id)]))

    def test_customer_worklist_screen_and_default_filter(self):
        action = self._action("collection_customer_action")
        context = ast.literal_eval(action["context"])
        self.assertEqual(context, {"create": False, "search_default_my_customers": 1})
        menu = self.env.ref(f"{MODULE}.collection_customer_menu")
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.collector)._visible_menu_ids())
        mine = self._filter_domain("collection_customer_view_search", "my_customers", self.collector)
        Row = self._as("collection.customer", self.collector)
        found = Row.search(mine)
        self.assertEqual(found.partner_id, self.customer | self.by_salesperson)
        self.assertEqual(found.company_id, self.company)  # the user's current company
        views = Row.get_views([(False, "list"), (False, "search")])
        root = etree.fromstring(views["views"]["list"]["arch"])
        self.assertEqual(
            (root.get("create"), root.get("action"), root.get("type")), ("0", "action_open_customer", "object")
        )
        for fname in (
            "partner_id",
            "amount_due",
            "overdue_amount",
            "days_overdue",
            "rating",
            "policy_id",
            "next_stage_id",
            "next_date",
            "last_contact",
            "promise_date",
            "user_id",
        ):
            self.assertIn(fname, root.xpath("//field/@name"))
        # opening a row: the customer's form on its Collections tab
        row = found.filtered(lambda r: r.partner_id == self.customer)
        result = row.action_open_customer()
        self.assertEqual((result["res_model"], result["res_id"]), ("res.partner", self.customer.id))
        view_id = result["views"][0][0]
        form = self.env["res.partner"].with_user(self.collector).get_views([(view_id, "form")])["views"]["form"]["arch"]
        [page] = etree.fromstring(form).xpath("//page[@name='collections']")
        self.assertEqual(page.get("autofocus"), "autofocus")

    def test_customer_worklist_group_totals(self):
        Row = self.env["collection.customer"].with_context(allowed_company_ids=(self.company | self.company_b).ids)
        info = Row.fields_get(["amount_due", "days_overdue", "due_by_currency"], ["aggregator"])
        self.assertEqual(info["amount_due"]["aggregator"], "sum")
        self.assertEqual(info["days_overdue"]["aggregator"], "max")
        self.assertFalse(info["due_by_currency"].get("aggregator"))
        partners = (self.customer | self.by_salesperson | self.theirs).ids
        groups = Row.read_group(
            [("partner_id", "in", partners)], ["amount_due:sum", "days_overdue:max"], ["company_id"]
        )
        totals = {g["company_id"][0]: (g["amount_due"], g["days_overdue"]) for g in groups}
        self.assertEqual(totals, {self.company.id: (11000.0 + 200.0 + 700.0, 45), self.company_b.id: (300.0, 10)})

    # ------------------------------------------------------------------ tray, analysis
    def test_review_tray_group_totals(self):
        Match = self.env["collection.match"]
        info = Match.fields_get(["amount", "difference", "amount_company_currency"], ["aggregator"])
        self.assertFalse(info["amount"].get("aggregator"))
        self.assertFalse(info["difference"].get("aggregator"))
        self.assertEqual(info["amount_company_currency"]["aggregator"], "sum")
        bank = self.company_data["default_journal_bank"]
        lines = self.env["account.bank.statement.line"].create(
            [
                {"journal_id": bank.id, "date": self.today, "amount": 400.0, "payment_ref": f"ABONO {self.late.name}"},
                {"journal_id": bank.id, "date": self.today, "amount": 55.0, "payment_ref": "DEPOSITO EN EFECTIVO"},
            ]
        )
        lines._collection_match()
        matches = lines.collection_match_ids
        self.assertEqual(len(matches), 2)
        self.assertEqual(sorted(matches.mapped("amount_company_currency")), [55.0, 400.0])
        [group] = Match.read_group([("id", "in", matches.ids)], ["amount_company_currency:sum"], [])
        self.assertEqual(group["amount_company_currency"], 455.0)

    def test_aging_buckets_in_time_order(self):
        self.env.cr.execute("SELECT (NOW() AT TIME ZONE 'UTC')::date")
        today = self.env.cr.fetchone()[0]
        for days in (95, 75, 0):  # with the invoices of the set-up: 45 (31-60), 10 (1-30)
            self.make_invoice(today - dt.timedelta(days=days), 100.0)
        Analysis = self.env["collection.analysis"]
        order = ["current", "1_30", "31_60", "61_90", "90_plus"]
        domain = [("company_id", "=", self.company.id)]
        # as the pivot and the graph ask (not lazy), and as a grouped list (lazy)
        for lazy in (False, True):
            groups = Analysis.read_group(domain, ["amount_residual:sum"], ["aging_bucket"], lazy=lazy)
            self.assertEqual([g["aging_bucket"] for g in groups], order)
        groups = Analysis.read_group(domain, ["amount_residual:sum"], ["partner_id", "aging_bucket"], lazy=False)
        by_partner = [g["aging_bucket"] for g in groups if g["partner_id"][0] == self.customer.id]
        self.assertEqual(by_partner, sorted(by_partner, key=order.index))
        groups = Analysis.read_group(
            domain, ["amount_residual:sum"], ["aging_bucket"], orderby="aging_bucket desc", lazy=False
        )
        self.assertEqual([g["aging_bucket"] for g in groups], order[::-1])
        rows = Analysis.search(domain, order="aging_bucket, id")
        self.assertEqual(list(dict.fromkeys(rows.mapped("aging_bucket"))), order)
