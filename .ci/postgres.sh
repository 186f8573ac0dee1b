#!/usr/bin/env bash
# Starts the local PostgreSQL 15 cluster and makes sure the role and database that
# partnerd-store's PostgreSQL tests use exist (PARTNERD_TEST_POSTGRES defaults to
# postgres://partnerd:partnerd@127.0.0.1:5432/partnerd). Idempotent; run as root on Debian
# with postgresql-15 installed.
set -euo pipefail

VERSION=15
CLUSTER=main

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "postgres.sh: pg_ctlcluster not found; install postgresql-$VERSION first" >&2
    exit 1
fi

# Start the cluster; "already running" is fine.
if ! out=$(pg_ctlcluster "$VERSION" "$CLUSTER" start 2>&1); then
    case "$out" in
        *"already running"*) ;;
        *) echo "$out" >&2; exit 1 ;;
    esac
fi

psql_as_postgres() {
    runuser -u postgres -- psql -v ON_ERROR_STOP=1 -X -q -tA -p 5432 "$@"
}

# Wait until the server accepts connections.
for _ in $(seq 1 30); do
    if psql_as_postgres -c 'SELECT 1' >/dev/null 2>&1; then
        break
    fi
    sleep 1
done
psql_as_postgres -c 'SELECT 1' >/dev/null

if [ "$(psql_as_postgres -c "SELECT 1 FROM pg_roles WHERE rolname = 'partnerd'")" != "1" ]; then
    psql_as_postgres -c "CREATE ROLE partnerd LOGIN CREATEDB PASSWORD 'partnerd'"
else
    psql_as_postgres -c "ALTER ROLE partnerd LOGIN CREATEDB PASSWORD 'partnerd'"
fi

if [ "$(psql_as_postgres -c "SELECT 1 FROM pg_database WHERE datname = 'partnerd'")" != "1" ]; then
    psql_as_postgres -c "CREATE DATABASE partnerd OWNER partnerd"
fi

echo "postgres.sh: PostgreSQL $VERSION/$CLUSTER is running; role and database partnerd are ready"
