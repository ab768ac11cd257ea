#!/usr/bin/env bash
# The S3 endpoint: `aws s3 cp` up and down of 1 MiB, 100 MiB and 1 GiB files against onebase, beside onebase's own
# file routes (curl PUT /api/v1/files/..., GET .../content) and psql's \lo_import / \lo_export of the same files into
# the same database, in the same run, as ratios; plus the service's peak heap and RSS during the 1 GiB transfers, run
# with JAVA_OPTS=-Xmx64m. aws-cli uses multipart above 8 MiB (8 MiB parts, 10 in parallel), as it does against S3.
#
#   bench/s3/run.sh                     SIZES="1 10" bench/s3/run.sh   (a smoke run)
#
# Needs the PostgreSQL of PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432, postgres, trust auth; it creates the
# database onebase_bench_s3 there and drops it at exit), psql, curl, bc, Debian's awscli, and jstat for the heap.
# SIZES in MiB ("1 100 1024"; heap and RSS are sampled for sizes of 1024 and more, per transfer), JAVA_OPTS (-Xmx64m;
# the script adds -Xlog:gc to a file of its own for the heap live after each GC), APP_JAR (the packaged jar to run,
# default target/quarkus-app/quarkus-run.jar: another build's, to compare two builds one after the other).
# bench/README.md has the latest figures.
. "$(dirname "$0")/../lib.sh"
JAR=${APP_JAR:-$JAR}
[ -z "${APP_JAR:-}" ] || [ -f "$JAR" ] || die "APP_JAR=$APP_JAR is not a file"
SIZES=${SIZES:-1 100 1024}
for mib in $SIZES; do [[ $mib =~ ^[1-9][0-9]*$ ]] || die "SIZES must be whole numbers of MiB, not '$SIZES'"; done
JAVA_OPTS=${JAVA_OPTS:--Xmx64m}
DB=onebase_bench_s3
need curl
need bc
need jstat openjdk-17-jdk-headless
[ -x /usr/bin/aws ] || need /usr/bin/aws awscli
AWS_BIN=/usr/bin/aws
reference_pg
work_dir s3
WORK=$WORK_DIR
header s3

now() { date +%s.%N; }
mibps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1048576 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
best() { echo "if ($1 < $2) $1 else $2" | bc -l; }

echo "database: $DB on $PGHOST:$PGPORT (recreated)"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "set client_min_messages = warning" -c "drop database if exists $DB" -c "create database $DB"
at_exit 'psql -X -q -d postgres -c "drop database if exists $DB" >/dev/null 2>&1'

S3_PORT=$(free_port)
GC_LOG=$WORK/gc.log
SHOWN_OPTS=$JAVA_OPTS
JAVA_OPTS="$JAVA_OPTS -Xlog:gc:file=$GC_LOG"
echo "service: $JAR, JAVA_OPTS=$SHOWN_OPTS"
start_service DATABASE_URL="$PG_URL/$DB" QUARKUS_LOG_LEVEL=WARN ONEBASE_S3_PORT="$S3_PORT" ONEBASE_S3_SECRET_KEY=bench-s3-secret-key
JAVA_OPTS=$SHOWN_OPTS
signup pro
KEY=$API_KEY
PID=$SERVICE_PID
BASE=$BASE_URL
S3=http://127.0.0.1:$S3_PORT
body=$(curl -fsS -X POST -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"name":"bench"}' "$BASE/api/v1/keys/s3")
export AWS_ACCESS_KEY_ID=$(sed -nE 's/.*"accessKeyId":"([^"]+)".*/\1/p' <<<"$body")
export AWS_SECRET_ACCESS_KEY=$(sed -nE 's/.*"secretAccessKey":"([^"]+)".*/\1/p' <<<"$body")
export AWS_CONFIG_FILE=$WORK/aws-config AWS_SHARED_CREDENTIALS_FILE=$WORK/none AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
printf '[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n' >"$AWS_CONFIG_FILE"
aws() { "$AWS_BIN" --endpoint-url "$S3" "$@"; }
aws s3 mb s3://bench >/dev/null
printf "\n%-8s %-9s %10s %14s %10s %11s %9s\n" size direction "s3 MiB/s" "routes MiB/s" "psql MiB/s" "s3/routes" "s3/psql"
for mib in $SIZES; do
    f="$WORK/in-$mib.bin"
    head -c $((mib * 1048576)) /dev/urandom >"$f"
    bytes=$((mib * 1048576))
    runs=1; [ "$mib" -le 100 ] && runs=3; [ "$mib" -le 1 ] && runs=10
    s3_up=999999; s3_down=999999; s3_curl=999999; r_up=999999; r_down=999999; imp=999999; exp=999999
    # phase NAME: the peaks of each transfer of 1 GiB and more, apart (phase_report at the end)
    phase() { if [ "$mib" -ge 1024 ]; then phase_stop; phase_start "$PID" "$mib-MiB-$1"; fi; }
    for i in $(seq 1 $runs); do
        # S3: aws s3 cp up, down (byte-exact check), then remove the file for good through the file API
        phase s3-up
        t0=$(now)
        aws s3 cp --only-show-errors "$f" "s3://bench/s3/$mib-$i.bin"
        t1=$(now)
        phase s3-down
        aws s3 cp --only-show-errors "s3://bench/s3/$mib-$i.bin" "$WORK/out.bin"
        t2=$(now)
        cmp -s "$f" "$WORK/out.bin" || { echo "S3 download of $mib MiB (run $i) differs"; tail -20 "$SERVICE_LOG"; exit 1; }
        s3_up=$(best "$(echo "$t1 - $t0" | bc -l)" "$s3_up"); s3_down=$(best "$(echo "$t2 - $t1" | bc -l)" "$s3_down")
        # the same GetObject with curl on a presigned URL: the S3 endpoint's own cost, without aws-cli's
        url=$(aws s3 presign "s3://bench/s3/$mib-$i.bin" --expires-in 900)
        phase s3-curl-down
        t0=$(now)
        curl -fsS -o "$WORK/out.bin" "$url"
        t1=$(now)
        cmp -s "$f" "$WORK/out.bin" || { echo "S3 presigned download of $mib MiB (run $i) differs"; exit 1; }
        s3_curl=$(best "$(echo "$t1 - $t0" | bc -l)" "$s3_curl")
        # onebase's own file routes
        phase routes-up
        t0=$(now)
        id=$(curl -fsS -T "$f" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/octet-stream' -H 'Expect:' \
            "$BASE/api/v1/files/bench/routes/$mib-$i.bin" | sed -E 's/.*"id":"([^"]+)".*/\1/')
        t1=$(now)
        phase routes-down
        curl -fsS -H "Authorization: Bearer $KEY" -o "$WORK/out.bin" "$BASE/api/v1/files/$id/content"
        t2=$(now)
        [ "$mib" -lt 1024 ] || phase_stop
        cmp -s "$f" "$WORK/out.bin" || { echo "file route download of $mib MiB differs"; exit 1; }
        r_up=$(best "$(echo "$t1 - $t0" | bc -l)" "$r_up"); r_down=$(best "$(echo "$t2 - $t1" | bc -l)" "$r_down")
        curl -fsS -X DELETE -H "Authorization: Bearer $KEY" "$BASE/api/v1/files/$id?purge=true"
        curl -fsS -X DELETE -H "Authorization: Bearer $KEY" "$BASE/api/v1/folders?path=bench/s3&purge=true" >/dev/null
        # psql reference on the same database
        t0=$(now)
        oid=$(psql -tA -d "$DB" -c "\\lo_import '$f'" | awk '{ print $2 }')
        t1=$(now)
        psql -qtA -d "$DB" -c "\\lo_export $oid '$WORK/ref.bin'" >/dev/null
        t2=$(now)
        cmp -s "$f" "$WORK/ref.bin" || { echo "psql export of $mib MiB differs"; exit 1; }
        psql -qtA -d "$DB" -c "select lo_unlink($oid)" >/dev/null
        imp=$(best "$(echo "$t1 - $t0" | bc -l)" "$imp"); exp=$(best "$(echo "$t2 - $t1" | bc -l)" "$exp")
        rm -f "$WORK/out.bin" "$WORK/ref.bin"
    done
    su=$(mibps $bytes "$s3_up"); ru=$(mibps $bytes "$r_up"); iu=$(mibps $bytes "$imp")
    sd=$(mibps $bytes "$s3_down"); rd=$(mibps $bytes "$r_down"); ed=$(mibps $bytes "$exp")
    printf "%-8s %-9s %10s %14s %10s %11s %9s\n" "${mib}MiB" upload "$su" "$ru" "$iu" "$(ratio "$su" "$ru")" "$(ratio "$su" "$iu")"
    printf "%-8s %-9s %10s %14s %10s %11s %9s\n" "${mib}MiB" download "$sd" "$rd" "$ed" "$(ratio "$sd" "$rd")" "$(ratio "$sd" "$ed")"
    sc=$(mibps $bytes "$s3_curl")
    printf "%-8s %-9s %10s %14s %10s %11s %9s\n" "${mib}MiB" "down-curl" "$sc" "$rd" "$ed" "$(ratio "$sc" "$rd")" "$(ratio "$sc" "$ed")"
    rm -f "$f"
done
echo "(best of 10 runs for 1 MiB, 3 for 100 MiB, 1 for 1 GiB; s3 = aws-cli $("$AWS_BIN" --version 2>&1 | cut -d' ' -f1), down-curl = curl on an"
echo " \`aws s3 presign\` URL of the same object; routes = curl on /api/v1/files; psql = \\lo_import / \\lo_export as $PGUSER)"
t0=$(now); aws s3 ls s3://bench/ >/dev/null; t1=$(now)
echo "aws-cli's own start and one request (\`aws s3 ls\` of the bucket): $(echo "$t1 - $t0" | bc -l | awk '{ printf "%.2f", $1 }') s"

if [ ${#_PHASES[@]} -gt 0 ]; then echo; echo "the service during each transfer of 1 GiB and more, at $SHOWN_OPTS:"; phase_report; fi
grep -E "OutOfMemory|ERROR" "$SERVICE_LOG" | head -5 || true
footer
