#!/usr/bin/env bash
# Runs the whole test suite on this machine: prepares PostgreSQL + pgvector (scripts/postgres.sh),
# Debian's chromium + chromedriver (scripts/browser.sh), then ./mvnw verify against the local test
# database (extra arguments go to Maven), then validates the Kubernetes manifests against the
# Kubernetes schemas and generates the native-image sources (what of a native build can be checked
# without GraalVM).
# With Docker, plain `./mvnw verify` works too: no JDBC URL means Quarkus Dev Services.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/postgres.sh --fresh-test-db
# the dashboard's browser test drives Debian's headless chromium
bash scripts/browser.sh

export QUARKUS_DATASOURCE_JDBC_URL=${QUARKUS_DATASOURCE_JDBC_URL:-jdbc:postgresql://${PGHOST:-127.0.0.1}:${PGPORT:-5432}/${REEMBED_TEST_DB:-reembed_test}}
export QUARKUS_DATASOURCE_USERNAME=${QUARKUS_DATASOURCE_USERNAME:-${REEMBED_TEST_DB_USER:-reembed_test}}
export QUARKUS_DATASOURCE_PASSWORD=${QUARKUS_DATASOURCE_PASSWORD:-${REEMBED_TEST_DB_PASSWORD:-reembed_test}}

./mvnw -B --no-transfer-progress verify "$@"

echo "[test.sh] validating deploy/*.yaml against the Kubernetes schemas"
(cd deploy/validate && npm ci --no-audit --no-fund --loglevel=error && node validate.mjs ../*.yaml)

echo "[test.sh] generating the native-image sources (no GraalVM needed)"
./mvnw -B --no-transfer-progress -q package -DskipTests -Dquarkus.native.enabled=true \
  -Dquarkus.native.sources-only=true -Dquarkus.package.jar.enabled=false
test -s target/native-sources/native-image.args
echo "[test.sh] native-image sources: target/native-sources (build the binary with docker/Dockerfile.native)"
