#!/usr/bin/env bash
# The benchmark of docs/BENCHMARKS.md: PostgreSQL + pgvector ready (scripts/postgres.sh, without
# --fresh-test-db: that would drop other people's scratch databases), then the `bench` Maven
# profile, which packages the jar and runs src/test/java/dev/reembed/bench/BackfillBench.java.
# Not part of scripts/test.sh or CI. Results: target/bench/results-<rows>.txt.
#
#   scripts/bench.sh [--rows N] [-Dbench.phases=quota,unthrottled,index,search ...]
#   scripts/bench.sh --limiter [-Dbench.limiterQuota=1200,600 ...]
#   scripts/bench.sh --online [--rows N] [-Dbench.searchesPerSecond=25 ...]
#   scripts/bench.sh --tenants [-Dbench.tenants=200 ...]
#
# --rows N (default 100000, up to 1000000); other -Dbench.* keys are in BackfillBench's javadoc.
# --limiter runs AdaptiveLimiterBench instead (the adaptive limiter against untold quotas of 600 and 300, ~10 min;
# results target/bench/results-limiter.txt; its -Dbench.* keys are in its javadoc).
# --online runs OnlineMigrationBench (issue 15: 1536 vector -> 3072 halfvec with searches all along;
# results target/bench/results-online-<rows>.txt).
# --tenants runs TenantBench (issue 16: 200 tenants x 500 + one of 50,000, apply and backfill across
# all under a quota; results target/bench/results-tenants.txt; -Dbench.tenants=N and more in its javadoc).
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=100000
BENCH=BackfillBench
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --limiter) BENCH=AdaptiveLimiterBench; shift ;;
    --online) BENCH=OnlineMigrationBench; shift ;;
    --tenants) BENCH=TenantBench; shift ;;
    --rows) ROWS="$2"; shift 2 ;;
    --rows=*) ROWS="${1#--rows=}"; shift ;;
    *) ARGS+=("$1"); shift ;;
  esac
done

bash scripts/postgres.sh

export QUARKUS_DATASOURCE_JDBC_URL=${QUARKUS_DATASOURCE_JDBC_URL:-jdbc:postgresql://${PGHOST:-127.0.0.1}:${PGPORT:-5432}/${REEMBED_TEST_DB:-reembed_test}}
export QUARKUS_DATASOURCE_USERNAME=${QUARKUS_DATASOURCE_USERNAME:-${REEMBED_TEST_DB_USER:-reembed_test}}
export QUARKUS_DATASOURCE_PASSWORD=${QUARKUS_DATASOURCE_PASSWORD:-${REEMBED_TEST_DB_PASSWORD:-reembed_test}}

exec ./mvnw -B --no-transfer-progress -Pbench verify -Dit.test="$BENCH" -Dbench.rows="$ROWS" ${ARGS[@]+"${ARGS[@]}"}
