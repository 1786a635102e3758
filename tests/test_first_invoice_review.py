import datetime as dt

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .cfdi_common import CfdiCommon

#: Monday 9 February 2026, 12:00 in Mexico City: the D-3 reminder of an invoice due on the 12th
RUN_AT = dt.datetime(2026, 2, 9, 18, 0)


@tagged("post_install", "-at_install")
class TestFirstInvoiceReview(CfdiCommon):
    """First invoice of a new customer: ticking *Tax data reviewed* releases it into the
    cadence at the next run; CFDI data issues are shown (and offered when ticking), contact
    data is reported apart, and the person's decision wins."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "America/Mexico_City"
        cls.collector = new_test_user(
            cls.env,
            login="collector_review",
            name="Cobradora",
            groups="account.group_account_invoice,account_collections_mx.group_collection_user",
            company_id=cls.company.id,
        )
        # a new customer: complete tax data, an email, no mobile
        cls.newbie = cls.env["res.partner"].create(
            {
                "name": "Nuevo Cliente Digital SA de CV",
                "is_company": True,
                "vat": "EKU900317SA1",
                "cfdi_tax_regime": "601",
                "zip": "06600",
                "email": "pagos@nuevo.example.mx",
                "country_id": cls.env.ref("base.mx").id,
                "tz": "America/Mexico_City",
                "lang": "en_US",
            }
        )

    def _first_invoice(self, partner=None):
        invoice = self.make_invoice(1000.0, invoice_date="2026-01-12", due="2026-02-12", partner=partner or self.newbie)
        self.assertTrue(invoice.collection_first_invoice)
        self.assertEqual(invoice.collection_state, "review")
        return invoice

    def _run(self):
        with freeze_time(RUN_AT):
            self.env["account.move"]._collection_run(now=RUN_AT)

    def _emails(self, invoice):
        return self.env["collection.event"].search([("move_id", "=", invoice.id), ("channel", "=", "email")])

    def test_tick_releases_the_invoice_without_mobile(self):
        self.assertTrue(self.newbie.cfdi_data_ok, self.newbie.cfdi_data_issues)
        self.assertIn("Mobile is missing", self.newbie.collection_contact_issues)
        invoice = self._first_invoice()
        self._run()
        self.assertFalse(self._emails(invoice), "held in review")
        # the collector's button: no CFDI issue, nothing to confirm
        result = self.newbie.with_user(self.collector).action_collection_mark_reviewed()
        self.assertIs(result, True)
        self.assertTrue(self.newbie.collection_first_invoice_reviewed)
        self.assertEqual(invoice.collection_state, "active")
        self._run()
        self.assertEqual(len(self._emails(invoice)), 1)
        self.assertIn("Tax data reviewed by Cobradora", self.newbie.message_ids[:1].body)

    def test_ticking_the_field_releases_it(self):
        self.newbie.cfdi_tax_regime = False  # a CFDI data issue
        invoice = self._first_invoice()
        # a collector as Settings ▸ Users creates one by default: with *Contact Creation*
        editor = new_test_user(
            self.env,
            login="collector_contacts",
            groups="account.group_account_invoice,account_collections_mx.group_collection_user,"
            "base.group_partner_manager",
            company_id=self.company.id,
        )
        with Form(self.newbie.with_user(editor)) as form:
            form.collection_first_invoice_reviewed = True
        self.assertEqual(invoice.collection_state, "active")
        self._run()
        self.assertEqual(len(self._emails(invoice)), 1)

    def test_cfdi_issues_offered_and_the_decision_wins(self):
        self.newbie.write({"cfdi_tax_regime": False, "mobile": False})
        invoice = self._first_invoice()
        # the warning shown when ticking lists the issues
        onchange = self.newbie.new(
            {"collection_first_invoice_reviewed": True}, origin=self.newbie
        )._onchange_collection_first_invoice_reviewed()
        self.assertIn("Tax regime is missing", onchange["warning"]["message"])
        # the button asks first, listing the CFDI data issues apart from the contact data
        action = self.newbie.with_user(self.collector).action_collection_mark_reviewed()
        self.assertEqual(action["res_model"], "collection.review.wizard")
        self.assertFalse(self.newbie.collection_first_invoice_reviewed)
        wizard = (
            self.env["collection.review.wizard"].with_user(self.collector).with_context(action["context"]).create({})
        )
        self.assertIn("Tax regime is missing", wizard.cfdi_data_issues)
        self.assertNotIn("Mobile", wizard.cfdi_data_issues)
        self.assertIn("Mobile is missing", wizard.collection_contact_issues)
        wizard.action_confirm()
        self.assertTrue(self.newbie.collection_first_invoice_reviewed)
        self.assertEqual(invoice.collection_state, "active")
        self.assertIn("Tax regime is missing", self.newbie.message_ids[:1].body)
        # the issues stay visible
        self.assertIn("Tax regime is missing", self.newbie.cfdi_data_issues)
        self._run()
        self.assertEqual(len(self._emails(invoice)), 1)

    def test_plain_user_cannot_mark_reviewed(self):
        billing = new_test_user(
            self.env, login="billing_review", groups="account.group_account_invoice", company_id=self.company.id
        )
        with self.assertRaisesRegex(UserError, "Only Collections Users"):
            self.newbie.with_user(billing).action_collection_mark_reviewed()
        self.assertFalse(self.newbie.collection_first_invoice_reviewed)
