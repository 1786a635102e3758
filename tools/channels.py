"""The channels of the contact log and of the policy stages, as sets: one definition each.

The contact log (``collection.event.channel``) has one channel per kind of line: the
reminders sent to the customer (``email``, ``whatsapp``), the statements of account
(``statement``), the collectors' tasks and the team alerts (``activity``, ``alert``), the
free-text WhatsApp answers (``whatsapp_text``), the customer's actions on its page
(``portal``) and the customer's own messages (``web``, ``phone``, inbound).  A policy
stage (``collection.policy.stage.channel``) says which of them a stage uses.

Queries take these tuples as parameters (``channel IN %s``), never as literals.
"""

#: reminders to the customer: delivered inside the contact window, grouped per customer
REMINDER_CHANNELS = ("email", "whatsapp")
#: everything that reaches the customer (its last contact; what stops when it asks not to
#: be contacted)
CONTACT_CHANNELS = ("email", "whatsapp", "statement")
#: the collectors' tasks and the team alerts: delivered in batches, at any time
INTERNAL_CHANNELS = ("activity", "alert")
#: lines that are emails of Odoo's mail queue (checked again when the queue sends them)
MAIL_CHANNELS = ("email", "statement")
#: lines that name no single invoice (statements of account, free-text WhatsApp answers,
#: the customer's actions on its page); the other lines without an invoice are what
#: customers write (inbound) and the messages of payment plans, which cover several
NO_INVOICE_CHANNELS = ("statement", "whatsapp_text", "portal")

#: the reminder channels of each stage channel
STAGE_REMINDER_CHANNELS = {
    "email": ("email",),
    "whatsapp": ("whatsapp",),
    "email_whatsapp": ("email", "whatsapp"),
    "activity": (),
    "escalate": (),
}
#: stage channels done by a person: a task for the collector (``escalate`` also hands the
#: invoice over to a person)
TASK_STAGE_CHANNELS = ("activity", "escalate")


def stage_event_channels(channel, alert_internal):
    """The contact log channels of a stage: its reminders, its task, its team alert."""
    channels = list(STAGE_REMINDER_CHANNELS[channel])
    if channel in TASK_STAGE_CHANNELS:
        channels.append("activity")
    if alert_internal:
        channels.append("alert")
    return tuple(channels)
