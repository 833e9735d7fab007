#!/usr/bin/env bash
# Make sure a PostgreSQL server answers, create a fresh test database on it, and print
# `export RECOUP_TEST_DATABASE_URL=...` for the test command to eval.
#
# Order of preference: a server already answering on 127.0.0.1:${PGPORT:-5432}; the
# machine's own cluster (pg_ctlcluster); a throwaway cluster under .pg/ run as the
# postgres user. PostgreSQL itself is installed from Debian's packages if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PGPORT:-5432}
db=${RECOUP_TEST_DB:-recoup_test}

log() { echo "test-postgres: $*" >&2; }
answers() { pg_isready -q -h 127.0.0.1 -p "$1" 2>/dev/null; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if ! command -v pg_isready >/dev/null && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  log "installing PostgreSQL from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
fi
PATH="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1):$PATH"

if ! answers "$port"; then
  cluster=$(pg_lsclusters -h 2>/dev/null | awk -v p="$port" '$3 == p {print $1, $2; exit}')
  if [ -n "$cluster" ]; then
    log "starting cluster $cluster"
    pg_ctlcluster --skip-systemctl-redirect $cluster start >&2 || true
  fi
fi
if ! answers "$port"; then
  port=55432
  dir="$PWD/.pg/data"
  if ! answers "$port"; then
    log "starting a throwaway cluster in $dir on port $port"
    mkdir -p "$PWD/.pg"
    [ "$(id -u)" = 0 ] && chown postgres "$PWD/.pg"
    [ -f "$dir/PG_VERSION" ] || as_postgres initdb -A trust -U postgres -D "$dir" >&2
    as_postgres pg_ctl -D "$dir" -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" \
      -l "$PWD/.pg/log" -w start >&2
  fi
fi
answers "$port" || { log "no PostgreSQL server answers"; exit 1; }

psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 >&2 <<SQL
DROP DATABASE IF EXISTS $db WITH (FORCE);
CREATE DATABASE $db;
SQL
echo "export RECOUP_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$port/$db"
