"""Cadence stages of a customer whose email bounces go by WhatsApp.

When the planning of a batch records its events, an email to a recipient whose address
bounced (Odoo's bounce counter ``message_bounce`` on the contact) is logged skipped
with the reason, and the stage goes by WhatsApp instead when the customer has a valid
mobile, WhatsApp is configured for the company and the stage has a WhatsApp template
(stages by email alone may name one for this).  Otherwise the collector's task to fix
the address (created with the bounce) is what remains.
"""

from odoo import api, models
from odoo.tools import SQL

from ..tools import whatsapp
from .account_move_cadence import EV_CHANNEL as CHANNEL
from .account_move_cadence import EV_COMPANY as COMPANY
from .account_move_cadence import EV_DONE_AT as DONE_AT
from .account_move_cadence import EV_MOVE as MOVE
from .account_move_cadence import EV_REASON as REASON
from .account_move_cadence import EV_STAGE as STAGE
from .account_move_cadence import EV_STATE as STATE
from .collection_whatsapp_provider import WhatsAppNotConfigured


def _rerouted(event, channel, state, done_at, reason):
    """The planned event ``event`` with another channel and state."""
    values = list(event)
    values[CHANNEL], values[STATE], values[DONE_AT], values[REASON] = (channel, state, done_at, reason)
    return tuple(values)


class AccountMove(models.Model):
    _inherit = "account.move"

    @api.model
    def _collection_plan_events(self, now, events, run=None):
        return self._collection_bounce_reroute(now, super()._collection_plan_events(now, events, run=run), run=run)

    @api.model
    def _collection_bounce_reroute(self, now, events, run=None):
        """The batch's events, with scheduled emails to a bounced address replaced (the
        reasons in each company's language)."""
        emails = [e for e in events if e[CHANNEL] == "email" and e[STATE] == "scheduled"]
        if not emails:
            return events
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT m.id,
                      CASE WHEN COALESCE(p.email, '') != '' THEN p.message_bounce
                           ELSE cp.message_bounce END,
                      COALESCE(NULLIF(p.mobile, ''), NULLIF(cp.mobile, ''), NULLIF(cp.phone, ''))
                 FROM account_move m
                 JOIN res_partner p ON p.id = m.partner_id
                 JOIN res_partner cp ON cp.id = m.commercial_partner_id
                WHERE m.id IN %s""",
                tuple({e[MOVE] for e in emails}),
            )
        )
        bounced = {move_id: mobile for move_id, bounces, mobile in self.env.cr.fetchall() if bounces and bounces > 0}
        if not bounced:
            return events
        stages = (
            self.env["collection.policy.stage"]
            .sudo()
            .browse({e[STAGE] for e in emails if e[MOVE] in bounced and e[STAGE]})
        )
        template = {stage.id: stage.whatsapp_template_name for stage in stages}
        configured = {}
        present = {(e[MOVE], e[STAGE], e[CHANNEL]) for e in events}
        result = []
        emails = set(emails)
        for event in events:
            if event not in emails or event[MOVE] not in bounced:
                result.append(event)
                continue
            move_id, stage_id, company_id = event[MOVE], event[STAGE], event[COMPANY]
            if company_id not in configured:
                configured[company_id] = self._collection_wa_configured(company_id)
            env = run.company_env(company_id) if run else self.env
            if (move_id, stage_id, "whatsapp") in present:
                reason = env._("The customer's email bounced: this stage goes by WhatsApp")
            elif whatsapp.normalize_phone(bounced[move_id]) and template.get(stage_id) and configured[company_id]:
                reason = env._("The customer's email bounced: this stage goes by WhatsApp")
                result.append(_rerouted(event, "whatsapp", "scheduled", None, None))
                present.add((move_id, stage_id, "whatsapp"))
            else:
                reason = env._("The customer's email bounced and no WhatsApp message is possible: fix the address")
            result.append(_rerouted(event, "email", "skipped", now, reason))
        return result

    @api.model
    def _collection_wa_configured(self, company_id):
        company = self.env["res.company"].sudo().browse(company_id)
        try:
            self.env["collection.whatsapp.provider"].sudo()._config(company)
        except WhatsAppNotConfigured:
            return False
        return True
