import datetime as dt
import re

import pytest
from acmx_tools import matching as m


def idx(*cands):
    return m.CandidateIndex(list(cands))


def cand(cid, partner, residual, name, refs=(), due=None):
    return m.Candidate(cid, partner, residual, name, tuple(refs), due or dt.date(2025, 1, cid))


@pytest.mark.parametrize(
    "text",
    [
        "INV/2025/00012",
        "inv 2025 12",
        "Inv-2025-0012",
        " INV / 2025 / 012 ",
        "inv2025/00012",
    ],
)
def test_reference_keys_formats(text):
    """Case, spaces, dashes, slashes and leading zeros do not matter: one canonical key."""
    strong, _weak = m.reference_keys(text)
    assert "INV-2025-12" in strong


def test_reference_keys_glued_digits_and_folio():
    strong, weak = m.reference_keys("INV/2025/00012")
    assert "INV-2025-12" in strong
    assert "INV-202500012" in strong
    assert "12" in weak and "2025-12" in weak
    assert m.reference_keys("") == (set(), set())
    assert m.reference_keys("ABC") == (set(), set())


def test_analyse_text_finds_key_inside_concept():
    info = m.analyse_text("SPEI RECIBIDO PAGO FACT inv-2025-0012 GRACIAS")
    assert "INV-2025-12" in info.keys
    info = m.analyse_text("PAGO INV202500012")
    assert "INV-202500012" in info.keys


def test_truncated_concept_tail_is_weak():
    text = "PAGO DE FACTURAS CLIENTE ACME INV/2025/001"  # 42 chars: cut by the bank
    assert len(text) >= m.SPEI_CONCEPT_MAX
    info = m.analyse_text(text)
    assert "INV-2025-1" not in info.keys
    assert "INV-2025-1" in info.tail_keys
    assert info.tail == "INV2025001"


def test_clabe_check_digit():
    assert m.clabe_check_digit("03218000011835971") == "9"
    assert m.is_valid_clabe("032180000118359719")
    assert m.is_valid_clabe("0321 8000 0118 3597 19")
    assert not m.is_valid_clabe("032180000118359710")
    assert not m.is_valid_clabe("12345")
    with pytest.raises(ValueError):
        m.clabe_check_digit("123")


def test_find_account_numbers_keeps_valid_clabes_only():
    text = "SPEI ORDENANTE 032180000118359719 CTA 032180000118359710 REF 1234567890"
    assert m.find_account_numbers(text) == ["032180000118359719", "1234567890"]
    assert "00011835971" in m.account_suffixes("032180000118359719")


def test_find_rfcs():
    assert m.find_rfcs("PAGO DE EKU9003173C9 FACT 12") == ["EKU9003173C9"]
    assert m.find_rfcs("rfc: xaxx010101000 / goma800101ab1") == ["GOMA800101AB1"]
    assert m.find_rfcs("ABC991399XXX") == []  # month 13


def test_find_uuids():
    uuid = "6f5b2c3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c"
    assert m.find_uuids(f"UUID {uuid.replace('-', '')}") == [uuid.upper()]


def test_name_similarity():
    assert m.name_similarity("Acme, S.A. de C.V.", "ACME SA DE CV") == 1.0
    assert m.name_similarity("Comercializadora Pérez", "COMERCIALIZADORA PEREZ SA") == 1.0
    assert m.name_similarity("Acme", "Zeta Industrial") < 0.5


def test_scores_are_bounded():
    assert m.candidate_score(2, True, 30) == 100
    assert m.candidate_score(0, False, 0) == 0
    assert m.amount_points(100, 100, 1) == 30
    assert m.amount_points(99.5, 100, 1) == 25
    assert m.amount_points(50, 100, 1) == 10
    assert m.amount_points(150, 100, 1) == 0


def test_exact_reference_and_amount_is_auto():
    index = idx(cand(1, 10, 100.0, "INV/2025/00001"), cand(2, 10, 100.0, "INV/2025/00002"))
    p = m.match_line(100.0, index, info=m.analyse_text("PAGO INV 2025 2"))
    assert (p.state, p.reason, p.chosen, p.partner_id) == ("auto", "exact", [2], 10)
    assert p.score >= 80 and p.difference == 0


def test_tie_is_never_auto():
    index = idx(cand(1, 10, 100.0, "INV/2025/00001"), cand(2, 10, 100.0, "INV/2025/00002"))
    p = m.match_line(100.0, index, partner_id=10, info=m.analyse_text("PAGO"), allow_partner_amount=True)
    assert (p.state, p.reason) == ("to_review", "ambiguous")
    p = m.match_line(100.0, index, info=m.analyse_text("INV/2025/1 INV/2025/2"))
    assert p.state == "to_review"


def test_amount_out_of_tolerance_is_never_auto():
    index = idx(cand(1, 10, 100.0, "INV/2025/00001"))
    p = m.match_line(98.0, index, tolerance=1.0, info=m.analyse_text("INV/2025/1"))
    assert (p.state, p.reason, p.chosen) == ("to_review", "partial", [1])
    p = m.match_line(99.5, index, tolerance=1.0, info=m.analyse_text("INV/2025/1"))
    assert (p.state, p.reason, p.difference) == ("auto", "exact", -0.5)
    p = m.match_line(130.0, index, info=m.analyse_text("INV/2025/1"))
    assert (p.state, p.reason) == ("to_review", "overpaid")


def test_several_invoices():
    index = idx(
        cand(1, 10, 100.0, "INV/2025/00001"), cand(2, 10, 50.0, "INV/2025/00002"), cand(3, 10, 70.0, "INV/2025/00003")
    )
    p = m.match_line(150.0, index, info=m.analyse_text("INV/2025/1 y INV/2025/2"))
    assert (p.state, p.reason, p.chosen) == ("auto", "multi_invoice", [1, 2])
    # no reference: the customer's invoices adding up are proposed for review
    p = m.match_line(170.0, index, partner_id=10, info=m.analyse_text("PAGO"))
    assert (p.state, p.reason, p.chosen) == ("to_review", "multi_invoice", [1, 3])


def test_partner_amount_setting():
    index = idx(cand(1, 10, 100.0, "INV/2025/00001"), cand(2, 10, 40.0, "INV/2025/00002"))
    p = m.match_line(100.0, index, partner_id=10, info=m.analyse_text("PAGO"))
    assert (p.state, p.reason, p.chosen) == ("to_review", "exact", [1])
    p = m.match_line(100.0, index, partner_id=10, info=m.analyse_text("PAGO"), allow_partner_amount=True)
    assert p.state == "auto"


def test_folio_only_needs_the_customer():
    index = idx(cand(1, 10, 100.0, "INV/2025/00123"), cand(2, 20, 100.0, "INV/2024/00123"))
    p = m.match_line(100.0, index, info=m.analyse_text("PAGO FACTURA 123"))
    assert p.state == "to_review"
    p = m.match_line(100.0, index, partner_id=10, info=m.analyse_text("PAGO FACTURA 123"))
    assert (p.state, p.chosen) == ("auto", [1])


def test_unknown_payer_and_no_candidate():
    index = idx(cand(1, 10, 100.0, "INV/2025/00001"))
    p = m.match_line(55.0, index, info=m.analyse_text("DEPOSITO"))
    assert (p.state, p.reason, p.chosen) == ("to_review", "no_partner", [])
    p = m.match_line(55.0, index, partner_id=99, info=m.analyse_text("DEPOSITO"))
    assert (p.state, p.reason) == ("to_review", "no_candidate")


def test_excluded_pairs_are_not_proposed():
    index = idx(cand(1, 10, 100.0, "INV/2025/00001"))
    p = m.match_line(100.0, index, info=m.analyse_text("INV/2025/1"), excluded={1})
    assert 1 not in p.chosen and 1 not in [r[0] for r in p.ranked]


def test_truncated_prefix_found_for_known_customer():
    index = idx(cand(1, 10, 100.0, "INV/2025/00123"), cand(2, 10, 80.0, "INV/2025/00456"))
    text = "PAGO DE FACTURAS CLIENTE ACME INV/2025/001"
    p = m.match_line(100.0, index, partner_id=10, info=m.analyse_text(text))
    assert (p.state, p.chosen) == ("auto", [1])


def test_allocate():
    assert m.allocate(150, [100, 50], 1) == ([100, 50], 0.0, 0.0)
    assert m.allocate(149.5, [100, 50], 1) == ([100, 50], 0.5, 0.0)
    assert m.allocate(120, [100, 50], 1) == ([100, 20], 0.0, 0.0)
    assert m.allocate(180, [100, 50], 1) == ([100, 50], 0.0, 30.0)


def test_cfdi_uuid_reference():
    uuid = "6F5B2C3A-1D2E-4F5A-9B8C-7D6E5F4A3B2C"
    index = idx(cand(1, 10, 100.0, "INV/2025/00001", refs=[uuid]), cand(2, 10, 100.0, "INV/2025/00002"))
    p = m.match_line(100.0, index, info=m.analyse_text("PAGO UUID " + uuid.lower()))
    assert (p.state, p.chosen) == ("auto", [1])


def test_fold_ascii_fast_path_and_accents():
    assert m.fold("inv/2026/00012") == "INV/2026/00012"
    assert m.fold("Pérez Ñandú") == "PEREZ NANDU"
    assert m.fold("") == "" and m.fold(None) == ""
    assert m.reference_keys("Fáct-0012") == m.reference_keys("FACT 12") == ({"FACT-12"}, {"12"})


def test_document_keys_are_cached_and_match_reference_keys():
    m.document_keys.cache_clear()
    strong, weak, compact = m.document_keys("INV/2026/00123", ("PAGO-123",))
    ref_strong, ref_weak = m.reference_keys("INV/2026/00123")
    assert ref_strong <= strong and "PAGO-123" in strong
    assert not (weak & strong) and "2026-123" in weak
    assert compact == "INV202600123"
    again = m.document_keys("INV/2026/00123", ("PAGO-123",))
    assert again == (strong, weak, compact)
    assert m.document_keys.cache_info().hits == 1
    # a candidate built twice gets the same keys, read-only (shared by the cache)
    c1 = m.Candidate(1, 7, 100.0, "INV/2026/00123", ("PAGO-123",))
    c2 = m.Candidate(2, 7, 100.0, "INV/2026/00123", ("PAGO-123",))
    assert c1.strong == c2.strong == strong and isinstance(c1.strong, frozenset)


# --------------------------------------------------------------------------- bare numbers
def test_bare_numbers_are_weak_references():
    assert m.reference_keys("123") == (set(), {"123"})
    assert m.reference_keys("00123") == (set(), {"123"})
    strong, weak = m.reference_keys("2025-00123")
    assert not strong and {"2025-123", "123"} <= weak
    # with a serie, the CFDI serie+folio is a whole reference
    (ref,) = m.serie_folio_references("A", "123")
    assert m.reference_keys(ref)[0] == {"A-123"}
    (ref,) = m.serie_folio_references(False, "123")
    assert m.reference_keys(ref) == (set(), {"123"})


def _folio_only(cid, partner, residual, name, folio):
    return cand(cid, partner, residual, name, refs=m.serie_folio_references(None, folio))


def test_folio_without_serie_never_matches_another_customer():
    # customer 20's invoice has CFDI folio 123 (no serie); customer 10 quotes its own number
    index = idx(_folio_only(1, 20, 500.0, "INV/2025/00077", "123"), cand(2, 10, 800.0, "INV/2025/00050"))
    info = m.analyse_text("PAGO INV/2025/00123")
    # payer unknown: nothing identifies it (the only invoice of that amount is shown for
    # review, as for any unknown payer)
    p = m.match_line(500.0, index, info=info)
    assert (p.state, p.reason, p.partner_id) == ("to_review", "no_partner", None)
    # payer known (partner 10): its own invoices only
    p = m.match_line(500.0, index, partner_id=10, info=info)
    assert p.state == "to_review" and 1 not in p.chosen
    assert 1 not in index.reference_hits(info, partner_id=10)
    # nor does a bare number identify the payer
    p = m.match_line(500.0, index, info=m.analyse_text("PAGO FOLIO 123"))
    assert (p.state, p.partner_id) == ("to_review", None)


def test_folio_without_serie_counts_for_the_known_payer():
    index = idx(
        _folio_only(1, 20, 500.0, "INV/2025/00077", "123"),
        cand(2, 20, 800.0, "INV/2025/00050"),
        cand(3, 10, 500.0, "INV/2025/00051"),
    )
    p = m.match_line(500.0, index, partner_id=20, info=m.analyse_text("PAGO FOLIO 123"))
    assert (p.state, p.reason, p.chosen) == ("auto", "exact", [1])


# --------------------------------------------------------------------------- cut concepts
def test_whole_last_reference_of_a_40_character_concept():
    text = "PAGO FACTS INV/2026/00001 INV/2026/00002"
    assert len(text) == m.SPEI_CONCEPT_MAX
    info = m.analyse_text(text)
    assert "INV-2026-2" in info.tail_keys and info.tail_refs["INV-2026-2"] == "INV202600002"
    index = idx(
        cand(1, 10, 100.0, "INV/2026/00001"), cand(2, 10, 250.0, "INV/2026/00002"), cand(3, 20, 250.0, "INV/2026/00003")
    )
    assert index.whole_tail_hits(info) == {2: 2}
    assert index.whole_tail_hits(info, partner_id=10) == {2: 2}
    assert index.reference_hits(info, partner_id=10) == {1: 2, 2: 2}


def test_cut_last_reference_stays_weak_when_it_begins_another_number():
    # "INV/2026/0001" may be the beginning of INV/2026/00012
    text = "PAGO DE LAS FACTURAS INV/2026/00005 INV/2026/0001"
    assert len(text) > m.SPEI_CONCEPT_MAX
    index = idx(
        cand(1, 10, 100.0, "INV/2026/00001"), cand(2, 10, 250.0, "INV/2026/00012"), cand(5, 10, 40.0, "INV/2026/00005")
    )
    info = m.analyse_text(text)
    assert not index.whole_tail_hits(info, partner_id=10)
    # "INV/2026/00002" begins INV/2026/000021 of the same customer: cut, maybe
    index = idx(
        cand(1, 10, 100.0, "INV/2026/00001"), cand(2, 10, 250.0, "INV/2026/00002"), cand(3, 10, 10.0, "INV/2026/000021")
    )
    info = m.analyse_text("PAGO FACTS INV/2026/00001 INV/2026/00002")
    assert not index.whole_tail_hits(info, partner_id=10)
    assert not index.whole_tail_hits(info)


def _realistic_index():
    """Several customers with several open invoices, amounts that repeat across them."""
    cands, cid = [], 0
    amounts = [1160.0, 2320.0, 580.0, 1160.0, 5800.0]
    for partner in range(10, 16):
        for k in range(5):
            cid += 1
            cands.append(
                cand(cid, partner, amounts[(k + partner) % 5], f"INV/2026/{cid:05d}", due=dt.date(2026, 1, cid))
            )
    return m.CandidateIndex(cands), {c.id: c for c in cands}


def test_two_invoices_named_in_one_transfer_are_multi_invoice():
    index, docs = _realistic_index()
    checked = 0
    for first in docs.values():
        for second in docs.values():
            if second.partner_id != first.partner_id or second.id <= first.id:
                continue
            amount = first.residual + second.residual
            labels = [
                (f"PAGO FACTS {first.name} {second.name}", True),  # 40 characters
                (f"PAGO {first.name} Y {second.name}", True),
                (f"{first.name.replace('/', ' ')} {second.name.replace('/', '')}", True),
                (f"SPEI PAGO FACTURAS {first.name} {second.name}"[:40], False),  # cut
            ]
            for label, whole in labels:
                for partner in (None, first.partner_id):
                    p = m.match_line(amount, index, partner_id=partner, info=m.analyse_text(label))
                    assert p.reason == "multi_invoice", (label, partner, p)
                    assert p.partner_id == first.partner_id
                    if whole:  # both numbers written in full: sure
                        assert p.state == "auto", (label, partner, p)
                        assert sorted(p.chosen) == [first.id, second.id], (label, partner, p)
                    else:  # "INV/20": which other invoice is not known
                        assert p.state == "to_review" and first.id in p.chosen
                    checked += 1
    assert checked > 100


def test_multi_invoice_with_cut_last_reference_is_reviewed_not_ambiguous():
    index = idx(
        cand(1, 10, 100.0, "INV/2026/00001"), cand(2, 10, 250.0, "INV/2026/00012"), cand(3, 10, 250.0, "INV/2026/00013")
    )
    text = "PAGO DE LAS FACTURAS INV/2026/00001 INV/2026/0001"  # cut: 00012 or 00013?
    p = m.match_line(350.0, index, partner_id=10, info=m.analyse_text(text))
    assert (p.state, p.reason) == ("to_review", "multi_invoice")
    assert p.chosen[0] == 1 and len(p.chosen) == 2


def test_multi_invoice_ignores_a_folio_read_inside_the_numbers():
    # INV/2025/00012 is still open; "12" of INV/2026/00012 is its folio
    index = idx(
        cand(1, 10, 300.0, "INV/2025/00012"), cand(2, 10, 100.0, "INV/2026/00012"), cand(3, 10, 200.0, "INV/2026/00013")
    )
    p = m.match_line(300.0, index, partner_id=10, info=m.analyse_text("PAGO INV/2026/00012 INV/2026/00013"))
    assert (p.state, p.reason, p.chosen) == ("auto", "multi_invoice", [2, 3])


def test_cut_concept_completed_by_another_open_invoice_of_the_customer():
    # three invoices paid, the third number did not fit in the 40 characters
    index = idx(
        cand(1, 10, 100.0, "INV/2026/00001"),
        cand(2, 10, 250.0, "INV/2026/00002"),
        cand(3, 10, 70.0, "INV/2026/00003"),
        cand(4, 20, 70.0, "INV/2026/00004"),
    )
    text = "PAGO FACTURAS INV/2026/00001 INV/2026/00002 INV/2026/00003"[:40]
    p = m.match_line(420.0, index, info=m.analyse_text(text))
    assert (p.state, p.reason, p.chosen, p.partner_id) == ("to_review", "multi_invoice", [1, 2, 3], 10)
    # not cut: the customer paid more than the invoices it names
    p = m.match_line(420.0, index, info=m.analyse_text("PAGO INV/2026/00001 INV/2026/00002"))
    assert (p.state, p.reason, p.chosen) == ("to_review", "overpaid", [1, 2])


# --------------------------------------------------------------------------- the rules, one by one
def decide_with(rule, amount, index, text="", partner=None, **kwargs):
    """What ``rule`` alone decides for a line of ``amount`` saying ``text``."""
    line, docs = m.read_line(amount, index, partner_id=partner, info=m.analyse_text(text), **kwargs)
    return rule(line, docs)


def _two_of_one_customer():
    return idx(cand(1, 10, 100.0, "INV/2025/00001"), cand(2, 10, 100.0, "INV/2025/00002"))


def test_rules_are_listed_in_order_in_the_module_docstring():
    listed = re.findall(r"^\s*(\d+)\. ``(\w+)``", m.__doc__, re.MULTILINE)
    assert [name for _n, name in listed] == [rule.__name__ for rule in m.RULES]
    assert [int(n) for n, _name in listed] == list(range(1, len(m.RULES) + 1))


def test_read_line_identifies_the_payer_by_references_written_in_full():
    index = idx(
        cand(1, 10, 100.0, "INV/2025/00001"),
        cand(2, 20, 100.0, "INV/2025/00002"),
        _folio_only(3, 20, 100.0, "INV/2025/00003", "77"),
    )
    line, docs = m.read_line(100.0, index, info=m.analyse_text("PAGO INV/2025/1"))
    assert line.partner_id == 10 and docs.hits == {1: 2}
    # numbers of two customers: nobody
    line, docs = m.read_line(100.0, index, info=m.analyse_text("INV/2025/1 INV/2025/2"))
    assert line.partner_id is None and docs.hits == {1: 2, 2: 2}
    # a bare number identifies nobody; the rejected documents are no references
    line, docs = m.read_line(100.0, index, info=m.analyse_text("PAGO 77"))
    assert line.partner_id is None and docs.hits == {}
    line, docs = m.read_line(100.0, index, info=m.analyse_text("PAGO INV/2025/1"), excluded={1})
    assert line.partner_id is None and docs.hits == {}
    # the payer given is kept
    line, _docs = m.read_line(100.0, index, partner_id=20, info=m.analyse_text("INV/2025/1"))
    assert line.partner_id == 20


def test_decide_takes_the_first_rule_that_decides():
    line, docs = m.read_line(55.0, idx(), info=m.analyse_text("DEPOSITO"))
    assert m.decide(line, docs) == m.Decision("to_review", "no_partner", [], 0)
    calls = []

    def passes(line, docs):
        calls.append("passes")

    def decides(line, docs):
        calls.append("decides")
        return m.Decision("to_review", "exact", [], 1)

    assert m.decide(line, docs, rules=(passes, decides, passes)) == ("to_review", "exact", [], 1)
    assert calls == ["passes", "decides"]
    with pytest.raises(ValueError):
        m.decide(line, docs, rules=(passes,))


def test_rule_one_referenced_invoice_with_the_amount():
    rule = m.one_referenced_invoice_with_the_amount
    index = _two_of_one_customer()
    assert decide_with(rule, 100.0, index, "PAGO INV 2025 2") == ("auto", "exact", [2], 100)
    assert decide_with(rule, 99.5, index, "PAGO INV 2025 2") == ("auto", "exact", [2], 95)
    # the payer's only partial reference (its folio)
    index = idx(cand(1, 10, 100.0, "INV/2025/00123"), cand(2, 20, 100.0, "INV/2024/00123"))
    assert decide_with(rule, 100.0, index, "FACTURA 123", partner=10) == ("auto", "exact", [1], 80)
    # passes: a folio of anyone, two invoices referenced with the amount, an amount off
    assert decide_with(rule, 100.0, index, "FACTURA 123") is None
    assert decide_with(rule, 100.0, _two_of_one_customer(), "INV/2025/1 INV/2025/2") is None
    assert decide_with(rule, 98.0, _two_of_one_customer(), "INV/2025/1") is None


def test_rule_referenced_invoices_tie_on_the_amount():
    rule = m.referenced_invoices_tie_on_the_amount
    index = _two_of_one_customer()
    assert decide_with(rule, 100.0, index, "INV/2025/1 INV/2025/2") == ("to_review", "ambiguous", [], 80)
    # two partial references of the payer with the amount
    index = idx(cand(1, 10, 100.0, "INV/2025/00123"), cand(2, 10, 100.0, "INV/2024/00123"))
    assert decide_with(rule, 100.0, index, "FACTURA 123", partner=10) == ("to_review", "ambiguous", [], 60)
    # passes: the one sure invoice (rule 1 decides), a folio that fits while the text
    # writes other documents in full
    assert decide_with(rule, 100.0, _two_of_one_customer(), "INV/2025/1") is None
    index = idx(
        cand(1, 10, 300.0, "INV/2025/00012"), cand(2, 10, 100.0, "INV/2026/00012"), cand(3, 10, 200.0, "INV/2026/00013")
    )
    assert decide_with(rule, 300.0, index, "INV/2026/00012 INV/2026/00013", partner=10) is None


def _three_of_one_customer():
    return idx(
        cand(1, 10, 100.0, "INV/2026/00001"),
        cand(2, 10, 250.0, "INV/2026/00002"),
        cand(3, 10, 70.0, "INV/2026/00003"),
        cand(4, 20, 70.0, "INV/2026/00004"),
    )


def test_rule_invoices_written_in_full_add_up():
    rule = m.invoices_written_in_full_add_up
    index = _three_of_one_customer()
    text = "PAGO INV/2026/00002 Y INV/2026/00001"
    assert decide_with(rule, 350.0, index, text) == ("auto", "multi_invoice", [1, 2], 100)
    assert decide_with(rule, 349.5, index, text) == ("auto", "multi_invoice", [1, 2], 95)
    # passes: not the amount, one number only, numbers of two customers
    assert decide_with(rule, 420.0, index, text) is None
    assert decide_with(rule, 100.0, index, "INV/2026/00001") is None
    assert decide_with(rule, 170.0, index, "INV/2026/00001 INV/2026/00004") is None


def _named_and_cut():
    """INV/2026/00001 written in full, the cut "INV/2026/0001" may be 00012 or 00013."""
    index = idx(
        cand(1, 10, 100.0, "INV/2026/00001"), cand(2, 10, 250.0, "INV/2026/00012"), cand(3, 10, 250.0, "INV/2026/00013")
    )
    return index, "PAGO DE LAS FACTURAS INV/2026/00001 INV/2026/0001"


def test_rule_referenced_documents_add_up():
    rule = m.referenced_documents_add_up
    index, text = _named_and_cut()
    assert decide_with(rule, 600.0, index, text, partner=10) == ("to_review", "multi_invoice", [1, 2, 3], 80)
    assert decide_with(rule, 350.0, index, text, partner=10) is None
    assert decide_with(rule, 100.0, index, "INV/2026/00001") is None


def test_rule_named_invoices_completed_by_partial_references():
    rule = m.named_invoices_completed_by_partial_references
    index, text = _named_and_cut()
    # 00012 or 00013: the first set, scored as not unique
    assert decide_with(rule, 350.0, index, text, partner=10) == ("to_review", "multi_invoice", [1, 2], 55)
    index = idx(
        cand(1, 10, 100.0, "INV/2026/00001"), cand(2, 10, 250.0, "INV/2026/00012"), cand(3, 10, 90.0, "INV/2026/00013")
    )
    assert decide_with(rule, 190.0, index, text, partner=10) == ("to_review", "multi_invoice", [1, 3], 75)
    assert decide_with(rule, 1000.0, index, text, partner=10) is None


def test_rule_cut_concept_completed_by_other_open_invoices():
    rule = m.cut_concept_completed_by_other_open_invoices
    index = _three_of_one_customer()
    text = "PAGO DE FACTURAS DEL MES INV/2026/00001 X"  # cut: what followed is lost
    assert len(text) >= m.SPEI_CONCEPT_MAX
    assert decide_with(rule, 420.0, index, text) == ("to_review", "multi_invoice", [1, 2, 3], 75)
    # passes: the concept was not cut, the named invoices already pay it, nothing adds up
    assert decide_with(rule, 420.0, index, "PAGO INV/2026/00001") is None
    assert decide_with(rule, 100.0, index, text) is None
    assert decide_with(rule, 1000.0, index, text) is None


def test_rules_referenced_documents_underpaid_and_overpaid():
    under, over = m.referenced_documents_underpaid, m.referenced_documents_overpaid
    index = _three_of_one_customer()
    text = "PAGO INV/2026/00001 INV/2026/00002"
    assert decide_with(under, 200.0, index, text) == ("to_review", "partial", [1, 2], 60)
    assert decide_with(over, 200.0, index, text) is None
    assert decide_with(over, 420.0, index, text) == ("to_review", "overpaid", [1, 2], 60)
    assert decide_with(under, 420.0, index, text) is None
    # one document: not theirs
    assert decide_with(under, 50.0, index, "INV/2026/00001") is None
    assert decide_with(over, 150.0, index, "INV/2026/00001") is None


def test_rule_one_referenced_invoice_amount_off():
    rule = m.one_referenced_invoice_amount_off
    index = idx(cand(1, 10, 100.0, "INV/2025/00001"))
    assert decide_with(rule, 98.0, index, "INV/2025/1") == ("to_review", "partial", [1], 80)
    assert decide_with(rule, 130.0, index, "INV/2025/1") == ("to_review", "overpaid", [1], 70)
    assert decide_with(rule, 98.0, index, "PAGO") is None
    assert decide_with(rule, 98.0, _two_of_one_customer(), "INV/2025/1 INV/2025/2") is None


def test_rule_several_referenced_invoices():
    rule = m.several_referenced_invoices
    index = _three_of_one_customer()
    assert decide_with(rule, 500.0, index, "INV/2026/00004 INV/2026/00001") == ("to_review", "ambiguous", [1, 4], 40)
    assert decide_with(rule, 500.0, index, "INV/2026/00004") is None


def test_rule_payer_unknown():
    rule = m.payer_unknown
    index = idx(
        cand(1, 10, 100.0, "INV/2025/00001"), cand(2, 20, 250.0, "INV/2025/00002"), cand(3, 30, 250.0, "INV/2025/00003")
    )
    assert decide_with(rule, 100.0, index, "DEPOSITO") == ("to_review", "no_partner", [1], 30)
    assert decide_with(rule, 250.0, index, "DEPOSITO") == ("to_review", "no_partner", [], 30)
    assert decide_with(rule, 55.0, index, "DEPOSITO") == ("to_review", "no_partner", [], 0)
    assert decide_with(rule, 100.0, index, "DEPOSITO", excluded={1}) == ("to_review", "no_partner", [], 0)
    assert decide_with(rule, 100.0, index, "DEPOSITO", partner=10) is None


def test_rule_payer_has_no_open_invoice():
    rule = m.payer_has_no_open_invoice
    index = idx(cand(1, 10, 100.0, "INV/2025/00001"), cand(2, 20, -50.0, "RINV/2025/00002"))
    assert decide_with(rule, 55.0, index, partner=99) == ("to_review", "no_candidate", [], 0)
    assert decide_with(rule, 55.0, index, partner=20) == ("to_review", "no_candidate", [], 0)
    assert decide_with(rule, 55.0, index, partner=10, excluded={1}) == ("to_review", "no_candidate", [], 0)
    assert decide_with(rule, 55.0, index, partner=10) is None
    assert decide_with(rule, 55.0, index) is None


def test_rule_payer_known_unique_amount():
    rule = m.payer_known_unique_amount
    index = idx(cand(1, 10, 100.0, "INV/2025/00001"), cand(2, 10, 40.0, "INV/2025/00002"))
    assert decide_with(rule, 100.0, index, "PAGO", partner=10) == ("to_review", "exact", [1], 50)
    assert decide_with(rule, 100.0, index, "PAGO", partner=10, allow_partner_amount=True) == ("auto", "exact", [1], 50)
    assert decide_with(rule, 55.0, index, "PAGO", partner=10) is None
    assert decide_with(rule, 100.0, index, "PAGO") is None


def test_rule_payer_known_amount_ties():
    rule = m.payer_known_amount_ties
    index = _two_of_one_customer()
    assert decide_with(rule, 100.0, index, "PAGO", partner=10) == ("to_review", "ambiguous", [], 40)
    assert decide_with(rule, 100.0, index, "PAGO", partner=10, excluded={2}) is None


def test_rules_payer_invoices_add_up_and_sets_tie():
    add_up, tie = m.payer_invoices_add_up, m.payer_invoice_sets_tie
    index = idx(
        cand(1, 10, 100.0, "INV/2025/00001"),
        cand(2, 10, 50.0, "INV/2025/00002"),
        cand(3, 10, 70.0, "INV/2025/00003"),
        cand(4, 10, 50.0, "INV/2025/00004"),
    )
    assert decide_with(add_up, 170.0, index, "PAGO", partner=10) == ("to_review", "multi_invoice", [1, 3], 55)
    assert decide_with(tie, 170.0, index, "PAGO", partner=10) is None
    # 100 + 50 twice
    assert decide_with(tie, 150.0, index, "PAGO", partner=10) == ("to_review", "ambiguous", [], 35)
    assert decide_with(add_up, 150.0, index, "PAGO", partner=10) is None
    assert decide_with(add_up, 1000.0, index, "PAGO", partner=10) is None
    assert decide_with(tie, 1000.0, index, "PAGO", partner=10) is None


def test_rules_payer_overpaid_and_partial_oldest_first():
    over, partial = m.payer_overpaid, m.payer_partial_oldest_first
    index = idx(
        cand(2, 10, 50.0, "INV/2025/00002"), cand(1, 10, 100.0, "INV/2025/00001"), cand(3, 20, 70.0, "INV/2025/00003")
    )
    assert decide_with(over, 200.0, index, "PAGO", partner=10) == ("to_review", "overpaid", [1, 2], 40)
    assert decide_with(over, 120.0, index, "PAGO", partner=10) is None
    # the oldest first, the last one partly
    assert decide_with(partial, 120.0, index, "PAGO", partner=10) == ("to_review", "partial", [1, 2], 35)
    assert decide_with(partial, 80.0, index, "PAGO", partner=10) == ("to_review", "partial", [1], 35)
    assert decide_with(partial, 80.0, index, "PAGO") is None
    assert decide_with(partial, 80.0, index, "PAGO", partner=99) is None


def test_match_line_shows_the_chosen_documents_in_the_ranking():
    index = idx(*(cand(cid, 10, 10.0 * cid, f"INV/2025/{cid:05d}") for cid in range(1, 9)))
    p = m.match_line(35.0, index, partner_id=10, info=m.analyse_text("PAGO"), max_ranked=2)
    assert (p.state, p.reason, p.chosen) == ("to_review", "partial", [1, 2, 3])
    # the two best (a partial amount of them), then the chosen ones not shown yet
    partial = (m.WHY_CUSTOMER, m.WHY_PARTIAL_AMOUNT)
    assert p.ranked == [
        (4, 30, partial),
        (5, 30, partial),
        (1, 20, (m.WHY_CUSTOMER,)),
        (2, 20, (m.WHY_CUSTOMER,)),
        (3, 20, (m.WHY_CUSTOMER,)),
    ]
    assert p.difference == -25.0 and p.partner_id == 10


def test_why_codes():
    """Why a document is proposed: codes (the model shows them in the reader's language),
    reference first, then customer, then amount; an open invoice when nothing else."""
    assert m._why(2, True, 30) == (m.WHY_REFERENCE, m.WHY_CUSTOMER, m.WHY_EXACT_AMOUNT)
    assert m._why(1, False, 25) == (m.WHY_PARTIAL_REFERENCE, m.WHY_AMOUNT_WITHIN_TOLERANCE)
    assert m._why(0, True, 10) == (m.WHY_CUSTOMER, m.WHY_PARTIAL_AMOUNT)
    assert m._why(0, False, 0) == (m.WHY_OPEN_INVOICE,)
    assert set(m.WHY_CODES) == {
        "reference",
        "partial_reference",
        "customer",
        "exact_amount",
        "amount_within_tolerance",
        "partial_amount",
        "open_invoice",
    }
    # a line paying exactly one referenced invoice of its payer: every reason, as codes
    index = idx(cand(1, 10, 100.0, "INV/2025/00001"))
    p = m.match_line(100.0, index, partner_id=10, info=m.analyse_text("PAGO INV/2025/00001"))
    assert p.ranked == [(1, 100, (m.WHY_REFERENCE, m.WHY_CUSTOMER, m.WHY_EXACT_AMOUNT))]
    assert all(code in m.WHY_CODES for _cid, _score, why in p.ranked for code in why)
