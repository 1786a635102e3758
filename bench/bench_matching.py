"""Benchmark of the bank-statement matcher (issue #4), run inside ``odoo-bin shell``.

Builds a labeled portfolio in a fresh Mexican company (open invoices, customers with
CLABEs and RFCs) and bank lines with realistic SPEI concepts (truncated to 40
characters, folio-only references, shared amounts, payments of several invoices,
partial and overpayments, unknown payers), runs ``_collection_match()`` on all lines
(automatic reconciliation on, as in production) and prints:

* lines/s and queries per line,
* precision of the automatic reconciliations (the invoices reconciled are exactly the
  ones the line pays),
* share of "exact amount + reference" lines reconciled automatically,
* the reasons of the suggestions left to review.

Everything is rolled back at the end (the database is left as it was) unless
BENCH_KEEP=1.  Sizes: BENCH_LINES (default 5000), BENCH_INVOICES (default 20000).
See bench/README.md for how to run it.
"""

# ruff: noqa: F821  (``env`` is given by odoo-bin shell)
import os
import random
import resource
import time
from collections import Counter

from odoo import Command, fields
from odoo.addons.account_collections_mx.tools import matching

N_LINES = int(os.environ.get("BENCH_LINES", 5000))
N_INVOICES = int(os.environ.get("BENCH_INVOICES", 20000))
SEED = int(os.environ.get("BENCH_SEED", 42))
BATCH = 500
rnd = random.Random(SEED)


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def make_clabe(rnd):
    first = "".join(str(rnd.randint(0, 9)) for _ in range(17))
    return first + matching.clabe_check_digit(first)


def make_rfc(rnd, i):
    letters = "".join(rnd.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
    return f"{letters}{rnd.randint(70, 99):02d}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}" \
        f"{i % 36:X}{rnd.randint(0, 9)}{rnd.choice('ABC')}".upper()[:12]


def setup_company():
    mx = env.ref("base.mx")
    company = env["res.company"].create({
        "name": f"Bench MX {int(time.time())}", "country_id": mx.id,
        "currency_id": env.ref("base.MXN").id,
    })
    env.user.company_ids |= company
    env["account.chart.template"].try_loading("mx", company, install_demo=False)
    company.write({"collection_tolerance": 1.0, "collection_auto_reconcile": True,
                   "collection_auto_match_partner_amount": False,
                   "collection_writeoff_account_id": env["account.account"].search(
                       [("company_ids", "in", company.ids), ("account_type", "=", "expense")],
                       limit=1).id})
    return company


def build_portfolio(company):
    cenv = env(context=dict(env.context, allowed_company_ids=[company.id],
                            tracking_disable=True, mail_create_nolog=True, mail_notrack=True))
    n_customers = max(10, N_INVOICES // 5)
    partners = cenv["res.partner"].create([{
        "name": f"Cliente {i:05d} S.A. de C.V.",
        "vat": make_rfc(rnd, i),
        "company_id": False,
    } for i in range(n_customers)])
    clabes = {}
    bank_vals = []
    for p in partners:
        if rnd.random() < 0.5:
            clabes[p.id] = make_clabe(rnd)
            bank_vals.append({"acc_number": clabes[p.id], "partner_id": p.id})
    cenv["res.partner.bank"].create(bank_vals)
    log(f"{n_customers} customers, {len(bank_vals)} CLABEs")
    shared_amounts = [1160.0, 2320.0, 5800.0, 580.0, 11600.0]
    invoices = cenv["account.move"]
    journal = cenv["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
    for start in range(0, N_INVOICES, BATCH):
        vals = []
        for _i in range(start, min(start + BATCH, N_INVOICES)):
            amount = rnd.choice(shared_amounts) if rnd.random() < 0.15 else \
                round(rnd.uniform(100, 50000), 2)
            vals.append({
                "move_type": "out_invoice", "journal_id": journal.id,
                "partner_id": rnd.choice(partners).id,
                "invoice_date": "2025-01-15",
                "invoice_line_ids": [Command.create(
                    {"name": "Servicio", "quantity": 1, "price_unit": amount, "tax_ids": []})],
            })
        batch = cenv["account.move"].create(vals)
        batch.action_post()
        invoices |= batch
        env.cr.flush() if hasattr(env.cr, "flush") else None
        log(f"{len(invoices)} invoices posted")
    return cenv, partners, clabes, invoices


def concept_for(rnd, docs, kind):
    """A SPEI concept as customers write them."""
    names = [d.name for d in docs]
    style = rnd.random()
    if kind == "folio":
        refs = [f"FACT {n.split('/')[-1]}" for n in names]  # folio only: 00123
    elif style < 0.3:
        refs = names
    elif style < 0.5:
        refs = [n.replace("/", " ").lower() for n in names]
    elif style < 0.7:
        refs = [n.replace("/", "-").replace("-000", "-") for n in names]
    else:
        refs = [n.replace("/", "") for n in names]
    text = f"{rnd.choice(['PAGO', 'PAGO FACTURA', 'SPEI', 'TRANSF', 'ABONO'])} {' '.join(refs)}"
    return text[: matching.SPEI_CONCEPT_MAX]  # SPEI cuts the concept at 40 characters


def build_lines(cenv, company, partners, clabes, invoices):
    journal = cenv["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "bank")], limit=1)
    by_partner = {}
    for inv in invoices:
        by_partner.setdefault(inv.partner_id.id, []).append(inv)
    pool = list(invoices)
    rnd.shuffle(pool)
    used = set()
    amounts = Counter(inv.amount_residual for inv in invoices)
    specs = []  # (vals, truth ids, kind)

    def take():
        while pool:
            inv = pool.pop()
            if inv.id not in used:
                used.add(inv.id)
                return inv
        return None

    def payer_vals(partner):
        """How the bank tells who paid: the partner, a CLABE or an RFC, or nothing."""
        r = rnd.random()
        if r < 0.4:
            return {"partner_id": partner.id}, ""
        if r < 0.7 and partner.id in clabes:
            return {"account_number": clabes[partner.id]}, ""
        if r < 0.85:
            return {}, f" {partner.vat}"
        return {}, ""

    for i in range(N_LINES):
        r = rnd.random()
        if r < 0.55:  # exact amount, reference (whole number or folio with a known payer)
            inv = take()
            kind = "folio" if rnd.random() < 0.2 else "ref"
            payer, extra = payer_vals(inv.partner_id)
            if kind == "folio" and "partner_id" not in payer:
                payer = {"partner_id": inv.partner_id.id}
            label = concept_for(rnd, inv, kind)
            vals = {"payment_ref": label, "amount": inv.amount_residual, **payer}
            if extra:
                vals["narration"] = extra.strip()
            specs.append((vals, {inv.id}, "exact_ref"))
        elif r < 0.65:  # several invoices of one customer
            inv = take()
            others = [x for x in by_partner[inv.partner_id.id] if x.id not in used][:2]
            docs = [inv, *others[: rnd.randint(1, 2)]]
            used.update(d.id for d in docs)
            total = round(sum(d.amount_residual for d in docs), 2)
            label = concept_for(rnd, cenv["account.move"].browse([d.id for d in docs]), "ref")
            specs.append(({"payment_ref": label, "amount": total,
                           "partner_id": inv.partner_id.id}, {d.id for d in docs}, "multi"))
        elif r < 0.75:  # partial payment
            inv = take()
            amount = round(inv.amount_residual * rnd.uniform(0.2, 0.8), 2)
            specs.append(({"payment_ref": concept_for(rnd, inv, "ref"), "amount": amount},
                          {inv.id}, "partial"))
        elif r < 0.80:  # overpayment
            inv = take()
            specs.append(({"payment_ref": concept_for(rnd, inv, "ref"),
                           "amount": round(inv.amount_residual + rnd.uniform(50, 500), 2)},
                          {inv.id}, "overpaid"))
        elif r < 0.90:  # no reference, known customer, amount (shared amounts tie)
            inv = take()
            specs.append(({"payment_ref": rnd.choice(["PAGO", "TRANSFERENCIA SPEI", "DEPOSITO"]),
                           "amount": inv.amount_residual, "partner_id": inv.partner_id.id},
                          {inv.id}, "no_ref" if amounts[inv.amount_residual] == 1 else "shared"))
        else:  # unknown payer, nothing to match
            specs.append(({"payment_ref": f"DEPOSITO EFECTIVO SUC {rnd.randint(100, 999)}",
                           "amount": round(rnd.uniform(100, 9000), 2) + 0.37}, set(), "unknown"))
    lines = cenv["account.bank.statement.line"]
    for start in range(0, len(specs), BATCH):
        lines |= cenv["account.bank.statement.line"].create([
            {"journal_id": journal.id, "date": "2025-02-01", **vals}
            for vals, _t, _k in specs[start:start + BATCH]])
        log(f"{len(lines)} bank lines")
    truth = {line.id: (spec[1], spec[2]) for line, spec in zip(lines, specs, strict=True)}
    return lines, truth


def run_oca(company, lines, truth):
    """OCA account_reconcile_model_oca 18.0's invoice-matching rule on the same lines."""
    Model = env["account.reconcile.model"]
    models_ = Model.search([("company_id", "=", company.id),
                            ("rule_type", "=", "invoice_matching")])
    if not models_:
        models_ = Model.create({
            "name": "Bench invoice matching", "company_id": company.id,
            "rule_type": "invoice_matching", "auto_reconcile": True,
            "match_text_location_label": True, "match_text_location_note": True,
            "match_text_location_reference": True, "match_partner": False,
        })
    env.flush_all()
    env.invalidate_all()
    log("OCA invoice matching")
    start = time.time()
    results = {}
    for line in lines:
        partner = line._retrieve_partner()
        results[line.id] = models_._apply_rules(line, partner)
    elapsed = time.time() - start
    auto = correct = exact = 0
    for line_id, res in results.items():
        if res.get("auto_reconcile") and res.get("amls"):
            auto += 1
            ids, kind = truth[line_id]
            if set(res["amls"].move_id.ids) == ids:
                correct += 1
                exact += kind == "exact_ref"
    return elapsed, auto, correct, exact


def main():
    t0 = time.time()
    company = setup_company()
    log(f"company {company.name} with the Mexican chart in {time.time() - t0:.0f}s")
    cenv, partners, clabes, invoices = build_portfolio(company)
    lines, truth = build_lines(cenv, company, partners, clabes, invoices)
    env.flush_all()
    env.invalidate_all()
    # 1. matching alone (automatic reconciliation off): the decisions
    company.collection_auto_reconcile = False
    queries_before = env.cr.sql_log_count
    start = time.time()
    for i in range(0, len(lines), BATCH):
        lines[i:i + BATCH]._collection_match()
        env.flush_all()
    elapsed = time.time() - start
    queries = env.cr.sql_log_count - queries_before
    log(f"matching done in {elapsed:.1f}s")
    matches = env["collection.match"].search([("statement_line_id", "in", lines.ids)])
    sure = matches.filtered("sure")
    oca = run_oca(company, lines, truth) if "_apply_rules" in dir(env["account.reconcile.model"]) \
        else None
    # 2. reconciling the sure ones through Odoo's reconciliation, as the automatic mode does
    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    log("reconciling the sure matches")
    start = time.time()
    for match in sure:
        match._approve_one(state="auto")
    env.flush_all()
    rec_elapsed = time.time() - start
    if profiler:
        import pstats
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    auto = sure.filtered(lambda m: m.state == "auto")
    correct = 0
    for m in auto:
        reconciled = m.statement_line_id.move_id.line_ids.matched_debit_ids.debit_move_id.move_id
        if set(reconciled.ids) == truth[m.statement_line_id.id][0] and \
                set(m.move_ids.ids) == truth[m.statement_line_id.id][0]:
            correct += 1
    exact_lines = [lid for lid, (_ids, kind) in truth.items() if kind == "exact_ref"]
    exact_auto = sum(1 for m in auto if truth[m.statement_line_id.id][1] == "exact_ref")
    kinds = Counter(kind for _ids, kind in truth.values())
    print()
    print(f"portfolio: {len(invoices)} open invoices, {len(partners)} customers; "
          f"{len(lines)} bank lines {dict(kinds)}")
    print(f"matching: {elapsed:.1f}s, {len(lines) / elapsed:.0f} lines/s, "
          f"{queries / len(lines):.1f} queries/line")
    print(f"automatic reconciliation (Odoo reconcile + chatter note): {len(auto)} lines in "
          f"{rec_elapsed:.1f}s, {len(auto) / max(rec_elapsed, 1e-9):.1f} lines/s")
    print(f"end to end: {len(lines) / (elapsed + rec_elapsed):.1f} lines/s")
    print(f"automatic reconciliations: {len(auto)}, precision "
          f"{100.0 * correct / max(1, len(auto)):.2f}% ({correct}/{len(auto)})")
    print(f"exact amount + reference lines reconciled automatically: "
          f"{100.0 * exact_auto / max(1, len(exact_lines)):.1f}% ({exact_auto}/{len(exact_lines)})")
    print("left to review by reason:", dict(Counter(
        m.reason for m in matches if m.state == "to_review")))
    print("auto by kind:", dict(Counter(truth[m.statement_line_id.id][1] for m in auto)))
    if oca:
        oca_elapsed, oca_auto, oca_correct, oca_exact = oca
        print(f"OCA account_reconcile_model_oca invoice matching (_retrieve_partner + "
              f"_apply_rules, no reconciliation): {oca_elapsed:.1f}s, "
              f"{len(lines) / oca_elapsed:.0f} lines/s; auto-reconcile proposals {oca_auto}, "
              f"precision {100.0 * oca_correct / max(1, oca_auto):.2f}%, exact+reference lines "
              f"{100.0 * oca_exact / max(1, len(exact_lines)):.1f}%")
        print(f"ratio (matching time OCA / ours): {oca_elapsed / elapsed:.1f}x")
    else:
        print("OCA account_reconcile_model_oca not installed in this database: no comparison "
              "(see bench/README.md)")
    print(f"peak memory (RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"total bench time {time.time() - t0:.0f}s, {fields.Datetime.now()}")
    if os.environ.get("BENCH_KEEP") == "1":
        env.cr.commit()
    else:
        env.cr.rollback()


main()
