from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .cfdi_common import CUSTOMER_RFC, DATA, CfdiCommon, cfdi_xml, rep_xml, without_serie_folio


@tagged("post_install", "-at_install")
class TestCfdiPartner(CfdiCommon):
    def test_complete_customer_is_ok(self):
        self.assertTrue(self.customer.cfdi_data_ok)
        self.assertFalse(self.customer.cfdi_data_issues)

    def test_missing_data_is_listed_and_saving_never_blocked(self):
        partner = self.env["res.partner"].create({"name": "Sin datos", "is_company": True})
        self.assertFalse(partner.cfdi_data_ok)
        issues = partner.cfdi_data_issues
        for word in ("RFC", "regime", "postal code"):
            self.assertIn(word, issues)
        # contact data is how to reach the customer, not tax data
        self.assertNotIn("Email", issues)
        self.assertNotIn("Mobile", issues)
        self.assertIn("Email is missing", partner.collection_contact_issues)
        self.assertIn("Mobile is missing", partner.collection_contact_issues)
        # invalid RFCs are saved: they show as issues, they never block
        partner.vat = "ABC689924P73"  # no such date
        self.assertIn("not valid", partner.cfdi_data_issues)
        partner.vat = "MOAA800101"  # 10 characters, no homoclave
        self.assertIn("10 characters", partner.cfdi_data_issues)
        self.assertEqual(partner.vat, "MOAA800101")

    def test_rfc_check_digit_is_a_warning(self):
        self.customer.vat = "ABC680524P76"  # the check digit does not verify
        self.assertTrue(self.customer.cfdi_data_ok, self.customer.cfdi_data_issues)
        self.assertFalse(self.customer.cfdi_data_issues)
        self.assertIn("check digit", self.customer.cfdi_data_warnings)
        self.customer.vat = CUSTOMER_RFC
        self.assertFalse(self.customer.cfdi_data_warnings)
        self.customer.write({"vat": "XAXX010101000", "cfdi_tax_regime": "616"})
        self.assertFalse(self.customer.cfdi_data_warnings)
        self.assertTrue(self.customer.cfdi_data_ok, self.customer.cfdi_data_issues)

    def test_contact_data_does_not_make_cfdi_data_incomplete(self):
        self.customer.write({"mobile": False, "email": False})
        self.assertTrue(self.customer.cfdi_data_ok)
        self.assertFalse(self.customer.cfdi_data_issues)
        self.assertEqual(self.customer.collection_contact_issues.count("\n"), 1)

    def test_rfc_kinds(self):
        partner = self.customer.copy(
            {"name": "Persona", "is_company": False, "vat": "MOAA8001014S9", "cfdi_tax_regime": "612"}
        )
        self.assertTrue(partner.cfdi_data_ok, partner.cfdi_data_issues)
        partner.cfdi_tax_regime = "601"  # personas morales only
        self.assertIn("does not apply", partner.cfdi_data_issues)
        partner.write({"vat": "EKU900317SA1", "cfdi_tax_regime": "612"})
        self.assertIn("company's RFC", partner.cfdi_data_issues)
        # generic RFCs of the SAT are accepted
        partner.write({"vat": "XAXX010101000", "cfdi_tax_regime": "616"})
        self.assertTrue(partner.cfdi_data_ok, partner.cfdi_data_issues)

    def test_foreign_customer_needs_no_rfc(self):
        partner = self.env["res.partner"].create(
            {
                "name": "Foreign Inc",
                "is_company": True,
                "country_id": self.env.ref("base.us").id,
                "email": "ap@foreign.example.com",
                "mobile": "+1 555 0100",
            }
        )
        self.assertTrue(partner.cfdi_data_ok, partner.cfdi_data_issues)
        self.assertFalse(partner.cfdi_data_warnings)

    def test_contacts_share_the_commercial_cfdi_data(self):
        contact = self.env["res.partner"].create({"name": "Pagos", "parent_id": self.customer.id})
        self.assertEqual(contact.cfdi_tax_regime, "601")
        self.customer.cfdi_usage = "G01"
        self.assertEqual(contact.cfdi_usage, "G01")


@tagged("post_install", "-at_install")
class TestCfdiInvoiceRules(CfdiCommon):
    def test_default_payment_method_from_due_date(self):
        ppd = self.make_invoice(due="2026-02-15", post=False)
        self.assertEqual((ppd.cfdi_payment_method, ppd.cfdi_payment_form), ("PPD", "99"))
        pue = self.make_invoice(due="2026-01-31", post=False)
        self.assertEqual(pue.cfdi_payment_method, "PUE")
        self.assertFalse(pue.cfdi_payment_form)
        self.customer.cfdi_usage = "G03"
        self.assertEqual(self.make_invoice(post=False).cfdi_usage, "G03")

    def test_ppd_requires_99_and_pue_refuses_99(self):
        ppd = self.make_invoice(due="2026-02-15")
        with self.assertRaisesRegex(ValidationError, "must use payment form 99"):
            ppd.write({"cfdi_payment_form": "03"})
        pue = self.make_invoice(due="2026-01-20")
        pue.cfdi_payment_form = "03"
        with self.assertRaisesRegex(ValidationError, "may not use payment form 99"):
            pue.write({"cfdi_payment_form": "99"})
        # switching to PPD sets 99 by itself
        pue.cfdi_payment_method = "PPD"
        self.assertEqual(pue.cfdi_payment_form, "99")

    def test_uuid_unique_per_company(self):
        uuid = "6f2b8a1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
        first = self.make_invoice()
        first.cfdi_uuid = uuid
        self.assertEqual(first.cfdi_uuid, uuid.upper())  # normalized
        second = self.make_invoice(invoice_date="2026-01-12")
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            second.cfdi_uuid = uuid.upper()
            second.flush_recordset(["cfdi_uuid"])
        with self.assertRaisesRegex(ValidationError, "not a valid fiscal folio"):
            second.cfdi_uuid = "12345"
        # another company may hold the same UUID
        other = self.setup_other_company(name="Otra Empresa")["company"]
        move = (
            self.env["account.move"]
            .with_company(other)
            .create(
                {"move_type": "out_invoice", "partner_id": self.customer.id, "company_id": other.id, "cfdi_uuid": uuid}
            )
        )
        move.flush_recordset(["cfdi_uuid"])
        self.assertEqual(move.cfdi_uuid, uuid.upper())


@tagged("post_install", "-at_install")
class TestCfdiImport(CfdiCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls.make_invoice(1000.0, due="2026-02-28", name="A101")

    def test_import_fills_invoice_and_attaches_xml(self):
        self.customer.cfdi_tax_regime = False
        report = self.import_files(("a101.xml", cfdi_xml()))
        line = report["a101.xml"]
        self.assertEqual(line.result, "matched", line.reason)
        self.assertEqual(line.move_id, self.invoice)
        inv = self.invoice
        self.assertEqual(inv.cfdi_uuid, "6F2B8A1E-1C2D-4E5F-8A9B-0C1D2E3F4A5B")
        self.assertEqual((inv.cfdi_serie, inv.cfdi_folio), ("A", "101"))
        self.assertEqual((inv.cfdi_payment_method, inv.cfdi_payment_form, inv.cfdi_usage), ("PPD", "99", "G03"))
        self.assertEqual(inv.cfdi_receiver_rfc, CUSTOMER_RFC)
        self.assertEqual(inv.cfdi_xml_attachment_id.res_model, "account.move")
        self.assertEqual(inv.cfdi_xml_attachment_id.res_id, inv.id)
        self.assertEqual(inv.cfdi_xml_attachment_id.raw, cfdi_xml())
        # empty customer data completed from the CFDI, never overwritten
        self.assertEqual(self.customer.cfdi_tax_regime, "601")
        # the same file again changes nothing
        again = self.import_files(("again.xml", cfdi_xml()))["again.xml"]
        self.assertEqual(again.result, "matched")
        self.assertIn("Already imported", again.reason)
        self.assertEqual(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "account.move"), ("res_id", "=", inv.id), ("mimetype", "=", "application/xml")]
            ),
            1,
        )

    def test_match_by_serie_and_folio(self):
        other = self.make_invoice(500.0, invoice_date="2026-01-11", due="2026-01-11")
        other.write({"cfdi_serie": "B", "cfdi_folio": "7"})
        line = self.import_files(
            (
                "b7.xml",
                cfdi_xml(
                    serie="B",
                    folio="7",
                    total="500.00",
                    metodo="PUE",
                    forma="03",
                    uuid="0A1B2C3D-0000-4000-8000-000000000007",
                ),
            )
        )["b7.xml"]
        self.assertEqual(line.result, "matched", line.reason)
        self.assertEqual(other.cfdi_payment_form, "03")

    def test_each_file_gets_its_own_result(self):
        report = self.import_files(
            ("good.xml", cfdi_xml()),
            ("broken.xml", (DATA / "cfdi_malformed.xml").read_bytes()),
            ("xxe.xml", (DATA / "cfdi_xxe.xml").read_bytes()),
            ("old.xml", (DATA / "cfdi33_invoice.xml").read_bytes()),
            ("issuer.xml", cfdi_xml(emisor="TCM970625MB1", uuid="0A1B2C3D-0000-4000-8000-000000000001")),
            ("total.xml", cfdi_xml(total="999.00", uuid="0A1B2C3D-0000-4000-8000-000000000002")),
            ("rfc.xml", cfdi_xml(receptor="AAA010101AA1", uuid="0A1B2C3D-0000-4000-8000-000000000003")),
            ("nofolio.xml", cfdi_xml(folio="999", uuid="0A1B2C3D-0000-4000-8000-000000000004")),
            ("egreso.xml", cfdi_xml().replace(b'TipoDeComprobante="I"', b'TipoDeComprobante="E"')),
        )
        results = {name: (line.result, line.reason) for name, line in report.items()}
        self.assertEqual(results["good.xml"][0], "matched")
        self.assertEqual(results["broken.xml"][0], "rejected")
        self.assertIn("not well-formed", results["broken.xml"][1])
        self.assertEqual(results["xxe.xml"][0], "rejected")
        self.assertIn("DTD", results["xxe.xml"][1])
        self.assertNotIn("root:", str(results))
        # a CFDI 3.3 is read; no invoice A33 of 100.00 here
        self.assertEqual(results["old.xml"][0], "unmatched")
        self.assertIn("A33", results["old.xml"][1])
        self.assertEqual(results["issuer.xml"][0], "rejected")
        self.assertIn("TCM970625MB1", results["issuer.xml"][1])
        self.assertEqual(results["total.xml"][0], "unmatched")
        self.assertEqual(results["rfc.xml"][0], "unmatched")
        self.assertEqual(results["nofolio.xml"][0], "unmatched")
        self.assertEqual(results["egreso.xml"][0], "rejected")
        self.assertIn("neither an invoice nor a payment complement", results["egreso.xml"][1])
        # the good file was applied although others failed; uploads were cleaned up
        self.assertTrue(self.invoice.cfdi_uuid)
        self.assertFalse(self.env["ir.attachment"].search([("res_model", "=", "collection.cfdi.import")]))

    def test_different_uuid_is_a_conflict(self):
        self.invoice.cfdi_uuid = "11111111-1111-4111-8111-111111111111"
        line = self.import_files(("a101.xml", cfdi_xml()))["a101.xml"]
        self.assertEqual(line.result, "rejected")
        self.assertIn("already has the UUID", line.reason)
        self.assertEqual(self.invoice.cfdi_uuid, "11111111-1111-4111-8111-111111111111")
        self.assertFalse(self.invoice.cfdi_xml_attachment_id)

    def test_uuid_of_another_invoice_is_rejected(self):
        other = self.make_invoice(300.0, invoice_date="2026-01-12")
        other.cfdi_uuid = "6F2B8A1E-1C2D-4E5F-8A9B-0C1D2E3F4A5B"
        line = self.import_files(("a101.xml", cfdi_xml()))["a101.xml"]
        self.assertEqual(line.result, "rejected")
        self.assertIn(other.display_name, line.reason)
        self.assertFalse(self.invoice.cfdi_uuid)


@tagged("post_install", "-at_install")
class TestCfdiAccess(CfdiCommon):
    def test_billing_user_imports_and_registers(self):
        user = new_test_user(
            self.env,
            login="facturista",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company.id,
        )
        invoice = self.make_invoice(1000.0, due="2026-02-28", name="A101")
        self.customer.cfdi_usage = False
        wizard = (
            self.env["collection.cfdi.import"]
            .with_user(user)
            .create(
                {
                    "company_id": self.company.id,
                    "attachment_ids": [(6, 0, [self.attachment(cfdi_xml(), user=user).id])],
                }
            )
        )
        wizard.action_import()
        self.assertEqual(wizard.line_ids.result, "matched", wizard.line_ids.reason)
        self.assertEqual(invoice.cfdi_uuid, "6F2B8A1E-1C2D-4E5F-8A9B-0C1D2E3F4A5B")
        # billing users cannot edit customers: the missing usage is reported, not written
        self.assertIn("G03", wizard.line_ids.reason)
        self.assertFalse(self.customer.cfdi_usage)
        register = (
            self.env["collection.cfdi.complement.register"]
            .with_user(user)
            .create({"move_ids": [(6, 0, invoice.ids)], "uuids": "CCCCCCCC-0000-4000-8000-000000000009"})
        )
        register.action_register()
        self.assertEqual(invoice.cfdi_complement_uuids, "CCCCCCCC-0000-4000-8000-000000000009")
        menu = self.env.ref("account_collections_mx.account_move_menu_cfdi_complement")
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(user)._visible_menu_ids())

    def test_plain_user_cannot_import(self):
        user = new_test_user(self.env, login="plain_cfdi", groups="base.group_user", company_id=self.company.id)
        with self.assertRaises(AccessError):
            self.env["collection.cfdi.import"].with_user(user).create({"company_id": self.company.id})

    def test_non_mexican_company_gets_no_cfdi_defaults(self):
        other = self.setup_other_company(name="US Co", country_id=self.env.ref("base.us").id)
        move = (
            self.env["account.move"]
            .with_company(other["company"])
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": "2026-01-10",
                    "invoice_date_due": "2026-03-10",
                    "invoice_payment_term_id": False,
                }
            )
        )
        self.assertFalse(move.cfdi_payment_method)
        self.assertFalse(move.cfdi_payment_form)

    def test_views_show_the_cfdi_data(self):
        move_form = self.env["account.move"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="cfdi"', move_form)
        self.assertIn("country_code != 'MX'", move_form)
        partner_form = self.env["res.partner"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("cfdi_data_issues", partner_form)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_collections_mx.account_move_action_cfdi_complement"
        )
        tray = self.env["account.move"].get_views([(action["view_id"][0], "list")])["views"]["list"]["arch"]
        self.assertIn("decoration-danger", tray)
        self.assertIn("cfdi_complement_due_date", tray)


@tagged("post_install", "-at_install")
class TestCfdiImportWithoutFolio(CfdiCommon):
    """Serie and Folio are optional in CFDI 4.0: the file of the customer's only open
    invoice of that total is matched by RFC, total, currency and date; otherwise the
    report line lists the candidates. CFDI 3.3 invoices still open are read too."""

    UUID = "0A1B2C3D-0000-4000-8000-0000000000F1"

    def _file(self, **values):
        return without_serie_folio(cfdi_xml(**{"uuid": self.UUID, **values}))

    def test_only_open_invoice_of_that_total(self):
        invoice = self.make_invoice(1000.0, invoice_date="2026-01-10", due="2026-02-28")
        self.make_invoice(700.0, invoice_date="2026-01-10")  # another total
        self.assertNotIn(b"Folio", self._file())
        line = self.import_files(("sin_folio.xml", self._file()))["sin_folio.xml"]
        self.assertEqual(line.result, "matched", line.reason)
        self.assertEqual(line.move_id, invoice)
        self.assertIn("no Serie/Folio", line.reason)
        self.assertEqual(invoice.cfdi_uuid, self.UUID)
        self.assertEqual((invoice.cfdi_serie, invoice.cfdi_folio), (False, False))
        self.assertTrue(invoice.cfdi_xml_attachment_id)

    def test_pac_numbering_differs_from_odoo(self):
        invoice = self.make_invoice(1000.0, invoice_date="2026-01-12")
        line = self.import_files(("f900.xml", cfdi_xml(serie="F", folio="900", uuid=self.UUID)))["f900.xml"]
        self.assertEqual(line.result, "matched", line.reason)
        self.assertEqual(line.move_id, invoice)
        self.assertIn("F900", line.reason)

    def test_several_candidates_are_listed(self):
        first = self.make_invoice(1000.0, invoice_date="2026-01-09")
        second = self.make_invoice(1000.0, invoice_date="2026-01-11")
        line = self.import_files(("dos.xml", self._file()))["dos.xml"]
        self.assertEqual(line.result, "unmatched")
        self.assertEqual(line.candidate_ids, first | second)
        for invoice in (first, second):
            self.assertIn(invoice.name, line.reason)
        self.assertFalse((first | second).filtered("cfdi_uuid"))

    def test_date_decides_between_equal_totals(self):
        self.make_invoice(1000.0, invoice_date="2025-11-03")
        near = self.make_invoice(1000.0, invoice_date="2026-01-12")
        line = self.import_files(("fecha.xml", self._file()))["fecha.xml"]
        self.assertEqual(line.result, "matched", line.reason)
        self.assertEqual(line.move_id, near)

    def test_far_date_is_only_a_candidate(self):
        far = self.make_invoice(1000.0, invoice_date="2025-10-01")
        line = self.import_files(("lejos.xml", self._file()))["lejos.xml"]
        self.assertEqual(line.result, "unmatched")
        self.assertEqual(line.candidate_ids, far)
        self.assertFalse(far.cfdi_uuid)

    def test_other_customer_or_currency_never_matches(self):
        other = self.customer.copy({"name": "Otro Cliente", "vat": "EKU900317SA1"})
        self.make_invoice(1000.0, invoice_date="2026-01-10", partner=other)
        line = self.import_files(("otro.xml", self._file()))["otro.xml"]
        self.assertEqual(line.result, "unmatched")
        self.assertFalse(line.candidate_ids)
        self.make_invoice(1000.0, invoice_date="2026-01-10")
        line = self.import_files(("usd.xml", self._file(moneda="USD")))["usd.xml"]
        self.assertEqual(line.result, "unmatched")

    def test_cfdi33_of_an_open_invoice(self):
        invoice = self.make_invoice(100.0, invoice_date="2021-06-01", due="2021-07-15", name="A33")
        line = self.import_files(("old.xml", (DATA / "cfdi33_invoice.xml").read_bytes()))["old.xml"]
        self.assertEqual(line.result, "matched", line.reason)
        self.assertEqual(line.move_id, invoice)
        self.assertIn("3.3", line.reason)
        self.assertEqual(invoice.cfdi_uuid, "33333333-3333-4333-8333-333333333333")
        self.assertEqual((invoice.cfdi_serie, invoice.cfdi_folio), ("A", "33"))
        # without Serie/Folio: by RFC, total and date as well
        other = self.make_invoice(100.0, invoice_date="2021-06-02")
        data = without_serie_folio((DATA / "cfdi33_invoice.xml").read_bytes()).replace(
            b"33333333-3333-4333-8333-333333333333", b"33333333-3333-4333-8333-333333333334"
        )
        line = self.import_files(("old2.xml", data))["old2.xml"]
        self.assertEqual(line.move_id, other, line.reason)

    def test_cfdi33_payment_complement_says_how_to_proceed(self):
        data = (
            rep_xml(["6F2B8A1E-1C2D-4E5F-8A9B-0C1D2E3F4A5B"])
            .replace(b"http://www.sat.gob.mx/cfd/4", b"http://www.sat.gob.mx/cfd/3")
            .replace(b'Version="4.0"', b'Version="3.3"')
        )
        line = self.import_files(("rep33.xml", data))["rep33.xml"]
        self.assertEqual(line.result, "rejected")
        self.assertIn("Register payment complement", line.reason)
