#!/usr/bin/env bash
# JVM-mode start-up time and memory of the packaged service, against an existing PostgreSQL.
#
#   bench/startup/run.sh                DURATION=2 WARMUP=1 bench/startup/run.sh
#
# It creates a fresh database onebase_bench_startup (request role onebase_bench_app) on the PostgreSQL of
# PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432, postgres; a role that may create databases and roles, trust or
# PGPASSWORD), starts `java $JAVA_OPTS -jar target/quarkus-app/quarkus-run.jar` with DATABASE_URL pointing at it
# (embedded database off), and reports:
#   - start-up: from exec to the first 200 of /q/health/ready (and Quarkus' own "started in"), on the first start
#     (empty database: migrations) and on a restart (schema up to date, what a new replica does), against a bare
#     `java -version` measured in the same run;
#   - RSS at idle (5 s after ready) and under light load (wrk, GET /api/v1/tenant with a tenant key: auth + one
#     tenant-scoped read; the per-tenant request limit set high enough never to refuse), against wrk on
#     /q/health/live (no database) in the same run.
# JAVA_OPTS (-Xmx256m), DURATION (20) seconds of load, WARMUP (5) seconds before it, CONNECTIONS (8). wrk is installed
# with apt-get when missing (as root).
. "$(dirname "$0")/../lib.sh"
JAVA_OPTS=${JAVA_OPTS:--Xmx256m}
int_var DURATION 20
int_var WARMUP 5
int_var CONNECTIONS 8
DB=onebase_bench_startup
APP_ROLE=onebase_bench_app
need wrk
need curl
need bc
reference_pg
work_dir startup
header startup
build_if_needed

psql -q -X -v ON_ERROR_STOP=1 -d postgres -c "set client_min_messages = warning" -c "drop database if exists $DB" -c "create database $DB"
at_exit 'psql -q -X -d postgres -c "drop database if exists $DB" -c "drop role if exists $APP_ROLE" >/dev/null 2>&1'

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
quarkus_s() { sed -n 's/.*started in \([0-9.]*\)s.*/\1/p' "$SERVICE_LOG" | tail -1; }

# reference: a bare JVM start
t0=$(now_ms); java $JAVA_OPTS -version >/dev/null 2>&1; jvm_ms=$(( $(now_ms) - t0 ))

# The request limit stays on (its work is part of every request's cost) but high enough never to answer 429.
service() {
  start_service DATABASE_URL="$PG_URL/$DB" ONEBASE_DB_APP_ROLE=$APP_ROLE ONEBASE_EMBEDDED_ENABLED=false \
    ONEBASE_CACHE_REQUEST_LIMIT_PER_MINUTE=1000000000
}
# the first start migrates the empty database; the second is a replica's restart (the schema is up to date)
service; first_ms=$SERVICE_READY_MS; first_quarkus_s=$(quarkus_s); stop_service
service; ready_ms=$SERVICE_READY_MS; ready_quarkus_s=$(quarkus_s)
sleep 5
idle_kb=$(rss_kb "$SERVICE_PID")
signup

# warm-up, then the reference and the measured load
if [ "$WARMUP" -gt 0 ]; then
  wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" -H "Authorization: Bearer $API_KEY" "$BASE_URL/api/v1/tenant" >/dev/null
fi
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "$BASE_URL/q/health/live" >"$WORK_DIR/live.txt"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $API_KEY" "$BASE_URL/api/v1/tenant" >"$WORK_DIR/api.txt"
load_kb=$(rss_kb "$SERVICE_PID"); peak_kb=$(hwm_kb "$SERVICE_PID")
ref_rps=$(wrk_rps "$WORK_DIR/live.txt")
api_rps=$(wrk_rps "$WORK_DIR/api.txt")
p99=$(wrk_ms "$WORK_DIR/api.txt" 99%)
errors=$(grep -E 'Non-2xx|Socket errors' "$WORK_DIR/api.txt" || true)

echo "onebase JVM mode — $(java -version 2>&1 | head -1), JAVA_OPTS=$JAVA_OPTS"
echo "PostgreSQL $(psql -X -At -d postgres -c 'show server_version') on $PGHOST:$PGPORT"
printf 'first start (migrates) %6d ms   (Quarkus: started in %ss)\n' "$first_ms" "$first_quarkus_s"
printf 'start-up to ready      %6d ms   (Quarkus: started in %ss; a bare "java -version": %d ms, ratio %.1fx)\n' \
  "$ready_ms" "$ready_quarkus_s" "$jvm_ms" "$(echo "$ready_ms / $jvm_ms" | bc -l)"
printf 'RSS idle               %6d MiB\n' $((idle_kb / 1024))
printf 'RSS under load         %6d MiB   (peak %d MiB)\n' $((load_kb / 1024)) $((peak_kb / 1024))
printf 'GET /api/v1/tenant     %8.0f req/s, p99 %s ms (%d connections, %d s)\n' "$api_rps" "$p99" "$CONNECTIONS" "$DURATION"
printf 'GET /q/health/live     %8.0f req/s (reference, no database); ratio %.2f\n' "$ref_rps" "$(echo "$api_rps / $ref_rps" | bc -l)"
[ -z "$errors" ] || echo "wrk: $errors"
footer
