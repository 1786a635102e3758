"""Large portfolios for the benchmarks: SQL copies of one invoice posted through the ORM.

Posting 20,000 invoices through the ORM takes half an hour on a small machine; copying one
real invoice in SQL takes seconds.  Each copy gets its own customer, dates, number and
amounts (every amount column times an integer factor, so lines stay balanced and taxes
exact), and the copies are checked in SQL afterwards: balanced, one receivable
(payment term) line whose residual is the invoice's, residual = the original's x factor.
Used by bench_cadence.py and bench_matching.py (run as scripts from this folder), which
also share ``open_registry``: Odoo as a library on the bench database.
"""

import json
import sys

#: numeric columns that are amounts (scaled by the factor); the rest is copied as is
AMOUNT_NAMES = ("balance", "debit", "credit", "price_unit", "price_subtotal", "price_total", "tax_base_amount")


def _columns(cr, table):
    cr.execute(
        """SELECT column_name, data_type FROM information_schema.columns
                   WHERE table_name = %s AND table_schema = 'public'""",
        (table,),
    )
    return dict(cr.fetchall())


def _amount_columns(cols):
    return {
        c
        for c, t in cols.items()
        if t == "numeric"
        and (c.startswith("amount_") or c in AMOUNT_NAMES)
        and c != "amount_residual_currency_unsigned"
    }


def clone_invoices(env, ref, rows):
    """Posted copies of the invoice ``ref``, one per ``(partner id, invoice date, due date,
    factor)``; numbered after the journal's last number, in the year of their invoice date.

    :return: the new invoice ids, in the order of ``rows``
    """
    cr = env.cr
    n = len(rows)
    cr.execute("SELECT nextval('account_move_id_seq') FROM generate_series(1, %s)", (n,))
    move_ids = [r[0] for r in cr.fetchall()]
    cr.execute("SELECT COALESCE(MAX(sequence_number), 0) FROM account_move WHERE journal_id = %s", (ref.journal_id.id,))
    first_number = cr.fetchone()[0] + 1
    cr.execute("""CREATE TEMP TABLE bench_spec (move_id int, partner_id int, day date, due date,
                  factor int, number int) ON COMMIT DROP""")
    spec = [
        (move_id, partner_id, day, due, factor, first_number + i)
        for i, ((partner_id, day, due, factor), move_id) in enumerate(zip(rows, move_ids, strict=True))
    ]
    for start in range(0, n, 5000):
        part = spec[start : start + 5000]
        cr.execute("INSERT INTO bench_spec VALUES " + ",".join(["%s"] * len(part)), part)

    code = cr.mogrify("%s", (ref.journal_id.code + "/",)).decode()
    prefix = f"({code} || to_char(s.day, 'YYYY') || '/')"
    name = f"({code} || to_char(s.day, 'YYYY') || '/' || lpad(s.number::text, 5, '0'))"
    move_cols = _columns(cr, "account_move")
    override = {
        "id": "s.move_id",
        "name": name,
        "payment_reference": name,
        "sequence_prefix": prefix,
        "sequence_number": "s.number",
        "partner_id": "s.partner_id",
        "commercial_partner_id": "s.partner_id",
        "partner_shipping_id": "s.partner_id",
        "invoice_partner_display_name": "p.name",
        "date": "s.day",
        "invoice_date": "s.day",
        "invoice_date_due": "s.due",
        "access_token": "NULL",
        "create_date": "now()",
        "write_date": "now()",
    }
    override.update({c: f"m.{c} * s.factor" for c in _amount_columns(move_cols)})
    cr.execute(
        f"""INSERT INTO account_move ({", ".join(f'"{c}"' for c in move_cols)})
            SELECT {", ".join(override.get(c, f'm."{c}"') for c in move_cols)}
              FROM bench_spec s JOIN res_partner p ON p.id = s.partner_id,
                   account_move m WHERE m.id = %s""",
        (ref.id,),
    )
    # lines: ids allocated first, to copy the taxes and tags relations
    cr.execute(
        """CREATE TEMP TABLE bench_line ON COMMIT DROP AS
                  SELECT nextval('account_move_line_id_seq')::int AS id, l.id AS src_id,
                         s.move_id, s.partner_id, s.day, s.due, s.factor, s.number
                    FROM bench_spec s, account_move_line l WHERE l.move_id = %s""",
        (ref.id,),
    )
    line_cols = _columns(cr, "account_move_line")
    override = {
        "id": "b.id",
        "move_id": "b.move_id",
        "partner_id": "b.partner_id",
        "move_name": name.replace("s.", "b."),
        "date": "b.day",
        "invoice_date": "b.day",
        "date_maturity": "CASE WHEN l.date_maturity IS NULL THEN NULL ELSE b.due END",
        "create_date": "now()",
        "write_date": "now()",
    }
    override.update({c: f"l.{c} * b.factor" for c in _amount_columns(line_cols)})
    cr.execute(
        f"""INSERT INTO account_move_line ({", ".join(f'"{c}"' for c in line_cols)})
            SELECT {", ".join(override.get(c, f'l."{c}"') for c in line_cols)}
              FROM bench_line b JOIN account_move_line l ON l.id = b.src_id"""
    )
    for table, col, other in (
        ("account_move_line_account_tax_rel", "account_move_line_id", "account_tax_id"),
        ("account_account_tag_account_move_line_rel", "account_move_line_id", "account_account_tag_id"),
    ):
        cr.execute(f"""INSERT INTO {table} ({col}, {other})
                       SELECT b.id, r.{other} FROM bench_line b JOIN {table} r ON r.{col} = b.src_id""")
    # checks: balanced, one receivable line whose residual is the invoice's = ref's x factor
    cr.execute(
        """SELECT COUNT(*) FROM (
                    SELECT m.id FROM account_move m JOIN account_move_line l ON l.move_id = m.id
                      JOIN bench_spec s ON s.move_id = m.id
                  GROUP BY m.id, m.amount_residual, s.factor
                    HAVING ROUND(SUM(l.balance), 2) != 0
                        OR SUM(l.amount_residual) FILTER (WHERE l.display_type = 'payment_term')
                           != m.amount_residual
                        OR m.amount_residual != %s * s.factor
                        OR COUNT(*) FILTER (WHERE l.display_type = 'payment_term') != 1) bad""",
        (ref.amount_residual,),
    )
    bad = cr.fetchone()[0]
    assert not bad, f"{bad} copied invoices are inconsistent"
    return move_ids


def open_registry(args, build, meta_key):
    """Odoo (``args.odoo``: its source tree) on the database named in ``args.odoo_args``;
    builds the portfolio first when ``args.stage`` asks for it.

    :return: ``(registry, meta)`` with the portfolio's facts that ``build`` stored in the
        system parameter ``meta_key``, or ``(None, None)`` when only building
    """
    if args.odoo:
        sys.path.insert(0, args.odoo)
    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config([a for a in args.odoo_args if a != "--"], setup_logging=True)
    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    if args.stage in ("all", "build"):
        build(registry, args)
        if args.stage == "build":
            return None, None
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        meta = json.loads(env["ir.config_parameter"].get_param(meta_key))
    return registry, meta
