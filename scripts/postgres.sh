#!/usr/bin/env bash
# Makes a Debian machine ready for reembed: PostgreSQL running, pgvector available, a role and a
# database for the service and one for the tests. Idempotent: a second run only checks.
#
# pgvector is not packaged for bookworm, so when the `vector` extension is missing it is built from
# Debian's own `pgvector` source package (the newest suite that downloads: unstable, testing,
# trixie-backports, trixie), against this server's dev headers. Versions after 0.8.0 fix a buffer overflow in
# parallel HNSW builds, which is why newer suites are tried first.
#
# Environment (all optional):
#   PGHOST / PGPORT / PGSUPERUSER  where the server is and who may create roles (127.0.0.1, 5432, postgres)
#   REEMBED_DB / REEMBED_DB_USER / REEMBED_DB_PASSWORD             service database (reembed)
#   REEMBED_TEST_DB / REEMBED_TEST_DB_USER / REEMBED_TEST_DB_PASSWORD  test database (reembed_test)
#
# --fresh-test-db  drops and re-creates the test database (scripts/test.sh uses it, so that every
#                  test run starts from an empty database whatever an earlier run left behind).
set -euo pipefail

FRESH_TEST_DB=""
for arg in "$@"; do
  case "$arg" in
    --fresh-test-db) FRESH_TEST_DB=1 ;;
    *) echo "usage: $0 [--fresh-test-db]" >&2; exit 2 ;;
  esac
done

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGSUPERUSER=${PGSUPERUSER:-postgres}
DB=${REEMBED_DB:-reembed}
DB_USER=${REEMBED_DB_USER:-reembed}
DB_PASSWORD=${REEMBED_DB_PASSWORD:-reembed}
TEST_DB=${REEMBED_TEST_DB:-reembed_test}
TEST_DB_USER=${REEMBED_TEST_DB_USER:-reembed_test}
TEST_DB_PASSWORD=${REEMBED_TEST_DB_PASSWORD:-reembed_test}

log() { printf '[postgres.sh] %s\n' "$*" >&2; }
die() { printf '[postgres.sh] ERROR: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "run as root or install sudo"
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=""
apt_update_once() {
  if [ -z "$APT_UPDATED" ]; then
    log "apt-get update"
    $SUDO apt-get update -qq || die "apt-get update failed"
    APT_UPDATED=1
  fi
}

psql_super() { PGOPTIONS="-c client_min_messages=warning" psql -X -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$PGSUPERUSER" "$@"; }

# --- 1. PostgreSQL installed and running ------------------------------------------------------
if ! command -v pg_lsclusters >/dev/null 2>&1; then
  log "PostgreSQL is not installed: installing it with apt"
  apt_update_once
  $SUDO apt-get install -y -qq postgresql postgresql-contrib >/dev/null || die "could not install postgresql"
fi

server_up() { pg_isready -q -h "$PGHOST" -p "$PGPORT"; }
if ! server_up; then
  # Start every local cluster that is down (on this kind of machine there is no systemd).
  while read -r ver name port status _; do
    [ "$ver" = "Ver" ] && continue
    if [ "$status" != "online" ]; then
      log "starting cluster $ver/$name (port $port)"
      $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start || true
    fi
  done < <(pg_lsclusters)
  if ! pg_lsclusters -h | grep -q .; then
    PGV=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    log "no cluster exists: creating $PGV/main"
    $SUDO pg_createcluster "$PGV" main --start -- --auth-local=trust --auth-host=trust
  fi
  for _ in $(seq 1 30); do server_up && break; sleep 1; done
  server_up || die "PostgreSQL does not answer on $PGHOST:$PGPORT"
fi
log "PostgreSQL answers on $PGHOST:$PGPORT"

SERVER_NUM=$(psql_super -Atqc "show server_version_num" postgres)
PG_MAJOR=$((SERVER_NUM / 10000))
[ "$PG_MAJOR" -ge 14 ] || die "PostgreSQL 14+ required for pgvector 0.5.0+. Current: $PG_MAJOR"

# --- 2. pgvector available ----------------------------------------------------------------------
vector_available() {
  [ "$(psql_super -Atqc "select count(*) from pg_available_extensions where name = 'vector'" postgres)" = "1" ]
}

build_pgvector() {
  local pg_config="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config"
  # pg_config ships with the server, the headers with postgresql-server-dev-N: check the headers.
  if [ ! -x "$pg_config" ] || [ ! -f "$("$pg_config" --includedir-server)/postgres.h" ]; then
    log "installing postgresql-server-dev-$PG_MAJOR and a compiler"
    apt_update_once
    $SUDO apt-get install -y -qq "postgresql-server-dev-$PG_MAJOR" build-essential dpkg-dev >/dev/null \
      || die "could not install postgresql-server-dev-$PG_MAJOR"
  fi
  command -v dpkg-source >/dev/null || { apt_update_once; $SUDO apt-get install -y -qq dpkg-dev >/dev/null; }
  command -v make >/dev/null && command -v gcc >/dev/null || { apt_update_once; $SUDO apt-get install -y -qq build-essential >/dev/null; }

  # A private apt configuration: the machine's own sources stay untouched.
  local work; work=$(mktemp -d /tmp/reembed-pgvector.XXXXXX)
  mkdir -p "$work/lists/partial" "$work/src"
  local suite built=""
  for suite in unstable testing trixie-backports trixie; do
    printf 'deb-src http://deb.debian.org/debian %s main\n' "$suite" > "$work/sources.list"
    local opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
                -o "Dir::State::Lists=$work/lists" -o "APT::Sandbox::User=root")
    log "looking for Debian's pgvector source in $suite"
    if ! $SUDO apt-get "${opts[@]}" update -qq >/dev/null 2>"$work/update.err"; then
      log "  $suite: apt-get update failed: $(tail -n1 "$work/update.err")"; continue
    fi
    rm -rf "$work/src"; mkdir -p "$work/src"
    if ! (cd "$work/src" && $SUDO apt-get "${opts[@]}" source -qq pgvector >/dev/null 2>"$work/source.err"); then
      log "  $suite: apt-get source failed: $(tail -n1 "$work/source.err")"; continue
    fi
    local dir; dir=$(find "$work/src" -maxdepth 1 -mindepth 1 -type d -name 'pgvector-*' | head -n1)
    [ -n "$dir" ] || { log "  $suite: no source tree unpacked"; continue; }
    log "  building $(basename "$dir") from $suite against PostgreSQL $PG_MAJOR"
    # OPTFLAGS="" keeps the build portable (no -march=native), as Debian builds it.
    if (cd "$dir" && make -s PG_CONFIG="$pg_config" OPTFLAGS="" >"$work/build.log" 2>&1 \
          && $SUDO make -s PG_CONFIG="$pg_config" install >>"$work/build.log" 2>&1); then
      built="$suite"; break
    fi
    log "  build from $suite failed: $(tail -n5 "$work/build.log")"
  done
  rm -rf "$work"
  [ -n "$built" ] || die "could not build pgvector from any Debian source (unstable, testing, trixie-backports, trixie)"
  log "pgvector built from Debian $built"
}

if ! vector_available; then
  log "the vector extension is missing"
  build_pgvector
  vector_available || die "pgvector extension not available. Ensure postgresql-$PG_MAJOR-pgvector is installed"
fi
log "pgvector $(psql_super -Atqc "select default_version from pg_available_extensions where name = 'vector'" postgres) is available"

# --- 3. Roles and databases ---------------------------------------------------------------------
ensure_db() {
  local db=$1 user=$2 password=$3
  if [ "$(psql_super -Atqc "select count(*) from pg_roles where rolname = '$user'" postgres)" = "0" ]; then
    log "creating role $user"
    psql_super -qc "create role \"$user\" login password '$password'" postgres
  fi
  if [ "$(psql_super -Atqc "select count(*) from pg_database where datname = '$db'" postgres)" = "0" ]; then
    log "creating database $db owned by $user"
    psql_super -qc "create database \"$db\" owner \"$user\"" postgres
  fi
  # The extension is created by a superuser, as managed services (Supabase, RDS) pre-enable it;
  # Flyway V1 then finds it, checks its version and carries on. The service role owns the rest.
  psql_super -qc "create extension if not exists vector" "$db"
  psql_super -qc "alter database \"$db\" owner to \"$user\"" postgres
  psql_super -qc "alter schema public owner to \"$user\"" "$db"
}
ensure_db "$DB" "$DB_USER" "$DB_PASSWORD"
if [ -n "$FRESH_TEST_DB" ]; then
  log "dropping the test database $TEST_DB for a fresh start"
  psql_super -qc "drop database if exists \"$TEST_DB\" with (force)" postgres
  # scratch databases a killed test run of this test database left behind (${TEST_DB}_scratch_*);
  # those of other test databases on the server belong to runs that may still be going
  for scratch in $(psql_super -Atqc "select datname from pg_database where starts_with(datname, '${TEST_DB}_scratch_')" postgres); do
    psql_super -qc "drop database if exists \"$scratch\" with (force)" postgres
  done
fi
ensure_db "$TEST_DB" "$TEST_DB_USER" "$TEST_DB_PASSWORD"
# The tests create and drop scratch databases: empty ones (to prove V1 on a database without the
# extension) and clones of a template that has pgvector (one fresh database per schema-change test).
# And a tenant's database role, to prove the row-level security of its tables (TenantTest).
psql_super -qc "alter role \"$TEST_DB_USER\" createdb createrole" postgres
TEMPLATE_DB="${TEST_DB}_template"
if [ "$(psql_super -Atqc "select count(*) from pg_database where datname = '$TEMPLATE_DB'" postgres)" = "0" ]; then
  log "creating template database $TEMPLATE_DB (pgvector installed) owned by $TEST_DB_USER"
  psql_super -qc "create database \"$TEMPLATE_DB\" owner \"$TEST_DB_USER\"" postgres
fi
psql_super -qc "create extension if not exists vector" "$TEMPLATE_DB"
psql_super -qc "alter schema public owner to \"$TEST_DB_USER\"" "$TEMPLATE_DB"

log "ready: service jdbc:postgresql://$PGHOST:$PGPORT/$DB (user $DB_USER), tests jdbc:postgresql://$PGHOST:$PGPORT/$TEST_DB (user $TEST_DB_USER)"
