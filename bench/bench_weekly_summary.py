"""Benchmark: the weekly collections summary over a large portfolio.

Builds (in a transaction rolled back at the end) a Mexican company with
BENCH_CUSTOMERS customers and about BENCH_INVOICES open invoices (BENCH_TEMPLATES real
invoices posted through the ORM, cloned in SQL) spread over 14 months
of due dates, then times one weekly
summary (figures + HTML + mail) and prints its SQL query count.

Run it in an Odoo shell on a database where the addon is installed, e.g.::

    scripts/test --keep   # keeps its database (name printed), or any database with the addon
    ~/.local/share/account_collections_mx/venv/bin/python \
        ~/.local/share/account_collections_mx/odoo/odoo-bin shell -d DB \
        --addons-path=... < bench/bench_weekly_summary.py

    BENCH_INVOICES=20000 BENCH_CUSTOMERS=4000 (defaults) pick the portfolio size.

Target: a handful of queries (independent of the number of invoices) and a few
seconds for 20,000 open invoices.  Measured on the 2-core dev box (2026-11-23, 18,000
invoices + 2,000 credit notes over 4,000 customers): 22 queries (figures, rendering,
summary record and mail included), 1.1 s.
"""

# ruff: noqa: F821  (``env`` is given by the Odoo shell)
import datetime as dt
import os
import random
import time

from odoo import Command

N_INVOICES = int(os.environ.get("BENCH_INVOICES", 20000))
N_CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", 4000))
N_TEMPLATES = int(os.environ.get("BENCH_TEMPLATES", 40))


def build(env):
    """A few real invoices through the ORM, then cloned in SQL up to N_INVOICES (posting
    20,000 invoices through the ORM takes far longer than what is measured here)."""
    rng = random.Random(42)
    company = env["res.company"].create(
        {"name": "Bench Cobranza SA", "country_id": env.ref("base.mx").id, "currency_id": env.ref("base.MXN").id}
    )
    env.user.company_ids |= company
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    env["account.chart.template"].try_loading("mx", company, install_demo=False)
    customers = env["res.partner"].create(
        [
            {
                "name": f"Cliente {i:05d}",
                "is_company": True,
                "collection_rating": rng.choice(["good", "good", "watch", "risky"]),
            }
            for i in range(N_CUSTOMERS)
        ]
    )
    today = dt.date.today()
    templates = env["account.move"]
    for i in range(N_TEMPLATES):
        due = today + dt.timedelta(days=rng.randint(-400, 30))
        move = env["account.move"].create(
            {
                "move_type": "out_invoice" if i % 10 else "out_refund",
                "partner_id": customers[i % N_CUSTOMERS].id,
                "invoice_date": due - dt.timedelta(days=30),
                "invoice_date_due": due,
                "invoice_payment_term_id": False,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Servicio",
                            "quantity": 1,
                            "price_unit": rng.randint(100, 50000),
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        templates |= move
    env.flush_all()
    cr = env.cr
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM account_move")
    max_before = cr.fetchone()[0]

    def columns(table, skip):
        cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table])
        return [c for (c,) in cr.fetchall() if c not in skip]

    move_cols = columns(
        "account_move", {"id", "name", "ref", "partner_id", "commercial_partner_id", "invoice_date_due"}
    )
    line_cols = columns("account_move_line", {"id", "move_id", "partner_id", "date", "date_maturity"})
    copies = max(N_INVOICES // N_TEMPLATES - 1, 0)
    cols = ", ".join(f'"{c}"' for c in move_cols)
    # customers and due dates spread over the portfolio (due from 400 days ago to in 30 days)
    cr.execute(
        f"""
        INSERT INTO account_move ({cols}, name, ref, partner_id, commercial_partner_id,
                                  invoice_date_due)
        SELECT {", ".join(f'm."{c}"' for c in move_cols)},
               m.name || '/B' || g, 'bench:' || m.id || ':' || g,
               p.id, p.id, CURRENT_DATE - (((m.id::bigint * 31 + g) * 7919) %% 430 - 30)::int
          FROM account_move m CROSS JOIN generate_series(1, %s) g
          JOIN res_partner p ON p.id = (%s::int[])[1 + ((m.id::bigint * 31 + g) %% %s)::int]
         WHERE m.id = ANY(%s)""",
        [copies, customers.ids, len(customers), templates.ids],
    )
    cr.execute("ANALYZE account_move")  # fresh statistics, else the join below crawls
    lcols = ", ".join(f'"{c}"' for c in line_cols)
    cr.execute(
        f"""
        INSERT INTO account_move_line ({lcols}, move_id, partner_id, date, date_maturity)
        SELECT {", ".join(f'l."{c}"' for c in line_cols)}, nm.id, nm.partner_id,
               nm.invoice_date_due - 30,
               CASE WHEN l.date_maturity IS NOT NULL THEN nm.invoice_date_due END
          FROM account_move nm
          JOIN account_move_line l ON l.move_id = split_part(nm.ref, ':', 2)::int
         WHERE nm.id > %s""",
        [max_before],
    )
    cr.execute("UPDATE account_move SET ref = NULL WHERE id > %s", [max_before])
    cr.execute("ANALYZE account_move; ANALYZE account_move_line; ANALYZE res_partner")
    env.invalidate_all()
    cr.execute("SELECT move_type, COUNT(*) FROM account_move WHERE company_id = %s GROUP BY 1 ORDER BY 1", [company.id])
    print(f"  portfolio: {dict(cr.fetchall())}", flush=True)
    return company


def run(env):
    company = build(env)
    env.flush_all()
    env.invalidate_all()
    cr = env.cr
    before = cr.sql_log_count
    t0 = time.time()
    summary = env["collection.summary"]._collection_build(company, dt.date.today())
    env.flush_all()
    elapsed = time.time() - t0
    queries = cr.sql_log_count - before
    print(f"weekly summary: ~{N_INVOICES} open invoices / credit notes, {N_CUSTOMERS} customers")
    print(f"  total receivable {summary.total_receivable:,.2f}, DSO {summary.dso} days")
    print(f"  queries: {queries}")
    print(f"  time: {elapsed:.2f} s")
    return queries, elapsed


try:
    run(env)
finally:
    env.cr.rollback()
