from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install")
class TestInstall(AccountTestInvoicingCommon):
    """The addon is installed, its groups and menus exist and work for non-admins."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("mx")
    def setUpClass(cls):
        super().setUpClass()
        cls.collector = new_test_user(
            cls.env,
            login="collector",
            groups="base.group_user,account_collections_mx.group_collection_user",
            company_id=cls.company_data["company"].id,
        )
        cls.plain_user = new_test_user(
            cls.env,
            login="plain",
            groups="base.group_user",
            company_id=cls.company_data["company"].id,
        )

    def test_company_is_mexican(self):
        company = self.company_data["company"]
        self.assertEqual(company.country_id.code, "MX")
        self.assertEqual(company.currency_id.name, "MXN")
        self.assertEqual(company.chart_template, "mx")

    def test_module_installed(self):
        module = self.env["ir.module.module"].search([("name", "=", "account_collections_mx")])
        self.assertEqual(module.state, "installed")

    def test_python_dependencies_are_pypi_names(self):
        """Odoo resolves external dependencies by their PyPI distribution name
        (importlib.metadata): a module name such as ``stdnum`` logs a warning at every
        install."""
        from odoo.modules.module import check_python_external_dependency, get_manifest

        deps = get_manifest("account_collections_mx")["external_dependencies"]["python"]
        self.assertIn("python-stdnum", deps)
        with self.assertNoLogs("odoo.modules.module", "WARNING"):
            for dep in deps:
                check_python_external_dependency(dep)

    def test_groups_hierarchy(self):
        user_group = self.env.ref("account_collections_mx.group_collection_user")
        manager_group = self.env.ref("account_collections_mx.group_collection_manager")
        self.assertIn(user_group, manager_group.implied_ids)
        account_manager = self.env.ref("account.group_account_manager")
        self.assertIn(manager_group, account_manager.trans_implied_ids)
        self.assertTrue(self.collector.has_group("account_collections_mx.group_collection_user"))
        self.assertFalse(self.collector.has_group("account_collections_mx.group_collection_manager"))
        # collectors see invoices
        self.assertTrue(self.collector.has_group("account.group_account_invoice"))

    def test_menu_visible_to_collectors_only(self):
        menu = self.env.ref("account_collections_mx.collections_menu")
        visible = self.env["ir.ui.menu"].with_user(self.collector)._visible_menu_ids()
        self.assertIn(menu.id, visible)
        hidden = self.env["ir.ui.menu"].with_user(self.plain_user)._visible_menu_ids()
        self.assertNotIn(menu.id, hidden)

    def test_collector_reads_invoices(self):
        invoice = self.init_invoice("out_invoice", partner=self.partner_a, amounts=[100], post=True)
        self.assertEqual(invoice.with_user(self.collector).read(["name"])[0]["name"], invoice.name)
