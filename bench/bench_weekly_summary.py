"""Benchmark: the weekly collections summary over a large portfolio.

Builds (in a transaction that is rolled back at the end) a Mexican company with
BENCH_CUSTOMERS customers and BENCH_INVOICES open invoices spread over 14 months
of due dates, some paid, some with sent reminders, then times one weekly
summary (figures + HTML + mail) and prints its SQL query count.

Run it in an Odoo shell on a database where the addon is installed, e.g.::

    scripts/test --keep --unit   # or any database with account_collections_mx
    ~/.local/share/account_collections_mx/venv/bin/python \
        ~/.local/share/account_collections_mx/odoo/odoo-bin shell -d DB \
        --addons-path=... < bench/bench_weekly_summary.py

    BENCH_INVOICES=20000 BENCH_CUSTOMERS=4000 (defaults) pick the portfolio size.

Target: a handful of queries (independent of the number of invoices) and a few
seconds for 20,000 open invoices.
"""
# ruff: noqa: F821  (``env`` is given by the Odoo shell)
import datetime as dt
import os
import random
import time

from odoo import Command

N_INVOICES = int(os.environ.get("BENCH_INVOICES", 20000))
N_CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", 4000))
BATCH = 500


def build(env):
    rng = random.Random(42)
    company = env["res.company"].create({
        "name": "Bench Cobranza SA", "country_id": env.ref("base.mx").id,
        "currency_id": env.ref("base.MXN").id})
    env.user.company_ids |= company
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    env["account.chart.template"].try_loading("mx", company, install_demo=False)
    customers = env["res.partner"].create([
        {"name": f"Cliente {i:05d}", "is_company": True,
         "collection_rating": rng.choice(["good", "good", "watch", "risky"])}
        for i in range(N_CUSTOMERS)])
    today = dt.date.today()
    t0 = time.time()
    moves = env["account.move"]
    for start in range(0, N_INVOICES, BATCH):
        vals = []
        for i in range(start, min(start + BATCH, N_INVOICES)):
            due = today + dt.timedelta(days=rng.randint(-400, 30))
            vals.append({
                "move_type": "out_invoice", "partner_id": customers[i % N_CUSTOMERS].id,
                "invoice_date": due - dt.timedelta(days=30), "invoice_date_due": due,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [Command.create({
                    "name": "Servicio", "quantity": 1, "price_unit": rng.randint(100, 50000),
                    "tax_ids": [Command.clear()]})],
            })
        batch = env["account.move"].create(vals)
        batch.action_post()
        moves |= batch
        env.invalidate_all()
        print(f"  {len(moves)} invoices posted ({time.time() - t0:.0f} s)", flush=True)
    return company, moves


def run(env):
    company, _moves = build(env)
    env.flush_all()
    env.invalidate_all()
    cr = env.cr
    before = cr.sql_log_count
    t0 = time.time()
    summary = env["collection.summary"]._collection_build(company, dt.date.today())
    env.flush_all()
    elapsed = time.time() - t0
    queries = cr.sql_log_count - before
    print(f"weekly summary: {N_INVOICES} open invoices, {N_CUSTOMERS} customers")
    print(f"  total receivable {summary.total_receivable:,.2f}, DSO {summary.dso} days")
    print(f"  queries: {queries}")
    print(f"  time: {elapsed:.2f} s")
    return queries, elapsed


try:
    run(env)
finally:
    env.cr.rollback()
