#!/usr/bin/env bash
# Tenant export, import and restore-to at a small heap: does memory stay flat whatever the tenant's size?
#
# Starts its own PostgreSQL cluster (in WORK_DIR, on CLUSTER_PORT) and the packaged service on it at JAVA_OPTS
# (-Xmx64m by default, with a GC log), fills one tenant with ROWS cache entries and ROWS/2 sessions (SQL, as the
# cluster's superuser), INLINE files of 1000 KiB (kept inline in the files table as bytea, so each is a 2 MB NDJSON
# line) and large files of the sizes in FILES (MiB, large objects), then:
#   1. exports it (GET /admin/tenants/{id}/export into a file), imports the archive as a new tenant
#      (POST /admin/tenants/import), and checks the copy (row counts; every file's SHA-256 through the copy's API key);
#   2. with RESTORE=1 (the default): pgbench -i -s SCALE in a database of its own in the same cluster (SCALE 70 is about
#      1 GB), a full copy, a second tenant that keeps writing; at T the first tenant's files are deleted, and
#      POST /admin/tenants/{id}/restore-to?time=T brings them back (checked by SHA-256); the second tenant's later
#      write is checked to be still there. It prints the per-tenant restore time and its phases (recover the full copy
#      and WAL, export the tenant there, replace it here): with SCALE=70, the restore time on the 1 GB benchmark database.
# With PLACEMENT=schema the first tenant is promoted to a schema of its own once filled (the promotion's time and write
# pause printed), so the export, the import's source and the restore-to (mode=replace, into that schema) are a schema
# tenant's.
# It prints the archive's size, each step's time and throughput, and per step the service's peak heap after GC (from
# the GC log: what is really held), its peak heap used (jstat, garbage included) and its peak RSS.
#
#   bench/tenant/export.sh
#   ROWS=20000 INLINE=5 FILES="2 8" SCALE=1 bench/tenant/export.sh        (a minute or two: checks the script)
#   SCALE=70 bench/tenant/export.sh                                        (the restore-to time on the 1 GB database)
#   ROWS=2000 INLINE=2 FILES=2 SCALE=1 PLACEMENT=schema bench/tenant/export.sh
#
# Needs the PostgreSQL server binaries (PG_BIN), curl, python3, jstat (JDK). ROWS (200000), INLINE (40), FILES
# ("2 32 64 96 128"), SCALE (70), RESTORE (1), PLACEMENT (shared), JAVA_OPTS (-Xmx64m), CLUSTER_PORT and HTTP_PORT (free ports), WORK_DIR
# (a temp directory, removed at exit; it needs about 3x the tenant's size plus the cluster's). As root the cluster runs
# as the user postgres.
. "$(dirname "$0")/../lib.sh"
int_var ROWS 200000
int_var INLINE 40
int_var SCALE 70
int_var RESTORE 1
FILES=${FILES-2 32 64 96 128}
PLACEMENT=${PLACEMENT:-shared}
[[ $PLACEMENT == shared || $PLACEMENT == schema ]] || die "PLACEMENT must be shared or schema, not '$PLACEMENT'"
for mib in $FILES; do [[ $mib =~ ^[1-9][0-9]*$ ]] || die "FILES must be whole numbers of MiB, not '$FILES'"; done
JAVA_OPTS=${JAVA_OPTS:--Xmx64m}
pg_bin
need curl
need python3
need jstat openjdk-17-jdk-headless
CLUSTER_PORT=${CLUSTER_PORT:-$(free_port)}
port_in_use "$CLUSTER_PORT" && die "CLUSTER_PORT $CLUSTER_PORT is already in use"
work_dir tenant-export
W=$WORK_DIR
GC_LOG=$W/gc.log
JAVA_OPTS="$JAVA_OPTS -Xlog:gc:file=$GC_LOG"
header tenant/export

# ---- the cluster: the service's database "onebase", the pgbench database "bench" -----------------------------------
if [ "$(id -u)" = 0 ]; then AS="runuser -u postgres --"; else AS=""; fi
# the cluster's files (data, socket, log) in $W/pg, which belongs to the user the server runs as
mkdir -p "$W/pg" "$W/backups" "$W/scratch" "$W/data"
chmod 1777 "$W/scratch"
[ -n "$AS" ] && chown postgres "$W/pg" "$W/backups"
$AS "$PG_BIN/initdb" -D "$W/pg/data" -U postgres -A trust -E UTF8 --locale=C >/dev/null
cat >> "$W/pg/data/postgresql.conf" <<CONF
port = $CLUSTER_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$W/pg'
wal_level = replica
max_wal_senders = 10
shared_buffers = 256MB
max_wal_size = 4GB
CONF
at_exit '$AS "$PG_BIN/pg_ctl" -D "$W/pg/data" stop -m fast >/dev/null 2>&1'
$AS "$PG_BIN/pg_ctl" -D "$W/pg/data" -l "$W/pg/pg.log" -w start >/dev/null
sql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$CLUSTER_PORT" -U postgres -At -d "${DB:-onebase}" "$@"; }
DB=postgres sql -c "create database onebase" -c "create database bench"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
rate() { awk -v b="$1" -v a="$2" -v c="$3" 'BEGIN { printf "%.1f", b / 1048576 / (c - a) }'; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# phase_start NAME / phase_end: heap and RSS samples (jstat, /proc) and the GC log's lines of one step
phase_start() {
  PHASE=$1
  _SAMPLES=$W/samples-$1
  GC_FROM=$(wc -l <"$GC_LOG" 2>/dev/null || echo 0)
  : >"$_SAMPLES"
  sampler_start "$SERVICE_PID"
}
phase_end() {
  sampler_stop
  local after
  # "GC(12) Pause Young (Normal) (G1 Evacuation Pause) 45M->20M(64M) 5.123ms": the heap held after each collection
  after=$(tail -n +"$((GC_FROM + 1))" "$GC_LOG" | grep -oE '[0-9]+[KMG]->[0-9]+[KMG]\(' \
    | sed -E 's/.*->([0-9]+)([KMG])\(/\1 \2/' \
    | awk '{ v = $1; if ($2 == "K") v /= 1024; if ($2 == "G") v *= 1024; if (v > m) m = v; n++ }
           END { if (n) printf "%.0f MiB (%d collections)", m, n; else printf "no collection" }')
  awk -v p="$PHASE" -v gc="$after" '{ if ($1 > h) h = $1; if ($2 > r) r = $2 }
    END { printf "%-9s heap after GC peak %s; heap used peak %.0f MiB; RSS peak %.0f MiB\n", p, gc, h / 1048576, r / 1048576 }' \
    "$_SAMPLES" | tee -a "$W/memory"
}

# ---- the service ----------------------------------------------------------------------------------------------------
BACKUP=(ONEBASE_BACKUP_HOST=127.0.0.1 ONEBASE_BACKUP_PORT="$CLUSTER_PORT" ONEBASE_BACKUP_DATABASE=onebase
  ONEBASE_BACKUP_USER=postgres ONEBASE_BACKUP_PASSWORD=unused ONEBASE_BACKUP_DIR="$W/backups"
  ONEBASE_BACKUP_RESTORE_TEST_SCRATCH_DIR="$W/scratch" ONEBASE_BACKUP_WAL_ENABLED=$([ "$RESTORE" = 1 ] && echo true || echo false))
# the Redis-protocol front is not measured here: off, so that its port cannot collide
start_service DATABASE_URL="postgres://postgres:unused@127.0.0.1:$CLUSTER_PORT/onebase" ONEBASE_RESP_ENABLED=false "${BACKUP[@]}"
echo "service ready in $SERVICE_READY_MS ms at $JAVA_OPTS"
AUTH="Authorization: Bearer $ADMIN_TOKEN"
signup pro
A=$TENANT_ID
A_KEY=$API_KEY

# ---- the tenant -----------------------------------------------------------------------------------------------------
t0=$(now)
sql -c "insert into cache_entries (tenant_id, key, value, content_type)
        select '$A', 'key:' || g, convert_to(repeat(md5(g::text), 3), 'UTF8'), 'text/plain' from generate_series(1, $ROWS) g" \
    -c "insert into sessions (tenant_id, id, user_id, data, idle_timeout, expires_at)
        select '$A', sha256(convert_to('session ' || g, 'UTF8')), 'user-' || g,
               jsonb_build_object('cart', jsonb_build_array(g, g + 1), 'name', md5(g::text)), interval '30 minutes',
               now() + interval '30 days' from generate_series(1, $ROWS / 2) g"
upload() { # upload FILE PATH: the new file's id
  curl -fsS -T "$1" -H 'Expect:' -H "Authorization: Bearer $A_KEY" -H 'Content-Type: application/octet-stream' \
    "$BASE_URL/api/v1/files/$2" | json "d['id']"
}
declare -A SHA ID
i=0
while [ "$i" -lt "$INLINE" ]; do
  i=$((i + 1))
  head -c $((1000 * 1024)) /dev/urandom >"$W/data/inline-$i.bin"
  ID[inline-$i]=$(upload "$W/data/inline-$i.bin" "bench/inline-$i.bin")
  SHA[inline-$i]=$(sha "$W/data/inline-$i.bin")
done
n=0
for m in $FILES; do
  n=$((n + 1))
  head -c $((m * 1048576)) /dev/urandom >"$W/data/large-$n.bin"
  ID[large-$n]=$(upload "$W/data/large-$n.bin" "bench/large-$n.bin")
  SHA[large-$n]=$(sha "$W/data/large-$n.bin")
done
t1=$(now)
TENANT_MB=$(sql -c "select round((select coalesce(sum(octet_length(value)), 0) from cache_entries where tenant_id = '$A')
  + (select coalesce(sum(size), 0) from files where tenant_id = '$A'))")
echo "tenant $A: $ROWS cache entries, $((ROWS / 2)) sessions, $INLINE inline files of 1000 KiB, large files of [$FILES] MiB ($(mib "$TENANT_MB") MiB of values and files; filled in $(secs "$t0" "$t1") s)"
storage=$(sql -c "select count(*) filter (where lo_oid is null) || ' inline, ' || count(lo_oid) || ' large objects' from files where tenant_id = '$A'")
echo "files: $storage"
# where A's files live (the checks below read them as the superuser)
A_FILES=files
if [ "$PLACEMENT" = schema ]; then
  t0=$(now)
  move=$(curl -fsS -X POST -H "$AUTH" -H 'Content-Type: application/json' -d '{"placement":"schema"}' "$BASE_URL/admin/tenants/$A/placement")
  mid=$(echo "$move" | json "d['id']")
  while :; do
    placed=$(curl -fsS -H "$AUTH" "$BASE_URL/admin/tenants/$A/placement")
    [ "$(echo "$placed" | json "(d.get('lastMove') or {}).get('id')")" = "$mid" ] \
      && [ "$(echo "$placed" | json "d['lastMove']['status']")" != running ] && break
    kill -0 "$SERVICE_PID" || die "the service exited"; sleep 0.5
  done
  [ "$(echo "$placed" | json "d['lastMove']['status']")" = succeeded ] || die "the promotion failed: $placed"
  A_FILES="$(echo "$placed" | json "d['schema']").files"
  echo "promoted to $(echo "$placed" | json "d['schema']") in $(secs "$t0" "$(now)") s (write pause $(echo "$placed" | json "d['lastMove']['pauseMs']") ms)"
fi

# ---- 1. export, import ----------------------------------------------------------------------------------------------
phase_start export
t0=$(now)
curl -fsS --speed-limit 1 --speed-time 600 -o "$W/tenant.tar" -H "$AUTH" "$BASE_URL/admin/tenants/$A/export" || { tail -30 "$SERVICE_LOG"; die "the export failed"; }
t1=$(now)
phase_end
EXPORT_S=$(secs "$t0" "$t1"); ARCHIVE=$(stat -c %s "$W/tenant.tar")
tar -tf "$W/tenant.tar" | tail -1 | grep -qx manifest.json || die "the archive does not end with manifest.json"
echo "export: $(mib "$ARCHIVE") MiB archive in $EXPORT_S s ($(rate "$ARCHIVE" "$t0" "$t1") MiB/s), $(tar -tf "$W/tenant.tar" | wc -l) members"

phase_start import
t0=$(now)
answer=$(curl -fsS --speed-limit 1 --speed-time 600 -X POST -T "$W/tenant.tar" -H 'Expect:' -H "$AUTH" -H 'Content-Type: application/x-tar' \
  "$BASE_URL/admin/tenants/import?as=new") || { tail -30 "$SERVICE_LOG"; die "the import failed"; }
t1=$(now)
phase_end
IMPORT_S=$(secs "$t0" "$t1")
C=$(echo "$answer" | json "d['tenantId']"); C_KEY=$(echo "$answer" | json "d['apiKey']")
echo "import: as tenant $C in $IMPORT_S s ($(rate "$ARCHIVE" "$t0" "$t1") MiB/s): $(echo "$answer" | json "d['rows']")"

# the copy: the same counts, every file byte for byte (by its path, through the copy's own key)
[ "$(sql -c "select count(*) from cache_entries where tenant_id = '$C'")" = "$ROWS" ] || die "the copy's cache entries differ"
[ "$(sql -c "select count(*) from sessions where tenant_id = '$C'")" = "$((ROWS / 2))" ] || die "the copy's sessions differ"
while IFS='|' read -r fid fname; do
  curl -fsS -o "$W/out.bin" -H "Authorization: Bearer $C_KEY" "$BASE_URL/api/v1/files/$fid/content"
  [ "$(sha "$W/out.bin")" = "${SHA[${fname%.bin}]}" ] || die "the copy's $fname differs"
  rm -f "$W/out.bin"
  checked=$((${checked:-0} + 1))
done < <(sql -c "select id, name from files where tenant_id = '$C' and deleted_at is null")
[ "${checked:-0}" = $((INLINE + n)) ] || die "the copy has ${checked:-0} files, not $((INLINE + n))"
echo "copy checked: $ROWS cache entries, $((ROWS / 2)) sessions, $checked files by SHA-256"
rm -f "$W/tenant.tar"

# ---- 2. one tenant back to a point in time --------------------------------------------------------------------------
if [ "$RESTORE" = 1 ]; then
  if [ "$SCALE" -gt 0 ]; then
    echo "pgbench -i -s $SCALE (database bench, same cluster) ..."
    "$PG_BIN/pgbench" -h 127.0.0.1 -p "$CLUSTER_PORT" -U postgres -i -s "$SCALE" -q bench 2>&1 | tail -1
  fi
  CLUSTER_MB=$(DB=postgres sql -c "select sum(pg_database_size(datname)) from pg_database")
  for _ in $(seq 1 300); do
    [ "$(curl -fsS -H "$AUTH" "$BASE_URL/admin/backups/wal" | json "d['running']")" = True ] && break
    kill -0 "$SERVICE_PID" || die "the service exited"; sleep 1
  done
  [ "$(curl -fsS -H "$AUTH" "$BASE_URL/admin/backups/wal" | json "d['running']")" = True ] || die "the WAL streamer does not run"
  signup pro
  B=$TENANT_ID; B_KEY=$API_KEY
  echo "a full copy of the cluster ($(mib "$CLUSTER_MB") MiB) ..."
  t0=$(now)
  curl -fsS -o /dev/null -X POST -H "$AUTH" "$BASE_URL/admin/backups?kind=full"
  sleep 0.5
  while [ "$(curl -fsS -H "$AUTH" "$BASE_URL/admin/backups/running")" != "{}" ]; do
    kill -0 "$SERVICE_PID" || die "the service exited"; sleep 0.5
  done
  full=$(curl -fsS -H "$AUTH" "$BASE_URL/admin/backups?kind=full&limit=1")
  [ "$(echo "$full" | json "d[0]['status']")" = succeeded ] || die "the full copy failed: $full"
  echo "full copy: $(secs "$t0" "$(now)") s, $(mib "$(echo "$full" | json "d[0]['sizeBytes']")") MiB"
  # B writes; at T, A's files go; B keeps writing
  echo "before T" >"$W/b1.txt"; curl -fsS -o /dev/null -T "$W/b1.txt" -H "Authorization: Bearer $B_KEY" "$BASE_URL/api/v1/files/b/before.txt"
  T=$(sql -c "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
  sleep 1
  for k in "${!ID[@]}"; do
    curl -fsS -o /dev/null -X DELETE -H "Authorization: Bearer $A_KEY" "$BASE_URL/api/v1/files/${ID[$k]}?purge=true"
  done
  [ "$(sql -c "select count(*) from $A_FILES where tenant_id = '$A'")" = 0 ] || die "A's files were not deleted"
  echo "after T" >"$W/b2.txt"
  B_AFTER=$(curl -fsS -T "$W/b2.txt" -H 'Expect:' -H "Authorization: Bearer $B_KEY" "$BASE_URL/api/v1/files/b/after.txt" | json "d['id']")
  lsn=$(sql -c "select pg_current_wal_lsn()")
  lsn_num() { python3 -c "h, l = '$1'.split('/'); print(int(h, 16) << 32 | int(l, 16))"; }
  want=$(lsn_num "$lsn")
  for _ in $(seq 1 240); do
    flushed=$(curl -fsS -H "$AUTH" "$BASE_URL/admin/backups/wal" | json "d['flushedLsn'] or '0/0'")
    [ "$(lsn_num "$flushed")" -ge "$want" ] && break
    sleep 0.5
  done
  [ "$(lsn_num "$flushed")" -ge "$want" ] || die "the WAL streamer did not reach $lsn (at $flushed)"

  phase_start restore
  t0=$(now)
  run=$(curl -fsS -X POST -H "$AUTH" "$BASE_URL/admin/tenants/$A/restore-to?time=$T&mode=replace")
  rid=$(echo "$run" | json "d['id']")
  last=""
  # when each phase was first seen (polled every 0.5 s): recover, export, replace
  T_EXPORT=""; T_REPLACE=""
  while :; do
    run=$(curl -fsS -H "$AUTH" "$BASE_URL/admin/tenant-restores/$rid")
    status=$(echo "$run" | json "d['status']"); phase=$(echo "$run" | json "d['phase']")
    if [ "$phase" != "$last" ]; then
      echo "  $(secs "$t0" "$(now)") s: $phase"; last=$phase
      case $phase in
        export*) T_EXPORT=$(now) ;;
        replace*) T_REPLACE=$(now) ;;
      esac
    fi
    [ "$status" = running ] || break
    kill -0 "$SERVICE_PID" || die "the service exited"
    sleep 0.5
  done
  t1=$(now)
  phase_end
  [ "$status" = succeeded ] || { tail -30 "$SERVICE_LOG"; die "the restore failed: $run"; }
  RESTORE_MS=$(echo "$run" | json "d['durationMs']")
  [ -n "$T_EXPORT" ] && [ -n "$T_REPLACE" ] \
    && RESTORE_PHASES="recover $(secs "$t0" "$T_EXPORT") s, export $(secs "$T_EXPORT" "$T_REPLACE") s, replace $(secs "$T_REPLACE" "$t1") s"
  [ "$(sql -c "select count(*) from $A_FILES where tenant_id = '$A'")" = "${#ID[@]}" ] \
    || die "A's files did not come back into $A_FILES"
  for k in "${!ID[@]}"; do
    curl -fsS -o "$W/out.bin" -H "Authorization: Bearer $A_KEY" "$BASE_URL/api/v1/files/${ID[$k]}/content"
    [ "$(sha "$W/out.bin")" = "${SHA[$k]}" ] || die "A's $k did not come back as it was"
  done
  rm -f "$W/out.bin"
  [ "$(curl -fsS -H "Authorization: Bearer $B_KEY" "$BASE_URL/api/v1/files/$B_AFTER/content")" = "after T" ] \
    || die "B's write after T is gone"
  echo "restore-to: tenant $A ($PLACEMENT) back to $T in $RESTORE_MS ms (durationMs; $(secs "$t0" "$t1") s wall), ${#ID[@]} files back by SHA-256 into $A_FILES, B's later write kept"
  echo "  cluster $(mib "$CLUSTER_MB") MiB (pgbench scale $SCALE beside the service's database), rows: $(echo "$run" | json "d['rows']")"
fi

echo
echo "== $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); JAVA_OPTS=$JAVA_OPTS"
echo "tenant: $ROWS cache entries, $((ROWS / 2)) sessions, $INLINE x 1000 KiB inline files, large files [$FILES] MiB"
echo "archive $(mib "$ARCHIVE") MiB; export $EXPORT_S s; import $IMPORT_S s (first tenant's placement: $PLACEMENT)"
if [ -n "${RESTORE_MS:-}" ]; then
  echo "per-tenant restore-to: $(awk -v m="$RESTORE_MS" 'BEGIN { printf "%.1f", m / 1000 }') s (durationMs) on a $(mib "$CLUSTER_MB") MiB cluster (pgbench scale $SCALE)${RESTORE_PHASES:+; as polled, from the request: $RESTORE_PHASES}"
fi
cat "$W/memory"
grep -E "OutOfMemory" "$SERVICE_LOG" | head -3 || true
footer
