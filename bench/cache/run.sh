#!/usr/bin/env bash
# onebase cache GET/SET over HTTP vs pgbench -S (the PostgreSQL it sits on) vs redis-benchmark GET/SET, same machine,
# same run, 8 and 64 connections. Prints requests/s, p50, p99 and the ratios.
#
# Needs: a PostgreSQL on PGHOST:PGPORT (default 127.0.0.1:5432, user postgres, trust auth) that onebase and pgbench
# both use, a Redis on REDIS_PORT (default 6379), wrk (installed with apt-get when missing and run as root),
# pgbench, redis-benchmark, Maven + Java 17. Usage: bench/cache/run.sh   (DURATION=10 per measurement)
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=bench/cache
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
REDIS_PORT=${REDIS_PORT:-6379}
DURATION=${DURATION:-10}
PORT=${BENCH_HTTP_PORT:-18080}
DB=onebase_cache_bench
PGBENCH_DB=onebase_cache_pgbench
KEYS=1000
export BENCH_KEYS=$KEYS
OUT=$(mktemp -d)
APP_PID=

cleanup() { if [ -n "$APP_PID" ]; then kill "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; fi
fi
for tool in pgbench psql redis-benchmark java mvn curl; do
  command -v $tool >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done
PSQL="psql -X -q -h $PGHOST -p $PGPORT -U $PGUSER -v ON_ERROR_STOP=1"

echo "== preparing databases on $PGHOST:$PGPORT"
$PSQL -d postgres -c "drop database if exists $DB" -c "create database $DB" \
      -c "drop database if exists $PGBENCH_DB" -c "create database $PGBENCH_DB"
pgbench -q -i -s 10 -h $PGHOST -p $PGPORT -U $PGUSER $PGBENCH_DB >/dev/null 2>&1

if [ ! -f target/quarkus-app/quarkus-run.jar ] || [ -n "${BENCH_REBUILD:-}" ]; then
  echo "== building the jar"
  mvn -B -q package -DskipTests
fi

echo "== starting onebase on :$PORT against $DB"
# The request limit stays on (its statement is part of every request's cost) but high enough never to refuse.
DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB" QUARKUS_HTTP_PORT=$PORT ONEBASE_ADMIN_TOKEN=bench-admin \
ONEBASE_CACHE_REQUEST_LIMIT_PER_MINUTE=1000000000 QUARKUS_LOG_LEVEL=WARN \
  java ${BENCH_JAVA_OPTS:--Xmx512m} -jar target/quarkus-app/quarkus-run.jar >"$OUT/onebase.log" 2>&1 &
APP_PID=$!
for i in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/q/health/ready" >/dev/null 2>&1 && break
  kill -0 $APP_PID 2>/dev/null || { cat "$OUT/onebase.log"; exit 1; }
  sleep 1
done
BASE="http://127.0.0.1:$PORT"
SLUG="bench-$(date +%s)"
SIGNUP=$(curl -sf -H 'Content-Type: application/json' -d "{\"slug\":\"$SLUG\",\"name\":\"bench\"}" "$BASE/api/v1/signup")
TENANT=$(echo "$SIGNUP" | sed -E 's/.*"tenant":\{"id":"([^"]+)".*/\1/')
export BENCH_KEY=$(echo "$SIGNUP" | sed -E 's/.*"secret":"([^"]+)".*/\1/')
curl -sf -X PUT -H 'Authorization: Bearer bench-admin' -H 'Content-Type: application/json' -d '{"plan":"enterprise"}' \
  "$BASE/admin/tenants/$TENANT/plan" >/dev/null
VALUE=$(printf 'x%.0s' $(seq 1 100))
for start in $(seq 1 400 $KEYS); do   # JSON bodies are limited to 64 KiB: batches of 400
  end=$(( start + 399 < KEYS ? start + 399 : KEYS ))
  BATCH=$(for i in $(seq $start $end); do printf '%s{"key":"bench:%d","value":"%s"}' "$([ $i = $start ] || echo ,)" $i "$VALUE"; done)
  curl -sf -o /dev/null -H "Authorization: Bearer $BENCH_KEY" -H 'Content-Type: application/json' -d "{\"entries\":[$BATCH]}" \
    "$BASE/api/v1/cache/_batch/set" || { echo "preloading the keys failed" >&2; exit 1; }
done
curl -sf -o /dev/null -H "Authorization: Bearer $BENCH_KEY" "$BASE/api/v1/cache/bench:1"

# wrk's latency lines are like "50%  1.23ms" (us, ms or s)
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; printf "%.2f", v}'; }
run_wrk() { # name script conns
  local f="$OUT/wrk-$1-$3.txt"
  wrk -t 2 -c "$3" -d "${DURATION}s" --latency -s "$HERE/$2" "$BASE" >"$f"
  local rps p50 p99 errs
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$f")
  p50=$(awk '$1=="50%" {print $2}' "$f" | to_ms)
  p99=$(awk '$1=="99%" {print $2}' "$f" | to_ms)
  errs=$(awk '/Non-2xx/ {print $5}' "$f")
  echo "$1 $3 $rps $p50 $p99 ${errs:-0}" >>"$OUT/results"
}
run_pgbench() { # conns
  local f="$OUT/pgbench-$1.txt"
  pgbench -n -S -M prepared -c "$1" -j 2 -T "$DURATION" -h $PGHOST -p $PGPORT -U $PGUSER \
      --log --log-prefix="$OUT/pgb$1" $PGBENCH_DB >"$f" 2>&1
  local tps p50 p99
  tps=$(awk '/^tps/ {printf "%.0f", $3}' "$f")
  # per-transaction log: 3rd column is latency in microseconds
  read -r p50 p99 < <(cat "$OUT"/pgb$1.* | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {printf "%.2f %.2f\n", a[int(NR*0.5)]/1000, a[int(NR*0.99)]/1000}')
  rm -f "$OUT"/pgb$1.*
  echo "pgbench-S $1 $tps $p50 $p99 0" >>"$OUT/results"
}
run_path() { # conns: the service's SQL for one GET, straight from pgbench (no HTTP, no JVM)
  local f="$OUT/path-$1.txt"
  pgbench -n -M prepared -c "$1" -j 2 -T "$DURATION" -f "$HERE/path.sql" -D tenant="$TENANT" \
      -h $PGHOST -p $PGPORT -U onebase_app $DB >"$f" 2>&1 || true
  local tps
  tps=$(awk '/^tps/ {printf "%.0f", $3}' "$f")
  echo "sql-of-GET $1 ${tps:-0} - - 0" >>"$OUT/results"
}
run_redis() { # conns
  redis-benchmark -p $REDIS_PORT -t get,set -c "$1" -n $(( 30000 * DURATION )) -d 100 -r $KEYS --csv -q 2>/dev/null \
    | tr -d '"' | awk -F, -v c="$1" '$1=="GET"||$1=="SET" {printf "redis-%s %s %.0f %s %s 0\n", $1, c, $2, $5, $7}' >>"$OUT/results"
}

# The JIT needs tens of seconds of traffic on a 2-core machine before the JVM reaches its steady speed.
WARMUP=${WARMUP:-40}
echo "== warming up the JVM (${WARMUP} s of GET and SET, not measured)"
wrk -t 2 -c 8 -d "$(( WARMUP * 3 / 4 ))s" -s "$HERE/get.lua" "$BASE" >/dev/null
wrk -t 2 -c 8 -d "$(( WARMUP / 4 ))s" -s "$HERE/set.lua" "$BASE" >/dev/null

for c in 8 64; do
  echo "== $c connections: onebase GET, SET; pgbench -S; redis-benchmark GET/SET ($DURATION s each)"
  run_wrk onebase-GET get.lua $c
  run_wrk onebase-SET set.lua $c
  run_pgbench $c
  [ $c = 8 ] && run_path $c   # 64 more connections as the request role can exceed max_connections beside the service
  run_redis $c
done

echo
printf '%-12s %5s %10s %9s %9s %8s\n' what conns "req/s" "p50 ms" "p99 ms" "non-2xx"
sort -k2,2n -s "$OUT/results" | while read -r name c rps p50 p99 errs; do
  printf '%-12s %5s %10s %9s %9s %8s\n' "$name" "$c" "$rps" "$p50" "$p99" "$errs"
done
echo
rate() { awk -v n="$1" -v c="$2" '$1==n && $2==c {print $3}' "$OUT/results"; }
for c in 8 64; do
  g=$(rate onebase-GET $c); s=$(rate onebase-SET $c); p=$(rate pgbench-S $c); rg=$(rate redis-GET $c); rs=$(rate redis-SET $c)
  q=$(rate sql-of-GET $c); q=${q:-0}
  awk -v c=$c -v g=$g -v s=$s -v p=$p -v rg=$rg -v rs=$rs -v q=$q 'BEGIN {
    printf "%2d conns: onebase GET / pgbench -S = %.2f   onebase GET / redis GET = %.2f   onebase SET / redis SET = %.2f   sql-of-GET / pgbench -S = %.2f\n", c, g/p, g/rg, s/rs, q/p }'
done
g8=$(rate onebase-GET 8); p8=$(rate pgbench-S 8)
awk -v g=$g8 -v p=$p8 'BEGIN { printf "target (GET >= 0.5 x pgbench -S at 8): %s\n", (g >= 0.5*p) ? "met" : "NOT met" }'
echo "(raw output in $OUT)"
