#!/usr/bin/env bash
# onebase cache GET (hits and misses) and SET over HTTP against, in the same run on the same machine: the HTTP floor
# (a route of the same service that does no work: GET /bench/floor, and /q/health/live), pgbench -S -M prepared on
# the same PostgreSQL the service uses, the SQL of one onebase GET replayed by pgbench (path.sql), and
# redis-benchmark GET/SET. Prints requests/s, p50, p99 and the ratios at each of CONNECTIONS.
#
#   bench/cache/run.sh                  DURATION=2 WARMUP=4 CONNECTIONS=8 bench/cache/run.sh
#
# Needs the PostgreSQL of PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432, postgres, trust auth; it creates two
# databases there, dropped at exit) and a Redis on REDIS_PORT (default 6379). wrk, pgbench and redis-benchmark are
# installed with apt-get when missing (as root). DURATION (10) seconds per measurement, WARMUP (40) seconds of
# unmeasured load first, CONNECTIONS ("8 64"), JAVA_OPTS (-Xmx512m). bench/README.md has the latest figures.
# PROFILE=1 also records the event loops with `perf record` during the floor, hit and miss runs at the first of
# CONNECTIONS and prints their top frames (bench/cache/frames.py); perf takes CPU itself, so the figures of such a
# run are not the ones to quote.
. "$(dirname "$0")/../lib.sh"
int_var DURATION 10
int_var WARMUP 40
CONNECTIONS=${CONNECTIONS:-8 64}
for c in $CONNECTIONS; do [[ $c =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be whole numbers, not '$CONNECTIONS'"; done
REDIS_PORT=${REDIS_PORT:-6379}
JAVA_OPTS=${JAVA_OPTS:--Xmx512m}
PROFILE=${PROFILE:-0}
if [ "$PROFILE" = 1 ]; then
  command -v perf >/dev/null || die "PROFILE=1 needs perf (Debian: linux-perf)"
  JAVA_OPTS="$JAVA_OPTS -XX:+PreserveFramePointer"
fi
HERE=bench/cache
DB=onebase_bench_cache
PGBENCH_DB=onebase_bench_cache_pgbench
export KEYS=1000    # read by get.lua and set.lua

need wrk
need pgbench postgresql-15
need redis-benchmark redis-tools
need curl
reference_pg
redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || die "no Redis answers on 127.0.0.1:$REDIS_PORT (set REDIS_PORT)"
work_dir cache
header cache

echo "== preparing databases $DB and $PGBENCH_DB on $PGHOST:$PGPORT"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "set client_min_messages = warning" -c "drop database if exists $DB" -c "create database $DB" \
  -c "drop database if exists $PGBENCH_DB" -c "create database $PGBENCH_DB"
at_exit 'psql -X -q -d postgres -c "drop database if exists $DB" -c "drop database if exists $PGBENCH_DB" >/dev/null 2>&1'
pgbench -q -i -s 10 "$PGBENCH_DB" >/dev/null 2>&1

echo "== starting onebase against $DB"
# The request limit stays on (its statement is part of every request's cost) but high enough never to refuse.
# The floor route answers as large a body as a GET, with no work behind it: what the HTTP layer alone allows.
# The RESP server gets a free port of its own (its default, 6380, may be another service's on a shared machine).
start_service DATABASE_URL="$PG_URL/$DB" ONEBASE_CACHE_REQUEST_LIMIT_PER_MINUTE=1000000000 QUARKUS_LOG_LEVEL=WARN \
  ONEBASE_BENCH_FLOOR_ROUTE=true ONEBASE_RESP_PORT="$(free_port)"
signup enterprise
VALUE=$(printf 'x%.0s' $(seq 1 100))
for start in $(seq 1 400 $KEYS); do   # JSON bodies are limited to 64 KiB: batches of 400
  end=$(( start + 399 < KEYS ? start + 399 : KEYS ))
  BATCH=$(for i in $(seq "$start" "$end"); do printf '%s{"key":"bench:%d","value":"%s"}' "$([ "$i" = "$start" ] || echo ,)" "$i" "$VALUE"; done)
  curl -sf -o /dev/null -H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/json' -d "{\"entries\":[$BATCH]}" \
    "$BASE_URL/api/v1/cache/_batch/set" || die "preloading the keys failed"
done
curl -sf -o /dev/null -H "Authorization: Bearer $API_KEY" "$BASE_URL/api/v1/cache/bench:1" || die "GET of a preloaded key failed"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $API_KEY" "$BASE_URL/api/v1/cache/miss:1")" = 404 ] \
  || die "GET of a missing key did not answer 404"
curl -sf -o /dev/null "$BASE_URL/bench/floor" || die "the floor route does not answer (ONEBASE_BENCH_FLOOR_ROUTE)"
HIT=/api/v1/cache/bench: MISS=/api/v1/cache/miss: FLOOR='/bench/floor?'

# CPU time (microseconds, user + system) of the service's JVM and of the PostgreSQL backends connected to its
# database: what a request costs the machine, which a busy machine's throughput hides
CLK_TCK=$(getconf CLK_TCK)
cpu_us() { # prints "all jvm": the JVM and its database backends together, and the JVM alone
  local pids
  pids="$SERVICE_PID $(psql -X -At -d postgres -c "select string_agg(pid::text, ' ') from pg_stat_activity where datname = '$DB'" 2>/dev/null)"
  # shellcheck disable=SC2086  # a list of pids
  for p in $pids; do cat "/proc/$p/stat" 2>/dev/null; done \
    | awk -v t="$CLK_TCK" '{ sub(/^.*\) /, ""); u += $12 + $13; if (NR == 1) j = $12 + $13 } END { printf "%.0f %.0f\n", u * 1000000 / t, j * 1000000 / t }'
}
# statements PostgreSQL ran in the service's database (each GET's statement is its own transaction); the server
# writes a busy backend's counts about once a second, hence the pause
db_xacts() {
  sleep 1
  psql -X -At -d postgres -c "select xact_commit + xact_rollback from pg_stat_database where datname = '$DB'" 2>/dev/null || echo 0
}
run_wrk() { # name script conns [TARGET of get.lua]
  local f="$WORK_DIR/wrk-$1-$3.txt" errs perf_pid= cpu0 cpu1 jvm0 jvm1 n x0 x1
  if [ "$PROFILE" = 1 ] && [ "$3" = "${CONNECTIONS%% *}" ] && [[ $1 == http-floor || $1 == onebase-GET || $1 == GET-miss ]]; then
    perf record -q -F 999 -g -p "$SERVICE_PID" -o "$WORK_DIR/perf-$1.data" -- sleep "$DURATION" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  x0=$(db_xacts)
  read -r cpu0 jvm0 < <(cpu_us)
  TARGET=${4:-} wrk -t 2 -c "$3" -d "${DURATION}s" --latency -s "$HERE/$2" "$BASE_URL" >"$f"
  read -r cpu1 jvm1 < <(cpu_us)
  x1=$(db_xacts)
  [ -z "$perf_pid" ] || wait "$perf_pid" || true
  errs=$(awk '/Non-2xx/ {print $5}' "$f")
  n=$(awk '/requests in/ {print $1}' "$f")
  echo "$1 $3 $(wrk_rps "$f") $(wrk_ms "$f" 50%) $(wrk_ms "$f" 99%) ${errs:-0} $(( n > 0 ? (cpu1 - cpu0) / n : 0 ))/$(( n > 0 ? (jvm1 - jvm0) / n : 0 )) $(awk -v x="$(( x1 - x0 ))" -v n="${n:-0}" 'BEGIN { printf (n > 0 ? "%.2f" : "-"), x / n }')" >>"$WORK_DIR/results"
}
run_pgbench() { # conns
  local f="$WORK_DIR/pgbench-$1.txt" tps p50 p99
  # a server shared with other work may have fewer free connections than asked (max_connections): say so and go on
  if ! pgbench -n -S -M prepared -c "$1" -j 2 -T "$DURATION" --log --log-prefix="$WORK_DIR/pgb$1" "$PGBENCH_DB" >"$f" 2>&1; then
    echo "(pgbench -S at $1 connections failed: $(grep -m1 -i 'error\|fatal' "$f"))"
    rm -f "$WORK_DIR"/pgb"$1".*
    echo "pgbench-S $1 0 - - 0 - -" >>"$WORK_DIR/results"
    return 0
  fi
  tps=$(awk '/^tps/ {printf "%.0f", $3}' "$f")
  # per-transaction log: the 3rd column is the latency in microseconds
  read -r p50 p99 < <(cat "$WORK_DIR"/pgb"$1".* | awk '{print $3}' | sort -n \
    | awk '{a[NR]=$1} END {printf "%.2f %.2f\n", a[int(NR*0.5)]/1000, a[int(NR*0.99)]/1000}')
  rm -f "$WORK_DIR"/pgb"$1".*
  echo "pgbench-S $1 $tps $p50 $p99 0 - -" >>"$WORK_DIR/results"
}
run_path() { # conns: the service's SQL for one GET, straight from pgbench (no HTTP, no JVM), as the request role
  local f="$WORK_DIR/path-$1.txt" tps
  pgbench -n -M prepared -c "$1" -j 2 -T "$DURATION" -f "$HERE/path.sql" -D tenant="$TENANT_ID" -U onebase_app "$DB" >"$f" 2>&1 || true
  tps=$(awk '/^tps/ {printf "%.0f", $3}' "$f")
  echo "sql-of-GET $1 ${tps:-0} - - 0 - -" >>"$WORK_DIR/results"
}
run_redis() { # conns
  redis-benchmark -p "$REDIS_PORT" -t get,set -c "$1" -n $(( 30000 * DURATION )) -d 100 -r "$KEYS" --csv -q 2>/dev/null \
    | tr -d '"' | awk -F, -v c="$1" '$1=="GET"||$1=="SET" {printf "redis-%s %s %.0f %s %s 0 - -\n", $1, c, $2, $5, $7}' >>"$WORK_DIR/results"
}

# The JIT needs tens of seconds of traffic on a 2-core machine before the JVM reaches its steady speed.
echo "== warming up the JVM ($WARMUP s of GET hits, misses, the floor and SET, not measured)"
warm() { # seconds script [TARGET]
  [ "$1" -gt 0 ] || return 0
  TARGET=${3:-} wrk -t 2 -c 8 -d "$1s" -s "$HERE/$2" "$BASE_URL" >/dev/null
}
warm $(( WARMUP / 2 )) get.lua "$HIT"
warm $(( WARMUP / 8 )) get.lua "$MISS"
warm $(( WARMUP / 8 )) get.lua "$FLOOR"
warm $(( WARMUP / 4 )) set.lua

: >"$WORK_DIR/results"
for c in $CONNECTIONS; do
  echo "== $c connections: the floor, /q/health/live, onebase GET hit, miss, SET; pgbench -S; redis-benchmark GET/SET ($DURATION s each)"
  run_wrk http-floor get.lua "$c" "$FLOOR"
  run_wrk health-live health.lua "$c"
  run_wrk onebase-GET get.lua "$c" "$HIT"
  run_wrk GET-miss get.lua "$c" "$MISS"
  run_wrk onebase-SET set.lua "$c"
  run_pgbench "$c"
  # as many more connections as the request role beside the service's pool can exceed max_connections
  if [ "$c" -le 16 ]; then run_path "$c"; fi
  run_redis "$c"
done

echo
printf '%-12s %5s %10s %9s %9s %8s %10s %9s\n' what conns "req/s" "p50 ms" "p99 ms" "non-2xx" "CPU/JVM us" "stmt/req"
sort -k2,2n -s "$WORK_DIR/results" | while read -r name c rps p50 p99 errs cpu stmts; do
  printf '%-12s %5s %10s %9s %9s %8s %10s %9s\n' "$name" "$c" "$rps" "$p50" "$p99" "$errs" "$cpu" "$stmts"
done
echo "(CPU/JVM us: user + system time per request of the service's JVM and the PostgreSQL backends of its database / of the JVM alone;"
echo " on a busy machine the figure to compare, since throughput there mostly measures the other load;"
echo " stmt/req: transactions PostgreSQL counted in the service's database per request, the request limit's included)"
echo
col() { awk -v n="$1" -v c="$2" -v k="$3" '$1==n && $2==c {print $k}' "$WORK_DIR/results"; }
rate() { col "$1" "$2" 3; }
ratios() { # conns name: name's rate against the floor, pgbench -S and redis GET
  awk -v c="$1" -v n="$2" -v g="$(rate "$2" "$1")" -v f="$(rate http-floor "$1")" -v p="$(rate pgbench-S "$1")" -v rg="$(rate redis-GET "$1")" '
    function r(a, b) { return a > 0 && b > 0 ? sprintf("%.2f", a / b) : "-" }
    BEGIN { printf "%2d conns: %-11s / floor = %s   / pgbench -S = %s   / redis GET = %s\n", c, n, r(g, f), r(g, p), r(g, rg) }'
}
for c in $CONNECTIONS; do
  ratios "$c" onebase-GET
  ratios "$c" GET-miss
  awk -v c="$c" -v s="$(rate onebase-SET "$c")" -v rs="$(rate redis-SET "$c")" -v q="$(rate sql-of-GET "$c")" \
      -v p="$(rate pgbench-S "$c")" -v h="$(rate health-live "$c")" -v f="$(rate http-floor "$c")" '
    function r(a, b) { return a > 0 && b > 0 ? sprintf("%.2f", a / b) : "-" }
    BEGIN { printf "%2d conns: onebase SET / redis SET = %s   sql-of-GET / pgbench -S = %s   /q/health/live / floor = %s\n",
            c, r(s, rs), r(q, p), r(h, f) }'
done
if [[ " $CONNECTIONS " == *" 8 "* ]]; then
  awk -v g="$(rate onebase-GET 8)" -v m="$(rate GET-miss 8)" -v f="$(rate http-floor 8)" -v p="$(rate pgbench-S 8)" \
      -v gp99="$(col onebase-GET 8 5)" -v mp99="$(col GET-miss 8 5)" '
    function met(ok) { return ok ? "met" : "NOT met" }
    BEGIN {
      printf "target at 8 conns: GET >= 0.8 x floor (hits %s, misses %s); misses as fast as hits, within 10%% (%s); p99 < 2 ms (hits %s, misses %s)\n",
        met(g >= 0.8 * f), met(m >= 0.8 * f), met(m >= 0.9 * g), met(gp99 < 2), met(mp99 < 2)
      printf "older target at 8 conns: GET >= 0.5 x pgbench -S: %s\n", met(g >= 0.5 * p)
    }'
fi
if [ "$PROFILE" = 1 ]; then
  # the JIT's symbols, written by the JVM itself, for perf to name the compiled Java frames
  jcmd "$SERVICE_PID" Compiler.perfmap >/dev/null 2>&1 || echo "(jcmd Compiler.perfmap failed: Java frames stay unnamed)"
  for name in http-floor onebase-GET GET-miss; do
    [ -f "$WORK_DIR/perf-$name.data" ] || continue
    echo
    echo "== top frames of the event loops, $name at ${CONNECTIONS%% *} connections (first frame outside the JDK)"
    perf script -i "$WORK_DIR/perf-$name.data" 2>/dev/null | python3 "$HERE/frames.py" 15
  done
  rm -f "/tmp/perf-$SERVICE_PID.map"
fi
footer
[ -z "${_BENCH_TMP:-}" ] && echo "(raw output in $WORK_DIR)"
exit 0
