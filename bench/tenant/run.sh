#!/usr/bin/env bash
# What a tenant-scoped read costs through onebase's tenant helper (TenantTx), against an unscoped read of the same
# data on the same private PostgreSQL, in one run: the workload of shared/reference/tenant-path (200k rows, 8 tenants,
# 8 clients, fixed in the test). The test (src/test/.../bench/TenantPathBench) starts its own cluster; the service is
# not started. Each way is measured in three interleaved rounds of DURATION seconds (default 5) and the best round
# counts; the RESULT lines give reads/s and the ratio to the unscoped read.
#
#   bench/tenant/run.sh              DURATION=4 bench/tenant/run.sh
. "$(dirname "$0")/../lib.sh"
int_var DURATION 5
header tenant
./mvnw -B -q test -Dtest=TenantPathBench -Dbench=true -Dbench.seconds="$DURATION" -Dsurefire.failIfNoSpecifiedTests=false \
  | grep -E '^(BENCH|RESULT)'
footer
