#!/usr/bin/env bash
# The backfill soak of docs/BENCHMARKS.md ("Soak"): one uninterrupted backfill, then the same rows
# with the packaged service SIGKILLed K times and PostgreSQL restarted once mid-run. Not part of
# scripts/test.sh or CI. Results: target/bench/soak-<rows>.txt.
#
#   scripts/soak.sh [--rows N] [--kills K] [--pg-restart-mode fast|immediate] [-Dsoak.* ...]
#
# The PostgreSQL restart must not hit anyone else's connections, so the soak runs on a cluster of
# its own (SOAK_PG_CLUSTER, default reembed-soak, on SOAK_PGPORT, default 5433, loopback only, trust
# auth like the machine's main cluster), created with pg_createcluster on first use and stopped on
# exit; `pg_dropcluster <version> reembed-soak` removes it. The jar is packaged when it is missing or
# older than src/main or pom.xml. Other -Dsoak.* keys are in BackfillSoak's javadoc.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=20000
KILLS=10
PG_MODE=fast
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) ROWS="$2"; shift 2 ;;
    --rows=*) ROWS="${1#--rows=}"; shift ;;
    --kills) KILLS="$2"; shift 2 ;;
    --kills=*) KILLS="${1#--kills=}"; shift ;;
    --pg-restart-mode) PG_MODE="$2"; shift 2 ;;
    --pg-restart-mode=*) PG_MODE="${1#--pg-restart-mode=}"; shift ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
case "$PG_MODE" in fast|immediate) ;; *) echo "--pg-restart-mode: fast or immediate" >&2; exit 2 ;; esac

log() { printf '[soak.sh] %s\n' "$*" >&2; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# PostgreSQL and pgvector installed (checks only, on a ready machine).
bash scripts/postgres.sh

PGV=$(ls /etc/postgresql | sort -V | tail -n1)
CLUSTER=${SOAK_PG_CLUSTER:-reembed-soak}
if ! pg_lsclusters -h | awk '{print $1 "/" $2}' | grep -qx "$PGV/$CLUSTER"; then
  log "creating the soak's own cluster $PGV/$CLUSTER on port ${SOAK_PGPORT:-5433}"
  $SUDO pg_createcluster "$PGV" "$CLUSTER" --port "${SOAK_PGPORT:-5433}" -- --auth-local=trust --auth-host=trust >/dev/null
fi
PORT=$(pg_lsclusters -h | awk -v v="$PGV" -v c="$CLUSTER" '$1 == v && $2 == c {print $3}')
if ! pg_isready -q -h 127.0.0.1 -p "$PORT"; then
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$PGV" "$CLUSTER" start
fi
trap '$SUDO pg_ctlcluster --skip-systemctl-redirect "$PGV" "$CLUSTER" stop || true' EXIT
# Roles, the test database and the pgvector template the scratch databases are cloned from.
PGPORT=$PORT bash scripts/postgres.sh
psql_soak() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres "$@" postgres; }
# On this cluster only: DROP DATABASE … WITH (FORCE) of a scratch database must be able to end an
# autovacuum worker busy on it after the soak's writes, which the test role may not otherwise do.
psql_soak -c "grant pg_signal_backend to \"${REEMBED_TEST_DB_USER:-reembed_test}\""
# Scratch databases an interrupted soak left behind (nobody else uses this cluster).
for db in $(psql_soak -Atc "select datname from pg_database where datname like '%\\_scratch\\_%'"); do
  psql_soak -c "drop database \"$db\" with (force)"
done

JAR=target/quarkus-app/quarkus-run.jar
BUILD=()
if [ -f "$JAR" ] && [ -z "$(find src/main pom.xml -newer "$JAR" -print -quit)" ]; then
  log "the packaged jar is up to date"
  BUILD=(-Dquarkus.build.skip=true)
fi

export QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:$PORT/${REEMBED_TEST_DB:-reembed_test}"
export QUARKUS_DATASOURCE_USERNAME=${REEMBED_TEST_DB_USER:-reembed_test}
export QUARKUS_DATASOURCE_PASSWORD=${REEMBED_TEST_DB_PASSWORD:-reembed_test}

./mvnw -B --no-transfer-progress -Psoak verify ${BUILD[@]+"${BUILD[@]}"} -Dsoak.rows="$ROWS" -Dsoak.kills="$KILLS" \
  "-Dsoak.pgRestart=$SUDO pg_ctlcluster --skip-systemctl-redirect -m $PG_MODE $PGV $CLUSTER restart" \
  ${ARGS[@]+"${ARGS[@]}"}
