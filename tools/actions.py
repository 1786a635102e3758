"""Client and window actions the addon's buttons return (plain dictionaries, no ORM)."""

#: after the notification: close the dialog (a wizard) or reload the view
CLOSE = {"type": "ir.actions.act_window_close"}
RELOAD = {"type": "ir.actions.client", "tag": "soft_reload"}


def notification(message, kind="success", title=None, sticky=False, then=CLOSE):
    """A notification in the corner of the screen (Odoo's ``display_notification``).

    :param kind: ``success``, ``info``, ``warning`` or ``danger``
    :param then: the action that follows (:data:`CLOSE` or :data:`RELOAD`)
    """
    params = {"type": kind, "message": message, "sticky": sticky, "next": dict(then)}
    if title:
        params["title"] = title
    return {"type": "ir.actions.client", "tag": "display_notification", "params": params}


def open_form(model, res_id, view_id=False):
    """Open one record in its form view (``view_id``: that form rather than the default)."""
    return {
        "type": "ir.actions.act_window",
        "res_model": model,
        "res_id": res_id,
        "view_mode": "form",
        "views": [(view_id, "form")],
        "target": "current",
    }
