#!/usr/bin/env bash
# The whole story in one command, offline: PostgreSQL + pgvector set up (scripts/postgres.sh), a
# fresh demo database, the service started, a fixture of questions with solutions loaded at schema
# version 2 with placeholder legacy vectors, then pre-flight, apply, backfill and verification
# over the HTTP API. The dashboard URL is printed and the service keeps running until Ctrl-C.
#
# Without GEMINI_API_KEY the in-process all-MiniLM-L6-v2 model embeds (384 d, no network); with it,
# gemini-embedding-001 at 1536 d through the Gemini API.
#
# The fixture's stored vectors are placeholders: deterministic pseudo-random 768-d unit vectors
# labelled text-embedding-004. They stand in for that model's output, which cannot be produced
# offline (and the model is shut down); the backfill replaces every one of them.
#
# Environment (all optional): QUARKUS_HTTP_PORT (8080), REEMBED_DEMO_DB (reembed_demo),
# REEMBED_DB_USER / REEMBED_DB_PASSWORD (reembed / reembed), PGHOST / PGPORT / PGSUPERUSER,
# REEMBED_BOOTSTRAP_OPERATOR_KEY (generated when unset), GEMINI_API_KEY.
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGSUPERUSER=${PGSUPERUSER:-postgres}
PORT=${QUARKUS_HTTP_PORT:-8080}
DB=${REEMBED_DEMO_DB:-reembed_demo}
DB_USER=${REEMBED_DB_USER:-reembed}
DB_PASSWORD=${REEMBED_DB_PASSWORD:-reembed}
BASE="http://localhost:$PORT"
LOG=target/demo-service.log
started=$(date +%s)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { printf '[demo] ERROR: %s\n' "$*" >&2; exit 1; }
elapsed() { echo "$(( $(date +%s) - started )) s"; }

# --- set-up: PostgreSQL + pgvector, jq, a fresh database, the jar ------------------------------------
say "Set-up (scripts/postgres.sh)"
bash scripts/postgres.sh
if ! command -v jq >/dev/null; then
  echo "installing jq"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq jq >/dev/null
fi

psql_super() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$PGSUPERUSER" "$@"; }
echo "re-creating database $DB (owner $DB_USER)"
psql_super -c "drop database if exists \"$DB\" with (force)" postgres
psql_super -c "create database \"$DB\" owner \"$DB_USER\"" postgres
# pgvector is created by the superuser, as managed services pre-enable it; Flyway V1 then finds it.
psql_super -c "create extension vector" "$DB"
psql_super -c "alter schema public owner to \"$DB_USER\"" "$DB"

jar=target/quarkus-app/quarkus-run.jar
if [ ! -f "$jar" ] || [ -n "$(find src pom.xml -newer "$jar" -print -quit)" ]; then
  say "Building the service (./mvnw package)"
  ./mvnw -B --no-transfer-progress -q package -DskipTests
fi

# --- the service ---------------------------------------------------------------------------------------
KEY=${REEMBED_BOOTSTRAP_OPERATOR_KEY:-demo-operator-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export REEMBED_BOOTSTRAP_OPERATOR_KEY=$KEY
export QUARKUS_HTTP_PORT=$PORT
# health and metrics live on the management port
MANAGEMENT_PORT=${QUARKUS_MANAGEMENT_PORT:-9000}
export QUARKUS_MANAGEMENT_PORT=$MANAGEMENT_PORT
export QUARKUS_LOG_CONSOLE_JSON_ENABLED=${QUARKUS_LOG_CONSOLE_JSON_ENABLED:-false}
export QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB"
export QUARKUS_DATASOURCE_USERNAME=$DB_USER
export QUARKUS_DATASOURCE_PASSWORD=$DB_PASSWORD
export REEMBED_MIGRATION_START_TARGET=2
if [ -n "${GEMINI_API_KEY:-}" ]; then
  export REEMBED_EMBEDDING_PROVIDER=gemini
  provider="gemini (gemini-embedding-001, 1536 d)"
else
  export REEMBED_EMBEDDING_PROVIDER=local REEMBED_TARGET_MODEL=all-minilm-l6-v2 REEMBED_TARGET_DIMENSIONS=384
  provider="local (all-minilm-l6-v2, 384 d, offline)"
fi

say "Starting reembed on $BASE with provider $provider (log: $LOG)"
mkdir -p target
java ${JAVA_OPTS:-} -jar "$jar" >"$LOG" 2>&1 &
pid=$!
stop() { kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; echo; echo "reembed stopped"; }
trap stop EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 120); do
  curl -fs "http://localhost:$MANAGEMENT_PORT/q/health/ready" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { tail -n 30 "$LOG" >&2; die "the service stopped during start-up"; }
  sleep 1
done
curl -fs "http://localhost:$MANAGEMENT_PORT/q/health/ready" >/dev/null || { tail -n 30 "$LOG" >&2; die "the service is not ready after 120 s"; }
echo "ready ($(elapsed) since the demo started)"

# Every call carries the operator key (the bootstrap operator key the service was started with).
api() { # api METHOD PATH [JSON] → body on stdout; problem detail and exit 1 on an HTTP error
  local method=$1 path=$2 body=${3:-} out code
  out=$(mktemp)
  code=$(curl -s -o "$out" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $KEY" \
         ${body:+-H 'Content-Type: application/json' -d "$body"} "$BASE$path")
  if [ "$code" -ge 400 ]; then
    echo "$method $path → HTTP $code: $(jq -r '.detail // .title // .' "$out" 2>/dev/null || cat "$out")" >&2
    rm -f "$out"; return 1
  fi
  cat "$out"; rm -f "$out"
}

# --- the fixture at version 2 ----------------------------------------------------------------------------
say "Loading demo/questions.json at schema version 2 (placeholder text-embedding-004 vectors)"
PGPASSWORD=$DB_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$DB_USER" "$DB" <<'SQL'
\set fixture `cat demo/questions.json`
create temp table fixture as
  select n::bigint as n, q from jsonb_array_elements(:'fixture'::jsonb) with ordinality as t(q, n);
-- Placeholder legacy vectors: deterministic pseudo-random unit vectors (not a model's output).
insert into questions (id, title, content, created_at, embedding, embedding_model)
select n, q->>'title', q->>'content', now() - interval '400 days' + n * interval '1 hour',
       l2_normalize((select array_agg(sin(n * 12.9898 + i * 78.233)::real order by i) from generate_series(1, 768) i)::vector),
       'text-embedding-004'
from fixture;
insert into solutions (question_id, content)
select n, s from fixture, jsonb_array_elements_text(q->'solutions') s;
\o /dev/null
select setval(pg_get_serial_sequence('questions', 'id'), (select max(id) from questions));
SQL
echo "$(psql_super -Atc "select count(*) || ' questions, ' || (select count(*) from solutions) || ' solutions, ' || count(embedding) || ' with a 768-d placeholder vector' from questions" "$DB")"
echo "near-duplicate pairs in the fixture: $(jq '[.[] | select(.nearDuplicate)] | length' demo/questions.json)"

# --- pre-flight, apply, backfill, verification ---------------------------------------------------------
say "Pre-flight (GET /api/migration/preflight)"
pre=$(api GET /api/migration/preflight)
echo "$pre" | jq -r '"ready: \(.ready)   column: \(.column.type)   questions: \(.questions.total) (\(.questions.withEmbedding) with a vector)",
                     (.checks[] | "  \(.status)  \(.name): \(.detail)")'
[ "$(echo "$pre" | jq -r .ready)" = "true" ] || die "pre-flight is not ready"

say "Apply the schema change (POST /api/migration/apply)"
t0=$(date +%s)
api POST /api/migration/apply | jq -r '"schema version \(.currentVersion): \(.summary.total) questions, \(.summary.needingBackfill) need a backfill"'
api GET /api/migration | jq -r '"column now \(.column.type); backup \(.backup.table): \(.backup.rows) rows"'
echo "apply took $(( $(date +%s) - t0 )) s"

say "Backfill (POST /api/backfills)"
t0=$(date +%s)
run=$(api POST /api/backfills '{}')
id=$(echo "$run" | jq -r .id)
echo "run $id: $(echo "$run" | jq -r '"\(.total) rows with \(.model) at \(.dimensions) d"')"
echo "watch it live: $BASE/"
while :; do
  run=$(api GET "/api/backfills/$id")
  status=$(echo "$run" | jq -r .status)
  echo "$run" | jq -r '"  \(.status)  \(.processed)/\(.total) (\(.percent)%)  \(.rowsPerSecond // "–") rows/s  ETA \(.etaSeconds // "–") s  \(.inputTokens) tokens  $\(.estimatedCostUsd)  failed \(.failed)"'
  case "$status" in QUEUED|RUNNING|PAUSED) sleep 2 ;; *) break ;; esac
done
echo "backfill took $(( $(date +%s) - t0 )) s"
[ "$status" = "COMPLETED" ] || die "run $id ended $status: $(echo "$run" | jq -r .lastError)"

say "Verification (GET /api/verification?sample=20)"
api GET "/api/verification?sample=20" | jq -r '"status: \(.status) (\(.model), \(.dimensions) d, sample \(.sample))",
                                               (.checks[] | "  \(.status)  \(.name): \(.detail)")'

say "The application path: a near-duplicate found (POST /api/questions/duplicates)"
# A new wording of a question the fixture holds twice (a near-duplicate pair): both should come back.
probe='{"title": "How can I tell which program holds port 8080?", "content": "My web server will not start: address already in use.", "threshold": 0.5}'
echo "asked:  $(echo "$probe" | jq -r .title)"
api POST /api/questions/duplicates "$probe" | jq -r '.[0:3][] | "match:  #\(.id) \(.title)  (similarity \(.similarity * 1000 | round / 1000))"'

say "Done in $(elapsed)"
cat <<MSG
Dashboard:  $BASE/
API key:    $KEY   (paste it into the page's "API key" field)
Database:   $DB   (re-created by every run of scripts/demo.sh)
The service keeps running; Ctrl-C stops it.
MSG
wait "$pid"
