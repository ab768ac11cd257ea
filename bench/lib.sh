# Shared by every bench/*/run.sh: `. "$(dirname "$0")/../lib.sh"` as the script's first command.
# shellcheck shell=bash
#
# It moves to the repository root, refuses the variable names of older versions of the scripts, installs missing
# tools with apt-get by Debian package name (as root), builds the packaged jar when it is missing, starts the service on
# a free port (with its embedded database in the bench's work directory, unless DATABASE_URL points it at an existing
# one), waits for /q/health/ready, signs a tenant up and exports its API key, prints `uptime` beside the figures, and
# stops everything it started when the script exits, however it exits.
#
# The variables (the same names in every script; bench/README.md lists them):
#   DURATION     seconds of each measured run, a plain integer ("20s" is read as 20)
#   WARMUP       seconds of unmeasured load before the measured runs
#   CONNECTIONS  client connections (a space-separated list where a script measures several)
#   HTTP_PORT    the service's HTTP port (default: a free port on 127.0.0.1)
#   PGHOST PGPORT PGUSER PGPASSWORD
#                the existing PostgreSQL a script measures against (libpq's own names, also read by psql and pgbench;
#                default 127.0.0.1, 5432, postgres, trust)
#   CLUSTER_PORT the port of a private PostgreSQL cluster a script starts itself (default: a free port)
#   PG_BIN       PostgreSQL's server binaries (default: the newest /usr/lib/postgresql/*/bin)
#   WORK_DIR     where a script keeps its files (default: a new directory in $TMPDIR or /tmp, removed at exit;
#                one you name is kept, and must be empty or absent)
#   JAVA_OPTS    the service's JVM options (each script has its own default)
#   REBUILD=1    build the jar even when target/quarkus-app/quarkus-run.jar exists

set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$BENCH_ROOT"
JAR=target/quarkus-app/quarkus-run.jar
ADMIN_TOKEN=bench-admin-token
export DEBIAN_FRONTEND=noninteractive

die() { echo "bench: $*" >&2; exit 1; }

# names the scripts used before they shared one vocabulary: fail rather than silently ignore one
for _pair in BENCH_PORT:"HTTP_PORT (the service) or CLUSTER_PORT (a private PostgreSQL)" BENCH_HTTP_PORT:HTTP_PORT \
    BENCH_SECONDS:DURATION BENCH_REBUILD:REBUILD=1 BENCH_BUILD:REBUILD=1 BENCH_SIZES:SIZES BENCH_DIR:WORK_DIR \
    BENCH_JAVA_OPTS:JAVA_OPTS BENCH_DB:"nothing (each script names its own databases)"; do
  _name=${_pair%%:*}
  [ -z "${!_name:-}" ] || die "$_name is no longer read: use ${_pair#*:} (bench/README.md, 'Variables')"
done
unset _pair _name

# int_var NAME DEFAULT: NAME's value or DEFAULT, checked to be a whole number; a trailing "s" (seconds) is dropped
int_var() {
  local v=${!1:-$2}
  v=${v%s}
  [[ $v =~ ^[0-9]+$ ]] || die "$1 must be a whole number (seconds or a count), not '${!1:-}'"
  printf -v "$1" '%s' "$v"
}

# --- work directory and clean-up ---------------------------------------------------------------------------------
_BENCH_CLEANUPS=()
_BENCH_TMP=
SERVICE_PID=

# at_exit COMMAND...: run COMMAND (as one eval'd string) when the script exits, after the service has stopped;
# the last registered runs first
at_exit() { _BENCH_CLEANUPS+=("$*"); }

_bench_exit() {
  local rc=$? i
  set +eu
  trap - EXIT INT TERM
  stop_service
  for ((i = ${#_BENCH_CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${_BENCH_CLEANUPS[i]}"; done
  [ -n "$_BENCH_TMP" ] && rm -rf "$_BENCH_TMP"
  exit "$rc"
}
trap _bench_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# work_dir NAME: sets WORK_DIR (a new temp directory unless WORK_DIR is given), readable by the unprivileged users
# that PostgreSQL servers run as when the bench runs as root
work_dir() {
  if [ -n "${WORK_DIR:-}" ]; then
    if [ -e "$WORK_DIR" ] && [ -n "$(ls -A "$WORK_DIR")" ]; then die "WORK_DIR=$WORK_DIR is not empty"; fi
    mkdir -p "$WORK_DIR"
    WORK_DIR=$(cd "$WORK_DIR" && pwd)
  else
    WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/onebase-bench-$1.XXXXXX")
    _BENCH_TMP=$WORK_DIR
  fi
  chmod 755 "$WORK_DIR"
}

# --- tools ---------------------------------------------------------------------------------------------------------
# need TOOL [DEBIAN_PACKAGE]: when TOOL is not on PATH, installs the package (default: TOOL) with apt-get if root
need() {
  local tool=$1 pkg=${2:-$1}
  command -v "$tool" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing $pkg with apt-get (for $tool)" >&2
    apt-get install -y -q "$pkg" >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$pkg" >/dev/null; } || true
  fi
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (Debian: apt-get install -y $pkg)"
}

# pg_bin: sets PG_BIN to the PostgreSQL server binaries (initdb, pg_ctl, pgbench, psql)
pg_bin() {
  PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
  [ -x "${PG_BIN:-}/initdb" ] || die "no PostgreSQL server binaries (Debian: apt-get install -y postgresql-15; or set PG_BIN)"
}

# reference_pg: the existing PostgreSQL (PGHOST, PGPORT, PGUSER, PGPASSWORD) with its defaults, exported for psql and
# pgbench; checks that it answers. PG_URL is its URL without a database name.
reference_pg() {
  export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
  need psql postgresql-client
  psql -X -q -d postgres -c 'select 1' >/dev/null 2>&1 \
    || die "no PostgreSQL answers on $PGHOST:$PGPORT as $PGUSER (set PGHOST, PGPORT, PGUSER, PGPASSWORD)"
  PG_URL="postgres://$PGUSER${PGPASSWORD:+:$PGPASSWORD}@$PGHOST:$PGPORT"
}

# free_port: prints a TCP port of 127.0.0.1 that nothing listens on, below the kernel's ephemeral range (ip_local_port_range, 32768-60999 by default),
# which the outgoing connections of everything on the machine draw their local ports from: a port picked there could
# be taken by one of them (the service's own database connections) before the service binds it ("Port ... seems to be
# in use"), which happened on a busy machine.
free_port() {
  local p low
  low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$low" -gt 20000 ] 2>/dev/null || low=32768
  for _ in $(seq 1 200); do
    p=$(( 10000 + RANDOM % (low - 10000) ))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die "no free port found"
}
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

now_ms() { date +%s%3N; }

# --- the service ---------------------------------------------------------------------------------------------------
# build_if_needed: `./mvnw -B -q package -DskipTests` when the jar is missing or REBUILD=1
build_if_needed() {
  if [ ! -f "$JAR" ] || [ "${REBUILD:-0}" = 1 ]; then
    echo "== building $JAR (./mvnw -B -q package -DskipTests)"
    ./mvnw -B -q package -DskipTests
    REBUILD=0
  fi
}

# start_service [NAME=VALUE ...]: starts `java $JAVA_OPTS -jar` on the packaged jar with these settings added to the
# environment, on HTTP_PORT (chosen once), the admin API on with ADMIN_TOKEN, and waits for /q/health/ready.
# Without DATABASE_URL (among the settings or exported) the service gets its embedded database, in
# $WORK_DIR/service-db (a directory of the run, so the default .onebase/db is never touched).
# Sets SERVICE_PID, BASE_URL, SERVICE_LOG, SERVICE_READY_MS (exec to the first ready answer).
start_service() {
  [ -n "${WORK_DIR:-}" ] || die "start_service before work_dir"
  build_if_needed
  HTTP_PORT=${HTTP_PORT:-$(free_port)}
  port_in_use "$HTTP_PORT" && die "HTTP_PORT $HTTP_PORT is already in use"
  BASE_URL=http://127.0.0.1:$HTTP_PORT
  SERVICE_LOG=$WORK_DIR/service.log
  local db=() t0 a
  if [ -z "${DATABASE_URL:-}" ]; then
    db=("ONEBASE_EMBEDDED_DATA_DIR=$WORK_DIR/service-db")
    for a in "$@"; do [[ $a == DATABASE_URL=* || $a == ONEBASE_EMBEDDED_DATA_DIR=* ]] && db=(); done
  fi
  t0=$(now_ms)
  # shellcheck disable=SC2086  # JAVA_OPTS is a list of options
  env QUARKUS_HTTP_PORT="$HTTP_PORT" ONEBASE_ADMIN_TOKEN="$ADMIN_TOKEN" "${db[@]}" "$@" \
    java ${JAVA_OPTS:-} -jar "$JAR" >>"$SERVICE_LOG" 2>&1 &
  SERVICE_PID=$!
  local deadline=$(( t0 + ${START_TIMEOUT:-300} * 1000 ))
  until curl -sf -o /dev/null "$BASE_URL/q/health/ready"; do
    if ! kill -0 "$SERVICE_PID" 2>/dev/null; then
      tail -40 "$SERVICE_LOG" >&2; SERVICE_PID=; die "the service exited before it was ready (log above)"
    fi
    [ "$(now_ms)" -lt "$deadline" ] || { tail -40 "$SERVICE_LOG" >&2; die "the service was not ready after ${START_TIMEOUT:-300} s"; }
    sleep 0.05
  done
  SERVICE_READY_MS=$(( $(now_ms) - t0 ))
}

# stop_service: SIGTERM (the service stops its embedded database on the way out), SIGKILL after 60 s
stop_service() {
  [ -n "${SERVICE_PID:-}" ] || return 0
  local pid=$SERVICE_PID i
  SERVICE_PID=
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 600; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # an embedded database the service could not stop (it was killed): stop it as the user that owns it
  local data=$WORK_DIR/service-db/pgdata bin owner
  if [ -f "$data/postmaster.pid" ]; then
    bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
    owner=$(stat -c %U "$data")
    if [ "$(id -u)" = 0 ] && [ "$owner" != root ]; then
      runuser -u "$owner" -- "$bin/pg_ctl" -D "$data" stop -m fast >/dev/null 2>&1 || true
    else
      "$bin/pg_ctl" -D "$data" stop -m fast >/dev/null 2>&1 || true
    fi
  fi
  return 0
}

# signup [PLAN]: signs a new tenant up; exports TENANT_ID and API_KEY; with PLAN, moves the tenant to it (admin API)
signup() {
  local body
  body=$(curl -fsS -H 'Content-Type: application/json' -d "{\"slug\":\"bench-$(date +%s)-$RANDOM\",\"name\":\"bench\"}" \
    "$BASE_URL/api/v1/signup") || die "signup failed"
  TENANT_ID=$(sed -nE 's/.*"tenant":\{"id":"([^"]+)".*/\1/p' <<<"$body")
  API_KEY=$(sed -nE 's/.*"secret":"([^"]+)".*/\1/p' <<<"$body")
  [ -n "$TENANT_ID" ] && [ -n "$API_KEY" ] || die "unexpected signup answer: $body"
  export TENANT_ID API_KEY
  if [ -n "${1:-}" ]; then
    curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
      -d "{\"plan\":\"$1\"}" "$BASE_URL/admin/tenants/$TENANT_ID/plan" || die "moving the tenant to plan $1 failed"
  fi
}

# --- wrk output ----------------------------------------------------------------------------------------------------
# wrk_rps FILE: requests/s, rounded
wrk_rps() { awk '/^Requests\/sec/ {printf "%.0f", $2}' "$1"; }
# wrk_ms FILE PERCENTILE: a --latency percentile ("50%", "99%") in ms (wrk prints us, ms or s)
wrk_ms() {
  awk -v p="$2" '$1 == p { v = $2
    if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
    printf "%.2f", v }' "$1"
}

# --- what goes with the figures ------------------------------------------------------------------------------------
# header NAME: what runs, on what, and the machine's load before it starts
header() {
  echo "== bench/$1 at $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
  echo "uptime before: $(uptime)"
}
# footer: the machine's load when the figures were taken (print it beside them)
footer() { echo "uptime after:  $(uptime)"; }

# The service's heap (jstat: survivor + eden + old used) and RSS, sampled every 0.2 s between sampler_start and
# sampler_stop (needs jstat); sampler_report prints the peaks of everything sampled in the run.
# _sample_while PID FLAG FILE: every 0.2 s while FLAG exists, appends "heap-used-bytes rss-bytes" of PID to FILE
_sample_while() {
    while [ -f "$2" ]; do
        heap=$(jstat -gc "$1" 2>/dev/null | awk 'NR==2 { printf "%.0f", ($3 + $4 + $6 + $8) * 1024 }')
        rss=$(awk '/VmRSS/ { print $2 * 1024 }' /proc/"$1"/status 2>/dev/null)
        echo "${heap:-0} ${rss:-0}" >>"$3"
        sleep 0.2
    done
}
_SAMPLES=""
_SAMPLER=""
sampler_start() {
    local pid=$1
    _SAMPLES=${_SAMPLES:-$WORK_DIR/samples}
    touch "$WORK_DIR/sampling"
    _sample_while "$pid" "$WORK_DIR/sampling" "$_SAMPLES" &
    _SAMPLER=$!
    at_exit '[ -n "$_SAMPLER" ] && kill "$_SAMPLER" 2>/dev/null'
}
sampler_stop() {
    rm -f "$WORK_DIR/sampling"
    [ -n "$_SAMPLER" ] && wait "$_SAMPLER" 2>/dev/null
    _SAMPLER=""
    return 0
}
sampler_report() {
    if [ -n "$_SAMPLES" ] && [ -s "$_SAMPLES" ]; then
        awk '{ if ($1 > h) h = $1; if ($2 > r) r = $2 } END {
            printf "\nduring %s at %s: peak heap used %.1f MiB, peak RSS %.1f MiB (%d samples)\n", what, opts, h / 1048576, r / 1048576, NR }' \
            what="$1" opts="$JAVA_OPTS" "$_SAMPLES"
    fi
}

# Peaks per phase of a transfer (appended with bench/s3's 1 GiB run). phase_start PID NAME ... phase_stop samples
# the heap (jstat, as sampler_start) and RSS every 0.2 s into a file of its own per NAME; with GC_LOG set to the
# service's -Xlog:gc file, it also notes which GC lines fall inside the phase. phase_report prints one line per phase:
# the peak heap used (sampled: live data plus garbage not yet collected, so at most -Xmx), the peak heap live after a
# GC (from the GC log: what the service really holds), the heap size the JVM grew to, and the peak RSS.
_PHASES=()
_PHASE=""
_PHASE_SAMPLER=""
_gc_lines() { if [ -n "${GC_LOG:-}" ] && [ -f "$GC_LOG" ]; then wc -l <"$GC_LOG"; else echo 0; fi; }
phase_start() {
    local pid=$1
    _PHASE=$2
    _PHASES+=("$2")
    _gc_lines >"$WORK_DIR/phase-$2.gc-from"
    touch "$WORK_DIR/phase-sampling"
    _sample_while "$pid" "$WORK_DIR/phase-sampling" "$WORK_DIR/phase-$_PHASE.samples" &
    _PHASE_SAMPLER=$!
    at_exit '[ -n "$_PHASE_SAMPLER" ] && kill "$_PHASE_SAMPLER" 2>/dev/null'
}
phase_stop() {
    [ -n "$_PHASE" ] || return 0
    rm -f "$WORK_DIR/phase-sampling"
    [ -n "$_PHASE_SAMPLER" ] && wait "$_PHASE_SAMPLER" 2>/dev/null
    _PHASE_SAMPLER=""
    _gc_lines >"$WORK_DIR/phase-$_PHASE.gc-to"
    _PHASE=""
    return 0
}
phase_report() {
    local p from to gc
    [ ${#_PHASES[@]} -gt 0 ] || return 0
    printf "\n%-22s %14s %14s %14s %12s %12s %7s %4s\n" phase "heap used" "after GC" "GC floor" "heap size" "peak RSS" samples GCs
    for p in "${_PHASES[@]}"; do
        from=$(cat "$WORK_DIR/phase-$p.gc-from"); to=$(cat "$WORK_DIR/phase-$p.gc-to")
        # young pauses leave old garbage in place: the heap's floor between two marking cycles (the least it is left
        # at by any pause, the cycle's mixed collections included) is what was live; the phase's peak is the
        # highest such floor
        gc=$( { [ -n "${GC_LOG:-}" ] && [ -f "$GC_LOG" ] && [ "$to" -gt "$from" ] && sed -n "$((from + 1)),${to}p" "$GC_LOG"; } \
            | grep -E 'Pause (Young|Full)' | sed -E 's/.*(Concurrent Start).* ([0-9]+M->[0-9]+M\([0-9]+M\)).*/start \2/; /^start /!s/.* ([0-9]+M->[0-9]+M\([0-9]+M\)).*/pause \1/' \
            | awk -F'[ M>()-]+' '
                function close_window() { if (w != "" && w > live) live = w; w = "" }
                { if ($1 == "start") close_window(); if (w == "" || $3 < w) w = $3; if ($3 > a) a = $3; if ($4 > c) c = $4; n++ }
                END { close_window(); if (n) printf "%d %d %d %d", a, live, c, n; else print "- - - 0" }' || true)
        awk -v p="$p" -v gc="$gc" '{ if ($1 > h) h = $1; if ($2 > r) r = $2; n++ } END {
            split(gc, g, " "); printf "%-22s %10.1f MiB %10s MiB %10s MiB %8s MiB %8.1f MiB %7d %4s\n", p, h / 1048576, g[1], g[2], g[3], r / 1048576, n, g[4] }' \
            "$WORK_DIR/phase-$p.samples" </dev/null
    done
    echo "(heap used: jstat every 0.2 s, live objects and garbage; after GC: the most any pause left, young pauses leaving old"
    echo " garbage in place; GC floor: per marking cycle the least heap a pause left, the highest of these (a bound on live data);"
    echo " heap size: the most the JVM committed; GC lines from $( [ -n "${GC_LOG:-}" ] && echo "GC_LOG" || echo "nowhere: GC_LOG unset"))"
}
