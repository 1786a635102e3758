# shellcheck shell=bash
# Shared settings of the project's commands (sourced, not run).
#
# Everything the addon needs to run lives OUTSIDE the checkout, in one place
# the commands find again by themselves:
#   ACMX_HOME   default: ~/.local/share/account_collections_mx
#     venv/                 Python virtualenv with Odoo's and the addon's requirements
#     odoo                  link to the Odoo 18.0 source tree in use (ODOO_SRC, or src/odoo)
#     src/odoo              upstream clone, when no ODOO_SRC was ever given
#     addons/<id>/account_collections_mx   link to a checkout, under the name Odoo sees
set -euo pipefail

ADDON_NAME=account_collections_mx
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ACMX_HOME=${ACMX_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/account_collections_mx}
VENV=$ACMX_HOME/venv
PY=$VENV/bin/python
ODOO_LINK=$ACMX_HOME/odoo
ODOO_UPSTREAM=${ODOO_UPSTREAM:-https://github.com/odoo/odoo.git}
DB_HOST=${PGHOST:-}
DB_PORT=${PGPORT:-5432}
DB_USER=${PGUSER:-$(id -un)}

say() { printf '\033[1m[%s]\033[0m %s\n' "$ADDON_NAME" "$*" >&2; }
die() { printf '\033[1;31m[%s] error:\033[0m %s\n' "$ADDON_NAME" "$*" >&2; exit 2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        die "this step needs root: run '$*' as root, then run this command again"; fi
}

APT_UPDATED=""
apt_install() {  # install Debian packages, refreshing the package lists once per run
    if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq || true; APT_UPDATED=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@";
    elif [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$(printf '%q ' "$@")";
    else sudo -u postgres "$@"; fi
}

is_odoo18() {  # $1: a folder; true when it is an Odoo 18.0 source tree
    [ -f "$1/odoo/release.py" ] && [ -x "$1/odoo-bin" -o -f "$1/odoo-bin" ] && [ -d "$1/addons" ] &&
        grep -Eq '^version_info = \(18, 0,' "$1/odoo/release.py"
}

# The addons folder in which this checkout is seen as `account_collections_mx`,
# whatever the checkout's own folder is called.
addon_link_dir() {
    local id
    id=$(printf '%s' "$REPO_DIR" | cksum | cut -d' ' -f1)
    local dir=$ACMX_HOME/addons/$id
    mkdir -p "$dir"
    ln -sfn "$REPO_DIR" "$dir/$ADDON_NAME"
    printf '%s' "$dir"
}

require_setup() {
    [ -x "$PY" ] && is_odoo18 "$ODOO_LINK" ||
        die "Odoo is not set up yet: run scripts/setup first (with ODOO_SRC=/path/to/odoo-18.0 if you have a source tree)"
}

odoo_args() {  # common command-line arguments for odoo-bin
    local addons
    addons=$(addon_link_dir)
    printf '%s\n' --addons-path="$ODOO_LINK/addons,$ODOO_LINK/odoo/addons,$addons" \
        --db_user="$DB_USER" --db_port="$DB_PORT" ${DB_HOST:+--db_host="$DB_HOST"}

}

odoo_bin() { "$PY" "$ODOO_LINK/odoo-bin" "$@"; }

db_exists() { psql -h "${DB_HOST:-/var/run/postgresql}" -p "$DB_PORT" -U "$DB_USER" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='$1'" 2>/dev/null | grep -q 1; }
