#!/usr/bin/env bash
# JVM-mode start-up time and memory of the packaged service, against an existing PostgreSQL.
#
#   bench/startup/run.sh            # builds target/quarkus-app if missing
#
# Environment: PGHOST (127.0.0.1) PGPORT (5432) PGUSER (postgres, a role that may create databases and roles; trust
# or PGPASSWORD), JAVA_OPTS (-Xmx256m), DURATION (20s of load), CONNECTIONS (8).
# It creates a fresh database onebase_bench_startup (request role onebase_bench_app), starts
# `java $JAVA_OPTS -jar target/quarkus-app/quarkus-run.jar` with DATABASE_URL pointing at it, and reports:
#   - start-up: from exec to the first 200 of /q/health/ready (and Quarkus' own "started in"), on the first start
#     (empty database: migrations) and on a restart (schema up to date, what a new replica does), against a bare
#     `java -version` measured in the same run;
#   - RSS at idle (5 s after ready) and under light load (wrk, GET /api/v1/tenant with a tenant key: auth + one
#     tenant-scoped read), against wrk on /q/health/live (no database) in the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."

PGHOST=${PGHOST:-127.0.0.1}; PGPORT=${PGPORT:-5432}; PGUSER=${PGUSER:-postgres}
JAVA_OPTS=${JAVA_OPTS:--Xmx256m}
DURATION=${DURATION:-20s}; CONNECTIONS=${CONNECTIONS:-8}
DB=onebase_bench_startup
export PGHOST PGPORT PGUSER

for tool in java psql curl wrk; do
  command -v "$tool" >/dev/null || { echo "needs $tool (Debian: apt-get install -y wrk postgresql-client curl)" >&2; exit 1; }
done
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests

psql -q -X -v ON_ERROR_STOP=1 -d postgres -c "drop database if exists $DB" -c "create database $DB"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
log=$(mktemp /tmp/onebase-startup-XXXXXX.log)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -f "$log"; }
trap cleanup EXIT

ms() { date +%s%3N; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# reference: a bare JVM start
t0=$(ms); java $JAVA_OPTS -version >/dev/null 2>&1; jvm_ms=$(( $(ms) - t0 ))

start() {   # sets pid, ready_ms, quarkus_s
  local t0; t0=$(ms)
  DATABASE_URL="postgres://$PGUSER${PGPASSWORD:+:$PGPASSWORD}@$PGHOST:$PGPORT/$DB" ONEBASE_DB_APP_ROLE=onebase_bench_app \
    ONEBASE_EMBEDDED_ENABLED=false QUARKUS_HTTP_PORT=$port ONEBASE_ADMIN_TOKEN=bench-admin-token \
    java $JAVA_OPTS -jar target/quarkus-app/quarkus-run.jar >"$log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "$base/q/health/ready"; do
    kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "the service exited" >&2; exit 1; }
    sleep 0.05
  done
  ready_ms=$(( $(ms) - t0 ))
  quarkus_s=$(sed -n 's/.*started in \([0-9.]*\)s.*/\1/p' "$log" | head -1)
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }

# a replica's restart: the schema is already migrated (the first start on the empty database below migrates it)
start; first_ms=$ready_ms; first_quarkus_s=$quarkus_s; stop
start
sleep 5
idle_kb=$(rss_kb "$pid")

key=$(curl -sf -X POST "$base/api/v1/signup" -H 'Content-Type: application/json' \
  -d "{\"slug\":\"bench-$RANDOM\",\"name\":\"bench\"}" | sed -n 's/.*"secret":"\([^"]*\)".*/\1/p')
[ -n "$key" ] || { echo "signup failed" >&2; exit 1; }

wrk_rps() { sed -n 's/^Requests\/sec:[[:space:]]*\([0-9.]*\).*/\1/p'; }
# warm-up, then the reference and the measured load
wrk -t2 -c"$CONNECTIONS" -d5s -H "Authorization: Bearer $key" "$base/api/v1/tenant" >/dev/null
ref_rps=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "$base/q/health/live" | wrk_rps)
out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $key" "$base/api/v1/tenant")
load_kb=$(rss_kb "$pid"); peak_kb=$(hwm_kb "$pid")
api_rps=$(echo "$out" | wrk_rps)
p99=$(echo "$out" | awk '$1=="99%" {print $2}')
errors=$(echo "$out" | grep -E 'Non-2xx|Socket errors' || true)

echo "onebase JVM mode — $(java -version 2>&1 | head -1), JAVA_OPTS=$JAVA_OPTS, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "PostgreSQL $(psql -X -At -d postgres -c 'show server_version') on $PGHOST:$PGPORT"
printf 'first start (migrates) %6d ms   (Quarkus: started in %ss)\n' "$first_ms" "$first_quarkus_s"
printf 'start-up to ready      %6d ms   (Quarkus: started in %ss; a bare "java -version": %d ms, ratio %.1fx)\n' \
  "$ready_ms" "$quarkus_s" "$jvm_ms" "$(echo "$ready_ms / $jvm_ms" | bc -l)"
printf 'RSS idle               %6d MiB\n' $((idle_kb / 1024))
printf 'RSS under load         %6d MiB   (peak %d MiB)\n' $((load_kb / 1024)) $((peak_kb / 1024))
printf 'GET /api/v1/tenant     %8.0f req/s, p99 %s (%d connections, %s)\n' "$api_rps" "$p99" "$CONNECTIONS" "$DURATION"
printf 'GET /q/health/live     %8.0f req/s (reference, no database); ratio %.2f\n' "$ref_rps" "$(echo "$api_rps / $ref_rps" | bc -l)"
[ -z "$errors" ] || echo "wrk: $errors"
stop
psql -q -X -d postgres -c "drop database if exists $DB" -c "drop role if exists onebase_bench_app"
