"""Benchmark of one full collections run, against OCA account_credit_control.

Run by ``scripts/bench cadence`` (it creates the database, installs the addon and the
OCA peer module, runs this script once per size, then drops everything).  By hand::

    python bench/bench_cadence.py --odoo /path/to/odoo-18.0 --invoices 5000 --customers 1000 \
        --json out.json -- -d DB --addons-path=... --db_user=...

    python bench/bench_cadence.py --summary out-5000.json out-20000.json

What it does, in one database that already has ``account_collections_mx`` and
``account_credit_control`` installed:

1. builds a portfolio: a Mexican company (l10n_mx chart, MXN), N customers, M posted
   customer invoices (one line, IVA 16 %, real receivable lines): one invoice is created
   and posted through the ORM, the others are SQL copies of it (other customer, dates,
   number, amounts x an integer factor; checked balanced), because ORM creation runs at
   ~45 invoices/s on 2 cores (25,000 invoices = 10 minutes); due dates are spread so that, on the run date,
   every stage of the Standard policy is due for one fifth of the invoices (D-3, D0, D+3,
   D+7, D+15), each invoice having done the stage before it (steady state, as on any
   ordinary day: one stage per invoice, no catch-up);
2. times ONE full collections run of ours (``account.move._collection_run(commit=True)``,
   called again while work remains, as the cron does), phase by phase: the run's start,
   **planning** (due stage of each invoice recorded in the contact log and on the
   invoice), delivery of the tasks and team alerts, delivery of the customer messages
   (grouped emails), counting SQL queries, wall-clock and Python CPU time per batch;
3. on the same portfolio, in the same process, times OCA ``account_credit_control``'s run
   generation (``credit.control.run.generate_credit_lines``) with an equivalent policy
   (levels at 0, 3, 7 and 15 days, with the history of the earlier levels seeded, so that
   it also has one level due per overdue invoice), and with ``--oca-emails`` its email step;
4. prints the figures and the targets (met or not) and writes them as JSON.  The target
   compares our planning with OCA's generation (both decide and record what is due; the
   sending is a separate step in both); the full run vs OCA's generation (+ emails) is
   printed as context.

Invoice PDFs are NOT attached in the benchmark (company ``collection_attach_pdf=False``):
rendering 5,000 PDFs measures wkhtmltopdf, not the engine.  The output says so.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time

from portfolio import clone_invoices, open_registry  # bench/portfolio.py (this script's folder)

STAGE_OFFSETS = (-3, 0, 3, 7, 15)
# days past due of each group on the run date: [low, high], the stage of that offset is
# due and the next one is not yet (D-3 group: due in 1 to 3 days)
GROUP_OVERDUE = {-3: (-3, -1), 0: (0, 2), 3: (3, 6), 7: (7, 14), 15: (15, 59)}
OCA_LEVELS = [(1, 0, "email"), (2, 3, "email"), (3, 7, "email"), (4, 15, "phone")]
TARGET_RATIO = 3.0
LINEAR_MIN = 0.75  # invoices/s at the large size >= 75 % of the small size's
BOUND_GROWTH = 1.25  # queries per batch at the large size <= 125 % of the small size's


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------- portfolio
def find_run_day(company):
    """Latest day whose 16:00 UTC is inside the contact window and already past.

    In the past, so that what the engine reschedules from the real clock (WhatsApp events
    waiting for a provider: real now + 1 hour) is not due again at the run's ``now``.
    """
    from odoo.addons.account_collections_mx.tools import contact_rules

    window = company._collection_contact_window()
    utcnow = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    day = utcnow.date() if utcnow.time() >= dt.time(16, 0) else utcnow.date() - dt.timedelta(days=1)
    for _i in range(30):
        now = dt.datetime.combine(day, dt.time(16, 0))
        if contact_rules.next_contact_utc(window, now, "America/Mexico_City")[1] is None:
            return day, now
        day -= dt.timedelta(days=1)
    raise RuntimeError("no contact day in the last 30 days")


def build_company(env):
    mx = env.ref("base.mx")
    mxn = env.ref("base.MXN")
    mxn.active = True
    vals = {"name": "Bench Cobranza SA de CV", "country_id": mx.id, "currency_id": mxn.id}
    if "iap_enrich_auto_done" in env["res.company"]._fields:
        # partner_autocomplete would call its web service for a new company with an email
        vals["iap_enrich_auto_done"] = True
    company = env["res.company"].create(vals)
    company.email = "cobranza@bench.example.mx"
    env.user.company_ids |= company
    env["account.chart.template"].try_loading("mx", company, install_demo=False)
    company.partner_id.tz = "America/Mexico_City"
    company.collection_attach_pdf = False
    return company


def build_portfolio(env, company, n_invoices, n_customers, run_day):
    """Customers and posted invoices; returns {stage offset: invoice ids}."""
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
    partners = env["res.partner"].create(
        [
            {
                "name": f"Cliente {i:05d} SA de CV",
                "email": f"pagos{i:05d}@cliente.example.mx",
                "is_company": True,
                "tz": "America/Mexico_City",
                "lang": "en_US",
                "collection_first_invoice_reviewed": True,
            }
            for i in range(n_customers)
        ]
    )
    cr.commit()
    log(f"{n_customers} customers in {time.monotonic() - t0:.1f}s")

    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
    tax = company.account_sale_tax_id
    groups = {offset: [] for offset in STAGE_OFFSETS}
    specs = []
    for i in range(n_invoices):
        offset = STAGE_OFFSETS[i % len(STAGE_OFFSETS)]
        # invoice i goes to customer (i // 5) % n: each customer gets one invoice per stage
        partner = partners[(i // len(STAGE_OFFSETS)) % n_customers]
        low, high = GROUP_OVERDUE[offset]
        overdue = low + (i // len(STAGE_OFFSETS)) % (high - low + 1)
        due = run_day - dt.timedelta(days=overdue)
        specs.append((offset, partner.id, due, 500.0 + (i * 37) % 20000))

    # 1. the reference invoice goes through the whole ORM (create + action_post)
    Move = env["account.move"]
    ref = Move.create(
        {
            "move_type": "out_invoice",
            "journal_id": journal.id,
            "partner_id": specs[0][1],
            "invoice_date": specs[0][2] - dt.timedelta(days=30),
            "invoice_date_due": specs[0][2],
            "invoice_payment_term_id": False,
            "invoice_line_ids": [
                (
                    0,
                    0,
                    {
                        "name": "Servicio de consultoría",
                        "quantity": 1,
                        "price_unit": 500.0,
                        "tax_ids": [(6, 0, tax.ids)],
                    },
                )
            ],
        }
    )
    ref.action_post()
    assert {line.display_type for line in ref.line_ids} == {"product", "tax", "payment_term"}
    groups[specs[0][0]].append(ref.id)
    cr.commit()
    # 2. the others are SQL copies of it (ORM creation runs at ~45 invoices/s here, far
    # too slow for 25,000): same lines, accounts, taxes and tags; only the customer, the
    # dates, the number and the amounts (x an integer factor) differ.
    t0 = time.monotonic()
    ids = clone_invoices(
        env,
        ref,
        [
            (partner_id, due - dt.timedelta(days=30), due, max(round(amount / ref.amount_untaxed), 1))
            for _offset, partner_id, due, amount in specs[1:]
        ],
    )
    for (offset, *_rest), move_id in zip(specs[1:], ids, strict=True):
        groups[offset].append(move_id)
    # stored computes that depend on the due date (next stage and date)
    env.invalidate_all()
    clones = Move.browse(ids)
    for fname in ("collection_next_stage_id", "collection_next_date"):
        env.add_to_compute(Move._fields[fname], clones)
    clones.flush_recordset()
    cr.commit()
    env.invalidate_all()
    log(f"  {len(ids)} invoices copied from {ref.name} in {time.monotonic() - t0:.1f}s")
    return groups, partners


def set_steady_state(env, company, groups):
    """Each invoice has done the stage before the one due today (ordinary day)."""
    policy = env["collection.policy"].search([("company_id", "=", company.id), ("code", "=", "standard")])
    stages = {s.offset_days: s for s in policy.stage_ids}
    assert sorted(stages) == list(STAGE_OFFSETS), sorted(stages)
    previous = dict(zip(STAGE_OFFSETS[1:], STAGE_OFFSETS[:-1], strict=True))
    Move = (
        env["account.move"]
        .sudo()
        .with_context(tracking_disable=True, skip_invoice_sync=True, check_move_validity=False)
    )
    for offset, ids in groups.items():
        if offset not in previous:
            continue
        for start in range(0, len(ids), 2000):
            Move.browse(ids[start : start + 2000]).write({"collection_stage_id": stages[previous[offset]].id})
            env.cr.commit()
            env.invalidate_all()
    return policy, stages


def setup_oca(env, company, groups, run_day):
    """An OCA policy equivalent to ours, with the earlier levels already sent."""
    receivable = env["account.account"].search(
        [("company_ids", "in", company.id), ("account_type", "=", "asset_receivable")]
    )
    template = env.ref("account_credit_control.email_template_credit_control_base")
    policy = env["credit.control.policy"].create(
        {
            "name": "Standard (bench)",
            "company_id": company.id,
            "account_ids": [(6, 0, receivable.ids)],
            "level_ids": [
                (
                    0,
                    0,
                    {
                        "name": f"D+{delay}",
                        "level": level,
                        "computation_mode": "net_days",
                        "delay_days": delay,
                        "channel": channel,
                        "email_template_id": template.id,
                        "custom_text": f"Reminder D+{delay}",
                        "custom_mail_text": f"<p>Reminder D+{delay}</p>",
                        "mail_show_invoice_detail": True,
                    },
                )
                for level, delay, channel in OCA_LEVELS
            ],
        }
    )
    company.credit_policy_id = policy
    levels = {lv.level: lv for lv in policy.level_ids}
    env.flush_all()
    # history: D+3 invoices got level 1, D+7 ones level 2, D+15 ones level 3 (state sent)
    history = {3: 1, 7: 2, 15: 3}
    seeded = 0
    for offset, level in history.items():
        ids = groups[offset]
        delay = OCA_LEVELS[level - 1][1]
        env.cr.execute(
            """INSERT INTO credit_control_line
                 (date, date_due, date_sent, date_entry, state, channel, invoice_id, partner_id,
                  commercial_partner_id, amount_due, balance_due, move_line_id, account_id,
                  currency_id, company_id, policy_level_id, policy_id, level, manual_followup,
                  create_uid, create_date, write_uid, write_date)
               SELECT l.date_maturity + %s, l.date_maturity, l.date_maturity + %s, l.date, 'sent',
                      'email', l.move_id, l.partner_id, l.partner_id, l.debit, l.amount_residual,
                      l.id, l.account_id, l.currency_id, l.company_id, %s, %s, %s, false,
                      1, now(), 1, now()
                 FROM account_move_line l
                WHERE l.move_id IN %s AND l.account_id IN %s AND l.debit > 0""",
            (delay, delay, levels[level].id, policy.id, level, tuple(ids), tuple(receivable.ids)),
        )
        seeded += env.cr.rowcount
    env.cr.commit()
    return policy, seeded


# --------------------------------------------------------------------------- measures
class BatchProbe:
    """Per-batch SQL query counts and times, by wrapping two engine methods."""

    def __init__(self, env):
        import odoo.sql_db

        self.sql_db = odoo.sql_db
        self.batches = []  # (phase, items, queries, seconds, Python CPU seconds)
        self._planned = None
        cls = type(env["account.move"])
        orig_plan, orig_commit = cls._collection_plan, cls._collection_commit
        ecls = type(env["collection.event"])
        orig_internal = ecls._collection_deliver_internal
        probe = self

        def _collection_deliver_internal(self, now):
            probe._internal = True
            return orig_internal(self, now)

        def _collection_plan(self, now, **kwargs):
            probe._planned = (probe._planned or 0) + len(self)
            return orig_plan(self, now, **kwargs)

        def _collection_commit(self, commit, done):
            res = orig_commit(self, commit, done)
            probe.mark(done)
            return res

        cls._collection_plan = _collection_plan
        cls._collection_commit = _collection_commit
        ecls._collection_deliver_internal = _collection_deliver_internal
        self._internal = False
        self._call_start = 0
        self.restore = lambda: (
            setattr(cls, "_collection_plan", orig_plan),
            setattr(cls, "_collection_commit", orig_commit),
            setattr(ecls, "_collection_deliver_internal", orig_internal),
        )
        self.reset()

    def reset(self):
        self._q = self.sql_db.sql_counter
        self._t = time.monotonic()
        self._c = time.process_time()
        self._done = 0

    def mark(self, done):
        q, t, c = self.sql_db.sql_counter, time.monotonic(), time.process_time()
        if self._planned is not None:
            phase, items = "plan", self._planned
        elif self._internal:
            phase, items = "tasks", done - self._done
        elif done == self._done and len(self.batches) == self._call_start:
            phase, items = "setup", 1  # the run's start: pauses released, run cache
        else:
            phase, items = "deliver", done - self._done
        self.batches.append((phase, items, q - self._q, t - self._t, c - self._c))
        self._planned = None
        self._internal = False
        self._q, self._t, self._c, self._done = q, t, c, done

    def new_call(self):
        self.reset()
        self._call_start = len(self.batches)

    def phase_stats(self, phase):
        rows = [b for b in self.batches if b[0] == phase and b[1]]
        if not rows:
            return None
        per_batch = [b[2] for b in rows]
        return {
            "batches": len(rows),
            "items": sum(b[1] for b in rows),
            "queries": sum(per_batch),
            "queries_per_batch_median": statistics.median(per_batch),
            "queries_per_batch_max": max(per_batch),
            "queries_per_item": sum(per_batch) / max(sum(b[1] for b in rows), 1),
            "seconds": sum(b[3] for b in rows),
            "python_cpu_seconds": sum(b[4] for b in rows),
            "first_last_batch_seconds": [round(rows[0][3], 2), round(rows[-1][3], 2)],
        }


def count(env, model, domain):
    return env[model].sudo().search_count(domain)


def run_ours(env, company, now, n_invoices):
    import odoo.sql_db

    probe = BatchProbe(env)
    Move = env["account.move"].sudo()
    batch_size = Move._collection_batch_size()
    env.invalidate_all()
    load0, cpu0 = os.getloadavg()[0], time.process_time()
    q0, t0 = odoo.sql_db.sql_counter, time.monotonic()
    calls = done = 0
    remaining = None
    try:
        while remaining is None or remaining:
            probe.new_call()
            call_done, remaining = Move._collection_run(commit=True, now=now)
            env.cr.commit()
            done += call_done
            calls += 1
            if calls > 50:
                raise RuntimeError("the run does not converge")
    finally:
        probe.restore()
    seconds = time.monotonic() - t0
    queries = odoo.sql_db.sql_counter - q0
    Event = [("company_id", "=", company.id)]
    result = {
        "seconds": seconds,
        "python_cpu_seconds": time.process_time() - cpu0,
        "load_before_after": [load0, os.getloadavg()[0]],
        "calls": calls,
        "items_done": done,
        "batch_size": batch_size,
        "invoices_per_s": n_invoices / seconds,
        "queries": queries,
        "queries_per_invoice": queries / n_invoices,
        "plan": probe.phase_stats("plan"),
        "deliver": probe.phase_stats("deliver"),
        "tasks": probe.phase_stats("tasks"),
        "setup": probe.phase_stats("setup"),
        "alert_messages": count(
            env, "mail.message", [("model", "=", "discuss.channel"), ("body", "ilike", "reached an alert stage")]
        ),
        "events": {
            state: count(env, "collection.event", Event + [("state", "=", state)])
            for state in ("scheduled", "sent", "skipped", "failed")
        },
        "emails_queued": count(env, "mail.mail", [("state", "=", "outgoing"), ("model", "=", "account.move")]),
        "activities": count(env, "mail.activity", [("res_model", "=", "account.move")]),
        "with_a_person": count(
            env, "account.move", [("company_id", "=", company.id), ("collection_state", "=", "human")]
        ),
    }
    # the target phase: the run's start (pauses released, run cache) + the planning batches
    parts = [result[p] for p in ("setup", "plan") if result[p]]
    result["planning"] = {k: sum(part[k] for part in parts) for k in ("seconds", "python_cpu_seconds", "queries")}
    return result


def run_oca_emails(env, run):
    """OCA's next step, for context: lines to send -> communications -> emails."""
    import odoo.sql_db

    # no PDF attached, as for ours
    env.ref("account_credit_control.email_template_credit_control_base").report_template_ids = False
    env.cr.commit()
    env.invalidate_all()
    q0, t0 = odoo.sql_db.sql_counter, time.monotonic()
    run.set_to_ready_lines()
    run.run_channel_action()
    env.cr.commit()
    comms = env["credit.control.communication"].search_count([("credit_control_line_ids.run_id", "=", run.id)])
    return {"seconds": time.monotonic() - t0, "queries": odoo.sql_db.sql_counter - q0, "communications": comms}


def run_oca(env, company, policy, run_day, n_invoices, emails=False):
    import odoo.sql_db

    env.invalidate_all()
    load0, cpu0 = os.getloadavg()[0], time.process_time()
    q0, t0 = odoo.sql_db.sql_counter, time.monotonic()
    run = (
        env["credit.control.run"]
        .with_company(company)
        .create({"date": run_day, "company_id": company.id, "policy_ids": [(6, 0, policy.ids)]})
    )
    run.generate_credit_lines()
    env.cr.commit()
    seconds = time.monotonic() - t0
    queries = odoo.sql_db.sql_counter - q0
    by_level = dict(env["credit.control.line"]._read_group([("run_id", "=", run.id)], ["level"], ["__count"]))
    res = {
        "seconds": seconds,
        "python_cpu_seconds": time.process_time() - cpu0,
        "load_before_after": [load0, os.getloadavg()[0]],
        "invoices_per_s": n_invoices / seconds,
        "queries": queries,
        "queries_per_invoice": queries / n_invoices,
        "lines_generated": sum(by_level.values()),
        "lines_by_level": {str(k): v for k, v in sorted(by_level.items())},
    }
    if emails:
        log("timing OCA's emails of that run (context only)")
        res["emails"] = run_oca_emails(env, run)
    return res


# --------------------------------------------------------------------------- report
def verdict(ok):
    return "MET" if ok else "NOT MET"


def print_report(res):
    ours, oca = res["ours"], res["oca"]
    n = res["invoices"]
    print()
    print("=" * 78)
    print(f"Collections run benchmark — {n} open invoices over {res['customers']} customers")
    print(f"  date {res['date']}  machine: {res['machine']}")
    print(f"  run date {res['run_day']} (now = {res['now']} UTC), batch size {ours['batch_size']}")
    print("  invoice PDF attachments: DISABLED for the benchmark (collection_attach_pdf=False)")
    print(f"  portfolio built in {res['build_seconds']:.0f}s (invoices per stage due today: {res['groups']})")
    print(
        f"  load average (1 min) before/after: ours {ours['load_before_after'][0]:.1f}/"
        f"{ours['load_before_after'][1]:.1f}, OCA {oca['load_before_after'][0]:.1f}/"
        f"{oca['load_before_after'][1]:.1f} on {os.cpu_count()} cores"
    )
    print("-" * 78)
    print(f"ours (account_collections_mx), one full run in {ours['calls']} call(s)")
    labels = {
        "setup": "run start (pauses released, time zones, stages: once per call)",
        "plan": "planning (due stage, contact log, stage on the invoice)",
        "tasks": "delivery: tasks and team alerts",
        "deliver": "delivery: customer messages (grouped per customer and channel)",
    }
    for phase in ("setup", "plan", "tasks", "deliver"):
        st = ours.get(phase)
        if not st:
            continue
        print(f"  {labels[phase]}")
        print(
            f"    {st['seconds']:.1f}s, Python CPU {st['python_cpu_seconds']:.1f}s, "
            f"{st['batches']} batches, {st['items']} items, {st['queries']} queries "
            f"({st['queries_per_item']:.1f} per item), per batch median "
            f"{st['queries_per_batch_median']:.0f} max {st['queries_per_batch_max']}"
        )
    print(
        f"  full run {ours['seconds']:.1f}s   {ours['invoices_per_s']:.0f} invoices/s   "
        f"{ours['queries']} queries = {ours['queries_per_invoice']:.1f} per invoice   "
        f"Python CPU {ours['python_cpu_seconds']:.1f}s "
        f"({1000 * ours['python_cpu_seconds'] / n:.1f} ms/invoice)"
    )
    print(
        f"  events {ours['events']}, emails queued {ours['emails_queued']}, "
        f"activities {ours['activities']}, handed to a person {ours['with_a_person']}, "
        f"alert digests {ours.get('alert_messages', 'n/a')}"
    )
    print(f"OCA account_credit_control {res['oca_version']} (credit.control.run.generate_credit_lines)")
    print(
        f"  generation {oca['seconds']:.1f}s   {oca['invoices_per_s']:.0f} invoices/s   "
        f"{oca['queries']} queries = {oca['queries_per_invoice']:.1f} per invoice   "
        f"Python CPU {oca['python_cpu_seconds']:.1f}s "
        f"({1000 * oca['python_cpu_seconds'] / n:.1f} ms/invoice)"
    )
    print(
        f"  lines generated {oca['lines_generated']} by level {oca['lines_by_level']} "
        f"(history seeded: {res['oca_seeded']} lines)"
    )
    if oca.get("emails"):
        em = oca["emails"]
        print(
            f"  its emails (set_to_ready_lines + run_channel_action, no PDF): {em['seconds']:.1f}s, "
            f"{em['queries']} queries, {em['communications']} communications"
        )
    print("-" * 78)
    plan = ours["planning"]
    ratio = oca["seconds"] / max(plan["seconds"], 1e-9)
    cpu_ratio = oca["python_cpu_seconds"] / max(plan["python_cpu_seconds"], 1e-9)
    res["ratio"] = ratio
    print(
        f"TARGET planning (run start + planning batches) vs OCA generation: "
        f"{plan['seconds']:.2f}s vs {oca['seconds']:.2f}s, "
        f"OCA/ours = {ratio:.1f} (Python CPU {cpu_ratio:.1f})  (target >= {TARGET_RATIO:.0f}: "
        f"{verdict(ratio >= TARGET_RATIO)})"
    )
    print(
        f"  planning queries: {plan['queries'] / n:.2f} per invoice (OCA generation {oca['queries_per_invoice']:.2f})"
    )
    full_ratio = oca["seconds"] / ours["seconds"]
    print(
        f"context: full run (planning + delivery) vs OCA generation: {ours['seconds']:.1f}s vs "
        f"{oca['seconds']:.1f}s, OCA/ours = {full_ratio:.2f}"
    )
    if oca.get("emails"):
        both = oca["seconds"] + oca["emails"]["seconds"]
        print(
            f"context: full run vs OCA generation + emails: {ours['seconds']:.1f}s vs {both:.1f}s, "
            f"OCA/ours = {both / ours['seconds']:.2f}"
        )
    bounded = all(
        ours.get(p) is None or ours[p]["queries_per_batch_max"] <= 2 * max(ours[p]["queries_per_batch_median"], 1)
        for p in ("plan", "tasks", "deliver")
    )
    res["bounded_within_run"] = bounded
    print(f"queries per batch bounded within the run (each phase: max <= 2 x median): {verdict(bounded)}")
    print("=" * 78, flush=True)


def cpu_ms(seconds, n):
    return "n/a" if seconds is None else f"{1000 * seconds / n:.1f}"


def summary(paths):
    results = sorted((json.load(open(p)) for p in paths), key=lambda r: r["invoices"])
    print()
    print("=" * 78)
    print("Summary (planning = the target phase; full = planning + delivery)")
    print(
        f"{'invoices':>8} {'plan s':>7} {'OCA s':>7} {'OCA/plan':>8} {'plan inv/s':>10} "
        f"{'plan q/inv':>10} {'full s':>7} {'full inv/s':>10} {'full q/inv':>10} "
        f"{'CPU ms/inv plan/full/OCA':>25}"
    )
    for r in results:
        o, n = r["ours"], r["invoices"]
        p = dict(o["planning"], python_cpu_seconds=o["planning"]["python_cpu_seconds"])
        print(
            f"{n:>8} {p['seconds']:>7.2f} {r['oca']['seconds']:>7.2f} "
            f"{r['oca']['seconds'] / p['seconds']:>8.1f} {n / p['seconds']:>10.0f} "
            f"{p['queries'] / n:>10.2f} {o['seconds']:>7.1f} {o['invoices_per_s']:>10.0f} "
            f"{o['queries_per_invoice']:>10.1f} "
            f"{cpu_ms(p.get('python_cpu_seconds'), n):>9}/{cpu_ms(o['python_cpu_seconds'], n)}/"
            f"{cpu_ms(r['oca']['python_cpu_seconds'], n)}"
        )
        if r["oca"].get("emails"):
            both = r["oca"]["seconds"] + r["oca"]["emails"]["seconds"]
            print(
                f"{'':>8} context: full run {o['seconds']:.1f}s vs OCA generation + emails "
                f"{both:.1f}s (OCA/ours {both / o['seconds']:.2f})"
            )
    ok_ratio = all(r["oca"]["seconds"] / r["ours"]["planning"]["seconds"] >= TARGET_RATIO for r in results)
    print(f"target planning >= {TARGET_RATIO:.0f}x faster than OCA's generation at every size: {verdict(ok_ratio)}")
    if len(results) >= 2:
        small, large = results[0], results[-1]

        def speed(r, phase):
            return r["invoices"] / (r["ours"]["planning"]["seconds"] if phase == "plan" else r["ours"]["seconds"])

        for phase, label in (("plan", "planning"), ("full", "full run")):
            lin = speed(large, phase) / speed(small, phase)
            print(
                f"target near-linear {small['invoices']} -> {large['invoices']}, {label} "
                f"(invoices/s kept at >= {LINEAR_MIN:.0%}): {lin:.0%} {verdict(lin >= LINEAR_MIN)}"
            )
        grows = []
        for phase in ("plan", "tasks", "deliver"):
            s, lg = small["ours"].get(phase), large["ours"].get(phase)
            if s and lg:
                g = lg["queries_per_batch_median"] / max(s["queries_per_batch_median"], 1)
                grows.append(g)
                print(
                    f"  queries per {phase} batch {s['queries_per_batch_median']:.0f} -> "
                    f"{lg['queries_per_batch_median']:.0f} ({g:.2f}x)"
                )
        ok_bound = all(g <= BOUND_GROWTH for g in grows) and all(r.get("bounded_within_run") for r in results)
        print(
            f"target queries per batch bounded (same per batch at every size, <= "
            f"{BOUND_GROWTH:.2f}x; max <= 2 x median in each run): {verdict(ok_bound)}"
        )
    print("=" * 78)


# --------------------------------------------------------------------------- main
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--odoo", help="Odoo 18.0 source tree")
    parser.add_argument("--invoices", type=int, default=5000)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--summary", nargs="+", help="compare JSON results of several sizes")
    parser.add_argument(
        "--stage",
        choices=("all", "build", "run"),
        default="all",
        help="build the portfolio, time the runs, or both (default)",
    )
    parser.add_argument("--profile", help="cProfile our run into this file (slower)")
    parser.add_argument("--skip-oca", action="store_true", help="time only our run")
    parser.add_argument(
        "--oca-emails", action="store_true", help="also time OCA's email step after its run generation (context)"
    )
    parser.add_argument("odoo_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.summary:
        summary(args.summary)
        return
    registry, meta = open_registry(args, build, "bench.meta")
    if registry is None:
        return
    from odoo import SUPERUSER_ID, api

    company_id = meta["company_id"]
    run_day = dt.date.fromisoformat(meta["run_day"])
    now = dt.datetime.fromisoformat(meta["now"])
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company_id]})
        company = env["res.company"].browse(company_id)
        log("timing our collections run")
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
        ours = run_ours(env, company, now, args.invoices)
        if args.profile:
            prof.disable()
            prof.dump_stats(args.profile)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(60)
        log(f"ours: {ours['seconds']:.1f}s")
        if args.skip_oca:
            return
        log("timing OCA account_credit_control run generation")
        oca_policy = env["credit.control.policy"].browse(meta["oca_policy_id"])
        oca = run_oca(env, company, oca_policy, run_day, args.invoices, emails=args.oca_emails)
        log(f"OCA: {oca['seconds']:.1f}s")
    res = dict(
        meta,
        **{
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}",
            "ours": ours,
            "oca": oca,
        },
    )
    print_report(res)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1, default=str)


def build(registry, args):
    from odoo import SUPERUSER_ID, api

    started = time.monotonic()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        oca_version = (
            env["ir.module.module"]
            .search([("name", "=", "account_credit_control"), ("state", "=", "installed")])
            .latest_version
        )
        if not oca_version:
            sys.exit("account_credit_control is not installed in this database")
        log("building the Mexican company (l10n_mx chart)")
        company = build_company(env)
        cr.commit()
        env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [company.id]})
        run_day, now = find_run_day(company)
        log(f"run date {run_day}, portfolio of {args.invoices} invoices / {args.customers} customers")
        groups, _partners = build_portfolio(env, company, args.invoices, args.customers, run_day)
        set_steady_state(env, company, groups)
        oca_policy, seeded = setup_oca(env, company, groups, run_day)
        meta = {
            "invoices": args.invoices,
            "customers": args.customers,
            "company_id": company.id,
            "run_day": str(run_day),
            "now": now.isoformat(),
            "oca_policy_id": oca_policy.id,
            "groups": {f"D{o:+d}" if o else "D0": len(ids) for o, ids in groups.items()},
            "oca_version": oca_version,
            "oca_seeded": seeded,
            "build_seconds": time.monotonic() - started,
        }
        env["ir.config_parameter"].set_param("bench.meta", json.dumps(meta))
        cr.commit()
    # fresh statistics for the planner, as on a database in use
    with registry.cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE")
    log(f"portfolio built in {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
