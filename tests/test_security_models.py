"""Security of every model of the addon, checked from the registry (so a model added later
without access rights or company rule fails here), and the rights of collectors,
accountants and managers on the records they handle every day."""

import datetime as dt

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import CollectionsCommon

MODULE = "account_collections_mx"


@tagged("post_install", "-at_install")
class TestSecurityEveryModel(CollectionsCommon):
    def _own_models(self):
        data = self.env["ir.model.data"].sudo().search([("module", "=", MODULE), ("model", "=", "ir.model")])
        models = self.env["ir.model"].sudo().browse(data.mapped("res_id"))
        return [
            m
            for m in models
            if m.model in self.env and not self.env[m.model]._abstract and self.env[m.model]._original_module == MODULE
        ]

    def test_every_model_has_access_rights(self):
        user_groups = {
            self.env.ref(f"{MODULE}.group_collection_user"),
            self.env.ref(f"{MODULE}.group_collection_manager"),
            self.env.ref("account.group_account_invoice"),
            self.env.ref(f"{MODULE}.group_collection_approve_match"),
        }
        models = self._own_models()
        self.assertIn("collection.event", [m.model for m in models])
        missing = []
        for model in models:
            groups = set(model.access_ids.filtered("perm_read").mapped("group_id"))
            if not groups & user_groups:
                missing.append(model.model)
        self.assertFalse(missing, "models without access rights for collections users")

    def test_every_model_with_a_company_has_a_company_rule(self):
        missing = []
        for model in self._own_models():
            Model = self.env[model.model]
            if Model._transient or "company_id" not in Model._fields:
                continue
            field = Model._fields["company_id"]
            if not field.store:
                continue
            rules = model.rule_ids.filtered(lambda r: "company_ids" in (r.domain_force or ""))
            if not rules:
                missing.append(model.model)
        self.assertFalse(missing, "models with a company but no multi-company record rule")


@tagged("post_install", "-at_install")
class TestSecurityDailyWork(CollectionsCommon):
    """Collectors record promises and read the log and the tray; only accountants approve;
    nobody edits the contact log; nothing of another company is visible."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company(name="Otra Cobranza SA")["company"]
        cls.collector = new_test_user(
            cls.env,
            login="collector_daily",
            groups=f"{MODULE}.group_collection_user",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.manager = new_test_user(
            cls.env,
            login="manager_daily",
            groups=f"{MODULE}.group_collection_manager,account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id, cls.other_company.id],
        )
        cls.move = cls.make_invoice("2026-12-10")
        cls.env["account.move"]._collection_run(now=dt.datetime(2026, 12, 7, 15))

    def test_collector_records_a_promise(self):
        wizard = (
            self.env["collection.promise.wizard"]
            .with_user(self.collector)
            .create(
                {"partner_id": self.customer.id, "move_ids": [(6, 0, self.move.ids)], "promised_date": "2099-01-15"}
            )
        )
        action = wizard.action_confirm()
        promise = self.env["collection.promise"].browse(action["res_id"])
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.amount, self.move.amount_residual)
        with self.assertRaises(AccessError):
            promise.with_user(self.collector).unlink()

    def test_contact_log_is_append_only_for_everyone(self):
        events = self.env["collection.event"].search([("move_id", "=", self.move.id)])
        self.assertTrue(events)
        for user in (self.collector, self.manager):
            mine = events.with_user(user)
            self.assertEqual(len(mine.read(["state"])), len(events))
            # AccessError is a UserError: either refusal counts
            with self.assertRaises(UserError):
                mine.write({"state": "sent"})
            with self.assertRaises(UserError):
                mine.unlink()
            with self.assertRaises(UserError):
                self.env["collection.event"].with_user(user).create(
                    {"move_id": self.move.id, "partner_id": self.customer.id, "channel": "email"}
                )
        # through RPC (call_kw) the same rules apply
        from odoo.api import call_kw

        with self.assertRaises(UserError):
            call_kw(self.env["collection.event"].with_user(self.manager), "write", [events.ids, {"error": "x"}], {})
        with self.assertRaises(UserError):
            call_kw(self.env["collection.event"].with_user(self.manager), "unlink", [events.ids], {})

    def test_collector_reads_the_tray_but_does_not_approve(self):
        journal = self.company_data["default_journal_bank"]
        line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": journal.id,
                "date": "2026-12-11",
                "amount": 400.0,
                "payment_ref": f"ABONO {self.move.name}",
                "partner_id": self.customer.id,
            }
        )
        line._collection_match()
        match = self.env["collection.match"].search([("statement_line_id", "=", line.id)])
        self.assertEqual(match.state, "to_review")
        as_collector = match.with_user(self.collector)
        self.assertEqual(as_collector.read(["reason"])[0]["reason"], "partial")
        with self.assertRaises(AccessError):
            as_collector.action_approve()
        with self.assertRaises(AccessError):
            as_collector.action_reject()
        self.assertEqual(match.state, "to_review")
        self.assertFalse(line.is_reconciled)

    def test_other_company_is_invisible(self):
        other_customer = self.env["res.partner"].create(
            {"name": "Cliente Otra", "is_company": True, "collection_first_invoice_reviewed": True}
        )
        Promise = self.env["collection.promise"]
        other_promise = Promise.create(
            {
                "company_id": self.other_company.id,
                "partner_id": other_customer.id,
                "amount": 10.0,
                "promised_date": "2099-01-01",
            }
        )
        self.assertNotIn(other_promise, Promise.with_user(self.collector).search([]))
        with self.assertRaises(AccessError):
            other_promise.with_user(self.collector).read(["amount"])
        summary = self.env["collection.summary"]._collection_build(self.other_company, dt.date(2026, 12, 7), send=False)
        self.assertNotIn(summary, self.env["collection.summary"].with_user(self.collector).search([]))
        other_policies = self.env["collection.policy"].search([("company_id", "=", self.other_company.id)])
        self.assertTrue(other_policies)
        with self.assertRaises(AccessError):
            other_policies.with_user(self.collector).read(["name"])
        # a user of both companies sees each only when that company is active
        as_manager = (
            self.env["collection.policy"].with_user(self.manager).with_context(allowed_company_ids=[self.company.id])
        )
        self.assertFalse(as_manager.search([]) & other_policies)
        self.assertTrue(
            as_manager.with_context(allowed_company_ids=[self.other_company.id]).search([]) >= other_policies
        )
