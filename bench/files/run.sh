#!/usr/bin/env bash
# File storage: upload and download throughput through onebase for 1 MiB, 100 MiB and 1 GiB files, against psql's
# \lo_import / \lo_export of the same files into the same database in the same run (the ceiling), as ratios; plus the
# service's peak heap and RSS during the 1 GiB transfers, run with JAVA_OPTS=-Xmx64m.
#
#   bench/files/run.sh                  SIZES="1 100" bench/files/run.sh
#
# Needs the PostgreSQL of PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432, postgres, trust auth; it creates the
# database onebase_bench_files there and drops it at exit), psql, curl, bc, and jstat (from the JDK) for the heap.
# SIZES in MiB ("1 100 1024"; the heap and RSS are sampled for sizes of 1024 and more), JAVA_OPTS (-Xmx64m).
# bench/README.md has the latest figures.
. "$(dirname "$0")/../lib.sh"
SIZES=${SIZES:-1 100 1024}
for mib in $SIZES; do [[ $mib =~ ^[1-9][0-9]*$ ]] || die "SIZES must be whole numbers of MiB, not '$SIZES'"; done
JAVA_OPTS=${JAVA_OPTS:--Xmx64m}
DB=onebase_bench_files
need curl
need bc
need jstat openjdk-17-jdk-headless
reference_pg
work_dir files
WORK=$WORK_DIR
header files

now() { date +%s.%N; }
mibps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1048576 / s }'; }

echo "database: $DB on $PGHOST:$PGPORT (recreated)"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "set client_min_messages = warning" -c "drop database if exists $DB" -c "create database $DB"
at_exit 'psql -X -q -d postgres -c "drop database if exists $DB" >/dev/null 2>&1'

start_service DATABASE_URL="$PG_URL/$DB" QUARKUS_LOG_LEVEL=WARN
signup pro
KEY=$API_KEY
PID=$SERVICE_PID
BASE=$BASE_URL
printf "\n%-8s %-9s %12s %12s %7s\n" size direction "onebase MiB/s" "psql MiB/s" ratio
for mib in $SIZES; do
    f="$WORK/in-$mib.bin"
    head -c $((mib * 1048576)) /dev/urandom >"$f"
    bytes=$((mib * 1048576))
    runs=1; [ "$mib" -le 100 ] && runs=3; [ "$mib" -le 1 ] && runs=10
    best_up=999999; best_down=999999; best_imp=999999; best_exp=999999
    if [ "$mib" -ge 1024 ]; then sampler_start "$PID"; fi
    for i in $(seq 1 $runs); do
        # onebase upload, download (byte-exact check), then remove the file for good
        t0=$(now)
        id=$(curl -fsS -T "$f" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/octet-stream' -H 'Expect:' \
            "$BASE/api/v1/files/bench/$mib-$i.bin" | sed -E 's/.*"id":"([^"]+)".*/\1/')
        t1=$(now)
        curl -fsS -H "Authorization: Bearer $KEY" -o "$WORK/out.bin" "$BASE/api/v1/files/$id/content"
        t2=$(now)
        cmp -s "$f" "$WORK/out.bin" || { echo "onebase download of $mib MiB (run $i, file $id) differs: $(ls -l "$WORK/out.bin")"; cmp "$f" "$WORK/out.bin" | head -1; tail -20 "$SERVICE_LOG"; exit 1; }
        curl -fsS -X DELETE -H "Authorization: Bearer $KEY" "$BASE/api/v1/files/$id?purge=true"
        up=$(echo "$t1 - $t0" | bc -l); down=$(echo "$t2 - $t1" | bc -l)
        # psql reference on the same database
        t0=$(now)
        oid=$(psql -tA -d "$DB" -c "\\lo_import '$f'" | awk '{ print $2 }')
        t1=$(now)
        psql -qtA -d "$DB" -c "\\lo_export $oid '$WORK/ref.bin'" >/dev/null
        t2=$(now)
        cmp -s "$f" "$WORK/ref.bin" || { echo "psql export of $mib MiB differs"; exit 1; }
        psql -qtA -d "$DB" -c "select lo_unlink($oid)" >/dev/null
        imp=$(echo "$t1 - $t0" | bc -l); exp=$(echo "$t2 - $t1" | bc -l)
        best_up=$(echo "if ($up < $best_up) $up else $best_up" | bc -l)
        best_down=$(echo "if ($down < $best_down) $down else $best_down" | bc -l)
        best_imp=$(echo "if ($imp < $best_imp) $imp else $best_imp" | bc -l)
        best_exp=$(echo "if ($exp < $best_exp) $exp else $best_exp" | bc -l)
        rm -f "$WORK/out.bin" "$WORK/ref.bin"
    done
    if [ "$mib" -ge 1024 ]; then sampler_stop; fi
    u=$(mibps $bytes "$best_up"); i=$(mibps $bytes "$best_imp")
    d=$(mibps $bytes "$best_down"); e=$(mibps $bytes "$best_exp")
    printf "%-8s %-9s %12s %12s %7s\n" "${mib}MiB" upload "$u" "$i" "$(awk -v a="$u" -v b="$i" 'BEGIN { printf "%.2f", a / b }')"
    printf "%-8s %-9s %12s %12s %7s\n" "${mib}MiB" download "$d" "$e" "$(awk -v a="$d" -v b="$e" 'BEGIN { printf "%.2f", a / b }')"
    rm -f "$f"
done
echo "(best of 10 runs for 1 MiB, 3 for 100 MiB, 1 for 1 GiB; psql = \\lo_import / \\lo_export as $PGUSER)"

sampler_report "the transfers of 1 GiB and more"
grep -E "OutOfMemory|ERROR" "$SERVICE_LOG" | head -5 || true
footer
