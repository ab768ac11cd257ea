#!/usr/bin/env bash
# onebase backups against pgBackRest on the same pgbench database (scale 70, about 1 GB, by default), in one run.
# Starts its own PostgreSQL cluster (in WORK_DIR, on CLUSTER_PORT) with WAL archived by pgBackRest, and the onebase
# service (its embedded catalog database in WORK_DIR, backing up that cluster); takes a snapshot and a full copy and
# runs the restore tests through the admin API, then pgBackRest's full backup and restore of the same database, and
# prints times, sizes and ratios; then the same with backups encrypted at rest (onebase's encryption-key against a
# pgBackRest repository with aes-256-cbc); then with off-site copies, plain and encrypted, to onebase's own S3 endpoint
# (a bucket of a tenant of the bench's service itself, whose objects live in its embedded database, not in the
# backed-up cluster), the restore tests reading the bucket (restore-test.source=offsite).
#
#   bench/backup/run.sh                 SCALE=7 bench/backup/run.sh     (about 100 MB: checks the script, not a figure)
#
# Needs the PostgreSQL server binaries (PG_BIN, default the newest /usr/lib/postgresql/*/bin), pgbackrest (installed
# with apt-get when missing, as root), curl (7.75 or newer: --aws-sigv4 creates the bucket), bc, python3. SCALE (70), CLUSTER_PORT and HTTP_PORT (free ports),
# WORK_DIR (a temp directory, removed at exit), JAVA_OPTS (none). As root the cluster runs as the user postgres.
. "$(dirname "$0")/../lib.sh"
int_var SCALE 70
[ "$SCALE" -ge 1 ] || die "SCALE must be 1 or more"
pg_bin
need pgbackrest
need curl
need bc
need python3
CLUSTER_PORT=${CLUSTER_PORT:-$(free_port)}
port_in_use "$CLUSTER_PORT" && die "CLUSTER_PORT $CLUSTER_PORT is already in use"
work_dir backup
BENCH_DIR=$WORK_DIR
PORT=$CLUSTER_PORT
header backup

# servers refuse to run as root: the bench cluster belongs to the postgres user then
if [ "$(id -u)" = 0 ]; then AS="runuser -u postgres --"; else AS=""; fi
at_exit '$AS "$BIN/pg_ctl" -D "$BENCH_DIR/pgdata" stop -m fast >/dev/null 2>&1'
BIN=$PG_BIN

mkdir -p "$BENCH_DIR"/{sock,pgbr-repo,pgbr-log,pgbr-lock,backups}
if [ -n "$AS" ]; then chown -R postgres "$BENCH_DIR"; fi
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
"$BIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -i -s "$SCALE" -q postgres 2>&1 | tail -1
DB_SIZE=$("$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -Atc "select pg_database_size('postgres')" postgres)
echo "database: $((DB_SIZE / 1024 / 1024)) MB"
# let the archiver push the load's WAL first, so it does not compete with the measurements
"$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "checkpoint" postgres
for _ in $(seq 1 600); do ls "$BENCH_DIR"/pgdata/pg_wal/archive_status/*.ready >/dev/null 2>&1 || break; sleep 1; done

# ---- onebase ----------------------------------------------------------------------------------------------------
# onebase_round SUFFIX [SETTING=VALUE ...]: a service with these settings takes a snapshot and a full copy and runs the
# restore tests; sets SNAP_MS$SUFFIX, SNAP_TOOL_MS, SNAP_SIZE, FULL_MS, FULL_TOOL_MS, FULL_SIZE, RS_MS, RF_MS (each + SUFFIX)
onebase_round() {
  local sfx=$1; shift
  start_service ONEBASE_BACKUP_HOST=127.0.0.1 ONEBASE_BACKUP_PORT="$PORT" \
    ONEBASE_BACKUP_DATABASE=postgres ONEBASE_BACKUP_USER=postgres ONEBASE_BACKUP_PASSWORD=unused \
    ONEBASE_BACKUP_WAL_ENABLED=false ONEBASE_BACKUP_RESTORE_TEST_DATABASE=bench_restore_test "$@"
  TOKEN=$ADMIN_TOKEN
  API="$BASE_URL/admin/backups"
  AUTH="Authorization: Bearer $TOKEN"
  curl -fs -o /dev/null -H "$AUTH" "$API" || die "the admin backup API does not answer"
  local snap full tests
  echo "onebase$sfx snapshot ..."
  printf -v "SNAP_WALL$sfx" %s "$(run_onebase "$API?kind=snapshot")"
  snap=$(curl -fs -H "$AUTH" "$API?kind=snapshot&limit=1")
  echo "$snap" | field "d[0]['status'], d[0]['verification']"
  printf -v "SNAP_MS$sfx" %s "$(echo "$snap" | field "d[0]['durationMs']")"
  printf -v "SNAP_SIZE$sfx" %s "$(echo "$snap" | field "d[0]['sizeBytes']")"
  printf -v "SNAP_TOOL_MS$sfx" %s "$(echo "$snap" | field "d[0]['verification'].split('pg_dump ')[1].split(' ms')[0]")"
  echo "onebase$sfx full copy ..."
  printf -v "FULL_WALL$sfx" %s "$(run_onebase "$API?kind=full")"
  full=$(curl -fs -H "$AUTH" "$API?kind=full&limit=1")
  echo "$full" | field "d[0]['status'], d[0]['verification']"
  printf -v "FULL_MS$sfx" %s "$(echo "$full" | field "d[0]['durationMs']")"
  printf -v "FULL_SIZE$sfx" %s "$(echo "$full" | field "d[0]['sizeBytes']")"
  printf -v "FULL_TOOL_MS$sfx" %s "$(echo "$full" | field "d[0]['verification'].split('pg_basebackup ')[1].split(' ms')[0]")"
  echo "onebase$sfx restore tests ..."
  run_onebase "$API/restore-tests" >/dev/null
  tests=$(curl -fs -H "$AUTH" "$API/restore-tests?limit=2")
  echo "$tests" | field "[(t['kind'], t['status'], t['checks'].get('source'), t['durationMs'], t['error']) for t in d]"
  [ "$(echo "$tests" | field "all(t['status'] == 'passed' for t in d)")" = True ] || die "a restore test failed: $tests"
  printf -v "RS_MS$sfx" %s "$(echo "$tests" | field "[t for t in d if t['kind']=='snapshot'][0]['checks']['restoreMs']")"
  printf -v "RF_MS$sfx" %s "$(echo "$tests" | field "[t for t in d if t['kind']=='full'][0]['checks']['restoreMs']")"
  stop_service
}

# waits until nothing runs, prints elapsed wall milliseconds (the off-site copy included: it runs inside the job)
run_onebase() {
  local t0 t1; t0=$(date +%s.%N)
  curl -fs -X POST -H "$AUTH" "$1" >/dev/null
  sleep 0.5
  while [ "$(curl -fs -H "$AUTH" "$API/running")" != "{}" ]; do
    kill -0 "$SERVICE_PID" 2>/dev/null || { tail -40 "$SERVICE_LOG" >&2; die "the service exited"; }
    sleep 0.2
  done
  t1=$(date +%s.%N); echo "($t1 - $t0) * 1000 / 1" | bc
}
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

onebase_round "" ONEBASE_BACKUP_DIR="$BENCH_DIR/backups"
# encrypted at rest: AES-256-GCM in 1 MiB chunks, a key of 32 random bytes
onebase_round _ENC ONEBASE_BACKUP_DIR="$BENCH_DIR/backups-enc" \
  ONEBASE_BACKUP_ENCRYPTION_KEY="$(head -c 32 /dev/urandom | base64)"

# off-site: the service's own S3 endpoint is the store. A first start creates a tenant, its S3 key and the bucket (the
# key stays in the service's embedded database in WORK_DIR, so the next starts know it); each round then copies every
# verified backup there, and its restore tests download from the bucket and check what came back
S3_PORT=$(free_port)
S3=(ONEBASE_S3_PORT="$S3_PORT" ONEBASE_S3_SECRET_KEY=bench-backup-s3-secret-key)
start_service "${S3[@]}"
signup pro
s3key=$(curl -fsS -X POST -H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/json' -d '{"name":"offsite"}' \
  "$BASE_URL/api/v1/keys/s3")
S3_ID=$(echo "$s3key" | field "d['key']['accessKeyId']")
S3_SECRET=$(echo "$s3key" | field "d['secretAccessKey']")
curl -fsS -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ID:$S3_SECRET" \
  -H "x-amz-content-sha256: $(printf "" | sha256sum | cut -d" " -f1)" "http://127.0.0.1:$S3_PORT/bench-backups" >/dev/null \
  || die "could not create the bucket on onebase's S3 endpoint"
stop_service
OFFSITE=("${S3[@]}" ONEBASE_BACKUP_OFFSITE_ENDPOINT="http://127.0.0.1:$S3_PORT" ONEBASE_BACKUP_OFFSITE_BUCKET=bench-backups
  ONEBASE_BACKUP_OFFSITE_ACCESS_KEY_ID="$S3_ID" ONEBASE_BACKUP_OFFSITE_SECRET_ACCESS_KEY="$S3_SECRET"
  ONEBASE_BACKUP_RESTORE_TEST_SOURCE=offsite)
onebase_round _OFF ONEBASE_BACKUP_DIR="$BENCH_DIR/backups-off" "${OFFSITE[@]}" ONEBASE_BACKUP_OFFSITE_PREFIX=plain/
onebase_round _OFFENC ONEBASE_BACKUP_DIR="$BENCH_DIR/backups-offenc" "${OFFSITE[@]}" ONEBASE_BACKUP_OFFSITE_PREFIX=encrypted/ \
  ONEBASE_BACKUP_ENCRYPTION_KEY="$(head -c 32 /dev/urandom | base64)"

# ---- pgBackRest ----------------------------------------------------------------------------------------------
echo "pgBackRest full backup ..."
t0=$(date +%s.%N); $AS pgbackrest --config="$CONF" --stanza=bench --type=full backup; t1=$(date +%s.%N)
PGBR_MS=$(echo "($t1 - $t0) * 1000 / 1" | bc)
PGBR_SIZE=$(du -sb "$BENCH_DIR/pgbr-repo/backup" | cut -f1)
mkdir -p "$BENCH_DIR/pgbr-restore"; chmod 700 "$BENCH_DIR/pgbr-restore"; [ -n "$AS" ] && chown postgres "$BENCH_DIR/pgbr-restore"
echo "pgBackRest restore ..."
t0=$(date +%s.%N); $AS pgbackrest --config="$CONF" --stanza=bench --pg1-path="$BENCH_DIR/pgbr-restore" restore; t1=$(date +%s.%N)
PGBR_R_MS=$(echo "($t1 - $t0) * 1000 / 1" | bc)

# pgBackRest with an encrypted repository (aes-256-cbc), the same database; its WAL goes to the first repository,
# so this backup skips the archive check (the restore is timed as the files come back, like the plain one)
CONF_ENC="$BENCH_DIR/pgbackrest-enc.conf"
sed -e "s|^repo1-path=.*|repo1-path=$BENCH_DIR/pgbr-repo-enc\nrepo1-cipher-type=aes-256-cbc\nrepo1-cipher-pass=$(head -c 24 /dev/urandom | base64)|" \
  "$CONF" > "$CONF_ENC"
mkdir -p "$BENCH_DIR/pgbr-repo-enc" "$BENCH_DIR/pgbr-restore-enc"; chmod 700 "$BENCH_DIR/pgbr-restore-enc"
[ -n "$AS" ] && chown postgres "$CONF_ENC" "$BENCH_DIR/pgbr-repo-enc" "$BENCH_DIR/pgbr-restore-enc"
$AS pgbackrest --config="$CONF_ENC" --stanza=bench stanza-create >/dev/null
echo "pgBackRest full backup, encrypted repository ..."
t0=$(date +%s.%N); $AS pgbackrest --config="$CONF_ENC" --stanza=bench --type=full --no-archive-check backup; t1=$(date +%s.%N)
PGBR_MS_ENC=$(echo "($t1 - $t0) * 1000 / 1" | bc)
echo "pgBackRest restore, encrypted repository ..."
t0=$(date +%s.%N); $AS pgbackrest --config="$CONF_ENC" --stanza=bench --pg1-path="$BENCH_DIR/pgbr-restore-enc" restore; t1=$(date +%s.%N)
PGBR_R_MS_ENC=$(echo "($t1 - $t0) * 1000 / 1" | bc)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mb() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1048576 }'; }
echo
echo "database $((DB_SIZE / 1048576)) MB (pgbench scale $SCALE), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-58s %8s %8s %14s\n' "what" "time s" "size MB" "vs pgBackRest"
printf '%-58s %8s %8s %14s\n' "pgBackRest full backup (zst, process-max 2)" "$(ratio $PGBR_MS 1000)" "$(mb $PGBR_SIZE)" "1.00x"
printf '%-58s %8s %8s %14s\n' "onebase snapshot: pg_dump -Fc -Z6 + row counts alongside" "$(ratio $SNAP_TOOL_MS 1000)" "$(mb $SNAP_SIZE)" "$(ratio $SNAP_TOOL_MS $PGBR_MS)x"
printf '%-58s %8s %8s %14s\n' "onebase snapshot incl. checksum + read-back check" "$(ratio $SNAP_MS 1000)" "" "$(ratio $SNAP_MS $PGBR_MS)x"
printf '%-58s %8s %8s %14s\n' "onebase full copy: pg_basebackup server-zstd" "$(ratio $FULL_TOOL_MS 1000)" "$(mb $FULL_SIZE)" "$(ratio $FULL_TOOL_MS $PGBR_MS)x"
printf '%-58s %8s %8s %14s\n' "onebase full copy incl. checksums + pg_verifybackup" "$(ratio $FULL_MS 1000)" "" "$(ratio $FULL_MS $PGBR_MS)x"
printf '%-58s %8s %8s %14s\n' "pgBackRest restore (files only)" "$(ratio $PGBR_R_MS 1000)" "" "1.00x"
printf '%-58s %8s %8s %14s\n' "onebase snapshot restore (pg_restore -j2, new database)" "$(ratio $RS_MS 1000)" "" "$(ratio $RS_MS $PGBR_R_MS)x"
printf '%-58s %8s %8s %14s\n' "onebase full-copy restore (untar + WAL + promoted)" "$(ratio $RF_MS 1000)" "" "$(ratio $RF_MS $PGBR_R_MS)x"
printf '%-58s %8s %8s %14s\n' "size: onebase full copy / pgBackRest backup" "" "" "$(ratio $FULL_SIZE $PGBR_SIZE)x"
echo "encrypted at rest (onebase AES-256-GCM; pgBackRest repository aes-256-cbc)"
printf '%-58s %8s %8s %14s\n' "pgBackRest full backup, encrypted" "$(ratio $PGBR_MS_ENC 1000)" "" "$(ratio $PGBR_MS_ENC $PGBR_MS)x"
printf '%-58s %8s %8s %14s\n' "onebase snapshot incl. checks, encrypted" "$(ratio $SNAP_MS_ENC 1000)" "$(mb $SNAP_SIZE_ENC)" "$(ratio $SNAP_MS_ENC $PGBR_MS_ENC)x"
printf '%-58s %8s %8s %14s\n' "onebase full copy incl. checks, encrypted" "$(ratio $FULL_MS_ENC 1000)" "$(mb $FULL_SIZE_ENC)" "$(ratio $FULL_MS_ENC $PGBR_MS_ENC)x"
printf '%-58s %8s %8s %14s\n' "pgBackRest restore, encrypted" "$(ratio $PGBR_R_MS_ENC 1000)" "" "$(ratio $PGBR_R_MS_ENC $PGBR_R_MS)x"
printf '%-58s %8s %8s %14s\n' "onebase snapshot restore, encrypted" "$(ratio $RS_MS_ENC 1000)" "" "$(ratio $RS_MS_ENC $PGBR_R_MS_ENC)x"
printf '%-58s %8s %8s %14s\n' "onebase full-copy restore, encrypted" "$(ratio $RF_MS_ENC 1000)" "" "$(ratio $RF_MS_ENC $PGBR_R_MS_ENC)x"
echo "off-site to onebase's own S3 endpoint (wall time of the job, the upload and its read-back included; restore tests"
echo "download from the bucket); last column: against the same onebase step with local copies only, measured above"
printf '%-58s %8s %8s %14s\n' "what" "time s" "size MB" "vs local"
printf '%-58s %8s %8s %14s\n' "onebase snapshot + off-site copy" "$(ratio $SNAP_WALL_OFF 1000)" "$(mb $SNAP_SIZE_OFF)" "$(ratio $SNAP_WALL_OFF $SNAP_WALL)x"
printf '%-58s %8s %8s %14s\n' "onebase full copy + off-site copy" "$(ratio $FULL_WALL_OFF 1000)" "$(mb $FULL_SIZE_OFF)" "$(ratio $FULL_WALL_OFF $FULL_WALL)x"
printf '%-58s %8s %8s %14s\n' "onebase snapshot restore from the bucket" "$(ratio $RS_MS_OFF 1000)" "" "$(ratio $RS_MS_OFF $RS_MS)x"
printf '%-58s %8s %8s %14s\n' "onebase full-copy restore from the bucket" "$(ratio $RF_MS_OFF 1000)" "" "$(ratio $RF_MS_OFF $RF_MS)x"
printf '%-58s %8s %8s %14s\n' "onebase snapshot + off-site copy, encrypted" "$(ratio $SNAP_WALL_OFFENC 1000)" "$(mb $SNAP_SIZE_OFFENC)" "$(ratio $SNAP_WALL_OFFENC $SNAP_WALL_ENC)x"
printf '%-58s %8s %8s %14s\n' "onebase full copy + off-site copy, encrypted" "$(ratio $FULL_WALL_OFFENC 1000)" "$(mb $FULL_SIZE_OFFENC)" "$(ratio $FULL_WALL_OFFENC $FULL_WALL_ENC)x"
printf '%-58s %8s %8s %14s\n' "onebase snapshot restore from the bucket, encrypted" "$(ratio $RS_MS_OFFENC 1000)" "" "$(ratio $RS_MS_OFFENC $RS_MS_ENC)x"
printf '%-58s %8s %8s %14s\n' "onebase full-copy restore from the bucket, encrypted" "$(ratio $RF_MS_OFFENC 1000)" "" "$(ratio $RF_MS_OFFENC $RF_MS_ENC)x"
printf '%-58s %8s %8s %14s\n' "vs pgBackRest: full copy + off-site copy / pgBackRest backup" "" "" "$(ratio $FULL_WALL_OFF $PGBR_MS)x"
printf '%-58s %8s %8s %14s\n' "vs pgBackRest: full-copy restore from the bucket / restore" "" "" "$(ratio $RF_MS_OFF $PGBR_R_MS)x"
footer
