from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .matching_common import MatchingCommon

APPROVE = "account_collections_mx.group_collection_approve_match"


@tagged("post_install", "-at_install")
class TestReviewTrayRights(MatchingCommon):
    """Who approves the review tray on a Community database: users created as a Community
    admin does it in Settings ▸ Users (Invoicing *Billing* / *Administrator*, Collections
    groups), never with the hidden "Show Full Accounting Features" group."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.admin = new_test_user(
            cls.env, login="invoicing_admin", name="Administradora", groups="account.group_account_manager", **company
        )
        cls.collector = new_test_user(
            cls.env,
            login="collector_rights",
            name="Cobrador",
            groups="account.group_account_invoice,account_collections_mx.group_collection_user",
            **company,
        )
        cls.billing = new_test_user(
            cls.env, login="billing_rights", name="Facturista", groups="account.group_account_invoice", **company
        )

    def _suggestion(self, amount=400.0, total=1000.0):
        invoice = self._invoice(total)
        line = self._line(amount, f"ABONO {invoice.name}")
        line._collection_match()
        match = line.collection_match_ids
        self.assertRecordValues(match, [{"state": "to_review", "reason": "partial"}])
        return invoice, line, match

    def test_invoicing_admin_approves(self):
        self.assertTrue(self.admin.has_group(APPROVE))
        self.assertFalse(self.admin.has_group("account.group_account_user"))
        invoice, line, match = self._suggestion()
        match.with_user(self.admin).action_approve()
        self.assertRecordValues(match, [{"state": "approved", "done_by_id": self.admin.id}])
        # reconciled through Odoo's reconciliation: the bank line and the invoice agree
        self.assertTrue(line.is_reconciled)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 600.0)
        partials = invoice.line_ids.filtered(lambda aml: aml.account_type == "asset_receivable").matched_credit_ids
        self.assertEqual(partials.credit_move_id.move_id, line.move_id)
        self.assertIn(self.admin.name, invoice.message_ids[:1].body)
        # reject and match again too
        _invoice2, _line2, match2 = self._suggestion(300.0)
        match2.with_user(self.admin).action_rematch()
        match2.with_user(self.admin).action_reject()
        self.assertEqual(match2.state, "rejected")
        menu = self.env.ref("account_collections_mx.collection_match_menu")
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.admin)._visible_menu_ids())
        arch = self.env["collection.match"].with_user(self.admin).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="action_approve"', arch)

    def test_collector_and_billing_user_cannot_approve(self):
        invoice, line, match = self._suggestion()
        for user in (self.collector, self.billing):
            self.assertFalse(user.has_group(APPROVE))
            mine = match.with_user(user)
            for action in ("action_approve", "action_reject", "action_rematch"):
                with self.assertRaisesRegex(AccessError, "Approve bank matches"):
                    getattr(mine, action)()
        # the collector still reads the tray, without the buttons
        as_collector = match.with_user(self.collector)
        self.assertEqual(as_collector.read(["reason"])[0]["reason"], "partial")
        with self.assertRaises(AccessError):
            as_collector.write({"note": "aprobado"})
        arch = (
            self.env["collection.match"].with_user(self.collector).get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn('name="action_approve"', arch)
        self.assertEqual(match.state, "to_review")
        self.assertFalse(line.is_reconciled)
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_admin_grants_the_right_to_a_collector(self):
        invoice, line, match = self._suggestion()
        # Settings ▸ Users: the administrator picks "Approve bank matches" for the collector
        approve = self.env.ref(APPROVE)
        self.collector.write({"groups_id": [Command.link(approve.id)]})
        self.assertTrue(self.collector.has_group(APPROVE))
        match.with_user(self.collector).action_approve()
        self.assertEqual(match.done_by_id, self.collector)
        self.assertTrue(line.is_reconciled)
        self.assertEqual(invoice.payment_state, "partial")

    def test_users_screen_shows_the_right(self):
        approve = self.env.ref(APPROVE)
        by_app = {app: (kind, groups) for app, kind, groups, _cat in self.env["res.groups"].get_groups_by_application()}
        kind, groups = by_app[approve.category_id]
        self.assertEqual(kind, "selection")
        self.assertEqual(groups, approve)
        # the collector / manager level stays one choice
        user_group = self.env.ref("account_collections_mx.group_collection_user")
        kind, groups = by_app[user_group.category_id]
        self.assertEqual(kind, "selection")
        self.assertNotIn(approve, groups)
        # shown on the user form outside debug mode, beside Invoicing and Collections
        self.env["res.groups"]._update_user_groups_view()
        arch = self.env.ref("base.user_groups_view").arch
        self.assertIn(f'name="sel_groups_{approve.id}"', arch)
        # Invoicing administrators and Enterprise accountants have it
        for xmlid in ("account.group_account_manager", "account.group_account_user"):
            self.assertIn(approve, self.env.ref(xmlid).trans_implied_ids)
        self.assertIn(user_group, approve.trans_implied_ids)
