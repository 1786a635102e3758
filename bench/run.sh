#!/usr/bin/env bash
# Run a bench script inside Odoo on a throw-away database with the addon installed.
#
#   bench/run.sh bench/bench_matching.py                 # 5,000 lines vs 20,000 invoices
#   BENCH_LINES=500 BENCH_INVOICES=2000 bench/run.sh bench/bench_matching.py
#   ACMX_BENCH_DB=mydb bench/run.sh bench/bench_matching.py   # reuse / keep a database
#   BENCH_OCA=1 bench/run.sh bench/bench_matching.py   # also OCA account_reconcile_model_oca
#     (first: venv/bin/pip install --no-deps "odoo-addon-account_reconcile_model_oca==18.0.*")
source "$(dirname "$0")/../scripts/common.sh"
require_setup
SCRIPT=${1:?usage: bench/run.sh bench/<script>.py}
mapfile -t ARGS < <(odoo_args)
DB=${ACMX_BENCH_DB:-acmx_bench_$$}
if ! db_exists "$DB"; then
    say "creating database $DB with $ADDON_NAME"
    odoo_bin "${ARGS[@]}" -d "$DB" -i "$ADDON_NAME" --without-demo=all --stop-after-init \
        --log-level=warn --http-port=0
    [ -z "${ACMX_BENCH_DB:-}" ] && trap 'dropdb -U "$DB_USER" -p "$DB_PORT" ${DB_HOST:+-h "$DB_HOST"} --if-exists "$DB"' EXIT
fi
if [ -n "${BENCH_OCA:-}" ]; then  # OCA peer for the comparison (pip install, never a dependency)
    say "installing account_reconcile_model_oca in $DB"
    odoo_bin "${ARGS[@]}" -d "$DB" -i account_reconcile_model_oca --stop-after-init \
        --log-level=warn --http-port=0
fi
# odoo.cli.main() directly: the same as `odoo-bin shell`, whatever the odoo-bin wrapper does
"$PY" -c 'import sys; sys.path.insert(0, sys.argv.pop(1)); import odoo.cli; odoo.cli.main()' \
    "$ODOO_LINK" shell "${ARGS[@]}" -d "$DB" --log-level=warn < "$SCRIPT"
