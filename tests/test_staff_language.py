"""What collections writes for people is in their language (es_MX first), whoever runs it.

Odoo runs scheduled actions without a language: what the crons write would otherwise be
English.  Tasks are written in their assignee's language (as Odoo writes activities);
contact-log reasons, chatter notes and the team's channel alerts in the company's (its
staff reads them), each company's in its own; what a customer gets stays in the
customer's.  Dates and amounts are formatted in the reader's language.
"""

import datetime as dt
import re
from urllib.parse import urlparse

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CollectionsCommon
from .matching_common import MatchingCommon
from .test_customer_page import CustomerPageCommon
from .test_payment_plan import PlanCommon, local

D = fields.Date.to_date
MONDAY_0900 = "2026-12-28 15:00:00"  # Monday 28 Dec 09:00 in Mexico City


def spanish(cls):
    """es_MX active, with this addon's translations of its labels and views (the texts of
    its code are read from its .po files when used)."""
    cls.env["res.lang"]._activate_lang("es_MX")
    cls.env["ir.module.module"]._load_module_terms(["account_collections_mx"], ["es_MX"], overwrite=True)


def run_cron(testcase, xmlid, when):
    """Run a scheduled action as Odoo runs it: its user, no language in the context."""
    with freeze_time(fields.Datetime.to_datetime(when)):
        testcase.env.ref(xmlid).sudo().method_direct_trigger()


@tagged("post_install", "-at_install")
class TestCronTextsInStaffLanguage(CollectionsCommon):
    """A Mexican company whose language is es_MX, a Spanish-speaking collector and an
    English-speaking one; the collections run as the cron runs it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        spanish(cls)
        cls.company.partner_id.lang = "es_MX"
        groups = "account.group_account_invoice,account_collections_mx.group_collection_user"
        cls.collector_es = new_test_user(
            cls.env, login="cobradora_lang", name="Cobradora", lang="es_MX", groups=groups, company_id=cls.company.id
        )
        cls.collector_en = new_test_user(
            cls.env, login="collector_lang", name="Collector", lang="en_US", groups=groups, company_id=cls.company.id
        )
        cls.customer.collection_responsible_id = cls.collector_es
        cls.customer_en = cls.env["res.partner"].create(
            {
                "name": "Importadora del Golfo",
                "email": "pagos@golfo.example.mx",
                "is_company": True,
                "tz": "America/Mexico_City",
                "lang": "en_US",
                "collection_first_invoice_reviewed": True,
                "collection_responsible_id": cls.collector_en.id,
            }
        )

    def task(self, move):
        return self.events(move, channel="activity").activity_id

    def test_cadence_run_writes_in_the_company_and_collector_languages(self):
        phone_es = self.make_invoice("2026-12-10", amount=1500.0)
        phone_es.sudo().collection_stage_id = self.stage[7]  # next: the D+15 call
        phone_en = self.make_invoice("2026-12-10", amount=800.0, partner=self.customer_en)
        firm = self.make_invoice("2026-12-21", amount=1200.0)  # D+7 with its alert
        firm.sudo().collection_stage_id = self.stage[3]
        old_es = self.make_invoice("2026-10-14", amount=900.0)  # 75 days overdue
        old_en = self.make_invoice("2026-10-14", amount=700.0, partner=self.customer_en)
        channel = self.env["discuss.channel"]._collection_channel(self.company)
        before = channel.message_ids
        run_cron(self, "account_collections_mx.ir_cron_collection_run", MONDAY_0900)

        # the hand-over call: in the Spanish collector's language, dates day first
        task = self.task(phone_es)
        self.assertEqual(task.user_id, self.collector_es)
        self.assertEqual(task.summary, f"Llamar al cliente acerca de {phone_es.name}")
        self.assertIn("Turnada a una persona (D+15", task.note)
        self.assertIn("pendientes desde el 10/12/2026", task.note)
        # ... and in English for the English-speaking collector of the same company
        task = self.task(phone_en)
        self.assertEqual(task.user_id, self.collector_en)
        self.assertEqual(task.summary, f"Call the customer about {phone_en.name}")
        self.assertIn("due since 12/10/2026", task.note)
        # handed over for being 75 days overdue: why, in each collector's language
        self.assertIn("Turnada a una persona (75 días vencidos)", self.task(old_es).note)
        self.assertIn("Handed over to a person (75 days overdue)", self.task(old_en).note)
        # the contact log and the chatter: the company's language, whoever the collector
        skipped = self.events(phone_en, state="skipped")
        self.assertEqual(set(skipped.stage_id.mapped("offset_days")), {-3, 0, 3, 7})
        self.assertEqual(
            set(skipped.mapped("skip_reason")), {"No enviado: ya correspondía una etapa posterior (puesta al día)"}
        )
        for move in (old_es, old_en):
            self.assertIn("Turnada a una persona: 75 días vencidos", " ".join(move.message_ids.mapped("body")))
        # the team's alert in the company's channel, in Spanish
        digest = channel.message_ids - before
        self.assertEqual(len(digest), 1)
        self.assertEqual(self.events(firm, channel="alert").mail_message_id, digest)
        self.assertIn("Alerta de cobranza", digest.body)
        self.assertIn(f"llegó a la etapa “D+7 Firm reminder” en {firm.name}", digest.body)
        self.assertIn("pendientes desde el 21/12/2026", digest.body)
        # what the (English-speaking) customer receives stays in its language
        email = self.events(firm, channel="email").mail_message_id
        self.assertIn("Hello", email.body)

    def test_statement_period_in_the_reader_language(self):
        Event = self.env["collection.event"].sudo().with_context(collection_engine=True)
        monthly, by_hand = Event.create(
            [
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "channel": "statement",
                    "statement_period": period,
                    "state": "scheduled",
                }
                for period in ("2026-03", "2026-03-30")
            ]
        )
        es = (monthly | by_hand).with_context(lang="es_MX")
        self.assertEqual(es.mapped("display_name"), ["Estado de cuenta marzo 2026", "Estado de cuenta 30/03/2026"])

    def test_statements_cron_in_the_company_language(self):
        self.company.collection_statement_monthly = True
        self.make_invoice("2026-03-20")
        # Sunday 29 March, 12:00 in Mexico City: the monthly statement waits for Monday
        run_cron(self, "account_collections_mx.ir_cron_collection_statements", "2026-03-29 18:00:00")
        statement = self.Event.search([("channel", "=", "statement"), ("partner_id", "=", self.customer.id)])
        self.assertEqual((statement.state, statement.statement_period), ("scheduled", "2026-03"))
        self.assertEqual(statement.skip_reason, "En espera: día de la semana sin contacto")

    def test_waiting_reason_in_the_company_language(self):
        move = self.make_invoice("2026-12-10")
        # Monday 7 Dec 21:00 in Mexico City: D-3 is due, the window closed at 20:00
        run_cron(self, "account_collections_mx.ir_cron_collection_run", "2026-12-08 03:00:00")
        email = self.events(move, channel="email")
        self.assertEqual(email.state, "scheduled")
        self.assertEqual(email.skip_reason, "En espera: después de la ventana de contacto")

    def test_promises_cron_in_the_company_and_collector_languages(self):
        move_es = self.make_invoice("2026-12-10", amount=500.0)
        move_en = self.make_invoice("2026-12-10", amount=300.0, partner=self.customer_en)
        Promise = self.env["collection.promise"]
        with freeze_time("2026-12-15 18:00:00"):
            # recorded by the Spanish-speaking collector: the note in her language
            promise_es = (
                Promise.with_user(self.collector_es)
                .with_context(lang="es_MX")
                .create(
                    {
                        "partner_id": self.customer.id,
                        "move_ids": [Command.set(move_es.ids)],
                        "amount": 500.0,
                        "promised_date": D("2026-12-18"),
                    }
                )
                .sudo()
            )
            promise_en = Promise.create(
                {
                    "partner_id": self.customer_en.id,
                    "move_ids": [Command.set(move_en.ids)],
                    "amount": 300.0,
                    "promised_date": D("2026-12-18"),
                }
            )
        self.assertIn("a más tardar el 18/12/2026", self.customer.message_ids[0].body)
        self.assertNotIn("2026-12-18", self.customer.message_ids[0].body)
        self.assertIn("18/12/2026", promise_es.with_context(lang="es_MX").name)
        run_cron(self, "account_collections_mx.ir_cron_collection_promises", "2026-12-22 18:00:00")
        self.assertEqual((promise_es.state, promise_en.state), ("broken", "broken"))
        # the customers' chatter: the company's language
        for partner in (self.customer, self.customer_en):
            self.assertIn("Promesa de pago incumplida", partner.message_ids[0].body)
            self.assertIn("para el 18/12/2026", partner.message_ids[0].body)
        # the tasks: their collector's
        task_es, task_en = promise_es.activity_ids, promise_en.activity_ids
        self.assertEqual(task_es.user_id, self.collector_es)
        self.assertIn("Promesa de pago incumplida", task_es.summary)
        self.assertIn("prometidos para el 18/12/2026", task_es.note)
        self.assertEqual(task_en.user_id, self.collector_en)
        self.assertIn("Broken promise to pay", task_en.summary)
        self.assertIn("promised for 12/18/2026", task_en.note)

    def test_pue_to_do_in_the_accountant_language(self):
        accountant_es = new_test_user(
            self.env,
            login="contadora_lang",
            lang="es_MX",
            groups="account.group_account_invoice",
            company_id=self.company.id,
        )
        accountant_en = new_test_user(
            self.env,
            login="accountant_lang",
            lang="en_US",
            groups="account.group_account_invoice",
            company_id=self.company.id,
        )
        pue_es = self.make_invoice("2026-02-20", invoice_date=D("2026-02-10"))
        pue_en = self.make_invoice("2026-02-20", invoice_date=D("2026-02-12"), partner=self.customer_en)
        pue_es.invoice_user_id, pue_en.invoice_user_id = accountant_es, accountant_en
        self.assertEqual(pue_es.cfdi_payment_method, "PUE")
        for _run in range(2):  # once per invoice
            run_cron(self, "account_collections_mx.ir_cron_cfdi_sat_status", "2026-03-15 18:00:00")
        todo = pue_es.activity_ids
        self.assertEqual(len(todo), 1)
        self.assertEqual((todo.user_id, todo.summary), (accountant_es, "Factura PUE sin pagar al cierre del mes"))
        self.assertIn("vuelva a emitirla como PPD", todo.note)
        todo = pue_en.activity_ids
        self.assertEqual(len(todo), 1)
        self.assertEqual((todo.user_id, todo.summary), (accountant_en, "PUE invoice unpaid at month end"))

    def test_each_company_in_its_own_language(self):
        """One run, two companies: each contact log in its company's language."""
        company_b = self.setup_other_company(name="Empresa Beta SA")["company"]
        company_b.partner_id.write({"tz": "America/Mexico_City", "lang": "en_US", "email": "cobranza@beta.example.mx"})
        customer_b = self.make_customer("Cliente Beta", company_b, "beta@example.mx")
        move_b = self.make_invoice("2026-12-10", amount=100.0, partner=customer_b, company=company_b)
        move_a = self.make_invoice("2026-12-10")
        run_cron(self, "account_collections_mx.ir_cron_collection_run", "2026-12-17 15:00:00")
        reasons_a = set(self.events(move_a, state="skipped").mapped("skip_reason"))
        reasons_b = set(self.events(move_b, state="skipped").mapped("skip_reason"))
        self.assertEqual(reasons_a, {"No enviado: ya correspondía una etapa posterior (puesta al día)"})
        self.assertEqual(reasons_b, {"Not sent: a later stage was already due (catch-up)"})


@tagged("post_install", "-at_install")
class TestPlanTextsInStaffLanguage(PlanCommon):
    """The payment plans' run: the tasks in the collector's language, the alert, the
    notes and the plan's state in the company's ("convenio": masculine)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        spanish(cls)
        cls.company.partner_id.lang = "es_MX"
        cls.collector.lang = "es_MX"

    def test_broken_plan_in_spanish(self):
        plan = self.prepare()
        self.accept(plan)
        for day in ("2026-12-07", "2026-12-10", "2026-12-13", "2026-12-14", "2026-12-15"):
            self.plan_run(local(day, 9))
        self.assertEqual(plan.state, "broken")
        late = self.plan_events(plan, plan_step="late", channel="activity").activity_id
        self.assertEqual(late.summary, f"La parcialidad 1 de 2 de {plan.name} tiene 3 días de atraso")
        self.assertIn(
            "vencimiento el 10/12/2026",
            self.plan_events(plan, plan_step="broken", channel="alert").mail_message_id.body,
        )
        broken = self.plan_events(plan, plan_step="broken", channel="activity").activity_id
        self.assertEqual(broken.summary, f"Convenio de pago incumplido: {self.customer.name}")
        note = self.inv1.message_ids.filtered(lambda m: plan.name in (m.body or ""))[:1]
        self.assertIn("(incumplido)", note.body)
        # the labels of the plans' and the promises' states agree with their noun
        es = self.env["collection.payment.plan"].with_context(lang="es_MX")
        plan_states = dict(es._fields["state"]._description_selection(es.env))
        promises = self.env["collection.promise"].with_context(lang="es_MX")
        promise_states = dict(promises._fields["state"]._description_selection(promises.env))
        self.assertEqual((plan_states["broken"], plan_states["cancelled"]), ("Incumplido", "Cancelado"))
        self.assertEqual(
            (promise_states["broken"], promise_states["cancelled"], promise_states["kept"]),
            ("Incumplida", "Cancelada", "Cumplida"),
        )


@tagged("post_install", "-at_install")
class TestReviewTrayReasonsTranslated(MatchingCommon):
    """The review tray's reasons are stored as codes and read in the reader's language;
    the notes of the matcher's run are in the company's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        spanish(cls)
        cls.company.partner_id.lang = "es_MX"
        cls.accountant_es = new_test_user(
            cls.env,
            login="contador_bandeja",
            lang="es_MX",
            company_id=cls.company.id,
            groups="account.group_account_manager,account_collections_mx.group_collection_user",
        )

    def test_reasons_in_the_reader_language(self):
        invoice = self._invoice(1000.0)
        line = self._line(400.0, f"ABONO {invoice.name}", partner=self.customer)
        run_cron(self, "account_collections_mx.ir_cron_collection_match", "2025-01-21 15:00:00")
        candidate = line.collection_match_ids.candidate_ids[:1]
        self.assertEqual(candidate.move_id, invoice)
        self.assertEqual(candidate.why_codes, "reference,customer,partial_amount")
        # as the Spanish-speaking accountant's browser asks for it
        accountant = self.accountant_es
        reader = candidate.with_user(accountant).with_context(
            **self.env["res.users"].with_user(accountant).context_get()
        )
        read = reader.read(["why"])[0]["why"]
        self.assertEqual(read, "referencia, cliente, importe parcial")
        self.assertEqual(candidate.with_context(lang="en_US").why, "reference, customer, partial amount")

    def test_automatic_reconciliation_note_in_the_company_language(self):
        invoice = self._invoice(1000.0)
        line = self._line(1000.0, f"PAGO {invoice.name}", partner=self.customer)
        run_cron(self, "account_collections_mx.ir_cron_collection_match", "2025-01-21 15:00:00")
        self.assertEqual(line.collection_match_ids.state, "auto")
        body = invoice.message_ids.filtered(lambda m: "PAGO" in (m.body or ""))[:1].body
        self.assertIn("conciliado automáticamente", body)
        self.assertIn("(20/01/2025)", body)


@tagged("post_install", "-at_install")
class TestCustomerPageLogInStaffLanguage(CustomerPageCommon, HttpCase):
    """An English-speaking customer uses its page: the page and its messages are in
    English, what is logged for the Spanish-speaking company in Spanish (labels,
    amounts, dates), the collector's task in the collector's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        spanish(cls)
        cls.company.partner_id.lang = "es_MX"
        cls.collector.lang = "es_MX"
        cls.inv = cls.invoice(20, 1000.0)
        cls.path = urlparse(cls.customer._collection_portal_url(cls.company)).path

    def post(self, action, data):
        page = self.url_open(self.path)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return self.url_open(f"{self.path}/{action}", data=dict(data, csrf_token=token), allow_redirects=False)

    def logged(self, action, state):
        return (
            self.env["collection.event"]
            .sudo()
            .search(
                [
                    ("channel", "=", "portal"),
                    ("partner_id", "=", self.customer.id),
                    ("portal_action", "=", action),
                    ("state", "=", state),
                ],
                order="id desc",
                limit=1,
            )
        )

    def test_refused_forms_logged_with_labels(self):
        response = self.post("dispute", {"move_id": self.inv.id, "reason": "wrong_amount"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("Tell us briefly what is wrong", response.text)  # the customer's
        details = self.logged("dispute", "failed").portal_details
        self.assertIn("Problema: Importe incorrecto", details)
        self.assertNotIn("wrong_amount", details)
        self.assertNotIn("reason:", details)
        too_late = self.today() + dt.timedelta(days=45)
        response = self.post("promise", {"move_ids": [self.inv.id], "amount": "1500", "date": too_late.isoformat()})
        self.assertEqual(response.status_code, 400)
        event = self.logged("promise", "failed")
        self.assertIn(f"Fecha: {too_late.strftime('%d/%m/%Y')}", event.portal_details)
        self.assertIn("Importe: $\xa01,500.00", event.portal_details)
        self.assertNotIn("date:", event.portal_details)
        self.assertIn("at most 30 days", event.error)  # the message the customer read

    def test_promise_logged_in_spanish_task_in_the_collector_language(self):
        promised = self.today() + dt.timedelta(days=5)
        response = self.post("promise", {"move_ids": [self.inv.id], "amount": "500", "date": promised.isoformat()})
        self.assertEqual(response.status_code, 303)
        event = self.logged("promise", "sent")
        self.assertIn("Prometido en la página del cliente", event.portal_details)
        self.assertIn(promised.strftime("%d/%m/%Y"), event.portal_details)
        self.assertEqual(event.activity_id.user_id, self.collector)
        self.assertIn("Promesa de pago desde la página del cliente", event.activity_id.summary)
        # the customer reads its own language
        self.assertIn('lang="en-US"', self.url_open(self.path).text)


@tagged("post_install", "-at_install")
class TestMainCompanyChannelNaming(CollectionsCommon):
    """The main company's Collections channel is named like the others ("Collections -
    <company>"), in the company's language, and keeps its xml id."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        spanish(cls)

    def test_main_company_channel(self):
        main = self.env.ref("base.main_company")
        channel = self.env.ref("account_collections_mx.channel_collections").sudo()
        self.assertEqual(channel.collection_company_id, main)
        self.assertEqual(channel.name, f"Collections - {main.name}")  # created on install
        # the channel an older version loaded from a data file is renamed, in the
        # company's language
        channel.write(
            {
                "name": "Collections",
                "description": "Alerts of the collections cadences (accounts reaching a firm stage, hand-overs).",
            }
        )
        main.partner_id.lang = "es_MX"
        self.env["res.company"]._collection_ensure_all_channels()
        self.assertEqual(channel.name, f"Cobranza - {main.name}")
        self.assertIn(f"Alertas de las cadencias de cobranza de {main.name}", channel.description)
        # its xml id lost: given back
        self.env["ir.model.data"].sudo().search(
            [
                ("module", "=", "account_collections_mx"),
                ("name", "=", "channel_collections"),
            ]
        ).unlink()
        self.env["res.company"]._collection_ensure_all_channels()
        self.assertEqual(self.env.ref("account_collections_mx.channel_collections"), channel)
        self.assertEqual(self.env["discuss.channel"].sudo().search_count([("collection_company_id", "=", main.id)]), 1)
        # a company whose language is Spanish gets a Spanish channel, whoever creates it
        partner = self.env["res.partner"].create({"name": "Empresa Delta SA", "lang": "es_MX", "is_company": True})
        delta = (
            self.env["res.company"]
            .with_context(lang="en_US")
            .create({"name": "Empresa Delta SA", "partner_id": partner.id})
        )
        self.assertEqual(self.env["discuss.channel"]._collection_channel(delta).name, "Cobranza - Empresa Delta SA")
