"""Benchmark of the bank-statement matcher, against OCA account_reconcile_model_oca.

Run by ``scripts/bench matching`` (it copies the test template database, installs the addon
and the OCA peer module, runs this script, then drops everything).  By hand::

    python bench/bench_matching.py --odoo /path/to/odoo-18.0 --lines 5000 --invoices 20000 \
        --json out.json -- -d DB --addons-path=... --db_user=...

What it does, in one database that already has ``account_collections_mx`` and
``account_reconcile_model_oca`` installed:

1. builds a labeled portfolio in a new Mexican company (l10n_mx chart, MXN): customers
   (RFC each, half with a CLABE on a bank account), open customer invoices (15 % with
   shared amounts such as 1,160.00) and incoming bank statement lines with realistic SPEI
   concepts (cut at 40 characters, several reference formats, folio-only references,
   payer given as partner, CLABE, RFC in the notes or not at all; payments of several
   invoices, partial payments, overpayments, no reference, unknown payers).  One invoice
   is created and posted through the ORM, the others are SQL copies of it (other
   customer, date, number, amount), checked balanced with one receivable line whose
   residual is the invoice's; ORM creation runs at ~45 invoices/s on 2 cores, copying
   20,000 takes seconds.  Bank lines are created through the ORM (each with its entry);
2. times OUR matching (``account.bank.statement.line._collection_match()`` in batches of
   500 as the cron does, a commit per batch) with automatic reconciliation off, so that
   the time is the matcher's decisions, the same work as OCA's proposals;
3. on the same (still unreconciled) lines, times OCA ``account_reconcile_model_oca``'s
   invoice-matching rule as its bank widget runs it: ``st_line._retrieve_partner()`` then
   ``account.reconcile.model._apply_rules(st_line, partner)`` over the company's
   invoice-matching models (the chart's, set to match on label, note and reference, on
   any partner, with no date limit); on ``--oca-lines`` of them picked at random when
   asked (same mix), otherwise on all;
4. reconciles ``--reconcile`` sure matches through Odoo's reconciliation exactly as the
   automatic mode does and checks the invoices really paid are the labeled ones;
5. prints lines/s, precision of the automatic reconciliations (target 100 %), share of
   exact amount + reference lines reconciled automatically (target >= 95 %), the ratio
   OCA time per line / ours (target >= 5x), peak RSS and RSS per batch (memory bounded),
   and writes them as JSON.
"""

import argparse
import datetime as dt
import json
import os
import random
import resource
import sys
import time
from collections import Counter

from portfolio import clone_invoices, open_registry  # bench/portfolio.py (this script's folder)

TARGET_RATIO = 5.0
TARGET_PRECISION = 1.0
TARGET_EXACT_SHARE = 0.95
BATCH = 500
SHARED_AMOUNTS = [1160.0, 2320.0, 5800.0, 580.0, 11600.0]


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def verdict(ok):
    return "MET" if ok else "NOT MET"


# --------------------------------------------------------------------------- portfolio
def make_clabe(rnd):
    from odoo.addons.account_collections_mx.tools import matching

    first = "".join(str(rnd.randint(0, 9)) for _ in range(17))
    return first + matching.clabe_check_digit(first)


def make_rfc(rnd, i):
    letters = "".join(rnd.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
    return (
        f"{letters}{rnd.randint(70, 99):02d}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
        f"{i % 36:X}{rnd.randint(0, 9)}{rnd.choice('ABC')}"
    ).upper()[:12]


def build_company(env):
    mx = env.ref("base.mx")
    mxn = env.ref("base.MXN")
    mxn.active = True
    vals = {"name": "Bench Conciliacion SA de CV", "country_id": mx.id, "currency_id": mxn.id}
    if "iap_enrich_auto_done" in env["res.company"]._fields:
        vals["iap_enrich_auto_done"] = True  # no partner_autocomplete web call
    company = env["res.company"].create(vals)
    env.user.company_ids |= company
    env["account.chart.template"].try_loading("mx", company, install_demo=False)
    company.write(
        {
            "collection_tolerance": 1.0,
            "collection_auto_reconcile": False,  # timed: the decisions; see step 4 for reconcile
            "collection_auto_match_partner_amount": False,
            "collection_writeoff_account_id": env["account.account"]
            .search([("company_ids", "in", company.ids), ("account_type", "=", "expense")], limit=1)
            .id,
        }
    )
    return company


def build_portfolio(env, company, n_invoices, rnd):
    """Customers and open invoices: returns (partners info, invoices info)."""
    ctx = {
        "tracking_disable": True,
        "mail_create_nolog": True,
        "mail_create_nosubscribe": True,
        "mail_notrack": True,
        "allowed_company_ids": [company.id],
    }
    env = env(context=ctx)
    cr = env.cr
    t0 = time.monotonic()
    n_customers = max(10, n_invoices // 5)
    partners = env["res.partner"].create(
        [
            {
                "name": f"Cliente {i:05d} SA de CV",
                "vat": make_rfc(rnd, i),
                "is_company": True,
                "collection_first_invoice_reviewed": True,
            }
            for i in range(n_customers)
        ]
    )
    info = {p.id: {"vat": p.vat, "clabe": None} for p in partners}
    bank_vals = []
    for p in partners:
        if rnd.random() < 0.5:
            info[p.id]["clabe"] = make_clabe(rnd)
            bank_vals.append({"acc_number": info[p.id]["clabe"], "partner_id": p.id})
    env["res.partner.bank"].create(bank_vals)
    cr.commit()
    log(f"{n_customers} customers ({len(bank_vals)} with a CLABE) in {time.monotonic() - t0:.1f}s")

    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
    today = dt.date.today()
    year_start = dt.date(today.year, 1, 1)
    specs = []  # (partner id, invoice date, amount)
    pids = partners.ids
    for _i in range(n_invoices):
        amount = rnd.choice(SHARED_AMOUNTS) if rnd.random() < 0.15 else round(rnd.uniform(100, 50000), 2)
        day = max(today - dt.timedelta(days=rnd.randint(5, 80)), year_start)
        specs.append((rnd.choice(pids), day, amount))
    # the reference invoice goes through the ORM (0.01 without tax: copies are x cents)
    ref = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "journal_id": journal.id,
            "partner_id": specs[0][0],
            "invoice_date": specs[0][1],
            "invoice_date_due": specs[0][1] + dt.timedelta(days=30),
            "invoice_payment_term_id": False,
            "invoice_line_ids": [
                (0, 0, {"name": "Servicio", "quantity": 1, "price_unit": 0.01, "tax_ids": [(6, 0, [])]})
            ],
        }
    )
    ref.action_post()
    assert {line.display_type for line in ref.line_ids} == {"product", "payment_term"}
    cr.commit()
    t0 = time.monotonic()
    ids = clone_invoices(
        env,
        ref,
        [(partner_id, day, day + dt.timedelta(days=30), round(amount * 100)) for partner_id, day, amount in specs],
    )  # ref is 0.01
    cr.commit()
    env.invalidate_all()
    # the reference invoice itself is not part of the labeled set (0.01)
    cr.execute("SELECT id, name, partner_id, amount_residual FROM account_move WHERE id = ANY(%s)", (ids,))
    invoices = {r[0]: {"id": r[0], "name": r[1], "partner_id": r[2], "residual": float(r[3])} for r in cr.fetchall()}
    log(f"{len(ids)} invoices copied from {ref.name} in {time.monotonic() - t0:.1f}s")
    return info, [invoices[i] for i in ids]


def concept_for(rnd, names, kind):
    """A SPEI concept as customers write them (cut at 40 characters by SPEI)."""
    from odoo.addons.account_collections_mx.tools import matching

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
    return text[: matching.SPEI_CONCEPT_MAX]


def line_specs(partners, invoices, n_lines, rnd):
    """[(statement line values, labeled invoice ids, kind)]."""
    by_partner = {}
    for inv in invoices:
        by_partner.setdefault(inv["partner_id"], []).append(inv)
    pool = list(invoices)
    rnd.shuffle(pool)
    used = set()
    amounts = Counter(inv["residual"] for inv in invoices)
    specs = []

    def take():
        while pool:
            inv = pool.pop()
            if inv["id"] not in used:
                used.add(inv["id"])
                return inv
        raise RuntimeError("not enough invoices for the bank lines")

    def payer_vals(partner_id):
        """How the bank tells who paid: the partner, a CLABE, an RFC, or nothing."""
        r = rnd.random()
        if r < 0.4:
            return {"partner_id": partner_id}, ""
        if r < 0.7 and partners[partner_id]["clabe"]:
            return {"account_number": partners[partner_id]["clabe"]}, ""
        if r < 0.85:
            return {}, partners[partner_id]["vat"]
        return {}, ""

    for _i in range(n_lines):
        r = rnd.random()
        if r < 0.55:  # exact amount + reference (whole number, or folio with a known payer)
            inv = take()
            kind = "folio" if rnd.random() < 0.2 else "ref"
            payer, rfc = payer_vals(inv["partner_id"])
            if kind == "folio" and "partner_id" not in payer:
                payer, rfc = {"partner_id": inv["partner_id"]}, ""
            vals = {"payment_ref": concept_for(rnd, [inv["name"]], kind), "amount": inv["residual"], **payer}
            if rfc:
                vals["narration"] = f"RFC ORDENANTE {rfc}"
            specs.append((vals, [inv["id"]], "exact_ref"))
        elif r < 0.65:  # several invoices of one customer
            inv = take()
            others = [x for x in by_partner[inv["partner_id"]] if x["id"] not in used]
            docs = [inv, *others[: rnd.randint(1, 2)]]
            used.update(d["id"] for d in docs)
            total = round(sum(d["residual"] for d in docs), 2)
            specs.append(
                (
                    {
                        "payment_ref": concept_for(rnd, [d["name"] for d in docs], "ref"),
                        "amount": total,
                        "partner_id": inv["partner_id"],
                    },
                    [d["id"] for d in docs],
                    "multi" if len(docs) > 1 else "exact_ref",
                )
            )
        elif r < 0.75:  # partial payment
            inv = take()
            specs.append(
                (
                    {
                        "payment_ref": concept_for(rnd, [inv["name"]], "ref"),
                        "amount": round(inv["residual"] * rnd.uniform(0.2, 0.8), 2),
                    },
                    [inv["id"]],
                    "partial",
                )
            )
        elif r < 0.80:  # overpayment
            inv = take()
            specs.append(
                (
                    {
                        "payment_ref": concept_for(rnd, [inv["name"]], "ref"),
                        "amount": round(inv["residual"] + rnd.uniform(50, 500), 2),
                    },
                    [inv["id"]],
                    "overpaid",
                )
            )
        elif r < 0.90:  # no reference, known customer, exact amount (shared amounts tie)
            inv = take()
            specs.append(
                (
                    {
                        "payment_ref": rnd.choice(["PAGO", "TRANSFERENCIA SPEI", "DEPOSITO"]),
                        "amount": inv["residual"],
                        "partner_id": inv["partner_id"],
                    },
                    [inv["id"]],
                    "no_ref" if amounts[inv["residual"]] == 1 else "shared",
                )
            )
        else:  # unknown payer, nothing to match
            specs.append(
                (
                    {
                        "payment_ref": f"DEPOSITO EFECTIVO SUC {rnd.randint(100, 999)}",
                        "amount": round(rnd.uniform(100, 9000), 2) + 0.37,
                    },
                    [],
                    "unknown",
                )
            )
    return specs


def build_lines(env, company, specs):
    env = env(
        context=dict(
            env.context,
            tracking_disable=True,
            mail_create_nolog=True,
            mail_notrack=True,
            allowed_company_ids=[company.id],
        )
    )
    journal = env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "bank")], limit=1)
    day = dt.date.today() - dt.timedelta(days=2)
    ids = []
    t0 = time.monotonic()
    for start in range(0, len(specs), BATCH):
        lines = env["account.bank.statement.line"].create(
            [{"journal_id": journal.id, "date": day, **vals} for vals, _t, _k in specs[start : start + BATCH]]
        )
        ids += lines.ids
        env.cr.commit()
        env.invalidate_all()
        log(f"  {len(ids)} bank lines ({len(ids) / (time.monotonic() - t0):.0f}/s)")
    return ids


def build(registry, args):
    from odoo import SUPERUSER_ID, api

    started = time.monotonic()
    rnd = random.Random(args.seed)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        oca_version = (
            env["ir.module.module"]
            .search([("name", "=", "account_reconcile_model_oca"), ("state", "=", "installed")])
            .latest_version
        )
        if not oca_version:
            sys.exit("account_reconcile_model_oca is not installed in this database")
        log("building the Mexican company (l10n_mx chart)")
        company = build_company(env)
        cr.commit()
        env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company.id]})
        partners, invoices = build_portfolio(env, company, args.invoices, rnd)
        specs = line_specs(partners, invoices, args.lines, rnd)
        log(f"creating {len(specs)} bank lines through the ORM")
        line_ids = build_lines(env, company, specs)
        meta = {
            "lines": len(line_ids),
            "invoices": len(invoices),
            "customers": len(partners),
            "company_id": company.id,
            "oca_version": oca_version,
            "seed": args.seed,
            "truth": {str(lid): [spec[1], spec[2]] for lid, spec in zip(line_ids, specs, strict=True)},
            "kinds": dict(Counter(spec[2] for spec in specs)),
            "build_seconds": time.monotonic() - started,
        }
        env["ir.config_parameter"].set_param("bench.matching", json.dumps(meta))
        cr.commit()
    with registry.cursor() as cr:  # fresh planner statistics, as on a database in use
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE")
    log(f"portfolio built in {time.monotonic() - started:.0f}s")


# --------------------------------------------------------------------------- runs
def run_ours(env, line_ids, profile=None):
    import odoo.sql_db

    Line = env["account.bank.statement.line"]
    # a fresh start when the same database is timed again (--stage run)
    env["collection.match"].search(
        [("statement_line_id", "in", line_ids), ("state", "in", ("to_review", "rejected"))]
    ).unlink()
    env.cr.commit()
    env.invalidate_all()
    rss = []
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
    load0, cpu0 = os.getloadavg()[0], time.process_time()
    q0, t0 = odoo.sql_db.sql_counter, time.monotonic()
    for start in range(0, len(line_ids), BATCH):
        if prof:
            prof.enable()
        Line.browse(line_ids[start : start + BATCH])._collection_match()
        env.flush_all()
        if prof:
            prof.disable()
        env.cr.commit()  # as the cron does between batches
        env.invalidate_all()
        rss.append(round(rss_mb()))
    seconds = time.monotonic() - t0
    res = {
        "seconds": seconds,
        "python_cpu_seconds": time.process_time() - cpu0,
        "load_before_after": [load0, os.getloadavg()[0]],
        "lines_per_s": len(line_ids) / seconds,
        "queries": odoo.sql_db.sql_counter - q0,
        "rss_mb_per_batch": rss,
    }
    res["queries_per_line"] = res["queries"] / len(line_ids)
    if prof:
        import pstats

        prof.dump_stats(profile)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    return res


def grade_ours(env, line_ids, truth):
    Match = env["collection.match"]
    matches = Match.search([("statement_line_id", "in", line_ids)])
    sure = {m.statement_line_id.id: sorted(m.move_ids.ids) for m in matches if m.sure}
    correct = sum(1 for lid, ids in sure.items() if ids == sorted(truth[str(lid)][0]))
    exact = [lid for lid in line_ids if truth[str(lid)][1] == "exact_ref"]
    exact_auto = sum(1 for lid in exact if sure.get(lid) == sorted(truth[str(lid)][0]))
    return {
        "auto": len(sure),
        "auto_correct": correct,
        "precision": correct / max(1, len(sure)),
        "exact_lines": len(exact),
        "exact_auto": exact_auto,
        "exact_share": exact_auto / max(1, len(exact)),
        "auto_by_kind": dict(Counter(truth[str(lid)][1] for lid in sure)),
        "wrong": [
            [lid, ids, truth[str(lid)][0], truth[str(lid)][1]]
            for lid, ids in sure.items()
            if ids != sorted(truth[str(lid)][0])
        ][:10],
        "review_by_reason": dict(Counter(m.reason for m in matches if m.state == "to_review" and not m.sure)),
        "review_by_kind": {
            kind: dict(
                Counter(
                    m.reason
                    for m in matches
                    if m.state == "to_review" and not m.sure and truth[str(m.statement_line_id.id)][1] == kind
                )
            )
            for kind in sorted({t[1] for t in truth.values()})
        },
        "suggestions": len(matches),
    }


def setup_oca(env, company):
    """The chart's invoice-matching models, set up to match on label, note and reference
    of any line (partner known or not) with no date limit; auto-validate on the perfect
    match, as shipped."""
    Model = env["account.reconcile.model"]
    models = Model.search([("company_id", "=", company.id), ("rule_type", "=", "invoice_matching")])
    if not models:
        models = Model.create(
            {
                "name": "Invoices Perfect Match (bench)",
                "company_id": company.id,
                "rule_type": "invoice_matching",
                "auto_reconcile": True,
                "allow_payment_tolerance": True,
                "payment_tolerance_type": "percentage",
                "payment_tolerance_param": 0,
            }
        )
    models.write(
        {
            "match_text_location_label": True,
            "match_text_location_note": True,
            "match_text_location_reference": True,
            "match_partner": False,
            "past_months_limit": 0,
            "match_nature": "amount_received",
        }
    )
    env.cr.commit()
    return Model.search([("rule_type", "!=", "writeoff_button"), ("company_id", "=", company.id)])


def run_oca(env, company, line_ids, truth):
    import odoo.sql_db

    models = setup_oca(env, company)
    Line = env["account.bank.statement.line"]
    env.invalidate_all()
    results = {}
    load0, cpu0 = os.getloadavg()[0], time.process_time()
    q0, t0 = odoo.sql_db.sql_counter, time.monotonic()
    for n, line in enumerate(Line.browse(line_ids), start=1):
        partner = line._retrieve_partner()
        res = models._apply_rules(line, partner)
        results[line.id] = (
            res.get("auto_reconcile", False),
            sorted(res["amls"].move_id.ids) if res.get("amls") else [],
        )
        if n % 250 == 0:
            log(f"  OCA {n} lines, {n / (time.monotonic() - t0):.1f} lines/s")
    seconds = time.monotonic() - t0
    auto = {lid: ids for lid, (is_auto, ids) in results.items() if is_auto and ids}
    correct = sum(1 for lid, ids in auto.items() if ids == sorted(truth[str(lid)][0]))
    exact = [lid for lid in line_ids if truth[str(lid)][1] == "exact_ref"]
    exact_auto = sum(1 for lid in exact if auto.get(lid) == sorted(truth[str(lid)][0]))
    proposed_right = sum(1 for lid, (_a, ids) in results.items() if ids and ids == sorted(truth[str(lid)][0]))
    return {
        "lines": len(line_ids),
        "seconds": seconds,
        "python_cpu_seconds": time.process_time() - cpu0,
        "load_before_after": [load0, os.getloadavg()[0]],
        "lines_per_s": len(line_ids) / seconds,
        "queries": odoo.sql_db.sql_counter - q0,
        "models": models.mapped("name"),
        "proposals": sum(1 for _a, ids in results.values() if ids),
        "proposals_right": proposed_right,
        "auto": len(auto),
        "auto_correct": correct,
        "precision": correct / max(1, len(auto)),
        "exact_lines": len(exact),
        "exact_auto": exact_auto,
        "exact_share": exact_auto / max(1, len(exact)),
    }


def run_reconcile(env, line_ids, truth, n):
    """Reconcile ``n`` sure matches as the automatic mode does; check what got paid."""
    import odoo.sql_db

    matches = env["collection.match"].search(
        [("statement_line_id", "in", line_ids), ("sure", "=", True), ("state", "=", "to_review")], order="id"
    )[:n]
    q0, t0 = odoo.sql_db.sql_counter, time.monotonic()
    matches._collection_auto_approve()
    env.flush_all()
    seconds = time.monotonic() - t0
    queries = odoo.sql_db.sql_counter - q0
    env.cr.commit()
    env.invalidate_all()
    ok = 0
    for m in matches:
        line = m.statement_line_id
        paid = line.move_id.line_ids.matched_debit_ids.debit_move_id.move_id
        if (
            m.state == "auto"
            and line.is_reconciled
            and sorted(paid.ids) == sorted(truth[str(line.id)][0])
            and all(inv.payment_state in ("paid", "in_payment") for inv in paid)
        ):
            ok += 1
    return {
        "reconciled": len(matches),
        "right": ok,
        "seconds": seconds,
        "lines_per_s": len(matches) / max(seconds, 1e-9),
        "queries_per_line": queries / max(1, len(matches)),
    }


# --------------------------------------------------------------------------- report
def print_report(res):
    ours, grade, oca, rec = res["ours"], res["grade"], res.get("oca"), res.get("reconcile")
    print()
    print("=" * 78)
    print(
        f"Matcher benchmark — {res['lines']} bank lines against {res['invoices']} open "
        f"invoices of {res['customers']} customers"
    )
    print(f"  date {res['date']}  machine: {res['machine']}")
    print(f"  labeled lines: {res['kinds']}; portfolio built in {res['build_seconds']:.0f}s")
    print("-" * 78)
    print("ours (account_collections_mx, _collection_match in batches of 500, decisions only)")
    print(
        f"  time {ours['seconds']:.1f}s   {ours['lines_per_s']:.0f} lines/s   "
        f"{ours['queries_per_line']:.1f} queries/line   Python CPU "
        f"{ours['python_cpu_seconds']:.1f}s   load (1 min) before/after "
        f"{ours['load_before_after'][0]:.1f}/{ours['load_before_after'][1]:.1f}"
    )
    print(
        f"  automatic (sure) matches {grade['auto']}: precision {grade['precision']:.2%} "
        f"({grade['auto_correct']}/{grade['auto']}); by kind {grade['auto_by_kind']}"
    )
    print(
        f"  exact amount + reference lines matched automatically: {grade['exact_share']:.1%} "
        f"({grade['exact_auto']}/{grade['exact_lines']})"
    )
    print(f"  left to review by reason: {grade['review_by_reason']}")
    print(f"  left to review, reasons by labeled kind: {grade['review_by_kind']}")
    if grade["wrong"]:
        print(f"  WRONG automatic matches (line, ours, truth, kind): {grade['wrong']}")
    print(f"  RSS per batch (MB): {ours['rss_mb_per_batch']}")
    if rec:
        print(
            f"  + reconciliation of {rec['reconciled']} sure matches through Odoo "
            f"(_collection_auto_approve): {rec['seconds']:.1f}s, {rec['lines_per_s']:.1f} "
            f"lines/s, {rec['queries_per_line']:.0f} queries/line; invoices paid = labeled "
            f"ones: {rec['right']}/{rec['reconciled']}"
        )
    if oca:
        print(
            f"OCA account_reconcile_model_oca {res['oca_version']} invoice matching "
            f"(_retrieve_partner + _apply_rules, proposals only) on {oca['lines']} of the lines"
        )
        print(f"  models: {oca['models']}")
        print(
            f"  time {oca['seconds']:.1f}s   {oca['lines_per_s']:.1f} lines/s   "
            f"{oca['queries'] / oca['lines']:.1f} queries/line   Python CPU "
            f"{oca['python_cpu_seconds']:.1f}s   load before/after "
            f"{oca['load_before_after'][0]:.1f}/{oca['load_before_after'][1]:.1f}"
        )
        print(
            f"  proposals {oca['proposals']} (right invoices: {oca['proposals_right']}); "
            f"auto-validate proposals {oca['auto']}: precision {oca['precision']:.2%} "
            f"({oca['auto_correct']}/{oca['auto']}); exact+reference lines auto "
            f"{oca['exact_share']:.1%} ({oca['exact_auto']}/{oca['exact_lines']})"
        )
    print("-" * 78)
    print(
        f"target precision of automatic reconciliation = 100 %: {grade['precision']:.2%} "
        f"{verdict(grade['precision'] >= TARGET_PRECISION and (not rec or rec['right'] == rec['reconciled']))}"
    )
    print(
        f"target exact amount + reference lines automatic >= 95 %: {grade['exact_share']:.1%} "
        f"{verdict(grade['exact_share'] >= TARGET_EXACT_SHARE)}"
    )
    if oca:
        ratio = ours["lines_per_s"] / oca["lines_per_s"]
        res["ratio"] = ratio
        print(
            f"target >= {TARGET_RATIO:.0f}x faster than OCA's rule (lines/s ours / OCA): "
            f"{ratio:.1f}x {verdict(ratio >= TARGET_RATIO)}"
        )
        cpu_ratio = (oca["python_cpu_seconds"] / oca["lines"]) / (ours["python_cpu_seconds"] / res["lines"])
        print(f"  (Python CPU per line OCA / ours: {cpu_ratio:.1f}x)")
    rss = ours["rss_mb_per_batch"]
    print(
        f"memory: peak RSS {res['peak_rss_mb']:.0f} MB; RSS after the first / last matching "
        f"batch {rss[0]} / {rss[-1]} MB"
    )
    print("=" * 78, flush=True)


# --------------------------------------------------------------------------- main
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--odoo", help="Odoo 18.0 source tree")
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--invoices", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--stage", choices=("all", "build", "run"), default="all")
    parser.add_argument("--profile", help="cProfile our matching into this file (slower)")
    parser.add_argument("--skip-oca", action="store_true", help="time only ours")
    parser.add_argument(
        "--oca-lines", type=int, default=0, help="run OCA's rule on this many lines picked at random (0: all)"
    )
    parser.add_argument(
        "--reconcile", type=int, default=200, help="reconcile this many sure matches through Odoo at the end"
    )
    parser.add_argument("odoo_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    registry, meta = open_registry(args, build, "bench.matching")
    if registry is None:
        return
    from odoo import SUPERUSER_ID, api

    truth = meta.pop("truth")
    line_ids = sorted(int(k) for k in truth)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [meta["company_id"]]})
        company = env["res.company"].browse(meta["company_id"])
        log(f"timing our matching of {len(line_ids)} lines")
        ours = run_ours(env, line_ids, args.profile)
        log(f"ours: {ours['seconds']:.1f}s")
        grade = grade_ours(env, line_ids, truth)
        log(
            f"ours: {ours['lines_per_s']:.0f} lines/s, {grade['auto']} automatic matches, "
            f"precision {grade['precision']:.2%}, exact+reference lines automatic "
            f"{grade['exact_share']:.1%}, RSS per batch {ours['rss_mb_per_batch']} MB"
        )
        oca = None
        if not args.skip_oca:
            sample = line_ids
            if args.oca_lines and args.oca_lines < len(line_ids):
                sample = sorted(random.Random(args.seed).sample(line_ids, args.oca_lines))
            log(f"timing OCA's invoice-matching rule on {len(sample)} lines")
            oca = run_oca(env, company, sample, truth)
            log(f"OCA: {oca['seconds']:.1f}s")
        rec = run_reconcile(env, line_ids, truth, args.reconcile) if args.reconcile else None
    res = dict(
        meta,
        **{
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}",
            "ours": ours,
            "grade": grade,
            "oca": oca,
            "reconcile": rec,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        },
    )
    print_report(res)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1, default=str)


if __name__ == "__main__":
    main()
