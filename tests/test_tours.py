from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestTours(HttpCase):
    """Real-browser checks (headless Chromium) of the screens collectors and admins use."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.company.country_id = cls.env.ref("base.mx")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Tour Customer SA", "is_company": True, "email": "tour@example.mx"}
        )

    def test_pause_customer_from_its_form(self):
        self.start_tour(
            f"/odoo/action-base.action_partner_form/{self.customer.id}", "acmx_pause_customer", login="admin"
        )
        self.assertTrue(self.customer.collection_paused)
        self.assertEqual(self.customer.collection_pause_reason, "payment_plan")
        self.assertIn("Plan de pagos", self.customer.collection_pause_note)

    def test_add_stage_to_policy(self):
        policy = self.env["collection.policy"].search([("company_id", "=", self.company.id), ("code", "=", "standard")])
        self.start_tour(
            f"/odoo/action-account_collections_mx.collection_policy_action/{policy.id}",
            "acmx_policy_add_stage",
            login="admin",
        )
        stage = policy.stage_ids.filtered(lambda s: s.name == "Llamada del gerente")
        self.assertEqual(stage.offset_days, 30)
        self.assertEqual(stage.channel, "activity")

    def test_contact_window_in_settings(self):
        self.start_tour("/odoo/action-account.action_account_config", "acmx_settings_window", login="admin")
        self.assertEqual(self.company.collection_window_start, 7.5)
