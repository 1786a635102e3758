import pytest
from acmx_tools import whatsapp as wa


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("+52 55 1234 5678", "525512345678"),
        ("55 1234 5678", "525512345678"),
        ("(55) 1234-5678", "525512345678"),
        ("5215512345678", "525512345678"),
        ("+52 1 55 1234 5678", "525512345678"),
        ("044 55 1234 5678", "525512345678"),
        ("0052 55 1234 5678", "525512345678"),
        ("+1 415 555 2671", "14155552671"),
        ("12345", None),
        ("", None),
        ("+52 55 1234", None),
    ],
)
def test_normalize_phone(raw, expected):
    assert wa.normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "+52 1 55 1234 5678",
        "5215512345678",
        "+52 55 1234 5678",
        "5512345678",
        "(55) 1234-5678",
        "525512345678",
        "+52-55-1234-5678",
    ],
)
def test_e164_one_recipient_for_every_mexican_form(raw):
    assert wa.e164(raw) == "+525512345678"


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "",
        None,
        "0512345678",
        "1512345678",
        "+52 05 1234 5678",
        "+52 55 1234 56789",
        "abc",
        "+0 123 456 789",
    ],
)
def test_e164_refuses_impossible_numbers(raw):
    assert wa.e164(raw) is None


def test_52_and_521_are_the_same_customer():
    assert wa.same_number("5215512345678", "+52 55 1234 5678")
    assert not wa.same_number("5215512345678", "+52 55 1234 5679")
    assert not wa.same_number("", "")


def test_template_payload():
    body = wa.template_payload("525512345678", "recordatorio", "es_MX", ["Ana", 1500.5])
    assert body == {
        "messaging_product": "whatsapp",
        "to": "525512345678",
        "type": "template",
        "template": {
            "name": "recordatorio",
            "language": {"code": "es_MX"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "1500.5"}]}
            ],
        },
    }
    assert "components" not in wa.template_payload("1", "t", "es_MX", [])["template"]


def test_signature():
    body = b'{"entry": []}'
    header = wa.signature("s3cret", body)
    assert header.startswith("sha256=")
    assert wa.verify_signature("s3cret", body, header)
    assert not wa.verify_signature("s3cret", body + b" ", header)
    assert not wa.verify_signature("other", body, header)
    assert not wa.verify_signature("s3cret", body, None)
    assert not wa.verify_signature("", body, header)


RULES = [
    ("paid_check", ["ya pagué", "ya pague", "comprobante", "ya deposité", "transferí"]),
    ("payment_plan", ["prórroga", "plan de pagos", "no puedo pagar", "parcialidades"]),
    ("dispute", ["error", "no reconozco", "factura incorrecta"]),
    ("do_not_contact", ["no me contacten", "baja", "no me escriban"]),
]


@pytest.mark.parametrize(
    "text,kind",
    [
        ("Ya PAGUÉ ayer, les mando el comprobante", "paid_check"),
        ("¿Me dan una prórroga de 15 días?", "payment_plan"),
        ("No puedo pagar este mes", "payment_plan"),
        ("Hay un ERROR en la factura", "dispute"),
        ("No reconozco ese cargo", "dispute"),
        ("Por favor no me contacten más", "do_not_contact"),
        ("Denme de baja", "do_not_contact"),
        ("ok gracias", "acknowledgement"),
        ("Gracias!", "acknowledgement"),
        ("👍", "acknowledgement"),
        ("¿Quién habla?", "other"),
        ("Embajada", "other"),  # 'baja' inside another word is not a request
    ],
)
def test_classify(text, kind):
    assert wa.classify(text, RULES) == kind


def test_backoff():
    assert [wa.backoff_seconds(i) for i in (1, 2, 3, 10)] == [60, 120, 240, 3600]


def test_parse_webhook():
    payload = {
        "entry": [
            {
                "changes": [
                    {
                        "value": {
                            "contacts": [{"wa_id": "5215512345678", "profile": {"name": "Ana"}}],
                            "statuses": [
                                {"id": "wamid.1", "status": "delivered"},
                                {
                                    "id": "wamid.2",
                                    "status": "failed",
                                    "errors": [{"code": 131026, "title": "Undeliverable"}],
                                },
                            ],
                            "messages": [
                                {
                                    "id": "wamid.in",
                                    "from": "5215512345678",
                                    "type": "text",
                                    "text": {"body": "ya pagué"},
                                }
                            ],
                        }
                    }
                ]
            }
        ]
    }
    statuses, messages = wa.parse_webhook(payload)
    assert statuses[0] == {"phone_number_id": None, "id": "wamid.1", "status": "delivered", "error": ""}
    assert "131026" in statuses[1]["error"]
    assert messages == [
        {"phone_number_id": None, "id": "wamid.in", "from": "5215512345678", "text": "ya pagué", "name": "Ana"}
    ]
    assert wa.parse_webhook({}) == ([], [])


def test_signature_and_token_of_any_characters_never_raise():
    body = b'{"entry": []}'
    assert not wa.verify_signature("s3cret", body, "sha256=caf\xe9")
    assert not wa.verify_signature("s3cret", body, "sha256=€")
    assert wa.same_token("verify-me", "verify-me")
    assert not wa.same_token("verify-me", "café")
    assert not wa.same_token("verify-é", "verify-e")
    assert wa.same_token("verify-é", "verify-é")
    assert not wa.same_token("", "")


def test_number_forms():
    assert wa.number_forms("525512345678") == (
        ["525512345678", "5215512345678"],
        ["5512345678", "0445512345678", "0455512345678", "015512345678"],
    )
    assert wa.number_forms("14155552671") == (["14155552671"], [])
    assert wa.number_forms(None) == ([], [])


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "x",
        3,
        None,
        {"entry": "x"},
        {"entry": [1, "a", None]},
        {"entry": [{"changes": "x"}]},
        {"entry": [{"changes": [{"value": "bad"}]}]},
        {
            "entry": [
                {
                    "changes": [
                        {
                            "value": {
                                "messages": [{"type": "text", "text": "no body"}],
                                "statuses": [{"errors": "x"}],
                                "contacts": [3],
                                "metadata": [],
                            }
                        }
                    ]
                }
            ]
        },
    ],
)
def test_parse_webhook_malformed_never_raises(payload):
    statuses, messages = wa.parse_webhook(payload)
    assert all(m["text"] == "" for m in messages)
    assert all(s["error"] == "" for s in statuses)
