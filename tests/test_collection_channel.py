"""One Collections channel per company: its alerts, read only by its collection users."""

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CollectionsCommon

D7_RUN = "2026-12-17 15:00:00"  # Thursday 09:00 in Mexico City: D+7 of invoices due 10 Dec


@tagged("post_install", "-at_install")
class TestCollectionChannel(CollectionsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Empresa Beta SA")["company"]
        cls.company_b.partner_id.write({"tz": "America/Mexico_City", "email": "cobranza@beta.example.mx"})
        cls.Channel = cls.env["discuss.channel"]
        cls.collector_a = new_test_user(
            cls.env,
            login="collector_chan_a",
            groups="account_collections_mx.group_collection_user",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.collector_b = new_test_user(
            cls.env,
            login="collector_chan_b",
            groups="account_collections_mx.group_collection_user",
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )
        cls.clerk_a = new_test_user(
            cls.env,
            login="clerk_chan_a",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def channel(self, company):
        return self.Channel.sudo().search([("collection_company_id", "=", company.id)])

    def test_one_channel_per_company_members_are_its_collectors(self):
        main = self.env.ref("base.main_company")
        legacy = self.env.ref("account_collections_mx.channel_collections").sudo()
        self.assertEqual(legacy.collection_company_id, main)
        channel_a, channel_b = self.channel(self.company), self.channel(self.company_b)
        self.assertTrue(channel_a and channel_b and channel_a != channel_b)
        self.assertFalse(channel_a.group_ids, "nobody is subscribed by group alone")
        self.assertIn(self.collector_a.partner_id, channel_a.channel_partner_ids)
        self.assertNotIn(self.collector_b.partner_id, channel_a.channel_partner_ids)
        self.assertNotIn(self.clerk_a.partner_id, channel_a.channel_partner_ids)
        self.assertIn(self.collector_b.partner_id, channel_b.channel_partner_ids)
        self.assertNotIn(self.collector_a.partner_id, channel_b.channel_partner_ids)
        # kept in sync: a second company, the group, archiving
        self.collector_a.company_ids = [Command.link(self.company_b.id)]
        self.assertIn(self.collector_a.partner_id, channel_b.channel_partner_ids)
        self.clerk_a.groups_id = [Command.link(self.env.ref("account_collections_mx.group_collection_user").id)]
        self.assertIn(self.clerk_a.partner_id, channel_a.channel_partner_ids)
        self.env.ref("account_collections_mx.group_collection_user").users = [Command.unlink(self.clerk_a.id)]
        self.assertNotIn(self.clerk_a.partner_id, channel_a.channel_partner_ids)
        self.collector_a.company_ids = [Command.unlink(self.company_b.id)]
        self.assertNotIn(self.collector_a.partner_id, channel_b.channel_partner_ids)
        self.collector_a.active = False
        self.assertNotIn(self.collector_a.partner_id, channel_a.channel_partner_ids)
        # a new company gets its channel
        company_c = self.env["res.company"].create({"name": "Empresa Gamma SA"})
        self.assertEqual(len(self.channel(company_c)), 1)

    def test_channels_readable_only_by_the_company_collectors(self):
        channel_a, channel_b = self.channel(self.company), self.channel(self.company_b)
        message = channel_a.message_post(body="Alerta de Alfa", message_type="comment", subtype_xmlid="mail.mt_comment")
        visible_b = self.Channel.with_user(self.collector_b).search([])
        self.assertIn(channel_b, visible_b)
        self.assertNotIn(channel_a, visible_b)
        with self.assertRaises(AccessError):
            channel_a.with_user(self.collector_b).read(["name"])
        with self.assertRaises(AccessError):
            message.with_user(self.collector_b).read(["body"])
        with self.assertRaises(AccessError):  # same company, not a collector
            channel_a.with_user(self.clerk_a).read(["name"])
        self.assertTrue(channel_a.with_user(self.collector_a).read(["name"]))
        self.assertTrue(message.with_user(self.collector_a).read(["body"]))

    def test_alerts_go_to_the_channel_of_their_company(self):
        customer_b = self.env["res.partner"].create(
            {
                "name": "Cliente Beta",
                "email": "beta@example.mx",
                "is_company": True,
                "tz": "America/Mexico_City",
                "company_id": self.company_b.id,
                "collection_first_invoice_reviewed": True,
            }
        )
        policy_b = self.Policy.search([("company_id", "=", self.company_b.id), ("code", "=", "standard")])
        stage_b = {s.offset_days: s for s in policy_b.stage_ids}
        move_a = self.make_invoice("2026-12-10", amount=1111.0)
        move_b = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer_b.id,
                "company_id": self.company_b.id,
                "invoice_date": "2026-11-10",
                "invoice_date_due": "2026-12-10",
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create({"name": "Servicio", "quantity": 1, "price_unit": 2222.0, "tax_ids": []})
                ],
            }
        )
        move_b.action_post()
        move_a.sudo().collection_stage_id = self.stage[3]
        move_b.sudo().collection_stage_id = stage_b[3]
        channel_a, channel_b = self.channel(self.company), self.channel(self.company_b)
        before_a, before_b = channel_a.message_ids, channel_b.message_ids
        self.run_at(fields.Datetime.to_datetime(D7_RUN))
        alert_a = self.events(move_a, channel="alert")
        alert_b = self.events(move_b, channel="alert")
        self.assertEqual((alert_a.state, alert_b.state), ("sent", "sent"))
        digest_a, digest_b = channel_a.message_ids - before_a, channel_b.message_ids - before_b
        self.assertEqual((alert_a.mail_message_id, alert_b.mail_message_id), (digest_a, digest_b))
        self.assertIn(move_a.name, digest_a.body)
        self.assertNotIn("2,222.00", digest_a.body)
        self.assertNotIn(customer_b.name, digest_a.body)
        self.assertIn("2,222.00", digest_b.body)
        self.assertNotIn(self.customer.name, digest_b.body)
        # nobody of company B is told about company A's alert
        self.assertNotIn(self.collector_b.partner_id, channel_a.channel_partner_ids)
        self.assertFalse(digest_a.notification_ids.res_partner_id & self.collector_b.partner_id)
        with self.assertRaises(AccessError):
            digest_a.with_user(self.collector_b).read(["body"])

    def test_channel_of_an_older_version_is_migrated(self):
        """Before: one channel for all companies, every collector subscribed by group."""
        legacy = self.env.ref("account_collections_mx.channel_collections").sudo()
        group = self.env.ref("account_collections_mx.group_collection_user")
        main = self.env.ref("base.main_company")
        legacy.write({"collection_company_id": False, "group_ids": [Command.set(group.ids)]})
        self.assertIn(self.collector_b.partner_id, legacy.channel_partner_ids)
        self.env["res.company"]._collection_ensure_all_channels()
        self.assertEqual(legacy.collection_company_id, main)
        self.assertFalse(legacy.group_ids)
        self.assertEqual(legacy.group_public_id, group)
        self.assertNotIn(self.collector_b.partner_id, legacy.channel_partner_ids)
        self.assertEqual(self.Channel.sudo().search_count([("collection_company_id", "=", main.id)]), 1)
