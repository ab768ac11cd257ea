#!/usr/bin/env bash
# onebase's RESP port against, in the same run on the same machine, a real Redis (REDIS_PORT) with the same
# redis-benchmark commands: GET, SET, INCR and MGET (10 keys), at each of CONNECTIONS, without and with -P 16
# (pipelining); plus pgbench -S on the PostgreSQL the service uses, the database's ceiling. Prints requests/s and the
# ratios onebase / Redis and onebase / pgbench -S.
#
#   bench/resp/run.sh                   REQUESTS=2000 DURATION=2 bench/resp/run.sh   (a smoke run)
#
# Uses the PostgreSQL of PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432, postgres, trust auth; it creates two
# databases there, dropped at exit) and the Redis on REDIS_PORT (default 6379); when either does not answer, it starts
# a private one of its own (a PostgreSQL cluster in the work directory on CLUSTER_PORT, a redis-server without
# persistence on a free port) and stops it at exit, so it runs to the end unattended. REQUESTS (200000) per
# redis-benchmark run, RUN_TIMEOUT (300) seconds at most per redis-benchmark run (a run that hangs is stopped and
# left out, said so), DURATION (10) seconds of pgbench, CONNECTIONS ("10 50"), JAVA_OPTS (-Xmx512m).
# PROFILE=1 adds one GET run at the first CONNECTIONS count under `perf record`: CPU per GET (the JVM, and the JVM with
# its PostgreSQL backends) and the event loops' top frames.
# bench/README.md has the figures.
. "$(dirname "$0")/../lib.sh"
int_var DURATION 10
int_var REQUESTS 200000
int_var RUN_TIMEOUT 300
CONNECTIONS=${CONNECTIONS:-10 50}
for c in $CONNECTIONS; do [[ $c =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be whole numbers, not '$CONNECTIONS'"; done
REDIS_PORT_GIVEN=${REDIS_PORT:-}
REDIS_PORT=${REDIS_PORT:-6379}
JAVA_OPTS=${JAVA_OPTS:--Xmx512m}
PROFILE=${PROFILE:-0}
if [ "$PROFILE" = 1 ]; then
  command -v perf >/dev/null || die "PROFILE=1 needs perf (Debian: linux-perf)"
  JAVA_OPTS="$JAVA_OPTS -XX:+PreserveFramePointer"
fi
DB=onebase_bench_resp
PGBENCH_DB=onebase_bench_resp_pgbench
KEYS=1000

need pgbench postgresql-15
need redis-benchmark redis-tools
need curl
need timeout coreutils
work_dir resp
header resp

export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
need psql postgresql-client
if ! psql -X -q -d postgres -c 'select 1' >/dev/null 2>&1; then
  # no PostgreSQL to measure against: a private cluster in the work directory (servers refuse to run as root)
  pg_bin
  CLUSTER_PORT=${CLUSTER_PORT:-$(free_port)}
  port_in_use "$CLUSTER_PORT" && die "CLUSTER_PORT $CLUSTER_PORT is already in use"
  echo "== no PostgreSQL answers on $PGHOST:$PGPORT: starting a private cluster on 127.0.0.1:$CLUSTER_PORT"
  if [ "$(id -u)" = 0 ]; then AS="runuser -u postgres --"; chown postgres "$WORK_DIR"; else AS=""; fi
  $AS "$PG_BIN/initdb" -D "$WORK_DIR/pgdata" -U postgres -A trust -E UTF8 --locale=C >/dev/null
  at_exit '$AS "$PG_BIN/pg_ctl" -D "$WORK_DIR/pgdata" stop -m fast >/dev/null 2>&1'
  $AS "$PG_BIN/pg_ctl" -D "$WORK_DIR/pgdata" -l "$WORK_DIR/pgdata.log" -w \
    -o "-p $CLUSTER_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK_DIR -c max_connections=200" start >/dev/null
  export PGHOST=127.0.0.1 PGPORT=$CLUSTER_PORT PGUSER=postgres PGPASSWORD=
fi
reference_pg

if ! redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
  # no Redis to compare with: one of our own, without persistence, on a free port
  need redis-server redis-server
  REDIS_PORT=$(free_port)
  echo "== no Redis answers on 127.0.0.1:${REDIS_PORT_GIVEN:-6379}: starting redis-server on $REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$WORK_DIR/redis.pid" --logfile "$WORK_DIR/redis.log" --dir "$WORK_DIR"
  at_exit 'redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$WORK_DIR/redis.pid" 2>/dev/null)" 2>/dev/null'
  for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG || die "the private redis-server did not start ($WORK_DIR/redis.log)"
fi

echo "== preparing databases $DB and $PGBENCH_DB on $PGHOST:$PGPORT"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "set client_min_messages = warning" -c "drop database if exists $DB" -c "create database $DB" \
  -c "drop database if exists $PGBENCH_DB" -c "create database $PGBENCH_DB"
at_exit 'psql -X -q -d postgres -c "drop database if exists $DB" -c "drop database if exists $PGBENCH_DB" >/dev/null 2>&1'
pgbench -q -i -s 10 "$PGBENCH_DB" >/dev/null 2>&1 || die "pgbench -i failed on $PGHOST:$PGPORT"

RESP_PORT=$(free_port)
echo "== starting onebase against $DB, RESP on $RESP_PORT"
# The request limit stays on (its work is part of every command's cost) but high enough never to refuse.
start_service DATABASE_URL="$PG_URL/$DB" ONEBASE_RESP_PORT="$RESP_PORT" ONEBASE_CACHE_REQUEST_LIMIT_PER_MINUTE=1000000000 QUARKUS_LOG_LEVEL=WARN
signup enterprise
redis-cli -p "$RESP_PORT" -a "$API_KEY" --no-auth-warning ping | grep -q PONG || die "the RESP port does not answer"

MGET_ARGS=$(for i in $(seq 1 10); do printf 'key:__rand_int__ '; done)
# bench NAME PORT CONNS PIPELINE AUTH...: one redis-benchmark run of each command; lines "name command conns pipeline rps"
bench() {
  local name=$1 port=$2 c=$3 p=$4 err="$WORK_DIR/errors-$1-$3-$4.txt" before
  shift 4
  before=$(wc -l <"$WORK_DIR/results")
  # a failed run (an error reply, a dropped connection) leaves its row out and says so; it never ends the script
  timeout "$RUN_TIMEOUT" redis-benchmark -p "$port" "$@" -t get,set,incr -c "$c" -P "$p" -n "$REQUESTS" -d 100 -r "$KEYS" --csv -q 2>"$err" \
    | tr -d '"' | awk -F, -v n="$name" -v c="$c" -v p="$p" '$1=="GET"||$1=="SET"||$1=="INCR" {printf "%s %s %s %s %.0f\n", n, $1, c, p, $2}' \
    >>"$WORK_DIR/results" || true
  # shellcheck disable=SC2086
  timeout "$RUN_TIMEOUT" redis-benchmark -p "$port" "$@" -c "$c" -P "$p" -n "$REQUESTS" -r "$KEYS" --csv -q MGET $MGET_ARGS 2>>"$err" \
    | tr -d '"' | awk -F, -v n="$name" -v c="$c" -v p="$p" '$1!="test" && !done {printf "%s MGET %s %s %.0f\n", n, c, p, $2; done=1}' \
    >>"$WORK_DIR/results" || true
  if [ "$(wc -l <"$WORK_DIR/results")" -lt $((before + 4)) ]; then
    echo "bench: some $name runs at $c connections, -P $p gave no figure: $(grep -v 'Could not fetch server CONFIG' "$err" | head -3 | tr '\n' ' ')" >&2
  fi
}
run_pgbench() { # conns
  local f="$WORK_DIR/pgbench-$1.txt" tps
  timeout $((DURATION + 120)) pgbench -n -S -M prepared -c "$1" -j 2 -T "$DURATION" "$PGBENCH_DB" >"$f" 2>&1 || true
  tps=$(awk '/^tps/ {printf "%.0f", $3}' "$f")
  echo "pgbench -S $1 1 ${tps:-0}" >>"$WORK_DIR/results"
}

# warm the JVM and fill the keys GET and MGET read
timeout "$RUN_TIMEOUT" redis-benchmark -p "$RESP_PORT" -a "$API_KEY" -t set,get -c 10 -n "$(( REQUESTS / 2 + KEYS ))" -d 100 -r "$KEYS" -q >/dev/null 2>&1 || true

: >"$WORK_DIR/results"
for c in $CONNECTIONS; do
  for p in 1 16; do
    echo "== $c connections, pipeline $p: onebase, then Redis ($REQUESTS requests per command)"
    bench onebase "$RESP_PORT" "$c" "$p" -a "$API_KEY"
    bench redis "$REDIS_PORT" "$c" "$p"
  done
  echo "== $c connections: pgbench -S ($DURATION s)"
  run_pgbench "$c"
done

if [ "$PROFILE" = 1 ]; then
  # one more GET run at the first connection count, without pipelining, under perf: the CPU per command of the JVM and
  # of its PostgreSQL backends, and the event loops' top frames (bench/cache/frames.py)
  CLK_TCK=$(getconf CLK_TCK)
  cpu_us() {
    local pids
    pids="$SERVICE_PID $(psql -X -At -d postgres -c "select string_agg(pid::text, ' ') from pg_stat_activity where datname = '$DB'" 2>/dev/null)"
    # shellcheck disable=SC2086  # a list of pids
    for p in $pids; do cat "/proc/$p/stat" 2>/dev/null; done \
      | awk -v t="$CLK_TCK" '{ sub(/^.*\) /, ""); u += $12 + $13; if (NR == 1) j = $12 + $13 } END { printf "%.0f %.0f\n", u * 1000000 / t, j * 1000000 / t }'
  }
  c=${CONNECTIONS%% *}
  echo "== $c connections, GET under perf ($REQUESTS requests)"
  perf record -q -F 999 -g -p "$SERVICE_PID" -o "$WORK_DIR/perf-get.data" >/dev/null 2>&1 &
  perf_pid=$!
  read -r all0 jvm0 < <(cpu_us)
  timeout "$RUN_TIMEOUT" redis-benchmark -p "$RESP_PORT" -a "$API_KEY" -t get -c "$c" -n "$REQUESTS" -d 100 -r "$KEYS" --csv -q \
    2>/dev/null | tr -d '"' | awk -F, '$1=="GET" {printf "GET under perf: %.0f req/s\n", $2}'
  read -r all1 jvm1 < <(cpu_us)
  kill -INT "$perf_pid" 2>/dev/null; wait "$perf_pid" 2>/dev/null || true
  echo "CPU per GET: JVM and its PostgreSQL backends $(( (all1 - all0) / REQUESTS )) us, the JVM alone $(( (jvm1 - jvm0) / REQUESTS )) us"
  jcmd "$SERVICE_PID" Compiler.perfmap >/dev/null 2>&1 || echo "(jcmd Compiler.perfmap failed: Java frames stay unnamed)"
  echo "== top frames of the event loops, GET at $c connections (first frame outside the JDK)"
  perf script -i "$WORK_DIR/perf-get.data" 2>/dev/null | python3 bench/cache/frames.py 15
  rm -f "/tmp/perf-$SERVICE_PID.map"
fi

echo
printf '%-8s %-10s %5s %8s %10s\n' who command conns pipeline "req/s"
sort -k3,3n -k4,4n -k2,2 -s "$WORK_DIR/results" | while read -r who cmd c p rps; do
  printf '%-8s %-10s %5s %8s %10s\n' "$who" "$cmd" "$c" "$p" "$rps"
done
echo
rate() { awk -v w="$1" -v m="$2" -v c="$3" -v p="$4" '$1==w && $2==m && $3==c && $4==p {print $5}' "$WORK_DIR/results"; }
for c in $CONNECTIONS; do
  for p in 1 16; do
    line="$c conns, -P $p:"
    for cmd in GET SET INCR MGET; do
      line="$line  $cmd $(awk -v a="$(rate onebase "$cmd" "$c" "$p")" -v b="$(rate redis "$cmd" "$c" "$p")" \
        'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }')x Redis"
    done
    echo "$line"
  done
  awk -v g="$(rate onebase GET "$c" 1)" -v s="$(rate pgbench -S "$c" 1)" -v c="$c" \
    'BEGIN { if (g != "" && s > 0) printf "%s conns: onebase GET / pgbench -S = %.2f\n", c, g / s }'
done
g=$(rate onebase GET 10 1); rg=$(rate redis GET 10 1); s=$(rate onebase SET 10 1); rs=$(rate redis SET 10 1)
if [ -n "$g" ] && [ -n "$rg" ] && [ -n "$s" ] && [ -n "$rs" ]; then
  awk -v g="$g" -v rg="$rg" -v s="$s" -v rs="$rs" 'BEGIN {
    printf "targets at 10 connections, no pipelining: GET >= 0.4 x Redis: %s   SET >= 0.2 x Redis: %s\n",
      (g >= 0.4 * rg) ? "met" : "NOT met", (s >= 0.2 * rs) ? "met" : "NOT met" }'
fi
footer
[ -z "${_BENCH_TMP:-}" ] && echo "(raw output in $WORK_DIR)"
exit 0
