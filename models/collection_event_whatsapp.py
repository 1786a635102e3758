"""WhatsApp delivery of the cadence's events and processing of the webhook."""

import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.osv import expression
from odoo.tools import format_date

from ..tools import cadence, whatsapp
from ..tools.cron import collection_may_commit
from .collection_whatsapp_provider import WhatsAppError, WhatsAppNotConfigured

_logger = logging.getLogger(__name__)

STATUS_ORDER = {"sent": 1, "delivered": 2, "read": 3}


class CollectionEvent(models.Model):
    _inherit = "collection.event"

    # free-text answers of a collector (wizard *Answer on WhatsApp*): logged with the
    # customer, not with one invoice
    channel = fields.Selection(
        selection_add=[("whatsapp_text", "WhatsApp answer")], ondelete={"whatsapp_text": "cascade"}
    )
    body = fields.Text(string="Text", readonly=True, help="The text of a free-text answer.")
    user_id = fields.Many2one("res.users", string="Sent By", readonly=True)

    @api.depends("move_id", "channel")
    def _compute_display_name(self):
        answers = self.filtered(lambda e: e.channel == "whatsapp_text")
        for event in answers:
            event.display_name = _("WhatsApp answer to %s", event.partner_id.display_name)
        super(CollectionEvent, self - answers)._compute_display_name()

    # ------------------------------------------------------------------ sending
    def _collection_wa_parameters(self, stage, moves):
        """Ordered body parameters of the stage's template, from the group's invoices."""
        partner = self.partner_id[:1]
        lead = moves[:1]
        today = fields.Date.context_today(self)
        values = {
            "partner_name": partner.name,
            "invoice_numbers": ", ".join(moves.mapped("name")),
            # one amount per currency: amounts of different currencies are never added
            "amount_residual": ", ".join(
                moves.with_context(collection_groups=None, collection_move_ids=None)._collection_reminder_totals()
            ),
            "date_due": format_date(self.env, min(moves.mapped("invoice_date_due"))),
            "days_overdue": str(max(cadence.days_overdue(m.invoice_date_due, today) for m in moves)),
            "payment_link": lead._collection_payment_link(),
            "company_name": lead.company_id.name,
        }
        if lead:  # the customer's page, its SPEI reference and the company's CLABE
            portal = lead._collection_portal_info()
            values.update(portal_link=portal["url"], spei_reference=portal["reference"], clabe=portal["clabe"])
        names = [n.strip() for n in (stage.whatsapp_template_params or "").split(",") if n.strip()]
        return [values.get(name, "") for name in names]

    def _collection_deliver_whatsapp(self, now=None):
        """One template message for the group (same customer), never twice.

        ``now`` is the run's time: waiting and retries are rescheduled from it.  Only what
        surely did not reach WhatsApp is tried again (connection refused, connect timeout,
        429 after its wait); a message that may have been delivered (read timeout, 5xx,
        connection broken after sending, crash during the call) is marked failed with
        "delivery unknown" and a task for a person, and never sent again by itself.
        """
        now = now or fields.Datetime.now()
        # an attempt interrupted after the call (crash): the message may have left; never resend
        unknown = self.filtered(lambda e: e.delivery_status == "sending")
        if unknown:
            unknown._collection_wa_delivery_unknown(
                _(
                    "Delivery unknown: interrupted while sending; the message may have been "
                    "delivered and is not resent to avoid a duplicate."
                )
            )
        events = self - unknown
        if not events:
            return
        try:
            # one group that cannot be prepared (bad record, parameters) fails alone
            with self.env.cr.savepoint():
                prepared = events._collection_wa_prepare(now)
        except Exception as error:
            _logger.exception("collections: WhatsApp reminder of events %s not prepared", events.ids)
            events._mark("failed", error=_("The WhatsApp message could not be prepared: %s", error), skip_reason=False)
            return
        if not prepared:
            return
        Provider, phone, stage, moves, parameters = prepared
        company = events.company_id[:1]
        attempt = max(events.mapped("attempt_count")) + 1
        events.sudo().write(
            {"attempt_count": attempt, "delivery_status": "sending", "group_key": f"wa-{events[:1].id}-{attempt}"}
        )
        events.flush_recordset()
        if self.env.context.get("collection_commit") and collection_may_commit(self.env):
            # the attempt is recorded before the call: a crash after it is never resent
            self.env.cr.commit()  # pylint: disable=invalid-commit
        try:
            wamid = Provider._send_template(
                phone,
                stage.whatsapp_template_name,
                company.collection_wa_language or "es_MX",
                parameters,
                company=company,
            )
        except WhatsAppError as error:
            max_attempts = company.collection_wa_max_attempts or 5
            if error.unknown:
                events._collection_wa_delivery_unknown(str(error))
            elif error.retryable and attempt < max_attempts:
                wait = max(error.retry_after or 0, whatsapp.backoff_seconds(attempt))
                events.sudo().write(
                    {
                        "delivery_status": False,
                        "error": str(error),
                        "scheduled_at": now + timedelta(seconds=wait),
                        "skip_reason": _("Waiting: retry %(n)s of %(max)s", n=attempt + 1, max=max_attempts),
                    }
                )
            else:
                events._mark("failed", error=str(error), delivery_status=False, skip_reason=False)
            return
        except Exception as error:  # anything else once the request may have left
            _logger.exception("collections: WhatsApp call failed for events %s", events.ids)
            events._collection_wa_delivery_unknown(_("Delivery unknown: %s", error))
            return
        events._mark("sent", provider_ref=wamid, delivery_status="sent", error=False, skip_reason=False, done_at=now)
        body = Markup("%s<br/>%s") % (
            _(
                "WhatsApp reminder “%(template)s” sent to %(phone)s.",
                template=stage.whatsapp_template_name,
                phone=whatsapp.e164(phone) or phone,
            ),
            ", ".join(moves.mapped("name")),
        )
        moves.sudo()._message_log_batch(bodies=dict.fromkeys(moves.ids, body))

    def _collection_wa_prepare(self, now):
        """Check the group can go and build the call: (provider, phone, stage, invoices,
        template parameters), or None when the events were skipped or wait."""
        events = self
        partner = events.partner_id[:1]
        company = events.company_id[:1]
        if partner.commercial_partner_id.collection_do_not_contact:
            events._mark("skipped", skip_reason=_("The customer asked not to be contacted"))
            return None
        if partner.commercial_partner_id.collection_whatsapp_opt_out:
            events._mark("skipped", skip_reason=_("The customer asked for no WhatsApp messages"))
            return None
        # without credentials the messages wait, whatever else: nothing is lost
        Provider = self.env["collection.whatsapp.provider"].sudo().with_company(company)
        try:
            Provider._config(company)
        except WhatsAppNotConfigured as error:
            events.sudo().write({"skip_reason": str(error), "scheduled_at": now + timedelta(hours=1)})
            return None
        moves = events.move_id.sorted(lambda m: (m.invoice_date_due, m.id))
        raw = moves[:1].partner_id.mobile or partner.mobile or partner.phone
        if not raw:
            events._mark("skipped", skip_reason=_("The customer has no mobile number"))
            return None
        if not whatsapp.e164(raw):
            events._mark("skipped", skip_reason=_("Invalid mobile number: %s", raw))
            return None
        stage = events._collection_leading().stage_id
        if not stage.whatsapp_template_name:
            events._mark("skipped", skip_reason=_("Stage %s has no WhatsApp template", stage.display_name))
            return None
        return Provider, raw, stage, moves, events._collection_wa_parameters(stage, moves)

    def _collection_wa_delivery_unknown(self, error):
        """The message may have been delivered: failed, never resent by itself, and a task
        for the collector to check with the customer."""
        self._mark("failed", error=error, delivery_status="unknown", skip_reason=False)
        move = self.move_id.sorted(lambda m: (m.invoice_date_due or m.date, m.id))[:1]
        if move:
            partner = self.partner_id[:1].name
            # the collector's task in the collector's language (``move.env``)
            move._collection_schedule_activity(
                lambda move: (
                    move.env._("WhatsApp delivery unknown: check with %s", partner),
                    move.env._(
                        "%(error)s It may have reached the customer: check (WhatsApp "
                        "Manager, or ask the customer) before sending anything again. It "
                        "is never resent by itself.",
                        error=error,
                    ),
                )
            )

    # ------------------------------------------------------------------ webhook
    @api.model
    def _collection_wa_webhook(self, payload, companies):
        """Apply a verified webhook payload: delivery statuses and inbound replies.

        :param companies: the companies whose app secret verified the signature; each item
            belongs to the one of them whose phone number id it names (several companies
            may share an app secret), items naming none of them are ignored
        """
        statuses, messages = whatsapp.parse_webhook(payload)
        done = 0
        for kind, items in (("status", statuses), ("message", messages)):
            for item in items:
                company = companies.filtered(
                    lambda c, i=item: i["phone_number_id"] and c.collection_wa_phone_number_id == i["phone_number_id"]
                )
                if len(company) != 1:
                    _logger.warning(
                        "WhatsApp webhook: %s for phone number id %s ignored (%s verified companies own it)",
                        kind,
                        item["phone_number_id"],
                        len(company),
                    )
                    continue
                company = company.sudo()
                # what is logged for the company's staff: in the company's language
                record = self.with_company(company).with_context(lang=company._collection_lang())
                if kind == "status":
                    record._collection_wa_status(item, company)
                else:
                    record._collection_wa_inbound(item, company)
                done += 1
        return done

    @api.model
    def _collection_wa_status(self, status, company):
        if not status.get("id"):
            return
        events = self.sudo().search(
            [("provider_ref", "=", status["id"]), ("channel", "=", "whatsapp"), ("company_id", "=", company.id)]
        )
        new = status.get("status")
        for event in events:
            if event.state == "failed":
                continue
            if new == "failed":
                event._mark(
                    "failed", error=status.get("error") or _("Reported failed by WhatsApp"), delivery_status="failed"
                )
            elif STATUS_ORDER.get(new, 0) > STATUS_ORDER.get(event.delivery_status, 0):
                event.sudo().write({"delivery_status": new})

    @api.model
    def _collection_wa_find_partners(self, number, company):
        """The customers (commercial entities) of ``company`` (or shared) whose mobile or
        phone is this number, found by the whole number in every form it may be stored in
        (``+52``/``+521``/``0052``, national, ``044``/``045``/``01``), never by a part."""
        phone = whatsapp.normalize_phone(number)
        Partner = self.env["res.partner"].sudo()
        if not phone:
            return Partner
        international, national = whatsapp.number_forms(phone)
        e164 = ["+" + form for form in international]
        forms = [[("phone_sanitized", "in", e164)]]
        forms += [[("phone_mobile_search", "=", form)] for form in e164 + national]
        partners = Partner.search(expression.AND([[("company_id", "in", [False, company.id])], expression.OR(forms)]))
        # the database compares digits: keep those whose number really is this one
        partners = partners.filtered(
            lambda p: whatsapp.same_number(p.mobile, phone) or whatsapp.same_number(p.phone, phone)
        )
        return partners.commercial_partner_id

    @api.model
    def _collection_wa_inbound(self, message, company):
        Message = (
            self.env["collection.whatsapp.message"]
            .sudo()
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
        )
        if not message.get("id") or Message.search_count([("wamid", "=", message["id"])], limit=1):
            return False  # a replayed delivery changes nothing
        candidates = self._collection_wa_find_partners(message.get("from"), company)
        partner = candidates if len(candidates) == 1 else self.env["res.partner"]
        move = self.env["account.move"]
        if partner:
            move = (
                self.env["account.move"]
                .sudo()
                .search(
                    [
                        ("commercial_partner_id", "=", partner.id),
                        ("company_id", "=", company.id),
                        ("move_type", "=", "out_invoice"),
                        ("state", "=", "posted"),
                        ("collection_state", "not in", (False, "done", "excluded")),
                    ],
                    order="invoice_date_due asc, id asc",
                    limit=1,
                )
            )
        text = message.get("text") or ""
        rules = self.env["collection.whatsapp.rule"].sudo()._as_rules(company)
        kind = whatsapp.classify(text, rules)
        record = Message.create(
            {
                "wamid": message["id"],
                "company_id": company.id,
                "partner_id": partner.id,
                "move_id": move.id,
                "phone": message.get("from"),
                "body": text,
                "kind": kind,
            }
        )
        if not partner:
            record._collection_hand_over_unmatched(candidates)
            return record
        # an internal note: read by the collectors, never emailed to the customer
        body = Markup("<b>%s</b><br/>%s") % (_("WhatsApp from +%s:", message.get("from")), text)
        partner.sudo().message_post(
            body=body, author_id=partner.id, message_type="comment", subtype_xmlid="mail.mt_note"
        )
        if move:
            move.sudo().message_post(
                body=body, author_id=partner.id, message_type="comment", subtype_xmlid="mail.mt_note"
            )
        partner.sudo().collection_wa_last_inbound = fields.Datetime.now()
        self._collection_reply_received(partner, move, kind, text, "whatsapp", company=company)
        return record
