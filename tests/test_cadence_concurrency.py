import datetime as dt

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCadenceConcurrency(TransactionCase):
    """Two collections runs at the same time, in two database transactions, never send
    the same stage twice.

    This needs data that both transactions see, so it is committed (on the main
    company, with a customer of its own) and removed at the end.
    """

    def test_two_concurrent_runs_make_no_duplicate(self):
        now = fields.Datetime.to_datetime("2026-12-07 15:00:00")  # Monday 09:00 in Mexico City
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            company.partner_id.tz = "America/Mexico_City"
            journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
            partner = env["res.partner"].create(
                {
                    "name": "Concurrent Customer",
                    "email": "cc@example.mx",
                    "is_company": True,
                    "tz": "America/Mexico_City",
                    "collection_first_invoice_reviewed": True,
                }
            )
            moves = (
                env["account.move"]
                .with_company(company)
                .create(
                    [
                        {
                            "move_type": "out_invoice",
                            "partner_id": partner.id,
                            "journal_id": journal.id,
                            "invoice_date": "2026-11-10",
                            "invoice_date_due": "2026-12-10",
                            "invoice_payment_term_id": False,
                            "invoice_line_ids": [
                                (0, 0, {"name": "x", "quantity": 1, "price_unit": 100 + i, "tax_ids": [(6, 0, [])]})
                            ],
                        }
                        for i in range(3)
                    ]
                )
            )
            moves.action_post()
            ids = moves.ids
            partner_id = partner.id
            cr.commit()
        try:
            with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
                env_a = api.Environment(cr_a, SUPERUSER_ID, {})
                env_b = api.Environment(cr_b, SUPERUSER_ID, {})
                # run A takes the invoices...
                locked_a = env_a["account.move"].browse(ids)._collection_lock()
                self.assertEqual(sorted(locked_a.ids), sorted(ids))
                # ...run B, at the same time, skips them instead of waiting or duplicating
                self.assertFalse(env_b["account.move"].browse(ids)._collection_lock())
                env_b["account.move"]._collection_run(now=now)
                self.assertFalse(env_b["collection.event"].search([("move_id", "in", ids)]))
                locked_a._collection_plan(now)
                cr_a.commit()
                cr_b.commit()
            # a later run (or a rerun after a crash) finds the stage done
            with self.registry.cursor() as cr_c:
                env_c = api.Environment(cr_c, SUPERUSER_ID, {})
                env_c["account.move"]._collection_run(now=now + dt.timedelta(minutes=5))
                cr_c.commit()
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                events = env["collection.event"].search([("move_id", "in", ids)])
                keys = [(e.move_id.id, e.stage_id.id, e.channel) for e in events]
                self.assertEqual(len(keys), len(set(keys)))
                self.assertEqual(len(events.filtered(lambda e: e.channel == "email")), 3)
                emails = events.filtered(lambda e: e.channel == "email")
                # written once, in Odoo's mail queue (it leaves with the queue's cron)
                self.assertEqual(set(emails.mapped("state")), {"queued"})
                self.assertEqual(len(emails.mail_message_id), 1, "one message for the customer")
        finally:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["collection.event"].with_context(collection_event_force_unlink=True).search(
                    [("move_id", "in", ids)]
                ).unlink()
                env["mail.mail"].search([("model", "=", "account.move"), ("res_id", "in", ids)]).unlink()
                moves = env["account.move"].browse(ids)
                moves.button_draft()
                moves.with_context(force_delete=True).unlink()
                env["res.partner"].browse(partner_id).unlink()
                cr.commit()
