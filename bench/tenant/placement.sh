#!/usr/bin/env bash
# How long a placement move takes, and how long the tenant's writes pause, for 10k and 100k rows (half cache entries,
# half sessions): TenantPlacementTest.benchPromotionTimes (src/test/.../tenant), skipped in the normal suite, on the
# test's private PostgreSQL. BENCH lines: promote and demote durations, their batch (copy) phases and their write
# pauses (the time the move held the tenant's lock exclusively), in ms.
#
#   bench/tenant/placement.sh
. "$(dirname "$0")/../lib.sh"
header tenant-placement
./mvnw -B -q test -Dtest='TenantPlacementTest#benchPromotionTimes' -Dbench=true -Dsurefire.failIfNoSpecifiedTests=false \
  | grep -E '^BENCH'
footer
