import datetime as dt

import pytest
from acmx_tools import contact_rules
from acmx_tools import portal as p


# --------------------------------------------------------------------------- SPEI
def test_reference_is_seven_digits_without_leading_zero():
    for number in (p.SPEI_FIRST_NUMBER, 123456, p.SPEI_LAST_NUMBER):
        ref = p.spei_reference(number)
        assert len(ref) == 7 and ref.isdigit() and ref[0] != "0"
        assert ref.startswith(str(number))
        assert p.is_spei_reference(ref)


@pytest.mark.parametrize("number", [0, 99999, 1000000, -5])
def test_reference_numbers_out_of_range(number):
    with pytest.raises(ValueError):
        p.spei_reference(number)


def test_damm_known_value():
    # the textbook example: 572 -> check digit 4
    assert p.damm_check_digit("572") == "4"
    assert p.is_spei_reference("5724") is False  # a valid Damm number, but not 7 digits


def test_every_single_digit_error_is_caught():
    for number in range(100000, 1000000, 7919):
        ref = p.spei_reference(number)
        for position in range(7):
            for digit in "0123456789":
                if digit == ref[position]:
                    continue
                typo = ref[:position] + digit + ref[position + 1 :]
                assert not p.is_spei_reference(typo), (ref, typo)


def test_every_adjacent_swap_is_caught():
    for number in range(100000, 1000000, 7919):
        ref = p.spei_reference(number)
        for position in range(6):
            if ref[position] == ref[position + 1]:
                continue
            swapped = ref[:position] + ref[position + 1] + ref[position] + ref[position + 2 :]
            assert not p.is_spei_reference(swapped), (ref, swapped)


def test_find_references_in_bank_texts():
    ref = p.spei_reference(123456)
    wrong = ref[:-1] + str((int(ref[-1]) + 1) % 10)
    assert p.find_spei_references(f"SPEI PAGO REF {ref}", None, "") == [ref]
    assert p.find_spei_references(f"{ref}") == [ref]
    assert p.find_spei_references(f"CONCEPTO {ref}", f"{ref}") == [ref]  # once
    assert p.find_spei_references(f"REF {wrong}") == []
    # a 7-digit run inside a longer number (account, CLABE, date) is not a reference
    assert p.find_spei_references(f"CTA 9{ref}", f"{ref}12", f"A{ref}B") == [ref]
    assert p.find_spei_references("CTA 0123456789012345") == []


# --------------------------------------------------------------------------- files
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def test_file_type_by_content():
    assert p.sniff_file_type(PDF) == "pdf"
    assert p.sniff_file_type(JPEG) == "jpeg"
    assert p.sniff_file_type(PNG) == "png"
    # an executable, a zip, an HTML page or text renamed .pdf / .png is none of them
    for fake in (b"MZ\x90\x00\x03", b"PK\x03\x04", b"<html><body>%PDF-", b"hello", b""):
        assert p.sniff_file_type(fake) is None


def test_proof_file_errors():
    assert p.proof_file_error(PDF) is None
    assert p.proof_file_error(b"") == "empty"
    assert p.proof_file_error(b"GIF89a....") == "type"
    assert p.proof_file_error(PNG, size=p.MAX_PROOF_BYTES) is None
    assert p.proof_file_error(PNG, size=p.MAX_PROOF_BYTES + 1) == "too_large"


def test_proof_file_name_takes_the_real_extension():
    today = dt.date(2026, 3, 2)
    assert p.proof_file_name("C:\\Users\\ana\\comprobante marzo.PDF", "pdf", today) == "comprobante marzo.pdf"
    assert p.proof_file_name("../../etc/passwd", "png", today) == "passwd.png"
    assert p.proof_file_name("factura.exe", "jpeg", today) == "factura.jpg"
    assert p.proof_file_name("", "pdf", today) == "comprobante-2026-03-02.pdf"
    assert p.proof_file_name("<script>.png", "png", today) == "script.png"


# --------------------------------------------------------------------------- dates
def test_business_days_skip_weekends_and_holidays():
    friday = dt.date(2026, 3, 13)
    assert p.add_business_days(friday, 2) == dt.date(2026, 3, 17)
    # Monday 16 March 2026 is Benito Juárez's day (third Monday of March)
    assert p.add_business_days(friday, 2, contact_rules.is_mx_holiday) == dt.date(2026, 3, 18)
    assert p.add_business_days(dt.date(2026, 3, 18), 2, extra_days={dt.date(2026, 3, 19)}) == dt.date(2026, 3, 23)
    assert p.add_business_days(friday, 0) == friday


def test_promise_dates():
    today = dt.date(2026, 3, 2)
    assert p.promise_date_error(today, today, 30) is None
    assert p.promise_date_error(today + dt.timedelta(days=30), today, 30) is None
    assert p.promise_date_error(today + dt.timedelta(days=31), today, 30) == "too_late"
    assert p.promise_date_error(today - dt.timedelta(days=1), today, 30) == "past"


# --------------------------------------------------------------------------- input
@pytest.mark.parametrize(
    "text,amount",
    [
        ("1234.5", 1234.5),
        ("1,234.50", 1234.5),
        ("$ 1 234,50", 1234.5),
        ("1.234,50", 1234.5),
        ("1,234", 1234.0),
        ("1.234.567", 1234567.0),
        ("0", 0.0),
        ("15080", 15080.0),
        ("MXN 99.99", 99.99),
    ],
)
def test_parse_amount(text, amount):
    assert p.parse_amount(text) == amount


@pytest.mark.parametrize("text", ["", None, "abc", "-5", "1e5", "12.3.4,5,6x", "1 000 000 000 0x"])
def test_parse_amount_refuses(text):
    assert p.parse_amount(text) is None


def test_parse_ids():
    assert p.parse_ids(["3", "5", "3"]) == [3, 5]
    assert p.parse_ids("7") == [7]
    assert p.parse_ids(None) == []
    assert p.parse_ids(["3", "x"]) is None
    assert p.parse_ids(["-1"]) is None
    assert p.parse_ids(["9" * 20]) is None
