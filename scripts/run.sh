#!/usr/bin/env bash
# Starts reembed on this machine: prepares PostgreSQL + pgvector (scripts/postgres.sh), builds the
# jar when it is missing or older than the sources, and runs it against the local `reembed`
# database on http://localhost:${QUARKUS_HTTP_PORT:-8080}. Ctrl-C stops it.
#
# Like a production start it holds the schema at version 2 (text-embedding-004, vector(768)) until
# an operator calls POST /api/migration/apply; REEMBED_MIGRATION_START_TARGET=latest applies
# everything at start instead.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/postgres.sh

jar=target/quarkus-app/quarkus-run.jar
if [ ! -f "$jar" ] || [ -n "$(find src pom.xml -newer "$jar" -print -quit)" ]; then
  ./mvnw -B --no-transfer-progress -q package -DskipTests
fi

export QUARKUS_DATASOURCE_JDBC_URL=${QUARKUS_DATASOURCE_JDBC_URL:-jdbc:postgresql://${PGHOST:-127.0.0.1}:${PGPORT:-5432}/${REEMBED_DB:-reembed}}
export QUARKUS_DATASOURCE_USERNAME=${QUARKUS_DATASOURCE_USERNAME:-${REEMBED_DB_USER:-reembed}}
export QUARKUS_DATASOURCE_PASSWORD=${QUARKUS_DATASOURCE_PASSWORD:-${REEMBED_DB_PASSWORD:-reembed}}
export REEMBED_MIGRATION_START_TARGET=${REEMBED_MIGRATION_START_TARGET:-2}
export QUARKUS_LOG_CONSOLE_JSON_ENABLED=${QUARKUS_LOG_CONSOLE_JSON_ENABLED:-false}

echo "reembed: http://localhost:${QUARKUS_HTTP_PORT:-8080}  (health: /q/health)"
exec java ${JAVA_OPTS:-} -jar "$jar"
