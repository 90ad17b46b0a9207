#!/bin/sh
# Entrypoint of the local PostgreSQL image (scripts/postgres-image/build.sh). It honours the
# environment the official image documents and testcontainers sets: POSTGRES_USER (default
# postgres), POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB
# (default: the user's name). Extra arguments after `postgres` go to the server (-c name=value).
set -eu

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
export PGDATA

if [ "${1:-postgres}" != "postgres" ]; then
  exec "$@"
fi
[ "$#" -gt 0 ] && shift

as_postgres() { runuser -u postgres -- "$@"; }

# The server's socket folder: /run is empty in a new container.
mkdir -p /var/run/postgresql
chown postgres:postgres /var/run/postgresql
chmod 2775 /var/run/postgresql

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != "trust" ]; then
    echo "entrypoint: POSTGRES_PASSWORD is not set (or set POSTGRES_HOST_AUTH_METHOD=trust)" >&2
    exit 1
  fi
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  pwfile="$(mktemp)"
  printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  chown postgres "$pwfile"
  as_postgres initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" --no-sync >/dev/null
  rm -f "$pwfile"
  # Clients come from outside the container: any address, with a password.
  printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != "postgres" ]; then
    quoted="$(printf '%s' "$POSTGRES_DB" | sed 's/"/""/g')"
    printf 'CREATE DATABASE "%s";\n' "$quoted" | as_postgres postgres --single -D "$PGDATA" postgres >/dev/null
  fi
  echo "entrypoint: initialised $PGDATA for user $POSTGRES_USER, database $POSTGRES_DB"
fi

# The server logs to stderr, so `docker logs` shows its "database system is ready to accept
# connections" line. setpriv execs: the postmaster is the container's first process, so killing it
# stops the container as a crash would.
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" -c listen_addresses='*' -c port=5432 "$@"
