from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import CollectionsCommon


@tagged("post_install", "-at_install")
class TestSecurity(CollectionsCommon):
    """Access rights of collectors and managers, and company separation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company_data = cls.setup_other_company(name="Otra Empresa SA")
        cls.other_company = cls.other_company_data["company"]
        cls.collector = new_test_user(
            cls.env,
            login="collector_sec",
            groups="account_collections_mx.group_collection_user",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.manager = new_test_user(
            cls.env,
            login="manager_sec",
            groups="account_collections_mx.group_collection_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.move = cls.make_invoice("2026-12-10")
        cls.env["account.move"]._collection_run(now=__import__("datetime").datetime(2026, 12, 7, 15))

    def test_collector_reads_but_does_not_configure(self):
        policy = self.policy.with_user(self.collector)
        self.assertTrue(policy.stage_ids.read(["name"]))
        with self.assertRaises(AccessError):
            policy.write({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.env["collection.policy"].with_user(self.collector).create(
                {"name": "X", "stage_ids": [(0, 0, {"name": "A", "offset_days": 1, "channel": "activity"})]}
            )
        with self.assertRaises(AccessError):
            self.env["collection.non.contact.day"].with_user(self.collector).create({"date": "2026-12-12"})
        events = self.env["collection.event"].with_user(self.collector).search([("move_id", "=", self.move.id)])
        self.assertTrue(events)
        with self.assertRaises(UserError):
            events.write({"skip_reason": "x"})
        with self.assertRaises(UserError):
            events.unlink()

    def test_collector_pauses_disputes_and_resumes(self):
        move = self.move.with_user(self.collector)
        action = move.action_collection_dispute()
        wizard = (
            self.env["collection.pause.wizard"]
            .with_user(self.collector)
            .with_context(action["context"])
            .create({"note": "Precio incorrecto"})
        )
        wizard.action_confirm()
        self.assertEqual(self.move.collection_state, "disputed")
        move.action_collection_resume()
        self.assertEqual(self.move.collection_state, "active")
        partner_action = self.customer.with_user(self.collector).action_collection_pause()
        self.env["collection.pause.wizard"].with_user(self.collector).with_context(partner_action["context"]).create(
            {"reason": "key_account"}
        ).action_confirm()
        self.assertTrue(self.customer.collection_paused)

    def test_manager_configures(self):
        policy = (
            self.env["collection.policy"]
            .with_user(self.manager)
            .create(
                {
                    "name": "Manager policy",
                    "company_id": self.company.id,
                    "stage_ids": [(0, 0, {"name": "Call", "offset_days": 3, "channel": "activity"})],
                }
            )
        )
        policy.stage_ids.write({"offset_days": 4})
        self.assertEqual(policy.stage_ids.offset_days, 4)

    def test_companies_are_separated(self):
        other_policy = self.env["collection.policy"].search([("company_id", "=", self.other_company.id)])
        self.assertTrue(other_policy, "every company gets its default policies")
        visible = self.env["collection.policy"].with_user(self.manager).search([])
        self.assertFalse(visible & other_policy)
        other_move = self.make_invoice("2026-12-10")
        other_move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "company_id": self.other_company.id,
                "journal_id": self.other_company_data["default_journal_sale"].id,
                "invoice_date": "2026-11-10",
                "invoice_date_due": "2026-12-10",
                "invoice_payment_term_id": False,
                "invoice_line_ids": [(0, 0, {"name": "x", "quantity": 1, "price_unit": 10, "tax_ids": []})],
            }
        )
        other_move.action_post()
        self.assertEqual(other_move.collection_policy_id.company_id, self.other_company)
        self.env["account.move"]._collection_run(now=__import__("datetime").datetime(2026, 12, 7, 15))
        self.assertTrue(self.env["collection.event"].search([("move_id", "=", other_move.id)]))
        seen = self.env["collection.event"].with_user(self.collector).search([])
        self.assertTrue(seen)
        self.assertFalse(seen.filtered(lambda e: e.company_id == self.other_company))


@tagged("post_install", "-at_install")
class TestSettings(CollectionsCommon):
    def test_settings_write_company_values(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.collection_default_policy_id, self.policy)
        self.assertTrue(settings.collection_contact_mon)
        self.assertFalse(settings.collection_contact_sat)
        settings.write(
            {
                "collection_contact_sat": True,
                "collection_contact_mon": False,
                "collection_window_start": 9.0,
                "collection_min_gap_days": 3,
            }
        )
        settings.execute()
        self.assertEqual(self.company.collection_window_weekdays, "1,2,3,4,5")
        self.assertEqual(self.company.collection_window_start, 9.0)
        self.assertEqual(self.company.collection_min_gap_days, 3)

    def test_settings_refuse_illegal_values(self):
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.env["res.config.settings"].create({"collection_window_end": 23.0}).execute()
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            Settings = self.env["res.config.settings"]
            Settings.create(dict.fromkeys(Settings._CONTACT_DAY_FIELDS, False)).execute()
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.env["res.config.settings"].create({"collection_min_gap_days": -1}).execute()
        receivable = self.company_data["default_account_receivable"]
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.env["res.config.settings"].create({"collection_writeoff_account_id": receivable.id}).execute()
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.env["res.config.settings"].create({"collection_tolerance": -1.0}).execute()
        expense = self.company_data["default_account_expense"]
        self.env["res.config.settings"].create({"collection_writeoff_account_id": expense.id}).execute()
        self.assertEqual(self.company.collection_writeoff_account_id, expense)
