#!/bin/bash
# Start PostgreSQL in the foreground; on first start make the cluster in PGDATA (role
# POSTGRES_USER, its password from POSTGRES_PASSWORD_FILE, scram-sha-256) and the
# databases named in FRONTDESK_DATABASES. `--ready` answers the HEALTHCHECK instead.
set -euo pipefail

bin="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin | sort -V | tail -n 1)"
if [ "${1:-}" = "--ready" ]; then
  exec "$bin/pg_isready" --quiet --host 127.0.0.1 --port "${PGPORT:-5432}"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD_FILE:?mount the password and name it in POSTGRES_PASSWORD_FILE}"
  "$bin/initdb" --pgdata "$PGDATA" --username "${POSTGRES_USER:-postgres}" \
    --pwfile "$POSTGRES_PASSWORD_FILE" --auth scram-sha-256 --encoding UTF8 \
    --locale C.UTF-8 >/dev/null
  for database in ${FRONTDESK_DATABASES:-}; do
    echo "CREATE DATABASE \"$database\""
  done | "$bin/postgres" --single -D "$PGDATA" postgres >/dev/null
fi
exec "$bin/postgres" -D "$PGDATA" "$@"
