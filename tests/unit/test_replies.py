import datetime as dt

import pytest
from acmx_tools import plans, replies
from acmx_tools import whatsapp as wa

RULES = [
    ("do_not_contact", ["no me contacten", "baja"]),
    ("paid_check", ["ya pagué", "comprobante", "transferencia"]),
    ("payment_plan", ["prórroga", "plan de pagos", "15 días"]),
    ("dispute", ["error", "no reconozco"]),
]


def test_one_classifier_for_every_channel():
    assert wa.classify is replies.classify
    assert replies.classify("Ya pagué", RULES) == "paid_check"
    assert replies.classify("¿Me dan 15 días?", RULES) == "payment_plan"
    assert replies.classify("Gracias, saludos.", RULES) == "acknowledgement"
    assert replies.classify("¿Con quién hablo?", RULES) == "other"


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "Ya pagué, adjunto comprobante.\n\nEl lun, 7 dic 2026 a las 9:00, Cobranza "
            "<cobranza@example.mx> escribió:\n> Le recordamos su factura... transferencia",
            "Ya pagué, adjunto comprobante.",
        ),
        (
            "No reconozco la factura\n\nEl lun, 7 dic 2026 a las 9:00, Cobranza <c@x.mx>\nescribió:\n> transferencia",
            "No reconozco la factura",
        ),
        ("ok\n\nOn Mon, Dec 7, 2026 at 9:00 AM Cobranza <c@x.mx> wrote:\n> text", "ok"),
        ("Hay un error\n-----Mensaje original-----\nDe: Cobranza\nAsunto: comprobante", "Hay un error"),
        ("Gracias\n________________________________\nDe: Cobranza <c@x.mx>\nEnviado: lunes", "Gracias"),
        ("Les escribo luego\n-- \nJuan Pérez\nTesorería", "Les escribo luego"),
        ("De acuerdo: pago el viernes", "De acuerdo: pago el viernes"),
        ("", ""),
    ],
)
def test_reply_text_drops_the_quoted_reminder(text, expected):
    assert replies.reply_text(text) == expected


def test_the_quote_does_not_classify_the_reply():
    body = "¿Me dan 15 días?\n\nEl lun, 7 dic 2026, Cobranza <c@x.mx> escribió:\n> comprobante"
    assert replies.classify(replies.reply_text(body), RULES) == "payment_plan"


@pytest.mark.parametrize(
    "headers,subject,expected",
    [
        ({"Auto-Submitted": "auto-replied"}, "Re: Factura", True),
        ({"auto-submitted": "auto-generated"}, "", True),
        ({"Auto-Submitted": "no"}, "Re: Factura", False),
        ({"X-Autoreply": "yes"}, "", True),
        ({"X-Autorespond": "x"}, "", True),
        ({"Precedence": "auto_reply"}, "", True),
        ({}, "Respuesta automática: Recordatorio de pago", True),
        ({}, "Fuera de la oficina", True),
        ({}, "Out of Office: payment reminder", True),
        ({}, "Re: Recordatorio de pago", False),
        (None, "", False),
    ],
)
def test_auto_reply(headers, subject, expected):
    assert replies.is_auto_reply(headers, subject) is expected


def test_add_business_days_skips_weekends_and_holidays():
    holidays = {dt.date(2026, 12, 25)}

    def business(day):
        return day.weekday() < 5 and day not in holidays

    assert replies.add_business_days(dt.date(2026, 12, 10), 2, business) == dt.date(2026, 12, 14)
    assert replies.add_business_days(dt.date(2026, 12, 24), 2, business) == dt.date(2026, 12, 29)
    assert replies.add_business_days(dt.date(2026, 12, 7), 0, business) == dt.date(2026, 12, 7)


# ---------------------------------------------------------------------- payment plans
def test_split_amount_adds_up():
    assert plans.split_amount(100.0, 3) == [33.33, 33.33, 33.34]
    assert sum(plans.split_amount(1000.01, 7)) == pytest.approx(1000.01)
    with pytest.raises(ValueError):
        plans.split_amount(10, 0)


def test_schedule_with_down_payment():
    lines = plans.schedule(1000.0, 3, 15, dt.date(2026, 12, 15), down_payment=100.0, down_date=dt.date(2026, 12, 8))
    assert lines == [
        (dt.date(2026, 12, 8), 100.0, True),
        (dt.date(2026, 12, 15), 300.0, False),
        (dt.date(2026, 12, 30), 300.0, False),
        (dt.date(2027, 1, 14), 300.0, False),
    ]
    assert plans.schedule(90.0, 2, 7, dt.date(2026, 1, 1)) == [
        (dt.date(2026, 1, 1), 45.0, False),
        (dt.date(2026, 1, 8), 45.0, False),
    ]
    with pytest.raises(ValueError):
        plans.schedule(100.0, 2, 0, dt.date(2026, 1, 1))
    with pytest.raises(ValueError):
        plans.schedule(100.0, 2, 7, dt.date(2026, 1, 1), down_payment=100.0)


def test_payments_count_in_order():
    assert plans.allocate([100, 300, 300], 0) == [(0, False), (0, False), (0, False)]
    assert plans.allocate([100, 300, 300], 250) == [(100, True), (150, False), (0, False)]
    assert plans.allocate([100, 300, 300], 399.5, tolerance=1) == [(100, True), (299.5, True), (0, False)]
    assert plans.allocate([100, 300], 1000) == [(100, True), (300, True)]


@pytest.mark.parametrize(
    "today,done,fire,superseded,broken",
    [
        (dt.date(2026, 12, 11), (), None, [], False),  # D-4: nothing yet
        (dt.date(2026, 12, 12), (), "before", [], False),  # D-3
        (dt.date(2026, 12, 13), ("before",), None, [], False),
        (dt.date(2026, 12, 15), ("before",), "due", [], False),  # D0
        (dt.date(2026, 12, 15), (), "due", ["before"], False),  # catch-up: D-3 skipped
        (dt.date(2026, 12, 18), ("before", "due"), "late", [], False),  # D+3
        (dt.date(2026, 12, 19), ("before", "due", "late"), None, [], False),
        (dt.date(2026, 12, 20), ("before", "due", "late"), None, [], True),  # D+5: broken
        (dt.date(2026, 12, 18), ("late",), None, [], False),
    ],
)
def test_instalment_steps(today, done, fire, superseded, broken):
    result = plans.due_step(dt.date(2026, 12, 15), today, done)
    assert (result.fire, result.superseded, result.broken) == (fire, superseded, broken)
