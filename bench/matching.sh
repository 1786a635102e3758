#!/usr/bin/env bash
# `scripts/bench matching`: the bank-statement matcher against OCA account_reconcile_model_oca.
#
#   scripts/bench matching                              # 5,000 lines vs 20,000 open invoices
#   scripts/bench matching --lines 1000 --invoices 4000 # other size
#   scripts/bench matching --oca-lines 1000             # OCA's rule on 1,000 lines picked at random
#   scripts/bench matching --profile out.prof           # cProfile of our matching phase
#   scripts/bench matching --keep                       # keep the databases (names printed)
#
# Databases are copies of the test template (built like scripts/test does) with the addon and
# the OCA peer (pip-installed into the venv with --no-deps if missing, never a dependency of
# the addon); dropped at the end.  Figures and JSON in bench/out/ (git-ignored).
source "$(dirname "$0")/../scripts/common.sh"
require_setup

KEEP=""; EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --lines|--invoices|--oca-lines|--profile|--reconcile|--seed) EXTRA+=("$1" "$2"); shift ;;
        --skip-oca) EXTRA+=("$1") ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done

PG=(-U "$DB_USER" -p "$DB_PORT" ${DB_HOST:+-h "$DB_HOST"})
FILESTORE=$HOME/.local/share/Odoo/filestore
OUT=$REPO_DIR/bench/out
mkdir -p "$OUT"
STAMP=$(date +%Y%m%d%H%M%S)
DB=acmx_bench_matching_${STAMP}_$$
cleanup() {
    [ -n "$KEEP" ] && { say "kept database: $DB"; return; }
    dropdb --if-exists --force "${PG[@]}" "$DB" 2>/dev/null || true
    rm -rf "${FILESTORE:?}/$DB"
}
trap cleanup EXIT

if ! "$PY" -c 'import importlib.metadata as m; m.version("odoo-addon-account_reconcile_model_oca")' 2>/dev/null; then
    say "installing OCA account_reconcile_model_oca 18.0 into the venv (peer, --no-deps)"
    "$PY" -m pip install -q --no-deps "odoo-addon-account_reconcile_model_oca==18.0.*"
fi

# the test template (same name and content as scripts/test's), then the modules
BASE_MODULES=account,l10n_mx
TMPL=acmx_tmpl_$( (readlink -f "$ODOO_LINK"; cat "$ODOO_LINK/odoo/release.py"; echo $BASE_MODULES) | cksum | cut -d' ' -f1)
mapfile -t ARGS < <(odoo_args)
if ! db_exists "$TMPL"; then
    say "building template database $TMPL ($BASE_MODULES, about a minute, once)"
    dropdb --if-exists "${PG[@]}" "$TMPL.partial" 2>/dev/null || true
    odoo_bin "${ARGS[@]}" -d "$TMPL.partial" -i "$BASE_MODULES" --without-demo=all --stop-after-init \
        --log-level=warn --http-port=0 >"$OUT/template.log" 2>&1 || { tail -50 "$OUT/template.log"; die "template database failed"; }
    psql "${PG[@]}" -d postgres -qc "ALTER DATABASE \"$TMPL.partial\" RENAME TO \"$TMPL\""
    rm -rf "${FILESTORE:?}/$TMPL"; [ -d "$FILESTORE/$TMPL.partial" ] && mv "$FILESTORE/$TMPL.partial" "$FILESTORE/$TMPL"
fi
say "database $DB: $ADDON_NAME + account_reconcile_model_oca"
createdb "${PG[@]}" -T "$TMPL" "$DB"
mkdir -p "$FILESTORE"; [ -d "$FILESTORE/$TMPL" ] && cp -a "$FILESTORE/$TMPL" "$FILESTORE/$DB"
odoo_bin "${ARGS[@]}" -d "$DB" -i "$ADDON_NAME,account_reconcile_model_oca" --without-demo=all \
    --stop-after-init --log-level=warn --http-port=0 || die "installing the modules failed"

say "uptime before: $(uptime)"
"$PY" "$REPO_DIR/bench/bench_matching.py" --odoo "$ODOO_LINK" --json "$OUT/matching-$STAMP.json" \
    ${EXTRA[@]+"${EXTRA[@]}"} -- "${ARGS[@]}" -d "$DB" --log-level=warn --http-port=0 \
    --max-cron-threads=0 2>&1 | tee "$OUT/matching-$STAMP.log"
rc=${PIPESTATUS[0]}
say "uptime after: $(uptime)"
[ "$rc" -eq 0 ] || die "benchmark failed (see $OUT/matching-$STAMP.log)"
