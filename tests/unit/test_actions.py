from acmx_tools import actions


def test_notification_closes_the_dialog_by_default():
    action = actions.notification("Done")
    assert action == {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "type": "success",
            "message": "Done",
            "sticky": False,
            "next": {"type": "ir.actions.act_window_close"},
        },
    }


def test_notification_with_title_and_reload():
    params = actions.notification("2 valid", "warning", title="SAT", sticky=True, then=actions.RELOAD)["params"]
    assert params["title"] == "SAT" and params["type"] == "warning" and params["sticky"]
    assert params["next"] == {"type": "ir.actions.client", "tag": "soft_reload"}
    params["next"]["tag"] = "changed"
    assert actions.RELOAD["tag"] == "soft_reload"  # each action has its own copy


def test_open_form():
    assert actions.open_form("collection.promise", 7) == {
        "type": "ir.actions.act_window",
        "res_model": "collection.promise",
        "res_id": 7,
        "view_mode": "form",
        "views": [(False, "form")],
        "target": "current",
    }
    assert actions.open_form("res.partner", 3, 42)["views"] == [(42, "form")]
