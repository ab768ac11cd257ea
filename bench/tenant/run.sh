#!/usr/bin/env bash
# What a tenant-scoped read costs through onebase's tenant helper, against an unscoped read of the same data on the
# same private PostgreSQL, in one run (the workload of shared/reference/tenant-path: 200k rows, 8 tenants, 8 clients).
# Each way is measured in three interleaved rounds of BENCH_SECONDS (default 5) and the best round counts; the RESULT
# lines give reads/s and the ratio to the unscoped read.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q test -Dtest=TenantPathBench -Dbench=true -Dbench.seconds="${BENCH_SECONDS:-5}" -Dsurefire.failIfNoSpecifiedTests=false \
  | grep -E '^(BENCH|RESULT)'
