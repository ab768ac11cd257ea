#!/usr/bin/env bash
# onebase backups side by side with pgBackRest on the same pgbench database (scale 70, about 1 GB, by default), in one
# run, unattended. It starts its own PostgreSQL cluster (in WORK_DIR, on CLUSTER_PORT, WAL archived by pgBackRest) and
# loads it, then runs eight rounds against that one database:
#
#   onebase    plain | encrypted (encryption-key) | off-site | encrypted off-site
#              each a fresh start of the service (its catalog in its own embedded database in WORK_DIR) backing up
#              the cluster: a snapshot and a full copy through the admin job API, then the weekly restore-test job
#              (both halves); off-site rounds copy to onebase's own S3 endpoint (a bucket of a tenant of the bench's
#              service, whose objects live in its embedded database, not in the backed-up cluster) and their restore
#              tests read the bucket (restore-test.source=offsite)
#   pgBackRest plain | encrypted (repo1-cipher-type=aes-256-cbc) | off-site | encrypted off-site
#              a full backup (zst, process-max 2, start-fast) and a restore of the files; off-site rounds use an S3
#              repository in the same bucket on onebase's S3 endpoint, through a TLS front (socat with a self-signed
#              certificate, repo1-storage-verify-tls=n): pgBackRest 2.45 speaks S3 over https only
#
# and prints times, sizes and ratios against pgBackRest (same variant) and against the plain round (the cost of
# encryption and of the off-site copy). A round that fails is retried (ROUND_ATTEMPTS), a service that does not start
# (under load: "Timeout waiting for connection") is restarted (START_ATTEMPTS, START_TIMEOUT); a round that still fails
# is reported in the table as failed, with its reason, the others still run, and the script exits 1 at the end.
#
#   bench/backup/run.sh                 SCALE=7 bench/backup/run.sh     (about 100 MB: checks the script, not a figure)
#
# Needs the PostgreSQL server binaries (PG_BIN, default the newest /usr/lib/postgresql/*/bin), pgbackrest, socat,
# openssl, curl (7.75 or newer: --aws-sigv4 creates the bucket), python3 (each installed with apt-get when missing, as
# root). SCALE (70), CLUSTER_PORT (a free port), HTTP_PORT (a free one at each start), WORK_DIR (a temp directory,
# removed at exit), JAVA_OPTS (none), START_ATTEMPTS (4), START_TIMEOUT (300 s per attempt), ROUND_ATTEMPTS (2),
# JOB_TIMEOUT (10800 s per job). As root the cluster runs as the user postgres. At SCALE=70 on an idle 2-core machine
# it takes about 15 minutes (bench/README.md#backup).
. "$(dirname "$0")/../lib.sh"
int_var SCALE 70
int_var START_ATTEMPTS 4
int_var START_TIMEOUT 300
int_var ROUND_ATTEMPTS 2
int_var JOB_TIMEOUT 10800
[ "$SCALE" -ge 1 ] || die "SCALE must be 1 or more"
[ "$START_ATTEMPTS" -ge 1 ] && [ "$ROUND_ATTEMPTS" -ge 1 ] || die "START_ATTEMPTS and ROUND_ATTEMPTS must be 1 or more"
pg_bin
need pgbackrest
need curl
need python3
need socat
need openssl
CLUSTER_PORT=${CLUSTER_PORT:-$(free_port)}
port_in_use "$CLUSTER_PORT" && die "CLUSTER_PORT $CLUSTER_PORT is already in use"
work_dir backup
BENCH_DIR=$WORK_DIR
PORT=$CLUSTER_PORT
BIN=$PG_BIN
FIXED_HTTP_PORT=${HTTP_PORT:-}
RESULTS=$BENCH_DIR/results.env
: > "$RESULTS"
BENCH_T0=$(now_ms)
header backup
build_if_needed

# servers refuse to run as root: the bench cluster belongs to the user postgres then
if [ "$(id -u)" = 0 ]; then AS="runuser -u postgres --"; else AS=""; fi
at_exit '$AS "$BIN/pg_ctl" -D "$BENCH_DIR/pgdata" stop -m fast >/dev/null 2>&1'
# a service or TLS front a round left behind (the round stops its own; this is for an interrupted run)
at_exit 'for f in "$BENCH_DIR"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done; true'

# ---- the cluster, loaded ------------------------------------------------------------------------------------------
mkdir -p "$BENCH_DIR"/{sock,pgbr-repo,pgbr-log,pgbr-lock}
if [ -n "$AS" ]; then chown postgres "$BENCH_DIR"; chown -R postgres "$BENCH_DIR"/{sock,pgbr-repo,pgbr-log,pgbr-lock}; fi
$AS "$BIN/initdb" -D "$BENCH_DIR/pgdata" -U postgres -A trust -E UTF8 --locale=C >/dev/null
CONF="$BENCH_DIR/pgbackrest.conf"
cat > "$CONF" <<CONF
[global]
repo1-path=$BENCH_DIR/pgbr-repo
repo1-retention-full=2
compress-type=zst
process-max=2
start-fast=y
log-level-console=warn
log-path=$BENCH_DIR/pgbr-log
lock-path=$BENCH_DIR/pgbr-lock
[bench]
pg1-path=$BENCH_DIR/pgdata
pg1-port=$PORT
pg1-socket-path=$BENCH_DIR/sock
CONF
[ -n "$AS" ] && chown postgres "$CONF"
cat >> "$BENCH_DIR/pgdata/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$BENCH_DIR/sock'
wal_level = replica
max_wal_senders = 10
archive_mode = on
archive_command = 'pgbackrest --config=$CONF --stanza=bench archive-push %p'
shared_buffers = 256MB
max_wal_size = 4GB
CONF
$AS "$BIN/pg_ctl" -D "$BENCH_DIR/pgdata" -l "$BENCH_DIR/pg.log" -w start >/dev/null
$AS pgbackrest --config="$CONF" --stanza=bench stanza-create >/dev/null
echo "pgbench -i -s $SCALE ..."
t0=$(now_ms)
"$BIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -i -s "$SCALE" -q postgres 2>&1 | tail -1
DB_SIZE=$("$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -Atc "select pg_database_size('postgres')" postgres)
echo "database: $((DB_SIZE / 1024 / 1024)) MB, loaded in $(( ($(now_ms) - t0) / 1000 )) s"
# let the archiver push the load's WAL first, so it does not compete with the measurements
"$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "checkpoint" postgres
for _ in $(seq 1 600); do ls "$BENCH_DIR"/pgdata/pg_wal/archive_status/*.ready >/dev/null 2>&1 || break; sleep 1; done

# ---- helpers ------------------------------------------------------------------------------------------------------
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# result NAME VALUE: a figure of this run (rounds run in subshells: results.env carries them back)
result() { printf '%s=%q\n' "$1" "$2" >> "$RESULTS"; }
say() { echo "   $*"; }

# start_onebase [NAME=VALUE ...]: the service, as lib.sh's start_service starts it (its embedded database in
# WORK_DIR/service-db, the admin token), with these settings; a start that fails (the process exits, or /q/health/ready
# does not answer within START_TIMEOUT s) is stopped and retried, up to START_ATTEMPTS times, after a pause that doubles
# from 15 s. @S3_PORT@ in a setting is the S3 port of this attempt. Sets SERVICE_PID, BASE_URL, SERVICE_LOG,
# SERVICE_READY_MS, S3_PORT; returns 1 when every attempt failed.
start_onebase() {
  local attempt pause=15 t0 why settings a
  for ((attempt = 1; attempt <= START_ATTEMPTS; attempt++)); do
    # every port is chosen again at each attempt (another process may have taken one); RESP is not needed
    HTTP_PORT=${FIXED_HTTP_PORT:-$(free_port)}
    S3_PORT=$(free_port)
    settings=(ONEBASE_RESP_ENABLED=false)
    for a in "$@"; do settings+=("${a//@S3_PORT@/$S3_PORT}"); done
    BASE_URL=http://127.0.0.1:$HTTP_PORT
    SERVICE_LOG=$BENCH_DIR/service-$ROUND-$attempt.log
    t0=$(now_ms)
    # shellcheck disable=SC2086  # JAVA_OPTS is a list of options
    env QUARKUS_HTTP_PORT="$HTTP_PORT" ONEBASE_ADMIN_TOKEN="$ADMIN_TOKEN" ONEBASE_EMBEDDED_DATA_DIR="$BENCH_DIR/service-db" \
      "${settings[@]}" java ${JAVA_OPTS:-} -jar "$JAR" >"$SERVICE_LOG" 2>&1 &
    SERVICE_PID=$!
    echo "$SERVICE_PID" > "$BENCH_DIR/service.pid"
    why=
    until curl -sf -o /dev/null --max-time 10 "$BASE_URL/q/health/ready"; do
      if ! kill -0 "$SERVICE_PID" 2>/dev/null; then why="exited before it was ready"; break; fi
      if [ "$(now_ms)" -gt $((t0 + START_TIMEOUT * 1000)) ]; then why="was not ready after $START_TIMEOUT s"; break; fi
      sleep 0.2
    done
    if [ -z "$why" ]; then
      SERVICE_READY_MS=$(( $(now_ms) - t0 ))
      say "service ready in $((SERVICE_READY_MS / 1000)) s (start $attempt of at most $START_ATTEMPTS; log $SERVICE_LOG)"
      return 0
    fi
    echo "   start $attempt/$START_ATTEMPTS failed: the service $why; the cause in $SERVICE_LOG:" >&2
    { grep -m 1 -E 'Failed to start|Timeout waiting' "$SERVICE_LOG"; grep -E '^Caused by' "$SERVICE_LOG" | tail -1; } \
      | cut -c1-300 | sed 's/^/     /' >&2 || true
    stop_service
    rm -f "$BENCH_DIR/service.pid"
    if [ "$attempt" -lt "$START_ATTEMPTS" ]; then sleep "$pause"; pause=$((pause * 2)); fi
  done
  echo "   the service did not start in $START_ATTEMPTS attempts" >&2
  return 1
}

stop_onebase() { stop_service; rm -f "$BENCH_DIR/service.pid"; }

# run_job NAME: POST /admin/jobs/NAME/run?wait=true; prints the finished run (JSON); returns 1 unless it succeeded
run_job() {
  local run
  run=$(curl -sS --max-time "$JOB_TIMEOUT" -X POST -H "Authorization: Bearer $ADMIN_TOKEN" \
    "$BASE_URL/admin/jobs/$1/run?wait=true") || { echo "   job $1: no answer from the service" >&2; return 1; }
  echo "$run"
  [ "$(echo "$run" | field "d.get('outcome')")" = succeeded ] || {
    echo "   job $1 did not succeed: $(echo "$run" | field "(d.get('outcome'), d.get('detail'), d.get('error'))" 2>/dev/null || echo "$run")" >&2
    return 1
  }
}

# admin GET path: the admin API's answer
admin() { curl -fsS --max-time 60 -H "Authorization: Bearer $ADMIN_TOKEN" "$BASE_URL$1"; }

# round NAME FUNCTION ARGS...: runs FUNCTION in a subshell (so nothing it does can end the run), up to ROUND_ATTEMPTS
# times; records ROUND_OK_NAME=1, or ROUND_ERR_NAME with the reason; prints how long it took
round() {
  local name=$1 attempt rc t0 err; shift
  for ((attempt = 1; attempt <= ROUND_ATTEMPTS; attempt++)); do
    echo "== round $name (attempt $attempt/$ROUND_ATTEMPTS), $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)"
    t0=$(now_ms)
    err=$BENCH_DIR/round-$name-$attempt.err
    set +e
    (
      set -euo pipefail
      trap 'stop_onebase; stop_tls' EXIT
      trap 'exit 130' INT
      trap 'exit 143' TERM
      ROUND=$name-$attempt
      "$@" 2> >(tee "$err" >&2)
    )
    rc=$?
    set -e
    sleep 0.5 # tee writes the last lines of the round's stderr
    result "ROUND_S_$name" $(( ($(now_ms) - t0) / 1000 ))
    if [ "$rc" = 0 ]; then
      result "ROUND_OK_$name" "$attempt"
      echo "== round $name done in $(( ($(now_ms) - t0) / 1000 )) s"
      return 0
    fi
    echo "== round $name failed (attempt $attempt/$ROUND_ATTEMPTS, exit $rc) after $(( ($(now_ms) - t0) / 1000 )) s" >&2
    result "ROUND_ERR_$name" "$(grep -v '^ *$' "$err" | tail -1 | cut -c1-200)"
  done
  return 0
}

# ---- onebase ------------------------------------------------------------------------------------------------------
# onebase_round SUFFIX [SETTING=VALUE ...]: a service with these settings takes a snapshot and a full copy through
# the job API and runs the restore-test job; records (each + SUFFIX) SNAP_TOOL_MS (pg_dump), SNAP_MS (the backup,
# checks included), SNAP_JOB_MS (the job: with the off-site copy), SNAP_SIZE, the same FULL_*, RS_MS and RF_MS (the
# restore, as the restore tests time it), RS_TEST_MS and RF_TEST_MS (the tests, checks included), START_MS
onebase_round() {
  local sfx=$1 dir run snap full tests; shift
  dir=$BENCH_DIR/backups$sfx-$ROUND
  start_onebase ONEBASE_BACKUP_HOST=127.0.0.1 ONEBASE_BACKUP_PORT="$PORT" ONEBASE_BACKUP_DIR="$dir" \
    ONEBASE_BACKUP_DATABASE=postgres ONEBASE_BACKUP_USER=postgres ONEBASE_BACKUP_PASSWORD=unused \
    ONEBASE_BACKUP_WAL_ENABLED=false ONEBASE_BACKUP_RESTORE_TEST_DATABASE=bench_restore_test "$@"
  result "START_MS$sfx" "$SERVICE_READY_MS"
  admin /admin/backups >/dev/null

  say "snapshot ..."
  run=$(run_job backup-snapshot)
  result "SNAP_JOB_MS$sfx" "$(echo "$run" | field "d['durationMs']")"
  snap=$(admin "/admin/backups?kind=snapshot&limit=1")
  say "$(echo "$snap" | field "d[0]['status'], d[0]['verification']")"
  [ "$(echo "$snap" | field "d[0]['status']")" = succeeded ] || { echo "   the snapshot did not succeed: $snap" >&2; return 1; }
  result "SNAP_MS$sfx" "$(echo "$snap" | field "d[0]['durationMs']")"
  result "SNAP_SIZE$sfx" "$(echo "$snap" | field "d[0]['sizeBytes']")"
  result "SNAP_TOOL_MS$sfx" "$(echo "$snap" | field "d[0]['verification'].split('pg_dump ')[1].split(' ms')[0]")"

  say "full copy ..."
  run=$(run_job backup-full)
  result "FULL_JOB_MS$sfx" "$(echo "$run" | field "d['durationMs']")"
  full=$(admin "/admin/backups?kind=full&limit=1")
  say "$(echo "$full" | field "d[0]['status'], d[0]['verification']")"
  [ "$(echo "$full" | field "d[0]['status']")" = succeeded ] || { echo "   the full copy did not succeed: $full" >&2; return 1; }
  result "FULL_MS$sfx" "$(echo "$full" | field "d[0]['durationMs']")"
  result "FULL_SIZE$sfx" "$(echo "$full" | field "d[0]['sizeBytes']")"
  result "FULL_TOOL_MS$sfx" "$(echo "$full" | field "d[0]['verification'].split('pg_basebackup ')[1].split(' ms')[0]")"

  say "restore tests (both halves) ..."
  run=$(run_job backup-restore-test) || { admin "/admin/backups/restore-tests?limit=2" >&2 || true; return 1; }
  say "job: $(echo "$run" | field "d['detail']")"
  tests=$(admin "/admin/backups/restore-tests?limit=2")
  echo "$tests" | field "'\n'.join('   %s %s, source %s, %s ms, checks %s' % (t['kind'], t['status'], t['checks'].get('source'), t['durationMs'], {k: v for k, v in t['checks'].items() if k in ('tablesChecked', 'walFiles', 'walEndLsn', 'replayedToLsn')}) for t in d)"
  [ "$(echo "$tests" | field "sorted(t['kind'] for t in d) == ['full', 'snapshot'] and all(t['status'] == 'passed' for t in d)")" = True ] \
    || { echo "   a restore test did not pass: $tests" >&2; return 1; }
  result "RS_MS$sfx" "$(echo "$tests" | field "[t for t in d if t['kind']=='snapshot'][0]['checks']['restoreMs']")"
  result "RF_MS$sfx" "$(echo "$tests" | field "[t for t in d if t['kind']=='full'][0]['checks']['restoreMs']")"
  result "RS_TEST_MS$sfx" "$(echo "$tests" | field "[t for t in d if t['kind']=='snapshot'][0]['durationMs']")"
  result "RF_TEST_MS$sfx" "$(echo "$tests" | field "[t for t in d if t['kind']=='full'][0]['durationMs']")"
  stop_onebase
}

# ---- onebase's S3 endpoint as the off-site store ----------------------------------------------------------------
# A first start of the service creates a tenant, its S3 key and the bucket (the key stays in the service's embedded
# database in WORK_DIR, so the next starts know it); pgBackRest reaches the same endpoint through a TLS front
S3=(ONEBASE_S3_PORT=@S3_PORT@ ONEBASE_S3_SECRET_KEY=bench-backup-s3-secret-key)
BUCKET=bench-backups
s3_setup() {
  local s3key
  start_onebase "${S3[@]}"
  signup enterprise
  s3key=$(curl -fsS -X POST -H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/json' -d '{"name":"offsite"}' \
    "$BASE_URL/api/v1/keys/s3")
  result S3_ID "$(echo "$s3key" | field "d['key']['accessKeyId']")"
  result S3_SECRET "$(echo "$s3key" | field "d['secretAccessKey']")"
  # shellcheck disable=SC1090
  . "$RESULTS"
  curl -fsS -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ID:$S3_SECRET" \
    -H "x-amz-content-sha256: $(printf "" | sha256sum | cut -d" " -f1)" "http://127.0.0.1:$S3_PORT/$BUCKET" >/dev/null
  say "bucket $BUCKET on onebase's S3 endpoint (port $S3_PORT)"
  stop_onebase
}

# start_tls: socat in front of onebase's S3 endpoint, https on TLS_PORT with a self-signed certificate
TLS_PORT=$(free_port)
start_tls() {
  if [ ! -f "$BENCH_DIR/tls-both.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
      -keyout "$BENCH_DIR/tls-key.pem" -out "$BENCH_DIR/tls-cert.pem" >/dev/null 2>&1
    cat "$BENCH_DIR/tls-key.pem" "$BENCH_DIR/tls-cert.pem" > "$BENCH_DIR/tls-both.pem"
  fi
  socat "OPENSSL-LISTEN:$TLS_PORT,bind=127.0.0.1,reuseaddr,fork,cert=$BENCH_DIR/tls-both.pem,verify=0" \
    "TCP:127.0.0.1:$S3_PORT" 2>>"$BENCH_DIR/socat.log" &
  echo $! > "$BENCH_DIR/tls.pid"
  for _ in $(seq 1 100); do port_in_use "$TLS_PORT" && return 0; sleep 0.1; done
  echo "   the TLS front did not listen on $TLS_PORT" >&2; return 1
}
stop_tls() {
  [ -f "$BENCH_DIR/tls.pid" ] || return 0
  kill "$(cat "$BENCH_DIR/tls.pid")" 2>/dev/null || true
  rm -f "$BENCH_DIR/tls.pid"
}

# ---- pgBackRest -------------------------------------------------------------------------------------------------
# pgbr_round SUFFIX CONF: a full backup and a restore of the files with this configuration; PGBR_MS, PGBR_SIZE,
# PGBR_R_MS (+ SUFFIX). A repository other than the archive's (the first one) skips the archive check: the WAL goes to
# the first repository, and the restore is timed as the files come back, like the plain one.
pgbr_round() {
  local sfx=$1 conf=$2 check=() t0 target size
  target=$BENCH_DIR/pgbr-restore$sfx-$ROUND
  [ "$conf" = "$CONF" ] || check=(--no-archive-check)
  [ -n "$AS" ] && chown postgres "$conf"
  if [ "$conf" != "$CONF" ]; then $AS pgbackrest --config="$conf" --stanza=bench stanza-create >/dev/null; fi
  say "full backup ..."
  t0=$(now_ms)
  $AS pgbackrest --config="$conf" --stanza=bench --type=full "${check[@]}" backup
  result "PGBR_MS$sfx" $(( $(now_ms) - t0 ))
  size=$($AS pgbackrest --config="$conf" --stanza=bench --output=json info \
    | field "d[0]['backup'][-1]['info']['repository']['delta']")
  result "PGBR_SIZE$sfx" "$size"
  say "$(( size / 1048576 )) MB in the repository"
  mkdir -p "$target"; chmod 700 "$target"; [ -n "$AS" ] && chown postgres "$target"
  say "restore ..."
  t0=$(now_ms)
  $AS pgbackrest --config="$conf" --stanza=bench --pg1-path="$target" restore
  result "PGBR_R_MS$sfx" $(( $(now_ms) - t0 ))
  [ -f "$target/PG_VERSION" ] || { echo "   the restore wrote no PG_VERSION" >&2; return 1; }
  rm -rf "$target"
}

# pgbr_conf FILE REPO-LINES...: the plain configuration with its repo1-path replaced by these lines
pgbr_conf() {
  local file=$1; shift
  { sed -n '1p' "$CONF"; printf '%s\n' "$@"; sed -e '1d' -e '/^repo1-path=/d' "$CONF"; } > "$file"
  chmod 600 "$file"
}

pgbr_local_round() { pgbr_round "" "$CONF"; }
pgbr_enc_round() {
  mkdir -p "$BENCH_DIR/pgbr-repo-enc-$ROUND"; [ -n "$AS" ] && chown postgres "$BENCH_DIR/pgbr-repo-enc-$ROUND"
  pgbr_conf "$BENCH_DIR/pgbackrest-enc.conf" "repo1-path=$BENCH_DIR/pgbr-repo-enc-$ROUND" repo1-cipher-type=aes-256-cbc \
    "repo1-cipher-pass=$(head -c 24 /dev/urandom | base64)"
  pgbr_round _ENC "$BENCH_DIR/pgbackrest-enc.conf"
}
# off-site: an S3 repository in onebase's bucket (folder pgbackrest-...), through the TLS front
pgbr_s3_round() {
  local sfx=$1; shift
  start_onebase "${S3[@]}"
  port_in_use "$S3_PORT" || { echo "   onebase's S3 endpoint does not listen on $S3_PORT" >&2; return 1; }
  start_tls
  pgbr_conf "$BENCH_DIR/pgbackrest$sfx.conf" repo1-type=s3 "repo1-path=/pgbackrest$sfx-$ROUND" \
    repo1-s3-endpoint=127.0.0.1 "repo1-storage-port=$TLS_PORT" repo1-storage-verify-tls=n repo1-s3-uri-style=path \
    "repo1-s3-bucket=$BUCKET" repo1-s3-region=us-east-1 "repo1-s3-key=$S3_ID" "repo1-s3-key-secret=$S3_SECRET" "$@"
  pgbr_round "$sfx" "$BENCH_DIR/pgbackrest$sfx.conf"
  stop_tls
  stop_onebase
}

# ---- the rounds ---------------------------------------------------------------------------------------------------
round onebase onebase_round ""
# encrypted at rest: AES-256-GCM in 1 MiB chunks, a key of 32 random bytes
round onebase_enc onebase_round _ENC ONEBASE_BACKUP_ENCRYPTION_KEY="$(head -c 32 /dev/urandom | base64)"
round s3_setup s3_setup
# shellcheck disable=SC1090
. "$RESULTS"
if [ -n "${ROUND_OK_s3_setup:-}" ]; then
  OFFSITE=("${S3[@]}" ONEBASE_BACKUP_OFFSITE_ENDPOINT="http://127.0.0.1:@S3_PORT@" ONEBASE_BACKUP_OFFSITE_BUCKET=$BUCKET
    ONEBASE_BACKUP_OFFSITE_ACCESS_KEY_ID="$S3_ID" ONEBASE_BACKUP_OFFSITE_SECRET_ACCESS_KEY="$S3_SECRET"
    ONEBASE_BACKUP_RESTORE_TEST_SOURCE=offsite)
  round onebase_off onebase_round _OFF "${OFFSITE[@]}" ONEBASE_BACKUP_OFFSITE_PREFIX=plain/
  round onebase_offenc onebase_round _OFFENC "${OFFSITE[@]}" ONEBASE_BACKUP_OFFSITE_PREFIX=encrypted/ \
    ONEBASE_BACKUP_ENCRYPTION_KEY="$(head -c 32 /dev/urandom | base64)"
fi
round pgbackrest pgbr_local_round
round pgbackrest_enc pgbr_enc_round
if [ -n "${ROUND_OK_s3_setup:-}" ]; then
  round pgbackrest_off pgbr_s3_round _OFF
  round pgbackrest_offenc pgbr_s3_round _OFFENC repo1-cipher-type=aes-256-cbc "repo1-cipher-pass=$(head -c 24 /dev/urandom | base64)"
fi
# shellcheck disable=SC1090
. "$RESULTS"

# ---- the table ----------------------------------------------------------------------------------------------------
V=("" _ENC _OFF _OFFENC)
# val NAME: the figure or empty
val() { printf '%s' "${!1:-}"; }
sec() { [ -n "$1" ] && awk -v a="$1" 'BEGIN { printf "%.1f s", a / 1000 }' || printf 'failed'; }
mb() { [ -n "$1" ] && awk -v a="$1" 'BEGIN { printf "%.1f MB", a / 1048576 }' || printf 'failed'; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }' || printf -- '-'; }
# row LABEL FIGURE REFERENCE KIND: one line, a column per variant: FIGURE+SUFFIX, against REFERENCE+SUFFIX
row() {
  local label=$1 fig=$2 ref=$3 kind=${4:-time} v cells=()
  for v in "${V[@]}"; do
    local a b
    a=$(val "$fig$v"); b=$(val "$ref$v")
    if [ "$kind" = size ]; then cells+=("$(mb "$a")"); else cells+=("$(sec "$a")"); fi
    [ "$fig" = "$ref" ] && cells[-1]="${cells[-1]} (ref)" || cells[-1]="${cells[-1]} $(ratio "$a" "$b")"
  done
  printf '%-52s %-17s %-17s %-17s %-17s\n' "$label" "${cells[@]}"
}
# same, against the plain (first) column of the same row: what encryption and the off-site copy cost
row_plain() {
  local label=$1 fig=$2 v cells=() base
  base=$(val "$fig")
  for v in "${V[@]}"; do cells+=("$(ratio "$(val "$fig$v")" "$base")"); done
  printf '%-52s %-17s %-17s %-17s %-17s\n' "$label" "${cells[@]}"
}

echo
echo "database $((DB_SIZE / 1048576)) MB (pgbench scale $SCALE), $(nproc) cores, load average now $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Each cell: the figure and its ratio to pgBackRest's in the same column (backup rows to its backup, restore rows to"
echo "its restore). Off-site: onebase copies to its own S3 endpoint (plain http) and its restore tests read the bucket;"
echo "pgBackRest uses an S3 repository in the same bucket through a TLS front."
printf '%-52s %-17s %-17s %-17s %-17s\n' "" "plain" "encrypted" "off-site" "encrypted off-site"
row "pgBackRest full backup (zst, process-max 2)" PGBR_MS PGBR_MS
row "onebase snapshot: pg_dump -Fc -Z6 + row counts" SNAP_TOOL_MS PGBR_MS
row "onebase snapshot, checksum + read-back (+ encrypt)" SNAP_MS PGBR_MS
row "onebase snapshot job (+ off-site copy)" SNAP_JOB_MS PGBR_MS
row "onebase full copy: pg_basebackup server-zstd" FULL_TOOL_MS PGBR_MS
row "onebase full copy, checksums + pg_verifybackup" FULL_MS PGBR_MS
row "onebase full copy job (+ off-site copy)" FULL_JOB_MS PGBR_MS
row "pgBackRest restore (files only)" PGBR_R_MS PGBR_R_MS
row "onebase snapshot restore (pg_restore, new database)" RS_MS PGBR_R_MS
row "onebase snapshot restore test (+ row counts)" RS_TEST_MS PGBR_R_MS
row "onebase full-copy restore (untar + WAL + promoted)" RF_MS PGBR_R_MS
row "onebase full-copy restore test (+ checks)" RF_TEST_MS PGBR_R_MS
row "size: pgBackRest backup" PGBR_SIZE PGBR_SIZE size
row "size: onebase snapshot" SNAP_SIZE PGBR_SIZE size
row "size: onebase full copy" FULL_SIZE PGBR_SIZE size
echo
echo "Against the plain column of the same row (what encryption and the off-site copy cost):"
printf '%-52s %-17s %-17s %-17s %-17s\n' "" "plain" "encrypted" "off-site" "encrypted off-site"
row_plain "pgBackRest full backup" PGBR_MS
row_plain "pgBackRest restore" PGBR_R_MS
row_plain "onebase snapshot job" SNAP_JOB_MS
row_plain "onebase full copy job" FULL_JOB_MS
row_plain "onebase snapshot restore" RS_MS
row_plain "onebase full-copy restore" RF_MS
row_plain "onebase service start-up" START_MS

echo
FAILED=0
for r in onebase onebase_enc s3_setup onebase_off onebase_offenc pgbackrest pgbackrest_enc pgbackrest_off pgbackrest_offenc; do
  ok=ROUND_OK_$r err=ROUND_ERR_$r s=ROUND_S_$r
  if [ -n "${!ok:-}" ]; then
    if [ "${!ok}" = 1 ]; then printf '%-20s ok      %5s s\n' "$r" "${!s:-?}"
    else printf '%-20s ok      %5s s  at attempt %s; before: %s\n' "$r" "${!s:-?}" "${!ok}" "${!err:-}"; fi
  else
    FAILED=1
    printf '%-20s FAILED  %5s s  %s\n' "$r" "${!s:-?}" "${!err:-not run (a round it needs failed)}"
  fi
done
echo "total $(( ($(now_ms) - BENCH_T0) / 1000 )) s"
footer
[ "$FAILED" = 0 ] || { echo "bench: some rounds failed (above); their logs are in WORK_DIR ($BENCH_DIR)" >&2; exit 1; }
